//! What the SDK lists about its generated code is generated too: a model and
//! an enum added to the description reach the crate root, get `Default`,
//! property lists and `$filter` literals, with no hand edit.
//!
//! The test regenerates from a copy of the slice with one model and one enum
//! more, mounts the output in a scratch copy of the SDK crate (this
//! checkout's `src/`, `generated/` replaced) and `cargo check`s a program
//! that names both from the crate root. The scratch crate lives at a fixed
//! place in the target directory (`<target>/xtask-scratch/sdk`) and builds
//! there, so dependencies are warm and rebuilds are incremental: about 30 s
//! warm on two cores. Set `XTASK_SKIP_SCRATCH_BUILD=1` to skip the build
//! (the generation is still checked).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use xtask::{codegen, spec, workspace_root};

const NEW_MODEL: &str = "microsoft.graph.teamsAdministration.scratchWidget";
const NEW_ENUM: &str = "microsoft.graph.teamsAdministration.scratchWidgetKind";

/// The committed slice with one model and one enum more.
fn scratch_spec(root: &Path) -> Value {
    let path = root.join(xtask::defaults::SPEC);
    let mut doc = spec::parse(&path, &std::fs::read(&path).unwrap()).unwrap();
    let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
    schemas.insert(
        NEW_ENUM.into(),
        json!({"title": "scratchWidgetKind", "type": "string",
               "enum": ["small", "large", "unknownFutureValue"]}),
    );
    schemas.insert(
        NEW_MODEL.into(),
        json!({"allOf": [
            {"$ref": "#/components/schemas/microsoft.graph.entity"},
            {"title": "scratchWidget", "type": "object", "properties": {
                "label": {"type": "string", "nullable": true},
                "kind": {"$ref": format!("#/components/schemas/{NEW_ENUM}")},
                "tags": {"type": "array", "items": {"type": "string"}},
                "createdDateTime": {"type": "string", "format": "date-time", "nullable": true}
            }}
        ]}),
    );
    doc
}

/// The directory cargo builds into: `CARGO_TARGET_DIR`, else the one this
/// test binary was built in.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_BIN_EXE_xtask"))
            .ancestors()
            .nth(2)
            .unwrap()
            .to_path_buf(),
    }
}

/// Writes only what changed, so cargo's mtime fingerprints stay valid.
fn write_if_changed(path: &Path, content: &[u8]) {
    if std::fs::read(path).ok().as_deref() == Some(content) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            write_if_changed(&target, &std::fs::read(entry.path()).unwrap());
        }
    }
}

/// The SDK's manifest as a workspace of its own: no other members, no
/// dev-dependencies (the emulator) or benches.
fn scratch_manifest(root: &Path) -> String {
    let mut manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let workspace = manifest["workspace"].as_table_mut().unwrap();
    workspace.insert("members".into(), toml::Value::Array(Vec::new()));
    for key in ["dev-dependencies", "bench", "example", "test"] {
        manifest.remove(key);
    }
    toml::to_string(&manifest).unwrap()
}

const PROGRAM: &str = r#"//! Names the new model and enum from the crate root.
use graph_teams_admin::{Filter, FilterValue, OpenEnum, ScratchWidget, ScratchWidgetKind};

fn main() {
    let mut widget = ScratchWidget::default();
    widget.label = Some("lobby".into());
    widget.kind = Some(ScratchWidgetKind::Large);
    let _ = ScratchWidget::builder().label("lobby".to_string());
    let _ = Filter::eq("kind", ScratchWidgetKind::Small);
    let _: &str = ScratchWidgetKind::Small.literal().as_str();
    const _: &[&str] = <ScratchWidgetKind as OpenEnum>::KNOWN_NAMES;
    const _: &[&str] = ScratchWidget::PROPERTIES.enums;
    println!("{widget:?}");
}
"#;

#[test]
fn a_new_model_and_enum_reach_the_crate_root_with_no_hand_edit() {
    let started = std::time::Instant::now();
    let root = workspace_root().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let spec_path = inputs.path().join("scratch.openapi.json");
    std::fs::write(
        &spec_path,
        serde_json::to_vec_pretty(&scratch_spec(&root)).unwrap(),
    )
    .unwrap();
    let mut settings = codegen::Settings::for_workspace(&root);
    settings.spec = spec_path;
    let output = codegen::generate(&settings).unwrap();

    // The generated lists name the new types.
    let mod_rs = &output.files["mod.rs"];
    let exports = &mod_rs[mod_rs.find("pub mod exports").expect("an exports module")..];
    for name in [
        "ScratchWidget",
        "ScratchWidgetKind",
        "OpenEnum",
        "NumberAssignment",
    ] {
        assert!(exports.contains(name), "exports lack {name}:\n{exports}");
    }
    assert!(!exports.contains("builder") && !exports.contains("error"));
    assert!(
        output.files["enums.rs"]
            .contains("(\"ScratchWidgetKind\", <ScratchWidgetKind as OpenEnum>::KNOWN_NAMES)"),
        "enums::ALL lacks the new enum"
    );
    let models = &output.files["models.rs"];
    assert!(
        models.contains("impl super::types::ScratchWidget {"),
        "{models}"
    );
    for line in [
        "strings: &[\"id\", \"label\"]",
        "enums: &[\"kind\"]",
        "primitive_collections: &[\"tags\"]",
        "others: &[\"createdDateTime\"]",
    ] {
        assert!(models.contains(line), "models.rs lacks {line}");
    }

    if std::env::var_os("XTASK_SKIP_SCRATCH_BUILD").is_some_and(|v| !v.is_empty()) {
        eprintln!("XTASK_SKIP_SCRATCH_BUILD is set: not building the scratch crate");
        return;
    }

    // A scratch copy of the SDK crate with this output mounted as `generated/`.
    let target = target_dir();
    let crate_dir = target.join("xtask-scratch/sdk");
    write_if_changed(
        &crate_dir.join("Cargo.toml"),
        scratch_manifest(&root).as_bytes(),
    );
    for file in ["Cargo.lock", "README.md"] {
        write_if_changed(
            &crate_dir.join(file),
            &std::fs::read(root.join(file)).unwrap(),
        );
    }
    copy_tree(&root.join("src"), &crate_dir.join("src"));
    // `write` replaces only what changed and removes what is no longer generated.
    codegen::write(&crate_dir.join("generated"), &output).unwrap();
    write_if_changed(&crate_dir.join("examples/reach.rs"), PROGRAM.as_bytes());

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--no-default-features"])
        .args(["--example", "reach", "--message-format", "short"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run cargo");
    assert!(
        run.status.success(),
        "the scratch crate does not build:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!(
        "scratch SDK generated and checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
