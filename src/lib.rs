//! Typed Rust client for the Microsoft Graph Teams administration API
//! (`microsoft.graph.teamsAdministration`): telephone numbers (assign,
//! unassign, update, inventory, long-running operations), Teams policy
//! assignment and user configurations.
//!
//! The crate has two rooms:
//! - [`generated`]: the client, models, open enums and action bodies that
//!   `cargo xtask generate` writes from the spec slice in `specs/`. Never
//!   edited by hand.
//! - everything else: the small hand-written runtime around it.

// Formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
#[path = "../generated/mod.rs"]
pub mod generated;

pub mod runtime;

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
