//! Corrections to progenitor's output that are easier on the syntax tree
//! than in the input description.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
