//! Runs the Graph emulator on its own, for trying tools and scripts against
//! a local, stateful fake of `/admin/teams` (no account, no network).
//!
//! ```text
//! cargo run --example emulator -- [--numbers N]
//! ```
//!
//! Prints the base URL and a bearer token, then serves until Ctrl-C. Use
//! them with the quickstart: `cargo run --example quickstart -- --base-url
//! <URL> --token <TOKEN> --user <ID> --number <NUMBER>`.

use clap::Parser;
use graph_teams_admin_emulator::{Emulator, EmulatorConfig};

#[derive(Parser)]
#[command(about = "Serve an emulated Graph /admin/teams on 127.0.0.1")]
struct Args {
    /// Size of the number inventory.
    #[arg(long, default_value_t = 20)]
    numbers: usize,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = EmulatorConfig::with_numbers(args.numbers);
    let users: Vec<String> = config
        .users
        .iter()
        .map(|u| format!("{} ({})", u.id, u.user_principal_name))
        .collect();
    let numbers: Vec<String> = config
        .numbers
        .iter()
        .take(3)
        .map(|n| n.telephone_number.clone())
        .collect();
    let emulator = Emulator::start(config).await?;
    println!("Graph emulator listening");
    println!("  base URL: {}", emulator.base_url());
    println!("  token:    {}", emulator.token());
    println!("  users:    {}", users.join(", "));
    println!(
        "  numbers:  {}, … ({} in all)",
        numbers.join(", "),
        args.numbers
    );
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await;
    Ok(())
}
