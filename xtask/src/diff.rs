//! Stage 4, the API diff (`cargo xtask diff OLD NEW`): what changed between
//! two slices, after the overlay, classified twice: by Graph's versioning
//! rules (is it breaking on the wire?) and by its effect on the generated
//! Rust API (does code that compiled and worked before still do so?).
//!
//! The room: one file. Reads prepared descriptions through [`crate::spec`]
//! (and its [`idioms`], the same reading the generator uses), never the
//! generator itself; renders Markdown and JSON and writes no files.

use std::collections::{BTreeMap, BTreeSet};

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;

use crate::spec::idioms::{self, is_null_schema, nullable_any_of_inner};
use crate::spec::{METHODS, Prepared};

/// The JSON report's format identifier; bump when its shape changes.
pub const FORMAT: &str = "graph-teams-admin.api-diff/1";

/// A type as the description writes it, with the converter's idioms read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Prim(String),
    Ref(String),
    /// An array, and whether its items may be null.
    Array(Box<Ty>, bool),
    Object(BTreeMap<String, Prop>),
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prop {
    pub ty: Ty,
    pub nullable: bool,
    pub required: bool,
}

fn short(r: &str) -> String {
    r.rsplit('/').next().unwrap_or(r).to_owned()
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Prim(p) => f.write_str(p),
            Ty::Ref(r) => f.write_str(r),
            Ty::Array(i, false) => write!(f, "array of {i}"),
            Ty::Array(i, true) => write!(f, "array of nullable {i}"),
            Ty::Object(_) => f.write_str("inline object"),
            Ty::Any => f.write_str("any"),
        }
    }
}

/// Reads a schema into (type, nullable).
pub fn ty(schema: &Value) -> (Ty, bool) {
    if let Some(inner) = nullable_any_of_inner(schema) {
        return (ty(inner).0, true);
    }
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    if let Some(c) = idioms::referenced_component(schema) {
        return (Ty::Ref(c.to_owned()), nullable);
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return (Ty::Ref(short(r)), nullable);
    }
    let t = match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let (item, nullable) = schema.get("items").map(ty).unwrap_or((Ty::Any, false));
            Ty::Array(Box::new(item), nullable)
        }
        Some("object") | None if schema.get("properties").is_some() => Ty::Object(props(schema)),
        Some(p) => match schema.get("format").and_then(Value::as_str) {
            Some(fmt) => Ty::Prim(format!("{p}({fmt})")),
            None => Ty::Prim(p.to_owned()),
        },
        None => Ty::Any,
    };
    (
        t,
        nullable
            || schema
                .get("anyOf")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(is_null_schema)),
    )
}

fn props(schema: &Value) -> BTreeMap<String, Prop> {
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .filter(|(k, _)| k.as_str() != "@odata.type")
                .map(|(k, s)| {
                    let (ty, nullable) = ty(s);
                    (
                        k.clone(),
                        Prop {
                            ty,
                            nullable,
                            required: required.contains(k.as_str()),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Object(BTreeMap<String, Prop>),
    Enum(Vec<String>),
    Other(Ty),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub required: bool,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub operation_id: String,
    pub params: BTreeMap<(String, String), Param>,
    pub body: Option<Ty>,
    pub responses: BTreeMap<String, Option<Ty>>,
}

/// The parts of a description a diff compares.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub servers: Vec<String>,
    pub ops: BTreeMap<(String, String), Op>,
    pub schemas: BTreeMap<String, Shape>,
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => crate::spec::resolve(doc, r).unwrap_or(v),
        None => v,
    }
}

/// Builds the model from a prepared (overlaid) description.
pub fn model(doc: &Value) -> Model {
    let mut doc = doc.clone();
    // Entity inheritance flattened; '@odata.type' bookkeeping removed.
    idioms::flatten_all_of(&mut doc);
    idioms::odata_type_not_required(&mut doc);
    let mut m = Model {
        servers: Vec::new(),
        ..Model::default()
    };
    m.servers = doc
        .get("servers")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.get("url").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let shape = if idioms::is_string_enum(schema) {
            Shape::Enum(
                schema["enum"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            )
        } else if schema.get("properties").is_some() {
            Shape::Object(props(schema))
        } else {
            Shape::Other(ty(schema).0)
        };
        m.schemas.insert(name.clone(), shape);
    }
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let mut params = BTreeMap::new();
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for p in shared.iter().copied().chain(own) {
                let p = resolve(&doc, p);
                let (Some(name), Some(loc)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                params.insert(
                    (loc.to_owned(), name.to_owned()),
                    Param {
                        required: p.get("required") == Some(&Value::Bool(true)),
                        ty: p.get("schema").map(|s| ty(s).0).unwrap_or(Ty::Any),
                    },
                );
            }
            let body = op
                .get("requestBody")
                .map(|b| resolve(&doc, b))
                .and_then(|b| b.pointer("/content/application~1json/schema"))
                .map(|s| ty(s).0);
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| {
                    r.iter()
                        .map(|(status, resp)| {
                            let resp = resolve(&doc, resp);
                            let schema = resp
                                .get("content")
                                .and_then(Value::as_object)
                                .and_then(|c| c.values().next())
                                .and_then(|mt| mt.get("schema"));
                            (status.clone(), schema.map(|s| ty(s).0))
                        })
                        .collect()
                })
                .unwrap_or_default();
            m.ops.insert(
                (path.clone(), method.to_uppercase()),
                Op {
                    operation_id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    params,
                    body,
                    responses,
                },
            );
        }
    }
    m
}

/// Breaking or not, under one set of rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Breaking,
    NonBreaking,
}
use Verdict::{Breaking, NonBreaking};

/// What kind of change. Serialized as its snake_case name
/// (`enum_member_added`), which the README lists and consumers of the JSON
/// report match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ServerChanged,
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    ParameterAdded,
    ParameterRemoved,
    ParameterChanged,
    RequestBodyChanged,
    ResponseAdded,
    ResponseRemoved,
    ResponseChanged,
    SchemaAdded,
    SchemaRemoved,
    SchemaChanged,
    PropertyAdded,
    PropertyRemoved,
    PropertyTypeChanged,
    PropertyNullabilityChanged,
    ItemsNullabilityChanged,
    PropertyRequiredChanged,
    EnumMemberAdded,
    EnumMemberRemoved,
    EnumMembersReordered,
}
use ChangeKind as K;

impl ChangeKind {
    /// Every kind, in the README's order.
    pub const ALL: [Self; 23] = [
        K::ServerChanged,
        K::OperationAdded,
        K::OperationRemoved,
        K::OperationRenamed,
        K::ParameterAdded,
        K::ParameterRemoved,
        K::ParameterChanged,
        K::RequestBodyChanged,
        K::ResponseAdded,
        K::ResponseRemoved,
        K::ResponseChanged,
        K::SchemaAdded,
        K::SchemaRemoved,
        K::SchemaChanged,
        K::PropertyAdded,
        K::PropertyRemoved,
        K::PropertyTypeChanged,
        K::PropertyNullabilityChanged,
        K::ItemsNullabilityChanged,
        K::PropertyRequiredChanged,
        K::EnumMemberAdded,
        K::EnumMemberRemoved,
        K::EnumMembersReordered,
    ];

    /// The name in the JSON report, as serde writes it (`enum_member_added`).
    pub fn as_str(self) -> &'static str {
        match self {
            K::ServerChanged => "server_changed",
            K::OperationAdded => "operation_added",
            K::OperationRemoved => "operation_removed",
            K::OperationRenamed => "operation_renamed",
            K::ParameterAdded => "parameter_added",
            K::ParameterRemoved => "parameter_removed",
            K::ParameterChanged => "parameter_changed",
            K::RequestBodyChanged => "request_body_changed",
            K::ResponseAdded => "response_added",
            K::ResponseRemoved => "response_removed",
            K::ResponseChanged => "response_changed",
            K::SchemaAdded => "schema_added",
            K::SchemaRemoved => "schema_removed",
            K::SchemaChanged => "schema_changed",
            K::PropertyAdded => "property_added",
            K::PropertyRemoved => "property_removed",
            K::PropertyTypeChanged => "property_type_changed",
            K::PropertyNullabilityChanged => "property_nullability_changed",
            K::ItemsNullabilityChanged => "items_nullability_changed",
            K::PropertyRequiredChanged => "property_required_changed",
            K::EnumMemberAdded => "enum_member_added",
            K::EnumMemberRemoved => "enum_member_removed",
            K::EnumMembersReordered => "enum_members_reordered",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Where: `GET /path`, `schema <name>`, `schema <name>.<property>`, …
    pub location: String,
    /// What happened, in words.
    pub detail: String,
    /// By Graph's versioning rules.
    pub graph: Verdict,
    /// For code using the generated Rust API.
    pub rust: Verdict,
    /// Why the Rust verdict is what it is, when not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn change(
    kind: ChangeKind,
    location: String,
    detail: String,
    graph: Verdict,
    rust: Verdict,
    note: Option<&str>,
) -> Change {
    Change {
        kind,
        location,
        detail,
        graph,
        rust,
        note: note.map(str::to_owned),
    }
}

/// Compares the properties of an object (a model, `request == false`, or an
/// action body, `request == true`: there required parameters are
/// constructor arguments and nullable ones `Nullable<T>` fields).
fn diff_props(
    out: &mut Vec<Change>,
    location: &str,
    old: &BTreeMap<String, Prop>,
    new: &BTreeMap<String, Prop>,
    request: bool,
) {
    for (name, p) in new {
        let at = format!("{location}.{name}");
        match old.get(name) {
            None => out.push(property_added(at, name, p, request)),
            Some(o) => diff_prop(out, &at, o, p, request),
        }
    }
    for (name, p) in old {
        if !new.contains_key(name) {
            out.push(change(
                K::PropertyRemoved,
                format!("{location}.{name}"),
                format!("`{name}` ({}) removed", p.ty),
                Breaking,
                Breaking,
                None,
            ));
        }
    }
}

fn property_added(at: String, name: &str, p: &Prop, request: bool) -> Change {
    let (detail, verdict, note) = match (request, p.required) {
        (true, true) => (
            format!("new required parameter `{name}` ({})", p.ty),
            Breaking,
            "a new argument of the body's constructor",
        ),
        (true, false) => (
            format!("new optional parameter `{name}` ({})", p.ty),
            NonBreaking,
            "a new setter on the body",
        ),
        (false, _) => (
            format!("new property `{name}` ({})", p.ty),
            NonBreaking,
            "a new field; builders and deserialization are unaffected \
             (struct literals must add it)",
        ),
    };
    change(K::PropertyAdded, at, detail, verdict, verdict, Some(note))
}

/// One property present on both sides.
fn diff_prop(out: &mut Vec<Change>, at: &str, o: &Prop, p: &Prop, request: bool) {
    match (&o.ty, &p.ty) {
        (Ty::Array(a, an), Ty::Array(b, bn)) if a == b && an != bn => {
            // Response models drop item nullability (normalisation
            // collapses it); action bodies keep it (`Vec<Option<T>>`).
            let (graph, rust) = match (request, *bn) {
                (true, _) => (if *bn { NonBreaking } else { Breaking }, Breaking),
                (false, true) => (Breaking, NonBreaking),
                (false, false) => (NonBreaking, NonBreaking),
            };
            out.push(change(
                K::ItemsNullabilityChanged,
                at.to_owned(),
                format!("items nullable {an} → {bn}"),
                graph,
                rust,
                (!request).then_some("model collections are `Vec<T>` either way"),
            ));
        }
        (a, b) if a != b => out.push(change(
            K::PropertyTypeChanged,
            at.to_owned(),
            format!("type {a} → {b}"),
            Breaking,
            Breaking,
            None,
        )),
        _ => {}
    }
    if o.nullable != p.nullable {
        const MODEL_NOTE: &str = "model fields are all `Option`: the Rust type does not change";
        let (graph, rust, note) = match (request, p.nullable) {
            (true, true) => (NonBreaking, Breaking, "the field becomes `Nullable<T>`"),
            (true, false) => (Breaking, Breaking, "the field's type changes"),
            (false, true) => (Breaking, NonBreaking, MODEL_NOTE),
            (false, false) => (NonBreaking, NonBreaking, MODEL_NOTE),
        };
        out.push(change(
            K::PropertyNullabilityChanged,
            at.to_owned(),
            format!("nullable {} → {}", o.nullable, p.nullable),
            graph,
            rust,
            Some(note),
        ));
    }
    if o.required != p.required {
        let (graph, rust) = match (p.required, request) {
            (true, _) => (Breaking, Breaking),
            (false, true) => (NonBreaking, Breaking),
            (false, false) => (NonBreaking, NonBreaking),
        };
        out.push(change(
            K::PropertyRequiredChanged,
            at.to_owned(),
            format!("required {} → {}", o.required, p.required),
            graph,
            rust,
            request.then_some("required parameters are constructor arguments"),
        ));
    }
}

/// Compares two models: servers, then operations, then schemas.
pub fn compare(old: &Model, new: &Model) -> Vec<Change> {
    let mut out = Vec::new();
    if old.servers != new.servers {
        out.push(change(
            K::ServerChanged,
            "servers".into(),
            format!("{:?} → {:?}", old.servers, new.servers),
            NonBreaking,
            NonBreaking,
            Some(
                "the client's base URL is configured at run time \
                 (beta by default, `.v1()` for v1.0)",
            ),
        ));
    }
    compare_operations(&mut out, &old.ops, &new.ops);
    compare_schemas(&mut out, &old.schemas, &new.schemas);
    out
}

type Ops = BTreeMap<(String, String), Op>;

/// Operations added, removed, renamed, and what changed in each one kept.
fn compare_operations(out: &mut Vec<Change>, old: &Ops, new: &Ops) {
    for (key, op) in new {
        let at = format!("{} {}", key.1, key.0);
        let Some(o) = old.get(key) else {
            out.push(change(
                K::OperationAdded,
                at,
                format!("new operation `{}`", op.operation_id),
                NonBreaking,
                NonBreaking,
                Some("a new client method"),
            ));
            continue;
        };
        if o.operation_id != op.operation_id {
            out.push(change(
                K::OperationRenamed,
                at.clone(),
                format!("operationId `{}` → `{}`", o.operation_id, op.operation_id),
                NonBreaking,
                Breaking,
                Some("the client method is renamed"),
            ));
        }
        compare_parameters(out, &at, o, op);
        compare_body(out, &at, o, op);
        compare_responses(out, &at, o, op);
    }
    for (key, op) in old {
        if !new.contains_key(key) {
            out.push(change(
                K::OperationRemoved,
                format!("{} {}", key.1, key.0),
                format!("operation `{}` removed", op.operation_id),
                Breaking,
                Breaking,
                Some("the client method is gone"),
            ));
        }
    }
}

fn compare_parameters(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    for (pk, p) in &op.params {
        let pat = format!("{at} {} parameter {}", pk.0, pk.1);
        match o.params.get(pk) {
            None if p.required => out.push(change(
                K::ParameterAdded,
                pat,
                "new required parameter".into(),
                Breaking,
                Breaking,
                Some("calls without it fail"),
            )),
            None => out.push(change(
                K::ParameterAdded,
                pat,
                "new optional parameter".into(),
                NonBreaking,
                NonBreaking,
                Some("a new builder setter"),
            )),
            Some(op_) => {
                if op_.ty != p.ty {
                    out.push(change(
                        K::ParameterChanged,
                        pat.clone(),
                        format!("type {} → {}", op_.ty, p.ty),
                        Breaking,
                        Breaking,
                        None,
                    ));
                }
                if op_.required != p.required {
                    let v = if p.required { Breaking } else { NonBreaking };
                    out.push(change(
                        K::ParameterChanged,
                        pat,
                        format!("required {} → {}", op_.required, p.required),
                        v,
                        v,
                        None,
                    ));
                }
            }
        }
    }
    for pk in o.params.keys() {
        if !op.params.contains_key(pk) {
            out.push(change(
                K::ParameterRemoved,
                format!("{at} {} parameter {}", pk.0, pk.1),
                "parameter removed".into(),
                Breaking,
                Breaking,
                Some("the builder setter is gone"),
            ));
        }
    }
}

fn compare_body(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    match (&o.body, &op.body) {
        (Some(Ty::Object(a)), Some(Ty::Object(b))) => {
            diff_props(out, &format!("{at} body"), a, b, true)
        }
        (a, b) if a != b => out.push(change(
            K::RequestBodyChanged,
            at.to_owned(),
            format!(
                "request body {} → {}",
                a.as_ref().map(|t| t.to_string()).unwrap_or("none".into()),
                b.as_ref().map(|t| t.to_string()).unwrap_or("none".into())
            ),
            Breaking,
            Breaking,
            None,
        )),
        _ => {}
    }
}

fn compare_responses(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    let body = |t: &Option<Ty>| {
        t.as_ref()
            .map(|t| t.to_string())
            .unwrap_or("no body".into())
    };
    for (status, t) in &op.responses {
        match o.responses.get(status) {
            None => out.push(change(
                K::ResponseAdded,
                format!("{at} response {status}"),
                format!("new response {status}"),
                NonBreaking,
                NonBreaking,
                None,
            )),
            Some(ot) if ot != t => out.push(change(
                K::ResponseChanged,
                format!("{at} response {status}"),
                format!("{} → {}", body(ot), body(t)),
                Breaking,
                Breaking,
                None,
            )),
            _ => {}
        }
    }
    for status in o.responses.keys() {
        if !op.responses.contains_key(status) {
            out.push(change(
                K::ResponseRemoved,
                format!("{at} response {status}"),
                format!("response {status} no longer described"),
                Breaking,
                Breaking,
                Some("the client no longer accepts it as described"),
            ));
        }
    }
}

/// Schemas added, removed, and what changed in each one kept.
fn compare_schemas(
    out: &mut Vec<Change>,
    old: &BTreeMap<String, Shape>,
    new: &BTreeMap<String, Shape>,
) {
    for (name, shape) in new {
        let at = format!("schema {name}");
        let Some(old_shape) = old.get(name) else {
            out.push(change(
                K::SchemaAdded,
                at,
                "new schema".into(),
                NonBreaking,
                NonBreaking,
                Some("a new type"),
            ));
            continue;
        };
        match (old_shape, shape) {
            (Shape::Object(a), Shape::Object(b)) => diff_props(out, &at, a, b, false),
            (Shape::Enum(a), Shape::Enum(b)) => compare_members(out, &at, a, b),
            (a, b) if a != b => out.push(change(
                K::SchemaChanged,
                at,
                "the schema's kind or type changed".into(),
                Breaking,
                Breaking,
                None,
            )),
            _ => {}
        }
    }
    for name in old.keys() {
        if !new.contains_key(name) {
            out.push(change(
                K::SchemaRemoved,
                format!("schema {name}"),
                "schema removed".into(),
                Breaking,
                Breaking,
                Some("the type is gone"),
            ));
        }
    }
}

fn compare_members(out: &mut Vec<Change>, at: &str, a: &[String], b: &[String]) {
    for m in b.iter().filter(|m| !a.contains(m)) {
        out.push(change(
            K::EnumMemberAdded,
            at.to_owned(),
            format!("new member `{m}`"),
            NonBreaking,
            NonBreaking,
            Some("the open enum's catch-all took it before; now it is a known variant"),
        ));
    }
    for m in a.iter().filter(|m| !b.contains(m)) {
        out.push(change(
            K::EnumMemberRemoved,
            at.to_owned(),
            format!("member `{m}` removed"),
            Breaking,
            Breaking,
            Some("the variant is gone"),
        ));
    }
    let kept_a: Vec<&String> = a.iter().filter(|m| b.contains(m)).collect();
    let kept_b: Vec<&String> = b.iter().filter(|m| a.contains(m)).collect();
    if kept_a != kept_b {
        out.push(change(
            K::EnumMembersReordered,
            at.to_owned(),
            "members reordered".into(),
            NonBreaking,
            NonBreaking,
            Some("members travel by name"),
        ));
    }
}

/// How `cargo xtask diff` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people (also `md`).
    #[value(alias = "md")]
    Markdown,
    /// The stable JSON report (see [`FORMAT`] and the README).
    Json,
}

/// Both sides and what changed.
#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub old: Side,
    pub new: Side,
    pub summary: Summary,
    pub changes: Vec<Change>,
}

#[derive(Debug, Serialize)]
pub struct Side {
    pub file: String,
    pub sha256: String,
    pub overlay: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub changes: usize,
    pub breaking_graph: usize,
    pub breaking_rust: usize,
}

fn side(p: &Prepared) -> Side {
    Side {
        file: p.spec.display_name(),
        sha256: p.spec.sha256.clone(),
        overlay: p.overlay.as_ref().map(|o| o.display_name()),
    }
}

/// Diffs two prepared descriptions.
pub fn report(old: &Prepared, new: &Prepared) -> Report {
    let changes = compare(&model(&old.doc), &model(&new.doc));
    Report {
        format: FORMAT,
        old: side(old),
        new: side(new),
        summary: Summary {
            changes: changes.len(),
            breaking_graph: changes.iter().filter(|c| c.graph == Breaking).count(),
            breaking_rust: changes.iter().filter(|c| c.rust == Breaking).count(),
        },
        changes,
    }
}

impl Report {
    /// Whether anything breaks, by either set of rules.
    pub fn is_breaking(&self) -> bool {
        self.summary.breaking_graph + self.summary.breaking_rust > 0
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Markdown => self.markdown(),
            Format::Json => self.json(),
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    pub fn markdown(&self) -> String {
        let verdict = |v: Verdict| match v {
            Breaking => "**breaking**",
            NonBreaking => "compatible",
        };
        let mut s = format!(
            "API changes from `{}` (sha256 {}) to `{}` (sha256 {}){}.\n\n",
            self.old.file,
            &self.old.sha256[..12.min(self.old.sha256.len())],
            self.new.file,
            &self.new.sha256[..12.min(self.new.sha256.len())],
            self.new
                .overlay
                .as_ref()
                .map(|o| format!(", both after `{o}`"))
                .unwrap_or_default()
        );
        if self.changes.is_empty() {
            s.push_str("No API changes.\n");
            return s;
        }
        s.push_str(&format!(
            "{} change(s): {} breaking by Graph's rules, {} breaking for the Rust API.\n\n",
            self.summary.changes, self.summary.breaking_graph, self.summary.breaking_rust
        ));
        s.push_str("| change | where | what | Graph | Rust API |\n|---|---|---|---|---|\n");
        let mut sorted: Vec<&Change> = self.changes.iter().collect();
        sorted.sort_by_key(|c| {
            (
                c.graph != Breaking && c.rust != Breaking,
                c.location.clone(),
            )
        });
        for c in sorted {
            let rust = match &c.note {
                Some(n) => format!("{} ({n})", verdict(c.rust)),
                None => verdict(c.rust).to_owned(),
            };
            s.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                c.kind.as_str().replace('_', " "),
                c.location,
                c.detail.replace('|', "\\|"),
                verdict(c.graph),
                rust
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_serialize_as_their_names() {
        for kind in ChangeKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.as_str().to_owned())
            );
        }
    }
}
