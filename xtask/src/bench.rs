//! `cargo xtask bench`: measurements written to BENCHMARKS.md.
//!
//! Each measured command runs as a child process of a release build, so its
//! wall time and peak memory (`ru_maxrss` from `wait4`) are its own. Every
//! figure is the median of several runs and is put next to a baseline
//! measured in the same run on the same input.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

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
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
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

/// The release build of this xtask (built if needed).
pub fn release_xtask(root: &Path) -> Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "xtask"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release -p xtask failed");
    }
    Ok(root.join("target/release/xtask"))
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
    let slice = crate::doc::load(&root.join(crate::defaults::SPEC))?.value;
    let text = crate::synthetic::synthetic_openapi(&slice, size_mb * 1024 * 1024);
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
            .stdout(std::process::Stdio::null());
        c
    })?;
    let read = repeat(runs, || {
        let mut c = Command::new(&xtask);
        c.args(["bench-child", "read"]).arg(&input);
        c
    })?;
    let parse = repeat(runs.min(2), || {
        let mut c = Command::new(&xtask);
        c.args(["bench-child", "parse"]).arg(&input);
        c
    })?;
    let (s, r, p) = (median(&sliced), median(&read), median(&parse));
    let ok_time = s.wall <= Duration::from_secs(5);
    let ok_mem = s.peak_rss_kib <= 1536 * 1024;
    Ok(format!(
        "## Slice: `cargo xtask slice` on a {:.0} MB description\n\n\
         Command: `cargo xtask bench slice --size-mb {size_mb} --runs {runs}` (release build; each figure the median of {runs} runs, a child process each).\n\
         Input: synthetic Graph-shaped YAML written by `xtask/src/synthetic.rs` ({paths} paths; our 22 `/admin/teams` paths among them).\n\
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
