//! Stage 1, the description: loading OpenAPI slices and overlays from YAML
//! or JSON, the structural checks every later stage relies on, applying the
//! overlay ([`prepare`]), and reading the converter's OData idioms
//! ([`idioms`]).
//!
//! Everything downstream (slice, codegen, diff, update) starts from here;
//! this room depends on nothing else in the crate but [`crate::workspace`]
//! (for the default overlay) and never writes files.

pub mod idioms;
pub mod overlay;
pub mod yaml;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use overlay::{OverlayDefault, resolve_overlay};

/// The HTTP methods a path item may hold, in the order OpenAPI lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A document read from disk: its parsed tree plus what the generated header
/// and the provenance records need to say about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub value: Value,
    pub sha256: String,
}

impl Loaded {
    /// The file name as it appears in generated headers and reports.
    pub fn display_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a YAML or JSON file. JSON is recognised by content (first
/// non-blank character `{` or `[`), so the file extension does not matter.
pub fn load(path: &Path) -> Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value = parse(path, &bytes)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        value,
        sha256: sha256_hex(&bytes),
    })
}

/// JSON is told from YAML by content: its first non-blank character.
pub fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next(),
        Some('{' | '[')
    )
}

/// Parses bytes that came from `path` (used only to name the file in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{}: not UTF-8 text ({e})", path.display()))?;
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        bail!("{}: the file is empty", path.display());
    }
    match looks_like_json(text) {
        true => serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: invalid JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        }),
        false => serde_yaml_ng::from_str(text).map_err(|e| match e.location() {
            Some(loc) => anyhow::anyhow!(
                "{}:{}:{}: invalid YAML: {e}",
                path.display(),
                loc.line(),
                loc.column()
            ),
            // Errors about the stream as a whole (a second document) carry
            // no location: find the line where the error first shows.
            None => match first_line_with_error(text, &e.to_string()) {
                Some(line) => anyhow::anyhow!(
                    "{}:{line}:1: invalid YAML: {e} (first seen in line {line})",
                    path.display()
                ),
                None => anyhow::anyhow!("{}: invalid YAML: {e}", path.display()),
            },
        }),
    }
}

/// Where an error libyaml reports without a location (a second document,
/// for one) first shows: the fewest leading lines that give the same error
/// (by bisection, assuming that longer prefixes keep giving it).
fn first_line_with_error(text: &str, message: &str) -> Option<usize> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|i| *i < text.len())
        .collect();
    let fails = |lines: usize| {
        let end = starts.get(lines).copied().unwrap_or(text.len());
        serde_yaml_ng::from_str::<Value>(&text[..end])
            .is_err_and(|e| e.location().is_none() && e.to_string() == message)
    };
    let (mut lo, mut hi) = (1, starts.len());
    if hi == 0 || !fails(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(mid) { hi = mid } else { lo = mid + 1 }
    }
    Some(lo)
}

/// Escapes one JSON Pointer segment (RFC 6901).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Checks that the document is an OpenAPI 3.0.x description.
pub fn check_openapi_version(name: &str, doc: &Value) -> Result<()> {
    match doc.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(()),
        Some(Value::String(v)) => bail!(
            "{name}: `openapi` is \"{v}\"; only OpenAPI 3.0.x descriptions are supported \
             (Graph publishes 3.0.x; progenitor reads nothing else)"
        ),
        Some(other) => bail!("{name}: `openapi` must be a string such as \"3.0.4\", found {other}"),
        None => {
            if doc.get("swagger").is_some() {
                bail!(
                    "{name}: this is a Swagger 2.0 document; an OpenAPI 3.0.x description is needed"
                )
            }
            bail!("{name}: not an OpenAPI description (no top-level `openapi` field)")
        }
    }
}

/// Every `$ref` in the tree, in document order, as (JSON Pointer of the
/// `$ref` holder, reference string). The crate's one `$ref` walker: the
/// dangling-reference check, the slicer's closure and the CSDL emitter's
/// component closure all use it.
pub fn refs(doc: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, here: &mut String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push((here.clone(), r.clone()));
                }
                for (k, child) in map {
                    let len = here.len();
                    here.push('/');
                    here.push_str(&pointer_segment(k));
                    walk(child, here, out);
                    here.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = here.len();
                    here.push('/');
                    here.push_str(&i.to_string());
                    walk(child, here, out);
                    here.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut String::new(), &mut out);
    out
}

/// Fails on the first `$ref` that does not resolve inside the document,
/// naming where it sits.
pub fn check_refs(name: &str, doc: &Value) -> Result<()> {
    for (at, target) in refs(doc) {
        let Some(pointer) = target.strip_prefix('#') else {
            bail!(
                "{name}: `$ref` at {at} points outside the document ({target}); only local references are supported"
            );
        };
        if doc.pointer(pointer).is_none() {
            bail!("{name}: dangling `$ref` at {at}: {target} does not exist");
        }
    }
    Ok(())
}

/// Resolves a local `#/...` reference.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// The component name a `#/components/schemas/<name>` reference points at.
pub fn schema_ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// The description after overlay, before normalisation, with its sources.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub spec: Loaded,
    pub overlay: Option<Loaded>,
    pub doc: Value,
}

impl Prepared {
    /// A name for errors about the document as it stands after the overlay.
    pub fn name(&self) -> String {
        match &self.overlay {
            Some(o) => format!("{} (after {})", self.spec.display_name(), o.display_name()),
            None => self.spec.display_name(),
        }
    }
}

/// Loads the spec, checks it, applies the overlay and checks the result.
pub fn prepare(spec_path: &Path, overlay_path: Option<&Path>) -> Result<Prepared> {
    let spec = load(spec_path)?;
    let name = spec.path.display().to_string();
    check_openapi_version(&name, &spec.value)?;
    check_refs(&name, &spec.value)?;
    let mut value = spec.value.clone();
    let overlay = match overlay_path {
        Some(p) => {
            let loaded = overlay::load(p)?;
            let oname = loaded.source.path.display().to_string();
            // An action that no longer matches is as likely a change in the
            // spec as in the overlay: name both.
            overlay::apply(
                &format!("{oname} (applied to {name})"),
                &loaded.overlay,
                &mut value,
            )?;
            let after = format!("{name} after applying {oname}");
            check_openapi_version(&after, &value)?;
            check_refs(&after, &value)?;
            Some(loaded.source)
        }
        None => None,
    };
    Ok(Prepared {
        spec,
        overlay,
        doc: value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_yaml_document_is_located() {
        for (text, line) in [
            (
                &b"# c\n---\nopenapi: 3.0.4\ninfo: {}\n---\npaths: {}\n"[..],
                5,
            ),
            (b"# c\n  title: t\n  version: '1'\nactions: []\n", 4),
            (b"-# c\n# d\nopenapi: 3.0.4\n", 3),
        ] {
            let err = parse(Path::new("two.yaml"), text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("two.yaml:{line}:1: invalid YAML")),
                "{err}"
            );
        }
    }
}
