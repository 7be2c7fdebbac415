//! Bulk runs: thousands of number or policy changes from a CSV-shaped
//! input, with bounded adaptive concurrency, a shared throttle gate,
//! user-name resolution, a dry run, and a journal that makes a run
//! crash-safe to resume.
//!
//! This is the bulk room. Its files, one concern each: [`rows`](Row) (the
//! input), `outcome` (what comes out), `options`, `fingerprint` (input and
//! row hashes), `error` (run errors), `progress` (counters and the cancel
//! handle), `gate` (throttle gate and AIMD), `journal`, `users` (UPN
//! resolution), `plan` (state checks, the dry run), `actions` (one action
//! request), `worker` (one row), `engine` (the run). It uses the client's
//! pipeline for its action requests and the client's public reads for the
//! rest; nothing outside `bulk/` depends on it.
//!
//! ```no_run
//! use futures::StreamExt;
//! use graph_teams_admin::bulk::{
//!     AssignNumber, Bulk, BulkOptions, InputFingerprint, JournalOptions, Row, RowStatus,
//! };
//! use graph_teams_admin::{Client, NumberType};
//!
//! # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let rows = vec![
//!     Ok(Row::new(1, AssignNumber::new("adele.vance@contoso.com", "+12065550100", NumberType::DirectRouting))),
//!     Ok(Row::new(2, AssignNumber::new("alex.wilber@contoso.com", "+12065550101", NumberType::DirectRouting))),
//! ];
//! let journal = JournalOptions::new("run.journal", InputFingerprint::new("example"));
//! let bulk = Bulk::new(client, BulkOptions::new().concurrency(16).journal(journal));
//! let mut run = bulk.run_iter(rows)?;
//! while let Some(outcome) = run.next().await {
//!     println!("line {}: {} {:?}", outcome.line, outcome.status, outcome.detail);
//! }
//! assert_eq!(run.summary().counts.done, 2);
//! # Ok(()) }
//! ```
//!
//! # What a run guarantees
//!
//! - **One outcome per input item**, exactly: a line that is not a row
//!   ([`RowError`]) is `Invalid`; rows not sent because the run was
//!   cancelled are `NotRun`; rows whose end is unknown are `Unfinished`.
//! - **Bounded memory**: rows are read lazily, at most
//!   [`BulkOptions::max_pending`] are alive at once, and outcomes are handed
//!   out as they come; a resume keeps 8 bytes per journaled row.
//! - **Nothing sent twice across a crash**, with a journal: see below.
//!
//! # Throttling: why the engine sees 429 itself
//!
//! The client's pipeline retries `429`/`503` per request, sleeping the
//! `Retry-After` of that request only: with N workers, the other N-1 keep
//! sending into a throttled service. The engine's action requests go through
//! the same pipeline (auth, ids, transport retries, tracing), but with those
//! two statuses handed back to it instead of retried (`send_returning`;
//! nothing else changes for other calls). The engine's
//! gate then pauses every new submission of the run until the
//! `Retry-After`, halves its concurrency limit, and grows it back by one
//! every 50 ms of unthrottled, saturated work (AIMD). Polls, user lookups
//! and state reads keep the client's retry policy. Choosing a hand-made
//! retry policy for a second client instead would also have changed how
//! those reads are retried, and would have needed the caller to build that
//! client right.
//!
//! # Journal and resume
//!
//! With [`BulkOptions::journal`], every state change of a row is a JSON
//! line in an append-only file: `sent` (with the `client-request-id`,
//! synced to disk **before the request leaves**; syncs are group commits
//! across rows), `accepted` (the operation's URL), `unsent` (cancelled
//! before leaving), `ended` (the outcome). The header holds the input's
//! [`InputFingerprint`]; resuming with another input is refused
//! ([`BulkError::InputMismatch`]), and so is a row at a position that
//! changed ([`BulkError::RowMismatch`]). A torn last line is dropped.
//!
//! Resuming ([`JournalMode::Resume`]), each row continues from its last
//! state:
//! - `ended`: reported again from the journal (`from_journal`), nothing sent;
//! - `accepted`: its operation is polled again, no new request;
//! - `sent` (may have reached the service, no answer recorded): the engine
//!   waits until [`BulkOptions::in_doubt_wait`] has passed since it was sent
//!   (so an operation the service accepted has applied), reads the number's
//!   current state, and reports `Succeeded` without sending if it is as
//!   wanted; otherwise it sends the row again;
//! - `unsent` or no line: it runs normally.
//!
//! # Cancelling
//!
//! [`CancelHandle::cancel`] stops submitting: rows in flight finish, every
//! other row ends `NotRun`. [`CancelHandle::abort`] stops at once: rows in
//! flight end `Unfinished` (resumable), the rest `NotRun`. A CLI typically
//! cancels on the first Ctrl-C and aborts on the second, then prints how to
//! resume.

mod actions;
mod engine;
mod error;
mod fingerprint;
mod gate;
mod journal;
mod options;
mod outcome;
mod plan;
mod progress;
mod rows;
mod users;
mod worker;

pub use engine::{Bulk, BulkRun};
pub use error::BulkError;
pub use fingerprint::InputFingerprint;
pub use options::{BulkOptions, JournalMode, JournalOptions, OutputOrder};
pub use outcome::{RowOutcome, RowStatus};
pub use progress::{CancelHandle, Counts, Progress, Summary};
pub use rows::{
    Action, ActionKind, AssignNumber, AssignPolicy, Row, RowError, UnassignNumber, UnassignPolicy,
    UpdateNumber,
};
