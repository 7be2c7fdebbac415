//! `cargo xtask diff`: the rules added with the rule ids, each from a pair
//! of slices: response headers and the long-running flag, `x-ms-pageable`,
//! `x-ms-docs-operation-type`, direction (sent vs received), deprecation,
//! defaults, `pattern`, `format`, limits, `readOnly`, the overlay's status;
//! and the README's table of rule ids.

mod diff_support;

use diff_support::*;
use serde_json::{Value, json};
use xtask::diff::overlay::{self, ActionStatus};
use xtask::diff::{Bump, Level, RuleId, Verdict};
use xtask::workspace_root;

fn responses<'a>(
    d: &'a mut Value,
    path: &str,
    method: &str,
) -> &'a mut serde_json::Map<String, Value> {
    d["paths"][path][method]["responses"]
        .as_object_mut()
        .unwrap()
}

/// A 202 with `Location` (required) and `Retry-After`, as the overlay
/// writes for assignNumber, on updateNumber (which the overlay leaves
/// without one).
fn accepted(location: bool, retry_after: bool) -> Value {
    let mut headers = serde_json::Map::new();
    if location {
        headers.insert(
            "Location".into(),
            json!({"required": true, "schema": {"type": "string"}}),
        );
    }
    if retry_after {
        headers.insert("Retry-After".into(), json!({"schema": {"type": "string"}}));
    }
    json!({"description": "Accepted", "headers": headers})
}

#[test]
fn response_headers_and_the_long_running_flag() {
    // Retry-After, which the poller honours, is no longer documented.
    let r = diff_pair(
        |d| {
            responses(d, UPDATE, "post").insert("202".into(), accepted(true, true));
        },
        |d| {
            responses(d, UPDATE, "post").insert("202".into(), accepted(true, false));
        },
    );
    let c = only(&r);
    assert_eq!(c.id.name(), "response-optional-header-removed");
    assert_eq!(
        (c.level, c.graph, c.rust),
        (Level::Warning, Verdict::NonBreaking, Verdict::NonBreaking)
    );
    assert!(
        c.location.ends_with("response 202 header Retry-After"),
        "{}",
        c.location
    );

    // The Location the poller follows goes: the operation is no longer
    // long-running, which breaks the Rust API (no `Operation`).
    let r = diff_pair(
        |d| {
            responses(d, UPDATE, "post").insert("202".into(), accepted(true, true));
        },
        |d| {
            responses(d, UPDATE, "post").insert("202".into(), accepted(false, true));
        },
    );
    assert_eq!(
        ids(&r),
        ["long-running-removed", "response-required-header-removed"]
    );
    let lro = the(&r, "long-running-removed");
    assert_eq!(
        (lro.graph, lro.rust, lro.semver),
        (Verdict::NonBreaking, Verdict::Breaking, Bump::Major)
    );
    assert_eq!(lro.operation_id.as_deref(), Some("update_number"));
    assert_eq!(
        the(&r, "response-required-header-removed").graph,
        Verdict::Breaking
    );

    // The other way round: updateNumber starts answering 202 + Location.
    let r = diff_with(|d| {
        responses(d, UPDATE, "post").insert("202".into(), accepted(true, true));
    });
    assert_eq!(
        ids(&r),
        ["long-running-added", "response-success-status-added"]
    );

    // A header becomes optional; a response gains one.
    let r = diff_pair(
        |d| {
            responses(d, UPDATE, "post").insert("202".into(), accepted(true, false));
        },
        |d| {
            let mut a = accepted(true, false);
            a["headers"]["Location"]["required"] = json!(false);
            responses(d, UPDATE, "post").insert("202".into(), a);
        },
    );
    // Location optional: the generator's table still calls it long-running.
    assert_eq!(ids(&r), ["response-header-became-optional"]);
    let r = diff_with(|d| {
        responses(d, GET_NA, "get")["2XX"]["headers"] =
            json!({"ETag": {"schema": {"type": "string"}}});
    });
    assert_eq!(only(&r).id.name(), "response-header-added");
    assert_eq!(only(&r).level, Level::Info);
}

#[test]
fn pageable_added_or_removed() {
    let r = diff_with(|d| {
        d["paths"][LIST_UA]["get"]
            .as_object_mut()
            .unwrap()
            .remove("x-ms-pageable");
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.graph, c.rust, c.semver),
        (
            "pageable-removed",
            Verdict::NonBreaking,
            Verdict::Breaking,
            Bump::Major
        )
    );
    assert_eq!(c.operation_id.as_deref(), Some("list_user_assignments"));
    let r = diff_with(|d| {
        d["paths"]["/admin/teams/policy"]["get"]["x-ms-pageable"] =
            json!({"nextLinkName": "@odata.nextLink", "operationName": "listMore"});
    });
    assert_eq!(only(&r).id.name(), "pageable-added");
    assert!(only(&r).detail.contains("@odata.nextLink"));
}

#[test]
fn operation_type_and_idempotency() {
    // A GET stays idempotent whatever its type.
    let policy_id = "/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='{type}',name='{name}')";
    let r = diff_with(|d| {
        d["paths"][policy_id]["get"]["x-ms-docs-operation-type"] = json!("operation");
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.level),
        ("operation-type-changed", Level::Warning)
    );
    assert!(
        c.detail
            .contains("function → operation; `is_idempotent` unchanged"),
        "{}",
        c.detail
    );
    // A POST action that becomes a function becomes idempotent: retried.
    let r = diff_with(|d| {
        d["paths"][ASSIGN]["post"]["x-ms-docs-operation-type"] = json!("function");
    });
    assert!(
        only(&r)
            .detail
            .contains("`is_idempotent` false → true: the runtime now retries it"),
        "{}",
        only(&r).detail
    );
}

/// A property that becomes required or non-nullable matters where the
/// schema is sent, not where it is only received; widening the opposite.
#[test]
fn direction_sent_versus_received() {
    // teamsPolicyUserAssignment travels both ways (assign's `value`, and
    // the lists): two changes, one per direction.
    let r = diff_with(|d| {
        props(d, UA).insert("policyId".into(), json!({"type": "string"}));
    });
    assert_eq!(
        ids(&r),
        [
            "request-property-became-not-nullable",
            "response-property-became-not-nullable"
        ]
    );
    assert_eq!(
        the(&r, "request-property-became-not-nullable").graph,
        Verdict::Breaking
    );
    assert_eq!(
        the(&r, "response-property-became-not-nullable").graph,
        Verdict::NonBreaking
    );
    assert_eq!(
        the(&r, "response-property-became-not-nullable").level,
        Level::Info
    );

    // numberAssignment is only received: becoming nullable breaks readers.
    let r = diff_with(|d| {
        props(d, NA).insert(
            "operatorId".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.graph, c.rust),
        (
            "response-property-became-nullable",
            Verdict::Breaking,
            Verdict::NonBreaking
        )
    );

    // Required: breaking to send; compatible to receive, but the model's
    // builder insists and `Default` goes.
    let r = diff_with(|d| {
        d["components"]["schemas"][UA]["allOf"][1]["required"] = json!(["@odata.type", "userId"]);
    });
    assert_eq!(
        ids(&r),
        [
            "request-property-became-required",
            "response-property-became-required"
        ]
    );
    assert_eq!(
        the(&r, "request-property-became-required").graph,
        Verdict::Breaking
    );
    let resp = the(&r, "response-property-became-required");
    assert_eq!(
        (resp.graph, resp.rust),
        (Verdict::NonBreaking, Verdict::Breaking)
    );

    // Widening a limit: a warning where it is received, nothing where sent.
    let r = diff_pair(
        |d| {
            props(d, UA).insert("userId".into(), json!({"type": "string", "maxLength": 36}));
        },
        |d| {
            props(d, UA).insert("userId".into(), json!({"type": "string", "maxLength": 64}));
        },
    );
    assert_eq!(
        ids(&r),
        [
            "request-property-constraint-widened",
            "response-property-constraint-widened"
        ]
    );
    assert_eq!(
        the(&r, "request-property-constraint-widened").level,
        Level::Info
    );
    assert_eq!(
        the(&r, "response-property-constraint-widened").level,
        Level::Warning
    );
    assert!(
        the(&r, "response-property-constraint-widened")
            .detail
            .contains("maxLength 36 → 64")
    );
}

#[test]
fn deprecation_with_graphs_dates() {
    let dep = json!({
        "removalDate": "2026-09-30",
        "date": "2026-03-31",
        "version": "2026-03/numberAssignments",
        "description": "Use the numbers API instead."
    });
    let r = diff_with(|d| {
        d["paths"][ASSIGN]["post"]["deprecated"] = json!(true);
        d["paths"][ASSIGN]["post"]["x-ms-deprecation"] = dep.clone();
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.level),
        ("endpoint-deprecated", Level::Warning)
    );
    assert_eq!(
        c.detail,
        "deprecated: removal 2026-09-30, since 2026-03-31, version 2026-03/numberAssignments: Use the numbers API instead."
    );
    // The removal date moves; a property and a schema are deprecated.
    let r = diff_pair(
        |d| {
            d["paths"][ASSIGN]["post"]["x-ms-deprecation"] = dep.clone();
        },
        |d| {
            let mut later = dep.clone();
            later["removalDate"] = json!("2027-03-31");
            d["paths"][ASSIGN]["post"]["x-ms-deprecation"] = later;
            props(d, NA)["city"]["deprecated"] = json!(true);
            d["components"]["schemas"]["microsoft.graph.teamsAdministration.portInStatus"]["deprecated"] =
                json!(true);
        },
    );
    assert_eq!(
        ids(&r),
        [
            "deprecation-date-changed",
            "property-deprecated",
            "schema-deprecated"
        ]
    );
    assert!(
        the(&r, "deprecation-date-changed")
            .detail
            .contains("removal 2026-09-30")
    );
    assert!(
        the(&r, "deprecation-date-changed")
            .detail
            .contains("removal 2027-03-31")
    );
    // Removed after deprecation: still breaking, and says so (every path
    // has an overlay entry, so compared without the overlay).
    let count = "/admin/teams/telephoneNumberManagement/operations/$count";
    let p = pair(
        None,
        |d| {
            d["paths"][count]["get"]["x-ms-deprecation"] = dep.clone();
        },
        |d| {
            d["paths"].as_object_mut().unwrap().remove(count);
        },
    );
    let r = xtask::diff::report(&p.old, &p.new);
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.rust),
        ("endpoint-removed", Verdict::Breaking)
    );
    assert!(
        c.detail.contains("(deprecated before: removal 2026-09-30"),
        "{}",
        c.detail
    );
}

#[test]
fn defaults() {
    // A model property gains a default: a received value's meaning when
    // missing, and the field stops being an `Option`.
    let r = diff_with(|d| {
        props(d, NA)["operatorId"]["default"] = json!("unknown");
    });
    assert_eq!(
        ids(&r),
        [
            "generated-type-changed",
            "response-property-default-changed"
        ]
    );
    assert!(
        the(&r, "generated-type-changed")
            .detail
            .contains("`Option<String>` → `String`"),
        "{}",
        the(&r, "generated-type-changed").detail
    );
    // A query parameter's default: behaviour for calls that omit it.
    let r = diff_with(|d| {
        d["components"]["parameters"]["count"]["schema"]["default"] = json!(false);
    });
    assert!(
        r.changes
            .iter()
            .all(|c| c.id == RuleId::RequestParameterDefaultChanged),
        "{:#?}",
        r.changes
    );
    assert!(
        r.changes
            .iter()
            .all(|c| c.graph == Verdict::Breaking && c.rust == Verdict::NonBreaking)
    );
    assert!(!r.changes.is_empty());
}

#[test]
fn pattern_format_and_limits() {
    // A pattern on a received string: compatible on the wire, but typify
    // makes a validated newtype of it.
    let r = diff_with(|d| {
        props(d, NA)["telephoneNumber"]["pattern"] = json!("^\\+[0-9]+$");
    });
    assert_eq!(
        ids(&r),
        [
            "generated-type-changed",
            "response-property-constraint-narrowed"
        ]
    );
    assert_eq!(
        the(&r, "response-property-constraint-narrowed").graph,
        Verdict::NonBreaking
    );
    // The same on an action parameter: refused values; bodies keep `String`.
    let r = diff_with(|d| {
        body(d, ASSIGN)["properties"]["telephoneNumber"]["pattern"] = json!("^\\+[0-9]+$");
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.graph, c.rust),
        (
            "request-property-constraint-narrowed",
            Verdict::Breaking,
            Verdict::NonBreaking
        )
    );
    // A format typify maps changes the Rust type; one it does not, nothing.
    let r = diff_with(|d| {
        props(d, NA)["operatorId"]["format"] = json!("uuid");
    });
    assert_eq!(
        ids(&r),
        [
            "generated-type-changed",
            "response-property-constraint-narrowed"
        ]
    );
    assert!(the(&r, "generated-type-changed").detail.contains("Uuid"));
    let r = diff_with(|d| {
        props(d, NA)["operatorId"]["format"] = json!("duration");
    });
    assert_eq!(ids(&r), ["response-property-constraint-narrowed"]);
    // `$top` loses its minimum: more values are valid, and the setter's
    // type goes from u64 to i64.
    let r = diff_with(|d| {
        d["components"]["parameters"]["top"]["schema"]
            .as_object_mut()
            .unwrap()
            .remove("minimum");
    });
    let widened = r
        .changes
        .iter()
        .filter(|c| c.id == RuleId::RequestParameterConstraintWidened)
        .count();
    let retyped: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.id == RuleId::GeneratedParameterTypeChanged)
        .collect();
    assert!(widened > 0 && widened == retyped.len(), "{:#?}", r.changes);
    assert!(
        retyped[0].detail.contains("`u64` → `i64`"),
        "{}",
        retyped[0].detail
    );
    // An action parameter's maximum length shrinks: refused values.
    let r = diff_pair(
        |d| {
            body(d, ASSIGN)["properties"]["locationId"]["maxLength"] = json!(64);
        },
        |d| {
            body(d, ASSIGN)["properties"]["locationId"]["maxLength"] = json!(36);
        },
    );
    assert_eq!(only(&r).id.name(), "request-property-constraint-narrowed");
    assert!(only(&r).detail.contains("maxLength 64 → 36"));
}

#[test]
fn read_only() {
    let r = diff_with(|d| {
        props(d, UA)["userId"]["readOnly"] = json!(true);
    });
    assert_eq!(
        ids(&r),
        [
            "request-property-became-read-only",
            "response-property-read-only-changed"
        ]
    );
    assert_eq!(
        the(&r, "request-property-became-read-only").level,
        Level::Error
    );
    assert_eq!(
        the(&r, "response-property-read-only-changed").level,
        Level::Info
    );
}

/// Upstream starts documenting what an overlay action corrects: the
/// action is redundant (and says why); a renamed target makes it stale.
#[test]
fn overlay_actions_that_upstream_made_redundant() {
    let loaded = xtask::spec::overlay::load(&overlay()).unwrap();
    let statuses = |d: &Value| overlay::check(&loaded.overlay, d);
    // As committed: every action still applies.
    assert!(
        statuses(&committed())
            .iter()
            .all(|v| v.status == ActionStatus::Applies)
    );

    // Upstream documents 202 + Location (with its own wording) and drops
    // the 204 for assignNumber and unassignNumber.
    let mut fixed = committed();
    for path in [ASSIGN, &ASSIGN.replace("assignNumber", "unassignNumber")] {
        let r = responses(&mut fixed, path, "post");
        r.remove("204");
        r.insert(
            "202".into(),
            json!({
                "description": "Accepted.",
                "headers": {
                    "Location": {"description": "The operation.", "required": true, "schema": {"type": "string"}},
                    "Retry-After": {"schema": {"type": "string"}}
                }
            }),
        );
    }
    // ... and the `skipped` status we add.
    fixed["components"]["schemas"]["microsoft.graph.longRunningOperationStatus"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("skipped"));
    let v = statuses(&fixed);
    let by_target = |needle: &str| {
        loaded
            .overlay
            .actions
            .iter()
            .position(|a| a.target.ends_with(needle))
            .map(|i| &v[i])
            .unwrap()
    };
    let removal = by_target(".post.responses['204']");
    assert_eq!(removal.status, ActionStatus::Redundant);
    assert!(
        removal.detail.contains("already gone"),
        "{}",
        removal.detail
    );
    let lro = loaded
        .overlay
        .actions
        .iter()
        .position(|a| {
            a.description
                .as_deref()
                .unwrap_or("")
                .contains("Describe the real answer: 202")
        })
        .unwrap();
    assert_eq!(v[lro].status, ActionStatus::Redundant, "{:?}", v[lro]);
    assert!(
        v[lro].detail.contains("apart from wording"),
        "{}",
        v[lro].detail
    );
    assert_eq!(
        by_target("longRunningOperationStatus'].enum").status,
        ActionStatus::Redundant
    );
    // The rest still apply.
    assert_eq!(
        v.iter()
            .filter(|x| x.status == ActionStatus::Redundant)
            .count(),
        3
    );

    // In a diff the overlay report names it (here the 204 stays upstream,
    // so the overlay applies strictly and the 202 action is the redundant one).
    let r = diff_with(|d| {
        responses(d, ASSIGN, "post").insert(
            "202".into(),
            json!({"description": "Accepted", "headers": {
                "Location": {"required": true, "schema": {"type": "string"}},
                "Retry-After": {"schema": {"type": "string"}}}}),
        );
    });
    let o = r.overlay.as_ref().unwrap();
    assert_eq!(o.redundant, 0, "one of the two paths still needs it");
    let r = diff_with(|d| {
        for path in [
            ASSIGN.to_owned(),
            ASSIGN.replace("assignNumber", "unassignNumber"),
        ] {
            responses(d, &path, "post").insert(
                "202".into(),
                json!({"description": "Accepted", "headers": {
                    "Location": {"required": true, "schema": {"type": "string"}},
                    "Retry-After": {"schema": {"type": "string"}}}}),
            );
        }
    });
    let o = r.overlay.as_ref().unwrap();
    assert_eq!(o.redundant, 1, "{}", o.markdown());
    let a = o
        .actions
        .iter()
        .find(|a| a.new == ActionStatus::Redundant)
        .unwrap();
    assert_eq!(a.old, Some(ActionStatus::Applies));
    assert!(
        r.markdown()
            .contains("| **redundant**: upstream already says this, apart from wording |"),
        "{}",
        r.markdown()
    );
    assert!(
        r.release_note()
            .contains("Graph now documents what 1 of our corrections said"),
        "{}",
        r.release_note()
    );
    // `--fail-on warning` counts it.
    assert!(r.changes.is_empty());
    assert_eq!(r.count_at_least(Level::Warning), 1);
    assert_eq!(r.count_at_least(Level::Error), 0);

    // A renamed action path: the actions that target it are stale.
    let mut moved = committed();
    let item = moved["paths"]
        .as_object_mut()
        .unwrap()
        .remove(ASSIGN)
        .unwrap();
    moved["paths"]
        .as_object_mut()
        .unwrap()
        .insert(ASSIGN.replace("assignNumber", "assignPhoneNumber"), item);
    let v = statuses(&moved);
    assert!(v.iter().any(|x| x.status == ActionStatus::Stale));
}

/// The README documents every rule id: its table is the one
/// `cargo xtask diff --rules` prints from the rule table.
#[test]
fn the_readme_documents_every_rule() {
    let root = workspace_root().unwrap();
    let table = xtask::diff::rules::markdown_table();
    let name = "README.md";
    let text = std::fs::read_to_string(root.join(name)).unwrap();
    assert!(
        text.contains(&table),
        "{name} lacks the current rule table; paste the output of `cargo xtask diff --rules`:\n{table}"
    );
    for rule in xtask::diff::RULES {
        assert!(
            text.contains(&format!("`{}`", rule.name)),
            "{name}: {}",
            rule.name
        );
    }
}
