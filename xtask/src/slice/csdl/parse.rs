//! Stage 2, slicing (CSDL): one streaming pass over a CSDL document with
//! quick-xml's pull reader. Fills the CSDL room's model types; reads only
//! the bytes it is given.
//!
//! The target namespace's `<Schema>` is read in full. Every other schema is
//! only indexed: the name, kind and byte offset of each type, the binding
//! type and offset of each bound operation, the target and offset of each
//! `<Annotations>` block, and the container's singletons; element contents
//! are skipped without being looked at. [`type_at`], [`operation_at`] and
//! [`annotations_at`] parse one indexed element again when the slice turns
//! out to need it.

use anyhow::{Result, anyhow, bail};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::model::{
    AnnotationsBlock, EnumType, Foreign, ForeignOp, Kind, Member, NavProperty, OpKind, Operation,
    Parameter, Parsed, Property, RawNote, SchemaHead, Singleton, Source, StructKind, Structured,
    TypeDef, TypeDefinition, TypeRef,
};

/// A pull reader positioned somewhere in the document.
struct Xml<'s> {
    src: &'s Source<'s>,
    reader: Reader<&'s [u8]>,
    /// Offset of the reader's input in the document.
    base: usize,
}

/// An element start tag.
struct El<'s> {
    e: BytesStart<'s>,
    /// Offset of its `<`.
    at: usize,
    empty: bool,
}

impl El<'_> {
    fn local(&self) -> &str {
        self.e.local_name().into_inner()
    }

    /// Reads the attributes named in `keys`, in one pass.
    fn attrs<const N: usize>(
        &self,
        src: &Source<'_>,
        keys: [&str; N],
    ) -> Result<[Option<String>; N]> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for a in self.e.attributes() {
            let a = a.map_err(|e| {
                anyhow!(
                    "{}: malformed XML: attribute of <{}>: {e}",
                    src.at(self.at),
                    self.local()
                )
            })?;
            let key = a.key.local_name().into_inner();
            if let Some(i) = keys.iter().position(|k| *k == key) {
                let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
                    anyhow!(
                        "{}: malformed XML: attribute {key} of <{}>: {e}",
                        src.at(self.at),
                        self.local()
                    )
                })?;
                out[i] = Some(value.into_owned());
            }
        }
        Ok(out)
    }

    fn required(&self, src: &Source<'_>, value: Option<String>, key: &str) -> Result<String> {
        value.ok_or_else(|| {
            anyhow!(
                "{}: <{}> has no {key} attribute",
                src.at(self.at),
                self.local()
            )
        })
    }
}

fn is_true(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "1"))
}

impl<'s> Xml<'s> {
    fn new(src: &'s Source<'s>, offset: usize) -> Self {
        Self {
            src,
            reader: Reader::from_str(&src.text[offset..]),
            base: offset,
        }
    }

    fn offset(&self) -> usize {
        self.base + self.reader.buffer_position() as usize
    }

    fn malformed(&self, e: quick_xml::Error) -> anyhow::Error {
        let at = self.base + self.reader.error_position() as usize;
        anyhow!("{}: malformed XML: {e}", self.src.at(at))
    }

    fn next(&mut self) -> Result<(usize, Event<'s>)> {
        let at = self.offset();
        match self.reader.read_event() {
            Ok(ev) => Ok((at, ev)),
            Err(e) => Err(self.malformed(e)),
        }
    }

    /// The next child element of the element being read, or `None` at its
    /// end tag. Text, comments and processing instructions are passed over.
    fn child(&mut self, parent: &str) -> Result<Option<El<'s>>> {
        loop {
            let (at, ev) = self.next()?;
            match ev {
                Event::Start(e) => {
                    return Ok(Some(El {
                        e,
                        at,
                        empty: false,
                    }));
                }
                Event::Empty(e) => return Ok(Some(El { e, at, empty: true })),
                Event::End(_) => return Ok(None),
                Event::Eof => bail!(
                    "{}: malformed XML: the document ends inside <{parent}>",
                    self.src.at(self.src.text.len())
                ),
                _ => {}
            }
        }
    }

    /// Passes over an element's content.
    fn skip(&mut self, el: &El<'s>) -> Result<()> {
        if el.empty {
            return Ok(());
        }
        match self.reader.read_to_end(el.e.name()) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.malformed(e)),
        }
    }

    /// The text content of a simple element such as `<String>…</String>`.
    fn text(&mut self, el: &El<'s>) -> Result<String> {
        let mut out = String::new();
        if el.empty {
            return Ok(out);
        }
        let mut depth = 0usize;
        loop {
            let (at, ev) = self.next()?;
            match ev {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    if let Some(c) = r.resolve_char_ref().map_err(|e| self.malformed(e))? {
                        out.push(c);
                    } else if let Some(s) = resolve_predefined_entity(&r) {
                        out.push_str(s);
                    } else {
                        bail!(
                            "{}: malformed XML: unknown entity &{};",
                            self.src.at(at),
                            &*r
                        );
                    }
                }
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return Ok(out),
                Event::End(_) => depth -= 1,
                Event::Eof => bail!(
                    "{}: malformed XML: the document ends inside <{}>",
                    self.src.at(self.src.text.len()),
                    el.local()
                ),
                _ => {}
            }
        }
    }
}

/// The streaming pass. `target` is the namespace read in full.
pub(crate) fn parse(src: &Source<'_>, target: &str) -> Result<Parsed> {
    let mut x = Xml::new(src, 0);
    let mut out = Parsed::default();
    let mut seen_root = false;
    loop {
        let (at, ev) = x.next()?;
        let el = match ev {
            Event::Start(e) => El {
                e,
                at,
                empty: false,
            },
            Event::Empty(e) => El { e, at, empty: true },
            Event::Eof => break,
            Event::Text(t) if !t.xml10_content().trim().is_empty() => {
                bail!(
                    "{}: not a CSDL document: text outside the root element",
                    src.at(at)
                )
            }
            _ => continue,
        };
        if seen_root {
            bail!(
                "{}: malformed XML: a second root element <{}>",
                src.at(el.at),
                el.local()
            );
        }
        seen_root = true;
        match el.local() {
            "Edmx" => edmx(&mut x, &el, &mut out, target)?,
            "Schema" => schema(&mut x, &el, &mut out, target)?,
            other => bail!(
                "{}: not a CSDL document: the root element is <{other}>, not <edmx:Edmx> or <Schema>",
                src.at(el.at)
            ),
        }
    }
    if !seen_root {
        bail!("{}: not a CSDL document: no root element", src.name());
    }
    Ok(out)
}

fn edmx<'s>(x: &mut Xml<'s>, el: &El<'s>, out: &mut Parsed, target: &str) -> Result<()> {
    if el.empty {
        return Ok(());
    }
    while let Some(c) = x.child("edmx:Edmx")? {
        match c.local() {
            "Reference" if !c.empty => {
                while let Some(inc) = x.child("edmx:Reference")? {
                    if inc.local() == "Include" {
                        let [ns, alias] = inc.attrs(x.src, ["Namespace", "Alias"])?;
                        if let (Some(ns), Some(alias)) = (ns, alias) {
                            out.include_aliases.push((alias, ns));
                        }
                    }
                    x.skip(&inc)?;
                }
            }
            "DataServices" if !c.empty => {
                while let Some(s) = x.child("edmx:DataServices")? {
                    if s.local() == "Schema" {
                        schema(x, &s, out, target)?;
                    } else {
                        x.skip(&s)?;
                    }
                }
            }
            _ => x.skip(&c)?,
        }
    }
    Ok(())
}

fn schema<'s>(x: &mut Xml<'s>, el: &El<'s>, out: &mut Parsed, target: &str) -> Result<()> {
    let [ns, alias] = el.attrs(x.src, ["Namespace", "Alias"])?;
    let ns = el.required(x.src, ns, "Namespace")?;
    out.schemas.push(SchemaHead {
        namespace: ns.clone(),
        alias,
    });
    let index = out.schemas.len() - 1;
    if el.empty {
        out.target_found |= ns == target;
        return Ok(());
    }
    if ns == target {
        out.target_found = true;
        return target_schema(x, &ns, out);
    }
    while let Some(c) = x.child("Schema")? {
        let local = c.local();
        if let Some(kind) = Kind::from_element(local) {
            let [name] = c.attrs(x.src, ["Name"])?;
            let name = c.required(x.src, name, "Name")?;
            out.foreign_types.insert(
                format!("{ns}.{name}"),
                Foreign {
                    kind,
                    schema: index,
                    offset: c.at,
                },
            );
            x.skip(&c)?;
        } else if local == "Action" || local == "Function" {
            foreign_operation(x, &c, index, out)?;
        } else if local == "EntityContainer" {
            container(x, &c, &ns, out)?;
        } else if local == "Annotations" {
            let [t] = c.attrs(x.src, ["Target"])?;
            if let Some(t) = t {
                out.foreign_annotations.push((t, c.at));
            }
            x.skip(&c)?;
        } else {
            x.skip(&c)?;
        }
    }
    Ok(())
}

/// Records a bound operation of another namespace: its binding type is the
/// first `<Parameter>`'s; the rest is skipped.
fn foreign_operation<'s>(
    x: &mut Xml<'s>,
    el: &El<'s>,
    schema: usize,
    out: &mut Parsed,
) -> Result<()> {
    let [bound] = el.attrs(x.src, ["IsBound"])?;
    if !is_true(bound.as_deref()) || el.empty {
        return x.skip(el);
    }
    while let Some(c) = x.child(el.local())? {
        if c.local() == "Parameter" {
            let [ty] = c.attrs(x.src, ["Type"])?;
            x.skip(&c)?;
            if let Some(ty) = ty {
                out.foreign_ops.push(ForeignOp {
                    schema,
                    binding: ty,
                    offset: el.at,
                });
            }
            // The rest of the operation is not needed.
            return x.skip(el);
        }
        x.skip(&c)?;
    }
    Ok(())
}

fn container<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str, out: &mut Parsed) -> Result<()> {
    if out.container_namespace.is_none() {
        out.container_namespace = Some(ns.to_owned());
    }
    if el.empty {
        return Ok(());
    }
    while let Some(c) = x.child("EntityContainer")? {
        if c.local() == "Singleton" {
            let [name, ty] = c.attrs(x.src, ["Name", "Type"])?;
            let name = c.required(x.src, name, "Name")?;
            let ty = c.required(x.src, ty, "Type")?;
            out.singletons.push(Singleton {
                name,
                ty,
                pos: c.at,
            });
        }
        x.skip(&c)?;
    }
    Ok(())
}

fn target_schema(x: &mut Xml<'_>, ns: &str, out: &mut Parsed) -> Result<()> {
    while let Some(c) = x.child("Schema")? {
        match c.local() {
            "EntityType" | "ComplexType" | "EnumType" | "TypeDefinition" => {
                let t = type_element(x, &c, ns)?;
                out.types.push(t);
            }
            "Action" | "Function" => {
                let op = operation(x, &c, ns)?;
                out.operations.push(op);
            }
            "EntityContainer" => container(x, &c, ns, out)?,
            "Annotations" => {
                let block = annotations(x, &c)?;
                out.annotations.push(block);
            }
            _ => x.skip(&c)?,
        }
    }
    Ok(())
}

fn type_element<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str) -> Result<TypeDef> {
    match el.local() {
        "EntityType" => structured(x, el, ns, StructKind::Entity),
        "ComplexType" => structured(x, el, ns, StructKind::Complex),
        "EnumType" => enum_type(x, el, ns),
        "TypeDefinition" => type_definition(x, el, ns),
        other => bail!(
            "{}: expected a type element, found <{other}>",
            x.src.at(el.at)
        ),
    }
}

fn structured<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str, kind: StructKind) -> Result<TypeDef> {
    let [name, base] = el.attrs(x.src, ["Name", "BaseType"])?;
    let mut t = Structured {
        kind,
        namespace: ns.to_owned(),
        name: el.required(x.src, name, "Name")?,
        base,
        key: Vec::new(),
        properties: Vec::new(),
        navigations: Vec::new(),
        notes: Vec::new(),
        pos: el.at,
    };
    if !el.empty {
        while let Some(c) = x.child(el.local())? {
            match c.local() {
                "Key" if !c.empty => {
                    while let Some(r) = x.child("Key")? {
                        if r.local() == "PropertyRef" {
                            let [n] = r.attrs(x.src, ["Name"])?;
                            t.key.push(r.required(x.src, n, "Name")?);
                        }
                        x.skip(&r)?;
                    }
                }
                "Property" => {
                    let [n, ty, nullable, default, max] = c.attrs(
                        x.src,
                        ["Name", "Type", "Nullable", "DefaultValue", "MaxLength"],
                    )?;
                    let name = c.required(x.src, n, "Name")?;
                    let raw = c.required(x.src, ty, "Type")?;
                    let mut ty = TypeRef::new(&raw, nullable.as_deref(), false);
                    ty.max_length = max.and_then(|m| m.trim().parse().ok());
                    let notes = notes_of(x, &c)?;
                    t.properties.push(Property {
                        name,
                        ty,
                        default,
                        notes,
                        pos: c.at,
                    });
                }
                "NavigationProperty" => {
                    let [n, ty, nullable, contains] =
                        c.attrs(x.src, ["Name", "Type", "Nullable", "ContainsTarget"])?;
                    let name = c.required(x.src, n, "Name")?;
                    let raw = c.required(x.src, ty, "Type")?;
                    let notes = notes_of(x, &c)?;
                    t.navigations.push(NavProperty {
                        name,
                        ty: TypeRef::new(&raw, nullable.as_deref(), true),
                        contains_target: is_true(contains.as_deref()),
                        notes,
                        pos: c.at,
                    });
                }
                "Annotation" => {
                    if let Some(n) = annotation(x, &c)? {
                        t.notes.push(n);
                    }
                }
                _ => x.skip(&c)?,
            }
        }
    }
    Ok(TypeDef::Structured(t))
}

fn enum_type<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str) -> Result<TypeDef> {
    let [name, flags] = el.attrs(x.src, ["Name", "IsFlags"])?;
    let mut t = EnumType {
        namespace: ns.to_owned(),
        name: el.required(x.src, name, "Name")?,
        flags: is_true(flags.as_deref()),
        members: Vec::new(),
        notes: Vec::new(),
        pos: el.at,
    };
    if !el.empty {
        while let Some(c) = x.child("EnumType")? {
            match c.local() {
                "Member" => {
                    let [n] = c.attrs(x.src, ["Name"])?;
                    let name = c.required(x.src, n, "Name")?;
                    let notes = notes_of(x, &c)?;
                    t.members.push(Member { name, notes });
                }
                "Annotation" => {
                    if let Some(n) = annotation(x, &c)? {
                        t.notes.push(n);
                    }
                }
                _ => x.skip(&c)?,
            }
        }
    }
    Ok(TypeDef::Enum(t))
}

fn type_definition<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str) -> Result<TypeDef> {
    let [name, underlying] = el.attrs(x.src, ["Name", "UnderlyingType"])?;
    let name = el.required(x.src, name, "Name")?;
    let underlying = el.required(x.src, underlying, "UnderlyingType")?;
    let notes = notes_of(x, el)?;
    Ok(TypeDef::Definition(TypeDefinition {
        namespace: ns.to_owned(),
        name,
        underlying,
        notes,
        pos: el.at,
    }))
}

fn operation<'s>(x: &mut Xml<'s>, el: &El<'s>, ns: &str) -> Result<Operation> {
    let kind = match el.local() {
        "Action" => OpKind::Action,
        _ => OpKind::Function,
    };
    let [name, bound] = el.attrs(x.src, ["Name", "IsBound"])?;
    let mut op = Operation {
        kind,
        namespace: ns.to_owned(),
        name: el.required(x.src, name, "Name")?,
        bound: is_true(bound.as_deref()),
        parameters: Vec::new(),
        returns: None,
        notes: Vec::new(),
        pos: el.at,
    };
    if !el.empty {
        while let Some(c) = x.child(el.local())? {
            match c.local() {
                "Parameter" => {
                    let [n, ty, nullable, max] =
                        c.attrs(x.src, ["Name", "Type", "Nullable", "MaxLength"])?;
                    let name = c.required(x.src, n, "Name")?;
                    let raw = c.required(x.src, ty, "Type")?;
                    let mut ty = TypeRef::new(&raw, nullable.as_deref(), false);
                    ty.max_length = max.and_then(|m| m.trim().parse().ok());
                    x.skip(&c)?;
                    op.parameters.push(Parameter {
                        name,
                        ty,
                        pos: c.at,
                    });
                }
                "ReturnType" => {
                    let [ty, nullable] = c.attrs(x.src, ["Type", "Nullable"])?;
                    let raw = c.required(x.src, ty, "Type")?;
                    x.skip(&c)?;
                    op.returns = Some((TypeRef::new(&raw, nullable.as_deref(), false), c.at));
                }
                "Annotation" => {
                    if let Some(n) = annotation(x, &c)? {
                        op.notes.push(n);
                    }
                }
                _ => x.skip(&c)?,
            }
        }
    }
    Ok(op)
}

fn annotations<'s>(x: &mut Xml<'s>, el: &El<'s>) -> Result<AnnotationsBlock> {
    let [target] = el.attrs(x.src, ["Target"])?;
    let target = el.required(x.src, target, "Target")?;
    let notes = notes_of(x, el)?;
    Ok(AnnotationsBlock { target, notes })
}

/// The `<Annotation>` children of an element (which is consumed).
fn notes_of<'s>(x: &mut Xml<'s>, el: &El<'s>) -> Result<Vec<RawNote>> {
    let mut notes = Vec::new();
    if el.empty {
        return Ok(notes);
    }
    while let Some(c) = x.child(el.local())? {
        if c.local() == "Annotation" {
            if let Some(n) = annotation(x, &c)? {
                notes.push(n);
            }
        } else {
            x.skip(&c)?;
        }
    }
    Ok(notes)
}

/// One `<Annotation>`, when its term may matter (descriptions, `Computed`);
/// qualified annotations are passed over.
fn annotation<'s>(x: &mut Xml<'s>, el: &El<'s>) -> Result<Option<RawNote>> {
    let [term, qualifier, string, boolean] =
        el.attrs(x.src, ["Term", "Qualifier", "String", "Bool"])?;
    let Some(term) = term else {
        x.skip(el)?;
        return Ok(None);
    };
    let wanted = [".Description", ".LongDescription", ".Computed"]
        .iter()
        .any(|s| term.ends_with(s));
    if !wanted || qualifier.is_some() {
        x.skip(el)?;
        return Ok(None);
    }
    let mut note = RawNote {
        term,
        string,
        boolean: boolean.map(|b| is_true(Some(&b))),
    };
    if !el.empty {
        while let Some(c) = x.child("Annotation")? {
            match c.local() {
                "String" => note.string = Some(x.text(&c)?),
                "Bool" => note.boolean = Some(is_true(Some(x.text(&c)?.as_str()))),
                _ => x.skip(&c)?,
            }
        }
    }
    Ok(Some(note))
}

/// Parses the type element that starts at `offset`.
pub(crate) fn type_at(src: &Source<'_>, offset: usize, ns: &str) -> Result<TypeDef> {
    let mut x = Xml::new(src, offset);
    let el = first_element(&mut x)?;
    type_element(&mut x, &el, ns)
}

/// Parses the `<Action>` or `<Function>` that starts at `offset`.
pub(crate) fn operation_at(src: &Source<'_>, offset: usize, ns: &str) -> Result<Operation> {
    let mut x = Xml::new(src, offset);
    let el = first_element(&mut x)?;
    operation(&mut x, &el, ns)
}

/// Parses the `<Annotations>` block that starts at `offset`.
pub(crate) fn annotations_at(src: &Source<'_>, offset: usize) -> Result<AnnotationsBlock> {
    let mut x = Xml::new(src, offset);
    let el = first_element(&mut x)?;
    annotations(&mut x, &el)
}

fn first_element<'s>(x: &mut Xml<'s>) -> Result<El<'s>> {
    loop {
        let (at, ev) = x.next()?;
        match ev {
            Event::Start(e) => {
                return Ok(El {
                    e,
                    at,
                    empty: false,
                });
            }
            Event::Empty(e) => return Ok(El { e, at, empty: true }),
            Event::Eof => bail!("{}: expected an element", x.src.at(at)),
            _ => {}
        }
    }
}
