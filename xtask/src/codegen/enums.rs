//! Stage 3, code generation: open (forward-compatible) enums for every Graph
//! enum component.
//!
//! typify's enums are closed: a member the service adds later fails the whole
//! response. We generate these instead and hand them to typify through
//! `with_replacement`, so every use (plain, `Option`, `Vec`) refers to them.
//! Each implements the generated `OpenEnum` trait, and `ALL` lists them, so
//! code that handles every enum (`$filter` literals, summaries) needs no
//! list of its own. `==` and `Hash` go by wire name: a catch-all holding a
//! known member's name is that member. [`module`] writes `enums.rs`; tokens
//! only, no files.

use anyhow::{Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::names;
use super::tokens;

/// The catch-all variant that carries a member this SDK does not know.
pub const CATCH_ALL: &str = "UnknownValue";

/// One enum to generate.
#[derive(Debug, Clone)]
pub struct EnumSpec {
    /// Component key, e.g. `microsoft.graph.teamsAdministration.numberType`.
    pub component: String,
    /// Rust type name, e.g. `NumberType`.
    pub rust_name: String,
    pub description: Option<String>,
    /// Wire names in declaration order.
    pub members: Vec<String>,
}

impl EnumSpec {
    pub fn from_schema(component: &str, rust_name: &str, schema: &Value) -> Result<Self> {
        let members: Vec<String> = schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let mut seen = std::collections::BTreeMap::new();
        for m in &members {
            if let Some(prev) = seen.insert(names::variant(m), m.clone()) {
                bail!(
                    "enum {component}: members `{prev}` and `{m}` map to the same Rust variant `{}`",
                    names::variant(m)
                );
            }
        }
        Ok(EnumSpec {
            component: component.to_owned(),
            rust_name: rust_name.to_owned(),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            members,
        })
    }

    fn variant_ident(&self, member: &str) -> proc_macro2::Ident {
        let v = names::variant(member);
        if v == CATCH_ALL {
            format_ident!("{}Member", v)
        } else {
            format_ident!("{}", v)
        }
    }

    pub fn tokens(&self) -> TokenStream {
        let name = format_ident!("{}", self.rust_name);
        let catch_all = format_ident!("{}", CATCH_ALL);
        let sentinel = self.members.iter().position(|m| m == "unknownFutureValue");
        let mut doc = format!("`{}`", self.component);
        if let Some(d) = &self.description {
            doc.push_str(": ");
            doc.push_str(d.trim());
        }
        doc.push_str(
            "\n\nAn open enum: a member the service adds after this SDK was generated \
             deserializes to [`Self::",
        );
        doc.push_str(CATCH_ALL);
        doc.push_str(
            "`] with its wire name instead of failing, and serializes back unchanged. \
             Match with a wildcard arm.",
        );
        let variants = self.members.iter().enumerate().map(|(i, m)| {
            let ident = self.variant_ident(m);
            let vdoc = match sentinel {
                Some(s) if i == s => format!(
                    "`{m}`: Graph's sentinel. The service sends it in place of members added \
                     after it unless the request carries `Prefer: include-unknown-enum-members`."
                ),
                Some(s) if i > s => format!(
                    "`{m}`: an evolvable member; sent only to clients that ask for it with \
                     `Prefer: include-unknown-enum-members`."
                ),
                _ => format!("`{m}`"),
            };
            let vdoc_attr = tokens::doc(&vdoc);
            quote! { #vdoc_attr #ident, }
        });
        let as_str_arms = self.members.iter().map(|m| {
            let ident = self.variant_ident(m);
            quote! { Self::#ident => #m, }
        });
        let from_arms = self.members.iter().map(|m| {
            let ident = self.variant_ident(m);
            quote! { #m => Self::#ident, }
        });
        let known_values = self.members.iter().map(|m| {
            let ident = self.variant_ident(m);
            quote! { Self::#ident, }
        });
        let count = self.members.len();
        let members = &self.members;
        let rust_name = &self.rust_name;
        let component = &self.component;
        let catch_all_doc_attr = tokens::doc(
            "A member this version of the SDK does not know, with its exact wire name.",
        );
        let doc_attr = tokens::doc(&doc);
        quote! {
            #doc_attr
            #[derive(Clone, Debug, Eq)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                #catch_all_doc_attr
                #catch_all(String),
            }

            impl #name {
                /// Every member this SDK knows, in the service's declaration order.
                pub const KNOWN: [Self; #count] = [#(#known_values)*];

                /// The wire name.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#as_str_arms)*
                        Self::#catch_all(raw) => raw.as_str(),
                    }
                }

                /// True unless this is a member the SDK does not know (by
                /// wire name, like `==`).
                pub fn is_known(&self) -> bool {
                    match self {
                        Self::#catch_all(raw) => <Self as OpenEnum>::KNOWN_NAMES.contains(&raw.as_str()),
                        _ => true,
                    }
                }
            }

            impl OpenEnum for #name {
                const NAME: &'static str = #rust_name;
                const COMPONENT: &'static str = #component;
                const KNOWN_NAMES: &'static [&'static str] = &[#(#members),*];
                fn as_str(&self) -> &str {
                    #name::as_str(self)
                }
                fn is_known(&self) -> bool {
                    #name::is_known(self)
                }
            }

            /// Compares wire names: [`Self::UnknownValue`] holding a known
            /// member's name equals that member.
            impl PartialEq for #name {
                fn eq(&self, other: &Self) -> bool {
                    self.as_str() == other.as_str()
                }
            }

            /// Hashes the wire name, consistently with [`PartialEq`].
            impl ::std::hash::Hash for #name {
                fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                    self.as_str().hash(state)
                }
            }

            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#from_arms)*
                        other => Self::#catch_all(other.to_owned()),
                    }
                }
            }

            impl From<String> for #name {
                fn from(value: String) -> Self {
                    match Self::from(value.as_str()) {
                        Self::#catch_all(_) => Self::#catch_all(value),
                        known => known,
                    }
                }
            }

            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }

            impl AsRef<str> for #name {
                fn as_ref(&self) -> &str {
                    self.as_str()
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    struct Visitor;
                    impl ::serde::de::Visitor<'_> for Visitor {
                        type Value = #name;
                        fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            f.write_str("a string")
                        }
                        fn visit_str<E: ::serde::de::Error>(self, value: &str) -> Result<#name, E> {
                            Ok(#name::from(value))
                        }
                        fn visit_string<E: ::serde::de::Error>(self, value: String) -> Result<#name, E> {
                            Ok(#name::from(value))
                        }
                    }
                    deserializer.deserialize_str(Visitor)
                }
            }
        }
    }
}

/// What every generated enum implements, and the list of them: what code
/// that handles "any open enum" (`$filter` literals, summaries) builds on
/// instead of a hand-kept list.
fn support_tokens(specs: &[EnumSpec]) -> TokenStream {
    let all = specs.iter().map(|e| {
        let name = format_ident!("{}", e.rust_name);
        let rust_name = &e.rust_name;
        quote! { (#rust_name, <#name as OpenEnum>::KNOWN_NAMES), }
    });
    quote! {
        /// Implemented by every open enum of this module: the wire name of a
        /// value and the members the SDK knows, for code that handles any
        /// open enum (`$filter` literals, summaries) without a list of them.
        pub trait OpenEnum
        where
            Self: Clone + ::std::fmt::Debug + ::std::fmt::Display + Eq + ::std::hash::Hash,
            Self: AsRef<str> + From<String> + for<'a> From<&'a str>,
            Self: ::serde::Serialize + ::serde::de::DeserializeOwned,
        {
            /// The Rust type name.
            const NAME: &'static str;
            /// The description's name for the enum (its component key).
            const COMPONENT: &'static str;
            /// Wire names of every member the SDK knows, in the service's
            /// declaration order.
            const KNOWN_NAMES: &'static [&'static str];
            /// The wire name.
            fn as_str(&self) -> &str;
            /// True unless this is a member the SDK does not know.
            fn is_known(&self) -> bool;
        }

        /// Every open enum of this module, by Rust name, with the wire names
        /// of the members it knows.
        pub const ALL: &[(&str, &[&str])] = &[#(#all)*];
    }
}

/// The whole `enums.rs` module body.
pub fn module(specs: &[EnumSpec]) -> TokenStream {
    let support = support_tokens(specs);
    let items = specs.iter().map(EnumSpec::tokens);
    quote! {
        #support
        #(#items)*
    }
}
