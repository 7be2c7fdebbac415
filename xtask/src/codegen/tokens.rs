//! Stage 3, code generation: token helpers shared by our generators (enums,
//! bodies, the `mod.rs` header): doc attributes from text. Tokens only;
//! depends on nothing else in the crate.

use proc_macro2::TokenStream;
use quote::quote;

/// Doc attributes for `text`, one per line, each with a leading space so the
/// formatted output reads `/// text` (outer) rather than `///text`.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// Inner doc attributes (`//!`) for a module file.
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#![doc = #l])
    });
    quote!(#(#lines)*)
}
