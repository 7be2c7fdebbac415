//! Stage 2, slicing (`cargo xtask slice`): cut the part of Graph's published
//! description we generate from: the paths under the slice rule's prefixes,
//! and the transitive closure of everything they reference, nothing else, in
//! the upstream document's order and shape.
//!
//! The room: [`rule`] (the rule and its record, `specs/source.toml`),
//! [`index`] (random access to a large OpenAPI document without parsing it
//! whole), [`csdl`] (CSDL `$metadata` → OpenAPI in the converter's shapes)
//! and, here, the cut itself. Uses [`crate::spec`] for loading, checks and
//! YAML output; reads the input file; writes nothing (callers do).

pub mod csdl;
pub mod index;
pub mod rule;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use crate::spec;
use csdl::CsdlSliceOptions;
use index::{COMPONENT_KINDS, Document};
pub use rule::{Boundary, Provenance, SliceRule, record};

/// A stub for a boundary type: an entity keeps its base, everything else
/// becomes a plain object; only `'@odata.type'` is declared.
fn stub(name: &str, original: &Value) -> Value {
    let short = name.rsplit('.').next().unwrap_or(name);
    let base = original
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|parts| parts.iter().find_map(|p| p.get("$ref")))
        .cloned();
    let own = json!({
        "title": short,
        "required": ["@odata.type"],
        "type": "object",
        "properties": {"@odata.type": {"type": "string", "default": format!("#{name}")}}
    });
    match base {
        // Entities derive from microsoft.graph.entity in the end; a stub
        // keeps only that root so nothing else is pulled in.
        Some(_) => json!({
            "allOf": [{"$ref": "#/components/schemas/microsoft.graph.entity"}, own],
            "x-ms-discriminator-value": format!("#{name}"),
        }),
        None => own,
    }
}

/// Cuts the slice. `name` is used in errors.
pub fn slice(name: &str, source: &dyn Document, rule: &SliceRule) -> Result<Value> {
    match source.top("openapi")? {
        Some(Value::String(v)) if v.starts_with("3.0.") => {}
        Some(v) => bail!("{name}: `openapi` is {v}; only OpenAPI 3.0.x descriptions can be sliced"),
        None => bail!("{name}: not an OpenAPI description (no top-level `openapi`)"),
    }
    let mut paths = Map::new();
    for key in source.path_keys() {
        if rule.keeps(&key) {
            paths.insert(key.clone(), source.path(&key)?);
        }
    }
    if paths.is_empty() {
        bail!(
            "{name}: no path matches the slice rule (prefixes {:?}); is this the right document?",
            rule.prefixes
        );
    }
    for prefix in &rule.prefixes {
        if !paths.keys().any(|p| {
            rule.keeps(p)
                && (p == prefix || p.starts_with(&format!("{}/", prefix.trim_end_matches('/'))))
        }) {
            bail!("{name}: prefix {prefix} matches no path");
        }
    }

    // Transitive closure over `$ref`s.
    let mut kept: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut queue: VecDeque<(String, String)> = VecDeque::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut refs = Vec::new();
    let mut where_from: BTreeMap<String, String> = BTreeMap::new();
    for (p, item) in &paths {
        let before = refs.len();
        refs.extend(spec::refs(item).into_iter().map(|(_, r)| r));
        for r in &refs[before..] {
            where_from
                .entry(r.clone())
                .or_insert_with(|| format!("paths.{p}"));
        }
    }
    let enqueue = |r: &str,
                   queue: &mut VecDeque<(String, String)>,
                   seen: &mut BTreeSet<(String, String)>|
     -> Result<()> {
        let rest = r
            .strip_prefix("#/components/")
            .ok_or_else(|| anyhow!("{name}: `$ref` {r} is not a local component reference"))?;
        let (kind, comp) = rest
            .split_once('/')
            .ok_or_else(|| anyhow!("{name}: malformed `$ref` {r}"))?;
        let key = (kind.to_owned(), comp.replace("~1", "/").replace("~0", "~"));
        if seen.insert(key.clone()) {
            queue.push_back(key);
        }
        Ok(())
    };
    for r in &refs {
        enqueue(r, &mut queue, &mut seen)?;
    }
    while let Some((kind, comp)) = queue.pop_front() {
        let Some(value) = source.component(&kind, &comp)? else {
            let origin = where_from
                .get(&format!("#/components/{kind}/{comp}"))
                .cloned()
                .unwrap_or_default();
            bail!(
                "{name}: dangling `$ref` #/components/{kind}/{comp} (referenced from {origin}) does not exist"
            );
        };
        let value = match (kind.as_str(), rule.boundary.get(&comp)) {
            ("schemas", Some(Boundary::Stub)) => stub(&comp, &value),
            _ => value,
        };
        for (_, r) in spec::refs(&value) {
            where_from
                .entry(r.clone())
                .or_insert_with(|| format!("components.{kind}.{comp}"));
            enqueue(&r, &mut queue, &mut seen)?;
        }
        kept.insert((kind, comp), value);
    }

    // Discriminator mappings list every derived type of the whole model:
    // keep only the entries the slice holds.
    for ((kind, _), value) in kept.iter_mut() {
        if kind != "schemas" {
            continue;
        }
        if let Some(Value::Object(mapping)) = value.pointer_mut("/discriminator/mapping") {
            mapping.retain(|_, target| {
                target
                    .as_str()
                    .and_then(spec::schema_ref_name)
                    .is_some_and(|n| seen.contains(&("schemas".to_owned(), n.to_owned())))
            });
        }
    }

    // Assemble in the source's order.
    let mut components = Map::new();
    let mut kinds: Vec<String> = COMPONENT_KINDS.iter().map(|s| s.to_string()).collect();
    kinds.retain(|k| kept.keys().any(|(kk, _)| kk == k) || k == "securitySchemes");
    for kind in kinds {
        let mut m = Map::new();
        for comp in source.component_names(&kind) {
            if let Some(v) = kept.remove(&(kind.clone(), comp.clone())) {
                m.insert(comp, v);
            } else if kind == "securitySchemes"
                && let Some(v) = source.component(&kind, &comp)?
            {
                m.insert(comp, v);
            }
        }
        if !m.is_empty() {
            components.insert(kind, Value::Object(m));
        }
    }
    let used_tags: BTreeSet<String> = paths
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|m| m.values()))
        .filter_map(|op| op.get("tags").and_then(Value::as_array))
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let mut out = Map::new();
    let mut paths = Some(paths);
    let mut components = Some(components);
    for key in source.top_keys() {
        match key.as_str() {
            "paths" => {
                out.insert(key, Value::Object(paths.take().unwrap_or_default()));
            }
            "components" => {
                out.insert(key, Value::Object(components.take().unwrap_or_default()));
            }
            "tags" => {
                let tags: Vec<Value> = source
                    .top("tags")?
                    .and_then(|t| t.as_array().cloned())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| {
                        t.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| used_tags.contains(n))
                    })
                    .collect();
                out.insert(key, Value::Array(tags));
            }
            _ => {
                if let Some(v) = source.top(&key)? {
                    out.insert(key, v);
                }
            }
        }
    }
    let out = Value::Object(out);
    spec::check_refs(&format!("slice of {name}"), &out)?;
    Ok(out)
}

/// A slice cut from a file, with its provenance.
pub struct Cut {
    pub doc: Value,
    pub text: String,
    pub provenance: Provenance,
}

impl std::fmt::Debug for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cut")
            .field("text_bytes", &self.text.len())
            .field("provenance", &self.provenance)
            .finish_non_exhaustive()
    }
}

/// Where a cut came from, when the caller knows.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// For CSDL input: the server the slice describes (default Graph beta).
    pub server_url: Option<String>,
    pub repository: Option<String>,
    pub upstream_path: Option<String>,
    pub commit: Option<String>,
}

/// The server a slice cut from CSDL describes unless told otherwise.
pub const DEFAULT_SERVER: &str = "https://graph.microsoft.com/beta/";

/// Converts a CSDL document with the slice rule, into the converter's shape.
fn from_csdl(from: &Path, bytes: &[u8], rule: &SliceRule, origin: &Origin) -> Result<Value> {
    let server_url = origin.server_url.as_deref().unwrap_or(DEFAULT_SERVER);
    let options = CsdlSliceOptions::from_rule(rule, server_url)
        .map_err(|e| anyhow!("{}: {e}", from.display()))?;
    csdl::slice_from_csdl(from, bytes, &options)
}

/// Reads `from` (OpenAPI YAML/JSON, or CSDL XML: detected by content) and
/// cuts the slice; `slice_file` is the name the slice will be stored under
/// (for the record).
pub fn cut(from: &Path, rule: &SliceRule, origin: &Origin, slice_file: &str) -> Result<Cut> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    let name = from.display().to_string();
    let (doc, kind) = if csdl::is_csdl(&bytes) {
        let converted = from_csdl(from, &bytes, rule, origin)?;
        (
            slice(&name, &index::Tree(converted), rule)?,
            "upstream-csdl",
        )
    } else {
        let text =
            std::str::from_utf8(&bytes).map_err(|e| anyhow!("{name}: not UTF-8 text ({e})"))?;
        let source = index::open(from, text)?;
        (slice(&name, source.as_ref(), rule)?, "upstream-openapi")
    };
    let out = spec::yaml::to_string(&doc);
    let provenance = Provenance {
        slice_file: slice_file.to_owned(),
        slice_sha256: spec::sha256_hex(out.as_bytes()),
        source_file: from
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or(name),
        source_sha256: spec::sha256_hex(&bytes),
        repository: origin.repository.clone(),
        upstream_path: origin.upstream_path.clone(),
        commit: origin.commit.clone(),
        kind: kind.into(),
    };
    Ok(Cut {
        doc,
        text: out,
        provenance,
    })
}
