use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
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
