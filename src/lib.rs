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
//! The crate has two rooms:
//! - [`generated`]: the client, models, open enums and action bodies that
//!   `cargo xtask generate` writes from the spec slice in `specs/`. Never
//!   edited by hand.
//! - the hand-written runtime around it, one concern per module: [`client`]
//!   (facade and builder), [`auth`] (credentials, token cache), [`retry`],
//!   [`error`], [`operation`] (long-running operation poller), [`paging`],
//!   [`query`] (`$filter` builder), [`pipeline`] (what every request goes
//!   through), [`cloud`].

// Formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
#[path = "../generated/mod.rs"]
pub mod generated;

pub mod auth;
mod call;
pub mod client;
pub mod cloud;
pub mod error;
mod hooks;
pub mod operation;
pub mod paging;
pub mod pipeline;
pub mod query;
pub mod retry;
mod transport;
mod validate;

pub use auth::StaticTokenCredential;
pub use client::{Client, ClientBuilder, GRAPH_BETA, GRAPH_V1};
pub use error::{Error, GraphError, NumberOutcome, OperationFailure, Result};
pub use operation::{Operation, OperationOutcome, OperationRef, OperationStatus, PollOptions};
pub use paging::{Page, Pager};
pub use query::{Filter, ListQuery};
pub use retry::RetryPolicy;

pub use generated::bodies::{
    AssignNumberBody, AssignPolicyBody, Nullable, UnassignNumberBody, UnassignPolicyBody,
    UpdateNumberBody,
};
pub use generated::enums::{
    AccountType, ActivationState, AssignmentCategory, AssignmentStatus, AssignmentType,
    CustomerAction, LongRunningOperationStatus, NumberCapability, NumberSource, NumberType,
    PortInStatus, ReverseNumberLookupOption,
};
pub use generated::types::{
    AssignedTelephoneNumber, EffectivePolicyAssignment, NumberAssignment, ODataError,
    PolicyAssignment, PolicyIdentifierDetail, TeamsPolicyUserAssignment, TeamsUserConfiguration,
    TelephoneNumberLongRunningOperation, TelephoneNumberLongRunningOperationDetails,
};
