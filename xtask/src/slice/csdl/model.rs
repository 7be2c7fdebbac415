//! Stage 2, slicing (CSDL): what the slicer keeps of a CSDL document, and
//! how names in it resolve.
//!
//! `parse` fills a [`Parsed`] in one streaming pass: the target namespace in
//! full, everything else as an index of byte offsets. [`Model`] resolves
//! aliases and loads the few elements of other namespaces the slice needs
//! (the boundary types, the root singleton's type, annotations that target
//! the slice) by parsing them again at their offsets.
//!
//! Reads only the bytes of the document it is given; uses the options and
//! [`Boundary`] of the CSDL room.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::rc::Rc;

use anyhow::{Result, anyhow, bail};

use super::parse;
use super::{Boundary, CsdlSliceOptions};

/// The document text and its file name; turns byte offsets into
/// `file:line:column` for messages.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    /// The text after an optional UTF-8 byte order mark. Offsets elsewhere
    /// in this module are offsets into this string.
    pub text: &'a str,
}

impl<'a> Source<'a> {
    pub fn new(path: &'a Path, bytes: &'a [u8]) -> Result<Self> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(body).map_err(|e| {
            let (line, column) = line_column(body, e.valid_up_to());
            anyhow!(
                "{}:{line}:{column}: not UTF-8 text (a CSDL document must be UTF-8)",
                path.display()
            )
        })?;
        Ok(Self { path, text })
    }

    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// `file:line:column` of a byte offset.
    pub fn at(&self, offset: usize) -> String {
        let (line, column) = line_column(self.text.as_bytes(), offset);
        format!("{}:{line}:{column}", self.path.display())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    (line, column)
}

/// An annotation the slicer uses, as written (the term is resolved later,
/// once every alias is known).
#[derive(Clone, Debug)]
pub(crate) struct RawNote {
    pub term: String,
    pub string: Option<String>,
    pub boolean: Option<bool>,
}

/// The annotations of one element that end up in the OpenAPI document.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    pub description: Option<String>,
    pub long_description: Option<String>,
    pub computed: bool,
}

impl Notes {
    /// Fills what `self` lacks from `other`.
    fn fill_from(&mut self, other: &Notes) {
        if self.description.is_none() {
            self.description.clone_from(&other.description);
        }
        if self.long_description.is_none() {
            self.long_description.clone_from(&other.long_description);
        }
        self.computed |= other.computed;
    }

    /// The text for an operation's `description`: the long description when
    /// there is one, the description otherwise.
    pub fn operation_text(&self) -> Option<&str> {
        self.long_description
            .as_deref()
            .or(self.description.as_deref())
    }
}

/// A `Type="…"` attribute with the facets that change the OpenAPI schema.
#[derive(Clone, Debug)]
pub(crate) struct TypeRef {
    /// The (element) type name as written: `Edm.String`, `graph.entity`.
    pub name: String,
    pub collection: bool,
    /// Nullability of the value, or of the items for a collection.
    pub nullable: bool,
    pub max_length: Option<u64>,
}

impl TypeRef {
    /// Parses `Type` and `Nullable` the way the OData library does: the
    /// facet applies to the items of a collection; collection-valued
    /// navigation properties always have non-nullable items.
    pub fn new(raw: &str, nullable: Option<&str>, navigation: bool) -> Self {
        let (name, collection) = match raw
            .strip_prefix("Collection(")
            .and_then(|r| r.strip_suffix(')'))
        {
            Some(inner) => (inner.trim(), true),
            None => (raw.trim(), false),
        };
        let facet = !matches!(nullable.map(str::trim), Some("false" | "0"));
        Self {
            name: name.to_owned(),
            collection,
            nullable: if navigation && collection {
                false
            } else {
                facet
            },
            max_length: None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Property {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<String>,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct NavProperty {
    pub name: String,
    pub ty: TypeRef,
    pub contains_target: bool,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StructKind {
    Entity,
    Complex,
}

#[derive(Clone, Debug)]
pub(crate) struct Structured {
    pub kind: StructKind,
    pub namespace: String,
    pub name: String,
    /// `BaseType` as written.
    pub base: Option<String>,
    pub key: Vec<String>,
    pub properties: Vec<Property>,
    pub navigations: Vec<NavProperty>,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub name: String,
    pub notes: Vec<RawNote>,
}

#[derive(Clone, Debug)]
pub(crate) struct EnumType {
    pub namespace: String,
    pub name: String,
    pub flags: bool,
    pub members: Vec<Member>,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct TypeDefinition {
    pub namespace: String,
    pub name: String,
    pub underlying: String,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum TypeDef {
    Structured(Structured),
    Enum(EnumType),
    Definition(TypeDefinition),
}

impl TypeDef {
    pub fn namespace(&self) -> &str {
        match self {
            TypeDef::Structured(t) => &t.namespace,
            TypeDef::Enum(t) => &t.namespace,
            TypeDef::Definition(t) => &t.namespace,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            TypeDef::Structured(t) => &t.name,
            TypeDef::Enum(t) => &t.name,
            TypeDef::Definition(t) => &t.name,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{}.{}", self.namespace(), self.name())
    }

    pub fn pos(&self) -> usize {
        match self {
            TypeDef::Structured(t) => t.pos,
            TypeDef::Enum(t) => t.pos,
            TypeDef::Definition(t) => t.pos,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            TypeDef::Structured(t) if t.kind == StructKind::Entity => Kind::Entity,
            TypeDef::Structured(_) => Kind::Complex,
            TypeDef::Enum(_) => Kind::Enum,
            TypeDef::Definition(_) => Kind::Definition,
        }
    }

    /// `<EntityType Name="x">`, for messages.
    pub fn element(&self) -> String {
        format!("<{} Name=\"{}\">", self.kind().element(), self.name())
    }
}

/// Kinds of named types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Entity,
    Complex,
    Enum,
    Definition,
}

impl Kind {
    pub fn element(self) -> &'static str {
        match self {
            Kind::Entity => "EntityType",
            Kind::Complex => "ComplexType",
            Kind::Enum => "EnumType",
            Kind::Definition => "TypeDefinition",
        }
    }

    pub fn from_element(element: &str) -> Option<Self> {
        Some(match element {
            "EntityType" => Kind::Entity,
            "ComplexType" => Kind::Complex,
            "EnumType" => Kind::Enum,
            "TypeDefinition" => Kind::Definition,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    Action,
    Function,
}

impl OpKind {
    pub fn element(self) -> &'static str {
        match self {
            OpKind::Action => "Action",
            OpKind::Function => "Function",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Parameter {
    pub name: String,
    pub ty: TypeRef,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Operation {
    pub kind: OpKind,
    pub namespace: String,
    pub name: String,
    pub bound: bool,
    /// Including the binding parameter, first when bound.
    pub parameters: Vec<Parameter>,
    pub returns: Option<(TypeRef, usize)>,
    pub notes: Vec<RawNote>,
    pub pos: usize,
}

impl Operation {
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    pub fn element(&self) -> String {
        format!("<{} Name=\"{}\">", self.kind.element(), self.name)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Singleton {
    pub name: String,
    pub ty: String,
    pub pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct AnnotationsBlock {
    pub target: String,
    pub notes: Vec<RawNote>,
}

#[derive(Clone, Debug)]
pub(crate) struct SchemaHead {
    pub namespace: String,
    pub alias: Option<String>,
}

/// A type of another namespace: where to parse it when it is needed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Foreign {
    pub kind: Kind,
    /// Index into [`Parsed::schemas`].
    pub schema: usize,
    pub offset: usize,
}

/// A bound operation of another namespace.
#[derive(Clone, Debug)]
pub(crate) struct ForeignOp {
    pub schema: usize,
    /// The binding parameter's `Type`, as written.
    pub binding: String,
    pub offset: usize,
}

/// The result of the streaming pass.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub schemas: Vec<SchemaHead>,
    /// `<edmx:Include Namespace Alias>`: vocabulary aliases such as `Core`.
    pub include_aliases: Vec<(String, String)>,
    pub target_found: bool,
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    pub annotations: Vec<AnnotationsBlock>,
    pub foreign_types: HashMap<String, Foreign>,
    pub foreign_ops: Vec<ForeignOp>,
    /// `<Annotations Target>` of other namespaces, with their offsets.
    pub foreign_annotations: Vec<(String, usize)>,
    pub singletons: Vec<Singleton>,
    pub container_namespace: Option<String>,
}

/// Edm primitive types the converter maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primitive {
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    Guid,
    Date,
    DateTimeOffset,
    Duration,
    TimeOfDay,
    Binary,
    Stream,
    Untyped,
}

impl Primitive {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.strip_prefix("Edm.")? {
            "String" => Primitive::String,
            "Boolean" => Primitive::Boolean,
            "Byte" => Primitive::Byte,
            "SByte" => Primitive::SByte,
            "Int16" => Primitive::Int16,
            "Int32" => Primitive::Int32,
            "Int64" => Primitive::Int64,
            "Single" => Primitive::Single,
            "Double" => Primitive::Double,
            "Decimal" => Primitive::Decimal,
            "Guid" => Primitive::Guid,
            "Date" => Primitive::Date,
            "DateTimeOffset" => Primitive::DateTimeOffset,
            "Duration" => Primitive::Duration,
            "TimeOfDay" => Primitive::TimeOfDay,
            "Binary" => Primitive::Binary,
            "Stream" => Primitive::Stream,
            "Untyped" | "PrimitiveType" => Primitive::Untyped,
            _ => return None,
        })
    }
}

/// What a type name resolves to.
#[derive(Clone, Debug)]
pub(crate) enum Resolved {
    Primitive(Primitive),
    Named { full: String, kind: Kind },
}

const CORE: &str = "Org.OData.Core.V1";

/// The resolved document.
pub(crate) struct Model<'a> {
    pub src: &'a Source<'a>,
    pub options: &'a CsdlSliceOptions,
    parsed: Parsed,
    /// Alias → namespace, for schemas and vocabulary includes.
    aliases: HashMap<String, String>,
    namespaces: HashSet<String>,
    /// Target-namespace types by full name.
    local: HashMap<String, usize>,
    /// Foreign types parsed on demand.
    loaded: RefCell<HashMap<String, Rc<TypeDef>>>,
    /// Foreign bound operations by the full name of their binding type,
    /// with whether they bind to a collection.
    foreign_ops_by_binding: HashMap<String, Vec<(usize, bool)>>,
    /// Annotations from `<Annotations Target>` blocks, by resolved target.
    external: HashMap<String, Notes>,
}

impl<'a> Model<'a> {
    pub fn new(src: &'a Source<'a>, options: &'a CsdlSliceOptions, parsed: Parsed) -> Result<Self> {
        let mut aliases = HashMap::new();
        let mut namespaces = HashSet::new();
        for s in &parsed.schemas {
            namespaces.insert(s.namespace.clone());
            if let Some(a) = &s.alias {
                aliases.insert(a.clone(), s.namespace.clone());
            }
        }
        for (alias, ns) in &parsed.include_aliases {
            aliases.insert(alias.clone(), ns.clone());
            namespaces.insert(ns.clone());
        }
        let local = parsed
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.full_name(), i))
            .collect();
        let mut model = Self {
            src,
            options,
            parsed,
            aliases,
            namespaces,
            local,
            loaded: RefCell::new(HashMap::new()),
            foreign_ops_by_binding: HashMap::new(),
            external: HashMap::new(),
        };
        let mut by_binding: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
        for (i, op) in model.parsed.foreign_ops.iter().enumerate() {
            let binding = TypeRef::new(&op.binding, None, false);
            by_binding
                .entry(model.canonical(&binding.name))
                .or_default()
                .push((i, binding.collection));
        }
        model.foreign_ops_by_binding = by_binding;
        model.load_external_annotations()?;
        Ok(model)
    }

    /// Replaces an alias prefix with its namespace: `graph.user` →
    /// `microsoft.graph.user`.
    pub fn canonical(&self, name: &str) -> String {
        if name.starts_with("Edm.") {
            return name.to_owned();
        }
        match name.rsplit_once('.') {
            Some((prefix, local)) => match self.aliases.get(prefix) {
                Some(ns) => format!("{ns}.{local}"),
                None => name.to_owned(),
            },
            None => name.to_owned(),
        }
    }

    /// Resolves a target such as `teamsAdministration.x/y` or
    /// `ns.action(ns.type)`.
    fn canonical_target(&self, target: &str) -> String {
        let end = target.find(['/', '(']).unwrap_or(target.len());
        let head = &target[..end];
        let mut out = self.canonical(head);
        let rest = &target[end..];
        if !rest.starts_with('(') {
            out.push_str(rest);
        }
        out
    }

    pub fn is_local(&self, full: &str) -> bool {
        full.strip_prefix(self.options.namespace.as_str())
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| !r.contains('.'))
    }

    /// The annotations that matter, from inline `<Annotation>`s and
    /// `<Annotations Target>` blocks.
    pub fn notes(&self, inline: &[RawNote], target: &str) -> Notes {
        let mut notes = self.resolve_notes(inline);
        if let Some(external) = self.external.get(target) {
            notes.fill_from(external);
        }
        notes
    }

    fn resolve_notes(&self, raw: &[RawNote]) -> Notes {
        let mut notes = Notes::default();
        for n in raw {
            let term = self.canonical(&n.term);
            let Some(local) = term.strip_prefix(CORE).and_then(|t| t.strip_prefix('.')) else {
                continue;
            };
            match local {
                "Description" if notes.description.is_none() => {
                    notes.description.clone_from(&n.string);
                }
                "LongDescription" if notes.long_description.is_none() => {
                    notes.long_description.clone_from(&n.string);
                }
                "Computed" => notes.computed = n.boolean.unwrap_or(true),
                _ => {}
            }
        }
        notes
    }

    fn load_external_annotations(&mut self) -> Result<()> {
        let mut wanted_heads: HashSet<String> = self
            .options
            .boundary
            .iter()
            .filter(|(_, b)| **b == Boundary::Keep)
            .map(|(k, _)| k.clone())
            .collect();
        if let Some(root) = self.root_singleton() {
            wanted_heads.insert(self.canonical(&root.ty));
        }
        let mut external: HashMap<String, Notes> = HashMap::new();
        let mut blocks: Vec<AnnotationsBlock> = std::mem::take(&mut self.parsed.annotations);
        for (target, offset) in &self.parsed.foreign_annotations {
            let resolved = self.canonical_target(target);
            let head = resolved.split('/').next().unwrap_or_default();
            if self.is_local(head) || wanted_heads.contains(head) {
                blocks.push(parse::annotations_at(self.src, *offset)?);
            }
        }
        for block in &blocks {
            let target = self.canonical_target(&block.target);
            let notes = self.resolve_notes(&block.notes);
            external.entry(target).or_default().fill_from(&notes);
        }
        self.parsed.annotations = blocks;
        self.external = external;
        Ok(())
    }

    /// The namespace of the (first) entity container: the converter names
    /// the service after it.
    pub fn container_namespace(&self) -> &str {
        self.parsed
            .container_namespace
            .as_deref()
            .unwrap_or("microsoft.graph")
    }

    pub fn local_types(&self) -> &[TypeDef] {
        &self.parsed.types
    }

    pub fn local_operations(&self) -> &[Operation] {
        &self.parsed.operations
    }

    /// The singleton the root path starts at.
    pub fn root_singleton(&self) -> Option<&Singleton> {
        let first = self
            .options
            .root
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        self.parsed.singletons.iter().find(|s| s.name == first)
    }

    /// Resolves a type name; `None` when nothing in the document has it.
    pub fn resolve(&self, name: &str) -> Option<Resolved> {
        if let Some(p) = Primitive::from_name(name) {
            return Some(Resolved::Primitive(p));
        }
        let full = self.canonical(name);
        if let Some(&i) = self.local.get(&full) {
            return Some(Resolved::Named {
                kind: self.parsed.types[i].kind(),
                full,
            });
        }
        let kind = self.parsed.foreign_types.get(&full)?.kind;
        Some(Resolved::Named { full, kind })
    }

    /// Why `name` does not resolve, for messages.
    pub fn why_unresolved(&self, name: &str) -> String {
        if name.starts_with("Edm.") {
            return format!("\"{name}\" is not an Edm primitive type the converter maps");
        }
        let Some((prefix, local)) = name.rsplit_once('.') else {
            return format!("\"{name}\" is not a qualified name (Namespace.Name or Alias.Name)");
        };
        let ns = self
            .aliases
            .get(prefix)
            .cloned()
            .unwrap_or(prefix.to_owned());
        if self.namespaces.contains(&ns) {
            format!("namespace {ns} has no type named \"{local}\"")
        } else {
            let mut known: Vec<String> = self
                .parsed
                .schemas
                .iter()
                .map(|s| s.namespace.clone())
                .collect();
            known.truncate(12);
            format!(
                "no <Schema> in the document has the namespace or alias \"{prefix}\" (schemas: {})",
                known.join(", ")
            )
        }
    }

    /// A type definition, parsing it from its offset when it belongs to
    /// another namespace.
    pub fn get(&self, full: &str) -> Result<Option<Rc<TypeDef>>> {
        if let Some(&i) = self.local.get(full) {
            // Local types are cheap to clone relative to the rest of the
            // run, and an `Rc` keeps one code path for both kinds.
            if let Some(t) = self.loaded.borrow().get(full) {
                return Ok(Some(t.clone()));
            }
            let t = Rc::new(self.parsed.types[i].clone());
            self.loaded.borrow_mut().insert(full.to_owned(), t.clone());
            return Ok(Some(t));
        }
        if let Some(t) = self.loaded.borrow().get(full) {
            return Ok(Some(t.clone()));
        }
        let Some(entry) = self.parsed.foreign_types.get(full) else {
            return Ok(None);
        };
        let namespace = &self.parsed.schemas[entry.schema].namespace;
        let t = Rc::new(parse::type_at(self.src, entry.offset, namespace)?);
        self.loaded.borrow_mut().insert(full.to_owned(), t.clone());
        Ok(Some(t))
    }

    /// Like [`Model::get`], for names already known to resolve.
    pub fn expect(&self, full: &str) -> Result<Rc<TypeDef>> {
        self.get(full)?
            .ok_or_else(|| anyhow!("{}: type {full} vanished", self.src.name()))
    }

    /// Bound operations of other namespaces whose binding type is `full`:
    /// their indexes for [`Model::foreign_op`], and whether they bind to a
    /// collection.
    pub fn foreign_ops_bound_to(&self, full: &str) -> Vec<(usize, bool)> {
        self.foreign_ops_by_binding
            .get(full)
            .cloned()
            .unwrap_or_default()
    }

    pub fn foreign_op(&self, index: usize) -> Result<Operation> {
        let op = &self.parsed.foreign_ops[index];
        let namespace = &self.parsed.schemas[op.schema].namespace;
        parse::operation_at(self.src, op.offset, namespace)
    }

    /// The boundary rule of a type outside the target namespace.
    pub fn boundary(&self, full: &str) -> Option<Boundary> {
        self.options.boundary.get(full).copied()
    }

    /// Checks every reference in the target namespace resolves.
    pub fn check_references(&self) -> Result<()> {
        for t in &self.parsed.types {
            match t {
                TypeDef::Structured(s) => {
                    if let Some(base) = &s.base {
                        match self.resolve(base) {
                            Some(Resolved::Named { kind, .. }) if kind == t.kind() => {}
                            Some(Resolved::Named { full, kind }) => bail!(
                                "{}: {}: BaseType=\"{base}\" is {full}, a {}, not a{} {}",
                                self.src.at(s.pos),
                                t.element(),
                                kind.element(),
                                if t.kind() == Kind::Entity { "n" } else { "" },
                                t.kind().element()
                            ),
                            _ => bail!(
                                "{}: {}: BaseType=\"{base}\" does not resolve: {}",
                                self.src.at(s.pos),
                                t.element(),
                                self.why_unresolved(base)
                            ),
                        }
                    }
                    for p in &s.properties {
                        self.check_type(&p.ty, p.pos, || {
                            format!("<Property Name=\"{}\"> of {}", p.name, t.element())
                        })?;
                    }
                    for n in &s.navigations {
                        let what = || {
                            format!(
                                "<NavigationProperty Name=\"{}\"> of {}",
                                n.name,
                                t.element()
                            )
                        };
                        match self.check_type(&n.ty, n.pos, what)? {
                            Resolved::Named {
                                kind: Kind::Entity, ..
                            } => {}
                            _ => bail!(
                                "{}: {}: Type=\"{}\" is not an entity type",
                                self.src.at(n.pos),
                                what(),
                                n.ty.name
                            ),
                        }
                    }
                }
                TypeDef::Definition(d) => {
                    if Primitive::from_name(&d.underlying).is_none() {
                        bail!(
                            "{}: {}: UnderlyingType=\"{}\" is not an Edm primitive type",
                            self.src.at(d.pos),
                            t.element(),
                            d.underlying
                        );
                    }
                }
                TypeDef::Enum(_) => {}
            }
        }
        for op in &self.parsed.operations {
            self.check_operation(op)?;
        }
        Ok(())
    }

    pub fn check_operation(&self, op: &Operation) -> Result<()> {
        if op.bound && op.parameters.is_empty() {
            bail!(
                "{}: {}: IsBound=\"true\" but there is no binding <Parameter>",
                self.src.at(op.pos),
                op.element()
            );
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let what = || {
                let mut s = format!("<Parameter Name=\"{}\"> of {}", p.name, op.element());
                if i == 0 && op.bound {
                    s.push_str(" (the binding parameter)");
                }
                s
            };
            let r = self.check_type(&p.ty, p.pos, what)?;
            if i == 0
                && op.bound
                && !matches!(
                    r,
                    Resolved::Named {
                        kind: Kind::Entity,
                        ..
                    }
                )
            {
                bail!(
                    "{}: {}: binds to {}, which is not an entity type; only operations bound to entities get paths",
                    self.src.at(p.pos),
                    what(),
                    p.ty.name
                );
            }
        }
        if let Some((ty, pos)) = &op.returns {
            self.check_type(ty, *pos, || format!("<ReturnType> of {}", op.element()))?;
        }
        Ok(())
    }

    fn check_type(&self, ty: &TypeRef, pos: usize, what: impl Fn() -> String) -> Result<Resolved> {
        match self.resolve(&ty.name) {
            Some(r) => Ok(r),
            None => {
                let mut written = ty.name.clone();
                if ty.collection {
                    written = format!("Collection({written})");
                }
                let mut msg = String::new();
                let _ = write!(
                    msg,
                    "{}: {}: Type=\"{written}\" does not resolve: {}",
                    self.src.at(pos),
                    what(),
                    self.why_unresolved(&ty.name)
                );
                Err(anyhow!(msg))
            }
        }
    }
}
