//! Stage 3, code generation: corrections to progenitor's output that are
//! easier on the syntax tree than in the input description (not to be
//! confused with typify's `TypePatch`, which renames types before
//! generation; see `codegen::generate_prepared`).
//!
//! Each function rewrites the parsed `client.rs` in place and says why;
//! nothing else in the crate is used, and no files are touched.

use syn::visit_mut::VisitMut;

/// Name of the flattened map typify adds for `additionalProperties` (our
/// open models): it keeps unknown fields and `@odata.*` annotations.
const EXTRA: &str = "extra";

/// typify's struct builders treat the flattened `extra` map as a required
/// field with no default, so `Model::builder()…try_into()` always failed
/// with "no value supplied for extra". An empty map is the right default:
/// a model built by hand has no unknown fields.
pub fn default_extra_in_builders(file: &mut syn::File) {
    struct Fix;
    impl VisitMut for Fix {
        fn visit_field_value_mut(&mut self, fv: &mut syn::FieldValue) {
            if let syn::Member::Named(name) = &fv.member
                && name == EXTRA
                && let syn::Expr::Call(call) = &fv.expr
                && let syn::Expr::Path(p) = call.func.as_ref()
                && p.path.is_ident("Err")
            {
                fv.expr = syn::parse_quote!(Ok(Default::default()));
            }
            syn::visit_mut::visit_field_value_mut(self, fv);
        }
    }
    Fix.visit_file_mut(file);
}

/// progenitor sends `api-version: <info.version>` with every request (a
/// Dropshot convention). Graph has no such header, and building, merging
/// and then removing it costs every call: drop the statement that adds it,
/// and the capacity reserved for it.
pub fn drop_api_version_header(file: &mut syn::File) {
    fn adds_api_version(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
            return false;
        };
        call.method == "append"
            && call.args.first().is_some_and(|arg| {
                quote::quote!(#arg)
                    .to_string()
                    .contains("from_static (\"api-version\")")
            })
    }
    struct Fix;
    impl VisitMut for Fix {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|s| !adds_api_version(s));
            if block.stmts.len() < before {
                // `HeaderMap::with_capacity(n)` counted the removed header.
                for stmt in &mut block.stmts {
                    if let syn::Stmt::Local(local) = stmt
                        && let Some(init) = &mut local.init
                        && let syn::Expr::Call(call) = init.expr.as_mut()
                        && quote::quote!(#call)
                            .to_string()
                            .contains("HeaderMap :: with_capacity")
                        && let Some(syn::Expr::Lit(lit)) = call.args.first_mut()
                        && let syn::Lit::Int(n) = &lit.lit
                        && let Ok(v) = n.base10_parse::<usize>()
                    {
                        let fewer = v.saturating_sub(1);
                        lit.lit =
                            syn::Lit::Int(syn::LitInt::new(&format!("{fewer}usize"), n.span()));
                    }
                }
            }
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
    Fix.visit_file_mut(file);
}

/// `ResponseValue::empty(response)` (the success of an operation without a
/// body) clones the response's headers and then drops the response. Move
/// them out instead: the same value, one header map less per call.
pub fn move_headers_into_empty_responses(file: &mut syn::File) {
    struct Fix;
    impl VisitMut for Fix {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            if let syn::Expr::Call(call) = expr
                && let syn::Expr::Path(p) = call.func.as_ref()
                && p.path.segments.len() == 2
                && p.path.segments[0].ident == "ResponseValue"
                && p.path.segments[1].ident == "empty"
                && call.args.len() == 1
            {
                let arg = &call.args[0];
                *expr = syn::parse_quote!({
                    let mut response = #arg;
                    let status = response.status();
                    let headers = ::std::mem::take(response.headers_mut());
                    ResponseValue::new((), status, headers)
                });
                return;
            }
            syn::visit_mut::visit_expr_mut(self, expr);
        }
    }
    Fix.visit_file_mut(file);
}

/// The items of the `types` module.
fn types_items_mut(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, i)| i),
        _ => None,
    })
}

/// Models are `#[non_exhaustive]`: a property the service adds is a new
/// field, and that must not break code outside the crate that builds models.
/// Such code uses `Default` (see [`model_defaults`]) or the builders. Only
/// structs with named fields: newtypes keep their `From` conversions.
pub fn non_exhaustive_models(file: &mut syn::File) {
    let Some(items) = types_items_mut(file) else {
        return;
    };
    for item in items {
        if let syn::Item::Struct(s) = item
            && matches!(s.fields, syn::Fields::Named(_))
            && !s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
        {
            s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }
}

/// `Default` for every model whose builder has a default for every field
/// (every field optional, or with the description's default, such as
/// `@odata.type`): the builder's defaults, so `Model::default()` and
/// `Model::builder().try_into()` agree. With [`non_exhaustive_models`] this
/// is how code outside the crate writes `let mut m = Model::default();
/// m.field = Some(..);`. Models with a required field have only the builder.
pub fn model_defaults(file: &mut syn::File) {
    /// `super::x` inside `types::builder` is `x` inside `types`.
    struct Unsuper;
    impl VisitMut for Unsuper {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            if path.leading_colon.is_none()
                && path.segments.len() > 1
                && path.segments[0].ident == "super"
            {
                path.segments = path.segments.iter().skip(1).cloned().collect();
            }
            syn::visit_mut::visit_path_mut(self, path);
        }
    }
    let Some(items) = types_items_mut(file) else {
        return;
    };
    let builder_items = items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, i)| i),
        _ => None,
    });
    let mut defaults: Vec<(syn::Ident, Vec<syn::FieldValue>)> = Vec::new();
    for item in builder_items.into_iter().flatten() {
        let syn::Item::Impl(imp) = item else { continue };
        let Some((trait_path, _)) = &imp.trait_ else {
            continue;
        };
        if trait_path
            .segments
            .last()
            .is_none_or(|s| s.ident != "Default")
        {
            continue;
        }
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(ident) = self_ty.path.get_ident() else {
            continue;
        };
        let Some(syn::ImplItem::Fn(f)) = imp.items.first() else {
            continue;
        };
        let Some(syn::Stmt::Expr(syn::Expr::Struct(lit), None)) = f.block.stmts.first() else {
            continue;
        };
        let mut fields = Vec::new();
        for fv in &lit.fields {
            let syn::Expr::Call(call) = &fv.expr else {
                break;
            };
            let syn::Expr::Path(p) = call.func.as_ref() else {
                break;
            };
            if !p.path.is_ident("Ok") || call.args.len() != 1 {
                break;
            }
            let mut value = call.args[0].clone();
            Unsuper.visit_expr_mut(&mut value);
            let mut fv = fv.clone();
            fv.expr = value;
            fields.push(fv);
        }
        if fields.len() == lit.fields.len() {
            defaults.push((ident.clone(), fields));
        }
    }
    for (ident, fields) in defaults {
        let is_model = |item: &syn::Item| matches!(item, syn::Item::Struct(s) if s.ident == ident && matches!(s.fields, syn::Fields::Named(_)));
        let Some(at) = items.iter().position(is_model) else {
            continue;
        };
        // After the struct and its inherent `impl` (the `builder()` function).
        let after = items[at + 1..]
            .iter()
            .take_while(|item| {
                matches!(item, syn::Item::Impl(imp) if imp.trait_.is_none()
                    && matches!(imp.self_ty.as_ref(), syn::Type::Path(p) if p.path.is_ident(&ident)))
            })
            .count();
        let fields = fields.iter();
        items.insert(
            at + 1 + after,
            syn::parse_quote! {
                impl ::std::default::Default for #ident {
                    fn default() -> Self {
                        Self { #(#fields),* }
                    }
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_header_is_not_built() {
        let mut file: syn::File = syn::parse_quote! {
            fn send() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                if let Some(v) = if_match { header_map.append("If-Match", v.to_string().try_into()?); }
            }
        };
        drop_api_version_header(&mut file);
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("api-version"), "{text}");
        assert!(text.contains("with_capacity (1usize)"), "{text}");
        assert!(text.contains("If-Match"), "{text}");
    }

    #[test]
    fn empty_responses_take_the_headers() {
        let mut file: syn::File = syn::parse_quote! {
            fn f() { match s { 202u16 => Ok(ResponseValue::empty(response)), _ => Err(e) } }
        };
        move_headers_into_empty_responses(&mut file);
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("ResponseValue :: empty"), "{text}");
        assert!(
            text.contains("std :: mem :: take (response . headers_mut ())"),
            "{text}"
        );
    }

    #[test]
    fn only_the_extra_field_gets_a_default() {
        let mut file: syn::File = syn::parse_quote! {
            impl Default for X {
                fn default() -> Self {
                    Self { id: Err("no value supplied for id".to_string()), extra: Err("no value supplied for extra".to_string()) }
                }
            }
        };
        default_extra_in_builders(&mut file);
        let text = quote::quote!(#file).to_string();
        assert!(
            text.contains("id : Err (\"no value supplied for id\""),
            "{text}"
        );
        assert!(
            text.contains("extra : Ok (Default :: default ())"),
            "{text}"
        );
    }

    #[test]
    fn models_are_non_exhaustive_and_default_where_the_builder_is() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Open { pub id: Option<String>, pub odata_type: String }
                impl Open { pub fn builder() -> builder::Open { Default::default() } }
                pub struct Closed { pub code: String }
                pub struct Count(pub i32);
                pub mod builder {
                    impl ::std::default::Default for Open {
                        fn default() -> Self {
                            Self { id: Ok(Default::default()), odata_type: Ok(super::defaults::open_odata_type()) }
                        }
                    }
                    impl ::std::default::Default for Closed {
                        fn default() -> Self {
                            Self { code: Err("no value supplied for code".to_string()) }
                        }
                    }
                }
            }
        };
        non_exhaustive_models(&mut file);
        model_defaults(&mut file);
        let text = quote::quote!(#file).to_string();
        assert_eq!(text.matches("# [non_exhaustive]").count(), 2, "{text}");
        assert!(
            text.contains("# [non_exhaustive] pub struct Open"),
            "{text}"
        );
        assert!(
            text.contains("# [non_exhaustive] pub struct Closed"),
            "{text}"
        );
        assert!(text.contains("pub struct Count (pub i32)"), "{text}");
        // After `impl Open { builder }`, with the builder's defaults.
        assert!(
            text.contains("Default :: default () } } impl :: std :: default :: Default for Open { fn default () -> Self { Self { id : Default :: default () , odata_type : defaults :: open_odata_type () } } }"),
            "{text}"
        );
        assert_eq!(text.matches("Default for Closed").count(), 1, "{text}");
    }
}
