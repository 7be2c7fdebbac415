//! Stage 2, slicing: reading a huge OpenAPI document without parsing all of
//! it. Works on text in memory (the caller reads the file); uses
//! [`crate::spec`] to tell JSON from YAML and to parse what it cannot index.
//!
//! Graph's published description is tens of MB with tens of thousands of
//! paths; a slice needs a few dozen of them. Parsing the whole YAML into a
//! tree takes seconds and gigabytes, so the slicer indexes the document
//! instead and parses only the entries it keeps:
//!
//! - YAML in block style (how Graph publishes it): one pass over the lines
//!   finds every top-level key, every path item and every component entry
//!   (by indentation); each entry is parsed on demand from its own lines.
//! - JSON: parsed into borrowed raw values (no tree); entries are parsed on
//!   demand.
//! - Anything else (flow-style YAML, or the tree a CSDL conversion produced)
//!   is held as a parsed tree.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// The component kinds of OpenAPI 3.0.
pub const COMPONENT_KINDS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// Random access to the parts of an OpenAPI document.
pub trait Document {
    /// Top-level keys in document order.
    fn top_keys(&self) -> Vec<String>;
    /// A top-level value other than `paths`/`components` (small ones).
    fn top(&self, key: &str) -> Result<Option<Value>>;
    /// Path keys in document order.
    fn path_keys(&self) -> Vec<String>;
    /// One path item.
    fn path(&self, key: &str) -> Result<Value>;
    /// Component names of a kind, in document order.
    fn component_names(&self, kind: &str) -> Vec<String>;
    /// One component.
    fn component(&self, kind: &str, name: &str) -> Result<Option<Value>>;
}

/// A parsed tree (small documents, CSDL conversions, non-block YAML).
#[derive(Debug)]
pub struct Tree(pub Value);

impl Document for Tree {
    fn top_keys(&self) -> Vec<String> {
        self.0
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn top(&self, key: &str) -> Result<Option<Value>> {
        Ok(self.0.get(key).cloned())
    }
    fn path_keys(&self) -> Vec<String> {
        self.0
            .get("paths")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn path(&self, key: &str) -> Result<Value> {
        self.0["paths"]
            .get(key)
            .cloned()
            .ok_or_else(|| anyhow!("no path {key}"))
    }
    fn component_names(&self, kind: &str) -> Vec<String> {
        self.0
            .get("components")
            .and_then(|c| c.get(kind))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
    fn component(&self, kind: &str, name: &str) -> Result<Option<Value>> {
        Ok(self
            .0
            .get("components")
            .and_then(|c| c.get(kind))
            .and_then(|k| k.get(name))
            .cloned())
    }
}

/// Keys in document order and where each entry is, for a document that is
/// parsed one entry at a time.
struct Index<A> {
    top: Vec<(String, A)>,
    paths: Vec<(String, A)>,
    path_at: HashMap<String, usize>,
    components: HashMap<String, (Vec<String>, HashMap<String, A>)>,
}

impl<A> Index<A> {
    fn new(
        top: Vec<(String, A)>,
        paths: Vec<(String, A)>,
        components: Vec<(String, Vec<(String, A)>)>,
    ) -> Self {
        let path_at = paths
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        let components = components
            .into_iter()
            .map(|(kind, items)| {
                let order = items.iter().map(|(k, _)| k.clone()).collect();
                (kind, (order, items.into_iter().collect()))
            })
            .collect();
        Self {
            top,
            paths,
            path_at,
            components,
        }
    }
}

/// How the entries of an indexed document are parsed.
pub trait Entries {
    /// Where one entry is.
    type At: Copy;
    /// Parses the entry at `at`; `what` names it in errors.
    fn parse(&self, at: Self::At, what: &str) -> Result<Value>;
}

/// A document indexed by [`Entries`]; parses only what is asked for.
pub struct Indexed<S: Entries> {
    source: S,
    index: Index<S::At>,
}

impl<S: Entries> std::fmt::Debug for Indexed<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexed")
            .field("top_keys", &self.index.top.len())
            .field("paths", &self.index.paths.len())
            .field("component_kinds", &self.index.components.len())
            .finish_non_exhaustive()
    }
}

impl<S: Entries> Document for Indexed<S> {
    fn top_keys(&self) -> Vec<String> {
        self.index.top.iter().map(|(k, _)| k.clone()).collect()
    }
    fn top(&self, key: &str) -> Result<Option<Value>> {
        match self.index.top.iter().find(|(k, _)| k == key) {
            Some((_, at)) => self.source.parse(*at, key).map(Some),
            None => Ok(None),
        }
    }
    fn path_keys(&self) -> Vec<String> {
        self.index.paths.iter().map(|(k, _)| k.clone()).collect()
    }
    fn path(&self, key: &str) -> Result<Value> {
        let i = *self
            .index
            .path_at
            .get(key)
            .ok_or_else(|| anyhow!("no path {key}"))?;
        self.source
            .parse(self.index.paths[i].1, &format!("path {key}"))
    }
    fn component_names(&self, kind: &str) -> Vec<String> {
        self.index
            .components
            .get(kind)
            .map(|(o, _)| o.clone())
            .unwrap_or_default()
    }
    fn component(&self, kind: &str, name: &str) -> Result<Option<Value>> {
        match self
            .index
            .components
            .get(kind)
            .and_then(|(_, m)| m.get(name))
        {
            Some(at) => self
                .source
                .parse(*at, &format!("components.{kind}.{name}"))
                .map(Some),
            None => Ok(None),
        }
    }
}

/// Block-style YAML text, indexed by lines.
pub struct YamlText<'a> {
    name: String,
    text: &'a str,
}

impl std::fmt::Debug for YamlText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YamlText")
            .field("name", &self.name)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// Byte range of one `key: value` entry, its first line (0-based) and its
/// indentation.
#[derive(Clone, Copy, Debug)]
pub struct Loc {
    from: usize,
    to: usize,
    line: usize,
    indent: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    !(t.is_empty() || t.starts_with('#') || t == "\r" || t.starts_with("---"))
}

/// The key of a `key: …` line (plain, single- or double-quoted).
fn line_key(line: &str) -> Option<String> {
    let t = line.trim_start_matches(' ');
    match t.as_bytes().first()? {
        b'\'' => {
            let mut out = String::new();
            let mut chars = t[1..].chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        out.push('\'');
                        continue;
                    }
                    let rest: String = chars.collect();
                    return rest.trim_start().starts_with(':').then_some(out);
                }
                out.push(c);
            }
            None
        }
        b'"' => {
            let end = t[1..].find("\":")? + 1;
            serde_json::from_str(&t[..=end]).ok()
        }
        b'-' | b'{' | b'[' => None,
        _ => {
            let colon = t
                .find(": ")
                .or_else(|| t.strip_suffix(':').map(|s| s.len()))?;
            Some(t[..colon].trim_end().to_owned())
        }
    }
}

/// The lines of a text with their byte offsets (line ends removed).
fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        out.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    out
}

/// The `key: value` entries among `lines[start..end]`, which must all start
/// at the same indentation; `None` when the lines are not of that shape.
fn entries(
    lines: &[(usize, &str)],
    text_len: usize,
    start: usize,
    end: usize,
) -> Option<Vec<(String, Loc)>> {
    let mut out = Vec::new();
    let mut indent = None;
    let mut j = start;
    while j < end {
        let line = lines[j].1;
        if !is_content(line) {
            j += 1;
            continue;
        }
        let want = *indent.get_or_insert(indent_of(line));
        if indent_of(line) != want {
            return None;
        }
        let key = line_key(line)?;
        let first = j;
        j += 1;
        while j < end && (!is_content(lines[j].1) || indent_of(lines[j].1) > want) {
            j += 1;
        }
        let to = lines.get(j).map(|l| l.0).unwrap_or(text_len);
        out.push((
            key,
            Loc {
                from: lines[first].0,
                to,
                line: first,
                indent: want,
            },
        ));
    }
    Some(out)
}

impl<'a> YamlText<'a> {
    /// Indexes `text`; `None` when it is not block-style YAML this index
    /// understands (then it is parsed whole instead).
    pub fn index(name: &str, text: &'a str) -> Option<Indexed<Self>> {
        let lines = line_offsets(text);
        let top = entries(&lines, text.len(), 0, lines.len())?;
        if top.first().is_some_and(|(_, at)| at.indent != 0) {
            return None;
        }
        // The lines of an entry's value: after its key line, up to its end.
        let inner = |at: &Loc| -> Option<Vec<(String, Loc)>> {
            let last = lines.partition_point(|l| l.0 < at.to);
            entries(&lines, text.len(), at.line + 1, last)
        };
        let mut paths = Vec::new();
        let mut components = Vec::new();
        for (key, at) in &top {
            match key.as_str() {
                "paths" => paths = inner(at)?,
                "components" => {
                    for (kind, kat) in inner(at)? {
                        components.push((kind, inner(&kat)?));
                    }
                }
                _ => {}
            }
        }
        Some(Indexed {
            source: Self {
                name: name.to_owned(),
                text,
            },
            index: Index::new(top, paths, components),
        })
    }
}

impl Entries for YamlText<'_> {
    type At = Loc;

    fn parse(&self, loc: Loc, what: &str) -> Result<Value> {
        let chunk = &self.text[loc.from..loc.to];
        let mut dedented = String::with_capacity(chunk.len());
        for line in chunk.split_inclusive('\n') {
            dedented.push_str(line.get(loc.indent.min(indent_of(line))..).unwrap_or(""));
        }
        let v: Value = serde_yaml_ng::from_str(&dedented).map_err(|e| {
            let line = e
                .location()
                .map(|l| l.line() + loc.line)
                .unwrap_or(loc.line + 1);
            let message = shift_lines(&e.to_string(), loc.line);
            anyhow!("{}:{line}: invalid YAML in {what}: {message}", self.name)
        })?;
        match v {
            Value::Object(m) if m.len() == 1 => Ok(m.into_iter().next().expect("one").1),
            _ => bail!(
                "{}:{}: {what} is not a single mapping entry",
                self.name,
                loc.line + 1
            ),
        }
    }
}

/// Rewrites the "line N" of a parser message about one entry into lines of
/// the whole file (the entry starts after `offset` lines).
fn shift_lines(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// JSON text, indexed as borrowed raw values (no tree is built).
#[derive(Debug)]
pub struct JsonText {
    name: String,
}

type RawMap<'a> = Vec<(String, &'a serde_json::value::RawValue)>;

fn raw_entries<'a>(raw: &'a serde_json::value::RawValue) -> serde_json::Result<RawMap<'a>> {
    struct V<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
        type Value = RawMap<'a>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(
            self,
            mut map: M,
        ) -> Result<Self::Value, M::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, &'de serde_json::value::RawValue>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde::Deserializer::deserialize_map(&mut de, V(std::marker::PhantomData))
}

impl JsonText {
    pub fn index<'a>(name: &str, text: &'a str) -> Result<Indexed<JsonRaw<'a>>> {
        let at =
            |e: serde_json::Error| anyhow!("{name}:{}:{}: invalid JSON: {e}", e.line(), e.column());
        let root: &serde_json::value::RawValue = serde_json::from_str(text).map_err(at)?;
        let top = raw_entries(root).map_err(at)?;
        let mut paths = Vec::new();
        let mut components = Vec::new();
        for (k, v) in &top {
            match k.as_str() {
                "paths" => paths = raw_entries(v).map_err(at)?,
                "components" => {
                    for (kind, kv) in raw_entries(v).map_err(at)? {
                        components.push((kind, raw_entries(kv).map_err(at)?));
                    }
                }
                _ => {}
            }
        }
        Ok(Indexed {
            source: JsonRaw {
                text: JsonText {
                    name: name.to_owned(),
                },
                _text: std::marker::PhantomData,
            },
            index: Index::new(top, paths, components),
        })
    }
}

/// [`JsonText`] with the lifetime of the text its raw values borrow.
#[derive(Debug)]
pub struct JsonRaw<'a> {
    text: JsonText,
    _text: std::marker::PhantomData<&'a str>,
}

impl<'a> Entries for JsonRaw<'a> {
    type At = &'a serde_json::value::RawValue;

    fn parse(&self, raw: Self::At, what: &str) -> Result<Value> {
        serde_json::from_str(raw.get())
            .map_err(|e| anyhow!("{}: invalid JSON in {what}: {e}", self.text.name))
    }
}

/// Opens a document from its text: JSON by content, block YAML by index,
/// other YAML as a tree.
pub fn open<'a>(path: &Path, text: &'a str) -> Result<Box<dyn Document + 'a>> {
    let name = path.display().to_string();
    if text.trim().is_empty() {
        bail!("{name}: the file is empty");
    }
    if crate::spec::looks_like_json(text) {
        return Ok(Box::new(JsonText::index(&name, text)?));
    }
    match YamlText::index(&name, text) {
        Some(index) => Ok(Box::new(index)),
        None => Ok(Box::new(Tree(crate::spec::parse(path, text.as_bytes())?))),
    }
}
