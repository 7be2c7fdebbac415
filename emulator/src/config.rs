//! What the emulator starts with: the number inventory, users, policies and
//! the timing knobs.

use std::time::Duration;

use graph_teams_admin::generated::enums::{AccountType, NumberCapability, NumberType};

/// How an [`Emulator`](super::Emulator) starts.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Initial number inventory.
    pub numbers: Vec<SeedNumber>,
    /// Users (and resource accounts): `userConfigurations` and assignment targets.
    pub users: Vec<SeedUser>,
    /// What `getPolicyId(type, name)` finds.
    pub policies: Vec<SeedPolicy>,
    /// How long an operation takes from accepted to final (default 300 ms):
    /// the first third `notStarted`, then `running`, then final.
    pub operation_duration: Duration,
    /// `Retry-After` on the 202 and on non-final polls (default none). Sent as
    /// whole seconds, or as decimal seconds (`"0.25"`) when the duration has a
    /// fraction.
    pub operation_retry_after: Option<Duration>,
    /// Largest accepted `$top` (default 1000); larger is a 400, like Graph.
    pub max_page_size: u64,
    /// Page size without `$top` (default 500).
    pub default_page_size: u64,
}

/// One telephone number of the initial inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedNumber {
    /// E.164 with a leading `+`.
    pub telephone_number: String,
    pub number_type: NumberType,
    pub capabilities: Vec<NumberCapability>,
    /// Already assigned to this object id (as primary), when set.
    pub assignment_target_id: Option<String>,
    pub location_id: Option<String>,
    pub iso_country_code: Option<String>,
    pub city: Option<String>,
}

/// A user or resource account.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedUser {
    /// Entra object id (the `teamsUserConfiguration` key).
    pub id: String,
    pub user_principal_name: String,
    pub account_type: AccountType,
}

/// A policy instance `getPolicyId` can find.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedPolicy {
    /// For example `TeamsMeetingPolicy`.
    pub policy_type: String,
    /// Display name without the `Tag:` prefix, for example `AllOn`.
    pub name: String,
    pub policy_id: String,
}

/// Emergency location seeded on every fifth number by
/// [`EmulatorConfig::with_numbers`].
pub const SEED_LOCATION_ID: &str = "5c0f4a1e-2b7d-4e8a-9c3f-6d1b2a4e8f10";

impl EmulatorConfig {
    /// `count` unassigned numbers `+14255550100`, `+14255550101`, … (after
    /// `+14255559999` the area code moves on: `+1206555…`, `+1312555…`),
    /// rotating `numberType` directRouting → callingPlan → operatorConnect,
    /// capabilities `userAssignment` (every fourth also
    /// `conferenceAssignment`), `isoCountryCode` `US`, a city per area code,
    /// [`SEED_LOCATION_ID`] on every fifth; plus three users, one resource
    /// account and four policies.
    pub fn with_numbers(count: usize) -> Self {
        const AREAS: [(&str, &str); 6] = [
            ("425", "Redmond"),
            ("206", "Seattle"),
            ("312", "Chicago"),
            ("415", "San Francisco"),
            ("512", "Austin"),
            ("617", "Boston"),
        ];
        const PER_AREA: usize = 9900; // 0100..=9999
        let numbers = (0..count)
            .map(|i| {
                let (area, city) = AREAS[(i / PER_AREA) % AREAS.len()];
                let round = i / (PER_AREA * AREAS.len());
                // Exchange 555, then 556, … once every area is used up.
                let exchange = 555 + round;
                let number_type = match i % 3 {
                    0 => NumberType::DirectRouting,
                    1 => NumberType::CallingPlan,
                    _ => NumberType::OperatorConnect,
                };
                let mut capabilities = vec![NumberCapability::UserAssignment];
                if i % 4 == 3 {
                    capabilities.push(NumberCapability::ConferenceAssignment);
                }
                SeedNumber {
                    telephone_number: format!("+1{area}{exchange}{:04}", 100 + i % PER_AREA),
                    number_type,
                    capabilities,
                    assignment_target_id: None,
                    location_id: (i % 5 == 4).then(|| SEED_LOCATION_ID.to_owned()),
                    iso_country_code: Some("US".to_owned()),
                    city: Some(city.to_owned()),
                }
            })
            .collect();
        Self {
            numbers,
            users: default_users(),
            policies: default_policies(),
            operation_duration: Duration::from_millis(300),
            operation_retry_after: None,
            max_page_size: 1000,
            default_page_size: 500,
        }
    }
}

impl Default for EmulatorConfig {
    /// [`EmulatorConfig::with_numbers`]`(20)`.
    fn default() -> Self {
        Self::with_numbers(20)
    }
}

fn default_users() -> Vec<SeedUser> {
    let user = |id: &str, upn: &str, account_type| SeedUser {
        id: id.to_owned(),
        user_principal_name: upn.to_owned(),
        account_type,
    };
    vec![
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01",
            "adele.vance@contoso.example",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a02",
            "alex.wilber@contoso.example",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a03",
            "megan.bowen@contoso.example",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a10",
            "main-ivr@contoso.example",
            AccountType::ResourceAccount,
        ),
    ]
}

fn default_policies() -> Vec<SeedPolicy> {
    let policy = |policy_type: &str, name: &str, id: &str| SeedPolicy {
        policy_type: policy_type.to_owned(),
        name: name.to_owned(),
        policy_id: id.to_owned(),
    };
    vec![
        policy(
            "TeamsMeetingPolicy",
            "AllOn",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c01",
        ),
        policy(
            "TeamsMeetingPolicy",
            "RestrictedAnonymousAccess",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c02",
        ),
        policy(
            "TeamsCallingPolicy",
            "AllowCalling",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c03",
        ),
        policy(
            "TeamsMeetingBroadcastPolicy",
            "Default",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c04",
        ),
    ]
}
