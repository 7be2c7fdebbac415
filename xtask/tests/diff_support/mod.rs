//! Shared by the diff tests: pairs of slices made from the committed one,
//! diffed after the workspace overlay (or none), and generated.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use xtask::codegen::{self, Settings};
use xtask::diff::{self, Change, RuleId};
use xtask::spec::{Prepared, prepare};
use xtask::workspace_root;

pub const NA: &str = "microsoft.graph.teamsAdministration.numberAssignment";
pub const UA: &str = "microsoft.graph.teamsAdministration.teamsPolicyUserAssignment";
pub const ASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
pub const UPDATE: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.updateNumber";
pub const LIST_UA: &str = "/admin/teams/policy/userAssignments";
pub const GET_NA: &str =
    "/admin/teams/telephoneNumberManagement/numberAssignments/{numberAssignment-id}";

pub fn committed() -> Value {
    xtask::spec::load(&workspace_root().unwrap().join(xtask::defaults::SPEC))
        .unwrap()
        .value
}

pub fn overlay() -> PathBuf {
    workspace_root().unwrap().join(xtask::defaults::OVERLAY)
}

pub fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, xtask::spec::yaml::to_string(v)).unwrap();
    p
}

/// The properties of a flattened-by-allOf entity schema.
pub fn props<'a>(doc: &'a mut Value, schema: &str) -> &'a mut serde_json::Map<String, Value> {
    doc["components"]["schemas"][schema]["allOf"][1]["properties"]
        .as_object_mut()
        .unwrap()
}

pub fn body<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
    &mut doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
}

/// Both sides prepared, each edited copy of the committed slice.
pub struct Pair {
    _dir: tempfile::TempDir,
    pub old: Prepared,
    pub new: Prepared,
    pub old_path: PathBuf,
    pub new_path: PathBuf,
}

pub fn pair(
    overlay: Option<&Path>,
    edit_old: impl FnOnce(&mut Value),
    edit_new: impl FnOnce(&mut Value),
) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (committed(), committed());
    edit_old(&mut a);
    edit_new(&mut b);
    // The same file name on both sides, as a slice and its update.
    std::fs::create_dir_all(dir.path().join("old")).unwrap();
    std::fs::create_dir_all(dir.path().join("new")).unwrap();
    let old_path = write(&dir.path().join("old"), "slice.yaml", &a);
    let new_path = write(&dir.path().join("new"), "slice.yaml", &b);
    Pair {
        old: prepare(&old_path, overlay).unwrap(),
        new: prepare(&new_path, overlay).unwrap(),
        old_path,
        new_path,
        _dir: dir,
    }
}

/// The committed slice against an edited copy, both after the overlay.
pub fn diff_with(edit: impl FnOnce(&mut Value)) -> diff::Report {
    diff_with_overlay(Some(&overlay()), edit)
}

pub fn diff_with_overlay(overlay: Option<&Path>, edit: impl FnOnce(&mut Value)) -> diff::Report {
    let p = pair(overlay, |_| {}, edit);
    diff::report(&p.old, &p.new)
}

/// Two edited copies, both after the overlay.
pub fn diff_pair(
    edit_old: impl FnOnce(&mut Value),
    edit_new: impl FnOnce(&mut Value),
) -> diff::Report {
    let p = pair(Some(&overlay()), edit_old, edit_new);
    diff::report(&p.old, &p.new)
}

pub fn only(report: &diff::Report) -> &Change {
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    &report.changes[0]
}

/// The change under `id` (exactly one).
pub fn the<'a>(report: &'a diff::Report, id: &str) -> &'a Change {
    let id = RuleId::from_name(id).unwrap_or_else(|| panic!("no rule {id}"));
    let found: Vec<&Change> = report.changes.iter().filter(|c| c.id == id).collect();
    assert_eq!(found.len(), 1, "{id}: {:#?}", report.changes);
    found[0]
}

pub fn ids(report: &diff::Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = report.changes.iter().map(|c| c.id.name()).collect();
    v.sort();
    v
}

/// What the generator makes of a prepared side.
pub fn generate(side: &Prepared, path: &Path) -> BTreeMap<String, String> {
    let root = workspace_root().unwrap();
    codegen::generate_prepared(
        side,
        &Settings {
            spec: path.to_path_buf(),
            ..Settings::for_workspace(&root)
        },
    )
    .unwrap()
    .files
}
