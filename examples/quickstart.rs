//! Assign a Teams phone number, watch the long-running operation, print the
//! per-number result and the number's record afterwards.
//!
//! ```text
//! cargo run --example quickstart -- [--base-url URL] [--token TOKEN] [--user ID] [--number NUMBER] [--type TYPE]
//! ```
//!
//! - With `--base-url` and `--token`: talks to that server with that token.
//! - With `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` set:
//!   real Graph (`--base-url` defaults to beta) through azure_identity's
//!   `ClientSecretCredential` (application permission
//!   `TeamsTelephoneNumber.ReadWrite.All`). `--user` and `--number` are then
//!   required.
//! - With neither: an emulated Graph, started in this process, with a small
//!   number inventory; no account or network needed.
//!
//! Exits non-zero, printing the error, when the assignment fails. The
//! record and the inventory summary shown afterwards are extras: when they
//! cannot be read (a Graph-compatible server without `$count`, say), the
//! quickstart says what it could not show and still exits zero, since the
//! job itself is done.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use graph_teams_admin::{
    AssignNumberBody, AssignmentStatus, Client, Filter, ListQuery, LongRunningOperationStatus,
    NumberType, PollOptions,
};

#[derive(Parser)]
#[command(about = "Assign a Teams phone number and wait for the operation")]
pub(crate) struct Args {
    /// Graph base URL (default https://graph.microsoft.com/beta, or the emulator).
    #[arg(long)]
    base_url: Option<String>,
    /// A bearer token for --base-url.
    #[arg(long)]
    token: Option<String>,
    /// Object id of the user or resource account to assign to.
    #[arg(long)]
    user: Option<String>,
    /// The telephone number (E.164, e.g. +14255550100).
    #[arg(long)]
    number: Option<String>,
    /// directRouting, callingPlan or operatorConnect.
    #[arg(long = "type", default_value = "directRouting")]
    number_type: NumberType,
}

/// Where the quickstart talks to.
struct Target {
    client: Client,
    user: String,
    number: String,
    description: String,
    _emulator: Option<graph_teams_admin_emulator::Emulator>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn required(
    v: Option<String>,
    flag: &str,
    why: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    v.ok_or_else(|| format!("{flag} is required {why}").into())
}

async fn target(args: &Args) -> Result<Target, Box<dyn std::error::Error>> {
    let poll = PollOptions::default()
        .with_interval(Duration::from_secs(1), Duration::from_secs(10))
        .with_deadline(Duration::from_secs(600));
    if let (Some(base), Some(token)) = (&args.base_url, &args.token) {
        let client = Client::builder()
            .base_url(base)
            .token(token.clone())
            .poll_options(poll)
            .build()?;
        return Ok(Target {
            client,
            user: required(args.user.clone(), "--user", "with --base-url")?,
            number: required(args.number.clone(), "--number", "with --base-url")?,
            description: format!("{base} (with the given token)"),
            _emulator: None,
        });
    }
    if let (Some(tenant), Some(client_id), Some(secret)) = (
        env("AZURE_TENANT_ID"),
        env("AZURE_CLIENT_ID"),
        env("AZURE_CLIENT_SECRET"),
    ) {
        let credential =
            azure_identity::ClientSecretCredential::new(&tenant, client_id, secret.into(), None)?;
        let base = args
            .base_url
            .clone()
            .unwrap_or_else(|| graph_teams_admin::GRAPH_BETA.to_owned());
        let client = Client::builder()
            .base_url(&base)
            .credential(credential)
            .poll_options(poll)
            .build()?;
        return Ok(Target {
            client,
            user: required(args.user.clone(), "--user", "against real Graph")?,
            number: required(args.number.clone(), "--number", "against real Graph")?,
            description: format!("{base} as the app in tenant {tenant}"),
            _emulator: None,
        });
    }
    emulated(args, poll).await
}

async fn emulated(args: &Args, poll: PollOptions) -> Result<Target, Box<dyn std::error::Error>> {
    use graph_teams_admin_emulator::{Emulator, EmulatorConfig};
    let mut config = EmulatorConfig::with_numbers(12);
    config.operation_duration = Duration::from_millis(1500);
    let default_user = config.users[0].id.clone();
    let default_number = config
        .numbers
        .iter()
        .find(|n| n.number_type == args.number_type)
        .map(|n| n.telephone_number.clone())
        .unwrap_or_else(|| config.numbers[0].telephone_number.clone());
    let emulator = Emulator::start(config).await?;
    let client = Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token())
        .poll_options(poll.with_interval(Duration::from_millis(250), Duration::from_secs(1)))
        .build()?;
    Ok(Target {
        client,
        user: args.user.clone().unwrap_or(default_user),
        number: args.number.clone().unwrap_or(default_number),
        description: format!(
            "the embedded Graph emulator at {} (no account needed)",
            emulator.base_url()
        ),
        _emulator: Some(emulator),
    })
}

pub(crate) async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let t = target(&args).await?;
    println!("Talking to {}", t.description);
    println!(
        "Assigning {} ({}) to {}",
        t.number, args.number_type, t.user
    );

    let mut operation = t
        .client
        .assign_number(AssignNumberBody::new(
            &t.number,
            &t.user,
            args.number_type.clone(),
        ))
        .await?;
    println!("Accepted; operation {}", operation.reference());
    let mut last = None;
    while let Some(status) = operation.next().await {
        let status = status?;
        println!(
            "  poll {:>2} at {:>5.1} s: {}{}",
            status.polls,
            status.elapsed.as_secs_f64(),
            status.status(),
            status
                .next_poll_in
                .map(|d| format!(" (next poll in {:.1} s)", d.as_secs_f64()))
                .unwrap_or_default()
        );
        last = Some(status);
    }
    let last = last.ok_or("the operation ended without a status")?;
    println!("Result per number:");
    for n in last.numbers() {
        println!(
            "  {}: {}{}",
            n.resource_location
                .as_deref()
                .unwrap_or("(no resourceLocation)"),
            n.status
                .as_ref()
                .map(|s| s.as_str())
                .unwrap_or("(no status)"),
            n.status_detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    if last.status() != LongRunningOperationStatus::Succeeded {
        return Err(format!("operation ended {}", last.status()).into());
    }

    // The job is done. What follows only shows the result: a failure here
    // is reported, and does not turn the finished job into a failure.
    println!("The number now:");
    match t
        .client
        .number_assignments(ListQuery::new().filter(Filter::telephone_number(&t.number)))
        .try_collect::<Vec<_>>()
        .await
    {
        Ok(records) if records.is_empty() => {
            println!("  (not in the number inventory yet: it may take a moment to show)")
        }
        Ok(records) => {
            for n in &records {
                println!(
                    "  {}  {}  {}  assigned to {}  status {}",
                    n.telephone_number.as_deref().unwrap_or("?"),
                    n.number_type.as_ref().map(|v| v.as_str()).unwrap_or("?"),
                    n.activation_state
                        .as_ref()
                        .map(|v| v.as_str())
                        .unwrap_or("?"),
                    n.assignment_target_id.as_deref().unwrap_or("nobody"),
                    n.assignment_status
                        .as_ref()
                        .map(|v| v.as_str())
                        .unwrap_or("?"),
                );
            }
        }
        Err(e) => println!("  (could not read the number's record: {e})"),
    }
    println!("{}", inventory_summary(&t.client).await);
    Ok(())
}

/// One line about the inventory, or what could not be counted.
async fn inventory_summary(client: &Client) -> String {
    let all = match client.count_number_assignments(None).await {
        Ok(n) => n,
        Err(e) => return format!("Inventory: could not count the numbers ({e})"),
    };
    match client
        .count_number_assignments(Some(Filter::assignment_status(
            AssignmentStatus::Unassigned,
        )))
        .await
    {
        Ok(unassigned) => format!(
            "Inventory: {all} numbers, {} assigned, {unassigned} unassigned",
            all - unassigned.min(all)
        ),
        Err(e) => format!("Inventory: {all} numbers (could not count the unassigned ones: {e})"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
