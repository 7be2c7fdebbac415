//! Stage 3, code generation: facts about the models that code outside the
//! generated client would otherwise keep by hand, written to `models.rs`:
//!
//! - every model's properties by wire name, grouped by the kind of value
//!   (`types::X::PROPERTIES`, and `ALL` listing them), read from the
//!   normalised description: what `$select` and `$filter` may name;
//! - which response types are pages of a list, with their item type
//!   (`CollectionResponse`), read from the operations marked
//!   `x-ms-pageable` and the response types progenitor gave them;
//! - the names of every model progenitor emitted in `types`, for the
//!   crate-root re-exports that `mod.rs` writes.
//!
//! Reads progenitor's parsed output and the description; tokens only, no
//! files.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use super::operations::OperationRow;
use crate::spec::idioms::{is_string_enum, referenced_component};

/// The items of progenitor's `pub mod types`.
fn types_items(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

/// The public types progenitor emitted in `types` (models and response
/// types; not its `builder`, `defaults` and `error` modules), in file order.
pub fn model_names(file: &syn::File) -> Vec<String> {
    types_items(file)
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                Some(s.ident.to_string())
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                Some(e.ident.to_string())
            }
            syn::Item::Type(t) if matches!(t.vis, syn::Visibility::Public(_)) => {
                Some(t.ident.to_string())
            }
            _ => None,
        })
        .collect()
}

/// What a property holds, as far as the lists of [`ModelSpec`] care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A string that is compared as one (not a timestamp or duration).
    String,
    /// An open enum.
    Enum,
    /// Anything else: booleans, numbers, timestamps, complex values, unions.
    Other,
}

#[derive(Debug, Clone)]
pub struct PropertySpec {
    pub wire: String,
    pub kind: ValueKind,
    pub collection: bool,
    pub navigation: bool,
}

/// One model's properties.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Component key, e.g. `microsoft.graph.teamsAdministration.numberAssignment`.
    pub component: String,
    pub rust_name: String,
    pub properties: Vec<PropertySpec>,
}

fn kind_of(doc: &Value, schema: &Value, depth: usize) -> ValueKind {
    if depth > 16 {
        return ValueKind::Other;
    }
    if let Some(component) = referenced_component(schema) {
        let target = doc.pointer(&format!(
            "/components/schemas/{}",
            crate::spec::pointer_segment(component)
        ));
        return match target {
            Some(t) if is_string_enum(t) => ValueKind::Enum,
            Some(t) => kind_of(doc, t, depth + 1),
            None => ValueKind::Other,
        };
    }
    let is_string = schema.get("type").and_then(Value::as_str) == Some("string");
    let format = schema.get("format").and_then(Value::as_str);
    if is_string && schema.get("enum").is_some() {
        ValueKind::Enum
    } else if is_string && !matches!(format, Some("date-time" | "date" | "time" | "duration")) {
        ValueKind::String
    } else {
        ValueKind::Other
    }
}

/// Every component of the normalised description that progenitor turned into
/// a model in `types` (enums and action bodies are ours and left out), in
/// document order. Annotations (`@odata.type`, `@odata.nextLink`, …) are not
/// properties.
pub fn model_specs(
    doc: &Value,
    type_names: &std::collections::BTreeMap<String, String>,
    emitted: &[String],
) -> Vec<ModelSpec> {
    let emitted: BTreeSet<&str> = emitted.iter().map(String::as_str).collect();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, schema) in schemas {
        let Some(rust_name) = type_names.get(key) else {
            continue; // a hoisted action body
        };
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        if is_string_enum(schema) || !emitted.contains(rust_name.as_str()) {
            continue;
        }
        let properties = props
            .iter()
            .filter(|(wire, _)| !wire.starts_with('@'))
            .map(|(wire, prop)| {
                let items = (prop.get("type").and_then(Value::as_str) == Some("array"))
                    .then(|| prop.get("items"))
                    .flatten();
                PropertySpec {
                    wire: wire.clone(),
                    kind: kind_of(doc, items.unwrap_or(prop), 0),
                    collection: items.is_some(),
                    navigation: prop.get("x-ms-navigationProperty") == Some(&Value::Bool(true)),
                }
            })
            .collect();
        out.push(ModelSpec {
            component: key.clone(),
            rust_name: rust_name.clone(),
            properties,
        });
    }
    out
}

/// A response type that is a page of a list.
#[derive(Debug, Clone)]
pub struct PageSpec {
    /// The operations that answer with it.
    pub operations: Vec<String>,
    /// Its name in `types`.
    pub rust_name: String,
    /// The item type, with paths that work from a sibling of `types`.
    pub item: syn::Type,
    /// `value` is `Option<Vec<_>>` (else a plain `Vec<_>`).
    pub value_optional: bool,
    pub has_next_link: bool,
    /// `@odata.count`'s field, if there is one; `true` when it is `Option<i64>`.
    pub count: Option<bool>,
}

/// Operation id → the `T` of `ResponseValue<types::T>` its builder's `send`
/// returns, read from progenitor's `pub mod builder`.
fn response_types(file: &syn::File) -> Vec<(String, String)> {
    struct OpId(Option<String>);
    impl<'a> Visit<'a> for OpId {
        fn visit_expr_struct(&mut self, e: &'a syn::ExprStruct) {
            if e.path.is_ident("OperationInfo") {
                for f in &e.fields {
                    if let syn::Member::Named(n) = &f.member
                        && n == "operation_id"
                        && let syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) = &f.expr
                    {
                        self.0 = Some(s.value());
                    }
                }
            }
            syn::visit::visit_expr_struct(self, e);
        }
    }
    struct ResponseType(Option<String>);
    impl<'a> Visit<'a> for ResponseType {
        fn visit_path_segment(&mut self, seg: &'a syn::PathSegment) {
            if self.0.is_none()
                && seg.ident == "ResponseValue"
                && let syn::PathArguments::AngleBracketed(args) = &seg.arguments
                && let Some(syn::GenericArgument::Type(syn::Type::Path(p))) = args.args.first()
                && p.path.segments.len() == 2
                && p.path.segments[0].ident == "types"
            {
                self.0 = Some(p.path.segments[1].ident.to_string());
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    let mut out = Vec::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        for item in m.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Impl(imp) = item else { continue };
            for ii in &imp.items {
                let syn::ImplItem::Fn(f) = ii else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let mut id = OpId(None);
                id.visit_block(&f.block);
                let mut ty = ResponseType(None);
                ty.visit_return_type(&f.sig.output);
                if let (Some(id), Some(ty)) = (id.0, ty.0) {
                    out.push((id, ty));
                }
            }
        }
    }
    out
}

/// `Option<X>` → `X`; `Vec<X>` → `X` (by the last path segment).
fn unwrap_generic<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// Rewrites paths that name a type of `types` relatively (`NumberAssignment`,
/// as written inside that module) to `super::types::NumberAssignment`.
fn qualify(ty: &syn::Type, names: &BTreeSet<String>) -> syn::Type {
    struct Q<'a>(&'a BTreeSet<String>);
    impl VisitMut for Q<'_> {
        fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
            if tp.qself.is_none()
                && tp.path.leading_colon.is_none()
                && tp
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| self.0.contains(&s.ident.to_string()))
            {
                let rest = &tp.path;
                tp.path = syn::parse_quote!(super::types::#rest);
            }
            syn::visit_mut::visit_type_path_mut(self, tp);
        }
    }
    let mut ty = ty.clone();
    Q(names).visit_type_mut(&mut ty);
    ty
}

/// The response types of the operations marked `x-ms-pageable`, one entry per
/// type (in the order of the first operation that uses it). `name` names the
/// description in errors.
pub fn page_specs(name: &str, file: &syn::File, rows: &[OperationRow]) -> Result<Vec<PageSpec>> {
    let responses = response_types(file);
    let names: BTreeSet<String> = model_names(file).into_iter().collect();
    let mut out: Vec<PageSpec> = Vec::new();
    for row in rows.iter().filter(|r| r.pageable) {
        let Some((_, rust_name)) = responses.iter().find(|(id, _)| *id == row.operation_id) else {
            bail!(
                "{name}: operation `{}` is marked x-ms-pageable but does not answer with a JSON model",
                row.operation_id
            );
        };
        if let Some(existing) = out.iter_mut().find(|p| p.rust_name == *rust_name) {
            existing.operations.push(row.operation_id.clone());
            continue;
        }
        let fields = types_items(file).iter().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == rust_name => match &s.fields {
                syn::Fields::Named(f) => Some(&f.named),
                _ => None,
            },
            _ => None,
        });
        let field = |n: &str| {
            fields
                .into_iter()
                .flatten()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == n))
        };
        let value = field("value").map(|f| &f.ty);
        let (item, value_optional) = match value {
            Some(ty) => match unwrap_generic(ty, "Option").and_then(|t| unwrap_generic(t, "Vec")) {
                Some(item) => (item, true),
                None => match unwrap_generic(ty, "Vec") {
                    Some(item) => (item, false),
                    None => bail!(
                        "{name}: `{rust_name}` (the answer of x-ms-pageable `{}`) has a `value` that is not an array",
                        row.operation_id
                    ),
                },
            },
            None => bail!(
                "{name}: `{rust_name}` (the answer of x-ms-pageable `{}`) has no `value` array",
                row.operation_id
            ),
        };
        let count = field("odata_count").map(|f| {
            unwrap_generic(&f.ty, "Option").is_some_and(|t| quote!(#t).to_string() == "i64")
        });
        out.push(PageSpec {
            operations: vec![row.operation_id.clone()],
            rust_name: rust_name.clone(),
            item: qualify(item, &names),
            value_optional,
            has_next_link: field("odata_next_link").is_some(),
            count,
        });
    }
    Ok(out)
}

fn str_list<'a>(items: impl Iterator<Item = &'a PropertySpec>) -> TokenStream {
    let names = items.map(|p| p.wire.as_str());
    quote!(&[#(#names),*])
}

impl ModelSpec {
    fn tokens(&self) -> TokenStream {
        let name = format_ident!("{}", self.rust_name);
        let component = &self.component;
        let structural = || self.properties.iter().filter(|p| !p.navigation);
        let all = str_list(structural());
        let navigation = str_list(self.properties.iter().filter(|p| p.navigation));
        let strings =
            str_list(structural().filter(|p| !p.collection && p.kind == ValueKind::String));
        let enums = str_list(structural().filter(|p| !p.collection && p.kind == ValueKind::Enum));
        let collections =
            str_list(structural().filter(|p| p.collection && p.kind != ValueKind::Other));
        let others = str_list(structural().filter(|p| p.kind == ValueKind::Other));
        let doc = super::tokens::doc(&format!(
            "The properties of `{component}`, by wire name (see [`ModelProperties`])."
        ));
        quote! {
            impl super::types::#name {
                #doc
                pub const PROPERTIES: ModelProperties = ModelProperties {
                    type_name: #component,
                    structural: #all,
                    navigation: #navigation,
                    strings: #strings,
                    enums: #enums,
                    primitive_collections: #collections,
                    others: #others,
                };
            }
        }
    }
}

impl PageSpec {
    fn tokens(&self) -> TokenStream {
        let name = format_ident!("{}", self.rust_name);
        let item = &self.item;
        let value = if self.value_optional {
            quote!(self.value)
        } else {
            quote!(Some(self.value))
        };
        let next_link = if self.has_next_link {
            quote!(self.odata_next_link)
        } else {
            quote!(None)
        };
        let count = match self.count {
            Some(true) => quote!(self.odata_count),
            Some(false) => quote!(self.odata_count.map(::std::convert::Into::into)),
            None => quote!(None),
        };
        let doc = super::tokens::doc(&format!(
            "The answer of {}.",
            self.operations
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        quote! {
            #doc
            impl CollectionResponse for super::types::#name {
                type Item = #item;
                fn into_parts(self) -> (Option<Vec<Self::Item>>, Option<String>, Option<i64>) {
                    (#value, #next_link, #count)
                }
            }
        }
    }
}

/// The whole `models.rs` module body.
pub fn module(models: &[ModelSpec], pages: &[PageSpec]) -> TokenStream {
    let model_items = models.iter().map(ModelSpec::tokens);
    let page_items = pages.iter().map(PageSpec::tokens);
    let all = models.iter().map(|m| {
        let name = format_ident!("{}", m.rust_name);
        let rust_name = &m.rust_name;
        quote! { (#rust_name, &super::types::#name::PROPERTIES), }
    });
    quote! {
        /// A model's properties by wire name, grouped by what they hold: what
        /// `$select` and `$filter` may name. Annotations (`@odata.type`,
        /// `@odata.nextLink`, …) are not properties.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct ModelProperties {
            /// The description's name of the type (its component key),
            /// e.g. `microsoft.graph.entity`.
            pub type_name: &'static str,
            /// Every structural (non-navigation) property, base type's first,
            /// in the description's order.
            pub structural: &'static [&'static str],
            /// Navigation properties (`x-ms-navigationProperty`).
            pub navigation: &'static [&'static str],
            /// Structural properties holding a string (not a timestamp,
            /// date, time or duration).
            pub strings: &'static [&'static str],
            /// Structural properties holding an open enum.
            pub enums: &'static [&'static str],
            /// Structural collections of strings or open enums.
            pub primitive_collections: &'static [&'static str],
            /// The other structural properties: booleans, numbers,
            /// timestamps, complex values, and collections of those.
            pub others: &'static [&'static str],
        }

        /// Every model with properties, by Rust name, in the description's order.
        pub const ALL: &[(&str, &ModelProperties)] = &[#(#all)*];

        #(#model_items)*

        /// A page of a list: the response type of an operation marked
        /// `x-ms-pageable` (its `value`, `@odata.nextLink` and
        /// `@odata.count`).
        pub trait CollectionResponse {
            /// What the list holds.
            type Item;
            /// The items (`None` when the answer had no `value`), the
            /// nextLink and the count.
            fn into_parts(self) -> (Option<Vec<Self::Item>>, Option<String>, Option<i64>);
        }

        #(#page_items)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> OperationRow {
        OperationRow {
            operation_id: id.into(),
            method: "GET".into(),
            path: "/x".into(),
            kind: "operation".into(),
            long_running: false,
            pageable: true,
            summary: None,
        }
    }

    fn client(page: syn::Item) -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Item { pub id: Option<String> }
                #page
            }
            pub mod builder {
                impl<'a> ListItems<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Page>, Error<types::ODataError>> {
                        let info = OperationInfo { operation_id: "list_items" };
                        todo!()
                    }
                }
            }
        }
    }

    #[test]
    fn pages_come_from_pageable_operations_and_their_response_types() {
        let file = client(syn::parse_quote! {
            pub struct Page {
                pub odata_next_link: Option<String>,
                pub value: Option<Vec<Item>>,
            }
        });
        let pages = page_specs("t.yaml", &file, &[row("list_items")]).unwrap();
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        assert_eq!(page.rust_name, "Page");
        let item = &page.item;
        assert_eq!(quote!(#item).to_string(), "super :: types :: Item");
        assert!(page.value_optional && page.has_next_link && page.count.is_none());
        let tokens = page.tokens().to_string();
        assert!(
            tokens.contains("(self . value , self . odata_next_link , None)"),
            "{tokens}"
        );
    }

    #[test]
    fn a_pageable_answer_without_value_is_an_error() {
        let file = client(syn::parse_quote! {
            pub struct Page { pub odata_next_link: Option<String> }
        });
        let err = page_specs("t.yaml", &file, &[row("list_items")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.yaml") && err.contains("list_items") && err.contains("no `value`"),
            "{err}"
        );
        let err = page_specs("t.yaml", &file, &[row("list_others")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("list_others"), "{err}");
    }
}
