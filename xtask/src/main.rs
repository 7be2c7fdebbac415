use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use xtask::slice::{self, Origin, SliceRule};
use xtask::{codegen, defaults, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build tasks for graph-teams-admin")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the Rust client from the spec slice and overlay.
    Generate {
        /// OpenAPI 3.0.x description (YAML or JSON). Default: the slice in specs/.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Overlay to apply. Default: specs/overlay.yaml when --spec is not
        /// given, none when it is.
        #[arg(long, conflicts_with = "no_overlay")]
        overlay: Option<PathBuf>,
        /// Apply no overlay.
        #[arg(long)]
        no_overlay: bool,
        /// Output directory. Default: generated/.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Module path the output is mounted at in the crate that uses it.
        #[arg(long, default_value = defaults::MOUNT)]
        mount: String,
        /// Type of the client's hook state (`inner`); `none` for no state.
        #[arg(long, default_value = defaults::INNER_TYPE)]
        inner_type: String,
        /// Do not write; exit non-zero with a diff when the output directory is stale.
        #[arg(long)]
        check: bool,
    },
    /// Slice a new upstream description, regenerate, and record what changed
    /// in CHANGELOG.md.
    Update {
        /// The full Graph description: OpenAPI (YAML or JSON) or CSDL (XML).
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        origin: OriginArgs,
    },
    /// Compare two slices (after the overlay) and classify every change.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Overlay applied to both sides (default specs/overlay.yaml).
        #[arg(long, conflicts_with = "no_overlay")]
        overlay: Option<PathBuf>,
        /// Compare the slices as they are.
        #[arg(long)]
        no_overlay: bool,
        /// markdown (for people) or json (stable, see README).
        #[arg(long, default_value = "markdown")]
        format: String,
        /// Exit 1 when any change is breaking (by Graph's rules or for the Rust API).
        #[arg(long)]
        fail_on_breaking: bool,
    },
    /// Run benchmarks and write the figures into BENCHMARKS.md.
    Bench {
        /// Which benchmark: slice, csdl, generate or sdk.
        what: String,
        /// Size of the synthetic input, MB.
        #[arg(long, default_value_t = 100)]
        size_mb: usize,
        /// Runs per measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Print only; do not update BENCHMARKS.md.
        #[arg(long)]
        dry_run: bool,
    },
    /// Baselines measured by `bench` (not for people).
    #[command(hide = true)]
    BenchChild { what: String, file: PathBuf },
    /// Cut the slice from the full published description (OpenAPI YAML/JSON,
    /// or the CSDL `$metadata` XML).
    Slice {
        /// The full Graph description: OpenAPI (YAML or JSON) or CSDL (XML).
        #[arg(long)]
        from: PathBuf,
        /// Path prefixes to keep (default: the rule in specs/source.toml).
        #[arg(long = "prefix")]
        prefixes: Vec<String>,
        /// The root path to cut from a CSDL (same as a single --prefix).
        #[arg(long)]
        root: Option<String>,
        /// The namespace to cut from a CSDL (default: the rule in specs/source.toml).
        #[arg(long)]
        namespace: Option<String>,
        /// Where to write the slice. Default: the slice in specs/ (and the
        /// record specs/source.toml).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        origin: OriginArgs,
    },
}

/// Where an upstream file came from, for the record.
#[derive(clap::Args)]
struct OriginArgs {
    /// The server a CSDL slice describes (default https://graph.microsoft.com/beta/).
    #[arg(long)]
    server_url: Option<String>,
    /// Upstream repository the file came from (for the record).
    #[arg(long)]
    repository: Option<String>,
    /// Path of the file in that repository.
    #[arg(long = "upstream-path")]
    upstream_path: Option<String>,
    /// Commit of that file.
    #[arg(long)]
    commit: Option<String>,
}

impl From<OriginArgs> for Origin {
    fn from(a: OriginArgs) -> Self {
        Origin {
            server_url: a.server_url,
            repository: a.repository,
            upstream_path: a.upstream_path,
            commit: a.commit,
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Update { from, origin } => {
            let root = workspace_root();
            let done = xtask::update::run(&root, &from, &origin.into())?;
            let s = &done.report.summary;
            if !done.slice_changed {
                println!(
                    "the slice cut from {} is identical to the committed one; nothing to record",
                    from.display()
                );
            } else {
                println!(
                    "updated {} from {}: {} API change(s), {} breaking by Graph's rules, {} breaking for the Rust API; {} generated file(s) changed",
                    defaults::SPEC,
                    from.display(),
                    s.changes,
                    s.breaking_graph,
                    s.breaking_rust,
                    done.generated_files_changed
                );
                if let Some(c) = &done.changelog {
                    println!(
                        "report written to {} (review it with `git diff`)",
                        c.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            old,
            new,
            overlay,
            no_overlay,
            format,
            fail_on_breaking,
        } => {
            let overlay = if no_overlay {
                None
            } else {
                Some(overlay.unwrap_or_else(|| workspace_root().join(defaults::OVERLAY)))
            };
            let old = codegen::prepare(&old, overlay.as_deref()).context("old side")?;
            let new = codegen::prepare(&new, overlay.as_deref()).context("new side")?;
            let report = xtask::diff::report(&old, &new);
            match format.as_str() {
                "markdown" | "md" => print!("{}", report.markdown()),
                "json" => print!("{}", report.json()),
                other => anyhow::bail!("unknown --format {other:?}: markdown or json"),
            }
            if fail_on_breaking && report.is_breaking() {
                eprintln!(
                    "error: {} breaking change(s)",
                    report
                        .summary
                        .breaking_graph
                        .max(report.summary.breaking_rust)
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what,
            size_mb,
            runs,
            dry_run,
        } => {
            let root = workspace_root();
            let report = match what.as_str() {
                "slice" => xtask::bench::slice(&root, size_mb, runs)?,
                "csdl" => xtask::bench::csdl(&root, size_mb, runs)?,
                "generate" => xtask::bench::generate(&root, runs)?,
                "sdk" => xtask::bench::sdk(&root)?,
                other => anyhow::bail!("unknown benchmark {other:?} (slice, csdl, generate, sdk)"),
            };
            print!("{report}");
            if !dry_run {
                xtask::bench::write_section(&root.join("BENCHMARKS.md"), &what, &report)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchChild { what, file } => {
            let bytes = std::fs::read(&file)?;
            match what.as_str() {
                "read" => println!("{}", xtask::doc::sha256_hex(&bytes)),
                "csdl" => {
                    let options = xtask::csdl::synthetic::options();
                    let doc = xtask::csdl::slice_from_csdl(&file, &bytes, &options)?;
                    println!("{}", xtask::yaml::to_string(&doc).len());
                }
                "xml-scan" => {
                    let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
                    let mut buf = Vec::new();
                    let mut events = 0u64;
                    loop {
                        match reader.read_event_into(&mut buf)? {
                            quick_xml::events::Event::Eof => break,
                            _ => events += 1,
                        }
                        buf.clear();
                    }
                    println!("{events}");
                }
                "prepare" => {
                    let overlay = workspace_root().join(defaults::OVERLAY);
                    let p = codegen::prepare(&file, Some(&overlay))?;
                    println!("{}", p.doc.as_object().map(|m| m.len()).unwrap_or(0));
                }
                "parse" => {
                    let v: serde_json::Value = serde_yaml_ng::from_slice(&bytes)?;
                    println!(
                        "{}",
                        v.get("paths")
                            .and_then(|p| p.as_object())
                            .map(|p| p.len())
                            .unwrap_or(0)
                    );
                }
                other => anyhow::bail!("unknown bench child {other}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Slice {
            from,
            prefixes,
            root: root_path,
            namespace,
            out,
            origin,
        } => {
            let root = workspace_root();
            let record_path = root.join(defaults::RECORD);
            let mut rule = SliceRule::from_record(&record_path)?;
            if !prefixes.is_empty() {
                rule.prefixes = prefixes;
            }
            if let Some(r) = root_path {
                rule.prefixes = vec![r];
            }
            if let Some(ns) = namespace {
                rule.namespace = ns;
            }
            let default_out = root.join(defaults::SPEC);
            let out_path = out.unwrap_or_else(|| default_out.clone());
            let slice_file = out_path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let started = Instant::now();
            let cut = slice::cut(&from, &rule, &origin.into(), &slice_file)?;
            let elapsed = started.elapsed();
            std::fs::write(&out_path, &cut.text)
                .with_context(|| format!("cannot write {}", out_path.display()))?;
            if out_path == default_out {
                std::fs::write(&record_path, slice::record(&rule, &cut.provenance))
                    .with_context(|| format!("cannot write {}", record_path.display()))?;
            }
            let count = |k: &str| {
                cut.doc
                    .get(k)
                    .and_then(|v| v.as_object())
                    .map(|m| m.len())
                    .unwrap_or(0)
            };
            let schemas = cut
                .doc
                .pointer("/components/schemas")
                .and_then(|v| v.as_object())
                .map(|m| m.len())
                .unwrap_or(0);
            println!(
                "sliced {} paths and {} schemas from {} into {} in {} ms (sha256 {})",
                count("paths"),
                schemas,
                from.display(),
                out_path.display(),
                elapsed.as_millis(),
                cut.provenance.slice_sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            spec,
            overlay,
            no_overlay,
            out,
            mount,
            inner_type,
            check,
        } => {
            let root = workspace_root();
            let overlay = match (&spec, overlay, no_overlay) {
                (_, _, true) => None,
                (_, Some(o), _) => Some(o),
                (None, None, _) => Some(root.join(defaults::OVERLAY)),
                (Some(_), None, _) => None,
            };
            let settings = codegen::Settings {
                spec: spec.unwrap_or_else(|| root.join(defaults::SPEC)),
                overlay,
                mount,
                inner_type: (inner_type != "none").then_some(inner_type),
            };
            let out = out.unwrap_or_else(|| root.join(defaults::OUT));
            let started = Instant::now();
            let output = codegen::generate(&settings)?;
            if check {
                let diffs = codegen::check(&out, &output)?;
                if diffs.is_empty() {
                    println!(
                        "{} is up to date ({} files)",
                        out.display(),
                        output.files.len()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                for d in &diffs {
                    print!("{d}");
                }
                eprintln!(
                    "error: {} is out of date relative to {} ({} file(s) differ); run `cargo xtask generate`",
                    out.display(),
                    settings.spec.display(),
                    diffs.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            let changed = codegen::write(&out, &output)?;
            println!(
                "generated {} files into {} ({} changed) in {} ms",
                output.files.len(),
                out.display(),
                changed,
                started.elapsed().as_millis()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
