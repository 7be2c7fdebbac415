//! The built `xtask` finds its workspace from where it runs, not from where
//! it was compiled: run inside a scratch copy of the workspace's inputs, it
//! reads and writes there and leaves this checkout alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::{codegen, defaults, spec};

/// This checkout (the tests' own fixtures may come from here).
fn this_checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xtask")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch workspace: a Cargo.toml with a `[workspace]` table and a copy
/// of `specs/` whose slice differs from the committed one by a comment (so
/// its hash, which every generated header records, differs too).
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    let specs = dir.path().join("specs");
    std::fs::create_dir(&specs).unwrap();
    for entry in std::fs::read_dir(this_checkout().join("specs")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, specs.join(p.file_name().unwrap())).unwrap();
    }
    let slice = dir.path().join(defaults::SPEC);
    let mut text = std::fs::read_to_string(&slice).unwrap();
    text.push_str("# scratch copy for xtask/tests/workspace.rs\n");
    std::fs::write(&slice, text).unwrap();
    dir
}

#[test]
fn generate_reads_and_writes_the_workspace_it_runs_in() {
    let ws = scratch();
    let below = ws.path().join("some/sub/dir");
    std::fs::create_dir_all(&below).unwrap();
    let scratch_sha = spec::sha256_hex(&std::fs::read(ws.path().join(defaults::SPEC)).unwrap());
    let ours_before = std::fs::read_to_string(this_checkout().join("generated/mod.rs")).unwrap();

    // From a directory below the scratch root, with no --spec or --out.
    let run = xtask(&below, &["generate"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = ws.path().join(defaults::OUT);
    assert!(
        text(&run.stdout).contains(&out.display().to_string()),
        "{}",
        text(&run.stdout)
    );
    let mod_rs = std::fs::read_to_string(out.join("mod.rs")).unwrap();
    assert!(
        mod_rs.starts_with(codegen::HEADER_MARKER) && mod_rs.contains(&scratch_sha),
        "the scratch slice (sha256 {scratch_sha}) was not the input:\n{}",
        mod_rs.lines().next().unwrap_or_default()
    );
    // The same, into an explicit --out, with the scratch overlay as the
    // default; and --check agrees with what was written.
    let elsewhere = tempfile::tempdir().unwrap();
    let run = xtask(
        ws.path(),
        &["generate", "--out", elsewhere.path().to_str().unwrap()],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read_to_string(elsewhere.path().join("mod.rs")).unwrap(),
        mod_rs
    );
    let check = xtask(&below, &["generate", "--check"]);
    assert!(check.status.success(), "{}", text(&check.stdout));
    assert!(text(&check.stdout).contains("is up to date"));

    // This checkout was neither read as the input nor written.
    let ours_after = std::fs::read_to_string(this_checkout().join("generated/mod.rs")).unwrap();
    assert_eq!(ours_before, ours_after);
    assert!(!ours_after.contains(&scratch_sha));
}

#[test]
fn outside_any_workspace_the_error_says_what_was_looked_for() {
    let nowhere = tempfile::tempdir().unwrap();
    let run = xtask(nowhere.path(), &["generate", "--check"]);
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("no graph-teams-admin workspace")
            && stderr.contains(&nowhere.path().display().to_string())
            && stderr.contains("[workspace]"),
        "{stderr}"
    );
}
