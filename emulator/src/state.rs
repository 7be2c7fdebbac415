//! The emulated tenant: number inventory, long-running operations, policy
//! assignments. Time-based: an operation's state follows from how long ago it
//! was accepted, and its effect is applied exactly once, by [`State::settle`],
//! which every access calls first.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::config::{EmulatorConfig, SeedPolicy, SeedUser};
use super::counters::{NumberCounts, PolicyCounts};
use graph_teams_admin::generated::bodies::{
    AssignNumberBody, Nullable, UnassignNumberBody, UpdateNumberBody,
};
use graph_teams_admin::generated::enums::{
    AccountType, ActivationState, AssignmentCategory, AssignmentStatus, AssignmentType,
    CustomerAction, LongRunningOperationStatus, NumberSource, NumberType,
    ReverseNumberLookupOption,
};
use graph_teams_admin::generated::types::{
    NumberAssignment, TeamsPolicyUserAssignment, TeamsUserConfiguration,
    TelephoneNumberLongRunningOperation,
};

/// The emulated tenant's id (part of every number id).
pub const TENANT_ID: &str = "2f8b7c64-1d3e-4a59-b0c6-7e9d1a2b3c4d";
/// `operatorId` of operatorConnect numbers.
const OPERATOR_ID: &str = "d1a5f3b2-6c4e-4f8a-9b7d-3e2c1a0f9e8d";

/// Unpadded base64url, the service's id encoding.
pub(crate) fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text.as_bytes())
}

pub(crate) fn unb64(text: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?).ok()
}

/// `numberAssignment` id: unpadded base64url of `<tenant>|<number>`.
pub(crate) fn number_id(telephone_number: &str) -> String {
    b64(&format!("{TENANT_ID}|{telephone_number}"))
}

/// `+` added when the caller left it out (the docs' examples do).
pub(crate) fn normalize_number(raw: &str) -> String {
    let trimmed = raw.trim();
    if !trimmed.starts_with('+')
        && !trimmed.is_empty()
        && trimmed.chars().all(|c| c.is_ascii_digit())
    {
        format!("+{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// `2025-02-03T22:03:26Z`.
pub(crate) fn timestamp(at: SystemTime) -> String {
    DateTime::<Utc>::from(at)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[derive(Clone, Debug)]
pub(crate) enum Action {
    Assign(AssignNumberBody),
    Unassign(UnassignNumberBody),
}

#[derive(Clone, Debug)]
pub(crate) struct OperationRecord {
    pub id: String,
    pub action: Action,
    pub telephone_number: String,
    pub accepted_at: Instant,
    pub created_date_time: String,
    pub duration: Duration,
    pub never_finishes: bool,
    /// `http://127.0.0.1:<port>/<version>` the operation was created through.
    pub base: String,
    /// Final status and per-number detail, once applied.
    pub outcome: Option<(LongRunningOperationStatus, Option<String>)>,
}

impl OperationRecord {
    fn due(&self) -> Option<Instant> {
        (!self.never_finishes).then(|| self.accepted_at + self.duration)
    }

    /// Current status (call [`State::settle`] first).
    pub fn status(&self, now: Instant) -> LongRunningOperationStatus {
        if let Some((status, _)) = &self.outcome {
            return status.clone();
        }
        if now.saturating_duration_since(self.accepted_at) < self.duration / 3 {
            LongRunningOperationStatus::NotStarted
        } else {
            LongRunningOperationStatus::Running
        }
    }

    pub fn is_final(&self) -> bool {
        self.outcome.is_some()
    }

    pub fn view(&self, now: Instant) -> TelephoneNumberLongRunningOperation {
        let status = self.status(now);
        let detail = self.outcome.as_ref().and_then(|(_, d)| d.clone());
        model(json!({
            "@odata.type": "#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation",
            "createdDateTime": self.created_date_time,
            "id": self.id,
            "status": status,
            "numbers": [{
                "resourceLocation": format!(
                    "{}/admin/teams/telephoneNumberManagement/numberAssignments/{}",
                    self.base,
                    number_id(&self.telephone_number)
                ),
                "status": status,
                "statusDetail": detail,
            }],
        }))
    }
}

/// A generated model from its wire form (the models are built this way, not
/// with struct literals, so fields can be added to them).
fn model<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(model) => model,
        Err(e) => panic!(
            "the emulator built an invalid {}: {e}",
            std::any::type_name::<T>()
        ),
    }
}

pub(crate) struct State {
    pub numbers: BTreeMap<String, NumberAssignment>,
    pub operations: Vec<OperationRecord>,
    pub number_events: BTreeMap<String, NumberCounts>,
    /// (user id, policy type as sent) → events.
    pub policy_events: BTreeMap<(String, String), PolicyCounts>,
    pub policy_assignments: Vec<TeamsPolicyUserAssignment>,
    pub users: Vec<SeedUser>,
    pub policies: Vec<SeedPolicy>,
    pub started: SystemTime,
}

impl State {
    pub fn new(config: &EmulatorConfig) -> Self {
        let users = config.users.clone();
        let numbers = config
            .numbers
            .iter()
            .map(|seed| {
                let number = normalize_number(&seed.telephone_number);
                let status = seed
                    .assignment_target_id
                    .as_deref()
                    .map(|target| status_for_target(&users, target));
                let assignment: NumberAssignment = model(json!({
                    "@odata.type": "#microsoft.graph.teamsAdministration.numberAssignment",
                    "activationState": ActivationState::Activated,
                    "assignmentCategory": seed
                        .assignment_target_id
                        .as_ref()
                        .map(|_| AssignmentCategory::Primary),
                    "assignmentStatus": status.unwrap_or(AssignmentStatus::Unassigned),
                    "assignmentTargetId": seed.assignment_target_id,
                    "capabilities": seed.capabilities,
                    "city": seed.city,
                    "id": number_id(&number),
                    "isoCountryCode": seed.iso_country_code,
                    "locationId": seed.location_id,
                    "numberSource": NumberSource::Online,
                    "numberType": seed.number_type,
                    "operatorId": (seed.number_type == NumberType::OperatorConnect)
                        .then_some(OPERATOR_ID),
                    "reverseNumberLookupOptions": [],
                    "supportedCustomerActions": [CustomerAction::LocationUpdate, CustomerAction::Release],
                    "telephoneNumber": number,
                }));
                (number, assignment)
            })
            .collect();
        Self {
            numbers,
            operations: Vec::new(),
            number_events: BTreeMap::new(),
            policy_events: BTreeMap::new(),
            policy_assignments: Vec::new(),
            users,
            policies: config.policies.clone(),
            started: SystemTime::now(),
        }
    }

    /// Applies every operation whose final moment has passed, in the order
    /// they became due. Idempotent.
    pub fn settle(&mut self, now: Instant) {
        let mut due: Vec<(Instant, usize)> = self
            .operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.outcome.is_none())
            .filter_map(|(i, op)| op.due().filter(|d| *d <= now).map(|d| (d, i)))
            .collect();
        due.sort();
        for (_, i) in due {
            let action = self.operations[i].action.clone();
            let result = match &action {
                Action::Assign(body) => self.apply_assign(body),
                Action::Unassign(body) => self.apply_unassign(body),
            };
            self.operations[i].outcome = Some(match result {
                Ok(()) => (LongRunningOperationStatus::Succeeded, None),
                Err(detail) => (LongRunningOperationStatus::Failed, Some(detail)),
            });
        }
    }

    fn apply_assign(&mut self, body: &AssignNumberBody) -> Result<(), String> {
        let number = normalize_number(&body.telephone_number);
        let status = status_for_target(&self.users, &body.assignment_target_id);
        let Some(entry) = self.numbers.get_mut(&number) else {
            return Err(not_in_inventory(&number));
        };
        if let Some(current) = entry.assignment_target_id.as_deref()
            && current != body.assignment_target_id
        {
            return Err(format!(
                "Telephone number '{number}' is already assigned to '{current}'."
            ));
        }
        if let Some(user) = self
            .users
            .iter()
            .find(|u| u.id == body.assignment_target_id)
            && user.account_type == AccountType::User
            && !user.teams_phone_licensed
        {
            return Err(unlicensed(&number, user));
        }
        entry.assignment_target_id = Some(body.assignment_target_id.clone());
        entry.assignment_status = Some(status);
        entry.assignment_category = Some(match &body.assignment_category {
            Nullable::Value(category) => category.clone(),
            _ => AssignmentCategory::Primary,
        });
        if let Nullable::Value(location) = &body.location_id {
            entry.location_id = (!location.is_empty()).then(|| location.clone());
        }
        entry.activation_state = Some(ActivationState::Activated);
        self.number_events.entry(number).or_default().assign += 1;
        Ok(())
    }

    fn apply_unassign(&mut self, body: &UnassignNumberBody) -> Result<(), String> {
        let number = normalize_number(&body.telephone_number);
        let Some(entry) = self.numbers.get_mut(&number) else {
            return Err(not_in_inventory(&number));
        };
        if entry.assignment_target_id.is_none() {
            return Err(format!("Telephone number '{number}' is not assigned."));
        }
        entry.assignment_target_id = None;
        entry.assignment_category = None;
        entry.location_id = None;
        entry.assignment_status = Some(AssignmentStatus::Unassigned);
        entry.activation_state = Some(ActivationState::Activated);
        self.number_events.entry(number).or_default().unassign += 1;
        Ok(())
    }

    /// `updateNumber`: `Err(())` when the number is unknown.
    pub fn update(&mut self, body: &UpdateNumberBody) -> Result<(), ()> {
        let number = normalize_number(&body.telephone_number);
        let entry = self.numbers.get_mut(&number).ok_or(())?;
        apply_three_state(&mut entry.location_id, &body.location_id);
        apply_three_state(&mut entry.network_site_id, &body.network_site_id);
        if let Some(options) = &body.reverse_number_lookup_options {
            entry.reverse_number_lookup_options = Some(
                options
                    .iter()
                    .flatten()
                    .map(|o| ReverseNumberLookupOption::from(o.as_str()))
                    .collect(),
            );
        }
        self.number_events.entry(number).or_default().update += 1;
        Ok(())
    }

    pub fn number_by_id(&self, id: &str) -> Option<&NumberAssignment> {
        let decoded = unb64(id)?;
        let (_, number) = decoded.split_once('|')?;
        self.numbers.get(number)
    }

    pub fn operation(&self, id: &str) -> Option<&OperationRecord> {
        self.operations.iter().find(|op| op.id == id)
    }

    pub fn user_configuration(&self, user: &SeedUser) -> TeamsUserConfiguration {
        let created = DateTime::<Utc>::from(self.started);
        let telephone_numbers: Vec<Value> = self
            .numbers
            .values()
            .filter(|n| n.assignment_target_id.as_deref() == Some(user.id.as_str()))
            .map(|n| {
                json!({
                    "assignmentCategory": n.assignment_category,
                    "telephoneNumber": n.telephone_number,
                })
            })
            .collect();
        let effective: Vec<Value> = self
            .policy_assignments
            .iter()
            .filter(|a| a.user_id.as_deref() == Some(user.id.as_str()))
            .map(|a| {
                let display_name = self
                    .policies
                    .iter()
                    .find(|p| Some(p.policy_id.as_str()) == a.policy_id.as_deref())
                    .map(|p| format!("Tag:{}", p.name))
                    .or_else(|| a.policy_id.clone());
                json!({
                    "policyAssignment": {
                        "assignmentType": AssignmentType::Direct,
                        "displayName": display_name,
                        "policyId": a.policy_id,
                    },
                    "policyType": a.policy_type,
                })
            })
            .collect();
        let voice = user.account_type == AccountType::ResourceAccount
            || self
                .numbers
                .values()
                .any(|n| n.assignment_target_id.as_deref() == Some(user.id.as_str()));
        let mut features = vec!["Teams", "AudioConferencing"];
        if user.teams_phone_licensed || user.account_type != AccountType::User {
            features.push("PhoneSystem");
        }
        model(json!({
            "@odata.type": "#microsoft.graph.teamsAdministration.teamsUserConfiguration",
            "accountType": user.account_type,
            "createdDateTime": created,
            "effectivePolicyAssignments": effective,
            "featureTypes": features,
            "id": user.id,
            "isEnterpriseVoiceEnabled": voice,
            "modifiedDateTime": created,
            "telephoneNumbers": telephone_numbers,
            "tenantId": TENANT_ID,
            "user": {"@odata.type": "#microsoft.graph.user", "id": user.id},
            "userPrincipalName": user.user_principal_name,
        }))
    }

    /// The seeded user with this id or (case-insensitively) UPN.
    pub fn user(&self, key: &str) -> Option<&SeedUser> {
        self.users.iter().find(|u| u.matches(key))
    }

    /// Policy `assign`: one assignment per (user, policy type).
    pub fn assign_policies(&mut self, items: &[TeamsPolicyUserAssignment]) {
        for item in items {
            self.policy_assignments.retain(|a| {
                !(a.user_id == item.user_id && same_type(&a.policy_type, &item.policy_type))
            });
            let user = item.user_id.clone().unwrap_or_default();
            let policy_type = item.policy_type.clone().unwrap_or_default();
            self.policy_assignments.push(model(json!({
                "@odata.type": "#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment",
                "id": b64(&format!("{user}|{policy_type}")),
                "policyId": item.policy_id,
                "policyType": item.policy_type,
                "userId": item.user_id,
            })));
            self.policy_events
                .entry((user, policy_type))
                .or_default()
                .assign += 1;
        }
    }

    pub fn unassign_policies(&mut self, items: &[TeamsPolicyUserAssignment]) {
        for item in items {
            self.policy_assignments.retain(|a| {
                !(a.user_id == item.user_id && same_type(&a.policy_type, &item.policy_type))
            });
            let user = item.user_id.clone().unwrap_or_default();
            let policy_type = item.policy_type.clone().unwrap_or_default();
            self.policy_events
                .entry((user, policy_type))
                .or_default()
                .unassign += 1;
        }
    }
}

fn same_type(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The `statusDetail` of an assignment to a user without Teams Phone. Graph
/// documents no `statusDetail` texts; this one follows the Teams admin
/// center's wording.
fn unlicensed(number: &str, user: &SeedUser) -> String {
    format!(
        "Telephone number '{number}' cannot be assigned to '{}': the user is not licensed for Teams Phone. Assign a Teams Phone Standard license (or a license that includes Teams Phone) and try again.",
        user.user_principal_name
    )
}

fn not_in_inventory(number: &str) -> String {
    format!("Telephone number '{number}' is not in the tenant's telephone number inventory.")
}

/// `userAssigned`, or `voiceApplicationAssigned` for a seeded resource account.
fn status_for_target(users: &[SeedUser], target: &str) -> AssignmentStatus {
    match users.iter().find(|u| u.id == target) {
        Some(u) if u.account_type == AccountType::ResourceAccount => {
            AssignmentStatus::VoiceApplicationAssigned
        }
        _ => AssignmentStatus::UserAssigned,
    }
}

/// absent or `null` keep, `""` clears, a value sets.
fn apply_three_state(field: &mut Option<String>, change: &Nullable<String>) {
    if let Nullable::Value(v) = change {
        *field = (!v.is_empty()).then(|| v.clone());
    }
}

/// The wire form of an entity the way Graph writes it: properties the
/// service would send as `null` are present as `null`.
pub(crate) fn number_json(n: &NumberAssignment) -> Value {
    let mut value = serde_json::to_value(n).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("@odata.type");
        for key in [
            "assignmentCategory",
            "assignmentTargetId",
            "city",
            "civicAddressId",
            "isoCountryCode",
            "locationId",
            "networkSiteId",
            "operatorId",
            "portInStatus",
        ] {
            map.entry(key).or_insert(Value::Null);
        }
    }
    value
}
