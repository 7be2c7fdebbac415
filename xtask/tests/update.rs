//! `cargo xtask update` end to end, on a copy of the workspace's specs and
//! generated code: a realistic upstream change gives a classified CHANGELOG
//! entry, the new slice, its provenance and regenerated code; a change the
//! overlay no longer fits writes nothing.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use xtask::slice::Origin;
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
    let done = update::run(ws.path(), &from, &origin).unwrap();
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
        changelog.contains("| enum member added |")
            && changelog.contains("| property removed |")
            && changelog.contains("| operation added |"),
        "{changelog}"
    );

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
    let again = update::run(ws.path(), &from, &origin).unwrap();
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
