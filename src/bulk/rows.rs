//! The bulk room: the rows a run takes (what an admin wrote in a CSV line),
//! and the checks made on them before anything is sent. It may touch the
//! generated enums and `validate`, nothing that does I/O.

use serde::Serialize;

use crate::generated::enums::{AssignmentCategory, NumberType};

/// One input row: where it came from and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Row {
    /// The 1-based data row number in the input file (what a report shows).
    pub line: u64,
    /// What to do.
    pub action: Action,
}

impl Row {
    /// A row of the input.
    pub fn new(line: u64, action: impl Into<Action>) -> Self {
        Self {
            line,
            action: action.into(),
        }
    }

    /// 16 hex digits identifying the row's content: what its journal lines
    /// carry as `row`, so that a resume notices a row that changed.
    pub fn hash(&self) -> String {
        super::fingerprint::row_hash(self)
    }
}

/// What one row asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// `assignNumber` (a long-running operation).
    AssignNumber(AssignNumber),
    /// `unassignNumber` (a long-running operation).
    UnassignNumber(UnassignNumber),
    /// `updateNumber` (synchronous).
    UpdateNumber(UpdateNumber),
    /// Policy `assign` for one user (synchronous).
    AssignPolicy(AssignPolicy),
    /// Policy `unassign` for one user (synchronous).
    UnassignPolicy(UnassignPolicy),
}

/// Which action a row asks for, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionKind {
    /// [`Action::AssignNumber`].
    AssignNumber,
    /// [`Action::UnassignNumber`].
    UnassignNumber,
    /// [`Action::UpdateNumber`].
    UpdateNumber,
    /// [`Action::AssignPolicy`].
    AssignPolicy,
    /// [`Action::UnassignPolicy`].
    UnassignPolicy,
}

impl ActionKind {
    /// `assignNumber`, `unassignNumber`, `updateNumber`, `assignPolicy` or
    /// `unassignPolicy`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ActionKind::AssignNumber => "assignNumber",
            ActionKind::UnassignNumber => "unassignNumber",
            ActionKind::UpdateNumber => "updateNumber",
            ActionKind::AssignPolicy => "assignPolicy",
            ActionKind::UnassignPolicy => "unassignPolicy",
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Assign a telephone number to a user or resource account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignNumber {
    /// User principal name (`alice@contoso.com`) or object id (a GUID). A
    /// UPN is resolved with `GET /users/{upn}`.
    pub user: String,
    /// E.164, with or without the `+`, optionally with `;ext=<digits>`.
    pub telephone_number: String,
    /// `directRouting`, `callingPlan` or `operatorConnect`.
    pub number_type: NumberType,
    /// `primary` (the service's default), `private` or `alternate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_category: Option<AssignmentCategory>,
    /// Emergency location id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

impl AssignNumber {
    /// Assign `telephone_number` of `number_type` to `user` (UPN or object id).
    pub fn new(
        user: impl Into<String>,
        telephone_number: impl Into<String>,
        number_type: NumberType,
    ) -> Self {
        Self {
            user: user.into(),
            telephone_number: telephone_number.into(),
            number_type,
            assignment_category: None,
            location_id: None,
        }
    }

    /// Sets the assignment category.
    pub fn assignment_category(mut self, category: AssignmentCategory) -> Self {
        self.assignment_category = Some(category);
        self
    }

    /// Sets the emergency location id.
    pub fn location_id(mut self, location_id: impl Into<String>) -> Self {
        self.location_id = Some(location_id.into());
        self
    }
}

/// Remove a telephone number from whatever it is assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnassignNumber {
    /// E.164, with or without the `+`.
    pub telephone_number: String,
    /// The number's type.
    pub number_type: NumberType,
}

impl UnassignNumber {
    /// Unassign `telephone_number` of `number_type`.
    pub fn new(telephone_number: impl Into<String>, number_type: NumberType) -> Self {
        Self {
            telephone_number: telephone_number.into(),
            number_type,
        }
    }
}

/// Change a number's emergency location, network site or reverse number
/// lookup options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateNumber {
    /// E.164, with or without the `+`.
    pub telephone_number: String,
    /// `Some("")` clears it, `Some(id)` sets it, `None` keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// `Some("")` clears it, `Some(id)` sets it, `None` keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_site_id: Option<String>,
    /// Replaces the options (`skipInternalVoip`); `None` keeps them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse_number_lookup_options: Option<Vec<String>>,
}

impl UpdateNumber {
    /// Update `telephone_number`; set what changes with the other methods.
    pub fn new(telephone_number: impl Into<String>) -> Self {
        Self {
            telephone_number: telephone_number.into(),
            location_id: None,
            network_site_id: None,
            reverse_number_lookup_options: None,
        }
    }

    /// Sets the emergency location (`""` clears it).
    pub fn location_id(mut self, location_id: impl Into<String>) -> Self {
        self.location_id = Some(location_id.into());
        self
    }

    /// Sets the network site (`""` clears it).
    pub fn network_site_id(mut self, network_site_id: impl Into<String>) -> Self {
        self.network_site_id = Some(network_site_id.into());
        self
    }

    /// Replaces the reverse number lookup options.
    pub fn reverse_number_lookup_options<I, S>(mut self, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reverse_number_lookup_options = Some(options.into_iter().map(Into::into).collect());
        self
    }
}

/// Assign a policy instance to a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignPolicy {
    /// User principal name or object id.
    pub user: String,
    /// For example `TeamsMeetingPolicy`.
    pub policy_type: String,
    /// The policy id (from `Client::policy_ids`).
    pub policy_id: String,
}

impl AssignPolicy {
    /// Assign policy `policy_id` of `policy_type` to `user`.
    pub fn new(
        user: impl Into<String>,
        policy_type: impl Into<String>,
        policy_id: impl Into<String>,
    ) -> Self {
        Self {
            user: user.into(),
            policy_type: policy_type.into(),
            policy_id: policy_id.into(),
        }
    }
}

/// Remove a user's direct assignment of a policy type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnassignPolicy {
    /// User principal name or object id.
    pub user: String,
    /// For example `TeamsMeetingPolicy`.
    pub policy_type: String,
}

impl UnassignPolicy {
    /// Unassign `policy_type` from `user`.
    pub fn new(user: impl Into<String>, policy_type: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            policy_type: policy_type.into(),
        }
    }
}

macro_rules! into_action {
    ($($t:ident),*) => {$(
        impl From<$t> for Action {
            fn from(row: $t) -> Self {
                Action::$t(row)
            }
        }
    )*};
}
into_action!(
    AssignNumber,
    UnassignNumber,
    UpdateNumber,
    AssignPolicy,
    UnassignPolicy
);

impl Action {
    /// Which action this is.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::AssignNumber(_) => ActionKind::AssignNumber,
            Action::UnassignNumber(_) => ActionKind::UnassignNumber,
            Action::UpdateNumber(_) => ActionKind::UpdateNumber,
            Action::AssignPolicy(_) => ActionKind::AssignPolicy,
            Action::UnassignPolicy(_) => ActionKind::UnassignPolicy,
        }
    }

    /// The telephone number, for number actions (as written in the row).
    pub fn telephone_number(&self) -> Option<&str> {
        match self {
            Action::AssignNumber(a) => Some(&a.telephone_number),
            Action::UnassignNumber(a) => Some(&a.telephone_number),
            Action::UpdateNumber(a) => Some(&a.telephone_number),
            Action::AssignPolicy(_) | Action::UnassignPolicy(_) => None,
        }
    }

    /// The user (UPN or object id, as written), for actions that have one.
    pub fn user(&self) -> Option<&str> {
        match self {
            Action::AssignNumber(a) => Some(&a.user),
            Action::AssignPolicy(a) => Some(&a.user),
            Action::UnassignPolicy(a) => Some(&a.user),
            Action::UnassignNumber(_) | Action::UpdateNumber(_) => None,
        }
    }

    /// Whether the action is a long-running operation (202 + `Location`).
    pub(crate) fn is_long_running(&self) -> bool {
        matches!(self, Action::AssignNumber(_) | Action::UnassignNumber(_))
    }
}

/// An input line the caller could not turn into a [`Row`] (a CSV line with
/// a missing column, say). It still gets its outcome: `Invalid`, with this
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowError {
    /// The 1-based data row number in the input file.
    pub line: u64,
    /// Why the line is not a row.
    pub message: String,
}

impl RowError {
    /// A line that is not a row, and why.
    pub fn new(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for RowError {}

/// Why a row is rejected before anything is sent: a machine-readable code
/// and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A telephone number as the inventory lists it: a `+` is added to a number
/// written as digits only (`12065550100` → `+12065550100`).
pub(crate) fn normalize_number(raw: &str) -> String {
    let trimmed = raw.trim();
    let (main, ext) = match trimmed.split_once(';') {
        Some((m, e)) => (m, Some(e)),
        None => (trimmed, None),
    };
    let mut out = String::with_capacity(trimmed.len() + 1);
    if !main.starts_with('+') && !main.is_empty() && main.bytes().all(|b| b.is_ascii_digit()) {
        out.push('+');
    }
    out.push_str(main);
    if let Some(ext) = ext {
        out.push(';');
        out.push_str(ext);
    }
    out
}

fn number_type(t: &NumberType) -> Result<(), Rejection> {
    match t {
        NumberType::DirectRouting | NumberType::CallingPlan | NumberType::OperatorConnect => Ok(()),
        other => Err(Rejection::new(
            "invalidRow",
            format!(
                "number type {:?} is not one of directRouting, callingPlan, operatorConnect",
                other.as_str()
            ),
        )),
    }
}

fn telephone_number(raw: &str) -> Result<(), Rejection> {
    crate::validate::telephone_number("telephoneNumber", &normalize_number(raw))
        .map_err(|e| Rejection::new("invalidRow", e.to_string()))
}

fn text(argument: &'static str, value: &str) -> Result<(), Rejection> {
    crate::validate::non_empty(argument, value)
        .map_err(|e| Rejection::new("invalidRow", e.to_string()))
}

impl Action {
    /// Checks what can be checked without asking the service: E.164, enum
    /// values, required text.
    pub(crate) fn check(&self) -> Result<(), Rejection> {
        match self {
            Action::AssignNumber(a) => {
                text("user", &a.user)?;
                telephone_number(&a.telephone_number)?;
                number_type(&a.number_type)?;
                if let Some(c) = &a.assignment_category
                    && !matches!(
                        c,
                        AssignmentCategory::Primary
                            | AssignmentCategory::Private
                            | AssignmentCategory::Alternate
                    )
                {
                    return Err(Rejection::new(
                        "invalidRow",
                        format!(
                            "assignment category {:?} is not one of primary, private, alternate",
                            c.as_str()
                        ),
                    ));
                }
                if let Some(l) = &a.location_id {
                    text("locationId", l)?;
                }
                Ok(())
            }
            Action::UnassignNumber(a) => {
                telephone_number(&a.telephone_number)?;
                number_type(&a.number_type)
            }
            Action::UpdateNumber(a) => {
                telephone_number(&a.telephone_number)?;
                if a.location_id.is_none()
                    && a.network_site_id.is_none()
                    && a.reverse_number_lookup_options.is_none()
                {
                    return Err(Rejection::new(
                        "invalidRow",
                        "nothing to update: give a location id, a network site id or reverse number lookup options",
                    ));
                }
                for o in a.reverse_number_lookup_options.iter().flatten() {
                    text("reverseNumberLookupOptions", o)?;
                }
                Ok(())
            }
            Action::AssignPolicy(a) => {
                text("user", &a.user)?;
                text("policyType", &a.policy_type)?;
                text("policyId", &a.policy_id)
            }
            Action::UnassignPolicy(a) => {
                text("user", &a.user)?;
                text("policyType", &a.policy_type)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_their_plus() {
        assert_eq!(normalize_number("12065550100"), "+12065550100");
        assert_eq!(normalize_number(" +12065550100 "), "+12065550100");
        assert_eq!(
            normalize_number("12065550100;ext=12"),
            "+12065550100;ext=12"
        );
        assert_eq!(normalize_number("206-555"), "206-555");
    }
}
