//! Stage 2, slicing: the slice rule and its record, `specs/source.toml`.
//!
//! The record is the one source of the rule (which namespace, which path
//! prefixes, what is excluded, how types outside the namespace are cut):
//! `cargo xtask slice` and `update` read it with [`SliceRule::from_record`]
//! and write it back, with the provenance of the new cut, with [`record`].
//! The CSDL converter ([`super::csdl`]) depends on this file, never the
//! other way round. Reads and renders text; the callers write the file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

/// How a type outside the sliced namespace is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Copied as published (and followed).
    Keep,
    /// Cut to `id` and `'@odata.type'` (not followed).
    Stub,
}

/// What to keep.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceRule {
    /// The namespace the slice is about (used when cutting from CSDL).
    pub namespace: String,
    pub prefixes: Vec<String>,
    pub exclude: Vec<String>,
    /// Component schema name → rule. Schemas not listed are followed.
    pub boundary: BTreeMap<String, Boundary>,
}

impl SliceRule {
    /// Reads the rule from `specs/source.toml`.
    pub fn from_record(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let record: toml::Table =
            toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let list = |t: &toml::Table, k: &str| -> Vec<String> {
            t.get(k)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let slice = record
            .get("slice")
            .and_then(|s| s.as_table())
            .ok_or_else(|| anyhow!("{}: no [slice] table", path.display()))?;
        let mut boundary = BTreeMap::new();
        if let Some(b) = record.get("boundary").and_then(|b| b.as_table()) {
            for (k, v) in b {
                let rule = match v.as_str() {
                    Some("keep") => Boundary::Keep,
                    Some("stub") => Boundary::Stub,
                    other => bail!(
                        "{}: [boundary] {k} = {other:?}: expected \"keep\" or \"stub\"",
                        path.display()
                    ),
                };
                boundary.insert(k.clone(), rule);
            }
        }
        let namespace = slice
            .get("namespace")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                anyhow!(
                    "{}: [slice] has no `namespace` (the namespace a CSDL input is cut to)",
                    path.display()
                )
            })?
            .to_owned();
        Ok(Self {
            namespace,
            prefixes: list(slice, "prefixes"),
            exclude: list(slice, "exclude"),
            boundary,
        })
    }

    /// Whether a path belongs to the slice.
    pub fn keeps(&self, path: &str) -> bool {
        let under = |p: &str, prefix: &str| {
            let prefix = prefix.trim_end_matches('/');
            p == prefix || p.starts_with(&format!("{prefix}/"))
        };
        self.prefixes.iter().any(|pre| under(path, pre))
            && !self.exclude.iter().any(|ex| path.starts_with(ex.as_str()))
    }
}

/// Provenance written next to the slice (`specs/source.toml`).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub slice_file: String,
    pub slice_sha256: String,
    pub source_file: String,
    pub source_sha256: String,
    pub repository: Option<String>,
    pub upstream_path: Option<String>,
    pub commit: Option<String>,
    pub kind: String,
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// The text of `source.toml` for a slice cut by `cargo xtask slice`.
pub fn record(rule: &SliceRule, p: &Provenance) -> String {
    let mut out = String::new();
    out.push_str("# Provenance of the spec slice, read and checked by the xtask tests.\n");
    out.push_str("# Written by `cargo xtask slice`; the slice rule and boundary are read back from here.\n\n");
    out.push_str("[slice]\n");
    out.push_str(&format!("file = {}\n", toml_str(&p.slice_file)));
    out.push_str(&format!("sha256 = {}\n", toml_str(&p.slice_sha256)));
    out.push_str("# The namespace sliced (what a CSDL input is cut to).\n");
    out.push_str(&format!("namespace = {}\n", toml_str(&rule.namespace)));
    out.push_str("# Paths kept: these prefixes and everything below them ...\n");
    out.push_str(&format!("prefixes = {}\n", toml_list(&rule.prefixes)));
    out.push_str("# ... except below these, which belong to other Graph APIs reached through a\n# non-contained navigation property.\n");
    out.push_str(&format!("exclude = {}\n\n", toml_list(&rule.exclude)));
    out.push_str(&format!(
        "# Types outside {} that the slice reaches.\n",
        rule.namespace
    ));
    out.push_str("# \"keep\": copied as published. \"stub\": cut to `id` and `@odata.type` (the\n# generated model keeps every other field in its `extra` map).\n");
    out.push_str("[boundary]\n");
    for (k, v) in &rule.boundary {
        let v = match v {
            Boundary::Keep => "keep",
            Boundary::Stub => "stub",
        };
        out.push_str(&format!("{} = {}\n", toml_str(k), toml_str(v)));
    }
    out.push_str("\n[source]\n");
    out.push_str(&format!("kind = {}\n", toml_str(&p.kind)));
    out.push_str(&format!("file = {}\n", toml_str(&p.source_file)));
    out.push_str(&format!("sha256 = {}\n", toml_str(&p.source_sha256)));
    if let Some(r) = &p.repository {
        out.push_str(&format!("repository = {}\n", toml_str(r)));
    }
    if let Some(r) = &p.upstream_path {
        out.push_str(&format!("path = {}\n", toml_str(r)));
    }
    if let Some(r) = &p.commit {
        out.push_str(&format!("commit = {}\n", toml_str(r)));
    }
    out
}
