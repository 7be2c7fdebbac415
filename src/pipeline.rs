//! The request pipeline every call goes through, generated or not:
//! origin check, `client-request-id`, user agent, bearer token, retries,
//! 401 refresh, tracing. It is the generated client's hook state (progenitor's
//! `inner`), and the poller and pager use it for the URLs they follow.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::TokenCredential;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, Request, Response, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::TokenCache;
use crate::error::{Error, ErrorContext};
use crate::retry::{RetryPolicy, retry_after};

/// `client-request-id`: the id this SDK gives every call, kept across its retries.
pub(crate) const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// `request-id`: Graph's id for the request.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
/// `Retry-Attempt`: which retry this is (1, 2, …).
pub(crate) const RETRY_ATTEMPT: HeaderName = HeaderName::from_static("retry-attempt");
const PREFER: HeaderName = HeaderName::from_static("prefer");

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
}

/// A request that got an answer.
pub(crate) struct Sent {
    pub response: Response,
    pub attempts: u32,
    pub client_request_id: String,
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
        }
    }
}

/// A decoded success answer of a request the pipeline made itself.
pub(crate) struct Answer<T> {
    pub value: T,
    pub headers: HeaderMap,
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
            }),
        }
    }

    /// The base URL without a trailing slash (`https://graph.microsoft.com/beta`).
    pub fn base_url(&self) -> &str {
        &self.shared.base
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

    /// Parses a URL the service handed us (`Location`, `@odata.nextLink`),
    /// relative ones against the base URL, and refuses any other origin.
    pub(crate) fn follow(&self, what: &'static str, raw: &str) -> Result<Url, Error> {
        let url = Url::parse(raw)
            .or_else(|_| self.shared.base_url.join(raw))
            .map_err(|e| Error::InvalidInput {
                argument: what,
                reason: format!("{raw:?} is not a URL: {e}"),
            })?;
        if !self.same_origin(&url) {
            return Err(Error::ForeignUrl {
                what,
                url: url.to_string(),
                expected_origin: self.shared.origin.clone(),
            });
        }
        Ok(url)
    }

    /// [`Self::follow`] for a URL kept as text (an operation's `Location`):
    /// an absolute URL on the configured origin is taken as it is, without
    /// parsing; anything else is parsed and checked.
    pub(crate) fn follow_text(&self, what: &'static str, raw: &str) -> Result<String, Error> {
        let origin = &self.shared.origin;
        if raw.len() > origin.len()
            && raw.starts_with(origin.as_str())
            && raw.as_bytes()[origin.len()] == b'/'
        {
            return Ok(raw.to_owned());
        }
        self.follow(what, raw).map(String::from)
    }

    /// Sends a request: auth, ids, retries. `idempotent` says whether a
    /// transport error after sending may be retried (see [`crate::retry`]).
    pub(crate) async fn send(
        &self,
        mut request: Request,
        operation: &str,
        idempotent: bool,
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
                HeaderValue::from_static("include-unknown-enum-members"),
            );
        }

        let retries = shared.retry.retries();
        let mut template = Some(request);
        let mut attempts = 0u32;
        let mut retries_used = 0u32;
        let mut waited = Duration::ZERO;
        let mut refreshed = false;
        let mut rejected: Option<Response> = None;
        loop {
            let bearer = match shared.tokens.token().await {
                Ok(b) => b,
                Err(source) => {
                    return Err(SendError::Auth {
                        source: Box::new(source),
                        response: rejected.map(Box::new),
                        client_request_id,
                    });
                }
            };
            rejected = None;
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
            if retries_used > 0 {
                req.headers_mut()
                    .insert(RETRY_ATTEMPT, HeaderValue::from(retries_used));
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
            let result = if span.is_disabled() {
                shared.http.execute(req).await
            } else {
                shared.http.execute(req).instrument(span.clone()).await
            };
            let elapsed = started.elapsed().as_millis() as u64;
            span.record("duration_ms", elapsed);
            let can_retry = retries_used < retries && template.is_some();
            match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if !span.is_disabled() {
                        let request_id = header_str(response.headers(), &REQUEST_ID);
                        span.record("status", status);
                        if let Some(r) = &request_id {
                            span.record("request_id", r.as_str());
                        }
                        span.in_scope(|| {
                            tracing::debug!(
                                status,
                                request_id,
                                duration_ms = elapsed,
                                "graph answered"
                            )
                        });
                    }
                    if status == 401 && !refreshed && template.is_some() {
                        refreshed = true;
                        shared.tokens.invalidate(bearer.generation);
                        span.in_scope(|| {
                            tracing::info!("401: refreshing the token and trying once more")
                        });
                        rejected = Some(response);
                        continue;
                    }
                    if shared.retry.retries_status(status) && can_retry {
                        let delay = retry_after(response.headers())
                            .unwrap_or_else(|| shared.retry.backoff(retries_used + 1));
                        if waited + delay <= shared.retry.max_total_wait {
                            drop(response);
                            span.in_scope(|| {
                                tracing::warn!(
                                    status,
                                    delay_ms = delay.as_millis() as u64,
                                    "retrying"
                                )
                            });
                            tokio::time::sleep(delay).await;
                            waited += delay;
                            retries_used += 1;
                            continue;
                        }
                    }
                    return Ok(Sent {
                        response,
                        attempts,
                        client_request_id,
                    });
                }
                Err(source) => {
                    span.in_scope(|| tracing::debug!(error = %source, "no answer"));
                    let not_sent = source.is_connect();
                    if (not_sent || idempotent) && can_retry {
                        let delay = shared.retry.backoff(retries_used + 1);
                        if waited + delay <= shared.retry.max_total_wait {
                            span.in_scope(|| tracing::warn!(error = %source, delay_ms = delay.as_millis() as u64, "retrying after transport error"));
                            tokio::time::sleep(delay).await;
                            waited += delay;
                            retries_used += 1;
                            continue;
                        }
                    }
                    return Err(SendError::Transport {
                        source,
                        attempts,
                        client_request_id,
                    });
                }
            }
        }
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
        Ok(Answer { value, headers })
    }
}
