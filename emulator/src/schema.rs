//! The query surface of each entity set: what `$filter` and `$select` may
//! name.

use super::filter::Schema;
use super::query::EntitySet;

pub(crate) const NUMBERS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.teamsAdministration.numberAssignment",
        strings: &[
            "telephoneNumber",
            "assignmentTargetId",
            "isoCountryCode",
            "locationId",
            "civicAddressId",
            "networkSiteId",
            "operatorId",
        ],
        enums: &[
            "numberType",
            "activationState",
            "assignmentStatus",
            "assignmentCategory",
            "portInStatus",
            "numberSource",
        ],
        collections: &[
            "capabilities",
            "supportedCustomerActions",
            "reverseNumberLookupOptions",
        ],
        not_filterable: &["id", "city"],
    },
    properties: &[
        "id",
        "telephoneNumber",
        "operatorId",
        "numberType",
        "activationState",
        "capabilities",
        "locationId",
        "civicAddressId",
        "networkSiteId",
        "assignmentTargetId",
        "assignmentCategory",
        "portInStatus",
        "assignmentStatus",
        "isoCountryCode",
        "city",
        "numberSource",
        "supportedCustomerActions",
        "reverseNumberLookupOptions",
    ],
};

pub(crate) const OPERATIONS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation",
        strings: &["id", "createdDateTime"],
        enums: &["status"],
        collections: &[],
        not_filterable: &["numbers"],
    },
    properties: &["id", "createdDateTime", "status", "numbers"],
};

pub(crate) const USER_CONFIGURATIONS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.teamsAdministration.teamsUserConfiguration",
        strings: &["id", "userPrincipalName", "tenantId"],
        enums: &["accountType"],
        collections: &["featureTypes"],
        not_filterable: &[
            "telephoneNumbers",
            "effectivePolicyAssignments",
            "isEnterpriseVoiceEnabled",
            "createdDateTime",
            "modifiedDateTime",
        ],
    },
    properties: &[
        "id",
        "accountType",
        "createdDateTime",
        "effectivePolicyAssignments",
        "featureTypes",
        "isEnterpriseVoiceEnabled",
        "modifiedDateTime",
        "telephoneNumbers",
        "tenantId",
        "userPrincipalName",
    ],
};

pub(crate) const USER_ASSIGNMENTS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.teamsAdministration.teamsPolicyUserAssignment",
        strings: &["id", "userId", "policyType", "policyId"],
        enums: &[],
        collections: &[],
        not_filterable: &[],
    },
    properties: &["id", "userId", "policyType", "policyId"],
};

pub(crate) const POLICY_DETAILS: EntitySet = EntitySet {
    filter: Schema {
        type_name: "microsoft.graph.teamsAdministration.policyIdentifierDetail",
        strings: &["id", "name", "policyId"],
        enums: &[],
        collections: &[],
        not_filterable: &[],
    },
    properties: &["id", "name", "policyId"],
};

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
