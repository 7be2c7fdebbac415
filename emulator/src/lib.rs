//! An in-process fake of the Graph `/admin/teams` API, for tests, examples
//! and benchmarks (feature `emulator`, on by default).
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
//! It speaks the wire format of the generated client (it is built on the
//! same models and action bodies): every operation of the spec slice under
//! `/beta` and `/v1.0`, the long-running assign/unassign flow with a
//! time-based operation (`notStarted` → `running` → `succeeded`/`failed`
//! over [`EmulatorConfig::operation_duration`], applied exactly once whether
//! or not anyone polls), `$filter`/`$top`/`$skip`/`$count`/`$select`,
//! bearer tokens that can be expired, Graph's error shape and headers, and
//! [`Faults`] to turn on throttling, resets, slowness, malformed bodies,
//! operations that never finish, a foreign `Location` and nextLink paging.
//!
//! Semantics worth knowing:
//! - Assigning a number that is already assigned to the *same* target
//!   succeeds and counts as applied again in [`Snapshot::assign_events`]
//!   (that is how a duplicate caused by a blind retry shows up).
//! - A seeded resource account as target gets `voiceApplicationAssigned`;
//!   any other target `userAssigned`. Targets need not be seeded users.
//! - [`Faults::operations_stay_running`] affects operations accepted while
//!   it is on; they stay `running` even after it is turned off.

mod config;
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
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{EmulatorConfig, SEED_LOCATION_ID, SeedNumber, SeedPolicy, SeedUser};
pub use faults::{Faults, RateLimit, RetryAfterForm};
pub use state::TENANT_ID;

use graph_teams_admin::generated::types::{
    NumberAssignment, TeamsPolicyUserAssignment, TelephoneNumberLongRunningOperation,
};
use handlers::{Shared, lock};

/// One request as it reached a host.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub client_request_id: Option<String>,
    /// The `Retry-Attempt` header.
    pub retry_attempt: Option<String>,
    pub at: Instant,
}

/// The emulated state, for assertions.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The inventory, in list order (by telephone number).
    pub numbers: Vec<NumberAssignment>,
    /// Every operation, in the order they were accepted.
    pub operations: Vec<TelephoneNumberLongRunningOperation>,
    /// Telephone number → how many times an assignment was applied.
    pub assign_events: BTreeMap<String, u32>,
    /// Telephone number → how many times an unassignment was applied.
    pub unassign_events: BTreeMap<String, u32>,
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

fn new_token() -> String {
    format!("emulator-{}", uuid::Uuid::new_v4().simple())
}

impl Emulator {
    /// Binds `127.0.0.1:0` (and a second port for the foreign host) and
    /// serves until dropped. Needs a Tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let main = TcpListener::bind(("127.0.0.1", 0)).await?;
        let foreign = TcpListener::bind(("127.0.0.1", 0)).await?;
        let origin = format!("http://{}", main.local_addr()?);
        let foreign_origin = format!("http://{}", foreign.local_addr()?);
        let token = new_token();
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&config)),
            config,
            faults: Faults::default(),
            tokens: Mutex::new(HashMap::from([(token.clone(), false)])),
            log: Mutex::new(Vec::new()),
            foreign_log: Mutex::new(Vec::new()),
            origin,
            foreign_origin,
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

    /// The token accepted from the start (until expired).
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
        Snapshot {
            numbers: state.numbers.values().cloned().collect(),
            operations: state.operations.iter().map(|op| op.view(now)).collect(),
            assign_events: state.assign_events.clone(),
            unassign_events: state.unassign_events.clone(),
            policy_assignments: state.policy_assignments.clone(),
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
