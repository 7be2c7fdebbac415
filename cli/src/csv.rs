//! Room: CSV input, as admins have it. Reads a file incrementally into typed
//! rows (one at a time: a 100,000-row file is never held in memory).
//!
//! What it accepts:
//! - the headers exports and scripts use, in any case and spacing
//!   (`UserPrincipalName`, `Identity`, `UserId`, `ObjectId`; `PhoneNumber`,
//!   `TelephoneNumber`; `PhoneNumberType`, `NumberType`; `LocationId`,
//!   `AssignmentCategory`, `NetworkSiteId`; `PolicyType`, `PolicyName`,
//!   `PolicyId`), extra columns ignored;
//! - `,`, `;` or tab as the separator, sniffed from the header line (Excel
//!   in many locales writes `;`), and Excel's `sep=;` first line;
//! - Excel's UTF-8 byte order mark, quoted fields (with `""`, separators
//!   and line breaks inside), CRLF or LF, blank lines, short rows;
//! - numbers as people type them: `+1 (425) 555-0100`, `14255550100`
//!   (the `+` Excel drops is put back), `tel:+1…`, `;ext=`.
//!
//! A missing column is an [`InputError`] naming it (the run does not
//! start: exit 2). A bad row is a [`RowError`] with its row number and the
//! reason; the rows after it go on. Row numbers count data rows from 1
//! (the header is not a row, blank lines are not counted); `line` is the
//! physical line in the file, as an editor shows it.

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use graph_teams_admin::{AssignmentCategory, NumberType};

/// What a file is for: which columns it must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Assign,
    Unassign,
    Update,
    PolicyAssign,
    PolicyUnassign,
}

impl Kind {
    pub fn verb(self) -> &'static str {
        match self {
            Kind::Assign => "assign",
            Kind::Unassign => "unassign",
            Kind::Update => "update",
            Kind::PolicyAssign => "policy assign",
            Kind::PolicyUnassign => "policy unassign",
        }
    }
}

/// An update of an optional value: keep it, clear it, or set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Keep,
    Clear,
    Set(String),
}

/// Which policy: by name (looked up) or by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyRef {
    Name(String),
    Id(String),
}

/// What one row asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowData {
    Assign {
        /// UPN or object id, as written.
        user: String,
        number: String,
        number_type: NumberType,
        location_id: Option<String>,
        category: Option<AssignmentCategory>,
    },
    Unassign {
        number: String,
        number_type: NumberType,
    },
    Update {
        number: String,
        location_id: Change,
        network_site_id: Change,
    },
    PolicyAssign {
        user: String,
        policy_type: String,
        policy: PolicyRef,
    },
    PolicyUnassign {
        user: String,
        policy_type: String,
    },
}

/// One good row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRow {
    /// 1-based data row number.
    pub row: u64,
    /// Physical line where the row starts.
    pub line: u64,
    pub data: RowData,
}

/// One bad row: reported, and the run goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} (line {}): {}", self.row, self.line, self.reason)
    }
}

/// A file that cannot be used at all (exit 2).
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Column roles and the header names accepted for each, first preferred.
mod col {
    pub const USER: &[&str] = &["UserPrincipalName", "Identity", "UserId", "ObjectId", "UPN"];
    pub const NUMBER: &[&str] = &["PhoneNumber", "TelephoneNumber"];
    pub const TYPE: &[&str] = &["PhoneNumberType", "NumberType"];
    pub const LOCATION: &[&str] = &["LocationId"];
    pub const CATEGORY: &[&str] = &["AssignmentCategory"];
    pub const NETWORK_SITE: &[&str] = &["NetworkSiteId"];
    pub const POLICY_TYPE: &[&str] = &["PolicyType"];
    pub const POLICY_NAME: &[&str] = &["PolicyName"];
    pub const POLICY_ID: &[&str] = &["PolicyId"];
}

/// `Phone Number`, `phone_number`, `PHONENUMBER` → `phonenumber`.
fn fold(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each role is in the record.
#[derive(Debug, Default)]
struct Columns {
    user: Vec<usize>,
    number: Vec<usize>,
    number_type: Vec<usize>,
    location: Option<usize>,
    category: Option<usize>,
    network_site: Option<usize>,
    policy_type: Option<usize>,
    policy_name: Option<usize>,
    policy_id: Option<usize>,
}

fn find_all(headers: &[String], names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .filter_map(|n| {
            let want = fold(n);
            headers.iter().position(|h| *h == want)
        })
        .collect()
}

fn missing(names: &[&str], raw: &[String]) -> InputError {
    let also = if names.len() > 1 {
        format!(" (or {})", names[1..].join(", "))
    } else {
        String::new()
    };
    InputError(format!(
        "missing column {}{also}; the header has: {}",
        names[0],
        if raw.is_empty() {
            "nothing".to_owned()
        } else {
            raw.join(", ")
        }
    ))
}

impl Columns {
    fn map(raw: &[String], kind: Kind, has_default_type: bool) -> Result<Self, InputError> {
        let headers: Vec<String> = raw.iter().map(|h| fold(h)).collect();
        let one = |names: &[&str]| find_all(&headers, names).first().copied();
        let c = Columns {
            user: find_all(&headers, col::USER),
            number: find_all(&headers, col::NUMBER),
            number_type: find_all(&headers, col::TYPE),
            location: one(col::LOCATION),
            category: one(col::CATEGORY),
            network_site: one(col::NETWORK_SITE),
            policy_type: one(col::POLICY_TYPE),
            policy_name: one(col::POLICY_NAME),
            policy_id: one(col::POLICY_ID),
        };
        let need = |ok: bool, names: &[&str]| {
            if ok { Ok(()) } else { Err(missing(names, raw)) }
        };
        match kind {
            Kind::Assign => {
                need(!c.user.is_empty(), col::USER)?;
                need(!c.number.is_empty(), col::NUMBER)?;
                need(!c.number_type.is_empty() || has_default_type, col::TYPE)?;
            }
            Kind::Unassign => {
                need(!c.number.is_empty(), col::NUMBER)?;
                need(!c.number_type.is_empty() || has_default_type, col::TYPE)?;
            }
            Kind::Update => {
                need(!c.number.is_empty(), col::NUMBER)?;
                need(
                    c.location.is_some() || c.network_site.is_some(),
                    &["LocationId", "NetworkSiteId"],
                )?;
            }
            Kind::PolicyAssign => {
                need(!c.user.is_empty(), col::USER)?;
                need(c.policy_type.is_some(), col::POLICY_TYPE)?;
                need(
                    c.policy_name.is_some() || c.policy_id.is_some(),
                    &["PolicyName", "PolicyId"],
                )?;
            }
            Kind::PolicyUnassign => {
                need(!c.user.is_empty(), col::USER)?;
                need(c.policy_type.is_some(), col::POLICY_TYPE)?;
            }
        }
        Ok(c)
    }
}

/// The first line of the file, BOM removed, plus what came with it.
struct Head {
    delimiter: u8,
    /// Bytes to parse before the rest of the stream (the header line, or
    /// nothing after a `sep=` line).
    replay: Vec<u8>,
    /// Physical lines consumed before `replay` (1 after a `sep=` line).
    skipped_lines: u64,
}

const MAX_HEADER: u64 = 64 * 1024;

fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.by_ref().take(MAX_HEADER).read_until(b'\n', &mut line)?;
    Ok(line)
}

/// The separator that appears most in `line` outside quotes (`,` on a tie).
pub fn sniff_delimiter(line: &[u8]) -> u8 {
    let (mut comma, mut semi, mut tab, mut quoted) = (0usize, 0usize, 0usize, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

fn head(r: &mut impl BufRead) -> Result<Head, InputError> {
    let io = |e: io::Error| InputError(format!("cannot read the file: {e}"));
    let mut line = read_line(r).map_err(io)?;
    if line.starts_with(&[0xFF, 0xFE]) || line.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError(
            "the file is UTF-16 (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\"".into(),
        ));
    }
    if let Some(rest) = line.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        line = rest.to_vec();
    }
    let text = String::from_utf8_lossy(&line);
    let trimmed = text.trim();
    if let Some(sep) = trimmed.strip_prefix("sep=")
        && let [d] = sep.as_bytes()
    {
        return Ok(Head {
            delimiter: *d,
            replay: Vec::new(),
            skipped_lines: 1,
        });
    }
    Ok(Head {
        delimiter: sniff_delimiter(&line),
        replay: line,
        skipped_lines: 0,
    })
}

/// Where the line breaks are, for physical line numbers (the csv crate's
/// own line count skips blank lines and miscounts CRLF). Holds only the
/// breaks the parser has read ahead of the current record.
#[derive(Debug, Default)]
struct Breaks {
    ahead: VecDeque<u64>,
    passed: u64,
}

impl Breaks {
    /// Line breaks before byte `offset`.
    fn before(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&b| b < offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed
    }
}

/// The input, noting every `\n` it hands the parser.
struct Source {
    inner: std::io::Chain<Cursor<Vec<u8>>, Box<dyn BufRead + Send>>,
    offset: u64,
    breaks: Arc<Mutex<Breaks>>,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.lock().unwrap_or_else(|e| e.into_inner());
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            breaks.ahead.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The rows of one CSV file, read as they are asked for.
pub struct CsvInput {
    reader: csv::Reader<Source>,
    columns: Columns,
    kind: Kind,
    default_type: Option<NumberType>,
    row: u64,
    skipped_lines: u64,
    breaks: Arc<Mutex<Breaks>>,
    record: csv::ByteRecord,
    done: bool,
}

impl fmt::Debug for CsvInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvInput")
            .field("kind", &self.kind)
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

fn reader_builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .has_headers(true);
    b
}

impl CsvInput {
    /// Opens a file (exit 2 when it cannot be read or lacks a column).
    pub fn open(
        path: &Path,
        kind: Kind,
        default_type: Option<NumberType>,
    ) -> Result<Self, InputError> {
        let file = File::open(path)
            .map_err(|e| InputError(format!("cannot open {}: {e}", path.display())))?;
        Self::from_reader(
            Box::new(BufReader::with_capacity(64 * 1024, file)),
            kind,
            default_type,
        )
    }

    /// Reads from any byte stream.
    pub fn from_reader(
        mut input: Box<dyn BufRead + Send>,
        kind: Kind,
        default_type: Option<NumberType>,
    ) -> Result<Self, InputError> {
        let head = head(&mut input)?;
        let breaks = Arc::new(Mutex::new(Breaks::default()));
        let source = Source {
            inner: Cursor::new(head.replay).chain(input),
            offset: 0,
            breaks: breaks.clone(),
        };
        let mut reader = reader_builder(head.delimiter).from_reader(source);
        let headers = reader
            .byte_headers()
            .map_err(|e| InputError(format!("cannot read the header line: {e}")))?;
        let raw: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_owned())
            .collect();
        if raw.iter().all(|h| h.is_empty()) {
            return Err(InputError(
                "the file is empty: expected a header line first".into(),
            ));
        }
        let columns = Columns::map(&raw, kind, default_type.is_some())?;
        Ok(Self {
            reader,
            columns,
            kind,
            default_type,
            row: 0,
            skipped_lines: head.skipped_lines,
            breaks,
            record: csv::ByteRecord::new(),
            done: false,
        })
    }

    /// Counts the data rows of a file (a quick pass, for the progress bar).
    pub fn count_rows(path: &Path) -> Result<u64, InputError> {
        let file = File::open(path)
            .map_err(|e| InputError(format!("cannot open {}: {e}", path.display())))?;
        let mut input: Box<dyn BufRead + Send> =
            Box::new(BufReader::with_capacity(64 * 1024, file));
        let head = head(&mut input)?;
        let source = Cursor::new(head.replay).chain(input);
        let mut reader = reader_builder(head.delimiter).from_reader(source);
        let mut record = csv::ByteRecord::new();
        let mut n = 0;
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            if !blank(&record) {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The physical line where `record` (just read) starts: the parser
    /// stands right after its terminator, so the breaks before that, less
    /// the breaks inside quoted fields.
    fn line_of(&self, record: &csv::ByteRecord) -> u64 {
        let end = self.reader.position().byte();
        let last = self
            .breaks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .before(end.saturating_sub(1))
            + 1;
        let inside: u64 = record
            .iter()
            .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
            .sum();
        last.saturating_sub(inside).max(1) + self.skipped_lines
    }

    fn field(record: &csv::ByteRecord, index: Option<usize>) -> Result<Option<&str>, String> {
        let Some(i) = index else { return Ok(None) };
        match record.get(i) {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(bytes).map(Some).map_err(|_| {
                "a value is not UTF-8 text; save the file as \"CSV UTF-8\"".to_owned()
            }),
        }
    }

    /// The first non-empty of several alias columns.
    fn first<'r>(
        record: &'r csv::ByteRecord,
        indexes: &[usize],
    ) -> Result<Option<&'r str>, String> {
        for &i in indexes {
            if let Some(v) = Self::field(record, Some(i))?
                && !v.is_empty()
            {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn parse(&self, record: &csv::ByteRecord) -> Result<RowData, String> {
        let c = &self.columns;
        let user = || -> Result<String, String> {
            Self::first(record, &c.user)?
                .map(str::to_owned)
                .ok_or_else(|| format!("no user ({} is empty)", col::USER[0]))
        };
        let number = || -> Result<String, String> {
            let raw = Self::first(record, &c.number)?
                .ok_or_else(|| format!("no number ({} is empty)", col::NUMBER[0]))?;
            normalize_number(raw)
        };
        let number_type = || -> Result<NumberType, String> {
            match Self::first(record, &c.number_type)? {
                Some(t) => parse_number_type(t),
                None => self
                    .default_type
                    .clone()
                    .ok_or_else(|| format!("no number type ({} is empty)", col::TYPE[0])),
            }
        };
        let text = |i: Option<usize>| -> Result<Option<String>, String> {
            Ok(Self::field(record, i)?
                .filter(|v| !v.is_empty())
                .map(str::to_owned))
        };
        Ok(match self.kind {
            Kind::Assign => RowData::Assign {
                user: user()?,
                number: number()?,
                number_type: number_type()?,
                location_id: text(c.location)?.filter(|v| !v.eq_ignore_ascii_case("null")),
                category: text(c.category)?.map(|v| parse_category(&v)).transpose()?,
            },
            Kind::Unassign => RowData::Unassign {
                number: number()?,
                number_type: number_type()?,
            },
            Kind::Update => {
                let location_id = match c.location {
                    None => Change::Keep,
                    Some(_) => match text(c.location)? {
                        None => Change::Clear,
                        Some(v) if v.eq_ignore_ascii_case("null") => Change::Clear,
                        Some(v) => Change::Set(v),
                    },
                };
                let network_site_id = match text(c.network_site)? {
                    None => Change::Keep,
                    Some(v) if v.eq_ignore_ascii_case("null") => Change::Clear,
                    Some(v) => Change::Set(v),
                };
                RowData::Update {
                    number: number()?,
                    location_id,
                    network_site_id,
                }
            }
            Kind::PolicyAssign => {
                let policy = match (text(c.policy_id)?, text(c.policy_name)?) {
                    (Some(id), _) => PolicyRef::Id(id),
                    (None, Some(name)) => PolicyRef::Name(name),
                    (None, None) => {
                        return Err("no policy (PolicyName and PolicyId are empty)".into());
                    }
                };
                RowData::PolicyAssign {
                    user: user()?,
                    policy_type: text(c.policy_type)?
                        .ok_or("no policy type (PolicyType is empty)")?,
                    policy,
                }
            }
            Kind::PolicyUnassign => RowData::PolicyUnassign {
                user: user()?,
                policy_type: text(c.policy_type)?.ok_or("no policy type (PolicyType is empty)")?,
            },
        })
    }
}

fn blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

impl Iterator for CsvInput {
    type Item = Result<InputRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let mut record = std::mem::take(&mut self.record);
            let read = self.reader.read_byte_record(&mut record);
            let line = self.line_of(&record);
            let result = match read {
                Ok(false) => {
                    self.done = true;
                    None
                }
                Ok(true) if blank(&record) => {
                    self.record = record;
                    continue;
                }
                Ok(true) => {
                    self.row += 1;
                    Some(
                        self.parse(&record)
                            .map(|data| InputRow {
                                row: self.row,
                                line,
                                data,
                            })
                            .map_err(|reason| RowError {
                                row: self.row,
                                line,
                                reason,
                            }),
                    )
                }
                Err(e) => {
                    // Only I/O fails here (the reader is flexible and works
                    // on bytes); nothing after it can be trusted.
                    self.row += 1;
                    self.done = true;
                    Some(Err(RowError {
                        row: self.row,
                        line,
                        reason: format!("cannot read the file any further: {e}"),
                    }))
                }
            };
            self.record = record;
            return result;
        }
    }
}

/// A telephone number as people type it, to E.164 with `+`.
pub fn normalize_number(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let s = s
        .strip_prefix("tel:")
        .or_else(|| s.strip_prefix("TEL:"))
        .unwrap_or(s);
    if s.contains(['E', 'e']) && s.contains('.') && !s.to_ascii_lowercase().contains("ext") {
        return Err(format!(
            "{raw:?} looks like a number Excel turned into scientific notation; \
             format the column as Text and type the number again"
        ));
    }
    let (main, ext) = match s.to_ascii_lowercase().find(";ext=") {
        Some(i) => (&s[..i], Some(&s[i + 5..])),
        None => (s, None),
    };
    let mut out = String::with_capacity(main.len() + 1);
    for (i, ch) in main.chars().enumerate() {
        match ch {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(ch),
            ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
            _ => return Err(format!("{raw:?} is not a telephone number")),
        }
    }
    if !out.starts_with('+') {
        out.insert(0, '+');
    }
    let digits = out.len() - 1;
    if !(7..=15).contains(&digits) {
        return Err(format!(
            "{raw:?} is not an E.164 number (+ and 7 to 15 digits)"
        ));
    }
    if let Some(ext) = ext {
        if ext.is_empty() || !ext.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{raw:?} has an extension that is not digits"));
        }
        out.push_str(";ext=");
        out.push_str(ext);
    }
    Ok(out)
}

/// The service's sentinel members, which nobody types.
const SENTINELS: [&str; 2] = ["unknownFutureValue", "internalError"];

/// The open-enum member a person typed, case, spaces and `_ - .` ignored
/// (`Direct Routing` → `directRouting`), never a sentinel; else "unknown
/// {what} {raw:?}; use {choices}".
pub fn parse_member<T: Clone + AsRef<str>>(
    known: &[T],
    raw: &str,
    what: &str,
    choices: &str,
) -> Result<T, String> {
    let want = fold(raw);
    known
        .iter()
        .filter(|m| !SENTINELS.contains(&m.as_ref()))
        .find(|m| fold(m.as_ref()) == want)
        .cloned()
        .ok_or_else(|| format!("unknown {what} {raw:?}; use {choices}"))
}

/// The members of `known` a person may type (no sentinels), comma-joined.
pub fn members<T: AsRef<str>>(known: &[T]) -> String {
    let names: Vec<&str> = known
        .iter()
        .map(AsRef::as_ref)
        .filter(|n| !SENTINELS.contains(n))
        .collect();
    names.join(", ")
}

/// `DirectRouting`, `directrouting`, `Direct Routing` → the member.
pub fn parse_number_type(raw: &str) -> Result<NumberType, String> {
    parse_member(
        &NumberType::KNOWN,
        raw,
        "number type",
        crate::args::NUMBER_TYPES,
    )
}

/// `Primary`, `private`, `alternate` → the member.
pub fn parse_category(raw: &str) -> Result<AssignmentCategory, String> {
    parse_member(
        &AssignmentCategory::KNOWN,
        raw,
        "assignment category",
        "Primary, Private or Alternate",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &[u8], kind: Kind) -> Result<Vec<Result<InputRow, RowError>>, InputError> {
        let input = CsvInput::from_reader(Box::new(Cursor::new(text.to_vec())), kind, None)?;
        Ok(input.collect())
    }

    fn assign(user: &str, number: &str, t: NumberType, location: Option<&str>) -> RowData {
        RowData::Assign {
            user: user.into(),
            number: number.into(),
            number_type: t,
            location_id: location.map(Into::into),
            category: None,
        }
    }

    #[test]
    fn semicolons_bom_case_and_blank_lines() {
        let text = "\u{feff}userprincipalname;TELEPHONENUMBER;numbertype;LocationId\r\n\
                    adele@contoso.com;+1 (425) 555-0100;directRouting;\r\n\
                    \r\n\
                    ;;;\r\n\
                    \"alex;w@contoso.com\";14255550101;Calling Plan;loc-1\r\n";
        let rows = parse(text.as_bytes(), Kind::Assign).unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap();
        assert_eq!((first.row, first.line), (1, 2));
        assert_eq!(
            first.data,
            assign(
                "adele@contoso.com",
                "+14255550100",
                NumberType::DirectRouting,
                None
            )
        );
        let second = rows[1].as_ref().unwrap();
        assert_eq!((second.row, second.line), (2, 5));
        assert_eq!(
            second.data,
            assign(
                "alex;w@contoso.com",
                "+14255550101",
                NumberType::CallingPlan,
                Some("loc-1")
            )
        );
    }

    #[test]
    fn missing_column_is_named() {
        let err = parse(
            b"UserPrincipalName,PhoneNumber\nx@y,+14255550100\n",
            Kind::Assign,
        )
        .unwrap_err();
        assert!(
            err.0
                .contains("missing column PhoneNumberType (or NumberType)"),
            "{err}"
        );
        assert!(err.0.contains("UserPrincipalName, PhoneNumber"), "{err}");
        let err = parse(b"", Kind::Assign).unwrap_err();
        assert!(err.0.contains("empty"), "{err}");
    }

    #[test]
    fn bad_rows_carry_numbers_and_the_rest_go_on() {
        let text = "Identity,PhoneNumber,PhoneNumberType\n\
                    a@x,+14255550100,DirectRouting\n\
                    b@x,1.42556E+10,DirectRouting\n\
                    c@x,+14255550102,Teams\n\
                    ,+14255550103,DirectRouting\n\
                    e@x,+14255550104,OperatorConnect\n";
        let rows = parse(text.as_bytes(), Kind::Assign).unwrap();
        let errors: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].row, 2);
        assert!(errors[0].reason.contains("scientific"), "{}", errors[0]);
        assert!(
            errors[1].reason.contains("unknown number type"),
            "{}",
            errors[1]
        );
        assert!(errors[2].reason.contains("no user"), "{}", errors[2]);
        assert!(rows[4].is_ok());
    }

    #[test]
    fn sep_line_and_tabs() {
        let rows = parse(
            b"sep=;\nPhoneNumber;NumberType\n+14255550100;CallingPlan\n",
            Kind::Unassign,
        )
        .unwrap();
        assert_eq!(rows[0].as_ref().unwrap().line, 3);
        let rows = parse(
            b"PhoneNumber\tNumberType\n+14255550100\tCallingPlan\n",
            Kind::Unassign,
        )
        .unwrap();
        assert!(rows[0].is_ok());
    }

    #[test]
    fn update_and_policy_rows() {
        let rows = parse(
            b"TelephoneNumber,LocationId,NetworkSiteId\n+14255550100,,\n+14255550101,loc,null\n",
            Kind::Update,
        )
        .unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap().data,
            RowData::Update {
                number: "+14255550100".into(),
                location_id: Change::Clear,
                network_site_id: Change::Keep
            }
        );
        assert_eq!(
            rows[1].as_ref().unwrap().data,
            RowData::Update {
                number: "+14255550101".into(),
                location_id: Change::Set("loc".into()),
                network_site_id: Change::Clear
            }
        );
        let rows = parse(
            b"UserId,PolicyType,PolicyName\nu1,TeamsMeetingPolicy,AllOn\n",
            Kind::PolicyAssign,
        )
        .unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap().data,
            RowData::PolicyAssign {
                user: "u1".into(),
                policy_type: "TeamsMeetingPolicy".into(),
                policy: PolicyRef::Name("AllOn".into())
            }
        );
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        let err = parse(&[0xFF, 0xFE, b'a', 0], Kind::Assign).unwrap_err();
        assert!(err.0.contains("CSV UTF-8"));
    }

    #[test]
    fn numbers() {
        assert_eq!(
            normalize_number("tel:+1-425-555-0100").unwrap(),
            "+14255550100"
        );
        assert_eq!(
            normalize_number("+14255550100;ext=12").unwrap(),
            "+14255550100;ext=12"
        );
        assert!(normalize_number("+1425").is_err());
        assert!(normalize_number("call me").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever bytes a file holds, reading it never panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            for kind in [Kind::Assign, Kind::Unassign, Kind::Update, Kind::PolicyAssign, Kind::PolicyUnassign] {
                if let Ok(input) = CsvInput::from_reader(Box::new(Cursor::new(bytes.clone())), kind, None) {
                    for _ in input {}
                }
            }
        }

        /// Arbitrary bytes after a valid header: still no panic, and every
        /// row is either parsed or reported with a row number.
        #[test]
        fn garbage_rows_are_reported(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut bytes = b"UserPrincipalName,PhoneNumber,PhoneNumberType\n".to_vec();
            bytes.extend(body);
            let input = CsvInput::from_reader(Box::new(Cursor::new(bytes)), Kind::Assign, None).unwrap();
            let mut last = 0;
            for r in input {
                let row = match r { Ok(r) => r.row, Err(e) => e.row };
                prop_assert_eq!(row, last + 1);
                last = row;
            }
        }

        /// A file written the ways admins' tools write them reads back as
        /// the rows that went in.
        #[test]
        fn generated_files_round_trip(
            rows in proptest::collection::vec((
                "[a-z][a-z0-9.]{0,12}@[a-z]{1,8}\\.(com|org)",
                1_000_000u64..999_999_999_999_999u64,
                0usize..3,
                proptest::option::of("[A-Za-z0-9 ,;\"-]{1,12}"),
                any::<bool>(),
            ), 0..40),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
            bom in any::<bool>(),
            crlf in any::<bool>(),
            quote_all in any::<bool>(),
            blank_every in 0usize..5,
            header_case in 0usize..3,
        ) {
            let types = [NumberType::DirectRouting, NumberType::CallingPlan, NumberType::OperatorConnect];
            let headers = ["UserPrincipalName", "PhoneNumber", "PhoneNumberType", "LocationId"];
            let headers: Vec<String> = headers.iter().map(|h| match header_case {
                0 => h.to_string(),
                1 => h.to_lowercase(),
                _ => h.to_uppercase(),
            }).collect();
            let mut builder = csv::WriterBuilder::new();
            builder
                .delimiter(delimiter)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .quote_style(if quote_all { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary });
            let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
            let put = |bytes: &mut Vec<u8>, record: &[&str]| {
                let mut w = builder.from_writer(bytes);
                w.write_record(record).unwrap();
                w.flush().unwrap();
            };
            let header: Vec<&str> = headers.iter().map(String::as_str).collect();
            put(&mut bytes, &header);
            let mut expected = Vec::new();
            for (i, (user, digits, t, location, plus)) in rows.iter().enumerate() {
                let location = location.as_ref().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("null"));
                let number = format!("{}{digits}", if *plus { "+" } else { "" });
                put(&mut bytes, &[
                    user.as_str(),
                    number.as_str(),
                    types[*t].as_str(),
                    location.as_deref().unwrap_or(""),
                ]);
                if blank_every > 0 && i % blank_every == 0 {
                    bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
                expected.push(assign(user, &format!("+{digits}"), types[*t].clone(), location.as_deref()));
            }
            let got: Vec<RowData> = parse(&bytes, Kind::Assign)
                .unwrap()
                .into_iter()
                .map(|r| r.map(|r| r.data))
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(got, expected);
        }
    }
}
