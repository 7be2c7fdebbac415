//! Stage 3, code generation: the operation table, one row per operation
//! with what the hand-written runtime needs to know and progenitor does not
//! tell it (`OperationInfo` carries only the id): is it a long-running
//! action, may it be retried after a transport error, does it page.
//!
//! [`rows`] reads the normalised description
//! (with [`crate::spec::METHODS`]); [`module`] writes `operations.rs`.
//! Tokens only, no files.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::names;
use crate::spec::METHODS;

#[derive(Debug, Clone)]
pub struct OperationRow {
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub kind: String,
    pub long_running: bool,
    pub pageable: bool,
    pub summary: Option<String>,
}

/// Rows for every operation, in document order.
pub fn rows(doc: &Value) -> Vec<OperationRow> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let responses = op.get("responses").and_then(Value::as_object);
            let long_running = responses.is_some_and(|r| {
                r.get("202").is_some_and(|resp| {
                    resp.get("headers")
                        .and_then(Value::as_object)
                        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("location")))
                })
            });
            let kind = op
                .get("x-ms-docs-operation-type")
                .and_then(Value::as_str)
                .unwrap_or("operation")
                .to_owned();
            out.push(OperationRow {
                operation_id: names::snake(id),
                method: method.to_uppercase(),
                path: path.clone(),
                kind,
                long_running,
                pageable: op.get("x-ms-pageable").is_some(),
                summary: op.get("summary").and_then(Value::as_str).map(str::to_owned),
            });
        }
    }
    out
}

/// The whole `operations.rs` module body.
pub fn module(rows: &[OperationRow]) -> TokenStream {
    let lookup = rows.iter().enumerate().map(|(i, r)| {
        let id = &r.operation_id;
        quote! { #id => Some(&OPERATIONS[#i]), }
    });
    let entries = rows.iter().map(|r| {
        let id = &r.operation_id;
        let method = &r.method;
        let path = &r.path;
        let kind = format_ident!(
            "{}",
            match r.kind.as_str() {
                "action" => "Action",
                "function" => "Function",
                _ => "Navigation",
            }
        );
        let long_running = r.long_running;
        let pageable = r.pageable;
        let summary = r.summary.clone().unwrap_or_default();
        quote! {
            OperationMeta {
                operation_id: #id,
                method: #method,
                path: #path,
                kind: OperationKind::#kind,
                long_running: #long_running,
                pageable: #pageable,
                summary: #summary,
            },
        }
    });
    quote! {
        /// What kind of OData operation a row describes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum OperationKind {
            /// Reads or writes along a navigation path (entity, collection, `$count`).
            Navigation,
            /// A bound action (`POST`, has side effects).
            Action,
            /// A bound function (`GET`, no side effects).
            Function,
        }

        /// Facts about one generated operation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct OperationMeta {
            /// The id progenitor reports in `OperationInfo::operation_id`
            /// (also the `Client` method name).
            pub operation_id: &'static str,
            /// HTTP method, upper case.
            pub method: &'static str,
            /// Path template relative to the base URL.
            pub path: &'static str,
            /// Navigation, action or function.
            pub kind: OperationKind,
            /// Answers `202 Accepted` with a `Location` to poll.
            pub long_running: bool,
            /// Lists that page with `@odata.nextLink`.
            pub pageable: bool,
            /// The description's summary line.
            pub summary: &'static str,
        }

        impl OperationMeta {
            /// Whether repeating the request cannot change the outcome
            /// (`GET`, `PUT`, `DELETE`, and functions).
            pub fn is_idempotent(&self) -> bool {
                matches!(self.method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
                    || self.kind == OperationKind::Function
            }
        }

        /// Every operation of the client, in the description's order.
        pub const OPERATIONS: &[OperationMeta] = &[ #(#entries)* ];

        /// Looks up an operation by the id progenitor reports (a `match`: this
        /// runs for every request).
        pub fn operation(operation_id: &str) -> Option<&'static OperationMeta> {
            match operation_id {
                #(#lookup)*
                _ => None,
            }
        }
    }
}
