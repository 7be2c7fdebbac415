//! The emulated tenant: number inventory, long-running operations, policy
//! assignments. Time-based: an operation's state follows from how long ago it
//! was accepted, and its effect is applied exactly once, by [`State::settle`],
//! which every access calls first.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
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
    /// In the order they were accepted; added only by [`State::accept`]
    /// (which keeps `operation_ids` and `due` true), read with
    /// [`State::operations`].
    operations: Vec<OperationRecord>,
    /// Operation id → position in `operations`.
    operation_ids: HashMap<String, usize>,
    /// Unapplied operations by the moment they become due (earliest first),
    /// so settling costs what is due, not what was ever accepted.
    due: BinaryHeap<Reverse<(Instant, usize)>>,
    pub number_events: BTreeMap<String, NumberCounts>,
    /// (user id, policy type as sent) → events.
    pub policy_events: BTreeMap<(String, String), PolicyCounts>,
    pub policy_assignments: Vec<TeamsPolicyUserAssignment>,
    /// The seed's users; their ids and UPNs never change (only what the
    /// control API may patch), so `user_keys` stays true.
    pub users: Vec<SeedUser>,
    /// Lower-cased id and UPN → position in `users`.
    user_keys: HashMap<String, usize>,
    pub policies: Vec<SeedPolicy>,
    pub started: SystemTime,
}

impl State {
    pub fn new(config: &EmulatorConfig) -> Self {
        let users = config.users.clone();
        let mut user_keys = HashMap::with_capacity(users.len() * 2);
        for (i, u) in users.iter().enumerate().rev() {
            // The first seeded user wins a clash, as a scan would find it.
            user_keys.insert(u.id.to_ascii_lowercase(), i);
            user_keys.insert(u.user_principal_name.to_ascii_lowercase(), i);
        }
        let numbers = config
            .numbers
            .iter()
            .map(|seed| {
                let number = normalize_number(&seed.telephone_number);
                let status = seed
                    .assignment_target_id
                    .as_deref()
                    .map(|target| status_for_target(users.iter().find(|u| u.id == target)));
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
            operation_ids: HashMap::new(),
            due: BinaryHeap::new(),
            number_events: BTreeMap::new(),
            policy_events: BTreeMap::new(),
            policy_assignments: Vec::new(),
            users,
            user_keys,
            policies: config.policies.clone(),
            started: SystemTime::now(),
        }
    }

    /// Applies every operation whose final moment has passed, in the order
    /// they became due. Idempotent.
    pub fn settle(&mut self, now: Instant) {
        while let Some(&Reverse((at, i))) = self.due.peek() {
            if at > now {
                break;
            }
            self.due.pop();
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

    /// Takes a newly accepted operation (then settles what is due).
    pub fn accept(&mut self, record: OperationRecord, now: Instant) {
        let i = self.operations.len();
        if let Some(due) = record.due() {
            self.due.push(Reverse((due, i)));
        }
        self.operation_ids.insert(record.id.clone(), i);
        self.operations.push(record);
        self.settle(now);
    }

    fn apply_assign(&mut self, body: &AssignNumberBody) -> Result<(), String> {
        let number = normalize_number(&body.telephone_number);
        let target = self.user_by_id(&body.assignment_target_id);
        let status = status_for_target(target);
        let unlicensed = target
            .filter(|u| u.account_type == AccountType::User && !u.teams_phone_licensed)
            .map(|u| unlicensed(&number, u));
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
        if let Some(detail) = unlicensed {
            return Err(detail);
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

    /// Every operation, in the order they were accepted.
    pub fn operations(&self) -> &[OperationRecord] {
        &self.operations
    }

    pub fn operation(&self, id: &str) -> Option<&OperationRecord> {
        self.operation_ids.get(id).map(|&i| &self.operations[i])
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

    /// The seeded user with this id or UPN (both case-insensitively).
    pub fn user(&self, key: &str) -> Option<&SeedUser> {
        self.user_keys
            .get(&key.to_ascii_lowercase())
            .map(|&i| &self.users[i])
    }

    /// [`State::user`], to change what the control API may patch.
    pub fn user_mut(&mut self, key: &str) -> Option<&mut SeedUser> {
        let i = *self.user_keys.get(&key.to_ascii_lowercase())?;
        Some(&mut self.users[i])
    }

    /// The seeded user whose id is exactly `id`.
    pub fn user_by_id(&self, id: &str) -> Option<&SeedUser> {
        self.user(id).filter(|u| u.id == id)
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
fn status_for_target(target: Option<&SeedUser>) -> AssignmentStatus {
    match target {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn assign(id: &str, number: &str, user: &str, at: Instant, ms: u64) -> OperationRecord {
        OperationRecord {
            id: id.into(),
            action: Action::Assign(AssignNumberBody::new(
                number,
                user,
                NumberType::DirectRouting,
            )),
            telephone_number: number.into(),
            accepted_at: at,
            created_date_time: timestamp(SystemTime::now()),
            duration: Duration::from_millis(ms),
            never_finishes: false,
            base: "http://127.0.0.1:1/beta".into(),
            outcome: None,
        }
    }

    #[test]
    fn users_are_found_by_id_or_upn_in_any_case() {
        let state = State::new(&EmulatorConfig::default());
        let adele = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";
        for key in [
            adele,
            &adele.to_uppercase(),
            "adele.vance@contoso.onmicrosoft.com",
            "Adele.Vance@CONTOSO.onmicrosoft.com",
        ] {
            assert_eq!(state.user(key).map(|u| u.id.as_str()), Some(adele), "{key}");
        }
        assert!(state.user("nobody@contoso.onmicrosoft.com").is_none());
        // An exact id only: the UPN or another case is not an id.
        assert!(state.user_by_id(adele).is_some());
        assert!(state.user_by_id(&adele.to_uppercase()).is_none());
        assert!(
            state
                .user_by_id("adele.vance@contoso.onmicrosoft.com")
                .is_none()
        );
    }

    #[test]
    fn operations_apply_once_in_the_order_they_become_due() {
        let mut state = State::new(&EmulatorConfig::default());
        let adele = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";
        let alex = state
            .user("alex.wilber@contoso.onmicrosoft.com")
            .unwrap()
            .id
            .clone();
        let t0 = Instant::now();
        // Both ask for the same number: the one due first wins, although
        // it was accepted second.
        state.accept(assign("slow", "+14255550100", adele, t0, 300), t0);
        state.accept(assign("fast", "+14255550100", &alex, t0, 100), t0);
        state.accept(assign("never", "+14255550101", adele, t0, 0), t0);
        assert!(
            state.operation("never").unwrap().is_final(),
            "a 0 ms operation applies at once"
        );
        assert!(!state.operation("fast").unwrap().is_final());

        state.settle(t0 + Duration::from_millis(150));
        assert!(state.operation("fast").unwrap().is_final());
        assert!(!state.operation("slow").unwrap().is_final());
        state.settle(t0 + Duration::from_secs(1));
        state.settle(t0 + Duration::from_secs(2));
        let status = |id: &str| state.operation(id).unwrap().status(t0);
        assert_eq!(status("fast"), LongRunningOperationStatus::Succeeded);
        assert_eq!(status("slow"), LongRunningOperationStatus::Failed);
        assert_eq!(
            state.numbers["+14255550100"]
                .assignment_target_id
                .as_deref(),
            Some(alex.as_str())
        );
        assert_eq!(state.number_events["+14255550100"].assign, 1);
        assert!(state.operation("unknown").is_none());
    }
}
