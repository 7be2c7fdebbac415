//! Room: data on stdout, in the format `-o` chose. A [`Record`] knows its
//! columns (for `table` and `csv`) and serializes itself (for `json` and
//! `jsonl`, with Graph's field names). Lists stream: `csv`, `jsonl` and
//! `json` write each record as it comes; `table` must see every row to
//! size its columns, so it holds them until the end.

use std::io::{self, BufWriter, Stdout, Write};

use anyhow::Result;
use comfy_table::{ContentArrangement, Table, presets};
use graph_teams_admin::{
    EffectivePolicyAssignment, NumberAssignment, NumberOutcome, PolicyIdentifierDetail,
    TeamsPolicyUserAssignment, TelephoneNumberLongRunningOperation,
};
use serde::Serialize;

use crate::args::OutputFormat;

/// Something printed as a row.
pub trait Record: Serialize {
    /// Column names for `table` and `csv`.
    fn columns() -> &'static [&'static str];
    /// The cells, in column order.
    fn cells(&self) -> Vec<String>;
}

/// `Some(x)` as text, `None` as an empty cell.
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A list joined with `;` (a comma would fight the CSV).
pub fn list<T: std::fmt::Display>(v: &Option<Vec<T>>) -> String {
    v.as_ref()
        .map(|items| {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default()
}

/// A table in this CLI's style: a header line, no borders.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_string()));
    t
}

/// Writes records of one kind to stdout.
pub struct Sink<R: Record> {
    format: OutputFormat,
    out: BufWriter<Stdout>,
    csv: Option<csv::Writer<BufWriter<Stdout>>>,
    rows: Vec<Vec<String>>,
    count: u64,
    _kind: std::marker::PhantomData<R>,
}

impl<R: Record> Sink<R> {
    pub fn new(format: OutputFormat) -> Self {
        let csv = (format == OutputFormat::Csv)
            .then(|| csv::WriterBuilder::new().from_writer(BufWriter::new(io::stdout())));
        Self {
            format,
            out: BufWriter::new(io::stdout()),
            csv,
            rows: Vec::new(),
            count: 0,
            _kind: std::marker::PhantomData,
        }
    }

    pub fn write(&mut self, record: &R) -> Result<()> {
        match self.format {
            OutputFormat::Table => self.rows.push(record.cells()),
            OutputFormat::Csv => {
                let w = self.csv.as_mut().expect("csv writer for -o csv");
                if self.count == 0 {
                    w.write_record(R::columns())?;
                }
                w.write_record(record.cells())?;
                if self.count.is_multiple_of(256) {
                    w.flush()?;
                }
            }
            OutputFormat::Json => {
                self.out
                    .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut self.out, record)?;
            }
            OutputFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, record)?;
                self.out.write_all(b"\n")?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the list (the table is printed now; an empty CSV still gets
    /// its header, an empty JSON list is `[]`).
    pub fn finish(mut self) -> Result<u64> {
        match self.format {
            OutputFormat::Table => {
                if !self.rows.is_empty() {
                    let mut t = table(R::columns());
                    for row in std::mem::take(&mut self.rows) {
                        t.add_row(row);
                    }
                    writeln!(self.out, "{}", trim_lines(&t.to_string()))?;
                }
            }
            OutputFormat::Csv => {
                let mut w = self.csv.take().expect("csv writer for -o csv");
                if self.count == 0 {
                    w.write_record(R::columns())?;
                }
                w.flush()?;
            }
            OutputFormat::Json => {
                self.out
                    .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            OutputFormat::Jsonl => {}
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// comfy-table pads every cell, the last one too; trailing blanks are noise
/// in a terminal and in `diff`.
pub fn trim_lines(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end())
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prints one record: `table` as field/value lines, `csv` as a header and
/// one row, `json` pretty, `jsonl` on one line.
pub fn one<R: Record>(format: OutputFormat, record: &R) -> Result<()> {
    let mut out = BufWriter::new(io::stdout());
    match format {
        OutputFormat::Table => {
            let mut t = Table::new();
            t.load_preset(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
            for (name, value) in R::columns().iter().zip(record.cells()) {
                t.add_row(vec![name.to_string(), value]);
            }
            writeln!(out, "{}", trim_lines(&t.to_string()))?;
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(R::columns())?;
            w.write_record(record.cells())?;
            w.flush()?;
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, record)?;
            out.write_all(b"\n")?;
        }
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut out, record)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

impl Record for NumberAssignment {
    fn columns() -> &'static [&'static str] {
        &[
            "telephoneNumber",
            "numberType",
            "assignmentStatus",
            "activationState",
            "assignmentTargetId",
            "capabilities",
            "locationId",
            "city",
            "isoCountryCode",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            opt(&self.telephone_number),
            opt(&self.number_type),
            opt(&self.assignment_status),
            opt(&self.activation_state),
            opt(&self.assignment_target_id),
            list(&self.capabilities),
            opt(&self.location_id),
            opt(&self.city),
            opt(&self.iso_country_code),
        ]
    }
}

impl Record for TelephoneNumberLongRunningOperation {
    fn columns() -> &'static [&'static str] {
        &["id", "status", "createdDateTime", "numbers", "statusDetail"]
    }
    fn cells(&self) -> Vec<String> {
        let numbers: Vec<_> = self.numbers.iter().flatten().collect();
        let mut by_status: Vec<(String, usize)> = Vec::new();
        for n in &numbers {
            let s = opt(&n.status);
            match by_status.iter_mut().find(|(k, _)| *k == s) {
                Some((_, c)) => *c += 1,
                None => by_status.push((s, 1)),
            }
        }
        vec![
            opt(&self.id),
            opt(&self.status),
            opt(&self.created_date_time),
            by_status
                .iter()
                .map(|(s, c)| format!("{c} {s}"))
                .collect::<Vec<_>>()
                .join(";"),
            numbers
                .iter()
                .filter_map(|n| n.status_detail.clone())
                .collect::<Vec<_>>()
                .join(";"),
        ]
    }
}

/// The numberAssignment key in a `resourceLocation`
/// (`…/numberAssignments/<id>` or `…/numberAssignments('<id>')`).
pub fn key_of_location(url: &str) -> Option<&str> {
    let tail = url.rsplit('/').next()?;
    let tail = tail
        .strip_prefix("numberAssignments('")
        .and_then(|t| t.strip_suffix("')"))
        .unwrap_or(tail);
    (!tail.is_empty()).then_some(tail)
}

impl Record for NumberOutcome {
    fn columns() -> &'static [&'static str] {
        &["resourceLocation", "status", "statusDetail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            opt(&self.resource_location),
            opt(&self.status),
            opt(&self.status_detail),
        ]
    }
}

impl Record for TeamsPolicyUserAssignment {
    fn columns() -> &'static [&'static str] {
        &["id", "userId", "policyType", "policyId"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            opt(&self.id),
            opt(&self.user_id),
            opt(&self.policy_type),
            opt(&self.policy_id),
        ]
    }
}

impl Record for PolicyIdentifierDetail {
    fn columns() -> &'static [&'static str] {
        &["name", "policyId"]
    }
    fn cells(&self) -> Vec<String> {
        vec![opt(&self.name), opt(&self.policy_id)]
    }
}

impl Record for EffectivePolicyAssignment {
    fn columns() -> &'static [&'static str] {
        &[
            "policyType",
            "displayName",
            "policyId",
            "assignmentType",
            "groupId",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let a = self.policy_assignment.as_ref();
        vec![
            opt(&self.policy_type),
            a.map(|a| opt(&a.display_name)).unwrap_or_default(),
            a.map(|a| opt(&a.policy_id)).unwrap_or_default(),
            a.map(|a| opt(&a.assignment_type)).unwrap_or_default(),
            a.map(|a| opt(&a.group_id)).unwrap_or_default(),
        ]
    }
}
