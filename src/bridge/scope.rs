//! Room: the bridge. Per-call state shared between the facade and the hooks.
//!
//! progenitor's hooks see only the request and the operation id, and can
//! return only `reqwest` results. A facade call runs the generated `send()`
//! inside [`scope`]; the hooks record into that scope what the facade needs
//! to build a typed [`Error`]: a credential failure, the number of attempts,
//! the ids of the last answer. Called outside a scope (someone using the
//! generated client directly) the hooks work the same and record nothing.

use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::error::Error;

/// What the hooks learned about one call.
#[derive(Debug, Default)]
pub(crate) struct CallState {
    inner: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    error: Option<Error>,
    attempts: u32,
    status: Option<u16>,
    client_request_id: Option<String>,
    url: Option<reqwest::Url>,
    /// The headers of an error answer (a body that is not Graph's error
    /// object reaches the converter without them).
    error_headers: Option<reqwest::header::HeaderMap>,
}

tokio::task_local! {
    static CALL: Arc<CallState>;
}

/// Runs `fut` with a fresh call state and returns both.
pub(crate) async fn scope<F: Future>(fut: F) -> (F::Output, Arc<CallState>) {
    let state = Arc::new(CallState::default());
    let out = CALL.scope(state.clone(), fut).await;
    (out, state)
}

fn with(f: impl FnOnce(&mut Recorded)) {
    let _ = CALL.try_with(|state| {
        if let Ok(mut r) = state.inner.lock() {
            f(&mut r);
        }
    });
}

/// Records the headers of an error answer.
pub(crate) fn record_error_headers(headers: &reqwest::header::HeaderMap) {
    with(|r| r.error_headers = Some(headers.clone()));
}

/// Records a typed error that the hooks could only report as an HTTP answer.
pub(crate) fn record_error(error: Error) {
    with(|r| r.error = Some(error));
}

/// Records how the request went.
pub(crate) fn record_attempts(
    attempts: u32,
    status: Option<u16>,
    client_request_id: String,
    url: Option<reqwest::Url>,
) {
    with(|r| {
        r.attempts = attempts;
        r.status = status;
        r.client_request_id = Some(client_request_id);
        r.url = url;
    });
}

impl CallState {
    pub(crate) fn take_error(&self) -> Option<Error> {
        self.inner.lock().ok()?.error.take()
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.inner.lock().map(|r| r.attempts).unwrap_or(0)
    }

    pub(crate) fn status(&self) -> Option<u16> {
        self.inner.lock().ok()?.status
    }

    pub(crate) fn client_request_id(&self) -> Option<String> {
        self.inner.lock().ok()?.client_request_id.clone()
    }

    /// The headers of the last answer, when it was an error.
    pub(crate) fn error_headers(&self) -> Option<reqwest::header::HeaderMap> {
        self.inner.lock().ok()?.error_headers.clone()
    }

    /// The URL the last request went to.
    pub(crate) fn url(&self) -> Option<reqwest::Url> {
        self.inner.lock().ok()?.url.clone()
    }
}
