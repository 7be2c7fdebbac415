//! The one error type of the SDK.
//!
//! Whatever went wrong, the ids a Microsoft support case asks for
//! (`request-id`, `client-request-id`, the date) are reachable through
//! [`Error::request_id`] and [`Error::client_request_id`], and `Display`
//! prints them.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::generated::enums::LongRunningOperationStatus;
use crate::generated::types::ODataError;
use crate::operation::NumberOutcome;
use crate::pipeline::{CLIENT_REQUEST_ID, REQUEST_ID, header_str};
use crate::retry::retry_after;

/// The largest piece of a response body kept in an error.
pub(crate) const SNIPPET_LIMIT: usize = 512;

/// Keeps at most [`SNIPPET_LIMIT`] bytes of `body`, cut on a char boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= SNIPPET_LIMIT {
        return text.into_owned();
    }
    let mut end = SNIPPET_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], body.len())
}

/// An error answer from Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphError {
    /// The SDK operation (generated method name, or `poll_operation`, `next_page`).
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// `error.code` (for example `BadRequest`, `UnknownError`).
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// Some Teams backends put a whole error object into `message`
    /// (`{"code":"Forbidden","message":"Access Denied."}`): its code ...
    pub inner_code: Option<String>,
    /// ... and its message.
    pub inner_message: Option<String>,
    /// `request-id` (response header, else `innerError`).
    pub request_id: Option<String>,
    /// `client-request-id` (the one this SDK sent).
    pub client_request_id: Option<String>,
    /// `innerError.date` or the `Date` header.
    pub date: Option<String>,
    /// HTTP requests made for this call (1 + retries).
    pub attempts: u32,
    /// `Retry-After` of the last answer, when it had one.
    pub retry_after: Option<Duration>,
    /// The body, bounded, when it was not a Graph error object.
    pub raw_body: Option<String>,
}

/// A long-running operation that ended in `failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationFailure {
    /// The operation's id.
    pub operation_id: Option<String>,
    /// The URL that was polled.
    pub url: String,
    /// The final status (`failed`).
    pub status: LongRunningOperationStatus,
    /// Every number's status and detail.
    pub numbers: Vec<NumberOutcome>,
}

/// Everything that can go wrong in a call.
///
/// Match on the variants you handle and keep a `_` arm: variants and their
/// fields may be added (every struct variant is `#[non_exhaustive]`, so
/// match them with `..`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Graph answered with an error status (4xx/5xx, after retries).
    Graph(Box<GraphError>),
    /// The request could not be sent, or the answer could not be read.
    #[non_exhaustive]
    Transport {
        /// The SDK operation.
        operation: String,
        /// The `client-request-id` that was sent.
        client_request_id: Option<String>,
        /// What reqwest reported.
        source: reqwest::Error,
    },
    /// The credential could not produce a token. The credential's error is
    /// the source.
    #[non_exhaustive]
    Auth {
        /// The SDK operation.
        operation: String,
        /// The `client-request-id` the request would have carried.
        client_request_id: Option<String>,
        /// The credential's error.
        source: Box<azure_core::Error>,
    },
    /// A success answer whose body is not what the API describes.
    #[non_exhaustive]
    Decode {
        /// The SDK operation.
        operation: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `request-id`.
        request_id: Option<String>,
        /// The `client-request-id` that was sent.
        client_request_id: Option<String>,
        /// The start of the body.
        snippet: String,
        /// Where and why decoding failed.
        source: serde_json::Error,
    },
    /// An argument was rejected before anything was sent.
    #[non_exhaustive]
    InvalidInput {
        /// The argument (or body field) at fault.
        argument: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A `Location` or `@odata.nextLink` pointed somewhere other than the
    /// configured Graph origin. No request went there and no token left.
    #[non_exhaustive]
    ForeignUrl {
        /// What carried the URL (`Location`, `@odata.nextLink`, ...).
        what: &'static str,
        /// The URL as received.
        url: String,
        /// The configured Graph origin.
        expected_origin: String,
    },
    /// The long-running operation finished as `failed`.
    OperationFailed(Box<OperationFailure>),
    /// Gave up waiting.
    #[non_exhaustive]
    Timeout {
        /// What was waited for (an operation's URL, a request).
        what: String,
        /// How long.
        waited: Duration,
        /// The last status seen (raw), for operations.
        last_status: Option<String>,
        /// The `client-request-id` of the last request, when there was one.
        client_request_id: Option<String>,
    },
    /// The base URL is a cloud where this API does not exist.
    #[non_exhaustive]
    UnsupportedCloud {
        /// The configured base URL.
        base_url: String,
        /// Why the API is not there.
        reason: String,
    },
    /// A bug in this SDK (an invariant did not hold). Please report it.
    Internal(String),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Graph(g) => Some(g.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// Graph's `request-id` for the failed request.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Graph(g) => g.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The `client-request-id` this SDK sent with the failed call.
    pub fn client_request_id(&self) -> Option<&str> {
        match self {
            Error::Graph(g) => g.client_request_id.as_deref(),
            Error::Transport {
                client_request_id, ..
            }
            | Error::Auth {
                client_request_id, ..
            }
            | Error::Decode {
                client_request_id, ..
            }
            | Error::Timeout {
                client_request_id, ..
            } => client_request_id.as_deref(),
            _ => None,
        }
    }

    /// The Graph error, when Graph answered with one.
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(g) => Some(g),
            _ => None,
        }
    }

    /// True when repeating the same call later may succeed (throttling,
    /// outages, timeouts, transport trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Graph(g) => matches!(g.status, 408 | 429 | 500 | 502 | 503 | 504),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }
}

fn ids(
    f: &mut fmt::Formatter<'_>,
    request_id: Option<&str>,
    client_request_id: Option<&str>,
    date: Option<&str>,
) -> fmt::Result {
    let mut parts = Vec::new();
    if let Some(r) = request_id {
        parts.push(format!("request-id {r}"));
    }
    if let Some(c) = client_request_id {
        parts.push(format!("client-request-id {c}"));
    }
    if let Some(d) = date {
        parts.push(format!("date {d}"));
    }
    if !parts.is_empty() {
        write!(f, " ({})", parts.join(", "))?;
    }
    Ok(())
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(
            f,
            "{}: Graph answered HTTP {} {reason}",
            self.operation, self.status
        )?;
        match (&self.inner_code, &self.inner_message) {
            (Some(ic), im) => {
                write!(f, ": {} ({ic}", self.code)?;
                if let Some(m) = im {
                    write!(f, ": {m}")?;
                }
                write!(f, ")")?;
            }
            (None, _) if !self.code.is_empty() || !self.message.is_empty() => {
                write!(f, ": {}: {}", self.code, self.message)?;
            }
            _ => {}
        }
        if let Some(body) = &self.raw_body {
            write!(f, ": body {body:?}")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        ids(
            f,
            self.request_id.as_deref(),
            self.client_request_id.as_deref(),
            self.date.as_deref(),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Graph(g) => g.fmt(f),
            Error::Transport {
                operation,
                client_request_id,
                source,
            } => {
                let what = if source.is_timeout() {
                    "timed out"
                } else if source.is_connect() {
                    "could not connect"
                } else {
                    "transport error"
                };
                write!(f, "{operation}: {what}: {source}")?;
                let may_have_run = !source.is_connect()
                    && crate::generated::operations::operation(operation)
                        .is_some_and(|op| !op.is_idempotent());
                if may_have_run {
                    write!(
                        f,
                        "; not repeated: the request may have reached the service, so check the result (for example the number's state) before trying again"
                    )?;
                }
                ids(f, None, client_request_id.as_deref(), None)
            }
            Error::Auth {
                operation,
                client_request_id,
                source,
            } => {
                write!(
                    f,
                    "{operation}: could not get a token from the credential: {source}"
                )?;
                ids(f, None, client_request_id.as_deref(), None)
            }
            Error::Decode {
                operation,
                status,
                request_id,
                client_request_id,
                snippet,
                source,
            } => {
                write!(
                    f,
                    "{operation}: HTTP {status} answer could not be read: {source}; body starts {snippet:?}"
                )?;
                ids(f, request_id.as_deref(), client_request_id.as_deref(), None)
            }
            Error::InvalidInput { argument, reason } => write!(f, "invalid {argument}: {reason}"),
            Error::ForeignUrl {
                what,
                url,
                expected_origin,
            } => {
                write!(
                    f,
                    "refused to follow {what} {url:?}: it is not on the configured Graph origin {expected_origin} (no request was sent there)"
                )?;
                if *what == "Location" {
                    write!(f, "; the action itself was accepted by the service")?;
                }
                Ok(())
            }
            Error::OperationFailed(o) => {
                write!(
                    f,
                    "operation {} ended {}",
                    o.operation_id.as_deref().unwrap_or(&o.url),
                    o.status
                )?;
                for n in &o.numbers {
                    let status = n.status.as_ref().map(|s| s.as_str()).unwrap_or("no status");
                    let target = n
                        .resource_location
                        .as_deref()
                        .unwrap_or("(no resourceLocation)");
                    write!(f, "; {target}: {status}")?;
                    if let Some(d) = &n.status_detail {
                        write!(f, ": {d}")?;
                    }
                }
                Ok(())
            }
            Error::Timeout {
                what,
                waited,
                last_status,
                client_request_id,
            } => {
                write!(f, "{what}: gave up after {:.1} s", waited.as_secs_f64())?;
                if let Some(s) = last_status {
                    write!(f, "; last status {s:?}")?;
                }
                ids(f, None, client_request_id.as_deref(), None)
            }
            Error::UnsupportedCloud { base_url, reason } => write!(f, "{base_url}: {reason}"),
            Error::Internal(m) => write!(
                f,
                "internal error in graph-teams-admin (please report): {m}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Auth { source, .. } => Some(source.as_ref()),
            Error::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Where an answer came from, for building errors: the SDK operation, how
/// many HTTP attempts it took, and the `client-request-id` that was sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorContext<'a> {
    pub operation: &'a str,
    pub attempts: u32,
    pub client_request_id: Option<&'a str>,
}

impl<'a> ErrorContext<'a> {
    pub(crate) fn new(
        operation: &'a str,
        attempts: u32,
        client_request_id: Option<&'a str>,
    ) -> Self {
        Self {
            operation,
            attempts,
            client_request_id,
        }
    }
}

impl Error {
    /// Builds a [`Error::Graph`] from an error answer: Graph's error object when
    /// the body is one, the raw body (bounded) when it is not.
    pub(crate) fn from_answer(
        cx: &ErrorContext<'_>,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Error {
        let parsed = serde_json::from_slice::<ODataError>(body).ok();
        let raw = parsed
            .is_none()
            .then(|| snippet(body))
            .filter(|s| !s.is_empty());
        Error::Graph(Box::new(GraphError::from_answer(
            cx,
            status,
            headers,
            parsed.as_ref(),
            raw,
        )))
    }

    /// A success answer whose body could not be read as the API describes.
    pub(crate) fn decode(
        cx: &ErrorContext<'_>,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        source: serde_json::Error,
    ) -> Error {
        Error::Decode {
            operation: cx.operation.to_owned(),
            status,
            request_id: header_str(headers, &REQUEST_ID),
            client_request_id: cx.client_request_id.map(str::to_owned),
            snippet: snippet(body),
            source,
        }
    }
}

impl GraphError {
    /// The error of one answer, with the ids a support case needs: the
    /// answer's own, else what this SDK sent, else what Graph says it saw.
    pub(crate) fn from_answer(
        cx: &ErrorContext<'_>,
        status: u16,
        headers: &HeaderMap,
        body: Option<&ODataError>,
        raw_body: Option<String>,
    ) -> GraphError {
        let main = body.map(|b| &b.error);
        let inner = main.and_then(|m| m.inner_error.as_ref());
        let message = main.map(|m| m.message.clone()).unwrap_or_default();
        // Some Teams backends wrap their own error object in `message`.
        let nested = message
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(&message).ok())
            .flatten();
        let nested_str = |k: &str| {
            nested
                .as_ref()
                .and_then(|n| n.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        GraphError {
            operation: cx.operation.to_owned(),
            status,
            code: main.map(|m| m.code.clone()).unwrap_or_default(),
            inner_code: nested_str("code"),
            inner_message: nested_str("message"),
            message,
            request_id: header_str(headers, &REQUEST_ID)
                .or_else(|| inner.and_then(|i| i.request_id.clone())),
            // What the service echoed, else what we sent, else what it says it saw.
            client_request_id: header_str(headers, &CLIENT_REQUEST_ID)
                .or_else(|| cx.client_request_id.map(str::to_owned))
                .or_else(|| inner.and_then(|i| i.client_request_id.clone())),
            date: inner
                .and_then(|i| i.date.clone())
                .or_else(|| header_str(headers, reqwest::header::DATE)),
            attempts: cx.attempts.max(1),
            retry_after: retry_after(headers),
            raw_body,
        }
    }
}
