//! What happened, counted: requests by route and status, and actions
//! applied per telephone number and per policy assignment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The counters (`GET /_emulator/counters`, [`Emulator::counters`](super::Emulator::counters)).
/// A reset zeroes them. The control API itself is not counted.
///
/// ```json
/// {
///   "requests": {
///     "POST /beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber": {"202": 1, "429": 2},
///     "GET /beta/admin/teams/telephoneNumberManagement/operations/{id}": {"200": 3}
///   },
///   "requestsTotal": 6,
///   "numbers": {"+14255550100": {"assign": 1, "unassign": 0, "update": 0}},
///   "policyAssignments": {
///     "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01": {"TeamsMeetingPolicy": {"assign": 1, "unassign": 0}}
///   }
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Counters {
    /// `METHOD /<version><path template>` → status → how many answers.
    /// Templates name keys `{id}` and actions by their namespace-qualified
    /// name, whichever form the client sent; a path no route matches is
    /// counted as sent. A dropped connection counts as status `reset`.
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// Every counted Graph request.
    pub requests_total: u64,
    /// Telephone number → actions applied to it (numbers never touched are
    /// absent). An assignment counts when its operation applies it, not when
    /// the request is accepted, so a failed operation counts nothing.
    pub numbers: BTreeMap<String, NumberCounts>,
    /// User id → policy type (as sent) → policy actions applied.
    pub policy_assignments: BTreeMap<String, BTreeMap<String, PolicyCounts>>,
}

/// Actions applied to one telephone number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NumberCounts {
    /// Assignments applied (`assignNumber` operations that succeeded).
    pub assign: u32,
    /// Unassignments applied.
    pub unassign: u32,
    /// `updateNumber` calls applied.
    pub update: u32,
}

/// Policy actions applied to one (user, policy type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyCounts {
    /// Policy `assign` items applied.
    pub assign: u32,
    /// Policy `unassign` items applied.
    pub unassign: u32,
}
