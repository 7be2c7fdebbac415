//! Stage 4, the API diff: the rule table, the one source of truth for what
//! each kind of change means. Every change the diff reports carries one
//! rule id (kebab-case, in the style of oasdiff's checker ids); the rule
//! fixes its level, both classifications, the version bump it needs for the
//! SDK crate and the coarse `kind` the JSON report has always carried. The
//! README's table is generated from [`RULES`] ([`markdown_table`]) and a
//! test checks that the two agree.
//!
//! The words: **level** is how loudly a reviewer should hear it (`error`:
//! breaking by Graph's versioning rules or for the Rust API; `warning`:
//! compatible by both, but behaviour the SDK keys on, or something to plan
//! for; `info`: additive or cosmetic). **graph** is Graph's own policy (is
//! it breaking on the wire for a client that followed the old
//! description?). **rust** is the generated Rust API as it stands with
//! `#[non_exhaustive]` models and bodies and open enums. **semver** is the
//! bump the SDK crate needs in cargo's terms (`major` = breaking, `minor` =
//! a compatible addition, `patch` = no API change); for 0.y.z a breaking
//! change bumps y and everything else z.

use serde::{Serialize, Serializer};

/// Breaking or not, under one set of rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Breaking,
    NonBreaking,
}

/// How loudly a change is reported (`--fail-on LEVEL` fails at this level
/// or above).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The version bump a change needs, in cargo's semver terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// No change to the public API.
    #[default]
    Patch,
    /// A compatible addition.
    Minor,
    /// A breaking change.
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// The coarse category of a change, the JSON report's `kind` (kept from the
/// first version of the format; [`RuleId`] is the precise rule). Serialized
/// as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ServerChanged,
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    ParameterAdded,
    ParameterRemoved,
    ParameterChanged,
    RequestBodyChanged,
    ResponseAdded,
    ResponseRemoved,
    ResponseChanged,
    SchemaAdded,
    SchemaRemoved,
    SchemaChanged,
    PropertyAdded,
    PropertyRemoved,
    PropertyTypeChanged,
    PropertyNullabilityChanged,
    ItemsNullabilityChanged,
    PropertyRequiredChanged,
    EnumMemberAdded,
    EnumMemberRemoved,
    EnumMembersReordered,
    /// Since the rule ids: operation type, paging, long-running.
    OperationChanged,
    /// Since the rule ids: `deprecated` / `x-ms-deprecation`.
    DeprecationChanged,
    /// Since the rule ids: limits, defaults, `readOnly`.
    PropertyChanged,
}
use ChangeKind as K;

impl ChangeKind {
    /// Every kind: the 23 of the first format, then the three added with
    /// the rule ids.
    pub const ALL: [Self; 26] = [
        K::ServerChanged,
        K::OperationAdded,
        K::OperationRemoved,
        K::OperationRenamed,
        K::ParameterAdded,
        K::ParameterRemoved,
        K::ParameterChanged,
        K::RequestBodyChanged,
        K::ResponseAdded,
        K::ResponseRemoved,
        K::ResponseChanged,
        K::SchemaAdded,
        K::SchemaRemoved,
        K::SchemaChanged,
        K::PropertyAdded,
        K::PropertyRemoved,
        K::PropertyTypeChanged,
        K::PropertyNullabilityChanged,
        K::ItemsNullabilityChanged,
        K::PropertyRequiredChanged,
        K::EnumMemberAdded,
        K::EnumMemberRemoved,
        K::EnumMembersReordered,
        K::OperationChanged,
        K::DeprecationChanged,
        K::PropertyChanged,
    ];

    /// The name in the JSON report, as serde writes it (`enum_member_added`).
    pub fn as_str(self) -> &'static str {
        match self {
            K::ServerChanged => "server_changed",
            K::OperationAdded => "operation_added",
            K::OperationRemoved => "operation_removed",
            K::OperationRenamed => "operation_renamed",
            K::ParameterAdded => "parameter_added",
            K::ParameterRemoved => "parameter_removed",
            K::ParameterChanged => "parameter_changed",
            K::RequestBodyChanged => "request_body_changed",
            K::ResponseAdded => "response_added",
            K::ResponseRemoved => "response_removed",
            K::ResponseChanged => "response_changed",
            K::SchemaAdded => "schema_added",
            K::SchemaRemoved => "schema_removed",
            K::SchemaChanged => "schema_changed",
            K::PropertyAdded => "property_added",
            K::PropertyRemoved => "property_removed",
            K::PropertyTypeChanged => "property_type_changed",
            K::PropertyNullabilityChanged => "property_nullability_changed",
            K::ItemsNullabilityChanged => "items_nullability_changed",
            K::PropertyRequiredChanged => "property_required_changed",
            K::EnumMemberAdded => "enum_member_added",
            K::EnumMemberRemoved => "enum_member_removed",
            K::EnumMembersReordered => "enum_members_reordered",
            K::OperationChanged => "operation_changed",
            K::DeprecationChanged => "deprecation_changed",
            K::PropertyChanged => "property_changed",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Rule {
    pub id: RuleId,
    /// The stable id in reports (`response-property-removed`).
    pub name: &'static str,
    pub level: Level,
    pub graph: Verdict,
    pub rust: Verdict,
    pub semver: Bump,
    pub kind: ChangeKind,
    /// What the change is and what it does to the generated Rust API.
    pub description: &'static str,
}

macro_rules! rules {
    ($( $variant:ident = $name:literal, $level:ident, $graph:ident, $rust:ident, $bump:ident, $kind:ident, $desc:literal; )*) => {
        /// A rule of the table (see [`RULES`]). Serialized as its name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId { $($variant),* }

        /// Every rule, in the README's order.
        pub const RULES: &[Rule] = &[
            $(Rule {
                id: RuleId::$variant,
                name: $name,
                level: Level::$level,
                graph: Verdict::$graph,
                rust: Verdict::$rust,
                semver: Bump::$bump,
                kind: ChangeKind::$kind,
                description: $desc,
            },)*
        ];
    };
}

impl RuleId {
    /// The rule's row.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.rule().name
    }

    /// The rule called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        RULES.iter().find(|r| r.name == name).map(|r| r.id)
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

rules! {
    // --- The server -----------------------------------------------------------
    ServerChanged = "server-changed", Info, NonBreaking, NonBreaking, Patch, ServerChanged,
        "The `servers` URL changed. The client's base URL is configured at run time (beta by default, `.v1()` for v1.0).";

    // --- Operations -------------------------------------------------------------
    EndpointAdded = "endpoint-added", Info, NonBreaking, NonBreaking, Minor, OperationAdded,
        "A new operation: a new client method.";
    EndpointRemoved = "endpoint-removed", Error, Breaking, Breaking, Major, OperationRemoved,
        "An operation was removed (the detail says whether it was deprecated first): its client method is gone.";
    OperationIdChanged = "operation-id-changed", Error, NonBreaking, Breaking, Major, OperationRenamed,
        "The operationId changed: the same request on the wire, a renamed client method (and action body).";
    OperationTypeChanged = "operation-type-changed", Warning, NonBreaking, NonBreaking, Patch, OperationChanged,
        "`x-ms-docs-operation-type` changed (operation, action, function): `OperationMeta::kind` changes and with it `is_idempotent`, that is whether the runtime retries the call after a transport error.";
    PageableAdded = "pageable-added", Error, NonBreaking, Breaking, Major, OperationChanged,
        "`x-ms-pageable` added: the list now pages with `@odata.nextLink` (compatible by Graph's policy). `OperationMeta::pageable` turns true and the list becomes a `Pager` (its page type a `CollectionResponse`).";
    PageableRemoved = "pageable-removed", Error, NonBreaking, Breaking, Major, OperationChanged,
        "`x-ms-pageable` removed: the list comes whole. `OperationMeta::pageable` turns false and the list stops being a `Pager`.";
    LongRunningAdded = "long-running-added", Error, NonBreaking, Breaking, Major, OperationChanged,
        "The operation now answers 202 with a `Location` to poll: `OperationMeta::long_running` turns true and the call becomes an `Operation` (the 202 or its header is reported on its own).";
    LongRunningRemoved = "long-running-removed", Error, NonBreaking, Breaking, Major, OperationChanged,
        "The operation no longer answers 202 with a `Location`: `OperationMeta::long_running` turns false and the poller has nothing to follow (the 202 or its header is reported on its own).";

    // --- Deprecation -------------------------------------------------------------
    EndpointDeprecated = "endpoint-deprecated", Warning, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "The operation is marked `deprecated`; the detail gives Graph's `x-ms-deprecation` (removal date, since, version, description). Plan the removal.";
    ParameterDeprecated = "parameter-deprecated", Warning, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "A parameter is marked `deprecated` (with `x-ms-deprecation` when Graph gives one).";
    SchemaDeprecated = "schema-deprecated", Warning, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "A schema (a model or an enum) is marked `deprecated` (with `x-ms-deprecation` when Graph gives one).";
    PropertyDeprecated = "property-deprecated", Warning, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "A property or action parameter is marked `deprecated` (with `x-ms-deprecation` when Graph gives one).";
    DeprecationRemoved = "deprecation-removed", Info, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "A deprecation was withdrawn.";
    DeprecationDateChanged = "deprecation-date-changed", Warning, NonBreaking, NonBreaking, Patch, DeprecationChanged,
        "The removal date, since date or version of an `x-ms-deprecation` changed.";

    // --- Query, path and header parameters -----------------------------------------
    NewRequiredRequestParameter = "new-required-request-parameter", Error, Breaking, Breaking, Major, ParameterAdded,
        "A new required parameter: calls without it fail (the builder's `send` refuses them).";
    NewOptionalRequestParameter = "new-optional-request-parameter", Info, NonBreaking, NonBreaking, Minor, ParameterAdded,
        "A new optional parameter: a new builder setter.";
    RequestParameterRemoved = "request-parameter-removed", Error, Breaking, Breaking, Major, ParameterRemoved,
        "A parameter was removed: its builder setter is gone.";
    RequestParameterTypeChanged = "request-parameter-type-changed", Error, Breaking, Breaking, Major, ParameterChanged,
        "A parameter's type changed: the setter takes another type.";
    RequestParameterBecameRequired = "request-parameter-became-required", Error, Breaking, Breaking, Major, ParameterChanged,
        "A parameter became required: calls without it fail.";
    RequestParameterBecameOptional = "request-parameter-became-optional", Info, NonBreaking, NonBreaking, Patch, ParameterChanged,
        "A parameter became optional: the setter is unchanged, `send` no longer insists.";
    RequestParameterConstraintNarrowed = "request-parameter-constraint-narrowed", Error, Breaking, NonBreaking, Patch, ParameterChanged,
        "A `pattern`, `format`, minimum/maximum, length or item-count limit of a parameter was added or tightened (or a pattern or format changed): values accepted before may be refused.";
    RequestParameterConstraintWidened = "request-parameter-constraint-widened", Info, NonBreaking, NonBreaking, Patch, ParameterChanged,
        "A limit of a parameter was removed or relaxed.";
    RequestParameterDefaultChanged = "request-parameter-default-changed", Error, Breaking, NonBreaking, Patch, ParameterChanged,
        "The `default` that applies when a parameter is left out was added, removed or changed: the service behaves differently for calls that omit it.";
    GeneratedParameterTypeChanged = "generated-parameter-type-changed", Error, NonBreaking, Breaking, Major, ParameterChanged,
        "A change that keeps the parameter's JSON type changes the Rust type of its setter (a minimum that makes the integer unsigned or `NonZero`, a `format` typify maps, a pattern or length limit that makes a validated newtype).";

    // --- Action parameters (inline action bodies, `bodies.rs`) -------------------------
    NewRequiredActionParameter = "new-required-action-parameter", Error, Breaking, Breaking, Major, PropertyAdded,
        "A new required parameter of an action: a new argument of the body's `new`.";
    NewOptionalActionParameter = "new-optional-action-parameter", Info, NonBreaking, NonBreaking, Minor, PropertyAdded,
        "A new optional parameter of an action: a new setter on the body.";
    ActionParameterRemoved = "action-parameter-removed", Error, Breaking, Breaking, Major, PropertyRemoved,
        "An action parameter was removed: its field, setter or `new` argument is gone.";
    ActionParameterTypeChanged = "action-parameter-type-changed", Error, Breaking, Breaking, Major, PropertyTypeChanged,
        "An action parameter's type changed.";
    ActionParameterBecameRequired = "action-parameter-became-required", Error, Breaking, Breaking, Major, PropertyRequiredChanged,
        "An action parameter became required: it moves from a setter into `new`.";
    ActionParameterBecameOptional = "action-parameter-became-optional", Error, NonBreaking, Breaking, Major, PropertyRequiredChanged,
        "An action parameter became optional: compatible on the wire, but `new` loses the argument and a setter appears.";
    ActionParameterBecameNullable = "action-parameter-became-nullable", Error, NonBreaking, Breaking, Major, PropertyNullabilityChanged,
        "An action parameter may now be sent as `null`: its field becomes `Nullable<T>` (or `Option<T>` in `new`).";
    ActionParameterBecameNotNullable = "action-parameter-became-not-nullable", Error, Breaking, Breaking, Major, PropertyNullabilityChanged,
        "An action parameter may no longer be `null`: callers sending `null` are refused, and its Rust type changes.";
    ActionParameterItemsBecameNullable = "action-parameter-items-became-nullable", Error, NonBreaking, Breaking, Major, ItemsNullabilityChanged,
        "The items of an action parameter's list may now be `null`: `Vec<T>` becomes `Vec<Option<T>>`.";
    ActionParameterItemsBecameNotNullable = "action-parameter-items-became-not-nullable", Error, Breaking, Breaking, Major, ItemsNullabilityChanged,
        "The items of an action parameter's list may no longer be `null`: `Vec<Option<T>>` becomes `Vec<T>`.";

    // --- Properties of models that are sent (reachable from a request body) --------------
    NewRequiredRequestProperty = "new-required-request-property", Error, Breaking, Breaking, Major, PropertyAdded,
        "A new required property of a model that is sent: requests without it fail; the model's builder requires it and the model loses `Default`.";
    NewOptionalRequestProperty = "new-optional-request-property", Info, NonBreaking, NonBreaking, Minor, PropertyAdded,
        "A new optional property of a model that is sent: a new field and builder setter (models are `#[non_exhaustive]`).";
    RequestPropertyRemoved = "request-property-removed", Error, Breaking, Breaking, Major, PropertyRemoved,
        "A property of a model that is sent was removed: the field and setter are gone.";
    RequestPropertyTypeChanged = "request-property-type-changed", Error, Breaking, Breaking, Major, PropertyTypeChanged,
        "The type of a property of a model that is sent changed.";
    RequestPropertyBecameRequired = "request-property-became-required", Error, Breaking, Breaking, Major, PropertyRequiredChanged,
        "A property of a model that is sent became required: requests without it fail; the builder requires it and the model loses `Default`.";
    RequestPropertyBecameOptional = "request-property-became-optional", Info, NonBreaking, NonBreaking, Patch, PropertyRequiredChanged,
        "A property of a model that is sent became optional: the builder stops insisting (a change of the field's type is reported as `generated-type-changed`).";
    RequestPropertyBecameNullable = "request-property-became-nullable", Info, NonBreaking, NonBreaking, Patch, PropertyNullabilityChanged,
        "A property of a model that is sent may now be `null` (model fields are `Option` either way; see `generated-type-changed` for required ones).";
    RequestPropertyBecameNotNullable = "request-property-became-not-nullable", Error, Breaking, NonBreaking, Patch, PropertyNullabilityChanged,
        "A property of a model that is sent may no longer be `null`: requests sending `null` are refused.";
    RequestPropertyItemsBecameNullable = "request-property-items-became-nullable", Info, NonBreaking, NonBreaking, Patch, ItemsNullabilityChanged,
        "The items of a list property of a model that is sent may now be `null`.";
    RequestPropertyItemsBecameNotNullable = "request-property-items-became-not-nullable", Error, Breaking, NonBreaking, Patch, ItemsNullabilityChanged,
        "The items of a list property of a model that is sent may no longer be `null`.";
    RequestPropertyConstraintNarrowed = "request-property-constraint-narrowed", Error, Breaking, NonBreaking, Patch, PropertyChanged,
        "A `pattern`, `format`, minimum/maximum, length or item-count limit of a property or action parameter that is sent was added or tightened (or a pattern or format changed): values accepted before may be refused.";
    RequestPropertyConstraintWidened = "request-property-constraint-widened", Info, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "A limit of a property or action parameter that is sent was removed or relaxed.";
    RequestPropertyDefaultChanged = "request-property-default-changed", Error, Breaking, NonBreaking, Patch, PropertyChanged,
        "The `default` of a property or action parameter that is sent was added, removed or changed: the service assumes another value when it is left out.";
    RequestPropertyBecameReadOnly = "request-property-became-read-only", Error, Breaking, NonBreaking, Patch, PropertyChanged,
        "A property of a model that is sent became `readOnly`: the service refuses or ignores it in requests.";
    RequestPropertyBecameWritable = "request-property-became-writable", Info, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "A property of a model that is sent is no longer `readOnly`.";

    // --- Properties of models that are received -------------------------------------------
    ResponsePropertyAdded = "response-property-added", Info, NonBreaking, NonBreaking, Minor, PropertyAdded,
        "A new optional property of a received model: a new field and builder setter; models are `#[non_exhaustive]`, so no code outside the crate builds them by struct literal.";
    ResponseRequiredPropertyAdded = "response-required-property-added", Error, NonBreaking, Breaking, Major, PropertyAdded,
        "A new required property of a received model: compatible on the wire, but the model's builder requires it and the model loses `Default`.";
    ResponsePropertyRemoved = "response-property-removed", Error, Breaking, Breaking, Major, PropertyRemoved,
        "A property of a received model was removed: the field and setter are gone.";
    ResponsePropertyTypeChanged = "response-property-type-changed", Error, Breaking, Breaking, Major, PropertyTypeChanged,
        "The type of a property of a received model changed.";
    ResponsePropertyBecameRequired = "response-property-became-required", Error, NonBreaking, Breaking, Major, PropertyRequiredChanged,
        "A property of a received model is now always sent: compatible on the wire, but the builder requires it and the model loses `Default` (and a non-nullable field loses its `Option`).";
    ResponsePropertyBecameOptional = "response-property-became-optional", Error, Breaking, NonBreaking, Patch, PropertyRequiredChanged,
        "A property of a received model may now be missing: clients relying on it break (a change of the field's type is reported as `generated-type-changed`).";
    ResponsePropertyBecameNullable = "response-property-became-nullable", Error, Breaking, NonBreaking, Patch, PropertyNullabilityChanged,
        "A property of a received model may now be `null`: clients that did not expect it break; the field is `Option` either way (see `generated-type-changed` for required ones).";
    ResponsePropertyBecameNotNullable = "response-property-became-not-nullable", Info, NonBreaking, NonBreaking, Patch, PropertyNullabilityChanged,
        "A property of a received model is no longer `null`.";
    ResponsePropertyItemsBecameNullable = "response-property-items-became-nullable", Error, Breaking, NonBreaking, Patch, ItemsNullabilityChanged,
        "The items of a list property of a received model may now be `null` (a change of the Rust item type is reported as `generated-type-changed`).";
    ResponsePropertyItemsBecameNotNullable = "response-property-items-became-not-nullable", Info, NonBreaking, NonBreaking, Patch, ItemsNullabilityChanged,
        "The items of a list property of a received model are no longer `null`.";
    ResponsePropertyConstraintNarrowed = "response-property-constraint-narrowed", Info, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "A limit of a property of a received model was added or tightened: the service promises less varied values.";
    ResponsePropertyConstraintWidened = "response-property-constraint-widened", Warning, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "A limit of a property of a received model was removed or relaxed (or a pattern or format changed): values outside the old limits may arrive (Graph calls changes to the length or format of opaque strings compatible).";
    ResponsePropertyDefaultChanged = "response-property-default-changed", Info, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "The `default` of a property of a received model changed: a missing property deserializes to another value.";
    ResponsePropertyReadOnlyChanged = "response-property-read-only-changed", Info, NonBreaking, NonBreaking, Patch, PropertyChanged,
        "A property of a received model became or stopped being `readOnly`.";
    GeneratedTypeChanged = "generated-type-changed", Error, NonBreaking, Breaking, Major, PropertyTypeChanged,
        "A change that keeps the property's JSON type changes the Rust type the generator gives it: a `default` or required+non-null (`Option<T>` ↔ `T`), a `format` typify maps (date-time, date, uuid, ip, integer widths), a pattern or length limit (a validated newtype), a minimum (unsigned or `NonZero` integers), `null` items of a primitive list.";

    // --- Enums -------------------------------------------------------------------------------
    EnumValueAdded = "enum-value-added", Info, NonBreaking, NonBreaking, Minor, EnumMemberAdded,
        "A new enum member. Graph calls it compatible; the open enums (`#[non_exhaustive]` with a catch-all) know it as a new variant where the catch-all took it before.";
    RequestEnumValueRemoved = "request-enum-value-removed", Error, Breaking, Breaking, Major, EnumMemberRemoved,
        "A member of an enum that is sent was removed: requests with it are refused, and the variant is gone.";
    ResponseEnumValueRemoved = "response-enum-value-removed", Error, NonBreaking, Breaking, Major, EnumMemberRemoved,
        "A member of an enum that is only received was removed: the service stops sending it (compatible on the wire), but the variant is gone.";
    EnumValuesReordered = "enum-values-reordered", Info, NonBreaking, NonBreaking, Patch, EnumMembersReordered,
        "Enum members were reordered: members travel by name.";

    // --- Schemas ---------------------------------------------------------------------------------
    SchemaAdded = "schema-added", Info, NonBreaking, NonBreaking, Minor, SchemaAdded,
        "A new schema: a new type.";
    SchemaRemoved = "schema-removed", Error, Breaking, Breaking, Major, SchemaRemoved,
        "A schema was removed: the type is gone.";
    SchemaKindChanged = "schema-kind-changed", Error, Breaking, Breaking, Major, SchemaChanged,
        "A schema changed kind (object, enum, other) or type.";

    // --- Request bodies and responses ----------------------------------------------------------------
    RequestBodyChanged = "request-body-changed", Error, Breaking, Breaking, Major, RequestBodyChanged,
        "A request body was added, removed or changed type.";
    ResponseSuccessStatusAdded = "response-success-status-added", Info, NonBreaking, NonBreaking, Patch, ResponseAdded,
        "A new success status (2xx): `send` accepts it too.";
    ResponseNonSuccessStatusAdded = "response-non-success-status-added", Info, NonBreaking, NonBreaking, Patch, ResponseAdded,
        "A new error status: `send` reads its error body.";
    ResponseSuccessStatusRemoved = "response-success-status-removed", Error, Breaking, Breaking, Major, ResponseRemoved,
        "A success status is no longer described: `send` no longer accepts it.";
    ResponseNonSuccessStatusRemoved = "response-non-success-status-removed", Error, NonBreaking, Breaking, Major, ResponseRemoved,
        "An error status is no longer described: compatible on the wire, but `send` turns it into an unexpected response instead of a typed error.";
    ResponseBodyChanged = "response-body-changed", Error, Breaking, Breaking, Major, ResponseChanged,
        "The body of a response changed type (or appeared, or went).";
    ResponseHeaderAdded = "response-header-added", Info, NonBreaking, NonBreaking, Patch, ResponseChanged,
        "A response documents a new header.";
    ResponseRequiredHeaderRemoved = "response-required-header-removed", Error, Breaking, NonBreaking, Patch, ResponseChanged,
        "A required response header is no longer documented (for the 202's `Location` see `long-running-removed`).";
    ResponseOptionalHeaderRemoved = "response-optional-header-removed", Warning, NonBreaking, NonBreaking, Patch, ResponseChanged,
        "An optional response header (such as the 202's `Retry-After`, which the poller honours) is no longer documented.";
    ResponseHeaderBecameOptional = "response-header-became-optional", Error, Breaking, NonBreaking, Patch, ResponseChanged,
        "A response header is no longer promised: clients relying on it break.";
    ResponseHeaderBecameRequired = "response-header-became-required", Info, NonBreaking, NonBreaking, Patch, ResponseChanged,
        "A response header is now always sent.";
    ResponseHeaderTypeChanged = "response-header-type-changed", Error, Breaking, NonBreaking, Patch, ResponseChanged,
        "A response header's schema changed (headers are read as text by the runtime).";
}

/// The README's table of rule ids, generated from [`RULES`].
pub fn markdown_table() -> String {
    let v = |v: Verdict| match v {
        Verdict::Breaking => "breaking",
        Verdict::NonBreaking => "compatible",
    };
    let mut s = String::from(
        "| id | level | Graph | Rust API | semver | kind | what it means |\n|---|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | `{}` | {} |\n",
            r.name,
            r.level.as_str(),
            v(r.graph),
            v(r.rust),
            r.semver.as_str(),
            r.kind.as_str(),
            r.description.replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_enum_order_and_ids_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id as usize, i, "{}", r.name);
            assert!(seen.insert(r.name), "duplicate id {}", r.name);
            assert!(
                r.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.name
            );
            assert_eq!(RuleId::from_name(r.name), Some(r.id));
        }
    }

    /// The level follows the verdicts, and the bump the Rust verdict: a
    /// rule cannot be quieter than what it breaks.
    #[test]
    fn levels_and_bumps_follow_the_verdicts() {
        for r in RULES {
            let breaking = r.graph == Verdict::Breaking || r.rust == Verdict::Breaking;
            assert_eq!(r.level == Level::Error, breaking, "{}", r.name);
            assert_eq!(
                r.semver == Bump::Major,
                r.rust == Verdict::Breaking,
                "{}",
                r.name
            );
        }
    }

    #[test]
    fn kinds_serialize_as_their_names_and_rules_as_ids() {
        for kind in ChangeKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_owned())
            );
        }
        for r in RULES {
            assert_eq!(
                serde_json::to_value(r.id).unwrap(),
                serde_json::Value::String(r.name.to_owned())
            );
        }
    }
}
