//! Stage 4, the API diff: the public Rust API of generated code, measured.
//!
//! [`listing`] reads the generated files with `syn` and lists every public
//! item with what a caller depends on: structs (with `#[non_exhaustive]`
//! and whether a struct literal can build them), their public fields and
//! types, enums and variants, functions and methods with their signatures,
//! trait impls (derived or written), constants, aliases, re-exports, and
//! the *facts* the runtime keys on that types do not show: each builder's
//! inputs and which of them `send` insists on, the statuses each `send`
//! accepts, and each row of the operation table (`kind`, `long_running`,
//! `pageable`, `is_idempotent`). [`compare`] classifies the differences the
//! way cargo's semver rules (and cargo-semver-checks' lints) do and gives
//! the bump the crate needs; [`semver_checks`] runs `cargo semver-checks`
//! on the whole crate when it is installed.
//!
//! Reads text handed to it (or a directory of generated files); runs cargo
//! only in [`semver_checks`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};
use quote::ToTokens;
use serde::Serialize;
use syn::visit::Visit;

use super::rules::Bump;

/// A public item and what callers depend on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    Struct {
        non_exhaustive: bool,
        /// Some field is not public (no struct literal outside the crate).
        private_fields: bool,
        /// Named fields (not a tuple or unit struct).
        named: bool,
    },
    Enum {
        non_exhaustive: bool,
    },
    Field {
        parent: String,
        ty: String,
    },
    Variant {
        parent: String,
        fields: String,
    },
    Fn {
        parent: Option<String>,
        sig: String,
        /// A trait method without a default body.
        required: bool,
    },
    /// `impl Trait for Type`, derived or written.
    Impl {
        parent: String,
    },
    Trait,
    Const {
        ty: String,
    },
    Alias {
        ty: String,
    },
    Use {
        path: String,
    },
    Mod,
    /// A private field of a request or model builder: what `send` or
    /// `try_into` needs.
    Input {
        parent: String,
        ty: String,
        required: bool,
    },
    /// Behaviour a type does not show: a row of the operation table, or a
    /// status `send` accepts.
    Fact {
        value: String,
    },
}

impl Item {
    fn kind(&self) -> &'static str {
        match self {
            Item::Struct { .. } => "struct",
            Item::Enum { .. } => "enum",
            Item::Field { .. } => "field",
            Item::Variant { .. } => "variant",
            Item::Fn { .. } => "fn",
            Item::Impl { .. } => "impl",
            Item::Trait => "trait",
            Item::Const { .. } => "const",
            Item::Alias { .. } => "type",
            Item::Use { .. } => "use",
            Item::Mod => "mod",
            Item::Input { .. } => "input",
            Item::Fact { .. } => "fact",
        }
    }

    fn parent(&self) -> Option<&str> {
        match self {
            Item::Field { parent, .. }
            | Item::Variant { parent, .. }
            | Item::Impl { parent }
            | Item::Input { parent, .. } => Some(parent),
            Item::Fn { parent, .. } => parent.as_deref(),
            _ => None,
        }
    }
}

/// Every public item of a generated directory, by (path, kind).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub items: BTreeMap<(String, &'static str), Item>,
}

impl Listing {
    fn insert(&mut self, path: String, item: Item) {
        self.items.insert((path, item.kind()), item);
    }

    fn is_type(&self, path: &str) -> bool {
        ["struct", "enum", "trait"]
            .iter()
            .any(|k| self.items.contains_key(&(path.to_owned(), *k)))
    }

    /// Whether the generated models (structs with named fields in
    /// `types`) are all `#[non_exhaustive]`.
    pub fn models_non_exhaustive(&self) -> bool {
        let mut models = self.items.iter().filter(|((p, _), _)| {
            p.starts_with("generated::types::") && !p["generated::types::".len()..].contains("::")
        });
        models.all(|(_, item)| match item {
            Item::Struct {
                non_exhaustive,
                private_fields,
                named: true,
            } => *non_exhaustive || *private_fields,
            _ => true,
        })
    }
}

/// Token text with the spaces `quote` puts around punctuation removed.
fn tidy(tokens: impl ToTokens) -> String {
    const COLON: &str = "\u{1}";
    let mut s = tokens.to_token_stream().to_string().replace(" : ", COLON);
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ;", ";"),
        ("' ", "'"),
        (" ..= ", "..="),
    ] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s.replace(COLON, ": ")
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        if let syn::Meta::List(list) = &a.meta {
            for part in list.tokens.to_string().split(',') {
                let name = part.rsplit("::").next().unwrap_or(part).trim();
                if !name.is_empty() {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out
}

/// The last segment of a type's path (`GetPolicyId<'a>` → `GetPolicyId`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

/// `Trait<Args>` of an impl, by its last segment.
fn trait_name(path: &syn::Path) -> String {
    path.segments.last().map(tidy).unwrap_or_default()
}

/// Fields of builders that `new` or `default` initialise with `Err(..)`:
/// the ones `send` or `try_into` insists on.
fn required_inputs(items: &[syn::Item]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(name) = type_name(&imp.self_ty) else {
            continue;
        };
        for f in &imp.items {
            let syn::ImplItem::Fn(f) = f else { continue };
            if f.sig.ident != "new" && f.sig.ident != "default" {
                continue;
            }
            let lit = f.block.stmts.iter().find_map(|s| match s {
                syn::Stmt::Expr(syn::Expr::Struct(lit), _) => Some(lit),
                _ => None,
            });
            for fv in lit.into_iter().flat_map(|l| &l.fields) {
                let syn::Member::Named(field) = &fv.member else {
                    continue;
                };
                if let syn::Expr::Call(call) = &fv.expr
                    && let syn::Expr::Path(p) = call.func.as_ref()
                    && p.path.is_ident("Err")
                {
                    out.entry(name.clone())
                        .or_default()
                        .insert(field.to_string());
                }
            }
        }
    }
    out
}

/// The arms of the `match` on the response status in a `send` body.
fn status_arms(block: &syn::Block) -> Vec<(String, String)> {
    struct Find(Vec<(String, String)>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            let scrutinee = tidy(&m.expr);
            if scrutinee.contains("status") && scrutinee.contains("as_u16") {
                for arm in &m.arms {
                    if matches!(arm.pat, syn::Pat::Wild(_)) {
                        continue;
                    }
                    let body = tidy(&arm.body);
                    let outcome = if body.trim_start_matches('{').trim_start().starts_with("Ok") {
                        "accepted"
                    } else {
                        "error"
                    };
                    self.0.push((tidy(&arm.pat), outcome.to_owned()));
                }
            }
            syn::visit::visit_expr_match(self, m);
        }
    }
    let mut f = Find(Vec::new());
    f.visit_block(block);
    f.0
}

/// The rows of `pub const OPERATIONS: &[OperationMeta] = &[..]`.
fn operation_rows(listing: &mut Listing, prefix: &str, expr: &syn::Expr) {
    let syn::Expr::Reference(r) = expr else {
        return;
    };
    let syn::Expr::Array(a) = r.expr.as_ref() else {
        return;
    };
    for row in &a.elems {
        let syn::Expr::Struct(s) = row else { continue };
        let mut fields = BTreeMap::new();
        for fv in &s.fields {
            if let syn::Member::Named(n) = &fv.member {
                let value = match &fv.expr {
                    syn::Expr::Lit(l) => match &l.lit {
                        syn::Lit::Str(s) => s.value(),
                        syn::Lit::Bool(b) => b.value.to_string(),
                        other => tidy(other),
                    },
                    syn::Expr::Path(p) => p
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default(),
                    other => tidy(other),
                };
                fields.insert(n.to_string(), value);
            }
        }
        let Some(id) = fields.get("operation_id").cloned() else {
            continue;
        };
        let method = fields.get("method").cloned().unwrap_or_default();
        let kind = fields.get("kind").cloned().unwrap_or_default();
        let idempotent = matches!(
            method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
        ) || kind == "Function";
        for key in ["method", "path", "kind", "long_running", "pageable"] {
            if let Some(v) = fields.get(key) {
                listing.insert(
                    format!("{prefix}::OPERATIONS[{id}].{key}"),
                    Item::Fact { value: v.clone() },
                );
            }
        }
        listing.insert(
            format!("{prefix}::OPERATIONS[{id}].is_idempotent()"),
            Item::Fact {
                value: idempotent.to_string(),
            },
        );
    }
}

fn fields_text(fields: &syn::Fields) -> String {
    match fields {
        syn::Fields::Unit => String::new(),
        other => tidy(other),
    }
}

struct Walker<'a> {
    files: &'a BTreeMap<String, String>,
    out: Listing,
}

impl Walker<'_> {
    fn file(&mut self, name: &str, prefix: &str) -> Result<()> {
        let Some(text) = self.files.get(name) else {
            return Ok(());
        };
        let file = syn::parse_file(text).map_err(|e| anyhow!("{name} does not parse: {e}"))?;
        self.items(&file.items, prefix, false)
    }

    fn items(&mut self, items: &[syn::Item], prefix: &str, builder: bool) -> Result<()> {
        // `mod x; pub use x::*;`: x's items are the parent's.
        let globbed: BTreeSet<String> = items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Use(u) if is_pub(&u.vis) => match &u.tree {
                    syn::UseTree::Path(p) if matches!(p.tree.as_ref(), syn::UseTree::Glob(_)) => {
                        Some(p.ident.to_string())
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let required = required_inputs(items);
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    let sub = if is_pub(&m.vis) {
                        format!("{prefix}::{name}")
                    } else if globbed.contains(&name) {
                        prefix.to_owned()
                    } else {
                        continue;
                    };
                    if sub != prefix {
                        self.out.insert(sub.clone(), Item::Mod);
                    }
                    match &m.content {
                        Some((_, inner)) => self.items(inner, &sub, name == "builder")?,
                        None => self.file(&format!("{name}.rs"), &sub)?,
                    }
                }
                syn::Item::Struct(s) if is_pub(&s.vis) => {
                    let path = format!("{prefix}::{}", s.ident);
                    let mut private = false;
                    for (i, f) in s.fields.iter().enumerate() {
                        let name = f
                            .ident
                            .as_ref()
                            .map(|i| i.to_string())
                            .unwrap_or_else(|| i.to_string());
                        if is_pub(&f.vis) {
                            self.out.insert(
                                format!("{path}::{name}"),
                                Item::Field {
                                    parent: path.clone(),
                                    ty: tidy(&f.ty),
                                },
                            );
                        } else {
                            private = true;
                            if builder {
                                let req = required
                                    .get(&s.ident.to_string())
                                    .is_some_and(|r| r.contains(&name));
                                self.out.insert(
                                    format!("{path}::{name}"),
                                    Item::Input {
                                        parent: path.clone(),
                                        ty: tidy(&f.ty),
                                        required: req,
                                    },
                                );
                            }
                        }
                    }
                    self.out.insert(
                        path.clone(),
                        Item::Struct {
                            non_exhaustive: has_attr(&s.attrs, "non_exhaustive"),
                            private_fields: private,
                            named: matches!(s.fields, syn::Fields::Named(_)),
                        },
                    );
                    for d in derives(&s.attrs) {
                        self.out.insert(
                            format!("{path}: {d}"),
                            Item::Impl {
                                parent: path.clone(),
                            },
                        );
                    }
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    let path = format!("{prefix}::{}", e.ident);
                    self.out.insert(
                        path.clone(),
                        Item::Enum {
                            non_exhaustive: has_attr(&e.attrs, "non_exhaustive"),
                        },
                    );
                    for v in &e.variants {
                        self.out.insert(
                            format!("{path}::{}", v.ident),
                            Item::Variant {
                                parent: path.clone(),
                                fields: fields_text(&v.fields),
                            },
                        );
                    }
                    for d in derives(&e.attrs) {
                        self.out.insert(
                            format!("{path}: {d}"),
                            Item::Impl {
                                parent: path.clone(),
                            },
                        );
                    }
                }
                syn::Item::Fn(f) if is_pub(&f.vis) => {
                    self.out.insert(
                        format!("{prefix}::{}", f.sig.ident),
                        Item::Fn {
                            parent: None,
                            sig: tidy(&f.sig),
                            required: false,
                        },
                    );
                }
                syn::Item::Impl(imp) => {
                    let Some(name) = type_name(&imp.self_ty) else {
                        continue;
                    };
                    let path = format!("{prefix}::{name}");
                    if let Some((tr, _)) = &imp.trait_ {
                        self.out.insert(
                            format!("{path}: {}", trait_name(tr)),
                            Item::Impl { parent: path },
                        );
                        continue;
                    }
                    for f in &imp.items {
                        let syn::ImplItem::Fn(f) = f else { continue };
                        if !is_pub(&f.vis) {
                            continue;
                        }
                        self.out.insert(
                            format!("{path}::{}", f.sig.ident),
                            Item::Fn {
                                parent: Some(path.clone()),
                                sig: tidy(&f.sig),
                                required: false,
                            },
                        );
                        if f.sig.ident == "send" {
                            for (pat, outcome) in status_arms(&f.block) {
                                self.out.insert(
                                    format!("{path}::send status {pat}"),
                                    Item::Fact { value: outcome },
                                );
                            }
                        }
                    }
                }
                syn::Item::Trait(t) if is_pub(&t.vis) => {
                    let path = format!("{prefix}::{}", t.ident);
                    self.out.insert(path.clone(), Item::Trait);
                    for ti in &t.items {
                        if let syn::TraitItem::Fn(f) = ti {
                            self.out.insert(
                                format!("{path}::{}", f.sig.ident),
                                Item::Fn {
                                    parent: Some(path.clone()),
                                    sig: tidy(&f.sig),
                                    required: f.default.is_none(),
                                },
                            );
                        }
                    }
                }
                syn::Item::Const(c) if is_pub(&c.vis) => {
                    let path = format!("{prefix}::{}", c.ident);
                    self.out.insert(path, Item::Const { ty: tidy(&c.ty) });
                    if c.ident == "OPERATIONS" {
                        operation_rows(&mut self.out, prefix, &c.expr);
                    }
                }
                syn::Item::Static(s) if is_pub(&s.vis) => {
                    self.out.insert(
                        format!("{prefix}::{}", s.ident),
                        Item::Const { ty: tidy(&s.ty) },
                    );
                }
                syn::Item::Type(t) if is_pub(&t.vis) => {
                    self.out.insert(
                        format!("{prefix}::{}", t.ident),
                        Item::Alias { ty: tidy(&t.ty) },
                    );
                }
                syn::Item::Use(u) if is_pub(&u.vis) => {
                    let mut uses = Vec::new();
                    flatten_use(&u.tree, String::new(), &mut uses);
                    for (name, path) in uses {
                        // A glob of a private module is inlined above.
                        if name == "*" && globbed.contains(path.trim_end_matches("::*")) {
                            continue;
                        }
                        self.out
                            .insert(format!("{prefix}::{name}"), Item::Use { path });
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn flatten_use(tree: &syn::UseTree, base: String, out: &mut Vec<(String, String)>) {
    let join = |name: &str| {
        if base.is_empty() {
            name.to_owned()
        } else {
            format!("{base}::{name}")
        }
    };
    match tree {
        syn::UseTree::Path(p) => flatten_use(&p.tree, join(&p.ident.to_string()), out),
        syn::UseTree::Name(n) => out.push((n.ident.to_string(), join(&n.ident.to_string()))),
        syn::UseTree::Rename(r) => out.push((r.rename.to_string(), join(&r.ident.to_string()))),
        syn::UseTree::Glob(_) => out.push(("*".into(), join("*"))),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, base.clone(), out);
            }
        }
    }
}

/// The listing of generated files (`mod.rs` and the files it declares),
/// as the crate mounts them at `generated`.
pub fn listing(files: &BTreeMap<String, String>) -> Result<Listing> {
    if !files.contains_key("mod.rs") {
        bail!("no mod.rs among the generated files");
    }
    let mut w = Walker {
        files,
        out: Listing::default(),
    };
    w.file("mod.rs", "generated")?;
    Ok(w.out)
}

/// The generated files of a directory (every `*.rs`).
pub fn read_dir(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path)?);
        }
    }
    Ok(files)
}

/// One difference in the public API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiChange {
    /// The item's path (`generated::types::NumberAssignment::city`).
    pub item: String,
    /// `struct`, `field`, `fn`, `fact`, …
    pub kind: &'static str,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    pub semver: Bump,
    pub detail: String,
}

/// The fact rows of the operation table whose change breaks callers: what
/// the facade builds on (`Operation`, `Pager`) and which operation a row
/// is.
fn fact_breaks(path: &str) -> bool {
    [".long_running", ".pageable", ".method", ".path"]
        .iter()
        .any(|s| path.ends_with(s))
        || path.contains("::send status ")
}

fn describe(item: &Item) -> String {
    match item {
        Item::Field { ty, .. } => format!("`{ty}`"),
        Item::Variant { fields, .. } if !fields.is_empty() => format!("`{fields}`"),
        Item::Fn { sig, .. } => format!("`{sig}`"),
        Item::Const { ty } | Item::Alias { ty } => format!("`{ty}`"),
        Item::Use { path } => format!("`{path}`"),
        Item::Input { ty, required, .. } => format!(
            "`{ty}`, {}",
            if *required { "required" } else { "optional" }
        ),
        Item::Fact { value } => format!("`{value}`"),
        Item::Struct { non_exhaustive, .. } | Item::Enum { non_exhaustive } => {
            if *non_exhaustive {
                "`#[non_exhaustive]`".into()
            } else {
                String::new()
            }
        }
        _ => String::new(),
    }
}

fn constructible(item: Option<&Item>) -> bool {
    matches!(
        item,
        Some(Item::Struct {
            non_exhaustive: false,
            private_fields: false,
            ..
        })
    )
}

/// The differences between two listings, each with the bump it needs.
pub fn compare(old: &Listing, new: &Listing) -> Vec<ApiChange> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<ApiChange>, key: &(String, &'static str), change, semver, detail| {
        out.push(ApiChange {
            item: key.0.clone(),
            kind: key.1,
            change,
            semver,
            detail,
        });
    };
    for (key, a) in &old.items {
        match new.items.get(key) {
            None => {
                // Report the type, not each of its members.
                if a.parent()
                    .is_some_and(|p| old.is_type(p) && !new.is_type(p))
                {
                    continue;
                }
                let semver = match a {
                    Item::Input { .. } => Bump::Patch,
                    _ => Bump::Major,
                };
                push(&mut out, key, "removed", semver, describe(a));
            }
            Some(b) if a != b => {
                let semver = match (a, b) {
                    (
                        Item::Struct {
                            non_exhaustive: na,
                            private_fields: pa,
                            ..
                        },
                        Item::Struct {
                            non_exhaustive: nb,
                            private_fields: pb,
                            ..
                        },
                    ) => {
                        if (!na && *nb) || (!pa && *pb) {
                            Bump::Major
                        } else {
                            Bump::Minor
                        }
                    }
                    (Item::Enum { non_exhaustive: na }, Item::Enum { non_exhaustive: nb }) => {
                        if !na && *nb { Bump::Major } else { Bump::Minor }
                    }
                    // An input's type change shows in its setter's signature;
                    // what counts here is whether `send` now insists on it.
                    (Item::Input { required: ra, .. }, Item::Input { required: rb, .. }) => {
                        if !ra && *rb { Bump::Major } else { Bump::Patch }
                    }
                    (Item::Fact { .. }, Item::Fact { .. }) => {
                        if fact_breaks(&key.0) {
                            Bump::Major
                        } else {
                            Bump::Patch
                        }
                    }
                    _ => Bump::Major,
                };
                push(
                    &mut out,
                    key,
                    "changed",
                    semver,
                    format!("{} → {}", describe(a), describe(b)),
                );
            }
            _ => {}
        }
    }
    for (key, b) in &new.items {
        if old.items.contains_key(key) {
            continue;
        }
        let parent = b.parent();
        if parent.is_some_and(|p| new.is_type(p) && !old.is_type(p)) {
            continue;
        }
        let parent_old = parent.and_then(|p| {
            old.items
                .get(&(p.to_owned(), "struct"))
                .or_else(|| old.items.get(&(p.to_owned(), "enum")))
        });
        let (semver, why) = match b {
            Item::Field { .. } if constructible(parent_old) => (
                Bump::Major,
                "; the struct can be built by a literal, which now misses it",
            ),
            Item::Variant { .. }
                if matches!(
                    parent_old,
                    Some(Item::Enum {
                        non_exhaustive: false
                    })
                ) =>
            {
                (Bump::Major, "; the enum is exhaustive: matches miss it")
            }
            Item::Input { required: true, .. } => (Bump::Major, "; the builder now insists on it"),
            Item::Input { .. } => (Bump::Patch, ""),
            Item::Fn { required: true, .. } => (Bump::Major, "; implementors must now provide it"),
            Item::Fact { .. } if key.0.contains("::send status ") => (Bump::Patch, ""),
            _ => (Bump::Minor, ""),
        };
        push(
            &mut out,
            key,
            "added",
            semver,
            format!("{}{why}", describe(b)),
        );
    }
    out
}

/// The bump a set of changes needs.
pub fn bump(changes: &[ApiChange]) -> Bump {
    changes.iter().map(|c| c.semver).max().unwrap_or_default()
}

/// `version` of the `[package]` in `manifest`, with the package name.
pub fn crate_version(manifest: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    let package = doc.get("package")?.as_table()?;
    Some((
        package.get("name")?.as_str()?.to_owned(),
        package.get("version")?.as_str()?.to_owned(),
    ))
}

/// The bump in cargo's terms for `version`, and the next version: for
/// 0.y.z a breaking change bumps y ("minor (0.x: breaking)") and a
/// compatible addition z.
pub fn bump_words(bump: Bump, version: Option<&str>) -> (String, Option<String>) {
    let parsed = version.and_then(|v| {
        let core = v.split(['-', '+']).next()?;
        let mut it = core.split('.').map(|n| n.parse::<u64>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    });
    match parsed {
        Some((0, 0, z)) => (
            format!(
                "patch (0.0.x: every release is breaking; this one is {} in semver terms)",
                bump.as_str()
            ),
            Some(format!("0.0.{}", z + 1)),
        ),
        Some((0, y, z)) => match bump {
            Bump::Major => (
                "minor (0.x: breaking; a major bump from 1.0 on)".into(),
                Some(format!("0.{}.0", y + 1)),
            ),
            Bump::Minor => (
                "patch (0.x: a compatible addition; a minor bump from 1.0 on)".into(),
                Some(format!("0.{y}.{}", z + 1)),
            ),
            Bump::Patch => (
                "patch (no public API change)".into(),
                Some(format!("0.{y}.{}", z + 1)),
            ),
        },
        Some((x, y, z)) => match bump {
            Bump::Major => ("major (breaking)".into(), Some(format!("{}.0.0", x + 1))),
            Bump::Minor => (
                "minor (a compatible addition)".into(),
                Some(format!("{x}.{}.0", y + 1)),
            ),
            Bump::Patch => (
                "patch (no public API change)".into(),
                Some(format!("{x}.{y}.{}", z + 1)),
            ),
        },
        None => (format!("{} (in semver terms)", bump.as_str()), None),
    }
}

/// What `cargo semver-checks` said.
#[derive(Clone, Debug, Serialize)]
pub struct SemverChecks {
    /// `cargo semver-checks --version`.
    pub version: String,
    pub bump: Bump,
    /// Its summary line.
    pub summary: String,
    /// The ids of the lints that failed.
    pub lints: Vec<String>,
}

/// `cargo semver-checks --version`, when it is installed.
pub fn semver_checks_installed() -> Option<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["semver-checks", "--version"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Reads `cargo semver-checks check-release` output.
pub fn parse_semver_checks(version: &str, output: &str) -> Option<SemverChecks> {
    let lints = output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_owned)
        .collect();
    let summary = output
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("Summary"))?
        .trim_start_matches("Summary")
        .trim()
        .to_owned();
    let bump = if summary.contains("requires new major") {
        Bump::Major
    } else if summary.contains("requires new minor") {
        Bump::Minor
    } else {
        Bump::Patch
    };
    Some(SemverChecks {
        version: version.to_owned(),
        bump,
        summary,
        lints,
    })
}

/// Runs `cargo semver-checks check-release -p PACKAGE` in the crate at
/// `current` against the same crate at `baseline` (a copy taken before
/// regeneration). Builds rustdoc JSON twice: minutes, not seconds.
pub fn semver_checks(current: &Path, baseline: &Path, package: &str) -> Result<SemverChecks> {
    let version =
        semver_checks_installed().ok_or_else(|| anyhow!("cargo-semver-checks is not installed"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "semver-checks",
            "check-release",
            "--color",
            "never",
            "-p",
            package,
        ])
        .arg("--baseline-root")
        .arg(baseline)
        .current_dir(current)
        .output()
        .context("cannot run cargo semver-checks")?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_semver_checks(&version, &text).ok_or_else(|| {
        anyhow!(
            "cargo semver-checks gave no summary (exit {:?}):\n{}",
            out.status.code(),
            text.lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// The Rust-API section of a report.
#[derive(Clone, Debug, Serialize)]
pub struct RustApiReport {
    /// How the API was compared.
    pub method: String,
    pub items_before: usize,
    pub items_after: usize,
    /// The bump the measured changes need.
    pub semver: Bump,
    /// The bump the spec-level rules predicted.
    pub predicted: Bump,
    /// Whether the two agree.
    pub agrees: bool,
    /// `graph-teams-admin`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_version: Option<String>,
    /// The bump in cargo's words for this version ("minor (0.x: breaking…)").
    pub bump: String,
    pub changes: Vec<ApiChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semver_checks: Option<SemverChecks>,
    /// Why cargo-semver-checks did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semver_checks_skipped: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl RustApiReport {
    /// The report for two listings; `predicted` from the spec-level rules.
    pub fn new(
        old: &Listing,
        new: &Listing,
        predicted: Bump,
        package: Option<(String, String)>,
    ) -> Self {
        let changes = compare(old, new);
        let semver = bump(&changes);
        let (words, next) = bump_words(semver, package.as_ref().map(|p| p.1.as_str()));
        RustApiReport {
            method: "public-item listing of the generated code (syn)".into(),
            items_before: old.items.len(),
            items_after: new.items.len(),
            semver,
            predicted,
            agrees: semver == predicted,
            package: package.as_ref().map(|p| p.0.clone()),
            version: package.map(|p| p.1),
            next_version: next,
            bump: words,
            changes,
            semver_checks: None,
            semver_checks_skipped: None,
            notes: Vec::new(),
        }
    }

    /// The items that force the bump.
    pub fn forcing(&self) -> Vec<&ApiChange> {
        let need = self.semver;
        self.changes
            .iter()
            .filter(|c| c.semver == need && need != Bump::Patch)
            .collect()
    }

    /// The headline: bump, version, and the items that force it.
    pub fn headline(&self) -> String {
        const SHOWN: usize = 8;
        let crate_name = self.package.as_deref().unwrap_or("the SDK crate");
        let versions = match (&self.version, &self.next_version) {
            (Some(a), Some(b)) => format!(" — {a} → {b}"),
            _ => String::new(),
        };
        let mut s = format!(
            "**Version bump for `{crate_name}`: {}{versions}.**",
            self.bump
        );
        let forcing = self.forcing();
        if !forcing.is_empty() {
            let list: Vec<String> = forcing
                .iter()
                .take(SHOWN)
                .map(|c| format!("`{}` ({} {})", c.item, c.kind, c.change))
                .collect();
            s.push_str(&format!(" Forced by: {}", list.join(", ")));
            if forcing.len() > SHOWN {
                s.push_str(&format!(" and {} more", forcing.len() - SHOWN));
            }
            s.push('.');
        }
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = format!(
            "Rust API ({}: {} items before, {} after): {}\n",
            self.method,
            self.items_before,
            self.items_after,
            self.headline()
        );
        if self.agrees {
            s.push_str(&format!(
                "The spec-level prediction ({}) agrees.\n",
                self.predicted.as_str()
            ));
        } else {
            s.push_str(&format!(
                "**The spec-level prediction ({}) disagrees with the measured API ({}): review the rule table.**\n",
                self.predicted.as_str(),
                self.semver.as_str()
            ));
        }
        match (&self.semver_checks, &self.semver_checks_skipped) {
            (Some(c), _) => s.push_str(&format!(
                "cargo semver-checks ({}): {}{}.\n",
                c.version,
                c.summary,
                if c.lints.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.lints.join(", "))
                }
            )),
            (None, Some(why)) => s.push_str(&format!("cargo semver-checks: not run ({why}).\n")),
            _ => {}
        }
        for n in &self.notes {
            s.push_str(&format!("{n}\n"));
        }
        const ROWS: usize = 40;
        if !self.changes.is_empty() {
            s.push_str("\n| item | kind | change | semver | detail |\n|---|---|---|---|---|\n");
            let mut sorted: Vec<&ApiChange> = self.changes.iter().collect();
            sorted.sort_by(|a, b| b.semver.cmp(&a.semver).then_with(|| a.item.cmp(&b.item)));
            let rest = sorted.get(ROWS).map(|c| (sorted.len() - ROWS, c.semver));
            for c in sorted.into_iter().take(ROWS) {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    c.item,
                    c.kind,
                    c.change,
                    c.semver.as_str(),
                    c.detail.replace('|', "\\|")
                ));
            }
            if let Some((n, most)) = rest {
                s.push_str(&format!(
                    "| … | | | | {n} more item change(s), none above {} (all of them: `cargo xtask diff OLD NEW --rust-api --format json`) |\n",
                    most.as_str()
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(mod_rs: &str, client: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("mod.rs".to_owned(), mod_rs.to_owned()),
            ("client.rs".to_owned(), client.to_owned()),
        ])
    }

    const MOD: &str =
        "mod client; pub use client::*; pub mod enums { #[non_exhaustive] pub enum E { A, B } }";

    #[test]
    fn fields_of_exhaustive_and_non_exhaustive_structs() {
        let old = listing(&files(MOD, "pub mod types { pub struct M { pub a: u8 } #[non_exhaustive] pub struct N { pub a: u8 } }")).unwrap();
        let new = listing(&files(MOD, "pub mod types { pub struct M { pub a: u8, pub b: u8 } #[non_exhaustive] pub struct N { pub a: u8, pub b: u8 } }")).unwrap();
        let changes = compare(&old, &new);
        let of = |item: &str| changes.iter().find(|c| c.item == item).unwrap().semver;
        assert_eq!(of("generated::types::M::b"), Bump::Major);
        assert_eq!(of("generated::types::N::b"), Bump::Minor);
        assert!(!old.models_non_exhaustive());
    }

    #[test]
    fn builder_inputs_and_statuses_are_facts() {
        let client = |req: &str, arms: &str| {
            format!(
                "pub mod builder {{ pub struct B {{ x: Result<u8, String> }}
                 impl B {{ pub fn new() -> Self {{ Self {{ x: {req} }} }}
                 pub async fn send(self) -> Result<(), ()> {{ match response.status().as_u16() {{ {arms} _ => Err(()) }} }} }} }}"
            )
        };
        let old = listing(&files(MOD, &client("Ok(0)", "204u16 => Ok(()),"))).unwrap();
        let new = listing(&files(
            MOD,
            &client("Err(String::new())", "202u16 => Ok(()),"),
        ))
        .unwrap();
        let changes = compare(&old, &new);
        assert_eq!(bump(&changes), Bump::Major);
        let items: Vec<&str> = changes.iter().map(|c| c.item.as_str()).collect();
        assert!(items.contains(&"generated::builder::B::x"), "{items:?}");
        assert!(
            items.contains(&"generated::builder::B::send status 204u16"),
            "{items:?}"
        );
    }

    #[test]
    fn versions_in_cargo_terms() {
        assert_eq!(
            bump_words(Bump::Major, Some("0.1.0")),
            (
                "minor (0.x: breaking; a major bump from 1.0 on)".to_owned(),
                Some("0.2.0".to_owned())
            )
        );
        assert_eq!(
            bump_words(Bump::Minor, Some("0.1.0")).1.as_deref(),
            Some("0.1.1")
        );
        assert_eq!(
            bump_words(Bump::Major, Some("1.2.3")).1.as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            bump_words(Bump::Minor, Some("1.2.3")).1.as_deref(),
            Some("1.3.0")
        );
    }

    #[test]
    fn semver_checks_output() {
        let out = "     Summary semver requires new major version: 2 major and 0 minor checks failed\n--- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---\n--- failure enum_variant_missing: x ---\n";
        let c = parse_semver_checks("cargo-semver-checks 0.51.0", out).unwrap();
        assert_eq!(c.bump, Bump::Major);
        assert_eq!(
            c.lints,
            ["struct_pub_field_missing", "enum_variant_missing"]
        );
        let ok = parse_semver_checks("v", "     Summary no semver update required").unwrap();
        assert_eq!(ok.bump, Bump::Patch);
    }
}
