//! The diff benchmark (`cargo xtask bench diff`): `xtask diff` on two large
//! synthetic descriptions (`--slice`: both cut first, then compared) and on
//! two slices, each next to baselines measured in the same run on the same
//! inputs: reading and hashing both files and cutting both slices (for the
//! large pair), loading both slices and applying the overlay (for the
//! slices), and `--rust-api` (generating both sides too).
//!
//! The room: `bench/`. Writes its inputs to a temporary directory; the
//! commands run as child processes of the release binary.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;
use serde_json::{Value, json};

use super::{Baseline, Run, machine, median, mib, release_xtask, repeat, secs, synthetic_openapi};
use crate::spec;
use crate::workspace::defaults;

/// The change both sides differ by: a new enum member, a removed property,
/// a new action (what `tests/update.rs` calls realistic).
pub fn realistic_change(d: &mut Value) {
    const ASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
    if let Some(members) =
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberType"]["enum"]
            .as_array_mut()
    {
        members.insert(4, json!("teamsPhoneCloud"));
    }
    if let Some(props) =
        d["components"]["schemas"]["microsoft.graph.teamsAdministration.numberAssignment"]["allOf"]
            [1]["properties"]
            .as_object_mut()
    {
        props.remove("city");
    }
    let release = ASSIGN.replace("assignNumber", "releaseNumber");
    let copy = d["paths"][ASSIGN].clone();
    if let Some(paths) = d["paths"].as_object_mut() {
        paths.insert(release.clone(), copy);
    }
    d["paths"][&release]["post"]["operationId"] =
        json!("admin.teams.telephoneNumberManagement.numberAssignments_releaseNumber");
}

/// A command that starts by `fork` + `exec` instead of `posix_spawn`.
///
/// glibc's `posix_spawn` shares the parent's address space until `exec`
/// (`CLONE_VM`), and Linux then carries the parent's *peak* RSS into the
/// child's `ru_maxrss`: every child would report at least the peak of this
/// driver, which held two 100 MB descriptions while writing them. After a
/// real `fork` the child starts from the parent's current RSS (small once
/// the inputs are written and freed), so the figure is the command's own.
fn fresh(mut c: Command) -> Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook runs in the forked child before `exec`; it does
    // nothing, so it cannot break the child's async-signal-safety.
    #[allow(unsafe_code)]
    unsafe {
        c.pre_exec(|| Ok(()));
    }
    c
}

/// The larger wall time and memory of two children run one after the
/// other (a baseline made of two commands): times add, memory is the peak.
fn both(a: Run, b: Run) -> Run {
    Run {
        wall: a.wall + b.wall,
        peak_rss_kib: a.peak_rss_kib.max(b.peak_rss_kib),
    }
}

pub fn diff(root: &Path, size_mb: usize, runs: usize) -> Result<String> {
    let xtask = release_xtask(root)?;
    let dir = tempfile::tempdir()?;
    let slice = spec::load(&root.join(defaults::SPEC))?.value;
    let mut changed = slice.clone();
    realistic_change(&mut changed);
    let target = size_mb * 1024 * 1024;
    let (old_big, new_big) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old_big, synthetic_openapi(&slice, target))?;
    std::fs::write(&new_big, synthetic_openapi(&changed, target))?;
    let bytes = std::fs::metadata(&old_big)?.len() + std::fs::metadata(&new_big)?.len();
    std::fs::create_dir_all(dir.path().join("a"))?;
    std::fs::create_dir_all(dir.path().join("b"))?;
    let old_slice = dir.path().join("a/slice.yaml");
    let new_slice = dir.path().join("b/slice.yaml");
    std::fs::write(&old_slice, spec::yaml::to_string(&slice))?;
    std::fs::write(&new_slice, spec::yaml::to_string(&changed))?;

    let cmd = |args: &[&str], files: &[&Path]| {
        let (xtask, root) = (xtask.clone(), root.to_path_buf());
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let files: Vec<std::path::PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
        move || {
            let mut c = Command::new(&xtask);
            c.args(&args)
                .args(&files)
                .current_dir(&root)
                .stdout(Stdio::null());
            fresh(c)
        }
    };
    let child = |b: Baseline, file: &Path| cmd(&["bench-child", b.name()], &[file]);
    let cut_out = dir.path().join("cut.yaml");
    let cut = |from: &Path| {
        let (xtask, root, from, out) = (
            xtask.clone(),
            root.to_path_buf(),
            from.to_path_buf(),
            cut_out.clone(),
        );
        move || {
            let mut c = Command::new(&xtask);
            c.args(["slice", "--from"])
                .arg(&from)
                .arg("--out")
                .arg(&out)
                .current_dir(&root)
                .stdout(Stdio::null());
            fresh(c)
        }
    };

    // Two large descriptions.
    let big = median(&repeat(
        runs,
        cmd(
            &["diff", "--slice", "--format", "json"],
            &[&old_big, &new_big],
        ),
    )?);
    let cuts = both(
        median(&repeat(runs, cut(&old_big))?),
        median(&repeat(runs, cut(&new_big))?),
    );
    let reads = both(
        median(&repeat(runs, child(Baseline::Read, &old_big))?),
        median(&repeat(runs, child(Baseline::Read, &new_big))?),
    );
    // Two slices.
    let small = median(&repeat(
        runs,
        cmd(&["diff", "--format", "json"], &[&old_slice, &new_slice]),
    )?);
    let prepare = both(
        median(&repeat(runs, child(Baseline::Prepare, &old_slice))?),
        median(&repeat(runs, child(Baseline::Prepare, &new_slice))?),
    );
    let with_api = median(&repeat(
        runs,
        cmd(
            &["diff", "--rust-api", "--format", "json"],
            &[&old_slice, &new_slice],
        ),
    )?);
    let ratio = |a: Run, b: Run| a.wall.as_secs_f64() / b.wall.as_secs_f64();
    Ok(format!(
        "## Diff: `cargo xtask diff` on two {:.0} MB descriptions and on two slices\n\n\
         Command: `cargo xtask bench diff --size-mb {size_mb} --runs {runs}` (release build; each figure the median of {runs} runs, a child process each, started by fork + exec so its peak memory is its own; a baseline of two commands adds their times and takes the larger peak).\n\
         Input: two synthetic Graph-shaped YAML descriptions written by `xtask/src/bench/synthetic_openapi.rs` ({:.0} MB together) around the committed slice and around a realistic change of it (a new enum member, a removed property, a new action: `bench/diff.rs`), and the two slices themselves. All {} rules, the overlay's per-action check on both sides, JSON output.\n\
         Machine: {}.\n\n\
         | what | wall time | peak memory | vs. the diff |\n|---|---|---|---|\n\
         | `xtask diff --slice OLD NEW` (cut both, overlay, compare, check each overlay action) | {} | {} | 1.00× |\n\
         | baseline: `xtask slice` of each description (the cuts alone) | {} | {} | {:.2}× the time |\n\
         | baseline: read + SHA-256 of both files | {} | {} | {:.2}× the time |\n\
         | `xtask diff OLD NEW` on the two slices | {} | {} | 1.00× |\n\
         | baseline: load each slice and apply the overlay | {} | {} | {:.2}× the time |\n\
         | `xtask diff OLD NEW --rust-api` (also generate both sides, list and compare the public items) | {} | {} | {:.2}× the time |\n\n\
         On the large pair the cuts are nearly all of the time: the comparison itself costs what it costs on the slices (the fourth row); the diff runs both cuts in one process, the baseline in two.\n",
        target as f64 / 1e6,
        bytes as f64 / 1e6,
        crate::diff::RULES.len(),
        machine(),
        secs(big.wall),
        mib(big.peak_rss_kib),
        secs(cuts.wall),
        mib(cuts.peak_rss_kib),
        ratio(cuts, big),
        secs(reads.wall),
        mib(reads.peak_rss_kib),
        ratio(reads, big),
        secs(small.wall),
        mib(small.peak_rss_kib),
        secs(prepare.wall),
        mib(prepare.peak_rss_kib),
        ratio(prepare, small),
        secs(with_api.wall),
        mib(with_api.peak_rss_kib),
        ratio(with_api, small),
    ))
}
