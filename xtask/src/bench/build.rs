//! Bench room: what depending on the SDK costs a user's build
//! (`cargo xtask bench build`).
//!
//! Two hello-world binaries are written to a scratch folder: one depends on
//! this workspace's SDK with default features, the other on graph-rs-sdk 3
//! (`GraphClient::new`), the only other Rust Graph SDK. Each is built clean
//! (debug, a fresh target folder every time), alternating between the two so
//! that a busy machine slows both alike; the figure is the median of the
//! runs and the ratio of the medians. The number of packages each pulls in
//! (normal and build dependencies, the binary itself excluded) comes from
//! `cargo tree`. Touches only the scratch folder; needs crates.io.

use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use super::{Run, cargo, measure, median};

/// One of the two hello-world programs.
struct Program {
    name: &'static str,
    label: String,
    manifest: String,
    main: &'static str,
}

fn programs(root: &Path) -> Vec<Program> {
    let sdk = root.display().to_string().replace('\\', "/");
    vec![
        Program {
            name: "hello-ours",
            label: "graph-teams-admin (default features)".into(),
            manifest: format!(
                "graph-teams-admin = {{ path = {sdk:?} }}\n\
                 tokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n"
            ),
            main: "fn main() {\n    \
                   let client = graph_teams_admin::Client::builder().token(\"t\").build().unwrap();\n    \
                   println!(\"{}\", client.base_url());\n}\n",
        },
        Program {
            name: "hello-graph-rs",
            label: "graph-rs-sdk 3 (default features)".into(),
            manifest: "graph-rs-sdk = \"3\"\n\
                       tokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n"
                .into(),
            main: "fn main() {\n    \
                   let client = graph_rs_sdk::GraphClient::new(\"t\");\n    \
                   let _ = client;\n    \
                   println!(\"ok\");\n}\n",
        },
    ]
}

fn write_program(dir: &Path, p: &Program) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n{}\n[workspace]\n",
            p.name, p.manifest
        ),
    )?;
    std::fs::write(dir.join("src/main.rs"), p.main)?;
    // Resolve (and download) once, outside the timed builds.
    let status = cargo()
        .args(["fetch", "--quiet"])
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot run cargo fetch in {}", dir.display()))?;
    if !status.success() {
        bail!(
            "cargo fetch failed in {} (is crates.io reachable?)",
            dir.display()
        );
    }
    Ok(())
}

/// Distinct packages in the dependency graph, the program itself excluded.
fn package_count(dir: &Path) -> Result<usize> {
    let out = cargo()
        .args(["tree", "--quiet", "--prefix", "none", "-e", "normal,build"])
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("cargo tree failed in {}", dir.display());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.len().saturating_sub(1))
}

fn clean_build(dir: &Path, target: &Path) -> Result<Run> {
    if target.exists() {
        std::fs::remove_dir_all(target)?;
    }
    let mut c = cargo();
    // A user's build takes the SDK from crates.io, and cargo builds registry
    // packages without incremental compilation; a path dependency (how the
    // program names the checkout here) would get it and pay for writing the
    // incremental state. Off for both programs, so both build as users'.
    c.args(["build", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .stdout(Stdio::null());
    measure(&mut c)
}

/// Runs the build benchmark and returns its BENCHMARKS.md section.
pub fn build(root: &Path, runs: usize) -> Result<String> {
    let scratch = tempfile::tempdir()?;
    let programs = programs(root);
    let mut counts = Vec::new();
    for p in &programs {
        let dir = scratch.path().join(p.name);
        write_program(&dir, p)?;
        counts.push(package_count(&dir)?);
    }
    let mut results: Vec<Vec<Run>> = vec![Vec::new(); programs.len()];
    for round in 0..runs {
        for (i, p) in programs.iter().enumerate() {
            let dir = scratch.path().join(p.name);
            let run = clean_build(&dir, &scratch.path().join(format!("target-{}", p.name)))?;
            eprintln!(
                "round {}: {} built in {:.1} s",
                round + 1,
                p.label,
                run.wall.as_secs_f64()
            );
            results[i].push(run);
        }
    }
    let ours = median(&results[0]).wall.as_secs_f64();
    let theirs = median(&results[1]).wall.as_secs_f64();
    let ratio = ours / theirs;
    let mut s = String::new();
    s.push_str(
        "A clean debug build (`cargo build`, fresh target folder each time, incremental compilation off as for a crates.io dependency) of a \
         hello-world binary that depends on each SDK, alternating between the two, \
         medians of the runs.\n\n",
    );
    s.push_str("| program | median wall | runs | packages pulled in |\n|---|---|---|---|\n");
    for (i, p) in programs.iter().enumerate() {
        let walls: Vec<String> = results[i]
            .iter()
            .map(|r| format!("{:.1}", r.wall.as_secs_f64()))
            .collect();
        s.push_str(&format!(
            "| {} | {:.1} s | {} s | {} |\n",
            p.label,
            median(&results[i]).wall.as_secs_f64(),
            walls.join(" / "),
            counts[i]
        ));
    }
    s.push_str(&format!(
        "\nRatio ours / graph-rs-sdk: **{ratio:.2}x** (target at most 0.6x: {}).\n",
        if ratio <= 0.6 { "met" } else { "not met" }
    ));
    Ok(s)
}
