//! `cargo xtask generate`: freshness of the committed output, determinism,
//! use on a foreign spec, and clear errors that write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::{codegen, workspace_root};

fn default_generate_settings() -> codegen::Settings {
    codegen::Settings::for_workspace(&workspace_root().unwrap())
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root().unwrap())
        .output()
        .expect("run xtask")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn committed_generated_code_is_up_to_date() {
    let output = codegen::generate(&default_generate_settings()).unwrap();
    let diffs = codegen::check(&workspace_root().unwrap().join("generated"), &output).unwrap();
    assert!(
        diffs.is_empty(),
        "generated/ is stale; run `cargo xtask generate`:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn generation_is_byte_for_byte_deterministic() {
    let a = codegen::generate(&default_generate_settings()).unwrap();
    let b = codegen::generate(&default_generate_settings()).unwrap();
    assert_eq!(a, b);
    for (name, content) in &a.files {
        let first = content.lines().next().unwrap();
        assert!(first.starts_with(codegen::HEADER_MARKER), "{name}: {first}");
        assert!(
            first.contains("graph-beta-teams-administration.openapi.yaml (sha256 "),
            "{name}: {first}"
        );
    }
}

#[test]
fn check_flag_passes_on_the_committed_tree_and_fails_with_a_diff_when_stale() {
    let ok = xtask(&["generate", "--check"]);
    assert!(
        ok.status.success(),
        "{}{}",
        text(&ok.stdout),
        text(&ok.stderr)
    );

    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(workspace_root().unwrap().join("generated")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    let enums = tmp.path().join("enums.rs");
    let edited = std::fs::read_to_string(&enums)
        .unwrap()
        .replace("DirectRouting", "DirectRoutin");
    std::fs::write(&enums, edited).unwrap();
    let stale = xtask(&["generate", "--check", "--out", tmp.path().to_str().unwrap()]);
    assert!(!stale.status.success());
    let stdout = text(&stale.stdout);
    assert!(
        stdout.contains("-    DirectRoutin,") && stdout.contains("+    DirectRouting,"),
        "{stdout}"
    );
    assert!(text(&stale.stderr).contains("out of date"));
}

fn fixture() -> PathBuf {
    workspace_root().unwrap().join("fixtures/other-api")
}

#[test]
fn a_foreign_graph_shaped_spec_generates_via_spec_and_out() {
    // The fixture crate compiles (and tests) the committed output of exactly
    // this command; here we show the command reproduces it.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("client");
    let run = xtask(&[
        "generate",
        "--spec",
        fixture().join("openapi.yaml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--inner-type",
        "none",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let committed = fixture().join("generated");
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bodies.rs",
            "client.rs",
            "enums.rs",
            "mod.rs",
            "models.rs",
            "operations.rs"
        ]
    );
    for name in names {
        assert_eq!(
            std::fs::read_to_string(out.join(&name)).unwrap(),
            std::fs::read_to_string(committed.join(&name)).unwrap(),
            "{name} differs from fixtures/other-api/generated; regenerate the fixture"
        );
    }
}

/// Runs `generate` on bad input into a directory holding one file, and
/// checks it fails, names the problem, and leaves the directory alone.
fn fails_and_writes_nothing(spec: &Path, overlay: Option<&Path>, expect: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("keep.rs"), "// mine\n").unwrap();
    let mut args = vec![
        "generate".to_string(),
        "--spec".into(),
        spec.display().to_string(),
        "--out".into(),
        out.path().display().to_string(),
    ];
    if let Some(o) = overlay {
        args.push("--overlay".into());
        args.push(o.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = xtask(&args);
    assert!(!run.status.success(), "should fail");
    let stderr = text(&run.stderr);
    for needle in expect {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["keep.rs"], "nothing may be written on error");
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn fixture_spec() -> String {
    std::fs::read_to_string(fixture().join("openapi.yaml")).unwrap()
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "broken.yaml",
        "openapi: 3.0.4\npaths:\n  /a:\n    get: [unclosed\n",
    );
    fails_and_writes_nothing(&spec, None, &["broken.yaml", "invalid YAML", ":5:"]);
}

#[test]
fn malformed_json_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "broken.json",
        "{\n  \"openapi\": \"3.0.4\",\n  \"paths\": {,}\n}\n",
    );
    fails_and_writes_nothing(&spec, None, &["broken.json", "invalid JSON", ":3:"]);
}

#[test]
fn dangling_ref_names_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let spec = fixture_spec().replace(
        "$ref: '#/components/schemas/microsoft.graph.printAdministration.printerState'",
        "$ref: '#/components/schemas/microsoft.graph.printAdministration.printerStat'",
    );
    let spec = write(dir.path(), "dangling.yaml", &spec);
    fails_and_writes_nothing(
        &spec,
        None,
        &[
            "dangling.yaml",
            "dangling `$ref`",
            "/components/schemas/microsoft.graph.printAdministration.printer/allOf/1/properties/state",
            "printerStat does not exist",
        ],
    );
}

#[test]
fn wrong_openapi_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "v31.yaml",
        &fixture_spec().replace("openapi: 3.0.4", "openapi: 3.1.0"),
    );
    fails_and_writes_nothing(
        &spec,
        None,
        &["v31.yaml", "\"3.1.0\"", "only OpenAPI 3.0.x"],
    );
    let swagger = write(
        dir.path(),
        "swagger.json",
        "{\"swagger\": \"2.0\", \"paths\": {}}",
    );
    fails_and_writes_nothing(&swagger, None, &["swagger.json", "Swagger 2.0"]);
}

#[test]
fn overlay_target_matching_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write(
        dir.path(),
        "overlay.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths['/admin/print/scanners'].get\n    description: rename\n    update: {operationId: list_scanners}\n",
    );
    fails_and_writes_nothing(
        &fixture().join("openapi.yaml"),
        Some(&overlay),
        &[
            "overlay.yaml",
            "action 0",
            "$.paths['/admin/print/scanners'].get",
            "matched zero nodes",
            "rename",
        ],
    );
}

#[test]
fn overlay_problems_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let no_why = write(
        dir.path(),
        "no-why.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {version: '2'}\n",
    );
    fails_and_writes_nothing(
        &fixture().join("openapi.yaml"),
        Some(&no_why),
        &["no-why.yaml", "action 0", "no `description`"],
    );
    let bad_path = write(
        dir.path(),
        "bad-path.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths[?\n    description: broken\n    remove: true\n",
    );
    fails_and_writes_nothing(
        &fixture().join("openapi.yaml"),
        Some(&bad_path),
        &["bad-path.yaml", "JSONPath"],
    );
    let dangling = write(
        dir.path(),
        "dangling.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.components.schemas\n    description: breaks a reference\n    update: {x: {$ref: '#/components/schemas/nowhere'}}\n",
    );
    fails_and_writes_nothing(
        &fixture().join("openapi.yaml"),
        Some(&dangling),
        &[
            "after applying",
            "dangling.yaml",
            "/components/schemas/x",
            "nowhere does not exist",
        ],
    );
}

#[test]
fn provenance_records_the_slice_hash() {
    let root = workspace_root().unwrap();
    let record: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("specs/source.toml")).unwrap()).unwrap();
    let slice = &record["slice"];
    let file = slice["file"].as_str().unwrap();
    let bytes = std::fs::read(root.join("specs").join(file)).unwrap();
    assert_eq!(
        slice["sha256"].as_str().unwrap(),
        xtask::spec::sha256_hex(&bytes),
        "specs/source.toml does not match specs/{file}"
    );
}
