//! Long-running telephone number operations: the `202 Accepted` +
//! `Location` that `assignNumber`/`unassignNumber` answer with, polled to the
//! end.
//!
//! An [`Operation`] is both a future (`.await` it for the final outcome) and a
//! [`Stream`] of status reads (to show progress), like the Azure SDK's
//! `Poller`. It follows the `Location` verbatim (`…/operations('<id>')` or
//! `…/operations/<id>`), with the same auth, retries and origin check as any
//! call; honours `Retry-After` on the 202 and on every poll; otherwise backs
//! off from [`PollOptions::initial_interval`] to [`PollOptions::max_interval`];
//! and stops at an optional deadline. A poll that fails transiently (after
//! the retry policy's own retries) is tried again, up to
//! [`TRANSIENT_POLL_FAILURES`] times in a row: the operation goes on at the
//! service whatever happens to one poll. Dropping it stops polling.
//!
//! [`OperationRef`] (the URL) serialises, so a process can save it and a
//! later one resume with `Client::operation`.

use std::fmt;
use std::future::IntoFuture;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use tokio::time::Instant;

use crate::error::{Error, ErrorContext, OperationFailure, Result};
use crate::generated::enums::LongRunningOperationStatus;
use crate::generated::types::TelephoneNumberLongRunningOperation;
use crate::pipeline::Pipeline;
use crate::retry::retry_after;

/// Where an operation can be polled: its absolute URL. Serialises as a
/// string; save it to resume later with `Client::operation`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OperationRef(String);

impl OperationRef {
    pub(crate) fn new(url: String) -> Self {
        Self(url)
    }

    /// The URL that is polled.
    pub fn url(&self) -> &str {
        &self.0
    }

    /// The operation id from the URL: the key in `operations('<id>')` or the
    /// segment after `operations/`.
    pub fn operation_id(&self) -> Option<String> {
        let path = self.0.split(['?', '#']).next().unwrap_or(&self.0);
        if let Some(start) = path.rfind("operations('") {
            let rest = &path[start + "operations('".len()..];
            let end = rest.find("')")?;
            return Some(decode_key(&rest[..end]));
        }
        let (_, rest) = path.rsplit_once("/operations/")?;
        let id = rest.split('/').next()?;
        (!id.is_empty()).then(|| decode_key(id))
    }
}

fn decode_key(raw: &str) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("''", "'")
}

impl fmt::Display for OperationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to poll when the service does not say (`Retry-After` always wins).
#[derive(Clone, Debug, PartialEq)]
pub struct PollOptions {
    /// Wait before the first poll, and the first interval.
    pub initial_interval: Duration,
    /// Longest interval between polls.
    pub max_interval: Duration,
    /// Growth of the interval after each poll without `Retry-After`.
    pub multiplier: f64,
    /// Give up (with [`Error::Timeout`]) this long after the operation was
    /// accepted. `None`: poll until it ends.
    pub deadline: Option<Duration>,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
            deadline: None,
        }
    }
}

impl PollOptions {
    /// Sets the overall deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the first and the largest interval.
    pub fn with_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }
}

/// True for `succeeded`, `failed` and `skipped`.
pub(crate) fn is_terminal(status: &LongRunningOperationStatus) -> bool {
    matches!(
        status,
        LongRunningOperationStatus::Succeeded
            | LongRunningOperationStatus::Failed
            | LongRunningOperationStatus::Skipped
    )
}

fn outcomes(op: &TelephoneNumberLongRunningOperation) -> Vec<NumberOutcome> {
    op.numbers
        .iter()
        .flatten()
        .map(|n| NumberOutcome {
            resource_location: n.resource_location.clone(),
            status: n.status.clone(),
            status_detail: n.status_detail.clone(),
        })
        .collect()
}

/// One read of the operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OperationStatus {
    /// The operation as the service returned it.
    pub operation: TelephoneNumberLongRunningOperation,
    /// Polls made so far (this one included).
    pub polls: u32,
    /// Time since the operation was accepted (or resumed).
    pub elapsed: Duration,
    /// When the next poll will happen, if this status is not final.
    pub next_poll_in: Option<Duration>,
}

impl OperationStatus {
    /// The status; `UnknownValue` for one this SDK does not know, and
    /// `UnknownValue("")` when the answer had none.
    pub fn status(&self) -> LongRunningOperationStatus {
        self.operation
            .status
            .clone()
            .unwrap_or_else(|| LongRunningOperationStatus::UnknownValue(String::new()))
    }

    /// Whether polling is over.
    pub fn is_terminal(&self) -> bool {
        is_terminal(&self.status())
    }

    /// Every number's status and detail.
    pub fn numbers(&self) -> Vec<NumberOutcome> {
        outcomes(&self.operation)
    }
}

/// One telephone number's outcome inside a long-running operation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct NumberOutcome {
    /// URL of the numberAssignment (`resourceLocation`).
    pub resource_location: Option<String>,
    /// `status` for this number, raw when the SDK does not know it.
    pub status: Option<LongRunningOperationStatus>,
    /// `statusDetail`: why it failed, when it did.
    pub status_detail: Option<String>,
}

/// The end of an operation that did not fail (`succeeded` or `skipped`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OperationOutcome {
    /// Where it was polled.
    pub reference: OperationRef,
    /// Final status.
    pub status: LongRunningOperationStatus,
    /// Every number's status and detail (a number may have failed even when
    /// the operation as a whole did not).
    pub numbers: Vec<NumberOutcome>,
    /// The last read.
    pub operation: TelephoneNumberLongRunningOperation,
    /// Polls made.
    pub polls: u32,
}

/// A long-running operation: `.await` for the outcome, or read it as a
/// [`Stream`] of [`OperationStatus`] that ends after the final status.
pub struct Operation {
    reference: OperationRef,
    pipeline: Pipeline,
    options: PollOptions,
    first_delay: Duration,
    /// When the operation was accepted (or resumed): the deadline counts from here.
    started: Instant,
    /// Made on the first poll: an operation nobody polls costs nothing more.
    stream: Option<BoxStream<'static, Result<OperationStatus>>>,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

struct PollState {
    pipeline: Pipeline,
    /// Checked against the configured origin when the operation was made.
    url: String,
    options: PollOptions,
    started: Instant,
    next_delay: Duration,
    interval: Duration,
    polls: u32,
    /// Transient poll failures in a row (see [`TRANSIENT_POLL_FAILURES`]).
    failures: u32,
    done: bool,
    last_status: Option<String>,
}

/// How many polls in a row may fail transiently (throttling or an outage
/// that outlasted the retry policy, a dropped connection) before the
/// operation's stream reports the error. A failed poll is not a failed
/// operation: the work goes on at the service, so polling carries on, with
/// the interval growing, as long as the deadline allows.
pub(crate) const TRANSIENT_POLL_FAILURES: u32 = 5;

/// Reads the operation once. The docs show the entity wrapped in
/// `{"value": {...}}`; that shape is accepted as well as the plain entity.
async fn read(
    pipeline: &Pipeline,
    url: &str,
) -> Result<(TelephoneNumberLongRunningOperation, Option<Duration>)> {
    let answer = pipeline
        .get_json::<serde_json::Value>(pipeline.follow("operation URL", url)?, "poll_operation")
        .await?;
    let value = match answer.value {
        serde_json::Value::Object(mut m)
            if !m.contains_key("status") && m.get("value").is_some_and(|v| v.is_object()) =>
        {
            m.remove("value").expect("checked")
        }
        other => other,
    };
    let op = serde_json::from_value(value.clone()).map_err(|source| {
        let cx = ErrorContext::new("poll_operation", 1, None);
        Error::decode(
            &cx,
            200,
            &answer.headers,
            value.to_string().as_bytes(),
            source,
        )
    })?;
    Ok((op, retry_after(&answer.headers)))
}

impl PollState {
    async fn next(mut self) -> Option<(Result<OperationStatus>, PollState)> {
        if self.done {
            return None;
        }
        // A poll is never earlier than the service asked; when the next one
        // would fall after the deadline, give up now with the last status.
        if let Some(deadline) = self.options.deadline
            && self.started.elapsed() + self.next_delay > deadline
        {
            self.done = true;
            return Some((Err(self.timeout()), self));
        }
        tokio::time::sleep(self.next_delay).await;
        let (op, retry_after) = loop {
            self.polls += 1;
            match read(&self.pipeline, &self.url).await {
                Ok(r) => {
                    self.failures = 0;
                    break r;
                }
                Err(e) if e.is_transient() && self.failures < TRANSIENT_POLL_FAILURES => {
                    self.failures += 1;
                    self.interval = self
                        .interval
                        .mul_f64(self.options.multiplier)
                        .min(self.options.max_interval);
                    let wait = e
                        .graph()
                        .and_then(|g| g.retry_after)
                        .unwrap_or(self.interval);
                    if self
                        .options
                        .deadline
                        .is_some_and(|d| self.started.elapsed() + wait > d)
                    {
                        self.done = true;
                        return Some((Err(e), self));
                    }
                    tracing::warn!(error = %e, failures = self.failures, wait_ms = wait.as_millis() as u64, "poll failed; polling on");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    self.done = true;
                    return Some((Err(e), self));
                }
            }
        };
        let status = op.status.clone();
        self.last_status = Some(
            status
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        );
        let terminal = status.as_ref().is_some_and(is_terminal);
        if let Some(s) = status.as_ref().filter(|s| !s.is_known()) {
            tracing::warn!(status = s.as_str(), url = %self.url, "operation status unknown to this SDK; polling on");
        }
        let next_poll_in = if terminal {
            self.done = true;
            None
        } else {
            // Retry-After wins; otherwise grow the interval up to the cap.
            self.next_delay = match retry_after {
                Some(ra) => ra,
                None => {
                    if self.polls > 1 {
                        self.interval = self
                            .interval
                            .mul_f64(self.options.multiplier)
                            .min(self.options.max_interval);
                    }
                    self.interval
                }
            };
            Some(self.next_delay)
        };
        let status = OperationStatus {
            operation: op,
            polls: self.polls,
            elapsed: self.started.elapsed(),
            next_poll_in,
        };
        Some((Ok(status), self))
    }

    fn timeout(&self) -> Error {
        Error::Timeout {
            what: format!("operation {}", self.url),
            waited: self.started.elapsed(),
            last_status: self.last_status.clone(),
            client_request_id: None,
        }
    }
}

impl Operation {
    /// Starts polling `reference`; the first poll waits `first_delay` (the
    /// 202's `Retry-After`) or the initial interval.
    pub(crate) fn new(
        pipeline: Pipeline,
        url: String,
        options: PollOptions,
        first_delay: Option<Duration>,
    ) -> Self {
        Self {
            reference: OperationRef::new(url),
            pipeline,
            first_delay: first_delay.unwrap_or(options.initial_interval),
            options,
            started: Instant::now(),
            stream: None,
        }
    }

    /// The status stream, started on first use.
    fn stream(&mut self) -> &mut BoxStream<'static, Result<OperationStatus>> {
        self.stream.get_or_insert_with(|| {
            let state = PollState {
                pipeline: self.pipeline.clone(),
                url: self.reference.url().to_owned(),
                next_delay: self.first_delay,
                interval: self.options.initial_interval,
                options: self.options.clone(),
                started: self.started,
                polls: 0,
                failures: 0,
                done: false,
                last_status: None,
            };
            Box::pin(futures::stream::unfold(state, PollState::next))
        })
    }

    /// Where the operation is polled (serialisable, for resuming).
    pub fn reference(&self) -> &OperationRef {
        &self.reference
    }

    /// Reads the operation once, now, without touching the polling schedule.
    /// The future owns what it needs, so it is `Send` and `'static` even
    /// though the `Operation` itself (which holds its poll stream) is not
    /// `Sync`.
    pub fn status(
        &self,
    ) -> impl Future<Output = Result<TelephoneNumberLongRunningOperation>> + Send + 'static {
        let (pipeline, url) = (self.pipeline.clone(), self.reference.url().to_owned());
        async move { Ok(read(&pipeline, &url).await?.0) }
    }

    /// Polls to the end. `succeeded` or `skipped` give the outcome; `failed`
    /// gives [`Error::OperationFailed`] with every number's status and detail.
    pub async fn wait(mut self) -> Result<OperationOutcome> {
        use futures::StreamExt;
        let mut last: Option<OperationStatus> = None;
        while let Some(item) = self.stream().next().await {
            last = Some(item?);
        }
        let last =
            last.ok_or_else(|| Error::Internal("operation stream ended without a status".into()))?;
        let status = last.status();
        let numbers = last.numbers();
        if status == LongRunningOperationStatus::Failed {
            return Err(Error::OperationFailed(Box::new(OperationFailure {
                operation_id: last
                    .operation
                    .id
                    .clone()
                    .or_else(|| self.reference.operation_id()),
                url: self.reference.url().to_owned(),
                status,
                numbers,
            })));
        }
        Ok(OperationOutcome {
            reference: self.reference,
            status,
            numbers,
            operation: last.operation,
            polls: last.polls,
        })
    }
}

impl Stream for Operation {
    type Item = Result<OperationStatus>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream().as_mut().poll_next(cx)
    }
}

impl IntoFuture for Operation {
    type Output = Result<OperationOutcome>;
    type IntoFuture = BoxFuture<'static, Result<OperationOutcome>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_from_both_location_forms() {
        let key = OperationRef::new("https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations('QXNzaWdu%3D')".into());
        assert_eq!(key.operation_id().as_deref(), Some("QXNzaWdu="));
        let seg = OperationRef::new("https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations/VW5h?x=1".into());
        assert_eq!(seg.operation_id().as_deref(), Some("VW5h"));
        let json = serde_json::to_string(&seg).unwrap();
        assert_eq!(
            json,
            "\"https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations/VW5h?x=1\""
        );
        assert_eq!(serde_json::from_str::<OperationRef>(&json).unwrap(), seg);
    }
}
