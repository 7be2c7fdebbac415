//! The request pipeline every call goes through, generated or not:
//! origin check, `client-request-id`, user agent, `Prefer`, bearer token,
//! retries, 401 refresh, the body limit, tracing. It is the generated
//! client's hook state (progenitor's `inner`), and the poller and pager use
//! it for the URLs they follow.
//!
//! Every answer's body is read here, whole and bounded, before anyone
//! decodes it: an answer larger than the limit is cut off with
//! [`Error::BodyTooLarge`], and a body that breaks off is a transport error
//! of the attempt, retried like one (for idempotent requests). What to retry
//! and how long to wait is `retry`'s business; this file only does the I/O.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use azure_core::credentials::TokenCredential;
use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, Request, Response, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::{Bearer, TokenCache, claims_challenge};
use crate::error::{Error, ErrorContext, URL_LIMIT, bounded};
use crate::retry::{Attempt, RetryPolicy, Verdict, Wait};

/// `client-request-id`: the id this SDK gives every call, kept across its retries.
pub(crate) const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// `request-id`: Graph's id for the request.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
/// `Retry-Attempt`: which retry this is (1, 2, …).
pub(crate) const RETRY_ATTEMPT: HeaderName = HeaderName::from_static("retry-attempt");
const PREFER: HeaderName = HeaderName::from_static("prefer");
const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");
const INCLUDE_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";

/// The longest URL followed from an answer (`Location`, `@odata.nextLink`).
pub(crate) const MAX_URL_LEN: usize = 16 * 1024;

/// Default limit of one answer's body, after decompression (32 MiB).
pub(crate) const DEFAULT_BODY_LIMIT: u64 = 32 * 1024 * 1024;

/// Shared state of one client: HTTP connection pool, credential and token
/// cache, retry policy, base URL. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    shared: Arc<Shared>,
}

struct Shared {
    http: reqwest::Client,
    base_url: Url,
    base: String,
    origin: String,
    tokens: TokenCache,
    retry: RetryPolicy,
    user_agent: HeaderValue,
    prefer_unknown_enum_members: bool,
    body_limit: u64,
    /// The HTTP client is the one `transport` built (it follows no redirects).
    own_http: bool,
    /// What the last answer said about `Prefer: include-unknown-enum-members`:
    /// 0 no answer yet, 1 applied, 2 not applied.
    preference_applied: AtomicU8,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("base_url", &self.shared.base)
            .field("tokens", &self.shared.tokens)
            .field("retry", &self.shared.retry)
            .field("user_agent", &self.shared.user_agent)
            .finish_non_exhaustive()
    }
}

/// Settings a [`Pipeline`] is built from (see `ClientBuilder`).
pub(crate) struct PipelineConfig {
    pub base_url: Url,
    pub credential: Arc<dyn TokenCredential>,
    pub scope: String,
    pub retry: RetryPolicy,
    pub http: reqwest::Client,
    pub user_agent: String,
    pub prefer_unknown_enum_members: bool,
    pub body_limit: u64,
    pub own_http: bool,
}

/// A request that got an answer (its body already read, within the limit).
pub(crate) struct Sent {
    pub response: Response,
    pub attempts: u32,
    pub client_request_id: String,
    /// The URL the request went to (the base for a relative `Location`).
    pub url: Url,
}

/// A request that did not get a usable answer.
pub(crate) enum SendError {
    Transport {
        source: reqwest::Error,
        attempts: u32,
        client_request_id: String,
    },
    /// The credential failed. `response` is the 401 that made us ask for a
    /// new token, when there was one.
    Auth {
        source: Box<azure_core::Error>,
        response: Option<Box<Response>>,
        client_request_id: String,
    },
    /// The answer's body was larger than the limit.
    TooLarge {
        status: u16,
        limit: u64,
        client_request_id: String,
    },
}

impl SendError {
    pub(crate) fn into_error(self, operation: &str) -> Error {
        match self {
            SendError::Transport {
                source,
                client_request_id,
                ..
            } => Error::Transport {
                operation: operation.to_owned(),
                client_request_id: Some(client_request_id),
                source,
            },
            SendError::Auth {
                source,
                client_request_id,
                ..
            } => Error::Auth {
                operation: operation.to_owned(),
                client_request_id: Some(client_request_id),
                source,
            },
            SendError::TooLarge {
                status,
                limit,
                client_request_id,
            } => Error::BodyTooLarge {
                operation: operation.to_owned(),
                status,
                limit,
                client_request_id: Some(client_request_id),
            },
        }
    }
}

/// Why one attempt has no usable answer.
enum Failure {
    /// No answer: `sent` is false when nothing left (connect, DNS, TLS).
    Transport { source: reqwest::Error, sent: bool },
    /// An answer whose body was larger than the limit.
    TooLarge { status: u16 },
}

/// Reads the body of `response`, at most `limit` bytes of it (after
/// decompression), and returns an answer holding it in memory.
async fn buffered(
    mut response: Response,
    limit: u64,
    keep_head: bool,
) -> Result<Response, Failure> {
    let status = response.status();
    match response.content_length() {
        Some(n) if n > limit => {
            return Err(Failure::TooLarge {
                status: status.as_u16(),
            });
        }
        // Nothing to read (a 202, a 204): the answer is complete as it is.
        Some(0) => return Ok(response),
        _ => {}
    }
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                len += chunk.len() as u64;
                if len > limit {
                    return Err(Failure::TooLarge {
                        status: status.as_u16(),
                    });
                }
                chunks.push(chunk);
            }
            Ok(None) => break,
            // An action that was accepted stays accepted when its (unused)
            // body breaks off: keep the head.
            Err(e) if keep_head => {
                tracing::warn!(error = %e, status = status.as_u16(), "the answer's body broke off; keeping its status and headers");
                chunks.clear();
                break;
            }
            Err(source) => return Err(Failure::Transport { source, sent: true }),
        }
    }
    let body = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.pop().expect("one chunk"),
        _ => Bytes::from(chunks.concat()),
    };
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    *out.version_mut() = version;
    *out.headers_mut() = headers;
    Ok(Response::from(out))
}

/// A decoded success answer of a request the pipeline made itself.
pub(crate) struct Answer<T> {
    pub value: T,
    pub headers: HeaderMap,
    /// The URL that was read (the base for relative URLs in the answer).
    pub url: Url,
}

pub(crate) fn header_str(
    headers: &HeaderMap,
    name: impl reqwest::header::AsHeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl Pipeline {
    pub(crate) fn new(config: PipelineConfig) -> Self {
        let base = config.base_url.as_str().trim_end_matches('/').to_owned();
        let origin = config.base_url.origin().ascii_serialization();
        let user_agent = HeaderValue::from_str(&config.user_agent).unwrap_or_else(|_| {
            HeaderValue::from_static(concat!("graph-teams-admin/", env!("CARGO_PKG_VERSION")))
        });
        Self {
            shared: Arc::new(Shared {
                http: config.http,
                base_url: config.base_url,
                base,
                origin,
                tokens: TokenCache::new(config.credential, config.scope),
                retry: config.retry,
                user_agent,
                prefer_unknown_enum_members: config.prefer_unknown_enum_members,
                body_limit: config.body_limit,
                own_http: config.own_http,
                preference_applied: AtomicU8::new(0),
            }),
        }
    }

    /// The base URL without a trailing slash (`https://graph.microsoft.com/beta`).
    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// The base URL with these path segments appended, each percent-encoded
    /// as one segment (an id or a UPN cannot add a `/` or a query).
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Result<Url, Error> {
        let mut url = self.shared.base_url.clone();
        url.path_segments_mut()
            .map_err(|_| Error::Internal("the base URL cannot have segments".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// The origin requests may go to (`https://graph.microsoft.com`).
    pub fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// Same scheme, host and port as the base URL (compared without
    /// allocating: this runs for every request).
    fn same_origin(&self, url: &Url) -> bool {
        let base = &self.shared.base_url;
        url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
    }

    /// What the service said about `Prefer: include-unknown-enum-members` in
    /// its last answer: `None` before any answer (or when the preference is
    /// not sent).
    pub(crate) fn unknown_enum_members_applied(&self) -> Option<bool> {
        match self.shared.preference_applied.load(Ordering::Relaxed) {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        }
    }

    /// Parses a URL the service handed us (`Location`, `@odata.nextLink`):
    /// a relative one against `base`, the URL of the request it answered
    /// (RFC 9110 §10.2.2; the base URL when unknown). Refuses an empty or
    /// over-long one, one with user credentials, and any other origin.
    pub(crate) fn follow(
        &self,
        what: &'static str,
        raw: &str,
        base: Option<&Url>,
    ) -> Result<Url, Error> {
        let unusable = |reason: String| Error::UnusableUrl {
            what,
            url: bounded(raw, URL_LIMIT),
            reason,
        };
        if raw.trim().is_empty() {
            return Err(unusable("it is empty".into()));
        }
        if raw.len() > MAX_URL_LEN {
            return Err(unusable(format!(
                "it is {} bytes long; the limit is {MAX_URL_LEN}",
                raw.len()
            )));
        }
        let base = base.unwrap_or(&self.shared.base_url);
        let url = base
            .join(raw)
            .map_err(|e| unusable(format!("it is not a URL: {e}")))?;
        if !self.same_origin(&url) {
            return Err(Error::ForeignUrl {
                what,
                url: bounded(url.as_str(), URL_LIMIT),
                expected_origin: self.shared.origin.clone(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(unusable("it carries user credentials".into()));
        }
        Ok(url)
    }

    /// [`Self::follow`] for a header value, which may not be text.
    pub(crate) fn follow_header(
        &self,
        what: &'static str,
        value: &HeaderValue,
        base: Option<&Url>,
    ) -> Result<Url, Error> {
        match std::str::from_utf8(value.as_bytes()) {
            Ok(text) => self.follow(what, text, base),
            Err(_) => Err(Error::UnusableUrl {
                what,
                url: bounded(&String::from_utf8_lossy(value.as_bytes()), URL_LIMIT),
                reason: "it is not UTF-8 text".into(),
            }),
        }
    }

    /// [`Self::follow_header`] keeping the text: an absolute URL on the
    /// configured origin made of plain ASCII is taken as it is, without
    /// parsing (it is checked again, parsed, each time it is followed);
    /// anything else goes through [`Self::follow`].
    pub(crate) fn follow_header_text(
        &self,
        what: &'static str,
        value: &HeaderValue,
        base: impl FnOnce() -> Option<Url>,
    ) -> Result<String, Error> {
        let raw = value.as_bytes();
        let origin = self.shared.origin.as_bytes();
        if raw.len() <= MAX_URL_LEN
            && raw.len() > origin.len()
            && raw.starts_with(origin)
            && raw[origin.len()] == b'/'
            && raw.iter().all(u8::is_ascii_graphic)
            && let Ok(text) = std::str::from_utf8(raw)
        {
            return Ok(text.to_owned());
        }
        self.follow_header(what, value, base().as_ref())
            .map(String::from)
    }

    /// Sends a request: auth, ids, retries; reads the answer's body within
    /// the limit. `idempotent` says whether a transport error after sending
    /// may be retried (see `retry`).
    pub(crate) async fn send(
        &self,
        request: Request,
        operation: &str,
        idempotent: bool,
    ) -> Result<Sent, SendError> {
        self.send_returning(request, operation, idempotent, &[])
            .await
    }

    /// [`Pipeline::send`], except that an answer with one of `returned`
    /// statuses comes back at once instead of being retried. The bulk
    /// engine sends its actions this way for 429 and 503: its throttle gate
    /// pauses the whole run on them, where a per-request retry would pause
    /// one worker.
    pub(crate) async fn send_returning(
        &self,
        mut request: Request,
        operation: &str,
        idempotent: bool,
        returned: &[u16],
    ) -> Result<Sent, SendError> {
        let shared = &self.shared;
        let client_request_id = match request
            .headers()
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
        {
            Some(id) => id.to_owned(),
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                request.headers_mut().insert(
                    CLIENT_REQUEST_ID,
                    HeaderValue::from_str(&id).expect("uuid is a header value"),
                );
                id
            }
        };
        if !self.same_origin(request.url()) {
            // The generated client builds URLs from the base URL, and followed
            // URLs are checked in `follow`: this is a last line of defence, so
            // a token can never travel anywhere else.
            return Err(SendError::Auth {
                source: Box::new(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Other,
                    format!(
                        "refused to send a token to {}",
                        request.url().origin().ascii_serialization()
                    ),
                )),
                response: None,
                client_request_id,
            });
        }
        request
            .headers_mut()
            .insert(USER_AGENT, shared.user_agent.clone());
        if shared.prefer_unknown_enum_members {
            request.headers_mut().append(
                PREFER,
                HeaderValue::from_static(INCLUDE_UNKNOWN_ENUM_MEMBERS),
            );
        }
        let url = request.url().clone();

        let mut schedule = shared.retry.schedule();
        let mut template = Some(request);
        let mut attempts = 0u32;
        let mut refreshed = false;
        let mut next_bearer: Option<Bearer> = None;
        loop {
            let bearer = match next_bearer.take() {
                Some(b) => b,
                None => shared
                    .tokens
                    .token()
                    .await
                    .map_err(|source| SendError::Auth {
                        source: Box::new(source),
                        response: None,
                        client_request_id: client_request_id.clone(),
                    })?,
            };
            let Some(base) = template.as_ref() else {
                unreachable!("the template is only taken for the last attempt")
            };
            let mut req = match base.try_clone() {
                Some(r) => r,
                // A body that cannot be cloned can be sent once.
                None => template.take().expect("present"),
            };
            req.headers_mut()
                .insert(AUTHORIZATION, bearer.header.clone());
            if schedule.retries() > 0 {
                req.headers_mut()
                    .insert(RETRY_ATTEMPT, HeaderValue::from(schedule.retries()));
            }
            attempts += 1;
            let span = tracing::info_span!(
                "graph_request",
                operation,
                method = %req.method(),
                path = req.url().path(),
                attempt = attempts,
                client_request_id = %client_request_id,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let outcome = if span.is_disabled() {
                self.attempt(req, idempotent).await
            } else {
                self.attempt(req, idempotent).instrument(span.clone()).await
            };
            let elapsed = started.elapsed().as_millis() as u64;
            span.record("duration_ms", elapsed);
            if let Ok(response) = &outcome {
                self.note_answer(response, &span, elapsed);
                if response.status() == 401 && !refreshed && template.is_some() {
                    refreshed = true;
                    match self.reauthenticate(response, &bearer, &span).await {
                        Ok(Some(fresh)) => {
                            next_bearer = Some(fresh);
                            continue;
                        }
                        Ok(None) => {}
                        Err(source) => {
                            return Err(SendError::Auth {
                                source: Box::new(source),
                                response: outcome.ok().map(Box::new),
                                client_request_id,
                            });
                        }
                    }
                }
            }

            let verdict = {
                let attempt = match &outcome {
                    Ok(r) => Attempt::Answered {
                        status: r.status().as_u16(),
                        headers: r.headers(),
                    },
                    Err(Failure::Transport { sent: false, .. }) => Attempt::NotSent,
                    Err(Failure::Transport { .. }) => Attempt::Lost,
                    Err(Failure::TooLarge { .. }) => Attempt::TooLarge,
                };
                match attempt {
                    Attempt::Answered { status, .. } if returned.contains(&status) => {
                        Verdict::Final {
                            why: "the caller handles this status itself",
                        }
                    }
                    _ => shared.retry.classify(&attempt, idempotent),
                }
            };
            let retryable = matches!(verdict, Verdict::Retry { .. });
            let wait = match verdict {
                Verdict::Retry { retry_after, .. } if template.is_some() => {
                    schedule.next(retry_after)
                }
                Verdict::Retry { .. } => Wait::GiveUp("the request body can be sent only once"),
                Verdict::Final { why } => Wait::GiveUp(why),
            };
            match wait {
                Wait::After(delay) => {
                    span.in_scope(|| match &outcome {
                        Ok(r) => tracing::warn!(
                            status = r.status().as_u16(),
                            delay_ms = delay.as_millis() as u64,
                            "retrying"
                        ),
                        Err(Failure::Transport { source, .. }) => tracing::warn!(
                            error = %source,
                            delay_ms = delay.as_millis() as u64,
                            "retrying after transport error"
                        ),
                        Err(Failure::TooLarge { .. }) => {}
                    });
                    drop(outcome);
                    tokio::time::sleep(delay).await;
                }
                Wait::GiveUp(why) => {
                    if retryable {
                        span.in_scope(|| tracing::debug!(why, "giving up"));
                    }
                    return match outcome {
                        Ok(response) => Ok(Sent {
                            response,
                            attempts,
                            client_request_id,
                            url,
                        }),
                        Err(Failure::Transport { source, .. }) => Err(SendError::Transport {
                            source,
                            attempts,
                            client_request_id,
                        }),
                        Err(Failure::TooLarge { status }) => Err(SendError::TooLarge {
                            status,
                            limit: shared.body_limit,
                            client_request_id,
                        }),
                    };
                }
            }
        }
    }

    /// One HTTP exchange: the request, then the answer's body within the
    /// limit.
    async fn attempt(&self, req: Request, idempotent: bool) -> Result<Response, Failure> {
        let shared = &self.shared;
        let sent_to = if shared.own_http {
            None
        } else {
            Some(req.url().clone())
        };
        let response = shared
            .http
            .execute(req)
            .await
            .map_err(|source| Failure::Transport {
                sent: !source.is_connect(),
                source,
            })?;
        if let Some(to) = sent_to
            && response.url() != &to
        {
            tracing::warn!(
                from = %to,
                to = %response.url(),
                "the HTTP client followed a redirect; give the client one built with redirect::Policy::none()"
            );
        }
        // An accepted action's body is not used: if it breaks off, the
        // acceptance still stands.
        let keep_head = !idempotent && response.status().is_success();
        buffered(response, shared.body_limit, keep_head).await
    }

    /// Records the answer on the span and reads `Preference-Applied`.
    fn note_answer(&self, response: &Response, span: &tracing::Span, elapsed: u64) {
        let shared = &self.shared;
        if shared.prefer_unknown_enum_members {
            let applied = response
                .headers()
                .get_all(&PREFERENCE_APPLIED)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|p| p.trim().eq_ignore_ascii_case(INCLUDE_UNKNOWN_ENUM_MEMBERS));
            let now = if applied { 1 } else { 2 };
            let before = shared.preference_applied.swap(now, Ordering::Relaxed);
            if before != now && !applied {
                tracing::debug!(
                    "the service did not confirm Prefer: include-unknown-enum-members (no Preference-Applied); \
                     members added after unknownFutureValue may arrive as unknownFutureValue"
                );
            }
        }
        if !span.is_disabled() {
            let status = response.status().as_u16();
            let request_id = header_str(response.headers(), &REQUEST_ID);
            span.record("status", status);
            if let Some(r) = &request_id {
                span.record("request_id", r.as_str());
            }
            span.in_scope(|| {
                tracing::debug!(status, request_id, duration_ms = elapsed, "graph answered")
            });
        }
    }

    /// After a 401: a different token to try once more, `None` when trying
    /// again cannot help (a claims challenge, or the credential handed back
    /// the rejected token), or the credential's error.
    async fn reauthenticate(
        &self,
        response: &Response,
        rejected: &Bearer,
        span: &tracing::Span,
    ) -> azure_core::Result<Option<Bearer>> {
        if claims_challenge(response.headers()).is_some() {
            span.in_scope(|| {
                tracing::warn!(
                    "401 with a claims challenge: an azure_core credential cannot be asked for claims; not retrying"
                )
            });
            return Ok(None);
        }
        self.shared.tokens.invalidate(rejected.generation);
        let fresh = self.shared.tokens.token().await?;
        if fresh.header == rejected.header {
            span.in_scope(|| {
                tracing::warn!(
                    "401: the credential returned the token Graph just rejected (it keeps its own cache); not sending it again"
                )
            });
            return Ok(None);
        }
        span.in_scope(|| tracing::info!("401: trying once more with a fresh token"));
        Ok(Some(fresh))
    }

    /// GETs a URL the pipeline already checked and decodes a JSON answer.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        operation: &str,
    ) -> Result<Answer<T>, Error> {
        let request = self
            .shared
            .http
            .request(Method::GET, url)
            .header(ACCEPT, "application/json")
            .build()
            .map_err(|e| Error::Internal(format!("cannot build a GET request: {e}")))?;
        let sent = self
            .send(request, operation, true)
            .await
            .map_err(|e| e.into_error(operation))?;
        let status = sent.response.status().as_u16();
        let headers = sent.response.headers().clone();
        let url = sent.url;
        let body = sent
            .response
            .bytes()
            .await
            .map_err(|source| Error::Transport {
                operation: operation.to_owned(),
                client_request_id: Some(sent.client_request_id.clone()),
                source,
            })?;
        if !(200..300).contains(&status) {
            let cx = ErrorContext::new(operation, sent.attempts, Some(&sent.client_request_id));
            return Err(Error::from_answer(&cx, status, &headers, &body));
        }
        let value = serde_json::from_slice(&body).map_err(|source| {
            let cx = ErrorContext::new(operation, sent.attempts, Some(&sent.client_request_id));
            Error::decode(&cx, status, &headers, &body, source)
        })?;
        Ok(Answer {
            value,
            headers,
            url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: &str = "http://127.0.0.1:8080/beta";

    /// Built once: making the HTTP client loads the platform's roots.
    fn pipeline() -> Pipeline {
        static ONE: std::sync::LazyLock<Pipeline> = std::sync::LazyLock::new(build);
        ONE.clone()
    }

    fn build() -> Pipeline {
        let base_url = Url::parse(BASE).unwrap();
        Pipeline::new(PipelineConfig {
            scope: crate::auth::default_scope(&base_url),
            base_url,
            credential: crate::auth::StaticTokenCredential::new("t"),
            retry: RetryPolicy::default(),
            http: crate::transport::http_client(
                std::time::Duration::from_secs(1),
                std::time::Duration::from_secs(1),
            )
            .unwrap(),
            user_agent: "test".into(),
            prefer_unknown_enum_members: true,
            body_limit: DEFAULT_BODY_LIMIT,
            own_http: true,
        })
    }

    /// What `follow` may return: a URL on the configured origin without
    /// credentials, or one of its two refusals.
    fn check(p: &Pipeline, raw: &str, against: Option<&Url>) -> Result<Option<Url>, TestCaseError> {
        match p.follow("@odata.nextLink", raw, against) {
            Ok(url) => {
                prop_assert_eq!(url.scheme(), "http", "{}", raw);
                prop_assert_eq!(url.host_str(), Some("127.0.0.1"), "{}", raw);
                prop_assert_eq!(url.port_or_known_default(), Some(8080), "{}", raw);
                prop_assert!(
                    url.username().is_empty() && url.password().is_none(),
                    "{}",
                    raw
                );
                prop_assert!(url.as_str().len() <= 3 * MAX_URL_LEN + 64);
                Ok(Some(url))
            }
            Err(Error::ForeignUrl { url, .. }) | Err(Error::UnusableUrl { url, .. }) => {
                prop_assert!(url.len() <= crate::error::URL_LIMIT + 64);
                Ok(None)
            }
            Err(other) => Err(TestCaseError::fail(format!("{raw:?}: {other}"))),
        }
    }

    #[test]
    fn the_origin_check_by_example() {
        let p = pipeline();
        let ok = |raw: &str| p.follow("Location", raw, None).is_ok();
        assert!(ok("http://127.0.0.1:8080/beta/x"));
        assert!(ok("HTTP://127.0.0.1:8080/beta/x"));
        assert!(ok("/beta/x"));
        for foreign in [
            "http://127.0.0.1:8081/beta/x",
            "https://127.0.0.1:8080/beta/x",
            "http://localhost:8080/beta/x",
            "http://127.0.0.1.evil.example:8080/",
            "//evil.example/x",
            "http://127.0.0.1:8080@evil.example/",
        ] {
            assert!(
                matches!(
                    p.follow("Location", foreign, None),
                    Err(Error::ForeignUrl { .. })
                ),
                "{foreign}"
            );
        }
        for unusable in ["", " ", "http://u:p@127.0.0.1:8080/beta/x", "http://[::1"] {
            assert!(
                matches!(
                    p.follow("Location", unusable, None),
                    Err(Error::UnusableUrl { .. })
                ),
                "{unusable:?}"
            );
        }
        let request = Url::parse("http://127.0.0.1:8080/beta/a/b/action").unwrap();
        assert_eq!(
            p.follow("Location", "../op", Some(&request))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/beta/a/op"
        );
    }

    proptest! {
        #[test]
        fn any_text_is_followed_only_to_the_configured_origin(raw in any::<String>()) {
            check(&pipeline(), &raw, None)?;
        }

        #[test]
        fn urls_made_of_hostile_parts_stay_on_the_origin(
            scheme in prop::sample::select(vec!["http", "HTTP", "https", "ftp", "file", "javascript", "data", ""]),
            userinfo in prop::option::of("[a-z0-9:@%.]{0,10}"),
            host in prop_oneof![
                Just("127.0.0.1".to_owned()),
                Just("localhost".to_owned()),
                Just("[::1]".to_owned()),
                Just("[::ffff:127.0.0.1]".to_owned()),
                Just("2130706433".to_owned()),
                Just("0x7f.0.0.1".to_owned()),
                "[a-z0-9.-]{0,6}127\\.0\\.0\\.1[a-z0-9.-]{0,6}",
                "[a-z]{1,8}\\.example",
            ],
            port in prop::option::of(prop_oneof![Just(8080u16), any::<u16>()]),
            path in "(/[a-zA-Z0-9%.()'_~-]{0,10}){0,5}",
            query in prop::option::of("[a-zA-Z0-9%$=&._-]{0,20}"),
        ) {
            let mut raw = String::new();
            if !scheme.is_empty() {
                raw.push_str(scheme);
                raw.push(':');
            }
            raw.push_str("//");
            if let Some(u) = &userinfo {
                raw.push_str(u);
                raw.push('@');
            }
            raw.push_str(&host);
            if let Some(p) = port {
                raw.push_str(&format!(":{p}"));
            }
            raw.push_str(&path);
            if let Some(q) = &query {
                raw.push('?');
                raw.push_str(q);
            }
            let followed = check(&pipeline(), &raw, None)?;
            let plain = scheme.eq_ignore_ascii_case("http") || scheme.is_empty();
            if plain && userinfo.is_none() && host == "127.0.0.1" && port == Some(8080) {
                prop_assert!(followed.is_some(), "{} was refused", raw);
            }
        }

        #[test]
        fn relative_references_resolve_against_the_request_and_stay(
            rel in "[a-zA-Z0-9./?=&()'%:@_~-]{0,40}",
            depth in 0usize..4,
        ) {
            let request = Url::parse(&format!("{BASE}{}", "/seg".repeat(depth))).unwrap();
            check(&pipeline(), &rel, Some(&request))?;
        }
    }
}
