//! Reading a huge OpenAPI document without parsing all of it.
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

/// The lines of the source text holding one `key: value` entry: line
/// numbers (0-based, end exclusive) and the entry's indentation.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    indent: usize,
}

/// Byte range of a [`Span`], resolved once while indexing.
#[derive(Clone, Copy, Debug)]
struct Loc {
    from: usize,
    to: usize,
    line: usize,
    indent: usize,
}

/// Block-style YAML, indexed by lines.
pub struct YamlIndex<'a> {
    name: String,
    text: &'a str,
    top: Vec<(String, Loc)>,
    paths: Vec<(String, Loc)>,
    path_at: HashMap<String, usize>,
    components: HashMap<String, (Vec<String>, HashMap<String, Loc>)>,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    !(t.is_empty() || t.starts_with('#') || t == "\r")
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

impl<'a> YamlIndex<'a> {
    /// Indexes `text`; `None` when it is not block-style YAML this index understands.
    pub fn new(name: &str, text: &'a str) -> Option<Self> {
        let lines: Vec<(usize, &str)> = line_offsets(text);
        let mut top: Vec<(String, Span)> = Vec::new();
        let mut i = 0;
        // Top level: keys at indent 0.
        while i < lines.len() {
            let (_, line) = lines[i];
            if !is_content(line) || line.starts_with("---") {
                i += 1;
                continue;
            }
            if indent_of(line) != 0 {
                return None;
            }
            let key = line_key(line)?;
            let start = i;
            i += 1;
            while i < lines.len() && (!is_content(lines[i].1) || indent_of(lines[i].1) > 0) {
                i += 1;
            }
            top.push((
                key,
                Span {
                    start,
                    end: i,
                    indent: 0,
                },
            ));
        }
        let entries = |span: &Span| -> Option<Vec<(String, Span)>> {
            let mut out = Vec::new();
            let mut j = span.start + 1;
            let mut indent = None;
            while j < span.end {
                let line = lines[j].1;
                if !is_content(line) {
                    j += 1;
                    continue;
                }
                let ind = indent_of(line);
                let want = *indent.get_or_insert(ind);
                if ind != want {
                    return None;
                }
                let key = line_key(line)?;
                let start = j;
                j += 1;
                while j < span.end && (!is_content(lines[j].1) || indent_of(lines[j].1) > want) {
                    j += 1;
                }
                out.push((
                    key,
                    Span {
                        start,
                        end: j,
                        indent: want,
                    },
                ));
            }
            Some(out)
        };
        let loc = |span: Span| Loc {
            from: lines[span.start].0,
            to: lines.get(span.end).map(|l| l.0).unwrap_or(text.len()),
            line: span.start,
            indent: span.indent,
        };
        let mut paths = Vec::new();
        let mut components = HashMap::new();
        for (key, span) in &top {
            match key.as_str() {
                "paths" => {
                    paths = entries(span)?
                        .into_iter()
                        .map(|(k, s)| (k, loc(s)))
                        .collect()
                }
                "components" => {
                    for (kind, kspan) in entries(span)? {
                        let items = entries(&kspan)?;
                        let order = items.iter().map(|(k, _)| k.clone()).collect();
                        components.insert(
                            kind,
                            (order, items.into_iter().map(|(k, s)| (k, loc(s))).collect()),
                        );
                    }
                }
                _ => {}
            }
        }
        let top = top.into_iter().map(|(k, s)| (k, loc(s))).collect();
        let path_at = paths
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        Some(Self {
            name: name.to_owned(),
            text,
            top,
            paths,
            path_at,
            components,
        })
    }

    /// Parses one entry (`key: value`) and returns the value.
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
            anyhow!("{}:{line}: invalid YAML in {what}: {e}", self.name)
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

fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        out.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    out
}

impl Document for YamlIndex<'_> {
    fn top_keys(&self) -> Vec<String> {
        self.top.iter().map(|(k, _)| k.clone()).collect()
    }
    fn top(&self, key: &str) -> Result<Option<Value>> {
        match self.top.iter().find(|(k, _)| k == key) {
            Some((_, span)) => self.parse(*span, key).map(Some),
            None => Ok(None),
        }
    }
    fn path_keys(&self) -> Vec<String> {
        self.paths.iter().map(|(k, _)| k.clone()).collect()
    }
    fn path(&self, key: &str) -> Result<Value> {
        let i = *self
            .path_at
            .get(key)
            .ok_or_else(|| anyhow!("no path {key}"))?;
        self.parse(self.paths[i].1, &format!("path {key}"))
    }
    fn component_names(&self, kind: &str) -> Vec<String> {
        self.components
            .get(kind)
            .map(|(o, _)| o.clone())
            .unwrap_or_default()
    }
    fn component(&self, kind: &str, name: &str) -> Result<Option<Value>> {
        match self.components.get(kind).and_then(|(_, m)| m.get(name)) {
            Some(span) => self
                .parse(*span, &format!("components.{kind}.{name}"))
                .map(Some),
            None => Ok(None),
        }
    }
}

/// JSON, held as borrowed raw values.
pub struct JsonIndex<'a> {
    name: String,
    top: Vec<(String, &'a serde_json::value::RawValue)>,
    paths: Vec<(String, &'a serde_json::value::RawValue)>,
    path_at: HashMap<String, usize>,
    components: HashMap<
        String,
        (
            Vec<String>,
            HashMap<String, &'a serde_json::value::RawValue>,
        ),
    >,
}

type RawMap<'a> = Vec<(String, &'a serde_json::value::RawValue)>;

fn raw_entries<'a>(raw: &'a serde_json::value::RawValue) -> serde_json::Result<RawMap<'a>> {
    struct V<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
        type Value = RawMap<'a>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
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

impl<'a> JsonIndex<'a> {
    pub fn new(name: &str, text: &'a str) -> Result<Self> {
        let at =
            |e: serde_json::Error| anyhow!("{name}:{}:{}: invalid JSON: {e}", e.line(), e.column());
        let root: &serde_json::value::RawValue = serde_json::from_str(text).map_err(at)?;
        let top = raw_entries(root).map_err(at)?;
        let mut paths = Vec::new();
        let mut components = HashMap::new();
        for (k, v) in &top {
            match k.as_str() {
                "paths" => paths = raw_entries(v).map_err(at)?,
                "components" => {
                    for (kind, kv) in raw_entries(v).map_err(at)? {
                        let items = raw_entries(kv).map_err(at)?;
                        let order = items.iter().map(|(k, _)| k.clone()).collect();
                        components.insert(kind, (order, items.into_iter().collect()));
                    }
                }
                _ => {}
            }
        }
        let path_at = paths
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        Ok(Self {
            name: name.to_owned(),
            top,
            paths,
            path_at,
            components,
        })
    }

    fn parse(&self, raw: &serde_json::value::RawValue, what: &str) -> Result<Value> {
        serde_json::from_str(raw.get())
            .map_err(|e| anyhow!("{}: invalid JSON in {what}: {e}", self.name))
    }
}

impl Document for JsonIndex<'_> {
    fn top_keys(&self) -> Vec<String> {
        self.top.iter().map(|(k, _)| k.clone()).collect()
    }
    fn top(&self, key: &str) -> Result<Option<Value>> {
        match self.top.iter().find(|(k, _)| k == key) {
            Some((_, raw)) => self.parse(raw, key).map(Some),
            None => Ok(None),
        }
    }
    fn path_keys(&self) -> Vec<String> {
        self.paths.iter().map(|(k, _)| k.clone()).collect()
    }
    fn path(&self, key: &str) -> Result<Value> {
        let i = *self
            .path_at
            .get(key)
            .ok_or_else(|| anyhow!("no path {key}"))?;
        self.parse(self.paths[i].1, &format!("path {key}"))
    }
    fn component_names(&self, kind: &str) -> Vec<String> {
        self.components
            .get(kind)
            .map(|(o, _)| o.clone())
            .unwrap_or_default()
    }
    fn component(&self, kind: &str, name: &str) -> Result<Option<Value>> {
        match self.components.get(kind).and_then(|(_, m)| m.get(name)) {
            Some(raw) => self
                .parse(raw, &format!("components.{kind}.{name}"))
                .map(Some),
            None => Ok(None),
        }
    }
}

/// Opens a document from its text: JSON by content, block YAML by index,
/// other YAML as a tree.
pub fn open<'a>(path: &Path, text: &'a str) -> Result<Box<dyn Document + 'a>> {
    let name = path.display().to_string();
    let first = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next();
    match first {
        None => bail!("{name}: the file is empty"),
        Some('{') | Some('[') => Ok(Box::new(JsonIndex::new(&name, text)?)),
        Some(_) => match YamlIndex::new(&name, text) {
            Some(index) => Ok(Box::new(index)),
            None => Ok(Box::new(Tree(crate::doc::parse(path, text.as_bytes())?))),
        },
    }
}
