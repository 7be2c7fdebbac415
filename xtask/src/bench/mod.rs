//! Benchmarks (`cargo xtask bench TARGET`): measurements written to
//! BENCHMARKS.md.
//!
//! Each measured command runs as a child process of a release build, so its
//! wall time and peak memory (`ru_maxrss` from `wait4`) are its own. Every
//! figure is the median of several runs and is put next to a baseline
//! measured in the same run on the same input.
//!
//! The room: [`synthetic_openapi`](mod@synthetic_openapi) and
//! [`synthetic_csdl`](mod@synthetic_csdl) (the inputs),
//! [`baseline`] (what the `bench-child` baselines do) and, here, the
//! drivers. Uses [`crate::spec`] and the CSDL converter; the commands it
//! measures run as child processes of the release binary. No stage depends
//! on it (the tests use the synthetic inputs). Writes its inputs to
//! temporary directories and the report into the workspace's BENCHMARKS.md;
//! builds with cargo.

pub mod baseline;
pub mod build;
pub mod diff;
pub mod synthetic_csdl;
pub mod synthetic_openapi;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;

use crate::spec;
use crate::workspace::{defaults, upstream_dir};

pub use baseline::Baseline;
pub use synthetic_csdl::synthetic_csdl;
pub use synthetic_openapi::synthetic_openapi;

/// What `cargo xtask bench` measures; each writes its own section of
/// BENCHMARKS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// `xtask slice` on a large synthetic OpenAPI description.
    Slice,
    /// `xtask slice` on a large synthetic CSDL `$metadata`.
    Csdl,
    /// `xtask generate --check` and building the library.
    Generate,
    /// The SDK's own benchmarks (`benches/sdk.rs`).
    Sdk,
    /// A clean build of a program using the SDK, against graph-rs-sdk.
    Build,
    /// `xtask diff` on two large synthetic descriptions and on two slices.
    Diff,
}

impl Target {
    /// The name on the command line and of the BENCHMARKS.md section.
    pub fn name(self) -> &'static str {
        match self {
            Target::Slice => "slice",
            Target::Csdl => "csdl",
            Target::Generate => "generate",
            Target::Sdk => "sdk",
            Target::Build => "build",
            Target::Diff => "diff",
        }
    }
}

/// Runs one benchmark against the workspace at `root` and returns its
/// section of BENCHMARKS.md.
pub fn run(root: &Path, target: Target, size_mb: usize, runs: usize) -> Result<String> {
    match target {
        Target::Slice => slice(root, size_mb, runs),
        Target::Csdl => csdl(root, size_mb, runs),
        Target::Generate => generate(root, runs),
        Target::Sdk => sdk(root),
        Target::Build => build::build(root, runs),
        Target::Diff => diff::diff(root, size_mb, runs),
    }
}

/// The cargo that runs this task (`CARGO`, set by `cargo run`), else the
/// one on `PATH`.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// One child run.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub wall: Duration,
    pub peak_rss_kib: u64,
}

/// Runs a command to completion and reports its wall time and peak RSS.
pub fn measure(cmd: &mut Command) -> Result<Run> {
    let started = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data; all zeroes is a valid value.
    #[allow(unsafe_code)]
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
    #[allow(unsafe_code)]
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if r != pid {
        bail!("wait4 failed for {cmd:?}");
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed (status {status})");
    }
    Ok(Run {
        wall,
        peak_rss_kib: usage.ru_maxrss as u64,
    })
}

/// Median of runs (by wall time; memory by its own median).
pub fn median(runs: &[Run]) -> Run {
    let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let mut rss: Vec<u64> = runs.iter().map(|r| r.peak_rss_kib).collect();
    walls.sort();
    rss.sort();
    Run {
        wall: walls[walls.len() / 2],
        peak_rss_kib: rss[rss.len() / 2],
    }
}

/// `n` runs of a command.
pub fn repeat(n: usize, mut make: impl FnMut() -> Command) -> Result<Vec<Run>> {
    (0..n).map(|_| measure(&mut make())).collect()
}

/// The machine, for the report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem} RAM, {rustc}")
}

/// Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
/// in BENCHMARKS.md (appending the section when it is not there yet).
pub fn write_section(file: &Path, name: &str, body: &str) -> Result<()> {
    let start = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let current = std::fs::read_to_string(file).unwrap_or_else(|_| "# Benchmarks\n".into());
    let block = format!("{start}\n{}\n{end}", body.trim_end());
    let updated = match (current.find(&start), current.find(&end)) {
        (Some(a), Some(b)) if b > a => {
            format!("{}{block}{}", &current[..a], &current[b + end.len()..])
        }
        _ => format!("{}\n\n{block}\n", current.trim_end()),
    };
    std::fs::write(file, updated).with_context(|| format!("cannot write {}", file.display()))
}

/// The release build of this xtask (built if needed), wherever cargo puts
/// it (`CARGO_TARGET_DIR` included).
pub fn release_xtask(root: &Path) -> Result<PathBuf> {
    let out = cargo()
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "--bin",
            "xtask",
            "--message-format=json",
        ])
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("cargo build --release -p xtask failed");
    }
    last_executable(&out.stdout)
        .ok_or_else(|| anyhow!("cargo build --release -p xtask named no executable"))
}

/// The last `executable` cargo's JSON messages name.
fn last_executable(messages: &[u8]) -> Option<PathBuf> {
    String::from_utf8_lossy(messages)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("executable")?.as_str().map(PathBuf::from))
        .next_back()
}

pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// The slice benchmark: a synthetic Graph-shaped description of `size_mb`
/// MB, sliced by the release binary; baselines in the same run: reading and
/// hashing the file (the least any slicer must do), and parsing the whole
/// YAML into a tree (what a naive slicer does).
pub fn slice(root: &Path, size_mb: usize, runs: usize) -> Result<String> {
    let xtask = release_xtask(root)?;
    let dir = tempfile::tempdir()?;
    let slice = spec::load(&root.join(defaults::SPEC))?.value;
    let text = synthetic_openapi(&slice, size_mb * 1024 * 1024);
    let input = dir.path().join("openapi.yaml");
    std::fs::write(&input, &text)?;
    let paths = text
        .lines()
        .filter(|l| l.starts_with("  /") || l.starts_with("  '/"))
        .count();
    drop(text);
    let bytes = std::fs::metadata(&input)?.len();
    let out = dir.path().join("slice.yaml");
    let sliced = repeat(runs, || {
        let mut c = Command::new(&xtask);
        c.args(["slice", "--from"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .current_dir(root)
            .stdout(std::process::Stdio::null());
        c
    })?;
    let read = repeat(runs, || {
        let mut c = Command::new(&xtask);
        c.args(["bench-child", Baseline::Read.name()])
            .arg(&input)
            .stdout(std::process::Stdio::null());
        c
    })?;
    let parse = repeat(runs.min(2), || {
        let mut c = Command::new(&xtask);
        c.args(["bench-child", Baseline::Parse.name()])
            .arg(&input)
            .stdout(std::process::Stdio::null());
        c
    })?;
    let (s, r, p) = (median(&sliced), median(&read), median(&parse));
    let ok_time = s.wall <= Duration::from_secs(5);
    let ok_mem = s.peak_rss_kib <= 1536 * 1024;
    Ok(format!(
        "## Slice: `cargo xtask slice` on a {:.0} MB description\n\n\
         Command: `cargo xtask bench slice --size-mb {size_mb} --runs {runs}` (release build; each figure the median of {runs} runs, a child process each).\n\
         Input: synthetic Graph-shaped YAML written by `xtask/src/bench/synthetic_openapi.rs` ({paths} paths; our 22 `/admin/teams` paths among them).\n\
         Machine: {}.\n\n\
         | what | wall time | peak memory | vs. slice |\n|---|---|---|---|\n\
         | `xtask slice` (index lines, parse only kept entries) | {} | {} | 1.00× |\n\
         | baseline: read + SHA-256 of the file | {} | {} | {:.2}× the time |\n\
         | baseline: parse the whole YAML into a tree (serde_yaml_ng) | {} | {} | {:.2}× the time, {:.2}× the memory |\n\n\
         Targets: at most 5 s ({}) and 1.5 GiB ({}).\n",
        bytes as f64 / 1e6,
        machine(),
        secs(s.wall),
        mib(s.peak_rss_kib),
        secs(r.wall),
        mib(r.peak_rss_kib),
        r.wall.as_secs_f64() / s.wall.as_secs_f64(),
        secs(p.wall),
        mib(p.peak_rss_kib),
        p.wall.as_secs_f64() / s.wall.as_secs_f64(),
        p.peak_rss_kib as f64 / s.peak_rss_kib as f64,
        if ok_time { "met" } else { "MISSED" },
        if ok_mem { "met" } else { "MISSED" },
    ))
}

/// The CSDL benchmark: a synthetic Graph-shaped `$metadata` of `size_mb`
/// MB cut by the release binary; baselines in the same run: read + hash,
/// and one pass of the XML reader over every event (what any streaming
/// reader must at least do).
pub fn csdl(root: &Path, size_mb: usize, runs: usize) -> Result<String> {
    let xtask = release_xtask(root)?;
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("metadata.xml");
    std::fs::write(&input, synthetic_csdl(size_mb * 1024 * 1024))?;
    let bytes = std::fs::metadata(&input)?.len();
    let child = |what: Baseline| {
        let (xtask, input) = (xtask.clone(), input.clone());
        move || {
            let mut c = Command::new(&xtask);
            c.args(["bench-child", what.name()])
                .arg(&input)
                .stdout(std::process::Stdio::null());
            c
        }
    };
    let (c, r, scan) = (
        median(&repeat(runs, child(Baseline::Csdl))?),
        median(&repeat(runs, child(Baseline::Read))?),
        median(&repeat(runs, child(Baseline::XmlScan))?),
    );
    let ok_time = c.wall <= Duration::from_secs(1);
    let ok_mem = c.peak_rss_kib <= 200 * 1024;
    // The real published v1.0 document, when the maintainers' copy is there.
    let upstream = upstream_dir(root).join("v1.0-cleanMetadata.xml");
    let real = if upstream.exists() {
        let out = dir.path().join("real.yaml");
        let runs = repeat(runs, || {
            let mut c = Command::new(&xtask);
            c.args(["slice", "--from"])
                .arg(&upstream)
                .arg("--out")
                .arg(&out)
                .args(["--server-url", "https://graph.microsoft.com/v1.0/"])
                .current_dir(root)
                .stdout(std::process::Stdio::null());
            c
        })?;
        let m = median(&runs);
        format!(
            "The real v1.0 `cleanMetadata.xml` ({:.1} MB, the upstream directory, `../shared/upstream/` unless `{}` names another): `xtask slice` in {} with {} peak memory, whole process.\n",
            std::fs::metadata(&upstream)?.len() as f64 / 1e6,
            crate::workspace::UPSTREAM_DIR_VAR,
            secs(m.wall),
            mib(m.peak_rss_kib)
        )
    } else {
        format!(
            "(The real v1.0 metadata, `../shared/upstream/` or `{}`, was not present for this run.)\n",
            crate::workspace::UPSTREAM_DIR_VAR
        )
    };
    Ok(format!(
        "## CSDL: slice cut from a {:.0} MB `$metadata`\n\n\
         Command: `cargo xtask bench csdl --size-mb {size_mb} --runs {runs}` (release build; each figure the median of {runs} runs, a child process each, reading the file from disk).\n\
         Input: synthetic Graph-shaped CSDL written by `xtask/src/bench/synthetic_csdl.rs` (thousands of unrelated entity types, actions and annotations around a Teams-administration-like namespace).\n\
         Machine: {}.\n\n\
         | what | wall time | peak memory | vs. slice |\n|---|---|---|---|\n\
         | CSDL → OpenAPI slice (streaming quick-xml, outside schemas only indexed) | {} | {} | 1.00× |\n\
         | baseline: read + SHA-256 of the file | {} | {} | {:.2}× the time |\n\
         | baseline: one quick-xml pass over every event, nothing kept | {} | {} | {:.2}× the time |\n\n\
         Targets: at most 1 s ({}) and 200 MiB ({}).\n\n{real}\n",
        bytes as f64 / 1e6,
        machine(),
        secs(c.wall),
        mib(c.peak_rss_kib),
        secs(r.wall),
        mib(r.peak_rss_kib),
        r.wall.as_secs_f64() / c.wall.as_secs_f64(),
        secs(scan.wall),
        mib(scan.peak_rss_kib),
        scan.wall.as_secs_f64() / c.wall.as_secs_f64(),
        if ok_time { "met" } else { "MISSED" },
        if ok_mem { "met" } else { "MISSED" },
    ))
}

/// (d) `cargo xtask generate` (release binary, in memory, `--check` so
/// nothing is written) against loading the spec and overlay alone; and a
/// clean build of the library against a rebuild of the library alone.
pub fn generate(root: &Path, runs: usize) -> Result<String> {
    let xtask = release_xtask(root)?;
    let gen_runs = repeat(runs, || {
        let mut c = Command::new(&xtask);
        c.args(["generate", "--check"])
            .current_dir(root)
            .stdout(std::process::Stdio::null());
        c
    })?;
    let load_runs = repeat(runs, || {
        let mut c = Command::new(&xtask);
        c.args(["bench-child", Baseline::Prepare.name()])
            .arg(root.join(defaults::SPEC))
            .current_dir(root)
            .stdout(std::process::Stdio::null());
        c
    })?;
    let (g, l) = (median(&gen_runs), median(&load_runs));
    // Builds go to their own target directory so the workspace's stays warm.
    let target = tempfile::tempdir()?;
    let build = |touch: bool| -> Result<Run> {
        if touch {
            let lib = root.join("src/lib.rs");
            let text = std::fs::read(&lib)?;
            std::fs::write(&lib, text)?;
        }
        let mut c = cargo();
        c.args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "graph-teams-admin",
            "--lib",
        ])
        .env("CARGO_TARGET_DIR", target.path())
        .current_dir(root);
        measure(&mut c)
    };
    let clean = build(false)?;
    let own: Vec<Run> = (0..runs).map(|_| build(true)).collect::<Result<_>>()?;
    let own = median(&own);
    Ok(format!(
        "## (d) Generation and build\n\n\
         Command: `cargo xtask bench generate --runs {runs}` (release builds; medians of {runs} runs).\n\
         Machine: {}.\n\n\
         | what | wall time | peak memory | ratio |\n|---|---|---|---|\n\
         | `xtask generate --check` (load, overlay, normalise, progenitor, our generators, prettyplease, compare) | {} | {} | {:.2}× the baseline |\n\
         | baseline: load the slice and apply the overlay only | {} | {} | 1.00 |\n\
         | clean `cargo build --release -p graph-teams-admin --lib` (every dependency) | {} | {} | 1.00 |\n\
         | rebuild of the library alone (generated code + runtime + emulator) after touching `src/lib.rs` | {} | {} | {:.2} of the clean build |\n",
        machine(),
        secs(g.wall),
        mib(g.peak_rss_kib),
        g.wall.as_secs_f64() / l.wall.as_secs_f64(),
        secs(l.wall),
        mib(l.peak_rss_kib),
        secs(clean.wall),
        mib(clean.peak_rss_kib),
        secs(own.wall),
        mib(own.peak_rss_kib),
        own.wall.as_secs_f64() / clean.wall.as_secs_f64(),
    ))
}

/// Instructions per call of the SDK and of the raw call, counted by
/// callgrind (deterministic where CPU time is noisy). `None` without valgrind.
fn instructions_per_call(root: &Path, calls: u64) -> Result<Option<(f64, f64)>> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Ok(None);
    }
    let out = cargo()
        .args([
            "bench",
            "--no-run",
            "--bench",
            "sdk",
            "-p",
            "graph-teams-admin",
            "--message-format=json",
        ])
        .current_dir(root)
        .output()?;
    let exe = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            v.get("executable")
                .and_then(|e| e.as_str())
                .map(str::to_owned)
        })
        .next_back()
        .ok_or_else(|| anyhow::anyhow!("cargo bench --no-run named no executable"))?;
    let dir = tempfile::tempdir()?;
    let mut collected = Vec::new();
    for kind in ["sdk", "raw"] {
        let file = dir.path().join(kind);
        let run = Command::new("valgrind")
            .args([
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=*cpu_per_call*",
            ])
            .arg(format!("--callgrind-out-file={}", file.display()))
            .arg(&exe)
            .args(["--bench", "cpu"])
            .env("SDK_BENCH_ONLY", kind)
            .env("SDK_BENCH_CALLS", calls.to_string())
            .output()?;
        let log = String::from_utf8_lossy(&run.stderr);
        let n = log
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| anyhow::anyhow!("callgrind reported no count:\n{log}"))?;
        collected.push(n);
    }
    // Each run also makes the warm-up: 200 calls of each kind.
    let sum = (collected[0] + collected[1]) / (calls as f64 + 400.0);
    let diff = (collected[0] - collected[1]) / calls as f64;
    Ok(Some(((sum + diff) / 2.0, (sum - diff) / 2.0)))
}

/// The SDK benchmarks (`benches/sdk.rs`: CPU per call, polls, bulk under
/// throttling), run with `cargo bench`.
pub fn sdk(root: &Path) -> Result<String> {
    let out = cargo()
        .args([
            "bench",
            "--quiet",
            "--bench",
            "sdk",
            "-p",
            "graph-teams-admin",
        ])
        .current_dir(root)
        .output()?;
    if !out.status.success() {
        bail!(
            "cargo bench --bench sdk failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let calls = 2000;
    let instructions = match instructions_per_call(root, calls)? {
        Some((sdk, raw)) => format!(
            "\nInstruction counts (callgrind, deterministic; {calls} calls of one kind per run, the client thread only): \
             raw {raw:.0} instructions per call, SDK {sdk:.0}, ratio **{:.3}**.\n",
            sdk / raw
        ),
        None => "\n(valgrind not installed: no instruction counts.)\n".into(),
    };
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = report.replacen("\n### (b)", &format!("{instructions}\n### (b)"), 1);
    Ok(format!(
        "## SDK overhead (issue: the SDK costs next to nothing over a raw HTTP call)\n\n\
         Command: `cargo xtask bench sdk` (runs `cargo bench --bench sdk`, release build, against the embedded emulator).\n\
         Machine: {}.\n\n{}",
        machine(),
        report
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_the_command_line_values() {
        for t in Target::value_variants() {
            assert_eq!(t.to_possible_value().unwrap().get_name(), t.name());
        }
    }

    #[test]
    fn the_built_executable_is_read_from_cargos_messages() {
        let messages = concat!(
            "{\"reason\":\"compiler-artifact\",\"executable\":null}\n",
            "not json\n",
            "{\"reason\":\"compiler-artifact\",\"executable\":\"/t/release/xtask\"}\n",
            "{\"reason\":\"build-finished\",\"success\":true}\n",
        );
        assert_eq!(
            last_executable(messages.as_bytes()),
            Some(PathBuf::from("/t/release/xtask"))
        );
    }
}
