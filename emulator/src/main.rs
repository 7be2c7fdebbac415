//! `graph-teams-admin-emulator`: serves the Graph `/admin/teams` emulator on
//! a port, for any client in any language (no account, no network).
//!
//! ```text
//! cargo run -p graph-teams-admin-emulator -- --port 8750
//! ```
//!
//! The first lines of stdout are machine-readable, then comes human text:
//!
//! ```text
//! base_url=http://127.0.0.1:8750/beta
//! token=emulator-3f0c…
//! control_url=http://127.0.0.1:8750/_emulator
//! foreign_base_url=http://127.0.0.1:40123/beta
//! ```
//!
//! Ctrl-C (SIGINT) or SIGTERM stops it with exit status 0.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use graph_teams_admin_emulator::{
    Emulator, EmulatorConfig, FaultSettings, RateLimit, RetryAfterForm, SlowSettings,
    ThrottleSettings,
};

const EXAMPLES: &str = "\
Examples:
  graph-teams-admin-emulator --port 8750
  graph-teams-admin-emulator --port 0 --numbers 200 --users 50 --token dev-token
  graph-teams-admin-emulator --unlicensed user003@contoso.onmicrosoft.com
  graph-teams-admin-emulator --throttle 3 --throttle-status 503 --throttle-retry-after date:2
  graph-teams-admin-emulator --rate-limit 5 --operation-duration-ms 2000 --next-link-mode

The first lines of stdout are `base_url=…`, `token=…`, `control_url=…` and
`foreign_base_url=…`. Then, for example:

  curl -H \"Authorization: Bearer $TOKEN\" \\
       \"$BASE/admin/teams/telephoneNumberManagement/numberAssignments\"
  curl -X PATCH $CONTROL/faults -d '{\"throttle\": {\"count\": 2, \"status\": 429}}'
  curl $CONTROL/counters
  curl -X POST $CONTROL/reset

The control API (under /_emulator/, no token needed) is described in the
crate's README and docs.";

/// Serve a stateful fake of Microsoft Graph's Teams administration API
/// (/admin/teams, under /beta and /v1.0) for any client.
#[derive(Debug, Parser)]
#[command(name = "graph-teams-admin-emulator", version, after_help = EXAMPLES)]
struct Args {
    /// Host name or IP address to listen on (0.0.0.0 for every interface).
    #[arg(long, default_value = "127.0.0.1", help_heading = "Listening")]
    host: String,

    /// Port of the Graph API and the control API; 0 picks a free one.
    #[arg(long, default_value_t = 8750, help_heading = "Listening")]
    port: u16,

    /// Port of the "foreign" host (a second origin, for --foreign-location);
    /// 0 picks a free one.
    #[arg(long, default_value_t = 0, help_heading = "Listening")]
    foreign_port: u16,

    /// The bearer token to accept (default: a random one, printed).
    #[arg(long, help_heading = "Listening")]
    token: Option<String>,

    /// Size of the number inventory (+14255550100, +14255550101, …).
    #[arg(long, default_value_t = 20, help_heading = "Seed data")]
    numbers: usize,

    /// Generated users user001@contoso.onmicrosoft.com, … added to the four
    /// named ones (adele.vance, alex.wilber, megan.bowen, main-ivr).
    #[arg(long, default_value_t = 10, help_heading = "Seed data")]
    users: usize,

    /// Generated policies Policy001, … added to the four named ones.
    #[arg(long, default_value_t = 0, help_heading = "Seed data")]
    policies: usize,

    /// A seeded user (id or UPN) without a Teams Phone license: assigning a
    /// number to them fails the operation. Repeatable.
    #[arg(long, value_name = "USER", help_heading = "Seed data")]
    unlicensed: Vec<String>,

    /// Largest accepted $top.
    #[arg(long, default_value_t = 1000, help_heading = "Seed data")]
    max_page_size: u64,

    /// Page size without $top.
    #[arg(long, default_value_t = 500, help_heading = "Seed data")]
    default_page_size: u64,

    /// How long an assign/unassign operation takes to finish.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 300,
        help_heading = "Operations"
    )]
    operation_duration_ms: u64,

    /// Send Retry-After (this many milliseconds) on the 202 and on
    /// non-final polls.
    #[arg(long, value_name = "MS", help_heading = "Operations")]
    operation_retry_after_ms: Option<u64>,

    /// Operations never finish (they stay `running`).
    #[arg(long, help_heading = "Operations")]
    operations_stay_running: bool,

    /// assign/unassign answer with a Location on the foreign host.
    #[arg(long, help_heading = "Operations")]
    foreign_location: bool,

    /// Throttle the next COUNT requests (any path).
    #[arg(long, value_name = "COUNT", help_heading = "Faults")]
    throttle: Option<u32>,

    /// Status of the throttled answers (429, 503, 504, …).
    #[arg(
        long,
        value_name = "STATUS",
        default_value_t = 429,
        help_heading = "Faults"
    )]
    throttle_status: u16,

    /// Retry-After of the throttled answers: seconds (2), decimal seconds
    /// (0.25), an HTTP-date this many seconds ahead (date:2), or absent.
    #[arg(
        long,
        value_name = "FORM",
        default_value = "1",
        help_heading = "Faults"
    )]
    throttle_retry_after: RetryAfterForm,

    /// Sustained throttling: at most N assign/unassign requests per
    /// one-second window, the excess answers 429 with Retry-After.
    #[arg(long, value_name = "N", help_heading = "Faults")]
    rate_limit: Option<u32>,

    /// Rate-limit Retry-After as decimal seconds instead of whole seconds.
    #[arg(long, help_heading = "Faults")]
    rate_limit_fractional: bool,

    /// Drop the connection of the next N requests without answering.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Faults")]
    reset_next: u32,

    /// Process the next N assign/unassign requests, then drop the
    /// connection before the 202.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Faults")]
    reset_after_processing_next: u32,

    /// Answer the next N requests only after --slow-delay-ms.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Faults")]
    slow_next: u32,

    /// Delay of the slow answers.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 1000,
        help_heading = "Faults"
    )]
    slow_delay_ms: u64,

    /// Answer the next N GETs with a truncated JSON body.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Faults")]
    malformed_next: u32,

    /// Page numberAssignments with @odata.nextLink ($skiptoken).
    #[arg(long, help_heading = "Faults")]
    next_link_mode: bool,

    /// Every @odata.nextLink points at the same (second) page.
    #[arg(long, help_heading = "Faults")]
    repeat_next_link: bool,
}

impl Args {
    fn config(&self) -> Result<EmulatorConfig, String> {
        let mut config = EmulatorConfig::with_numbers(self.numbers)
            .with_users(self.users)
            .with_policies(self.policies)
            .with_host(self.host.clone())
            .with_port(self.port);
        config.foreign_port = self.foreign_port;
        config.token = self.token.clone();
        config.max_page_size = self.max_page_size;
        config.default_page_size = self.default_page_size;
        config.operation_duration = Duration::from_millis(self.operation_duration_ms);
        config.operation_retry_after = self.operation_retry_after_ms.map(Duration::from_millis);
        for key in &self.unlicensed {
            match config.user_mut(key) {
                Some(user) => user.teams_phone_licensed = false,
                None => {
                    return Err(format!(
                        "--unlicensed {key}: no seeded user has that id or UPN"
                    ));
                }
            }
        }
        Ok(config)
    }

    fn faults(&self) -> FaultSettings {
        let mut faults = FaultSettings::default();
        faults.throttle = self.throttle.map(|count| {
            ThrottleSettings::new(count, self.throttle_status, self.throttle_retry_after)
        });
        faults.rate_limit = self.rate_limit.map(|per_second| {
            let mut limit = RateLimit::per_second(per_second);
            limit.fractional_retry_after = self.rate_limit_fractional;
            limit
        });
        faults.reset_next = self.reset_next;
        faults.reset_after_processing_next = self.reset_after_processing_next;
        faults.slow = (self.slow_next > 0)
            .then(|| SlowSettings::new(self.slow_next, Duration::from_millis(self.slow_delay_ms)));
        faults.malformed_next = self.malformed_next;
        faults.operations_stay_running = self.operations_stay_running;
        faults.foreign_location = self.foreign_location;
        faults.next_link_mode = self.next_link_mode;
        faults.repeat_next_link = self.repeat_next_link;
        faults.operation_duration_ms = self.operation_duration_ms;
        faults.operation_retry_after_ms = self.operation_retry_after_ms;
        faults
    }
}

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere). The handlers are
/// installed before this returns, so a signal that arrives right after the
/// base URL is printed is caught, not fatal.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}

fn banner(emulator: &Emulator, config: &EmulatorConfig) -> String {
    let users: Vec<&str> = config
        .users
        .iter()
        .take(4)
        .map(|u| u.user_principal_name.as_str())
        .collect();
    let numbers: Vec<&str> = config
        .numbers
        .iter()
        .take(3)
        .map(|n| n.telephone_number.as_str())
        .collect();
    let unlicensed: Vec<&str> = config
        .users
        .iter()
        .filter(|u| !u.teams_phone_licensed)
        .map(|u| u.user_principal_name.as_str())
        .collect();
    let base = emulator.base_url();
    let mut text = format!(
        "base_url={base}\ntoken={}\ncontrol_url={}\nforeign_base_url={}\n\n",
        emulator.token(),
        emulator.control_url(),
        emulator.foreign_base_url(),
    );
    text += &format!(
        "Graph Teams admin emulator {} listening on {}\n",
        env!("CARGO_PKG_VERSION"),
        emulator.local_addr()
    );
    text += &format!(
        "  Graph:    {base} (the same API under {})\n",
        emulator.v1_base_url()
    );
    text += &format!("  control:  {} (no token needed)\n", emulator.control_url());
    text += &format!(
        "  users:    {}{} ({} in all; GET {}/users)\n",
        users.join(", "),
        if config.users.len() > users.len() {
            ", …"
        } else {
            ""
        },
        config.users.len(),
        emulator.control_url(),
    );
    if !unlicensed.is_empty() {
        text += &format!("  no Teams Phone license: {}\n", unlicensed.join(", "));
    }
    text += &format!(
        "  numbers:  {}{} ({} in all)\n",
        numbers.join(", "),
        if config.numbers.len() > numbers.len() {
            ", …"
        } else {
            ""
        },
        config.numbers.len()
    );
    text += &format!(
        "  try:      curl -H \"Authorization: Bearer {}\" {base}/admin/teams/telephoneNumberManagement/numberAssignments\n",
        emulator.token()
    );
    text += "Ctrl-C or SIGTERM stops it.\n";
    text
}

async fn run(args: Args) -> Result<(), String> {
    let config = args.config()?;
    let faults = args.faults();
    let stop = stop_signal().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let emulator = Emulator::start(config.clone())
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    emulator.faults().apply(&faults);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(banner(&emulator, &config).as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);
    let signal = stop.await;
    emulator.shutdown().await;
    // stderr: stdout may be a pipe nobody reads any more.
    let _ = writeln!(std::io::stderr(), "{signal}: emulator stopped");
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}
