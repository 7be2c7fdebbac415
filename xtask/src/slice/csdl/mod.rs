//! Stage 2, slicing: Microsoft Graph CSDL (`$metadata` XML) → OpenAPI slice.
//!
//! [`slice_from_csdl`] reads a whole Graph `$metadata` document (or any
//! document holding the schemas the slice needs, down to a bare `<Schema>`)
//! with a streaming XML reader and writes the part under one root path in
//! the exact shape Microsoft's CSDL→OpenAPI converter (Microsoft.OpenApi.OData,
//! with the settings Graph's published descriptions are made with) gives it:
//! the same paths, operations, operationIds, tags, parameters, responses and
//! component schemas as `specs/graph-beta-teams-administration.openapi.yaml`.
//!
//! The CSDL carries no summaries or documentation links, so operations get
//! the converter's default summaries (`Get teams from admin`, `Invoke action
//! assignNumber`, `Get the number of the resource`); descriptions come from
//! `Core.Description` / `Core.LongDescription` annotations when there are
//! any.
//!
//! Types outside the sliced namespace are written only when a boundary rule
//! names them: [`Boundary::Keep`] copies the type, [`Boundary::Stub`] cuts
//! it to `id` (through its base type) and `'@odata.type'`. Reaching any other
//! outside type is an error naming the element that refers to it.
//!
//! Where the converter and the committed (hand-reconstructed) slice differ,
//! this follows the converter:
//!
//! - paths are sorted the way the converter sorts them (see `order`), which
//!   puts `…/{id}/user` before `…/$count`;
//! - the OData library makes the items of a collection-valued navigation
//!   property non-nullable, so they are a bare `$ref`, not `anyOf` with
//!   `{type: object, nullable: true}`;
//! - `description` comes before `format` in a schema (OpenAPI.NET's key
//!   order);
//! - `Edm.Boolean` action and function parameters carry `default: false`.
//!
//! Integer types are `type: integer` with their format (`int32`, `int64`…),
//! as the slice writes them, where the converter writes `type: number` and,
//! for `Int32`, `minimum`/`maximum`.
//!
//! Not modelled, because nothing Graph's annotations put on the sliced
//! namespace needs it: capability annotations (restrictions, `$ref` paths,
//! custom headers, permissions), type-cast paths, complex-property paths,
//! alternate keys, composable functions, optional function parameters and
//! the hash suffix of overloaded functions' operationIds.
//!
//! The room: `slice/csdl/`, inside stage 2. `parse` reads the XML, `model`
//! resolves names and types, `order` sorts paths, `emit` writes OpenAPI.
//! Depends on the slice rule ([`crate::slice::rule`], for [`Boundary`] and
//! [`CsdlSliceOptions::from_rule`]) and on [`crate::spec`]; reads only the
//! bytes it is given.

mod emit;
mod model;
mod order;
mod parse;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::slice::rule::{Boundary, SliceRule};

/// What to cut out of the CSDL, and where the service is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsdlSliceOptions {
    /// The namespace the slice is about, e.g.
    /// `microsoft.graph.teamsAdministration`.
    pub namespace: String,
    /// The root path: a singleton, then navigation properties, e.g.
    /// `/admin/teams` (singleton `admin`, navigation property `teams`).
    /// Every path at or below it is kept.
    pub root: String,
    /// Written into `servers` and `info.description`, e.g.
    /// `https://graph.microsoft.com/beta/`.
    pub server_url: String,
    /// Paths starting with one of these are dropped, e.g.
    /// `/admin/teams/userConfigurations/{teamsUserConfiguration-id}/user/`.
    pub exclude_below: Vec<String>,
    /// Full type name → rule, for types outside `namespace` the slice may
    /// reach.
    pub boundary: BTreeMap<String, Boundary>,
}

impl CsdlSliceOptions {
    /// The options a slice rule (`specs/source.toml`) gives a CSDL input:
    /// its one path prefix is the root, its exclusions and boundary apply
    /// as they do to an OpenAPI input, and `server_url` is the service the
    /// slice describes (`https://graph.microsoft.com/beta/` or `…/v1.0/`).
    pub fn from_rule(rule: &SliceRule, server_url: &str) -> Result<Self> {
        let root = match rule.prefixes.as_slice() {
            [root] => root.clone(),
            other => bail!("a CSDL input is cut from one root path; the rule has {other:?}"),
        };
        Ok(Self {
            namespace: rule.namespace.clone(),
            root,
            server_url: server_url.to_owned(),
            exclude_below: rule.exclude.clone(),
            boundary: rule.boundary.clone(),
        })
    }

    fn check(&self) -> Result<()> {
        if self.namespace.trim().is_empty() {
            bail!("CSDL slice: the namespace is empty");
        }
        let segments: Vec<&str> = self.root.trim_end_matches('/').split('/').collect();
        if !self.root.starts_with('/')
            || segments.len() < 3
            || segments[1..].iter().any(|s| s.is_empty())
        {
            bail!(
                "CSDL slice: root \"{}\" must be a singleton and at least one navigation property, such as /admin/teams",
                self.root
            );
        }
        if self.server_url.trim().is_empty() {
            bail!("CSDL slice: the server URL is empty");
        }
        Ok(())
    }
}

/// True when `bytes` look like a CSDL document: after an optional byte order
/// mark, XML declaration, comments and processing instructions, the root
/// element is `<edmx:Edmx>` or a `<Schema>` in the EDM namespace.
pub fn is_csdl(bytes: &[u8]) -> bool {
    let mut s = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    loop {
        s = s.trim_ascii_start();
        let skip_to = |s: &[u8], end: &[u8]| {
            s.windows(end.len())
                .position(|w| w == end)
                .map(|i| i + end.len())
        };
        let next = if s.starts_with(b"<?") {
            skip_to(s, b"?>")
        } else if s.starts_with(b"<!--") {
            skip_to(s, b"-->")
        } else if s.starts_with(b"<!DOCTYPE") {
            skip_to(s, b">")
        } else {
            break;
        };
        match next {
            Some(i) => s = &s[i..],
            None => return false,
        }
    }
    let Some(tag) = s.strip_prefix(b"<") else {
        return false;
    };
    let end = tag
        .iter()
        .take(64 * 1024)
        .position(|&b| b == b'>')
        .unwrap_or(tag.len().min(64 * 1024));
    let tag = &tag[..end];
    let name_end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    let declares = |uri: &[u8]| {
        tag.windows(uri.len() + 1)
            .any(|w| &w[..uri.len()] == uri && (w[uri.len()] == b'"' || w[uri.len()] == b'\''))
    };
    match local {
        b"Edmx" => declares(b"http://docs.oasis-open.org/odata/ns/edmx"),
        b"Schema" => declares(b"http://docs.oasis-open.org/odata/ns/edm"),
        _ => false,
    }
}

/// Converts the CSDL document `bytes` (read from `path`, which only names it
/// in messages) into the OpenAPI 3.0.4 slice described by `options`.
///
/// Errors name the file, line and column: malformed XML, a missing
/// namespace, a type reference that does not resolve, a missing root
/// singleton or navigation property, a type outside the namespace without a
/// boundary rule.
pub fn slice_from_csdl(path: &Path, bytes: &[u8], options: &CsdlSliceOptions) -> Result<Value> {
    options.check()?;
    let src = model::Source::new(path, bytes)?;
    let parsed = parse::parse(&src, &options.namespace)?;
    if !parsed.target_found {
        let mut found: Vec<&str> = parsed
            .schemas
            .iter()
            .map(|s| s.namespace.as_str())
            .collect();
        let more = found.len().saturating_sub(12);
        found.truncate(12);
        bail!(
            "{}: no <Schema Namespace=\"{}\"> in {} (it has {}{})",
            src.name(),
            options.namespace,
            src.name(),
            if found.is_empty() {
                "no schemas".to_owned()
            } else {
                found.join(", ")
            },
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    let model = model::Model::new(&src, options, parsed)?;
    model.check_references()?;
    emit::document(&model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_csdl_by_content() {
        assert!(is_csdl(
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">"
        ));
        assert!(is_csdl(
            b"<Schema Namespace=\"a\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\"></Schema>"
        ));
        assert!(!is_csdl(b"<Schema Namespace=\"a\" xmlns=\"urn:other\"/>"));
        assert!(!is_csdl(b"openapi: 3.0.4\n"));
        assert!(!is_csdl(b"{\"openapi\": \"3.0.4\"}"));
        assert!(!is_csdl(b"<html><body/></html>"));
        assert!(!is_csdl(b"<!-- never closed"));
    }

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\ncé\nxyz";
        assert_eq!(model::line_column(text.as_bytes(), 0), (1, 1));
        assert_eq!(model::line_column(text.as_bytes(), 3), (2, 1));
        // "é" is two bytes: the offset after it is column 3.
        assert_eq!(model::line_column(text.as_bytes(), 6), (2, 3));
        assert_eq!(model::line_column(text.as_bytes(), 7), (3, 1));
    }

    #[test]
    fn options_are_checked() {
        let o = CsdlSliceOptions {
            namespace: "microsoft.graph.teamsAdministration".into(),
            root: "/admin".into(),
            server_url: "https://example/".into(),
            exclude_below: Vec::new(),
            boundary: BTreeMap::new(),
        };
        let e = slice_from_csdl(Path::new("x.xml"), b"<x/>", &o).unwrap_err();
        assert!(
            e.to_string()
                .contains("singleton and at least one navigation"),
            "{e}"
        );
    }
}
