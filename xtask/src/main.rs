//! `cargo xtask`: the command line. Parses the arguments and hands them to
//! one function of `xtask::commands` per command; nothing else happens
//! here (see the module map in `lib.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::bench::{Baseline, Target};
use xtask::commands;
use xtask::defaults;
use xtask::diff::{Format, Level};
use xtask::slice::Origin;
use xtask::update::SemverChecks;

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
        /// Also compare the crate's public API with cargo-semver-checks:
        /// auto (when installed), always, never (the public-item listing only).
        #[arg(long, value_enum, default_value_t = SemverChecks::Auto)]
        semver_checks: SemverChecks,
        #[command(flatten)]
        origin: OriginArgs,
    },
    /// Compare two slices (after the overlay) and classify every change.
    Diff {
        /// The old slice (with --slice: the old full description).
        #[arg(required_unless_present = "rules")]
        old: Option<PathBuf>,
        /// The new slice (with --slice: the new full description).
        #[arg(required_unless_present = "rules")]
        new: Option<PathBuf>,
        /// Overlay applied to both sides (default specs/overlay.yaml).
        #[arg(long, conflicts_with = "no_overlay")]
        overlay: Option<PathBuf>,
        /// Compare the slices as they are.
        #[arg(long)]
        no_overlay: bool,
        /// markdown (for people; also md) or json (stable, see README).
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// Exit 1 when any change is breaking (by Graph's rules or for the Rust API).
        #[arg(long)]
        fail_on_breaking: bool,
        /// Exit 1 when any change (or overlay action: redundant = warning,
        /// stale = error) is at this level or above.
        #[arg(long, value_enum)]
        fail_on: Option<Level>,
        /// OLD and NEW are full upstream descriptions: cut both with the
        /// rule in specs/source.toml first.
        #[arg(long)]
        slice: bool,
        /// Also generate both sides and compare their public Rust API.
        #[arg(long)]
        rust_api: bool,
        /// Print the table of rule ids (the README's) and exit.
        #[arg(long)]
        rules: bool,
    },
    /// Run benchmarks and write the figures into BENCHMARKS.md.
    Bench {
        /// Which benchmark.
        #[arg(value_enum)]
        target: Target,
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
    BenchChild {
        #[arg(value_enum)]
        baseline: Baseline,
        file: PathBuf,
    },
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
        Command::Generate {
            spec,
            overlay,
            no_overlay,
            out,
            mount,
            inner_type,
            check,
        } => commands::generate(commands::Generate {
            spec,
            overlay,
            no_overlay,
            out,
            mount,
            inner_type,
            check,
        }),
        Command::Update {
            from,
            semver_checks,
            origin,
        } => commands::update(
            &from,
            &origin.into(),
            &xtask::update::Options { semver_checks },
        ),
        Command::Diff {
            old,
            new,
            overlay,
            no_overlay,
            format,
            fail_on_breaking,
            fail_on,
            slice,
            rust_api,
            rules,
        } => commands::diff(commands::Diff {
            old,
            new,
            overlay,
            no_overlay,
            format,
            fail_on_breaking,
            fail_on,
            slice,
            rust_api,
            rules,
        }),
        Command::Bench {
            target,
            size_mb,
            runs,
            dry_run,
        } => commands::bench(commands::Bench {
            target,
            size_mb,
            runs,
            dry_run,
        }),
        Command::BenchChild { baseline, file } => commands::bench_child(baseline, &file),
        Command::Slice {
            from,
            prefixes,
            root,
            namespace,
            out,
            origin,
        } => commands::slice(commands::Slice {
            from,
            prefixes,
            root_path: root,
            namespace,
            out,
            origin: origin.into(),
        }),
    }
}
