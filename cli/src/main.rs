//! `teams-admin`: parse the command line, connect, dispatch. Each room
//! says what it owns: `args` (the command line), `auth` (credentials and
//! the emulator), `csv` (input files), `output` (stdout formats),
//! `progress` (stderr), `exit` (exit codes), `commands/*` (the work).

mod args;
mod auth;
mod commands;
mod csv;
mod exit;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.global.verbose, cli.global.quiet);
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "teams-admin",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    // One thread: the work is waiting on the network, and a second worker
    // thread only adds wake-ups across threads (it cost the bulk runs 40%
    // more CPU for the same wall time). The journal has its own thread,
    // DNS lookups tokio's blocking pool.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    let code = runtime.block_on(async move {
        let target = auth::connect(&cli.global).await?;
        let ctx = commands::Ctx {
            target,
            format: cli.global.output,
            quiet: cli.global.quiet,
        };
        match cli.command {
            Command::Numbers(c) => commands::numbers::run(&ctx, c).await,
            Command::Operations(c) => commands::operations::run(&ctx, c).await,
            Command::Bulk(c) => commands::bulk::run(&ctx, c).await,
            Command::Policy(c) => commands::policy::run(&ctx, c).await,
            Command::Users(c) => commands::users::run(&ctx, c).await,
            Command::Completions { .. } => unreachable!("handled before connecting"),
        }
    });
    // Do not wait for lingering tasks (a poll, the emulator's listeners).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match code {
        Ok(code) => ExitCode::from(code),
        // `teams-admin numbers list | head`: the reader left; not an error.
        Err(e) if exit::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::code_of(&e))
        }
    }
}

/// Logs on stderr: warnings by default, more with -v, errors only with -q.
fn init_logs(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, 2) => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
