//! A stateful fake of Microsoft Graph's Teams administration API
//! (`/admin/teams`), in process for Rust tests and as a local server for any
//! client in any language (the way Azurite serves Azure Storage).
//!
//! In a Rust test:
//!
//! ```no_run
//! use graph_teams_admin_emulator::{Emulator, EmulatorConfig};
//!
//! # async fn run() -> std::io::Result<()> {
//! let emulator = Emulator::start(EmulatorConfig::with_numbers(50)).await?;
//! let base = emulator.base_url(); // http://127.0.0.1:<port>/beta
//! let token = emulator.token(); // send as `Authorization: Bearer <token>`
//! # let _ = (base, token);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! As a server (the binary of this crate):
//!
//! ```text
//! cargo run -p graph-teams-admin-emulator -- --port 8750 --users 20
//! ```
//!
//! prints `base_url=http://127.0.0.1:8750/beta`, `token=…`,
//! `control_url=…` and `foreign_base_url=…` on its first lines, then serves
//! until Ctrl-C or SIGTERM (exit status 0). `--help` lists every flag.
//!
//! It speaks the wire format of the generated client (it is built on the
//! same models and action bodies): every operation of the spec slice under
//! `/beta` and `/v1.0`, the long-running assign/unassign flow with a
//! time-based operation (`notStarted` → `running` → `succeeded`/`failed`
//! over [`EmulatorConfig::operation_duration`], applied exactly once whether
//! or not anyone polls), `$filter`/`$top`/`$skip`/`$count`/`$select`,
//! `GET /users/{id or userPrincipalName}` for the seeded users, bearer tokens
//! that can be expired, Graph's error shape and headers, and [`Faults`] to
//! turn on throttling, resets, slowness, malformed bodies, operations that
//! never finish, a foreign `Location` and nextLink paging.
//!
//! # Control API
//!
//! Under `/_emulator/` on the same port, outside Graph's paths. It needs no
//! token (whoever reaches the port controls the emulator: keep it on
//! loopback), is never faulted, and is not logged or counted.
//!
//! | route | what |
//! |---|---|
//! | `GET /_emulator` | base URLs and the list of routes |
//! | `POST /_emulator/reset` | state back to the seed, counters and request logs zeroed, only the initial token accepted; fault knobs stay (204) |
//! | `GET /_emulator/faults` | the knobs as [`FaultSettings`] JSON |
//! | `PUT /_emulator/faults` | set every knob; the ones left out are off, timing back to its start values |
//! | `PATCH /_emulator/faults` | set only the knobs given (`null` turns an object knob off) |
//! | `DELETE /_emulator/faults` | every knob off |
//! | `GET /_emulator/counters` | [`Counters`]: requests by method, path template and status; actions applied per number and per policy assignment |
//! | `GET /_emulator/state` | numbers, operations, policy assignments, users, policies |
//! | `GET /_emulator/users`, `GET`/`PATCH /_emulator/users/{id or upn}` | seeded users; `{"teamsPhoneLicensed": false}` takes a user's Teams Phone license away |
//! | `POST /_emulator/tokens` | mint another accepted token (201 `{"token": "…"}`; send `{"token": "…"}` to choose it) |
//! | `POST /_emulator/tokens/expire` | `{"token": "…"}`: from now on it gets 401 |
//!
//! ```text
//! curl -X PATCH http://127.0.0.1:8750/_emulator/faults \
//!      -d '{"throttle": {"count": 2, "status": 429, "retryAfter": "1"}}'
//! curl http://127.0.0.1:8750/_emulator/counters
//! curl -X POST http://127.0.0.1:8750/_emulator/reset
//! ```
//!
//! Semantics worth knowing:
//! - Assigning a number that is already assigned to the *same* target
//!   succeeds and counts as applied again in [`Snapshot::assign_events`]
//!   and [`Counters::numbers`] (that is how a duplicate caused by a blind
//!   retry shows up).
//! - A seeded resource account as target gets `voiceApplicationAssigned`;
//!   any other target `userAssigned`. Targets need not be seeded users.
//! - Assigning to a seeded user without a Teams Phone license
//!   ([`SeedUser::teams_phone_licensed`]) is accepted (202) and the
//!   operation fails with a `statusDetail` saying so.
//! - [`Faults::operations_stay_running`] affects operations accepted while
//!   it is on; they stay `running` even after it is turned off.
//! - A reset does not change the fault knobs; `DELETE /_emulator/faults`
//!   turns them off.

#![warn(missing_docs)]

mod config;
mod control;
mod counters;
mod faults;
mod filter;
mod handlers;
mod query;
mod response;
mod routes;
mod schema;
mod server;
mod state;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{EmulatorConfig, SEED_DOMAIN, SEED_LOCATION_ID, SeedNumber, SeedPolicy, SeedUser};
pub use counters::{Counters, NumberCounts, PolicyCounts};
pub use faults::{
    FaultSettings, Faults, RateLimit, RetryAfterForm, SlowSettings, ThrottleSettings,
};
pub use state::TENANT_ID;

use graph_teams_admin::generated::types::{
    NumberAssignment, TeamsPolicyUserAssignment, TelephoneNumberLongRunningOperation,
};
use handlers::{Shared, lock};

/// One request as it reached a host.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `client-request-id` header.
    pub client_request_id: Option<String>,
    /// The `Retry-Attempt` header.
    pub retry_attempt: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// The emulated state, for assertions.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Snapshot {
    /// The inventory, in list order (by telephone number).
    pub numbers: Vec<NumberAssignment>,
    /// Every operation, in the order they were accepted.
    pub operations: Vec<TelephoneNumberLongRunningOperation>,
    /// Telephone number → how many times an assignment was applied.
    pub assign_events: BTreeMap<String, u32>,
    /// Telephone number → how many times an unassignment was applied.
    pub unassign_events: BTreeMap<String, u32>,
    /// Telephone number → how many times `updateNumber` was applied.
    pub update_events: BTreeMap<String, u32>,
    /// The policy assignments now.
    pub policy_assignments: Vec<TeamsPolicyUserAssignment>,
}

/// A running emulator. Dropping it shuts it down.
pub struct Emulator {
    shared: Arc<Shared>,
    token: String,
    shutdown: Option<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("origin", &self.shared.origin)
            .field("foreign_origin", &self.shared.foreign_origin)
            .finish_non_exhaustive()
    }
}

pub(crate) fn new_token() -> String {
    format!("emulator-{}", uuid::Uuid::new_v4().simple())
}

/// A token must fit in a header after `Bearer `.
pub(crate) fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(format!(
            "invalid token {token:?}: it must be non-empty, without spaces or control characters"
        ))
    } else {
        Ok(())
    }
}

/// `http://<addr>` as a client reaches it: an unspecified address
/// (`0.0.0.0`, `::`) becomes loopback.
fn origin_of(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}")
}

impl Emulator {
    /// Binds [`EmulatorConfig::host`] on [`EmulatorConfig::port`] (and
    /// [`EmulatorConfig::foreign_port`] for the foreign host; by default
    /// `127.0.0.1`, any free ports) and serves until dropped or
    /// [`shutdown`](Emulator::shutdown). Needs a Tokio runtime.
    ///
    /// Fails when a port is taken or the configured token is empty or has
    /// spaces.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let token = match &config.token {
            Some(token) => {
                check_token(token)
                    .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
                token.clone()
            }
            None => new_token(),
        };
        let main = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let main_addr = main.local_addr()?;
        let foreign = TcpListener::bind((main_addr.ip(), config.foreign_port)).await?;
        let foreign_addr = foreign.local_addr()?;
        let faults = Faults::default();
        faults.operation_duration(config.operation_duration);
        faults.operation_retry_after(config.operation_retry_after);
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&config)),
            config,
            faults,
            tokens: Mutex::new(HashMap::from([(token.clone(), false)])),
            token: token.clone(),
            log: Mutex::new(Vec::new()),
            foreign_log: Mutex::new(Vec::new()),
            requests: Mutex::new(BTreeMap::new()),
            origin: origin_of(main_addr),
            foreign_origin: origin_of(foreign_addr),
            foreign_port: foreign_addr.port(),
            unspecified: main_addr.ip().is_unspecified(),
        });
        let (tx, rx) = watch::channel(false);
        let main_router = Router::new()
            .fallback(handlers::main_handler)
            .with_state(shared.clone());
        let foreign_router = Router::new()
            .fallback(handlers::foreign_handler)
            .with_state(shared.clone());
        let tasks = vec![
            tokio::spawn(server::accept_loop(main, main_router, rx.clone())),
            tokio::spawn(server::accept_loop(foreign, foreign_router, rx)),
        ];
        Ok(Emulator {
            shared,
            token,
            shutdown: Some(tx),
            tasks,
        })
    }

    /// `http://127.0.0.1:<port>/beta` (the same API is under `/v1.0`).
    pub fn base_url(&self) -> String {
        format!("{}/beta", self.shared.origin)
    }

    /// `http://127.0.0.1:<port>/v1.0`: the same API under the v1.0 prefix.
    pub fn v1_base_url(&self) -> String {
        format!("{}/v1.0", self.shared.origin)
    }

    /// `http://127.0.0.1:<port>/_emulator`: the control API (see the crate
    /// docs).
    pub fn control_url(&self) -> String {
        format!("{}{}", self.shared.origin, control::PREFIX)
    }

    /// The address the main listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared
            .origin
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The token accepted from the start (until expired): the configured one
    /// or a generated one.
    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// Mints another accepted token.
    pub fn issue_token(&self) -> String {
        let token = new_token();
        lock(&self.shared.tokens).insert(token.clone(), false);
        token
    }

    /// From now on `token` gets 401 `InvalidAuthenticationToken`.
    pub fn expire_token(&self, token: &str) {
        lock(&self.shared.tokens).insert(token.to_owned(), true);
    }

    /// `http://127.0.0.1:<other port>/beta`: a second listener that records
    /// every request (see [`Emulator::foreign_requests`]).
    pub fn foreign_base_url(&self) -> String {
        format!("{}/beta", self.shared.foreign_origin)
    }

    /// What reached the foreign host.
    pub fn foreign_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.foreign_log).clone()
    }

    /// What reached the main host, faulted requests included.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The fault knobs.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The state now (operations that are due are applied first).
    pub fn snapshot(&self) -> Snapshot {
        let now = Instant::now();
        let mut state = lock(&self.shared.state);
        state.settle(now);
        let events = |pick: fn(&NumberCounts) -> u32| -> BTreeMap<String, u32> {
            state
                .number_events
                .iter()
                .filter(|(_, counts)| pick(counts) > 0)
                .map(|(number, counts)| (number.clone(), pick(counts)))
                .collect()
        };
        Snapshot {
            numbers: state.numbers.values().cloned().collect(),
            operations: state.operations().iter().map(|op| op.view(now)).collect(),
            assign_events: events(|c| c.assign),
            unassign_events: events(|c| c.unassign),
            update_events: events(|c| c.update),
            policy_assignments: state.policy_assignments.clone(),
        }
    }

    /// Requests by route and status, and actions applied per number and per
    /// policy assignment (what `GET /_emulator/counters` answers).
    pub fn counters(&self) -> Counters {
        control::counters(&self.shared)
    }

    /// State back to the seed, counters and request logs zeroed, only the
    /// initial token accepted (what `POST /_emulator/reset` does). The fault
    /// knobs stay as they are.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Gives or takes away the Teams Phone license of the seeded user with
    /// this id or UPN; `false` when there is no such user. Reset restores
    /// the seed.
    pub fn set_teams_phone_licensed(&self, user: &str, licensed: bool) -> bool {
        let mut state = lock(&self.shared.state);
        match state.user_mut(user) {
            Some(user) => {
                user.teams_phone_licensed = licensed;
                true
            }
            None => false,
        }
    }

    /// Stops both listeners and drops open connections.
    pub async fn shutdown(mut self) {
        self.stop();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
        for task in &self.tasks {
            task.abort();
        }
    }
}
