//! `cargo xtask slice` on documents the tests write: a Graph-shaped "full"
//! description with unrelated namespaces around `/admin/teams`, and
//! corrupted inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use xtask::slice::{self, Boundary, SliceRule};
use xtask::workspace_root;

fn committed_slice() -> Value {
    let path = workspace_root()
        .unwrap()
        .join("specs/graph-beta-teams-administration.openapi.yaml");
    xtask::spec::load(&path).unwrap().value
}

fn rule() -> SliceRule {
    SliceRule::from_record(&workspace_root().unwrap().join("specs/source.toml")).unwrap()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root().unwrap())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_rule_is_read_from_the_record() {
    let r = rule();
    assert_eq!(r.prefixes, ["/admin/teams"]);
    assert_eq!(
        r.boundary.get("microsoft.graph.user"),
        Some(&Boundary::Stub)
    );
    assert!(r.keeps("/admin/teams"));
    assert!(r.keeps("/admin/teams/policy"));
    assert!(!r.keeps("/admin/teamsX"));
    assert!(
        !r.keeps(
            "/admin/teams/userConfigurations/{teamsUserConfiguration-id}/user/mailboxSettings"
        )
    );
}

#[test]
fn slicing_a_full_document_gives_back_exactly_the_slice() {
    let expected = committed_slice();
    let dir = tempfile::tempdir().unwrap();
    let full = xtask::bench::synthetic_openapi(&expected, 600_000);
    assert!(full.len() > 500_000);
    let from = write(dir.path(), "openapi.yaml", &full);
    let cut = slice::cut(&from, &rule(), &Default::default(), "slice.yaml").unwrap();
    // Same paths, same components, same order; the unrelated namespaces,
    // their mapping entries and the full user type are gone.
    assert_eq!(cut.doc, expected);
    assert_eq!(
        cut.provenance.source_sha256,
        xtask::spec::sha256_hex(full.as_bytes())
    );
    assert_eq!(
        cut.provenance.slice_sha256,
        xtask::spec::sha256_hex(cut.text.as_bytes())
    );

    // JSON input gives the same slice.
    let json: Value = serde_yaml_ng::from_str(&full).unwrap();
    let from_json = write(
        dir.path(),
        "openapi.json",
        &serde_json::to_string(&json).unwrap(),
    );
    assert_eq!(
        slice::cut(&from_json, &rule(), &Default::default(), "slice.yaml")
            .unwrap()
            .doc,
        expected
    );
}

#[test]
fn the_output_is_deterministic_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let from = write(
        dir.path(),
        "openapi.yaml",
        &xtask::bench::synthetic_openapi(&committed_slice(), 200_000),
    );
    let a = slice::cut(&from, &rule(), &Default::default(), "s.yaml").unwrap();
    let b = slice::cut(&from, &rule(), &Default::default(), "s.yaml").unwrap();
    assert_eq!(a.text, b.text);
    let back: Value = serde_yaml_ng::from_str(&a.text).unwrap();
    assert_eq!(back, a.doc);
}

#[test]
fn a_prefix_keeps_only_its_paths_and_their_closure() {
    let dir = tempfile::tempdir().unwrap();
    let from = write(
        dir.path(),
        "openapi.yaml",
        &xtask::bench::synthetic_openapi(&committed_slice(), 200_000),
    );
    let mut r = rule();
    r.prefixes = vec!["/admin/teams/policy".into()];
    let cut = slice::cut(&from, &r, &Default::default(), "s.yaml").unwrap();
    let paths: Vec<&String> = cut.doc["paths"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/admin/teams/policy")),
        "{paths:?}"
    );
    let schemas = cut.doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("microsoft.graph.teamsAdministration.policyIdentifierDetail"));
    assert!(!schemas.contains_key("microsoft.graph.teamsAdministration.numberAssignment"));
}

#[test]
fn the_cli_writes_the_slice_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let from = write(
        dir.path(),
        "openapi.yaml",
        &xtask::bench::synthetic_openapi(&committed_slice(), 150_000),
    );
    let out = dir.path().join("cut.yaml");
    let run = xtask(&[
        "slice",
        "--from",
        from.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("sliced 22 paths"),
        "{}",
        text(&run.stdout)
    );
    let written = xtask::spec::load(&out).unwrap().value;
    assert_eq!(written, committed_slice());
}

fn fails_and_writes_nothing(content: &str, file: &str, args: &[&str], expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let from = write(dir.path(), file, content);
    let out = dir.path().join("never.yaml");
    let mut all = vec![
        "slice",
        "--from",
        from.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let run = xtask(&all);
    assert!(!run.status.success());
    let err = text(&run.stderr);
    for e in expect {
        assert!(err.contains(e), "stderr lacks {e:?}: {err}");
    }
    assert!(!out.exists(), "nothing is written on error");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let full = xtask::bench::synthetic_openapi(&committed_slice(), 150_000);
    fails_and_writes_nothing(
        &full.replacen("openapi: 3.0.4", "openapi: 3.1.0", 1),
        "v31.yaml",
        &[],
        &["v31.yaml", "3.1.0", "only OpenAPI 3.0.x"],
    );
    fails_and_writes_nothing(
        "swagger: '2.0'\npaths: {}\n",
        "swagger.yaml",
        &[],
        &["swagger.yaml", "not an OpenAPI description"],
    );
    fails_and_writes_nothing(
        &full,
        "full.yaml",
        &["--prefix", "/admin/nothingHere"],
        &["full.yaml", "no path matches", "/admin/nothingHere"],
    );
    let dangling = full.replacen(
        "$ref: '#/components/schemas/microsoft.graph.teamsAdministration.numberType'",
        "$ref: '#/components/schemas/microsoft.graph.teamsAdministration.numberTyp'",
        1,
    );
    fails_and_writes_nothing(
        &dangling,
        "dangling.yaml",
        &[],
        &[
            "dangling.yaml",
            "dangling `$ref`",
            "numberTyp",
            "does not exist",
        ],
    );
    let broken = full.replacen(
        "    get:\n      tags:\n        - admin.teamsAdminRoot",
        "    get:\n      tags: [admin.teamsAdminRoot\n",
        1,
    );
    fails_and_writes_nothing(
        &broken,
        "broken.yaml",
        &[],
        &["broken.yaml", "invalid YAML"],
    );
    fails_and_writes_nothing(
        "{\"openapi\": \"3.0.4\", \"paths\": {",
        "broken.json",
        &[],
        &["broken.json", "invalid JSON"],
    );
}

/// The CSDL fixture, without its action bound to `user` (reachable through
/// the fixture's `members/{id}/user`, which our rule does not exclude).
fn csdl_fixture() -> String {
    let text = std::fs::read_to_string(
        workspace_root()
            .unwrap()
            .join("xtask/tests/fixtures/csdl/teams-like.xml"),
    )
    .unwrap();
    let start = text.find("<Action Name=\"resetWidgets\"").unwrap();
    let end = start + text[start..].find("</Action>").unwrap() + "</Action>".len();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn csdl_input_is_detected_and_cut_with_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let from = write(dir.path(), "metadata.xml", &csdl_fixture());
    let out = dir.path().join("cut.yaml");
    let run = xtask(&[
        "slice",
        "--from",
        from.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--server-url",
        "https://graph.microsoft.com/v1.0/",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let cut = xtask::spec::load(&out).unwrap().value;
    assert_eq!(cut["openapi"], "3.0.4");
    assert_eq!(
        cut["servers"][0]["url"],
        "https://graph.microsoft.com/v1.0/"
    );
    assert!(
        cut["paths"]
            .as_object()
            .unwrap()
            .keys()
            .all(|p| p.starts_with("/admin/teams"))
    );
    // The unrelated namespace around it is not there.
    assert!(!text(&std::fs::read(&out).unwrap()).contains("callRecords"));
}

#[test]
fn bad_csdl_inputs_get_clear_errors() {
    let good = csdl_fixture();
    let truncated = &good[..good.find("<EntityType Name=\"memberConfig\"").unwrap() + 40];
    fails_and_writes_nothing(truncated, "truncated.xml", &[], &["truncated.xml"]);
    fails_and_writes_nothing(
        &good,
        "other-ns.xml",
        &["--namespace", "microsoft.graph.nowhere"],
        &["other-ns.xml", "microsoft.graph.nowhere"],
    );
    let dangling = good.replacen(
        "Type=\"teamsAdministration.accountKind\"",
        "Type=\"teamsAdministration.accountKnd\"",
        1,
    );
    fails_and_writes_nothing(
        &dangling,
        "dangling.xml",
        &[],
        &["dangling.xml", "accountKnd", "does not resolve"],
    );
}
