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
/// The most of a service-supplied message (`error.message`) kept in an error.
pub(crate) const MESSAGE_LIMIT: usize = 2048;
/// The most of a service-supplied code, id, date or status kept in an error.
pub(crate) const FIELD_LIMIT: usize = 256;
/// The most of a URL kept in an error.
pub(crate) const URL_LIMIT: usize = 1024;

/// Keeps at most [`SNIPPET_LIMIT`] bytes of `body`, cut on a char boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    cut(&String::from_utf8_lossy(body), SNIPPET_LIMIT, body.len())
}

/// Keeps at most `max` bytes of a service-supplied text, cut on a char
/// boundary, saying how long it was.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    cut(text, max, text.len())
}

/// `text` up to `max` bytes (on a char boundary), then `total`, the length
/// of what it came from, when anything was cut.
fn cut(text: &str, max: usize, total: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({total} bytes in all)", &text[..end])
}

/// Displays a service-supplied text with control characters (terminal
/// escape sequences, newlines) and bidirectional overrides escaped, so what
/// a server sends cannot drive the user's terminal or disguise itself.
pub(crate) struct Clean<'a>(pub &'a str);

impl fmt::Display for Clean<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for c in self.0.chars() {
            let hidden = c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
            if hidden {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
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
    /// `error.message` (at most 2 KiB of it; `Display` escapes control
    /// characters).
    pub message: String,
    /// The code of the error object some Teams backends put into `message`
    /// (`{"code":"Forbidden","message":"Access Denied."}`).
    pub inner_code: Option<String>,
    /// The message of the error object some Teams backends put into
    /// `message`.
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
    /// The `claims` of a `401`'s `WWW-Authenticate` challenge (Continuous
    /// Access Evaluation): the service wants a token carrying these claims,
    /// which an `azure_core` credential cannot be asked for. Bounded.
    pub claims_challenge: Option<String>,
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
    /// A `Location` or `@odata.nextLink` the service sent cannot be
    /// followed: empty, not text, not a URL, too long, or carrying user
    /// credentials. No request was sent there.
    #[non_exhaustive]
    UnusableUrl {
        /// What carried the URL (`Location`, `@odata.nextLink`, ...).
        what: &'static str,
        /// The URL as received (bounded, lossily decoded).
        url: String,
        /// Why it cannot be followed.
        reason: String,
    },
    /// An answer's body was larger than the configured limit
    /// (`ClientBuilder::max_response_body`); reading stopped there.
    #[non_exhaustive]
    BodyTooLarge {
        /// The SDK operation.
        operation: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes (after decompression).
        limit: u64,
        /// The `client-request-id` that was sent.
        client_request_id: Option<String>,
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
            Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
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
            | Error::BodyTooLarge {
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
    let mut first = true;
    let mut part = |f: &mut fmt::Formatter<'_>, name: &str, value: Option<&str>| {
        let Some(v) = value else { return Ok(()) };
        let sep = if first { " (" } else { ", " };
        first = false;
        write!(f, "{sep}{name} {}", Clean(v))
    };
    part(f, "request-id", request_id)?;
    part(f, "client-request-id", client_request_id)?;
    part(f, "date", date)?;
    if !first {
        f.write_str(")")?;
    }
    Ok(())
}

/// How many per-number outcomes `Display` lists before summing up the rest.
const NUMBERS_SHOWN: usize = 10;

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
                write!(f, ": {} ({}", Clean(&self.code), Clean(ic))?;
                if let Some(m) = im {
                    write!(f, ": {}", Clean(m))?;
                }
                write!(f, ")")?;
            }
            (None, _) if !self.code.is_empty() || !self.message.is_empty() => {
                write!(f, ": {}: {}", Clean(&self.code), Clean(&self.message))?;
            }
            _ => {}
        }
        if let Some(body) = &self.raw_body {
            write!(f, ": body {body:?}")?;
        }
        if self.claims_challenge.is_some() {
            write!(
                f,
                "; the service asks for a token with extra claims (a Continuous Access Evaluation challenge), \
                 which this SDK cannot request from an azure_core credential: sign in again or get a new token"
            )?;
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
                } else if source.is_decode() {
                    "the answer's body could not be decoded (check its Content-Encoding)"
                } else {
                    "transport error"
                };
                write!(f, "{operation}: {what}: {source}")?;
                let mut cause = std::error::Error::source(source);
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
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
            Error::UnusableUrl { what, url, reason } => {
                write!(
                    f,
                    "cannot follow {what} {url:?}: {reason} (no request was sent there)"
                )?;
                if *what == "Location" {
                    write!(f, "; the action itself was accepted by the service")?;
                }
                Ok(())
            }
            Error::BodyTooLarge {
                operation,
                status,
                limit,
                client_request_id,
            } => {
                write!(
                    f,
                    "{operation}: the HTTP {status} answer's body is larger than the limit of {limit} bytes \
                     (ClientBuilder::max_response_body); reading stopped there"
                )?;
                ids(f, None, client_request_id.as_deref(), None)
            }
            Error::OperationFailed(o) => {
                write!(
                    f,
                    "operation {} ended {}",
                    Clean(o.operation_id.as_deref().unwrap_or(&o.url)),
                    Clean(o.status.as_str())
                )?;
                for n in o.numbers.iter().take(NUMBERS_SHOWN) {
                    let status = n.status.as_ref().map(|s| s.as_str()).unwrap_or("no status");
                    let target = n
                        .resource_location
                        .as_deref()
                        .unwrap_or("(no resourceLocation)");
                    write!(
                        f,
                        "; {}: {}",
                        Clean(&bounded(target, URL_LIMIT)),
                        Clean(&bounded(status, FIELD_LIMIT))
                    )?;
                    if let Some(d) = &n.status_detail {
                        write!(f, ": {}", Clean(&bounded(d, MESSAGE_LIMIT)))?;
                    }
                }
                if o.numbers.len() > NUMBERS_SHOWN {
                    write!(
                        f,
                        "; and {} more numbers (see OperationFailure::numbers)",
                        o.numbers.len() - NUMBERS_SHOWN
                    )?;
                }
                Ok(())
            }
            Error::Timeout {
                what,
                waited,
                last_status,
                client_request_id,
            } => {
                write!(
                    f,
                    "{}: gave up after {:.1} s",
                    Clean(what),
                    waited.as_secs_f64()
                )?;
                match last_status.as_deref() {
                    Some("") => write!(f, "; the last answer had no status")?,
                    Some(s) => {
                        write!(f, "; last status {s:?}")?;
                        let status = LongRunningOperationStatus::from(s);
                        if status == LongRunningOperationStatus::UnknownFutureValue {
                            write!(
                                f,
                                " (the service masks a status this request did not ask to see; \
                                 Prefer: include-unknown-enum-members shows it)"
                            )?;
                        } else if !status.is_known() {
                            write!(f, " (a status this SDK does not know)")?;
                        }
                    }
                    None => {}
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
        let parsed = serde_json::from_slice::<ODataError>(body)
            .ok()
            .or_else(|| lenient_odata_error(body));
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

/// Graph's error object read leniently: `error.code` and `error.message`
/// when they are strings, and the ids of `innerError`, when the typed read
/// failed on some other field (a `details` of the wrong shape, a number
/// where a string was expected). `None` when the body has neither.
fn lenient_odata_error(body: &[u8]) -> Option<ODataError> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?.as_object()?;
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    let code = text(error.get("code"));
    let message = text(error.get("message"));
    if code.is_none() && message.is_none() {
        return None;
    }
    let mut inner = serde_json::Map::new();
    if let Some(i) = error.get("innerError").and_then(|i| i.as_object()) {
        for key in ["request-id", "client-request-id", "date"] {
            if let Some(v) = i.get(key).filter(|v| v.is_string()) {
                inner.insert(key.to_owned(), v.clone());
            }
        }
    }
    serde_json::from_value(serde_json::json!({
        "error": {
            "code": code.unwrap_or_default(),
            "message": message.unwrap_or_default(),
            "innerError": inner,
        }
    }))
    .ok()
}

impl GraphError {
    /// The error of one answer, with the ids a support case needs: the
    /// answer's own, else what this SDK sent, else what Graph says it saw.
    /// Every service-supplied text is bounded.
    pub(crate) fn from_answer(
        cx: &ErrorContext<'_>,
        status: u16,
        headers: &HeaderMap,
        body: Option<&ODataError>,
        raw_body: Option<String>,
    ) -> GraphError {
        let main = body.map(|b| &b.error);
        let inner = main.and_then(|m| m.inner_error.as_ref());
        let full_message = main.map(|m| m.message.as_str()).unwrap_or_default();
        // Some Teams backends wrap their own error object in `message`.
        let nested = full_message
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(full_message).ok())
            .flatten();
        let nested_str = |k: &str, max: usize| {
            nested
                .as_ref()
                .and_then(|n| n.get(k))
                .and_then(|v| v.as_str())
                .map(|s| bounded(s, max))
        };
        let field = |s: Option<String>| s.map(|s| bounded(&s, FIELD_LIMIT));
        let mut code = bounded(
            main.map(|m| m.code.as_str()).unwrap_or_default(),
            FIELD_LIMIT,
        );
        let mut message = bounded(full_message, MESSAGE_LIMIT);
        if (300..400).contains(&status) && code.is_empty() {
            let to = header_str(headers, reqwest::header::LOCATION)
                .map(|l| format!(" to {:?}", bounded(&l, URL_LIMIT)))
                .unwrap_or_default();
            code = "redirectNotFollowed".into();
            message = format!(
                "the service answered with a redirect{to}; this client does not follow redirects \
                 (Graph does not use them for this API), so nothing was sent there"
            );
        }
        GraphError {
            operation: cx.operation.to_owned(),
            status,
            code,
            inner_code: nested_str("code", FIELD_LIMIT),
            inner_message: nested_str("message", MESSAGE_LIMIT),
            message,
            request_id: field(
                header_str(headers, &REQUEST_ID)
                    .or_else(|| inner.and_then(|i| i.request_id.clone())),
            ),
            // What the service echoed, else what we sent, else what it says it saw.
            client_request_id: field(
                header_str(headers, &CLIENT_REQUEST_ID)
                    .or_else(|| cx.client_request_id.map(str::to_owned))
                    .or_else(|| inner.and_then(|i| i.client_request_id.clone())),
            ),
            date: field(
                inner
                    .and_then(|i| i.date.clone())
                    .or_else(|| header_str(headers, reqwest::header::DATE)),
            ),
            attempts: cx.attempts.max(1),
            retry_after: retry_after(headers),
            raw_body,
            claims_challenge: (status == 401)
                .then(|| crate::auth::claims_challenge(headers))
                .flatten()
                .map(|c| bounded(&c, MESSAGE_LIMIT)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    /// What any error built from an answer must be: bounded, and with every
    /// control character escaped.
    fn shown_safely(e: &Error) -> Result<(), TestCaseError> {
        let text = e.to_string();
        prop_assert!(text.len() < 16 * 1024, "{} bytes", text.len());
        prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
        if let Some(g) = e.graph() {
            prop_assert!(g.code.len() <= FIELD_LIMIT + 32);
            prop_assert!(g.message.len() <= MESSAGE_LIMIT + 32);
            prop_assert!(
                g.inner_message
                    .as_ref()
                    .is_none_or(|m| m.len() <= MESSAGE_LIMIT + 32)
            );
        }
        Ok(())
    }

    fn cx() -> ErrorContext<'static> {
        ErrorContext::new("list_number_assignments", 2, Some("crid"))
    }

    proptest! {
        #[test]
        fn any_json_body_makes_a_bounded_graph_error(
            body in crate::testing::json(),
            status in 300u16..600,
        ) {
            let bytes = serde_json::to_vec(&body).unwrap();
            shown_safely(&Error::from_answer(&cx(), status, &HeaderMap::new(), &bytes))?;
        }

        #[test]
        fn any_graph_error_object_is_read_and_bounded(
            code in any::<String>(),
            message in prop_oneof![any::<String>(), "\\{\"code\":\"[a-z\u{1b}]{0,8}\",\"message\":\".{0,40}\"\\}"],
            inner in prop::option::of(prop::collection::btree_map(crate::testing::key(), crate::testing::json(), 0..4)),
            status in 400u16..600,
        ) {
            let mut error = serde_json::json!({"code": code, "message": message});
            if let Some(inner) = inner {
                error["innerError"] = serde_json::Value::Object(inner.into_iter().collect());
            }
            let bytes = serde_json::to_vec(&serde_json::json!({"error": error})).unwrap();
            let e = Error::from_answer(&cx(), status, &HeaderMap::new(), &bytes);
            shown_safely(&e)?;
            let g = e.graph().unwrap();
            if code.len() <= FIELD_LIMIT {
                prop_assert_eq!(&g.code, &code);
            }
        }

        #[test]
        fn any_body_bytes_and_header_values_make_a_bounded_error(
            body in prop::collection::vec(any::<u8>(), 0..2048),
            request_id in prop::collection::vec(any::<u8>(), 0..600),
            location in prop::collection::vec(any::<u8>(), 0..600),
            status in 300u16..600,
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_bytes(&request_id) {
                headers.insert(REQUEST_ID, v);
            }
            if let Ok(v) = HeaderValue::from_bytes(&location) {
                headers.insert(reqwest::header::LOCATION, v);
            }
            shown_safely(&Error::from_answer(&cx(), status, &headers, &body))?;
        }
    }
}
