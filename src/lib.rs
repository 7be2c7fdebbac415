//! Typed Rust client for the Microsoft Graph Teams administration API
//! (`microsoft.graph.teamsAdministration`): telephone numbers (assign,
//! unassign, update, inventory, long-running operations), Teams policy
//! assignment and user configurations.
//!
//! ```no_run
//! use graph_teams_admin::{AssignNumberBody, Client, NumberType};
//!
//! # async fn run() -> graph_teams_admin::Result<()> {
//! let client = Client::builder().token("<bearer token>").build()?;
//! let operation = client
//!     .assign_number(AssignNumberBody::new("+12065550100", "<user object id>", NumberType::DirectRouting))
//!     .await?;
//! let outcome = operation.await?; // polls the 202 Location until it ends
//! println!("{:?}: {:?}", outcome.status, outcome.numbers);
//! # Ok(()) }
//! ```
//!
//! # Crate organization
//!
//! Everything a program needs is at the crate root: the [`Client`] and its
//! builder, the one [`Error`] type, long-running [`Operation`]s, [`Pager`]s,
//! the [`Filter`] builder, and every model, open enum and action body of the
//! API. Two modules are public on purpose:
//! - [`generated`]: what `cargo xtask generate` writes from the spec slice
//!   (never edited by hand): the raw progenitor client (reached through
//!   [`Client::generated`]), the model builders (`generated::types::builder`)
//!   and the operation table (`generated::operations`).
//! - `bulk` (with the `bulk` feature): runs over many rows, whose options,
//!   rows and outcomes are its own vocabulary.
//!
//! The rest of the hand-written runtime is private, one concern per file:
//! the facade and its builder, auth (token cache), the request pipeline,
//! retry rules (a classifier and a schedule), errors, the operation poller,
//! paging, single-entity answers, `$filter`, validation, users by UPN, the
//! TLS transport, and the bridge that adapts progenitor's hooks.
//!
//! # Features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `rustls` | yes | TLS through rustls with the `ring` provider and the platform's certificate verifier |
//! | `rustls-aws-lc` | no | TLS through rustls with `aws-lc-rs` (needs cmake and a C compiler) |
//! | `native-tls` | no | TLS through the platform's library (OpenSSL, Schannel, Security.framework) |
//! | `gzip` | no | asks for gzip-compressed answers (`Accept-Encoding: gzip`) and inflates them, still within the body limit |
//! | `bulk` | no | the `bulk` module: CSV-shaped runs with a shared throttle gate, a resumable journal, dry runs |
//!
//! `gzip` and `bulk` are off by default, as compression is in reqwest: a
//! program that makes typed calls compiles neither the decompressors nor
//! the bulk engine (and its hashing). The `teams-admin` command line turns
//! both on.
//!
//! With no TLS feature the client speaks plain `http` only (the emulator on
//! loopback); the builder refuses an `https` base URL with a clear error.
//! No feature pulls in a server: the emulator is the separate crate
//! `graph-teams-admin-emulator`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
#[allow(missing_docs)]
#[path = "../generated/mod.rs"]
pub mod generated;

mod auth;
mod bridge;
mod client;
mod cloud;
mod entity;
mod error;
mod operation;
mod paging;
mod pipeline;
mod query;
mod retry;
#[cfg(test)]
mod testing;
mod transport;
mod users;
mod validate;

// Bulk runs over CSV-shaped input (throttle gate, journal and resume, dry
// run, user resolution), behind the `bulk` feature; documented in its own
// module docs, whose links resolve there.
#[cfg(feature = "bulk")]
#[cfg_attr(docsrs, doc(cfg(feature = "bulk")))]
pub mod bulk;
#[cfg(feature = "bulk")]
pub use bulk::{Bulk, BulkOptions, BulkRun};

pub use auth::StaticTokenCredential;
pub use client::{Client, ClientBuilder, GRAPH_BETA, GRAPH_V1};
pub use error::{Error, GraphError, OperationFailure, Result};
pub use operation::{
    NumberOutcome, Operation, OperationOutcome, OperationRef, OperationStatus, PollOptions,
};
pub use paging::{Page, Pager};
pub use query::{Filter, FilterText, FilterValue, ListQuery};
pub use retry::RetryPolicy;
pub use users::is_object_id;

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// Every model, open enum and action body, as the generator lists them.
pub use generated::exports::*;
