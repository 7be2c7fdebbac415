//! `cargo xtask update` end to end, on a copy of the workspace's specs and
//! generated code: a realistic upstream change gives a CHANGELOG entry (a
//! release note, the version bump with the items that force it, the
//! classified table, the overlay's status, the Rust API before and after),
//! the new slice, its provenance and regenerated code; a change the overlay
//! no longer fits writes nothing and says which actions no longer fit.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use xtask::diff::Bump;
use xtask::slice::Origin;
use xtask::update::{Options, SemverChecks};
use xtask::{update, workspace_root};

const NA: &str = "microsoft.graph.teamsAdministration.numberAssignment";
const ASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";

/// A scratch workspace: specs/ and generated/ copied from the real one.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["specs", "generated"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(workspace_root().unwrap().join(sub)).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, dir.path().join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn committed_slice() -> Value {
    xtask::spec::load(&workspace_root().unwrap().join(xtask::defaults::SPEC))
        .unwrap()
        .value
}

/// The scratch workspace's crate, for the version the bump is stated for.
fn with_manifest(dir: &Path) {
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"graph-teams-admin\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
}

const LISTING_ONLY: Options = Options {
    semver_checks: SemverChecks::Never,
};

/// The full upstream document around an edited copy of the slice.
fn upstream(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut slice = committed_slice();
    edit(&mut slice);
    let path = dir.join("openapi.yaml");
    std::fs::write(&path, xtask::bench::synthetic_openapi(&slice, 300_000)).unwrap();
    path
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_default()
}

fn realistic(d: &mut Value) {
    d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberType"]["enum"]
        .as_array_mut()
        .unwrap()
        .insert(4, json!("teamsPhoneCloud"));
    d["components"]["schemas"][NA]["allOf"][1]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("city");
    let release = ASSIGN.replace("assignNumber", "releaseNumber");
    let copy = d["paths"][ASSIGN].clone();
    d["paths"]
        .as_object_mut()
        .unwrap()
        .insert(release.clone(), copy);
    d["paths"][&release]["post"]["operationId"] =
        json!("admin.teams.telephoneNumberManagement.numberAssignments_releaseNumber");
}

#[test]
fn a_realistic_update_is_recorded_and_regenerated() {
    let ws = scratch();
    let from = upstream(ws.path(), realistic);
    let origin = Origin {
        repository: Some("microsoftgraph/msgraph-metadata".into()),
        upstream_path: Some("openapi/beta/openapi.yaml".into()),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        ..Default::default()
    };
    with_manifest(ws.path());
    let done = update::run_with(ws.path(), &from, &origin, &LISTING_ONLY).unwrap();
    assert!(done.slice_changed);
    assert_eq!(done.report.summary.changes, 3);
    assert_eq!(
        (
            done.report.summary.breaking_graph,
            done.report.summary.breaking_rust
        ),
        (1, 1)
    );
    assert!(
        done.generated_files_changed >= 3,
        "{}",
        done.generated_files_changed
    );

    let changelog = read(ws.path(), "CHANGELOG.md");
    assert!(
        changelog
            .starts_with("# Changelog\n\n## Unreleased\n\n### Spec update from `openapi.yaml`"),
        "{changelog}"
    );
    assert!(changelog.contains("microsoftgraph/msgraph-metadata `openapi/beta/openapi.yaml` at `0123456789abcdef0123456789abcdef01234567`"));
    assert!(
        changelog.contains("| info | `enum-value-added` |")
            && changelog.contains("| error | `response-property-removed` |")
            && changelog.contains("| info | `endpoint-added` |"),
        "{changelog}"
    );
    // The entry opens with the release note, then the bump and the items
    // that force it, then the provenance and the table.
    let entry = done.entry.as_deref().unwrap();
    eprintln!("{entry}");
    let lines: Vec<&str> = entry.lines().collect();
    assert!(lines[0].starts_with("### Spec update from `openapi.yaml` ("));
    assert_eq!(
        lines[2],
        "`numberAssignment.city` removed; New action `releaseNumber`; New number type `teamsPhoneCloud`."
    );
    assert!(
        lines[4].starts_with(
            "**Version bump for `graph-teams-admin`: minor (0.x: breaking; a major bump from 1.0 on) — 0.1.0 → 0.2.0.** Forced by: "
        ),
        "{}",
        lines[4]
    );
    assert!(
        lines[4].contains("`generated::types::NumberAssignment::city` (field removed)"),
        "{}",
        lines[4]
    );
    assert!(lines[6].starts_with("Source sha256 `"), "{}", lines[6]);
    assert!(changelog.contains(entry.trim()));
    let api = done.report.rust_api.as_ref().unwrap();
    assert_eq!(
        (api.semver, api.predicted, api.agrees),
        (Bump::Major, Bump::Major, true)
    );
    assert_eq!(api.next_version.as_deref(), Some("0.2.0"));
    assert!(
        entry.contains("The spec-level prediction (major) agrees."),
        "{entry}"
    );
    assert!(
        entry.contains("cargo semver-checks: not run (not requested)."),
        "{entry}"
    );
    assert!(
        entry.contains(
            "| `generated::enums::NumberType::TeamsPhoneCloud` | variant | added | minor |"
        ),
        "{entry}"
    );
    assert!(entry.contains("still apply, 0 redundant"), "{entry}");

    let slice = read(
        ws.path(),
        "specs/graph-beta-teams-administration.openapi.yaml",
    );
    assert!(
        slice.contains("microsoft.graph.teamsAdministration.releaseNumber")
            && slice.contains("teamsPhoneCloud")
    );
    let record = read(ws.path(), "specs/source.toml");
    assert!(
        record.contains(&format!(
            "sha256 = \"{}\"",
            xtask::spec::sha256_hex(slice.as_bytes())
        )),
        "{record}"
    );
    assert!(
        record.contains("kind = \"upstream-openapi\"")
            && record.contains("commit = \"0123456789abcdef0123456789abcdef01234567\"")
    );
    assert!(read(ws.path(), "generated/enums.rs").contains("TeamsPhoneCloud"));
    assert!(!read(ws.path(), "generated/client.rs").contains("pub city:"));
    assert!(read(ws.path(), "generated/operations.rs").contains("release_number"));

    // The same document again: nothing new to record.
    let again = update::run_with(ws.path(), &from, &origin, &LISTING_ONLY).unwrap();
    assert!(!again.slice_changed);
    assert_eq!(read(ws.path(), "CHANGELOG.md"), changelog);
}

#[test]
fn an_upstream_change_the_overlay_no_longer_fits_writes_nothing() {
    let ws = scratch();
    let before: Vec<String> = [
        "specs/graph-beta-teams-administration.openapi.yaml",
        "specs/source.toml",
        "generated/client.rs",
        "generated/enums.rs",
    ]
    .iter()
    .map(|f| read(ws.path(), f))
    .collect();
    // Upstream renamed the action our overlay corrects.
    let from = upstream(ws.path(), |d| {
        let item = d["paths"].as_object_mut().unwrap().remove(ASSIGN).unwrap();
        d["paths"]
            .as_object_mut()
            .unwrap()
            .insert(ASSIGN.replace("assignNumber", "assignPhoneNumber"), item);
    });
    let err = update::run(ws.path(), &from, &Origin::default()).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("the overlay does not apply to the new slice")
            && text.contains("matched zero nodes"),
        "{text}"
    );
    // Each action that no longer fits is named.
    assert!(
        text.contains("| **stale**: its target matches nothing |"),
        "{text}"
    );
    let after: Vec<String> = [
        "specs/graph-beta-teams-administration.openapi.yaml",
        "specs/source.toml",
        "generated/client.rs",
        "generated/enums.rs",
    ]
    .iter()
    .map(|f| read(ws.path(), f))
    .collect();
    assert_eq!(before, after, "nothing written");
    assert!(!ws.path().join("CHANGELOG.md").exists());
}

fn accepted() -> Value {
    json!({
        "description": "Accepted.",
        "headers": {
            "Location": {"description": "The operation to poll.", "required": true, "schema": {"type": "string"}},
            "Retry-After": {"schema": {"type": "string"}}
        }
    })
}

/// Upstream starts documenting the 202 and its Location: the overlay
/// action that adds them still matches but changes nothing, and the entry
/// says it can go.
#[test]
fn an_overlay_action_upstream_now_agrees_with_is_reported() {
    let ws = scratch();
    let unassign = ASSIGN.replace("assignNumber", "unassignNumber");
    let from = upstream(ws.path(), |d| {
        for path in [ASSIGN, unassign.as_str()] {
            d["paths"][path]["post"]["responses"]["202"] = accepted();
        }
    });
    let done = update::run_with(ws.path(), &from, &Origin::default(), &LISTING_ONLY).unwrap();
    assert!(done.slice_changed);
    let o = done.report.overlay.as_ref().unwrap();
    assert_eq!(o.redundant, 1, "{}", o.markdown());
    let entry = done.entry.unwrap();
    assert!(
        entry.contains("1 redundant (upstream now agrees: delete them)"),
        "{entry}"
    );
    assert!(
        entry.contains(
            "| **redundant**: upstream already says this, apart from wording | applies |"
        ),
        "{entry}"
    );
    assert!(
        entry
            .lines()
            .nth(2)
            .unwrap()
            .contains("Graph now documents what 1 of our corrections said"),
        "{entry}"
    );
    // Nothing changed in the API: the overlay said it all along.
    assert!(done.report.changes.is_empty(), "{:#?}", done.report.changes);
    assert_eq!(done.report.rust_api.as_ref().unwrap().semver, Bump::Patch);
}

/// Upstream also drops the 204 we remove: the removal matches nothing, so
/// the update stops, and says the action is redundant rather than stale.
#[test]
fn a_removal_upstream_made_itself_stops_the_update_and_is_named() {
    let ws = scratch();
    let unassign = ASSIGN.replace("assignNumber", "unassignNumber");
    let from = upstream(ws.path(), |d| {
        for path in [ASSIGN, unassign.as_str()] {
            let r = d["paths"][path]["post"]["responses"]
                .as_object_mut()
                .unwrap();
            r.remove("204");
            r.insert("202".into(), accepted());
        }
    });
    let err = update::run_with(ws.path(), &from, &Origin::default(), &LISTING_ONLY).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("| 0 (remove) | **redundant**: what it removes is already gone upstream |"),
        "{text}"
    );
    assert!(
        text.contains(
            "| 1 (update) | **redundant**: upstream already says this, apart from wording |"
        ),
        "{text}"
    );
    assert!(!ws.path().join("CHANGELOG.md").exists());
}

#[test]
fn semver_checks_runs_only_where_it_can() {
    let ws = scratch();
    let from = upstream(ws.path(), realistic);
    // No crate manifest in the workspace: nothing for cargo-semver-checks.
    let done = update::run(ws.path(), &from, &Origin::default()).unwrap();
    let api = done.report.rust_api.as_ref().unwrap();
    assert!(api.semver_checks.is_none());
    assert!(
        api.semver_checks_skipped
            .as_deref()
            .unwrap()
            .contains("names no package"),
        "{api:?}"
    );
    // Without a version, the bump is stated in semver terms alone.
    assert_eq!(api.bump, "major (in semver terms)");
}
