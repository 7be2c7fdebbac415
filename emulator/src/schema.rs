//! The query surface of each entity set: what `$filter` and `$select` may
//! name. The properties come from the generated lists
//! (`types::X::PROPERTIES`, by kind); only what the service documents beyond
//! the description is kept here: properties it refuses in `$filter`, and the
//! user properties the emulator serves.

use graph_teams_admin::generated::models::ModelProperties;
use graph_teams_admin::generated::types::{
    NumberAssignment, PolicyIdentifierDetail, TeamsPolicyUserAssignment, TeamsUserConfiguration,
    TelephoneNumberLongRunningOperation,
};

use super::filter::Schema;
use super::query::EntitySet;

/// The entity set of a model: `$select` names its structural properties;
/// `$filter` compares strings and enums, takes `any()` over collections of
/// them, and refuses the rest.
const fn entity_set(model: &ModelProperties) -> EntitySet {
    EntitySet {
        filter: Schema {
            type_name: model.type_name,
            strings: model.strings,
            enums: model.enums,
            collections: model.primitive_collections,
            not_filterable: model.others,
        },
        properties: model.structural,
    }
}

/// Up to `N` names, chosen at compile time.
struct Names<const N: usize> {
    names: [&'static str; N],
    len: usize,
}

impl<const N: usize> Names<N> {
    /// `list`, without the names in `drop`, then `and`.
    const fn new(list: &[&'static str], drop: &[&str], and: &[&'static str]) -> Self {
        let mut names = [""; N];
        let mut len = 0;
        let mut i = 0;
        while i < list.len() {
            if !contains(drop, list[i]) {
                names[len] = list[i];
                len += 1;
            }
            i += 1;
        }
        let mut j = 0;
        while j < and.len() {
            names[len] = and[j];
            len += 1;
            j += 1;
        }
        Self { names, len }
    }

    const fn as_slice(&'static self) -> &'static [&'static str] {
        self.names.split_at(self.len).0
    }
}

const fn contains(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if same(list[i].as_bytes(), name.as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const NUMBER: ModelProperties = NumberAssignment::PROPERTIES;
/// Strings of the number inventory that `$filter` may not name (the
/// description says "Not filterable" of `city`).
const NUMBER_NOT_FILTERABLE: &[&str] = &["id", "city"];
const NUMBER_STRINGS: Names<{ NUMBER.strings.len() }> =
    Names::new(NUMBER.strings, NUMBER_NOT_FILTERABLE, &[]);
const NUMBER_REFUSED: Names<{ NUMBER.others.len() + NUMBER_NOT_FILTERABLE.len() }> =
    Names::new(NUMBER.others, &[], NUMBER_NOT_FILTERABLE);

pub(crate) const NUMBERS: EntitySet = EntitySet {
    filter: Schema {
        strings: NUMBER_STRINGS.as_slice(),
        not_filterable: NUMBER_REFUSED.as_slice(),
        ..entity_set(&NUMBER).filter
    },
    ..entity_set(&NUMBER)
};

pub(crate) const OPERATIONS: EntitySet =
    entity_set(&TelephoneNumberLongRunningOperation::PROPERTIES);

pub(crate) const USER_CONFIGURATIONS: EntitySet = entity_set(&TeamsUserConfiguration::PROPERTIES);

pub(crate) const USER_ASSIGNMENTS: EntitySet = entity_set(&TeamsPolicyUserAssignment::PROPERTIES);

pub(crate) const POLICY_DETAILS: EntitySet = entity_set(&PolicyIdentifierDetail::PROPERTIES);

/// `microsoft.graph.user`, as far as the emulator knows it (`/users/{id}`).
pub(crate) const USERS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.user",
        strings: &[],
        enums: &[],
        collections: &[],
        not_filterable: &[],
    },
    properties: &[
        "id",
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "accountEnabled",
        "usageLocation",
        "userType",
    ],
};
