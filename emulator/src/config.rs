//! What the emulator starts with: where it listens, the token it accepts,
//! the number inventory, users, policies and the timing knobs.

use std::time::Duration;

use graph_teams_admin::generated::enums::{AccountType, NumberCapability, NumberType};

/// How an [`Emulator`](super::Emulator) starts.
///
/// Build one with [`EmulatorConfig::with_numbers`] (or `default()`) and
/// change fields or chain the `with_*` methods:
///
/// ```
/// use std::time::Duration;
/// use graph_teams_admin_emulator::EmulatorConfig;
///
/// let mut config = EmulatorConfig::with_numbers(100)
///     .with_users(25)
///     .with_policies(3)
///     .with_port(8750)
///     .with_token("dev-token");
/// config.operation_duration = Duration::from_secs(1);
/// assert!(config.user_mut("user007@contoso.onmicrosoft.com").is_some());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Initial number inventory.
    pub numbers: Vec<SeedNumber>,
    /// Users (and resource accounts): `userConfigurations`, `/users/{id}`
    /// and assignment targets.
    pub users: Vec<SeedUser>,
    /// What `getPolicyId(type, name)` finds.
    pub policies: Vec<SeedPolicy>,
    /// How long an operation takes from accepted to final (default 300 ms):
    /// the first third `notStarted`, then `running`, then final. It is the
    /// starting value of a fault knob that can be changed while running.
    pub operation_duration: Duration,
    /// `Retry-After` on the 202 and on non-final polls (default none). Sent as
    /// whole seconds, or as decimal seconds (`"0.25"`) when the duration has a
    /// fraction. Also the starting value of a fault knob.
    pub operation_retry_after: Option<Duration>,
    /// Largest accepted `$top` (default 1000); larger is a 400, like Graph.
    pub max_page_size: u64,
    /// Page size without `$top` (default 500).
    pub default_page_size: u64,
    /// Host name or IP address to listen on (default `127.0.0.1`). When it
    /// is an unspecified address (`0.0.0.0`, `::`) the URLs the emulator
    /// writes (`Location`, `@odata.nextLink`) use the request's `Host`.
    pub host: String,
    /// Port of the main (Graph) listener; `0` (the default) picks a free one.
    pub port: u16,
    /// Port of the foreign host (see
    /// [`Emulator::foreign_base_url`](super::Emulator::foreign_base_url));
    /// `0` (the default) picks a free one.
    pub foreign_port: u16,
    /// The bearer token accepted from the start; `None` (the default)
    /// generates a random one.
    pub token: Option<String>,
}

/// One telephone number of the initial inventory.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SeedNumber {
    /// E.164 with a leading `+`.
    pub telephone_number: String,
    /// `directRouting`, `callingPlan` or `operatorConnect`.
    pub number_type: NumberType,
    /// What the number may be assigned to.
    pub capabilities: Vec<NumberCapability>,
    /// Already assigned to this object id (as primary), when set.
    pub assignment_target_id: Option<String>,
    /// Emergency location id.
    pub location_id: Option<String>,
    /// ISO 3166 country code.
    pub iso_country_code: Option<String>,
    /// City of the number.
    pub city: Option<String>,
}

impl SeedNumber {
    /// An unassigned number with the `userAssignment` capability and no
    /// location, country or city.
    pub fn new(telephone_number: impl Into<String>, number_type: NumberType) -> Self {
        Self {
            telephone_number: telephone_number.into(),
            number_type,
            capabilities: vec![NumberCapability::UserAssignment],
            assignment_target_id: None,
            location_id: None,
            iso_country_code: None,
            city: None,
        }
    }

    /// The same number, already assigned to `target` (as primary).
    pub fn assigned_to(mut self, target: impl Into<String>) -> Self {
        self.assignment_target_id = Some(target.into());
        self
    }
}

/// A user or resource account.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SeedUser {
    /// Entra object id (the `teamsUserConfiguration` and `/users` key).
    pub id: String,
    /// Sign-in name; `/users/{upn}` matches it case-insensitively.
    pub user_principal_name: String,
    /// `user` or `resourceAccount` (what `userConfigurations` reports).
    pub account_type: AccountType,
    /// `displayName` of the user (`/users/{id}`).
    pub display_name: String,
    /// Whether the user has a Teams Phone license (default `true`). An
    /// `assignNumber` to a user without one is accepted (202) and the
    /// operation then fails with a `statusDetail` saying so.
    pub teams_phone_licensed: bool,
}

impl SeedUser {
    /// A licensed user; the display name is derived from the UPN
    /// (`adele.vance@…` → `Adele Vance`).
    pub fn new(
        id: impl Into<String>,
        user_principal_name: impl Into<String>,
        account_type: AccountType,
    ) -> Self {
        let user_principal_name = user_principal_name.into();
        let display_name = display_name_of(&user_principal_name);
        Self {
            id: id.into(),
            user_principal_name,
            account_type,
            display_name,
            teams_phone_licensed: true,
        }
    }

    /// The `index`-th generated user (from 1): UPN
    /// `user001@contoso.onmicrosoft.com`, display name `User 001`, id
    /// `5b7a9c1e-3d2f-4e60-8a4b-000000000001`. Deterministic.
    pub fn generated(index: usize) -> Self {
        let mut user = Self::new(
            format!("5b7a9c1e-3d2f-4e60-8a4b-{index:012}"),
            format!("user{index:03}@{SEED_DOMAIN}"),
            AccountType::User,
        );
        user.display_name = format!("User {index:03}");
        user
    }

    /// The same user with another display name.
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// The same user without a Teams Phone license.
    pub fn unlicensed(mut self) -> Self {
        self.teams_phone_licensed = false;
        self
    }

    /// `key` is this user's id or (case-insensitively) UPN.
    pub fn matches(&self, key: &str) -> bool {
        self.id.eq_ignore_ascii_case(key) || self.user_principal_name.eq_ignore_ascii_case(key)
    }
}

/// `adele.vance@contoso…` → `Adele Vance`.
fn display_name_of(upn: &str) -> String {
    let local = upn.split('@').next().unwrap_or(upn);
    local
        .split(['.', '-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A policy instance `getPolicyId` can find.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SeedPolicy {
    /// For example `TeamsMeetingPolicy`.
    pub policy_type: String,
    /// Display name without the `Tag:` prefix, for example `AllOn`.
    pub name: String,
    /// The id `getPolicyId` answers with.
    pub policy_id: String,
}

impl SeedPolicy {
    /// A policy instance.
    pub fn new(
        policy_type: impl Into<String>,
        name: impl Into<String>,
        policy_id: impl Into<String>,
    ) -> Self {
        Self {
            policy_type: policy_type.into(),
            name: name.into(),
            policy_id: policy_id.into(),
        }
    }

    /// The `index`-th generated policy (from 1): type rotating
    /// `TeamsMeetingPolicy`, `TeamsCallingPolicy`, `TeamsMessagingPolicy`,
    /// `TeamsMeetingBroadcastPolicy`; name `Policy001`; id
    /// `b4e3d2c1-6f5a-4b8c-9d0e-000000000001`. Deterministic.
    pub fn generated(index: usize) -> Self {
        const TYPES: [&str; 4] = [
            "TeamsMeetingPolicy",
            "TeamsCallingPolicy",
            "TeamsMessagingPolicy",
            "TeamsMeetingBroadcastPolicy",
        ];
        Self::new(
            TYPES[index.saturating_sub(1) % TYPES.len()],
            format!("Policy{index:03}"),
            format!("b4e3d2c1-6f5a-4b8c-9d0e-{index:012}"),
        )
    }
}

/// Emergency location seeded on every fifth number by
/// [`EmulatorConfig::with_numbers`].
pub const SEED_LOCATION_ID: &str = "5c0f4a1e-2b7d-4e8a-9c3f-6d1b2a4e8f10";

/// The domain of every seeded UPN.
pub const SEED_DOMAIN: &str = "contoso.onmicrosoft.com";

impl EmulatorConfig {
    /// `count` unassigned numbers `+14255550100`, `+14255550101`, … (after
    /// `+14255559999` the area code moves on: `+1206555…`, `+1312555…`),
    /// rotating `numberType` directRouting → callingPlan → operatorConnect,
    /// capabilities `userAssignment` (every fourth also
    /// `conferenceAssignment`), `isoCountryCode` `US`, a city per area code,
    /// [`SEED_LOCATION_ID`] on every fifth; plus three users
    /// (`adele.vance@contoso.onmicrosoft.com`, `alex.wilber@…`,
    /// `megan.bowen@…`), one resource account (`main-ivr@…`) and four
    /// policies.
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
                let mut number = SeedNumber::new(
                    format!("+1{area}{exchange}{:04}", 100 + i % PER_AREA),
                    number_type,
                );
                if i % 4 == 3 {
                    number
                        .capabilities
                        .push(NumberCapability::ConferenceAssignment);
                }
                number.location_id = (i % 5 == 4).then(|| SEED_LOCATION_ID.to_owned());
                number.iso_country_code = Some("US".to_owned());
                number.city = Some(city.to_owned());
                number
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
            host: "127.0.0.1".to_owned(),
            port: 0,
            foreign_port: 0,
            token: None,
        }
    }

    /// Adds `count` generated users ([`SeedUser::generated`]`(1..=count)`:
    /// `user001@contoso.onmicrosoft.com`, …) after the named ones.
    pub fn with_users(mut self, count: usize) -> Self {
        self.users.extend((1..=count).map(SeedUser::generated));
        self
    }

    /// Adds `count` generated policies ([`SeedPolicy::generated`]).
    pub fn with_policies(mut self, count: usize) -> Self {
        self.policies.extend((1..=count).map(SeedPolicy::generated));
        self
    }

    /// Listens on `host` (a name or an IP address).
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Listens on `port` (`0`: any free port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accepts `token` (instead of a generated one).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Operations take `duration` from accepted to final.
    pub fn with_operation_duration(mut self, duration: Duration) -> Self {
        self.operation_duration = duration;
        self
    }

    /// The seeded user with this id or (case-insensitively) UPN.
    pub fn user_mut(&mut self, key: &str) -> Option<&mut SeedUser> {
        self.users.iter_mut().find(|u| u.matches(key))
    }
}

impl Default for EmulatorConfig {
    /// [`EmulatorConfig::with_numbers`]`(20)`.
    fn default() -> Self {
        Self::with_numbers(20)
    }
}

fn default_users() -> Vec<SeedUser> {
    let user = |id: &str, name: &str, account_type| {
        SeedUser::new(id, format!("{name}@{SEED_DOMAIN}"), account_type)
    };
    vec![
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01",
            "adele.vance",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a02",
            "alex.wilber",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a03",
            "megan.bowen",
            AccountType::User,
        ),
        user(
            "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a10",
            "main-ivr",
            AccountType::ResourceAccount,
        )
        .with_display_name("Main IVR"),
    ]
}

fn default_policies() -> Vec<SeedPolicy> {
    vec![
        SeedPolicy::new(
            "TeamsMeetingPolicy",
            "AllOn",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c01",
        ),
        SeedPolicy::new(
            "TeamsMeetingPolicy",
            "RestrictedAnonymousAccess",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c02",
        ),
        SeedPolicy::new(
            "TeamsCallingPolicy",
            "AllowCalling",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c03",
        ),
        SeedPolicy::new(
            "TeamsMeetingBroadcastPolicy",
            "Default",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c04",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_deterministic() {
        let config = EmulatorConfig::with_numbers(3)
            .with_users(12)
            .with_policies(5);
        assert_eq!(config.users.len(), 16);
        let u = &config.users[4 + 6];
        assert_eq!(u.user_principal_name, "user007@contoso.onmicrosoft.com");
        assert_eq!(u.id, "5b7a9c1e-3d2f-4e60-8a4b-000000000007");
        assert_eq!(u.display_name, "User 007");
        assert_eq!(config.users[0].display_name, "Adele Vance");
        assert_eq!(config.users[3].display_name, "Main IVR");
        assert_eq!(config.policies.len(), 9);
        assert_eq!(config.policies[4].policy_type, "TeamsMeetingPolicy");
        assert_eq!(config.policies[5].name, "Policy002");
        let again = EmulatorConfig::with_numbers(3)
            .with_users(12)
            .with_policies(5);
        assert_eq!(config.users, again.users);
        assert_eq!(config.numbers, again.numbers);
    }
}
