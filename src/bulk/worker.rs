//! The bulk room: one row, from its journal state to its outcome. Checks,
//! user resolution, the dry-run plan, the journal lines, the throttle gate,
//! the action request, polling, and what an interrupted row becomes. It may
//! touch every bulk file and the client's public reads and operations.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::actions::{self, Answer, THROTTLING};
use super::error::BulkError;
use super::fingerprint::{error_hash, row_hash};
use super::gate::Gate;
use super::journal::{Journal, Prior, Record, State, now_ms};
use super::options::BulkOptions;
use super::outcome::{RowOutcome, RowStatus};
use super::plan::{self, Check};
use super::progress::{Control, Counters};
use super::rows::{Row, RowError};
use super::users::{Unresolved, Users};
use crate::client::Client;
use crate::error::Error;
use crate::generated::enums::LongRunningOperationStatus;
use crate::operation::{NumberOutcome, OperationRef};
use crate::retry::retry_after;

/// What every row of a run shares.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub client: Client,
    pub options: BulkOptions,
    pub gate: Gate,
    pub users: Users,
    pub journal: Option<Journal>,
    pub counters: Arc<Counters>,
    pub control: Arc<Control>,
    /// Bounds the reads (state checks) in flight.
    pub lookups: Arc<Semaphore>,
    /// Bounds the rows whose `sent` line is written but whose request has
    /// not left yet (so an interrupted run leaves few rows in doubt).
    pub staging: Arc<Semaphore>,
}

/// Where a row got to: what an interruption needs to know.
#[derive(Debug, Default)]
struct Phase {
    user_id: Option<String>,
    client_request_id: Option<String>,
    /// The journal's last line for the row says `sent`.
    journaled: bool,
    /// A request is in the air.
    outstanding: bool,
    /// The service may have it (an unanswered request, a 202, or a resume
    /// of such a row).
    maybe_processed: bool,
    operation: Option<OperationRef>,
    request_id: Option<String>,
    attempts: u32,
    throttled: u32,
    /// Counted in `Counters::in_flight`.
    in_flight: bool,
}

struct Work<'a> {
    ctx: &'a Ctx,
    seq: u64,
    row: &'a Row,
    /// The row's hash in the journal (empty when the run has none: only
    /// journal lines carry it).
    hash: String,
    started: Instant,
    phase: Mutex<Phase>,
}

/// How a check of the current state after an unanswered request went.
enum Verified {
    Done(String),
    NotDone,
    Unknown(String),
}

/// Graph's `statusDetail` of every number that has one, joined.
fn status_details(numbers: &[NumberOutcome]) -> Option<String> {
    let details: Vec<&str> = numbers
        .iter()
        .filter_map(|n| n.status_detail.as_deref())
        .filter(|d| !d.is_empty())
        .collect();
    (!details.is_empty()).then(|| details.join("; "))
}

/// Human text, code and request id of an error.
fn error_parts(e: &Error) -> (String, Option<String>, Option<String>) {
    match e {
        Error::Graph(g) => {
            let code = g.inner_code.clone().unwrap_or_else(|| g.code.clone());
            let text = g
                .inner_message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| g.message.clone());
            let detail = if text.is_empty() { e.to_string() } else { text };
            let code = (!code.is_empty())
                .then_some(code)
                .or_else(|| Some(format!("http{}", g.status)));
            (detail, code, g.request_id.clone())
        }
        Error::Transport { .. } => (e.to_string(), Some("transport".into()), None),
        Error::Timeout { .. } => (e.to_string(), Some("timeout".into()), None),
        Error::Auth { .. } => (e.to_string(), Some("auth".into()), None),
        other => (
            other.to_string(),
            None,
            other.request_id().map(str::to_owned),
        ),
    }
}

impl Work<'_> {
    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, state: State) -> Record {
        let p = self.phase();
        let mut r = Record::new(self.seq, self.row.line, &self.hash, state);
        r.crid = p.client_request_id.clone();
        r.user_id = p.user_id.clone();
        r.op = p.operation.as_ref().map(|o| o.url().to_owned());
        r
    }

    fn start_in_flight(&self) {
        let mut p = self.phase();
        if !p.in_flight {
            p.in_flight = true;
            self.ctx
                .counters
                .in_flight
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The outcome, counted and (when final) journaled.
    fn finish(
        &self,
        status: RowStatus,
        detail: Option<String>,
        code: Option<String>,
    ) -> RowOutcome {
        let mut out = RowOutcome::new(self.seq, self.row.line, Some(self.row.clone()), status);
        {
            let mut p = self.phase();
            out.user_id = p.user_id.clone();
            out.client_request_id = p.client_request_id.clone();
            out.operation = p.operation.clone();
            out.request_id = p.request_id.clone();
            out.attempts = p.attempts;
            out.throttled = p.throttled;
            if p.in_flight {
                p.in_flight = false;
                self.ctx
                    .counters
                    .in_flight
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        out.detail = detail;
        out.error_code = code;
        out.duration = self.started.elapsed();
        if status.is_final()
            && !self.ctx.options.dry_run
            && let Some(j) = &self.ctx.journal
        {
            let mut r = self.record(State::Ended);
            r.status = Some(status);
            r.detail = out.detail.clone();
            r.code = out.error_code.clone();
            r.request_id = out.request_id.clone();
            r.attempts = Some(out.attempts);
            r.throttled = Some(out.throttled);
            r.ms = Some(out.duration.as_millis() as u64);
            j.append(&r);
        }
        self.ctx.counters.ended(status);
        out
    }

    fn fail_with(&self, status: RowStatus, e: &Error) -> RowOutcome {
        let (detail, code, request_id) = error_parts(e);
        if request_id.is_some() {
            self.phase().request_id = request_id;
        }
        self.finish(status, Some(detail), code)
    }

    /// The row was stopped (cancelled, aborted, or the run failed) before
    /// it ended.
    fn interrupted(&self) -> RowOutcome {
        let (unfinished, journaled) = {
            let p = self.phase();
            (
                p.operation.is_some() || p.outstanding || p.maybe_processed,
                p.journaled,
            )
        };
        if unfinished {
            let detail = if self.ctx.journal.is_some() {
                "interrupted after its request was sent; the journal keeps it, and a resume finishes it without sending it twice"
            } else {
                "interrupted after its request was sent; how it ended is not known (check the number)"
            };
            return self.finish(
                RowStatus::Unfinished,
                Some(detail.into()),
                Some("cancelled".into()),
            );
        }
        if journaled && let Some(j) = &self.ctx.journal {
            j.append(&self.record(State::Unsent));
        }
        self.finish(
            RowStatus::NotRun,
            Some(not_run_detail(self.ctx)),
            Some("cancelled".into()),
        )
    }

    /// Reports a row that ended in an earlier run.
    fn reported(&self, r: &Record) -> RowOutcome {
        let status = r.status.unwrap_or(RowStatus::Failed);
        let mut out = RowOutcome::new(self.seq, self.row.line, Some(self.row.clone()), status);
        out.user_id = r.user_id.clone();
        out.detail = r.detail.clone();
        out.error_code = r.code.clone();
        out.operation = r.op.clone().map(OperationRef::new);
        out.request_id = r.request_id.clone();
        out.client_request_id = r.crid.clone();
        out.attempts = r.attempts.unwrap_or(0);
        out.throttled = r.throttled.unwrap_or(0);
        out.duration = Duration::from_millis(r.ms.unwrap_or(0));
        out.from_journal = true;
        self.ctx.counters.ended(status);
        out
    }

    async fn process(&self, prior: Prior) -> RowOutcome {
        let ctx = self.ctx;
        let record = match prior {
            Prior::New | Prior::Unsent => None,
            Prior::Sent(at) | Prior::Accepted(at) | Prior::Ended(at) => {
                let Some(j) = &ctx.journal else {
                    return self.finish(RowStatus::NotRun, None, None);
                };
                match j.read(at).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        ctx.control.fail(e);
                        return self.interrupted();
                    }
                }
            }
        };
        if let Some(r) = &record {
            if r.row != self.hash {
                ctx.control.fail(BulkError::RowMismatch {
                    seq: self.seq,
                    line: self.row.line,
                });
                return self.finish(
                    RowStatus::NotRun,
                    Some("not run: this row differs from the one the journal recorded at its position".into()),
                    Some("journal".into()),
                );
            }
            if r.state == State::Ended {
                return self.reported(r);
            }
            let mut p = self.phase();
            p.client_request_id = r.crid.clone();
            p.user_id = r.user_id.clone();
            p.journaled = true;
            p.maybe_processed = true;
            p.operation = r.op.clone().map(OperationRef::new);
        }

        if let Err(rejection) = self.row.action.check() {
            return self.finish(
                RowStatus::Invalid,
                Some(rejection.message),
                Some(rejection.code.into()),
            );
        }
        let user_id = match self.row.action.user() {
            None => None,
            Some(user) => {
                let known = self.phase().user_id.clone();
                match known {
                    Some(id) => Some(id),
                    None => match ctx.users.resolve(user).await {
                        Ok(id) => Some(id),
                        Err(Unresolved::Invalid(r)) => {
                            return self.finish(
                                RowStatus::Invalid,
                                Some(r.message),
                                Some(r.code.into()),
                            );
                        }
                        Err(Unresolved::Failed(e)) => return self.fail_with(RowStatus::Failed, &e),
                    },
                }
            }
        };
        self.phase().user_id = user_id.clone();

        if ctx.options.dry_run {
            return match self.check(user_id.as_deref()).await {
                Ok(Check::Change) => self.finish(RowStatus::Planned, None, None),
                Ok(Check::Done(why)) => self.finish(RowStatus::AlreadyDone, Some(why), None),
                Ok(Check::Reject(r)) => {
                    self.finish(RowStatus::Invalid, Some(r.message), Some(r.code.into()))
                }
                Err(e) => self.fail_with(RowStatus::Failed, &e),
            };
        }

        if let Some(r) = &record {
            match r.state {
                State::Accepted if r.op.is_some() => {
                    let op = r.op.clone().unwrap_or_default();
                    return self
                        .poll(op, Some(Duration::ZERO), user_id.as_deref())
                        .await;
                }
                State::Sent | State::Accepted => {
                    // In doubt: it may have reached the service. Give an
                    // accepted operation time to apply, then look.
                    let sent_at = r.at_ms.unwrap_or(0);
                    let due = sent_at.saturating_add(ctx.options.in_doubt_wait.as_millis() as u64);
                    let wait = Duration::from_millis(due.saturating_sub(now_ms()));
                    match self.verify(wait, user_id.as_deref()).await {
                        Verified::Done(why) => {
                            return self.finish(
                                RowStatus::Succeeded,
                                Some(format!(
                                    "confirmed on resume, not sent again: {why} (the interrupted request took effect)"
                                )),
                                None,
                            );
                        }
                        Verified::NotDone => self.phase().maybe_processed = false,
                        Verified::Unknown(why) => {
                            return self.finish(
                                RowStatus::Unfinished,
                                Some(format!(
                                    "its earlier request got no answer and its state could not be read ({why}); a resume tries again"
                                )),
                                Some("inDoubt".into()),
                            );
                        }
                    }
                }
                State::Unsent | State::Ended => {}
            }
        }

        if ctx.control.is_cancelled() {
            return self.interrupted();
        }
        if ctx.options.skip_if_done {
            match self.check(user_id.as_deref()).await {
                Ok(Check::Change) => {}
                Ok(Check::Done(why)) => {
                    return self.finish(RowStatus::AlreadyDone, Some(why), None);
                }
                Ok(Check::Reject(r)) => {
                    return self.finish(RowStatus::Invalid, Some(r.message), Some(r.code.into()));
                }
                Err(e) => return self.fail_with(RowStatus::Failed, &e),
            }
        }
        self.submit(user_id.as_deref()).await
    }

    /// Reads the current state. The read's (large) future is made only
    /// once a lookup slot is free, so rows queueing for one stay small.
    async fn check(&self, user_id: Option<&str>) -> crate::error::Result<Check> {
        let _slot = self.ctx.lookups.acquire().await;
        Box::pin(plan::check(&self.ctx.client, &self.row.action, user_id)).await
    }

    /// Waits `wait` (unless cancelled), then reads the current state.
    async fn verify(&self, wait: Duration, user_id: Option<&str>) -> Verified {
        if !wait.is_zero() {
            tokio::select! {
                biased;
                _ = self.ctx.control.cancelled() => return Verified::Unknown("the run was cancelled while waiting to check".into()),
                _ = tokio::time::sleep(wait) => {}
            }
        }
        match self.check(user_id).await {
            Ok(Check::Done(why)) => Verified::Done(why),
            Ok(_) => Verified::NotDone,
            Err(e) => Verified::Unknown(e.to_string()),
        }
    }

    /// Sends the action, through the journal and the gate, until it ends.
    async fn submit(&self, user_id: Option<&str>) -> RowOutcome {
        let ctx = self.ctx;
        let crid = uuid::Uuid::new_v4().to_string();
        self.phase().client_request_id = Some(crid.clone());
        let mut lost = 0u32;
        loop {
            let stage = tokio::select! {
                biased;
                _ = ctx.control.cancelled() => return self.interrupted(),
                s = ctx.staging.clone().acquire_owned() => s.expect("the staging semaphore is never closed"),
            };
            if let Some(j) = &ctx.journal {
                let mut r = self.record(State::Sent);
                r.at_ms = Some(now_ms());
                if let Err(e) = j.durable(&r).await {
                    ctx.control.fail(e);
                    return self.interrupted();
                }
                self.phase().journaled = true;
            }
            let permit = tokio::select! {
                biased;
                _ = ctx.control.cancelled() => return self.interrupted(),
                p = ctx.gate.acquire() => p,
            };
            drop(stage);
            self.start_in_flight();
            self.phase().outstanding = true;
            ctx.counters
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let answer =
                Box::pin(actions::send(&ctx.client, &self.row.action, user_id, &crid)).await;
            {
                let mut p = self.phase();
                p.outstanding = false;
                p.attempts += answer.attempts().max(1);
            }
            match answer {
                Answer::Http {
                    status,
                    headers,
                    body,
                    attempts,
                    ..
                } if THROTTLING.contains(&status) => {
                    let throttled = {
                        let mut p = self.phase();
                        p.throttled += 1;
                        p.request_id = actions::request_id(&headers);
                        p.throttled
                    };
                    ctx.counters
                        .throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    ctx.gate.throttled(permit, retry_after(&headers));
                    if throttled > ctx.options.max_throttle_retries {
                        let e = actions::graph_error(
                            &self.row.action,
                            status,
                            &headers,
                            &body,
                            attempts,
                            &crid,
                        );
                        let (detail, _, _) = error_parts(&e);
                        return self.finish(
                            RowStatus::Failed,
                            Some(format!("throttled {throttled} times; gave up: {detail}")),
                            Some("throttled".into()),
                        );
                    }
                }
                Answer::Http {
                    status: 202,
                    headers,
                    url,
                    ..
                } if self.row.action.is_long_running() => {
                    ctx.gate.answered(permit);
                    {
                        let mut p = self.phase();
                        p.maybe_processed = true;
                        p.request_id = actions::request_id(&headers);
                    }
                    match actions::location(&ctx.client, &headers, &url) {
                        Ok(op) => {
                            self.phase().operation = Some(OperationRef::new(op.clone()));
                            if let Some(j) = &ctx.journal {
                                j.append(&self.record(State::Accepted));
                            }
                            return self.poll(op, retry_after(&headers), user_id).await;
                        }
                        Err(e) => {
                            // Accepted, but nothing to poll: look at the
                            // number once the operation had time to apply.
                            return match self.verify(ctx.options.in_doubt_wait, user_id).await {
                                Verified::Done(why) => {
                                    self.finish(RowStatus::Succeeded, Some(why), None)
                                }
                                _ => self.fail_with(RowStatus::Unfinished, &e),
                            };
                        }
                    }
                }
                Answer::Http {
                    status, headers, ..
                } if (200..300).contains(&status) => {
                    ctx.gate.answered(permit);
                    self.phase().request_id = actions::request_id(&headers);
                    return self.finish(RowStatus::Succeeded, None, None);
                }
                Answer::Http {
                    status,
                    headers,
                    body,
                    attempts,
                    ..
                } => {
                    ctx.gate.answered(permit);
                    let e = actions::graph_error(
                        &self.row.action,
                        status,
                        &headers,
                        &body,
                        attempts,
                        &crid,
                    );
                    return self.fail_with(RowStatus::Failed, &e);
                }
                Answer::Failed {
                    error,
                    maybe_sent: false,
                    ..
                } => {
                    // Nothing reached the service. The pipeline has already
                    // retried a request that did not leave, as its
                    // `RetryPolicy` says; retrying here as well would
                    // multiply the attempts.
                    ctx.gate.release(permit);
                    return self.fail_with(RowStatus::Failed, &error);
                }
                Answer::Failed {
                    error,
                    maybe_sent: true,
                    ..
                } => {
                    ctx.gate.release(permit);
                    self.phase().maybe_processed = true;
                    lost += 1;
                    tracing::warn!(seq = self.seq, line = self.row.line, error = %error, "no answer to an action that may have reached the service; checking its effect before sending it again");
                    match self.verify(ctx.options.in_doubt_wait, user_id).await {
                        Verified::Done(why) => {
                            return self.finish(
                                RowStatus::Succeeded,
                                Some(format!(
                                    "{why} (the request got no answer, but took effect)"
                                )),
                                None,
                            );
                        }
                        Verified::NotDone if lost <= 2 => {
                            self.phase().maybe_processed = false;
                        }
                        Verified::NotDone => return self.fail_with(RowStatus::Failed, &error),
                        Verified::Unknown(why) => {
                            let (detail, _, _) = error_parts(&error);
                            return self.finish(
                                RowStatus::Unfinished,
                                Some(format!("{detail}; its effect could not be checked ({why})")),
                                Some("inDoubt".into()),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Polls the row's operation to its end.
    async fn poll(
        &self,
        url: String,
        first_delay: Option<Duration>,
        user_id: Option<&str>,
    ) -> RowOutcome {
        let ctx = self.ctx;
        self.start_in_flight();
        self.phase().operation = Some(OperationRef::new(url.clone()));
        let delay = first_delay.unwrap_or(ctx.client.poll_options().initial_interval);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let operation = match ctx.client.operation(&url) {
            Ok(op) => op,
            Err(e) => return self.fail_with(RowStatus::Failed, &e),
        };
        match operation.await {
            Ok(outcome) => {
                let detail = status_details(&outcome.numbers);
                if outcome
                    .numbers
                    .iter()
                    .any(|n| n.status == Some(LongRunningOperationStatus::Failed))
                {
                    return self.finish(RowStatus::Failed, detail, Some("operationFailed".into()));
                }
                if outcome.status == LongRunningOperationStatus::Skipped {
                    return self.finish(RowStatus::AlreadyDone, detail, None);
                }
                self.finish(RowStatus::Succeeded, detail, None)
            }
            Err(Error::OperationFailed(f)) => {
                let detail = status_details(&f.numbers)
                    .unwrap_or_else(|| Error::OperationFailed(f).to_string());
                self.finish(
                    RowStatus::Failed,
                    Some(detail),
                    Some("operationFailed".into()),
                )
            }
            Err(e) if e.is_transient() => self.fail_with(RowStatus::Unfinished, &e),
            // The service no longer knows the operation (records expire):
            // the number's state says whether it applied.
            Err(e) if e.status() == Some(404) => match self.verify(Duration::ZERO, user_id).await {
                Verified::Done(why) => self.finish(
                    RowStatus::Succeeded,
                    Some(format!(
                        "{why} (its operation is no longer known to the service)"
                    )),
                    None,
                ),
                _ => self.fail_with(RowStatus::Failed, &e),
            },
            Err(e) => self.fail_with(RowStatus::Failed, &e),
        }
    }
}

/// Works on one input item until it has its outcome. Aborting the run ends
/// it at once with what it got to (`Unfinished` or `NotRun`).
pub(crate) async fn run(
    ctx: Arc<Ctx>,
    seq: u64,
    item: Result<Row, RowError>,
    prior: Prior,
) -> RowOutcome {
    let started = Instant::now();
    let row = match item {
        Ok(row) => row,
        Err(e) => return not_a_row(&ctx, seq, e, prior).await,
    };
    let work = Work {
        ctx: &ctx,
        seq,
        hash: if ctx.journal.is_some() {
            row_hash(&row)
        } else {
            String::new()
        },
        row: &row,
        started,
        phase: Mutex::new(Phase::default()),
    };
    tokio::select! {
        biased;
        _ = ctx.control.aborted() => work.interrupted(),
        out = work.process(prior) => out,
    }
}

/// The outcome of an input line that is not a row.
async fn not_a_row(ctx: &Ctx, seq: u64, e: RowError, prior: Prior) -> RowOutcome {
    let hash = error_hash(e.line, &e.message);
    let mut out = RowOutcome::new(seq, e.line, None, RowStatus::Invalid);
    out.detail = Some(e.message);
    out.error_code = Some("invalidRow".into());
    if let (Prior::Ended(at), Some(j)) = (prior, &ctx.journal)
        && let Ok(r) = j.read(at).await
        && r.row == hash
    {
        out.detail = r.detail.or(out.detail);
        out.from_journal = true;
    } else if let Some(j) = &ctx.journal
        && !ctx.options.dry_run
    {
        let mut r = Record::new(seq, out.line, &hash, State::Ended);
        r.status = Some(RowStatus::Invalid);
        r.detail = out.detail.clone();
        r.code = out.error_code.clone();
        j.append(&r);
    }
    ctx.counters.ended(RowStatus::Invalid);
    out
}

/// Why a row was not sent: the run's fatal error, or cancellation.
fn not_run_detail(ctx: &Ctx) -> String {
    match ctx.control.fatal() {
        Some(e) => format!("not run: the run stopped ({e})"),
        None => "not run: the run was cancelled before this row was sent".to_owned(),
    }
}

/// The outcome of a row the run will not work on (it was cancelled first):
/// `Unfinished` when an earlier run may have sent it, `NotRun` otherwise.
pub(crate) fn skipped(
    ctx: &Ctx,
    seq: u64,
    item: Result<Row, RowError>,
    prior: Prior,
) -> RowOutcome {
    let (line, row) = match item {
        Ok(row) => (row.line, Some(row)),
        Err(e) => (e.line, None),
    };
    let (status, detail) = match prior {
        Prior::Sent(_) | Prior::Accepted(_) => (
            RowStatus::Unfinished,
            "not resumed: the run was cancelled first; the journal still has it sent, and the next resume finishes it".to_owned(),
        ),
        _ => (RowStatus::NotRun, not_run_detail(ctx)),
    };
    let mut out = RowOutcome::new(seq, line, row, status);
    out.detail = Some(detail);
    out.error_code = Some("cancelled".into());
    ctx.counters.ended(status);
    out
}
