//! `cargo xtask diff`: the first change kinds between pairs of slices the
//! tests write, both classifications, both formats, --fail-on-breaking and
//! --fail-on (the newer rules are in `diff_rules.rs`).

mod diff_support;

use std::process::{Command, Output};

use diff_support::*;
use serde_json::{Value, json};
use xtask::diff::{ChangeKind, Level, Verdict};
use xtask::workspace_root;

#[test]
fn identical_slices_have_no_changes() {
    let r = diff_with(|_| {});
    assert!(r.changes.is_empty());
    assert!(r.markdown().contains("No API changes."));
}

#[test]
fn a_new_enum_member_is_compatible_for_both() {
    let r = diff_with(|d| {
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberType"]["enum"]
            .as_array_mut()
            .unwrap()
            .insert(4, json!("teamsPhoneCloud"));
    });
    let c = only(&r);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::EnumMemberAdded,
            Verdict::NonBreaking,
            Verdict::NonBreaking
        )
    );
    assert!(c.detail.contains("teamsPhoneCloud"));
}

/// A member removed from an enum that is only received stops arriving
/// (compatible on the wire) but its variant is gone; one of an enum that
/// is sent breaks both.
#[test]
fn a_removed_enum_member_breaks_by_direction() {
    let r = diff_with(|d| {
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.customerAction"]["enum"]
            .as_array_mut()
            .unwrap()
            .remove(1);
    });
    let c = only(&r);
    assert_eq!(
        (c.kind, c.id.name(), c.graph, c.rust),
        (
            ChangeKind::EnumMemberRemoved,
            "response-enum-value-removed",
            Verdict::NonBreaking,
            Verdict::Breaking
        )
    );
    let r = diff_with(|d| {
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberType"]["enum"]
            .as_array_mut()
            .unwrap()
            .remove(1);
    });
    let c = only(&r);
    assert_eq!(
        (c.id.name(), c.graph, c.rust),
        (
            "request-enum-value-removed",
            Verdict::Breaking,
            Verdict::Breaking
        )
    );
}

#[test]
fn model_properties_added_removed_retyped_renullabled() {
    let added = diff_with(|d| {
        props(d, NA).insert(
            "carrierName".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let c = only(&added);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::PropertyAdded,
            Verdict::NonBreaking,
            Verdict::NonBreaking
        )
    );
    assert_eq!(c.location, format!("schema {NA}.carrierName"));

    let removed = diff_with(|d| {
        props(d, NA).remove("city");
    });
    assert_eq!(
        (
            only(&removed).kind,
            only(&removed).graph,
            only(&removed).rust
        ),
        (
            ChangeKind::PropertyRemoved,
            Verdict::Breaking,
            Verdict::Breaking
        )
    );

    let retyped = diff_with(|d| {
        props(d, NA).insert(
            "isoCountryCode".into(),
            json!({"type": "integer", "format": "int32", "nullable": true}),
        );
    });
    let c = only(&retyped);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::PropertyTypeChanged,
            Verdict::Breaking,
            Verdict::Breaking
        )
    );
    assert!(c.detail.contains("string → integer(int32)"), "{}", c.detail);

    let nullable = diff_with(|d| {
        props(d, NA).insert(
            "telephoneNumber".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let c = only(&nullable);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::PropertyNullabilityChanged,
            Verdict::Breaking,
            Verdict::NonBreaking
        )
    );
}

#[test]
fn action_parameters_required_or_optional() {
    fn body(d: &mut Value) -> &mut Value {
        &mut d["paths"][ASSIGN]["post"]["requestBody"]["content"]["application/json"]["schema"]
    }
    let optional = diff_with(|d| {
        body(d)["properties"]["notify"] = json!({"type": "boolean", "nullable": true});
    });
    let c = only(&optional);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::PropertyAdded,
            Verdict::NonBreaking,
            Verdict::NonBreaking
        )
    );
    assert!(c.location.starts_with("POST /admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber body"));

    // The converter writes no `required`; a new required parameter would
    // come with an overlay entry, which both sides share: simulate it here.
    let required = diff_with(|d| {
        body(d)["properties"]["emergencyAddressId"] = json!({"type": "string"});
        body(d)["required"] = json!(["emergencyAddressId"]);
    });
    let c = only(&required);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::PropertyAdded,
            Verdict::Breaking,
            Verdict::Breaking
        )
    );
    assert!(c.note.as_deref().unwrap().contains("constructor"));
}

#[test]
fn operations_added_removed_renamed_and_parameters() {
    let added = diff_with(|d| {
        let copy = d["paths"][ASSIGN].clone();
        d["paths"]
            .as_object_mut()
            .unwrap()
            .insert(ASSIGN.replace("assignNumber", "releaseNumber"), copy);
        d["paths"][ASSIGN.replace("assignNumber", "releaseNumber")]["post"]["operationId"] =
            json!("admin.teams.telephoneNumberManagement.numberAssignments_releaseNumber");
    });
    let c = only(&added);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::OperationAdded,
            Verdict::NonBreaking,
            Verdict::NonBreaking
        )
    );

    // Every path has an overlay entry (its method name), so removing one
    // is compared without the overlay.
    let removed = diff_with_overlay(None, |d| {
        d["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/admin/teams/telephoneNumberManagement/operations/$count");
    });
    let c = only(&removed);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::OperationRemoved,
            Verdict::Breaking,
            Verdict::Breaking
        )
    );

    let param = diff_with(|d| {
        d["paths"]["/admin/teams/telephoneNumberManagement/numberAssignments"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(
                json!({"name": "ConsistencyLevel", "in": "header", "schema": {"type": "string"}}),
            );
    });
    let c = only(&param);
    assert_eq!(
        (c.kind, c.graph, c.rust),
        (
            ChangeKind::ParameterAdded,
            Verdict::NonBreaking,
            Verdict::NonBreaking
        )
    );
}

#[test]
fn a_realistic_update_and_both_formats() {
    let r = diff_with(|d| {
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberType"]["enum"]
            .as_array_mut()
            .unwrap()
            .insert(4, json!("teamsPhoneCloud"));
        props(d, NA).remove("city");
        let copy = d["paths"][ASSIGN].clone();
        d["paths"]
            .as_object_mut()
            .unwrap()
            .insert(ASSIGN.replace("assignNumber", "releaseNumber"), copy);
        d["paths"][ASSIGN.replace("assignNumber", "releaseNumber")]["post"]["operationId"] =
            json!("admin.teams.telephoneNumberManagement.numberAssignments_releaseNumber");
    });
    assert_eq!(r.summary.changes, 3);
    assert_eq!((r.summary.breaking_graph, r.summary.breaking_rust), (1, 1));
    let md = r.markdown();
    assert!(
        md.contains(
            "3 change(s): 1 breaking by Graph's rules, 1 breaking for the Rust API \
             (1 error, 0 warning, 2 info); predicted bump for the SDK: major."
        ),
        "{md}"
    );
    // Errors come first.
    let first_row = md
        .lines()
        .find(|l| l.starts_with("| error | `response-property-removed`"))
        .unwrap();
    assert!(
        md.find(first_row).unwrap() < md.find("| info | `enum-value-added`").unwrap(),
        "{md}"
    );
    let json: Value = serde_json::from_str(&r.json()).unwrap();
    assert_eq!(json["format"], "graph-teams-admin.api-diff/1");
    assert_eq!(
        json["summary"],
        json!({
            "changes": 3, "breaking_graph": 1, "breaking_rust": 1,
            "levels": {"error": 1, "warning": 0, "info": 2},
            "semver": "major"
        })
    );
    let kinds: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"enum_member_added")
            && kinds.contains(&"property_removed")
            && kinds.contains(&"operation_added")
    );
    // The fields of the first format, then the ones added since.
    for c in json["changes"].as_array().unwrap() {
        for key in [
            "kind", "location", "detail", "graph", "rust", "id", "level", "semver",
        ] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
    }
    let removed = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "property_removed")
        .unwrap();
    assert_eq!(
        (&removed["id"], &removed["level"], &removed["semver"]),
        (
            &json!("response-property-removed"),
            &json!("error"),
            &json!("major")
        )
    );
    let added = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "operation_added")
        .unwrap();
    assert_eq!(
        added["operation_id"],
        "admin.teams.telephoneNumberManagement.numberAssignments_releaseNumber"
    );
    assert_eq!(
        json["overlay"]["applies"],
        json["overlay"]["actions"].as_array().unwrap().len()
    );
    assert_eq!(json["overlay"]["redundant"], 0);
    assert!(json.get("rust_api").is_none(), "only with --rust-api");
}

fn xtask(args: &[&str]) -> Output {
    // Run from the workspace so the default overlay applies.
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root().unwrap())
        .output()
        .unwrap()
}

#[test]
fn the_cli_formats_and_fails_on_breaking() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", &committed());
    let mut changed = committed();
    props(&mut changed, NA).remove("city");
    let new = write(dir.path(), "new.yaml", &changed);
    let md = xtask(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(md.status.success());
    assert!(
        String::from_utf8_lossy(&md.stdout).contains("| error | `response-property-removed` |")
    );
    let strict = xtask(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on-breaking",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    let parsed: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(parsed["summary"]["breaking_graph"], 1);
    let same = xtask(&[
        "diff",
        old.to_str().unwrap(),
        old.to_str().unwrap(),
        "--fail-on-breaking",
    ]);
    assert!(same.status.success());
    // An overlay that no longer applies to a side is named.
    let mut gone = committed();
    gone["paths"].as_object_mut().unwrap().remove(ASSIGN);
    let gone = write(dir.path(), "gone.yaml", &gone);
    let err = xtask(&["diff", old.to_str().unwrap(), gone.to_str().unwrap()]);
    assert!(!err.status.success());
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(
        stderr.contains("new side") && stderr.contains("matched zero nodes"),
        "{stderr}"
    );
    // ... with every action's status against that side.
    assert!(
        stderr.contains("| **stale**: its target matches nothing |"),
        "{stderr}"
    );
}

#[test]
fn fail_on_a_level() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", &committed());
    let mut added = committed();
    props(&mut added, NA).insert(
        "carrierName".into(),
        json!({"type": "string", "nullable": true}),
    );
    let added = write(dir.path(), "added.yaml", &added);
    let mut removed = committed();
    props(&mut removed, NA).remove("city");
    let removed = write(dir.path(), "removed.yaml", &removed);
    let run = |new: &std::path::Path, level: &str| {
        xtask(&[
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--fail-on",
            level,
        ])
        .status
        .code()
    };
    // An info-level addition fails only `--fail-on info`.
    assert_eq!(run(&added, "warning"), Some(0));
    assert_eq!(run(&added, "info"), Some(1));
    assert_eq!(run(&removed, "error"), Some(1));
    let same = xtask(&[
        "diff",
        old.to_str().unwrap(),
        old.to_str().unwrap(),
        "--fail-on",
        "info",
    ]);
    assert!(same.status.success());
    // The levels are the rule table's.
    let r = diff_with(|d| {
        props(d, NA).remove("city");
    });
    assert_eq!(r.count_at_least(Level::Error), 1);
    assert_eq!(r.count_at_least(Level::Info), 1);
}
