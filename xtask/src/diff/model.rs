//! Stage 4, the API diff: what a prepared description says, read into the
//! parts a diff compares: operations (parameters, body, responses and their
//! headers, paging, operation type, deprecation), schemas (properties with
//! their limits, defaults, `readOnly` and deprecation; enum members) and in
//! which direction each schema travels (sent, received or both).
//!
//! Reads the description through [`crate::spec::idioms`], the same reading
//! the generator starts from. Pure functions on the JSON tree.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Number, Value};

use crate::spec::METHODS;
use crate::spec::idioms::{self, is_null_schema, nullable_any_of_inner};

/// A type as the description writes it, with the converter's idioms read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A primitive and its `format`.
    Prim(String, Option<String>),
    Ref(String),
    /// An array, and whether its items may be null.
    Array(Box<Ty>, bool),
    Object(BTreeMap<String, Prop>),
    Any,
}

impl Ty {
    /// The type without the `format` of a top-level primitive.
    pub fn base(&self) -> Ty {
        match self {
            Ty::Prim(p, _) => Ty::Prim(p.clone(), None),
            t => t.clone(),
        }
    }

    pub fn format(&self) -> Option<&str> {
        match self {
            Ty::Prim(_, f) => f.as_deref(),
            _ => None,
        }
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Prim(p, None) => f.write_str(p),
            Ty::Prim(p, Some(fmt)) => write!(f, "{p}({fmt})"),
            Ty::Ref(r) => f.write_str(r),
            Ty::Array(i, false) => write!(f, "array of {i}"),
            Ty::Array(i, true) => write!(f, "array of nullable {i}"),
            Ty::Object(_) => f.write_str("inline object"),
            Ty::Any => f.write_str("any"),
        }
    }
}

/// The validation keywords a diff compares (the type's `format` is in
/// [`Ty::Prim`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<Number>,
    pub maximum: Option<Number>,
    /// OpenAPI 3.0's boolean form.
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

impl Limits {
    fn read(schema: &Value) -> Self {
        let u = |k: &str| schema.get(k).and_then(Value::as_u64);
        let n = |k: &str| match schema.get(k) {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        // OpenAPI 3.1 writes the exclusive bound as a number.
        let (minimum, exclusive_minimum) = match (n("minimum"), schema.get("exclusiveMinimum")) {
            (m, Some(Value::Bool(b))) => (m, *b),
            (None, Some(Value::Number(x))) => (Some(x.clone()), true),
            (m, _) => (m, false),
        };
        let (maximum, exclusive_maximum) = match (n("maximum"), schema.get("exclusiveMaximum")) {
            (m, Some(Value::Bool(b))) => (m, *b),
            (None, Some(Value::Number(x))) => (Some(x.clone()), true),
            (m, _) => (m, false),
        };
        Limits {
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .map(str::to_owned),
            min_length: u("minLength"),
            max_length: u("maxLength"),
            minimum,
            maximum,
            exclusive_minimum,
            exclusive_maximum,
            min_items: u("minItems"),
            max_items: u("maxItems"),
        }
    }
}

/// `deprecated: true` and Graph's `x-ms-deprecation` (the converter's
/// `OpenApiDeprecationExtension`: `removalDate`, `date`, `version`,
/// `description`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deprecation {
    pub deprecated: bool,
    pub removal_date: Option<String>,
    pub date: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
}

impl Deprecation {
    pub fn read(v: &Value) -> Self {
        let ext = v.get("x-ms-deprecation");
        let s = |k: &str| {
            ext.and_then(|e| e.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Deprecation {
            deprecated: v.get("deprecated") == Some(&Value::Bool(true)) || ext.is_some(),
            removal_date: s("removalDate"),
            date: s("date"),
            version: s("version"),
            description: s("description"),
        }
    }

    /// "removal 2025-06-30, since 2024-06-30, version 2024-06/x: text".
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.removal_date {
            parts.push(format!("removal {d}"));
        }
        if let Some(d) = &self.date {
            parts.push(format!("since {d}"));
        }
        if let Some(v) = &self.version {
            parts.push(format!("version {v}"));
        }
        let mut s = parts.join(", ");
        if let Some(d) = &self.description {
            if !s.is_empty() {
                s.push_str(": ");
            }
            s.push_str(d);
        }
        s
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prop {
    pub ty: Ty,
    pub nullable: bool,
    pub required: bool,
    pub default: Option<Value>,
    pub read_only: bool,
    pub limits: Limits,
    pub deprecation: Deprecation,
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
        Some(p) => Ty::Prim(
            p.to_owned(),
            schema
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
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

fn short(r: &str) -> String {
    r.rsplit('/').next().unwrap_or(r).to_owned()
}

/// The schema that carries a property's keywords: the inner one of a
/// nullable `anyOf` wrapper when there is one.
fn keywords_of(schema: &Value) -> &Value {
    nullable_any_of_inner(schema).unwrap_or(schema)
}

fn prop(schema: &Value, required: bool) -> Prop {
    let (ty, nullable) = ty(schema);
    let inner = keywords_of(schema);
    Prop {
        ty,
        nullable,
        required,
        default: schema.get("default").or(inner.get("default")).cloned(),
        read_only: schema.get("readOnly") == Some(&Value::Bool(true)),
        limits: Limits::read(inner),
        deprecation: Deprecation::read(schema),
    }
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
                .map(|(k, s)| (k.clone(), prop(s, required.contains(k.as_str()))))
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
pub struct Schema {
    pub shape: Shape,
    pub deprecation: Deprecation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub required: bool,
    pub ty: Ty,
    pub default: Option<Value>,
    pub limits: Limits,
    pub deprecation: Deprecation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// As the description spells it.
    pub name: String,
    pub required: bool,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub body: Option<Ty>,
    /// By lower-case name.
    pub headers: BTreeMap<String, Header>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub operation_id: String,
    pub summary: Option<String>,
    /// `x-ms-docs-operation-type`: `operation` (navigation), `action`,
    /// `function`.
    pub kind: String,
    /// `x-ms-pageable` (its `nextLinkName`, `@odata.nextLink` by default).
    pub pageable: Option<String>,
    pub deprecation: Deprecation,
    pub params: BTreeMap<(String, String), Param>,
    pub body: Option<Ty>,
    pub responses: BTreeMap<String, Response>,
}

impl Op {
    /// As the generator's operation table decides it: a 202 with a
    /// `Location` header.
    pub fn long_running(&self) -> bool {
        self.responses
            .get("202")
            .is_some_and(|r| r.headers.contains_key("location"))
    }

    /// What `OperationMeta::is_idempotent` answers for `method`.
    pub fn idempotent(&self, method: &str) -> bool {
        matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS") || self.kind == "function"
    }
}

/// In which directions a schema travels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Reachable from a request body or a parameter.
    pub request: bool,
    /// Reachable from a response.
    pub response: bool,
}

/// The parts of a description a diff compares.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub servers: Vec<String>,
    pub ops: BTreeMap<(String, String), Op>,
    pub schemas: BTreeMap<String, Schema>,
    /// By schema name; a schema reached from nowhere is absent (and judged
    /// as received).
    pub usage: BTreeMap<String, Usage>,
}

impl Model {
    pub fn usage(&self, schema: &str) -> Usage {
        self.usage.get(schema).copied().unwrap_or_default()
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => crate::spec::resolve(doc, r).unwrap_or(v),
        None => v,
    }
}

/// Every component a value refers to, directly (discriminator mappings
/// are plain strings, not `$ref`s, so they do not count as uses).
fn refs_in(v: &Value, out: &mut BTreeSet<String>) {
    for (_, r) in crate::spec::refs(v) {
        if let Some(name) = crate::spec::schema_ref_name(&r) {
            out.insert(name.to_owned());
        }
    }
}

/// The schemas reachable from `roots` through `$ref`s.
fn closure(doc: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(s) = doc
            .pointer("/components/schemas")
            .and_then(|c| c.get(&name))
        {
            let mut next = BTreeSet::new();
            refs_in(s, &mut next);
            todo.extend(next.into_iter().filter(|n| !seen.contains(n)));
        }
    }
    seen
}

/// Builds the model from a prepared (overlaid) description.
pub fn model(doc: &Value) -> Model {
    let mut doc = doc.clone();
    // Entity inheritance flattened; '@odata.type' bookkeeping removed.
    idioms::flatten_all_of(&mut doc);
    idioms::odata_type_not_required(&mut doc);
    let mut m = Model {
        servers: doc
            .get("servers")
            .and_then(Value::as_array)
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.get("url").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        ..Model::default()
    };
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
        m.schemas.insert(
            name.clone(),
            Schema {
                shape,
                deprecation: Deprecation::read(schema),
            },
        );
    }
    let (mut sent, mut received) = (BTreeSet::new(), BTreeSet::new());
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
                let schema = p.get("schema").unwrap_or(&Value::Null);
                refs_in(schema, &mut sent);
                let inner = keywords_of(schema);
                params.insert(
                    (loc.to_owned(), name.to_owned()),
                    Param {
                        required: p.get("required") == Some(&Value::Bool(true)),
                        ty: p.get("schema").map(|s| ty(s).0).unwrap_or(Ty::Any),
                        default: schema.get("default").cloned(),
                        limits: Limits::read(inner),
                        deprecation: Deprecation::read(p),
                    },
                );
            }
            let body_schema = op
                .get("requestBody")
                .map(|b| resolve(&doc, b))
                .and_then(|b| b.pointer("/content/application~1json/schema"));
            if let Some(s) = body_schema {
                refs_in(s, &mut sent);
            }
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
                            if let Some(s) = schema {
                                refs_in(s, &mut received);
                            }
                            let headers = resp
                                .get("headers")
                                .and_then(Value::as_object)
                                .map(|h| {
                                    h.iter()
                                        .map(|(name, header)| {
                                            let header = resolve(&doc, header);
                                            (
                                                name.to_ascii_lowercase(),
                                                Header {
                                                    name: name.clone(),
                                                    required: header.get("required")
                                                        == Some(&Value::Bool(true)),
                                                    ty: header
                                                        .get("schema")
                                                        .map(|s| ty(s).0)
                                                        .unwrap_or(Ty::Any),
                                                },
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            (
                                status.clone(),
                                Response {
                                    body: schema.map(|s| ty(s).0),
                                    headers,
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let text = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_owned);
            m.ops.insert(
                (path.clone(), method.to_uppercase()),
                Op {
                    operation_id: text("operationId").unwrap_or_default(),
                    summary: text("summary"),
                    kind: text("x-ms-docs-operation-type").unwrap_or_else(|| "operation".into()),
                    pageable: op.get("x-ms-pageable").map(|p| {
                        p.get("nextLinkName")
                            .and_then(Value::as_str)
                            .unwrap_or("@odata.nextLink")
                            .to_owned()
                    }),
                    deprecation: Deprecation::read(op),
                    params,
                    body: body_schema.map(|s| ty(s).0),
                    responses,
                },
            );
        }
    }
    for name in closure(&doc, sent) {
        m.usage.entry(name).or_default().request = true;
    }
    for name in closure(&doc, received) {
        m.usage.entry(name).or_default().response = true;
    }
    m
}
