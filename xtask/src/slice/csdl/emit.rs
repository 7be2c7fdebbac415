//! Stage 2, slicing (CSDL): the OpenAPI document, in the shapes Microsoft's
//! CSDL→OpenAPI converter (Microsoft.OpenApi.OData with Graph's settings)
//! writes, restricted to the paths under the slice root and the components
//! they reach.
//!
//! Paths follow the converter's path provider: a collection-valued
//! navigation property gives the collection, `/$count` and the keyed item;
//! contained navigation properties are followed into their target type,
//! non-contained ones are not; bound actions and functions are appended to
//! every navigation path whose target type is their binding type (a
//! collection binding on the collection, a single binding on the item or a
//! single-valued property). Keys are written as segments with the entity
//! type name before the key (`{numberAssignment-id}`), operations with their
//! namespace, string and enum function parameters in quotes.
//!
//! Works on the resolved [`Model`] only; uses [`crate::spec`] for `$ref`s
//! and the date-time pattern. Builds JSON in memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value, json};

use super::model::{
    Kind, Model, NavProperty, Notes, OpKind, Operation, Primitive, Property, Resolved, Structured,
    TypeDef, TypeRef,
};
use super::{Boundary, order};
use crate::spec::idioms::DATE_TIME_PATTERN;

const DATE_PATTERN: &str = "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$";
const TIME_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?$";
const DURATION_PATTERN: &str = "^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$";
const GUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Graph's `TagDepth` setting.
const TAG_DEPTH: usize = 2;

const SCHEMAS: &str = "#/components/schemas/";
const RESPONSES: &str = "#/components/responses/";
const BASE_COLLECTION: &str = "BaseCollectionPaginationCountResponse";
const COUNT_SCHEMA: &str = "ODataCountResponse";
const REFERENCE_NUMERIC: &str = "ReferenceNumeric";
const ODATA_ERROR: &str = "microsoft.graph.ODataErrors.ODataError";
const MAIN_ERROR: &str = "microsoft.graph.ODataErrors.MainError";
const ERROR_DETAILS: &str = "microsoft.graph.ODataErrors.ErrorDetails";
const INNER_ERROR: &str = "microsoft.graph.ODataErrors.InnerError";
const COLLECTION_SUFFIX: &str = "CollectionResponse";

/// A schema under construction; [`Sch::build`] writes its keys in the order
/// OpenAPI.NET serializes them.
#[derive(Default)]
struct Sch {
    reference: Option<String>,
    title: Option<String>,
    max_length: Option<u64>,
    pattern: Option<&'static str>,
    required: Vec<String>,
    enumeration: Option<Vec<Value>>,
    ty: Option<&'static str>,
    all_of: Option<Vec<Value>>,
    any_of: Option<Vec<Value>>,
    one_of: Option<Vec<Value>>,
    items: Option<Value>,
    properties: Option<Map<String, Value>>,
    description: Option<String>,
    format: Option<&'static str>,
    default: Option<Value>,
    nullable: bool,
    read_only: bool,
    extensions: Vec<(&'static str, Value)>,
}

impl Sch {
    fn reference(component: &str) -> Self {
        Self {
            reference: Some(format!("{SCHEMAS}{component}")),
            ..Self::default()
        }
    }

    /// A reference serializes as `$ref` alone: OpenAPI.NET drops the
    /// siblings (descriptions, extensions) of a referenced schema.
    fn is_reference(&self) -> bool {
        self.reference.is_some()
    }

    fn build(self) -> Value {
        if let Some(r) = self.reference {
            return json!({ "$ref": r });
        }
        let mut m = Map::new();
        if let Some(v) = self.title {
            m.insert("title".into(), v.into());
        }
        if let Some(v) = self.max_length {
            m.insert("maxLength".into(), v.into());
        }
        if let Some(v) = self.pattern {
            m.insert("pattern".into(), v.into());
        }
        if !self.required.is_empty() {
            m.insert("required".into(), self.required.into());
        }
        if let Some(v) = self.enumeration {
            m.insert("enum".into(), v.into());
        }
        if let Some(v) = self.ty {
            m.insert("type".into(), v.into());
        }
        if let Some(v) = self.all_of {
            m.insert("allOf".into(), v.into());
        }
        if let Some(v) = self.any_of {
            m.insert("anyOf".into(), v.into());
        }
        if let Some(v) = self.one_of {
            m.insert("oneOf".into(), v.into());
        }
        if let Some(v) = self.items {
            m.insert("items".into(), v);
        }
        if let Some(v) = self.properties {
            m.insert("properties".into(), Value::Object(v));
        }
        if let Some(v) = self.description {
            m.insert("description".into(), v.into());
        }
        if let Some(v) = self.format {
            m.insert("format".into(), v.into());
        }
        if let Some(v) = self.default {
            m.insert("default".into(), v);
        }
        if self.nullable {
            m.insert("nullable".into(), true.into());
        }
        if self.read_only {
            m.insert("readOnly".into(), true.into());
        }
        for (k, v) in self.extensions {
            m.insert(k.into(), v);
        }
        Value::Object(m)
    }
}

/// Where a reference comes from, for messages.
struct Site {
    what: String,
    pos: usize,
}

/// A navigation property on a path.
struct NavInfo {
    name: String,
    /// Full name of the declaring type.
    declaring: String,
    /// Full name of the target entity type.
    target: String,
    many: bool,
    contained: bool,
    notes: Notes,
    site: Site,
}

impl NavInfo {
    fn target_name(&self) -> &str {
        short(&self.target)
    }
}

/// A key segment.
struct KeyInfo {
    type_name: String,
    /// Key property names with the schema of their type.
    keys: Vec<(String, Value)>,
}

#[derive(Clone)]
enum Seg {
    Source(String),
    Nav(Rc<NavInfo>),
    Key(Rc<KeyInfo>),
    Count,
    Op(Rc<Operation>),
}

/// A path's name, its sort key and its path-level parameters.
struct Rendered {
    name: String,
    sort: String,
    parameters: Vec<Value>,
}

fn short(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn unique(name: String, used: &mut HashSet<String>) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|c| used.insert(c.clone()))
        .expect("an unused name")
}

/// The responses of an operation: its one answer, and Graph's shared error
/// responses.
fn error_responses(status: &str, answer: Value) -> Value {
    let mut m = Map::new();
    m.insert(status.into(), answer);
    m.insert("4XX".into(), json!({ "$ref": format!("{RESPONSES}error") }));
    m.insert("5XX".into(), json!({ "$ref": format!("{RESPONSES}error") }));
    Value::Object(m)
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// A described JSON answer or body of the `target` entity.
fn entity_content(description: &str, target: &str) -> Value {
    json!({ "description": description, "content": json_content(schema_ref(target)) })
}

fn schema_ref(component: &str) -> Value {
    json!({ "$ref": format!("{SCHEMAS}{component}") })
}

fn parameter_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn query_array(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": false,
        "schema": { "uniqueItems": true, "type": "array", "items": { "type": "string" } }
    })
}

fn select() -> Value {
    query_array("$select", "Select properties to be returned")
}

fn expand() -> Value {
    query_array("$expand", "Expand related entities")
}

fn orderby() -> Value {
    query_array("$orderby", "Order items by property values")
}

fn paging() -> Vec<Value> {
    ["top", "skip", "search", "filter", "count"]
        .iter()
        .map(|n| parameter_ref(n))
        .collect()
}

fn pageable() -> Value {
    json!({ "nextLinkName": "@odata.nextLink", "operationName": "listMore" })
}

/// An operation object, keys in OpenAPI.NET order.
struct Op {
    tag: String,
    summary: String,
    description: Option<String>,
    operation_id: String,
    parameters: Vec<Value>,
    request_body: Option<Value>,
    responses: Value,
    pageable: bool,
    kind: &'static str,
}

impl Op {
    /// A plain `operation`: no description, parameters or body, one page.
    fn new(tag: &str, summary: String, operation_id: String, responses: Value) -> Self {
        Self {
            tag: tag.to_owned(),
            summary,
            description: None,
            operation_id,
            parameters: Vec::new(),
            request_body: None,
            responses,
            pageable: false,
            kind: "operation",
        }
    }

    fn described(mut self, description: Option<String>) -> Self {
        self.description = description;
        self
    }

    fn with_parameters(mut self, parameters: Vec<Value>) -> Self {
        self.parameters = parameters;
        self
    }

    /// A required JSON body of the `target` entity.
    fn with_entity_body(mut self, description: &str, target: &str) -> Self {
        let mut body = entity_content(description, target);
        body["required"] = true.into();
        self.request_body = Some(body);
        self
    }

    fn build(self) -> Value {
        let mut m = Map::new();
        m.insert("tags".into(), json!([self.tag]));
        m.insert("summary".into(), self.summary.into());
        if let Some(d) = self.description {
            m.insert("description".into(), d.into());
        }
        m.insert("operationId".into(), self.operation_id.into());
        if !self.parameters.is_empty() {
            m.insert("parameters".into(), self.parameters.into());
        }
        if let Some(b) = self.request_body {
            m.insert("requestBody".into(), b);
        }
        m.insert("responses".into(), self.responses);
        if self.pageable {
            m.insert("x-ms-pageable".into(), pageable());
        }
        m.insert("x-ms-docs-operation-type".into(), self.kind.into());
        Value::Object(m)
    }
}

/// The OData primitive → OpenAPI mapping. `Edm.Boolean` carries the
/// converter's `default: false`, which property schemas replace with the
/// property's own `DefaultValue`.
fn primitive(p: Primitive, nullable: bool, max_length: Option<u64>) -> Sch {
    let mut s = Sch::default();
    let number_or_string = |format: &'static str| {
        vec![
            json!({ "type": "number", "format": format, "nullable": true }),
            json!({ "type": "string", "nullable": true }),
            schema_ref(REFERENCE_NUMERIC),
        ]
    };
    match p {
        Primitive::String => {
            s.ty = Some("string");
            s.max_length = max_length;
        }
        Primitive::Boolean => {
            s.ty = Some("boolean");
            s.default = Some(false.into());
        }
        Primitive::Byte => (s.ty, s.format) = (Some("integer"), Some("uint8")),
        Primitive::SByte => (s.ty, s.format) = (Some("integer"), Some("int8")),
        Primitive::Int16 => (s.ty, s.format) = (Some("integer"), Some("int16")),
        Primitive::Int32 => (s.ty, s.format) = (Some("integer"), Some("int32")),
        Primitive::Int64 => (s.ty, s.format) = (Some("integer"), Some("int64")),
        Primitive::Decimal => (s.ty, s.format) = (Some("number"), Some("decimal")),
        Primitive::Single => s.one_of = Some(number_or_string("float")),
        Primitive::Double => s.one_of = Some(number_or_string("double")),
        Primitive::Guid => {
            (s.pattern, s.ty, s.format) = (Some(GUID_PATTERN), Some("string"), Some("uuid"));
        }
        Primitive::Date => {
            (s.pattern, s.ty, s.format) = (Some(DATE_PATTERN), Some("string"), Some("date"));
        }
        Primitive::DateTimeOffset => {
            (s.pattern, s.ty, s.format) =
                (Some(DATE_TIME_PATTERN), Some("string"), Some("date-time"));
        }
        Primitive::Duration => {
            (s.pattern, s.ty, s.format) =
                (Some(DURATION_PATTERN), Some("string"), Some("duration"));
        }
        Primitive::TimeOfDay => {
            (s.pattern, s.ty, s.format) = (Some(TIME_PATTERN), Some("string"), Some("time"));
        }
        Primitive::Binary | Primitive::Stream => {
            (s.ty, s.format) = (Some("string"), Some("base64url"));
        }
        Primitive::Untyped => {}
    }
    s.nullable = nullable && s.ty.is_some();
    s
}

/// A property's `DefaultValue`, typed the way the converter types it.
fn default_value(raw: &str, resolved: &Resolved) -> Option<Value> {
    match resolved {
        Resolved::Primitive(Primitive::Boolean) => Some(match raw.trim() {
            "true" | "True" => true.into(),
            "false" | "False" => false.into(),
            _ => raw.into(),
        }),
        Resolved::Primitive(Primitive::Int16 | Primitive::Int32) => Some(
            raw.trim()
                .parse::<i32>()
                .map(Value::from)
                .unwrap_or_else(|_| raw.into()),
        ),
        Resolved::Primitive(_)
        | Resolved::Named {
            kind: Kind::Enum, ..
        } => Some(raw.into()),
        Resolved::Named { .. } => None,
    }
}

struct Emitter<'m, 'a> {
    m: &'m Model<'a>,
    tags: Vec<String>,
    /// Local structured types by the full name of their base type.
    derived: HashMap<String, Vec<String>>,
}

/// Builds the document.
pub(crate) fn document(m: &Model<'_>) -> Result<Value> {
    let mut derived: HashMap<String, Vec<String>> = HashMap::new();
    for t in m.local_types() {
        if let TypeDef::Structured(s) = t
            && let Some(base) = &s.base
        {
            derived
                .entry(m.canonical(base))
                .or_default()
                .push(t.full_name());
        }
    }
    let mut e = Emitter {
        m,
        tags: Vec::new(),
        derived,
    };
    let paths = e.paths()?;
    let (schemas, responses, parameters) = e.components(&paths)?;
    let server = &m.options.server_url;
    let tags: Vec<Value> = e
        .tags
        .iter()
        .map(|t| json!({ "name": t, "x-ms-docs-toc-type": "page" }))
        .collect();
    Ok(json!({
        "openapi": "3.0.4",
        "info": {
            "title": format!("OData Service for namespace {}", m.container_namespace()),
            "description": format!("This OData service is located at {}", server.trim_end_matches('/')),
            "version": "1.0.1"
        },
        "servers": [{ "url": server }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "parameters": parameters,
            "securitySchemes": {
                "azureaadv2": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                            "tokenUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                            "scopes": {}
                        }
                    }
                }
            }
        },
        "security": [{ "azureaadv2": [] }],
        "tags": tags
    }))
}

impl Emitter<'_, '_> {
    fn at(&self, pos: usize) -> String {
        self.m.src.at(pos)
    }

    fn resolve(&self, name: &str, site: &Site) -> Result<Resolved> {
        self.m.resolve(name).ok_or_else(|| {
            anyhow!(
                "{}: {}: Type=\"{name}\" does not resolve: {}",
                self.at(site.pos),
                site.what,
                self.m.why_unresolved(name)
            )
        })
    }

    /// Types outside the namespace need a boundary rule to be referenced.
    fn allow(&self, full: &str, site: &Site) -> Result<()> {
        if self.m.is_local(full) || self.m.boundary(full).is_some() {
            return Ok(());
        }
        bail!(
            "{}: {} refers to {full}, which is outside {} and has no boundary rule; \
             add it to the boundary as Keep (copied as is) or Stub (cut to id and @odata.type)",
            self.at(site.pos),
            site.what,
            self.m.options.namespace
        )
    }

    /// The schema of one value of a type (an item, for collections).
    fn element(
        &self,
        name: &str,
        nullable: bool,
        max_length: Option<u64>,
        site: &Site,
    ) -> Result<Sch> {
        match self.resolve(name, site)? {
            Resolved::Primitive(p) => Ok(primitive(p, nullable, max_length)),
            Resolved::Named { full, .. } => {
                self.allow(&full, site)?;
                Ok(if nullable {
                    Sch {
                        any_of: Some(vec![
                            schema_ref(&full),
                            json!({ "type": "object", "nullable": true }),
                        ]),
                        ..Sch::default()
                    }
                } else {
                    Sch::reference(&full)
                })
            }
        }
    }

    fn of_type(&self, ty: &TypeRef, site: &Site) -> Result<Sch> {
        let element = self.element(&ty.name, ty.nullable, ty.max_length, site)?;
        if !ty.collection {
            return Ok(element);
        }
        Ok(Sch {
            ty: Some("array"),
            items: Some(element.build()),
            ..Sch::default()
        })
    }

    /// The type and its base types, most derived first.
    fn chain(&self, full: &str) -> Result<Vec<Rc<TypeDef>>> {
        let mut out: Vec<Rc<TypeDef>> = Vec::new();
        let mut current = full.to_owned();
        loop {
            let t = self.m.expect(&current)?;
            let base = match &*t {
                TypeDef::Structured(s) => s.base.clone(),
                _ => None,
            };
            let pos = t.pos();
            let element = t.element();
            out.push(t);
            let Some(base) = base else { break };
            let site = Site { what: element, pos };
            let resolved = self.m.resolve(&base).ok_or_else(|| {
                anyhow!(
                    "{}: {}: BaseType=\"{base}\" does not resolve: {}",
                    self.at(pos),
                    site.what,
                    self.m.why_unresolved(&base)
                )
            })?;
            match resolved {
                Resolved::Named { full, .. } => current = full,
                Resolved::Primitive(_) => bail!(
                    "{}: {}: BaseType=\"{base}\" is a primitive type",
                    self.at(pos),
                    site.what
                ),
            }
            if out.len() > 64 || out.iter().any(|t| t.full_name() == current) {
                bail!("{}: {}: the BaseType chain loops", self.at(pos), site.what);
            }
        }
        Ok(out)
    }

    /// Navigation properties of an entity type, inherited ones first. Stub
    /// types have none: the slice does not follow them.
    fn navigations(&self, full: &str) -> Result<Vec<Rc<NavInfo>>> {
        if !self.m.is_local(full) && self.m.boundary(full) == Some(Boundary::Stub) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for t in self.chain(full)?.iter().rev() {
            let TypeDef::Structured(s) = &**t else {
                continue;
            };
            let declaring = t.full_name();
            for n in &s.navigations {
                out.push(Rc::new(self.nav_info(&declaring, t, n)?));
            }
        }
        Ok(out)
    }

    fn nav_info(&self, declaring: &str, owner: &TypeDef, n: &NavProperty) -> Result<NavInfo> {
        let site = Site {
            what: format!(
                "<NavigationProperty Name=\"{}\"> of {}",
                n.name,
                owner.element()
            ),
            pos: n.pos,
        };
        let target = match self.resolve(&n.ty.name, &site)? {
            Resolved::Named {
                full,
                kind: Kind::Entity,
            } => full,
            _ => bail!(
                "{}: {}: Type=\"{}\" is not an entity type",
                self.at(n.pos),
                site.what,
                n.ty.name
            ),
        };
        Ok(NavInfo {
            name: n.name.clone(),
            declaring: declaring.to_owned(),
            target,
            many: n.ty.collection,
            contained: n.contains_target,
            notes: self.m.notes(&n.notes, &format!("{declaring}/{}", n.name)),
            site,
        })
    }

    /// The key of an entity type, from the nearest type in its chain that
    /// declares one.
    fn key(&self, full: &str, site: &Site) -> Result<KeyInfo> {
        let chain = self.chain(full)?;
        let names = chain
            .iter()
            .find_map(|t| match &**t {
                TypeDef::Structured(s) if !s.key.is_empty() => Some(s.key.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                anyhow!(
                    "{}: {} leads to {full}, which declares no <Key> (nor do its base types)",
                    self.at(site.pos),
                    site.what
                )
            })?;
        let mut keys = Vec::new();
        for name in names {
            let (owner, property) = chain
                .iter()
                .find_map(|t| match &**t {
                    TypeDef::Structured(s) => s
                        .properties
                        .iter()
                        .find(|p| p.name == name)
                        .map(|p| (t.clone(), p.clone())),
                    _ => None,
                })
                .ok_or_else(|| {
                    anyhow!(
                        "{}: the key of {full} names property \"{name}\", which it does not have",
                        self.at(chain[0].pos())
                    )
                })?;
            let key_site = Site {
                what: format!(
                    "<Property Name=\"{}\"> of {}",
                    property.name,
                    owner.element()
                ),
                pos: property.pos,
            };
            let mut ty = property.ty.clone();
            ty.nullable = false;
            keys.push((name, self.of_type(&ty, &key_site)?.build()));
        }
        Ok(KeyInfo {
            type_name: short(full).to_owned(),
            keys,
        })
    }

    // ----- paths -----

    fn paths(&mut self) -> Result<Map<String, Value>> {
        let m = self.m;
        let root = m.options.root.trim_end_matches('/');
        let segments: Vec<&str> = root.trim_start_matches('/').split('/').collect();
        let singleton = m.root_singleton().ok_or_else(|| {
            anyhow!(
                "{}: no <Singleton Name=\"{}\"> in any <EntityContainer>; the slice root {root} starts at that singleton",
                m.src.name(),
                segments[0]
            )
        })?;
        let site = Site {
            what: format!("<Singleton Name=\"{}\">", singleton.name),
            pos: singleton.pos,
        };
        let mut current = match self.resolve(&singleton.ty, &site)? {
            Resolved::Named {
                full,
                kind: Kind::Entity,
            } => full,
            _ => bail!(
                "{}: {}: Type=\"{}\" is not an entity type",
                self.at(singleton.pos),
                site.what,
                singleton.ty
            ),
        };
        let mut path = vec![Seg::Source(singleton.name.clone())];
        let mut visited = Vec::new();
        let mut found = Vec::new();
        for (i, name) in segments[1..].iter().enumerate() {
            let navigations = self.navigations(&current)?;
            let Some(nav) = navigations.iter().find(|n| n.name == *name).cloned() else {
                let t = m.expect(&current)?;
                bail!(
                    "{}: {} (reached from <Singleton Name=\"{}\"> on the slice root {root}) has no navigation property \"{name}\"",
                    self.at(t.pos()),
                    t.element(),
                    singleton.name
                );
            };
            if i + 2 == segments.len() {
                self.follow(&mut path, nav, &mut visited, &mut found)?;
            } else {
                if nav.many {
                    bail!(
                        "{}: {} is collection-valued; the slice root {root} can only pass through single-valued navigation properties",
                        self.at(nav.site.pos),
                        nav.site.what
                    );
                }
                visited.push(format!("{}/{}", nav.declaring, nav.name));
                current = nav.target.clone();
                path.push(Seg::Nav(nav));
            }
        }
        self.bind_operations(&mut found)?;

        let mut rendered = Vec::new();
        let mut names = HashSet::new();
        for segs in found {
            let r = self.render(&segs)?;
            if self.excluded(&r.name) || !names.insert(r.name.clone()) {
                continue;
            }
            rendered.push((r, segs));
        }
        rendered.sort_by(|a, b| order::compare(&a.0.sort, &b.0.sort));
        let mut paths = Map::new();
        for (r, segs) in rendered {
            let item = self.path_item(&segs, r.parameters)?;
            paths.insert(r.name, item);
        }
        Ok(paths)
    }

    fn excluded(&self, name: &str) -> bool {
        let root = self.m.options.root.trim_end_matches('/');
        let under_root = name == root || name.starts_with(&format!("{root}/"));
        !under_root
            || self
                .m
                .options
                .exclude_below
                .iter()
                .any(|p| name.starts_with(p.as_str()))
    }

    /// Paths of a navigation property and everything below it.
    fn follow(
        &self,
        path: &mut Vec<Seg>,
        nav: Rc<NavInfo>,
        visited: &mut Vec<String>,
        out: &mut Vec<Vec<Seg>>,
    ) -> Result<()> {
        let id = format!("{}/{}", nav.declaring, nav.name);
        if visited.contains(&id) {
            return Ok(());
        }
        self.allow(&nav.target, &nav.site)?;
        path.push(Seg::Nav(nav.clone()));
        out.push(path.clone());
        visited.push(id);
        if nav.many {
            let mut count = path.clone();
            count.push(Seg::Count);
            out.push(count);
            path.push(Seg::Key(Rc::new(self.key(&nav.target, &nav.site)?)));
            out.push(path.clone());
        }
        if nav.contained {
            for sub in self.navigations(&nav.target)? {
                self.follow(path, sub, visited, out)?;
            }
        }
        if nav.many {
            path.pop();
        }
        path.pop();
        visited.pop();
        Ok(())
    }

    /// Appends bound operations to the navigation paths of their binding
    /// type.
    fn bind_operations(&self, found: &mut Vec<Vec<Seg>>) -> Result<()> {
        let m = self.m;
        let mut local: HashMap<String, Vec<(Rc<Operation>, bool)>> = HashMap::new();
        for op in m.local_operations().iter().filter(|o| o.bound) {
            let binding = &op.parameters[0].ty;
            local
                .entry(m.canonical(&binding.name))
                .or_default()
                .push((Rc::new(op.clone()), binding.collection));
        }
        let mut foreign_cache: HashMap<usize, Rc<Operation>> = HashMap::new();
        let mut added = Vec::new();
        for segs in found.iter() {
            let Some(nav) = segs.iter().rev().find_map(|s| match s {
                Seg::Nav(n) => Some(n.clone()),
                _ => None,
            }) else {
                continue;
            };
            let keyed = match segs.last() {
                Some(Seg::Key(_)) => true,
                Some(Seg::Nav(_)) => false,
                _ => continue,
            };
            let applies = |collection: bool| {
                if collection {
                    !keyed && nav.many
                } else {
                    keyed || !nav.many
                }
            };
            for (op, collection) in local.get(&nav.target).into_iter().flatten() {
                if applies(*collection) {
                    let mut p = segs.clone();
                    p.push(Seg::Op(op.clone()));
                    added.push(p);
                }
            }
            let foreign = m.foreign_ops_bound_to(&nav.target);
            if foreign.is_empty() {
                continue;
            }
            let base = self.render(segs)?.name;
            if self.excluded(&format!("{base}/")) {
                continue;
            }
            for (index, collection) in foreign {
                if !applies(collection) {
                    continue;
                }
                let op = match foreign_cache.get(&index) {
                    Some(op) => op.clone(),
                    None => {
                        let op = m.foreign_op(index)?;
                        m.check_operation(&op)?;
                        let op = Rc::new(op);
                        foreign_cache.insert(index, op.clone());
                        op
                    }
                };
                let mut p = segs.clone();
                p.push(Seg::Op(op));
                added.push(p);
            }
        }
        found.extend(added);
        Ok(())
    }

    fn render(&self, segs: &[Seg]) -> Result<Rendered> {
        let mut used = HashSet::new();
        let mut r = Rendered {
            name: String::new(),
            sort: String::new(),
            parameters: Vec::new(),
        };
        for seg in segs {
            match seg {
                Seg::Source(name) => {
                    r.name.push('/');
                    r.name.push_str(name);
                    r.sort.push('/');
                    r.sort.push_str(name);
                }
                Seg::Nav(n) => {
                    r.name.push('/');
                    r.name.push_str(&n.name);
                    r.sort.push('/');
                    r.sort.push_str(&n.name);
                }
                Seg::Key(k) => {
                    let text = if let [(key, schema)] = k.keys.as_slice() {
                        let u = unique(format!("{}-{key}", k.type_name), &mut used);
                        r.parameters.push(key_parameter(
                            &u,
                            &format!("The unique identifier of {}", k.type_name),
                            schema,
                            &k.type_name,
                        ));
                        format!("{{{u}}}")
                    } else {
                        let mut parts = Vec::new();
                        for (key, schema) in &k.keys {
                            let u = unique(key.clone(), &mut used);
                            r.parameters.push(key_parameter(
                                &u,
                                &format!(
                                    "Property in multi-part unique identifier of {}",
                                    k.type_name
                                ),
                                schema,
                                &k.type_name,
                            ));
                            parts.push(format!("{key}={{{u}}}"));
                        }
                        parts.join(",")
                    };
                    r.name.push('/');
                    r.name.push_str(&text);
                    r.sort.push('(');
                    r.sort.push_str(&text);
                    r.sort.push(')');
                }
                Seg::Count => {
                    r.name.push_str("/$count");
                    r.sort.push_str("/$count");
                }
                Seg::Op(op) => {
                    let mut text = op.full_name();
                    if op.kind == OpKind::Function {
                        let mut args = Vec::new();
                        for p in op.parameters.iter().skip(usize::from(op.bound)) {
                            let site = Site {
                                what: format!(
                                    "<Parameter Name=\"{}\"> of {}",
                                    p.name,
                                    op.element()
                                ),
                                pos: p.pos,
                            };
                            let quoted = !p.ty.collection
                                && matches!(
                                    self.resolve(&p.ty.name, &site)?,
                                    Resolved::Primitive(Primitive::String)
                                        | Resolved::Named {
                                            kind: Kind::Enum,
                                            ..
                                        }
                                );
                            let q = if quoted { "'" } else { "" };
                            let u = unique(p.name.clone(), &mut used);
                            let usage = format!("{}={q}{{{u}}}{q}", p.name);
                            r.parameters.push(json!({
                                "name": u,
                                "in": "path",
                                "description": format!("Usage: {usage}"),
                                "required": true,
                                "schema": self.of_type(&p.ty, &site)?.build()
                            }));
                            args.push(usage);
                        }
                        text = format!("{text}({})", args.join(","));
                    }
                    r.name.push('/');
                    r.name.push_str(&text);
                    r.sort.push('/');
                    r.sort.push_str(&text);
                }
            }
        }
        Ok(r)
    }

    fn tag(&mut self, source: &str, navs: &[&Rc<NavInfo>]) -> String {
        let mut items = vec![source.to_owned()];
        let last = navs.last().copied();
        for n in navs {
            if last.is_some_and(|l| Rc::ptr_eq(l, n)) || items.len() >= TAG_DEPTH - 1 {
                items.push(n.target_name().to_owned());
                break;
            }
            items.push(n.name.clone());
        }
        let tag = items.join(".");
        if !self.tags.contains(&tag) {
            self.tags.push(tag.clone());
        }
        tag
    }

    fn path_item(&mut self, segs: &[Seg], parameters: Vec<Value>) -> Result<Value> {
        let Some(Seg::Source(source)) = segs.first() else {
            bail!("internal: a path without a navigation source");
        };
        let source = source.clone();
        let navs: Vec<&Rc<NavInfo>> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Nav(n) => Some(n),
                _ => None,
            })
            .collect();
        let Some(&nav) = navs.last() else {
            bail!("internal: a path without a navigation property");
        };
        let tag = self.tag(&source, &navs);
        // operationId: the navigation source and properties, then `_` and
        // the verb with the last property.
        let nav_id = |verb: &str| {
            let mut items: Vec<&str> = vec![&source];
            items.extend(navs[..navs.len() - 1].iter().map(|n| n.name.as_str()));
            format!("{}_{verb}{}", items.join("."), upper_first(&nav.name))
        };
        let mut item = Map::new();
        let target = nav.target.clone();
        let description = nav.notes.operation_text().map(str::to_owned);
        match segs.last() {
            Some(Seg::Nav(_) | Seg::Key(_)) => {
                let keyed = matches!(segs.last(), Some(Seg::Key(_)));
                let declaring = &nav.declaring;
                item.insert(
                    "description".into(),
                    format!(
                        "Provides operations to manage the {} property of the {declaring} entity.",
                        nav.name
                    )
                    .into(),
                );
                let list = nav.many && !keyed;
                let get = if list {
                    let mut parameters = paging();
                    parameters.extend([orderby(), select(), expand()]);
                    let page = json!({ "$ref": format!("{RESPONSES}{target}{COLLECTION_SUFFIX}") });
                    let mut get = Op::new(
                        &tag,
                        format!("Get {} from {source}", nav.name),
                        nav_id("List"),
                        error_responses("2XX", page),
                    )
                    .with_parameters(parameters);
                    get.pageable = true;
                    get
                } else {
                    Op::new(
                        &tag,
                        format!("Get {} from {source}", nav.name),
                        nav_id("Get"),
                        error_responses(
                            "2XX",
                            entity_content("Retrieved navigation property", &target),
                        ),
                    )
                    .with_parameters(vec![select(), expand()])
                };
                item.insert("get".into(), get.described(description.clone()).build());
                if nav.contained && list {
                    let post = Op::new(
                        &tag,
                        format!(
                            "Create new navigation property to {} for {source}",
                            nav.name
                        ),
                        nav_id("Create"),
                        error_responses(
                            "2XX",
                            entity_content("Created navigation property.", &target),
                        ),
                    )
                    .described(description.clone())
                    .with_entity_body("New navigation property", &target);
                    item.insert("post".into(), post.build());
                }
                if nav.contained && !list {
                    let patch = Op::new(
                        &tag,
                        format!("Update the navigation property {} in {source}", nav.name),
                        nav_id("Update"),
                        error_responses("2XX", entity_content("Success", &target)),
                    )
                    .described(description.clone())
                    .with_entity_body("New navigation property values", &target);
                    item.insert("patch".into(), patch.build());
                    let if_match = json!({
                        "name": "If-Match",
                        "in": "header",
                        "description": "ETag",
                        "schema": { "type": "string" }
                    });
                    let delete = Op::new(
                        &tag,
                        format!("Delete navigation property {} for {source}", nav.name),
                        nav_id("Delete"),
                        error_responses("204", json!({ "description": "Success" })),
                    )
                    .described(description)
                    .with_parameters(vec![if_match]);
                    item.insert("delete".into(), delete.build());
                }
            }
            Some(Seg::Count) => {
                item.insert(
                    "description".into(),
                    "Provides operations to count the resources in the collection.".into(),
                );
                let mut items: Vec<&str> = vec![&source];
                items.extend(navs.iter().map(|n| n.name.as_str()));
                let get = Op::new(
                    &tag,
                    "Get the number of the resource".into(),
                    format!("{}_GetCount", items.join(".")),
                    error_responses(
                        "2XX",
                        json!({ "$ref": format!("{RESPONSES}{COUNT_SCHEMA}") }),
                    ),
                )
                .with_parameters(vec![parameter_ref("search"), parameter_ref("filter")]);
                item.insert("get".into(), get.build());
            }
            Some(Seg::Op(op)) => {
                item.insert(
                    "description".into(),
                    format!("Provides operations to call the {} method.", op.name).into(),
                );
                let (method, operation) = self.operation(op, &source, segs, tag)?;
                item.insert(method.into(), operation);
            }
            _ => bail!("internal: unexpected path shape"),
        }
        if !parameters.is_empty() {
            item.insert("parameters".into(), parameters.into());
        }
        Ok(Value::Object(item))
    }

    fn operation(
        &self,
        op: &Operation,
        source: &str,
        segs: &[Seg],
        tag: String,
    ) -> Result<(&'static str, Value)> {
        let mut items: Vec<&str> = vec![source];
        for s in &segs[1..segs.len() - 1] {
            match s {
                Seg::Nav(n) => items.push(&n.name),
                Seg::Key(k) => items.push(&k.type_name),
                _ => {}
            }
        }
        let notes = self.m.notes(&op.notes, &op.full_name());
        let returns_collection = op.returns.as_ref().is_some_and(|(t, _)| t.collection);
        let mut o = Op {
            tag,
            summary: format!(
                "Invoke {} {}",
                if op.kind == OpKind::Action {
                    "action"
                } else {
                    "function"
                },
                op.name
            ),
            description: notes.operation_text().map(str::to_owned),
            operation_id: format!("{}_{}", items.join("."), op.name),
            parameters: Vec::new(),
            request_body: None,
            responses: self.operation_responses(op)?,
            pageable: returns_collection,
            kind: if op.kind == OpKind::Action {
                "action"
            } else {
                "function"
            },
        };
        let parameters = &op.parameters[usize::from(op.bound)..];
        match op.kind {
            OpKind::Action => {
                if !parameters.is_empty() {
                    let mut properties = Map::new();
                    for p in parameters {
                        let site = Site {
                            what: format!("<Parameter Name=\"{}\"> of {}", p.name, op.element()),
                            pos: p.pos,
                        };
                        properties.insert(p.name.clone(), self.of_type(&p.ty, &site)?.build());
                    }
                    o.request_body = Some(json!({
                        "description": "Action parameters",
                        "content": json_content(json!({ "type": "object", "properties": properties })),
                        "required": true
                    }));
                }
                Ok(("post", o.build()))
            }
            OpKind::Function => {
                if let Some((ty, pos)) = &op.returns
                    && ty.collection
                {
                    o.parameters = paging();
                    let site = Site {
                        what: format!("<ReturnType> of {}", op.element()),
                        pos: *pos,
                    };
                    if matches!(
                        self.resolve(&ty.name, &site)?,
                        Resolved::Named {
                            kind: Kind::Entity,
                            ..
                        }
                    ) {
                        o.parameters.extend([select(), orderby(), expand()]);
                    }
                }
                Ok(("get", o.build()))
            }
        }
    }

    fn operation_responses(&self, op: &Operation) -> Result<Value> {
        let Some((ty, pos)) = &op.returns else {
            return Ok(error_responses("204", json!({ "description": "Success" })));
        };
        let site = Site {
            what: format!("<ReturnType> of {}", op.element()),
            pos: *pos,
        };
        let resolved = self.resolve(&ty.name, &site)?;
        let schema = if ty.collection {
            let items = match &resolved {
                Resolved::Named {
                    full,
                    kind: Kind::Entity,
                } => {
                    self.allow(full, &site)?;
                    schema_ref(full)
                }
                _ => self
                    .element(&ty.name, ty.nullable, ty.max_length, &site)?
                    .build(),
            };
            json!({
                "title": format!("Collection of {}", short(&ty.name)),
                "type": "object",
                "allOf": [
                    schema_ref(BASE_COLLECTION),
                    { "type": "object", "properties": { "value": { "type": "array", "items": items } } }
                ]
            })
        } else {
            match resolved {
                // A primitive result is an object with a single `value`.
                Resolved::Primitive(p) => json!({
                    "type": "object",
                    "properties": { "value": primitive(p, ty.nullable, ty.max_length).build() }
                }),
                Resolved::Named { .. } => self.element(&ty.name, ty.nullable, None, &site)?.build(),
            }
        };
        Ok(error_responses(
            "2XX",
            json!({ "description": "Success", "content": json_content(schema) }),
        ))
    }

    // ----- components -----

    fn components(&self, paths: &Map<String, Value>) -> Result<(Value, Value, Value)> {
        let refs = ref_targets(&Value::Object(paths.clone()));

        let mut responses: HashMap<String, Value> = HashMap::new();
        let mut parameters: HashSet<String> = HashSet::new();
        let mut schemas: HashMap<String, Value> = HashMap::new();
        // Effective base type of each structured schema emitted.
        let mut bases: HashMap<String, Option<String>> = HashMap::new();
        let mut queue: VecDeque<String> = refs.into();
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(r) = queue.pop_front() {
            if !seen.insert(r.clone()) {
                continue;
            }
            let mut produced = Vec::new();
            if let Some(name) = r.strip_prefix(RESPONSES) {
                let v = response(name);
                produced.extend(ref_targets(&v));
                responses.insert(name.to_owned(), v);
            } else if let Some(name) = r.strip_prefix("#/components/parameters/") {
                parameters.insert(name.to_owned());
            } else if let Some(name) = r.strip_prefix(SCHEMAS) {
                let v = self.schema(name, &mut bases)?;
                produced.extend(ref_targets(&v));
                if let Some(derived) = self.derived.get(name) {
                    produced.extend(derived.iter().map(|d| format!("{SCHEMAS}{d}")));
                }
                schemas.insert(name.to_owned(), v);
            }
            queue.extend(produced);
        }

        self.discriminators(&mut schemas, &bases);

        // Order: boundary entity types (bases first), the namespace's entity,
        // complex, enum and definition types, other boundary types,
        // collection responses, then the converter's fixed schemas.
        let fixed = [
            BASE_COLLECTION,
            COUNT_SCHEMA,
            REFERENCE_NUMERIC,
            ODATA_ERROR,
            MAIN_ERROR,
            ERROR_DETAILS,
            INNER_ERROR,
        ];
        let depth = |name: &str| {
            let mut d = 0;
            let mut cur = bases.get(name).cloned().flatten();
            while let Some(b) = cur {
                d += 1;
                cur = bases.get(&b).cloned().flatten();
            }
            d
        };
        let mut keys: Vec<(usize, usize, String)> = Vec::new();
        for name in schemas.keys() {
            let group = if let Some(i) = fixed.iter().position(|f| f == name) {
                (20 + i, 0)
            } else if name.ends_with(COLLECTION_SUFFIX) && !self.is_type(name) {
                (10, 0)
            } else {
                let kind = self.m.resolve(name).map(|r| match r {
                    Resolved::Named { kind, .. } => kind,
                    Resolved::Primitive(_) => Kind::Definition,
                });
                let local = self.m.is_local(name);
                match (local, kind) {
                    (false, Some(Kind::Entity)) => (0, depth(name)),
                    (true, Some(Kind::Entity)) => (1, 0),
                    (true, Some(Kind::Complex)) => (2, 0),
                    (true, Some(Kind::Enum)) => (3, 0),
                    (true, _) => (4, 0),
                    (false, Some(Kind::Complex)) => (5, 0),
                    (false, Some(Kind::Enum)) => (6, 0),
                    (false, _) => (7, 0),
                }
            };
            keys.push((group.0, group.1, name.clone()));
        }
        keys.sort();
        let mut ordered = Map::new();
        for (_, _, name) in keys {
            let v = schemas.remove(&name).expect("schema present");
            ordered.insert(name, v);
        }

        let mut response_names: Vec<String> = responses.keys().cloned().collect();
        response_names.sort_by_key(|n| match n.as_str() {
            "error" => (0, String::new()),
            COUNT_SCHEMA => (1, String::new()),
            other => (2, other.to_owned()),
        });
        let mut ordered_responses = Map::new();
        for n in response_names {
            let v = responses.remove(&n).expect("response present");
            ordered_responses.insert(n, v);
        }

        let mut ordered_parameters = Map::new();
        for (name, p) in fixed_parameters() {
            if parameters.contains(name) {
                ordered_parameters.insert(name.to_owned(), p);
            }
        }
        Ok((
            Value::Object(ordered),
            Value::Object(ordered_responses),
            Value::Object(ordered_parameters),
        ))
    }

    fn is_type(&self, name: &str) -> bool {
        matches!(self.m.resolve(name), Some(Resolved::Named { .. }))
    }

    fn schema(&self, name: &str, bases: &mut HashMap<String, Option<String>>) -> Result<Value> {
        if let Some(v) = fixed_schema(name) {
            return Ok(v);
        }
        if !self.is_type(name)
            && let Some(element) = name.strip_suffix(COLLECTION_SUFFIX)
        {
            return Ok(json!({
                "title": format!("Collection of {}", short(element)),
                "type": "object",
                "allOf": [
                    schema_ref(BASE_COLLECTION),
                    { "type": "object", "properties": { "value": { "type": "array", "items": schema_ref(element) } } }
                ]
            }));
        }
        let t = self
            .m
            .get(name)?
            .ok_or_else(|| anyhow!("{}: internal: no type {name}", self.m.src.name()))?;
        let stub = !self.m.is_local(name) && self.m.boundary(name) == Some(Boundary::Stub);
        match &*t {
            TypeDef::Structured(s) => {
                let (v, base) = self.structured(&t, s, name, stub)?;
                bases.insert(name.to_owned(), base);
                Ok(v)
            }
            TypeDef::Enum(e) => {
                let notes = self.m.notes(&e.notes, name);
                let mut sch = Sch {
                    title: Some(e.name.clone()),
                    enumeration: Some(
                        e.members
                            .iter()
                            .map(|m| Value::from(m.name.as_str()))
                            .collect(),
                    ),
                    ty: Some("string"),
                    description: notes.description,
                    ..Sch::default()
                };
                if e.flags {
                    sch.extensions
                        .push(("x-ms-enum-flags", json!({ "isFlags": true })));
                }
                let values: Vec<Value> = e
                    .members
                    .iter()
                    .filter_map(|m| {
                        let n = self.m.notes(&m.notes, &format!("{name}/{}", m.name));
                        n.description
                            .map(|d| json!({ "value": m.name, "description": d, "name": m.name }))
                    })
                    .collect();
                if !values.is_empty() {
                    sch.extensions.push((
                        "x-ms-enum",
                        json!({ "name": e.name, "modelAsString": false, "values": values }),
                    ));
                }
                Ok(sch.build())
            }
            TypeDef::Definition(d) => {
                let p = Primitive::from_name(&d.underlying).ok_or_else(|| {
                    anyhow!(
                        "{}: {}: UnderlyingType=\"{}\" is not an Edm primitive type",
                        self.at(d.pos),
                        t.element(),
                        d.underlying
                    )
                })?;
                let mut sch = primitive(p, false, None);
                sch.description = self.m.notes(&d.notes, name).description;
                Ok(sch.build())
            }
        }
    }

    /// An entity or complex type: `allOf` over its base type when it has
    /// one. A stub keeps only `'@odata.type'` and derives from the nearest
    /// base type that the slice keeps.
    fn structured(
        &self,
        t: &TypeDef,
        s: &Structured,
        full: &str,
        stub: bool,
    ) -> Result<(Value, Option<String>)> {
        let site = Site {
            what: t.element(),
            pos: s.pos,
        };
        let base = if stub {
            self.chain(full)?.iter().skip(1).find_map(|b| {
                let n = b.full_name();
                (self.m.is_local(&n) || self.m.boundary(&n).is_some()).then_some(n)
            })
        } else if let Some(raw) = &s.base {
            match self.resolve(raw, &site)? {
                Resolved::Named { full, .. } => {
                    self.allow(&full, &site)?;
                    Some(full)
                }
                Resolved::Primitive(_) => bail!(
                    "{}: {}: BaseType=\"{raw}\" is a primitive type",
                    self.at(s.pos),
                    site.what
                ),
            }
        } else {
            None
        };
        let mut properties = Map::new();
        if !stub {
            for p in &s.properties {
                properties.insert(p.name.clone(), self.property(t, full, p)?);
            }
            for n in &s.navigations {
                properties.insert(n.name.clone(), self.navigation(t, full, n)?);
            }
        }
        let mut odata_type = Map::new();
        odata_type.insert("type".into(), "string".into());
        if base.is_some() {
            odata_type.insert("default".into(), format!("#{full}").into());
        }
        properties.insert("@odata.type".into(), Value::Object(odata_type));
        let notes = self.m.notes(&s.notes, full);
        let object = Sch {
            title: Some(s.name.clone()),
            required: vec!["@odata.type".into()],
            ty: Some("object"),
            properties: Some(properties),
            description: if stub { None } else { notes.description },
            ..Sch::default()
        }
        .build();
        let v = match &base {
            Some(b) => json!({ "allOf": [schema_ref(b), object] }),
            None => object,
        };
        Ok((v, base))
    }

    fn property(&self, owner: &TypeDef, full: &str, p: &Property) -> Result<Value> {
        let site = Site {
            what: format!("<Property Name=\"{}\"> of {}", p.name, owner.element()),
            pos: p.pos,
        };
        let mut sch = self.of_type(&p.ty, &site)?;
        if sch.is_reference() {
            return Ok(sch.build());
        }
        let resolved = self.resolve(&p.ty.name, &site)?;
        sch.default = match &p.default {
            Some(raw) if !p.ty.collection => default_value(raw, &resolved),
            _ => None,
        };
        let notes = self.m.notes(&p.notes, &format!("{full}/{}", p.name));
        sch.description = notes.description;
        sch.read_only = notes.computed;
        Ok(sch.build())
    }

    fn navigation(&self, owner: &TypeDef, full: &str, n: &NavProperty) -> Result<Value> {
        let site = Site {
            what: format!(
                "<NavigationProperty Name=\"{}\"> of {}",
                n.name,
                owner.element()
            ),
            pos: n.pos,
        };
        let mut sch = self.of_type(&n.ty, &site)?;
        if sch.is_reference() {
            return Ok(sch.build());
        }
        let notes = self.m.notes(&n.notes, &format!("{full}/{}", n.name));
        sch.description = notes.description;
        sch.extensions
            .push(("x-ms-navigationProperty", Value::Bool(true)));
        Ok(sch.build())
    }

    /// `discriminator` on types the slice has derived types of, and
    /// `x-ms-discriminator-value` on derived types that have none.
    fn discriminators(
        &self,
        schemas: &mut HashMap<String, Value>,
        bases: &HashMap<String, Option<String>>,
    ) {
        let mut descendants: HashMap<String, Vec<String>> = HashMap::new();
        for name in bases.keys() {
            let mut cur = bases.get(name).cloned().flatten();
            while let Some(b) = cur {
                descendants.entry(b.clone()).or_default().push(name.clone());
                cur = bases.get(&b).cloned().flatten();
            }
        }
        for (name, base) in bases {
            let Some(Value::Object(schema)) = schemas.get_mut(name) else {
                continue;
            };
            match descendants.get_mut(name) {
                Some(list) => {
                    list.sort();
                    let mapping: Map<String, Value> = list
                        .iter()
                        .map(|d| (format!("#{d}"), Value::from(format!("{SCHEMAS}{d}"))))
                        .collect();
                    let discriminator =
                        json!({ "propertyName": "@odata.type", "mapping": mapping });
                    let object = match schema.get_mut("allOf").and_then(|a| a.get_mut(1)) {
                        Some(Value::Object(o)) => o,
                        _ => schema,
                    };
                    object.insert("discriminator".into(), discriminator);
                }
                None if base.is_some() => {
                    schema.insert("x-ms-discriminator-value".into(), format!("#{name}").into());
                }
                None => {}
            }
        }
    }
}

fn key_parameter(name: &str, description: &str, schema: &Value, type_name: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "description": description,
        "required": true,
        "schema": schema,
        "x-ms-docs-key-type": type_name
    })
}

/// The reference strings of every `$ref` in `v`, in document order.
fn ref_targets(v: &Value) -> Vec<String> {
    crate::spec::refs(v).into_iter().map(|(_, r)| r).collect()
}

fn response(name: &str) -> Value {
    match name {
        "error" => json!({
            "description": "error",
            "content": json_content(schema_ref(ODATA_ERROR))
        }),
        COUNT_SCHEMA => json!({
            "description": "The count of the resource",
            "content": { "text/plain": { "schema": schema_ref(COUNT_SCHEMA) } }
        }),
        collection => json!({
            "description": "Retrieved collection",
            "content": json_content(schema_ref(collection))
        }),
    }
}

fn fixed_schema(name: &str) -> Option<Value> {
    Some(match name {
        BASE_COLLECTION => json!({
            "title": "Base collection pagination and count responses",
            "type": "object",
            "properties": {
                "@odata.count": { "type": "integer", "format": "int64", "nullable": true },
                "@odata.nextLink": { "type": "string", "nullable": true }
            }
        }),
        COUNT_SCHEMA => json!({ "type": "integer", "format": "int32" }),
        REFERENCE_NUMERIC => {
            json!({ "enum": ["-INF", "INF", "NaN"], "type": "string", "nullable": true })
        }
        ODATA_ERROR => json!({
            "required": ["error"],
            "type": "object",
            "properties": { "error": schema_ref(MAIN_ERROR) }
        }),
        MAIN_ERROR => json!({
            "required": ["code", "message"],
            "type": "object",
            "properties": {
                "code": { "type": "string" },
                "message": { "type": "string", "x-ms-primary-error-message": true },
                "target": { "type": "string", "nullable": true },
                "details": { "type": "array", "items": schema_ref(ERROR_DETAILS) },
                "innerError": schema_ref(INNER_ERROR)
            }
        }),
        ERROR_DETAILS => json!({
            "required": ["code", "message"],
            "type": "object",
            "properties": {
                "code": { "type": "string" },
                "message": { "type": "string" },
                "target": { "type": "string", "nullable": true }
            }
        }),
        INNER_ERROR => json!({
            "type": "object",
            "properties": {
                "request-id": {
                    "type": "string",
                    "description": "Request Id as tracked internally by the service",
                    "nullable": true
                },
                "client-request-id": {
                    "type": "string",
                    "description": "Client request Id as sent by the client application.",
                    "nullable": true
                },
                "date": {
                    "pattern": DATE_TIME_PATTERN,
                    "type": "string",
                    "description": "Date when the error occured.",
                    "format": "date-time",
                    "nullable": true
                }
            }
        }),
        _ => return None,
    })
}

fn fixed_parameters() -> [(&'static str, Value); 5] {
    let query = |name: &str, description: &str, schema: Value| {
        json!({
            "name": name,
            "in": "query",
            "description": description,
            "style": "form",
            "explode": false,
            "schema": schema
        })
    };
    let mut top = query(
        "$top",
        "Show only the first n items",
        json!({ "minimum": 0, "type": "integer" }),
    );
    top["example"] = 50.into();
    [
        ("top", top),
        (
            "skip",
            query(
                "$skip",
                "Skip the first n items",
                json!({ "minimum": 0, "type": "integer" }),
            ),
        ),
        (
            "search",
            query(
                "$search",
                "Search items by search phrases",
                json!({ "type": "string" }),
            ),
        ),
        (
            "filter",
            query(
                "$filter",
                "Filter items by property values",
                json!({ "type": "string" }),
            ),
        ),
        (
            "count",
            query(
                "$count",
                "Include count of items",
                json!({ "type": "boolean" }),
            ),
        ),
    ]
}
