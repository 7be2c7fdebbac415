//! Room: the bridge between progenitor's generated client and this runtime.
//!
//! Everything that adapts the generated code lives here and nowhere else:
//! - [`hooks`]: progenitor's hook points; every generated request goes
//!   through [`Pipeline::send`](crate::pipeline::Pipeline);
//! - [`scope`]: the per-call task-local the hooks record into (attempts,
//!   ids, a credential failure), since hooks can only return `reqwest`
//!   results;
//! - [`convert`]: a failed generated call into the SDK's one [`Error`];
//! - [`run`] / [`run_action`]: run a generated call inside a scope.
//!
//! It may touch `generated`, `pipeline` and `error`; the facade
//! (`client.rs`) calls only [`run`] and [`run_action`].

mod convert;
mod hooks;
mod scope;

use std::future::Future;

use progenitor_client::ResponseValue;
use reqwest::Url;
use reqwest::header::HeaderMap;

use crate::error::Result;
use crate::generated::types::ODataError;

use convert::convert;
use scope::CallState;

/// What a generated `send()` returns.
pub(crate) type GeneratedResult<T> =
    std::result::Result<ResponseValue<T>, progenitor_client::Error<ODataError>>;

/// Runs a generated call in a call scope and converts its error.
pub(crate) async fn run<T>(
    operation: &'static str,
    call: impl Future<Output = GeneratedResult<T>>,
) -> Result<ResponseValue<T>> {
    Ok(run_at(operation, call).await?.0)
}

/// [`run`], also returning the URL the request went to.
pub(crate) async fn run_at<T>(
    operation: &'static str,
    call: impl Future<Output = GeneratedResult<T>>,
) -> Result<(ResponseValue<T>, Option<Url>)> {
    let (result, state) = scope::scope(call).await;
    match result {
        Ok(v) => Ok((v, state.url())),
        Err(e) => Err(convert(operation, e, &state).await),
    }
}

/// What an action's answer said: its status and headers, and the call's
/// state (the URL the request went to, for a relative `Location`; the
/// attempts and ids, for errors), read only when needed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accepted<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    state: &'a CallState,
}

impl Accepted<'_> {
    /// The URL the request went to.
    pub(crate) fn url(&self) -> Option<Url> {
        self.state.url()
    }

    /// HTTP attempts the call made.
    pub(crate) fn attempts(&self) -> u32 {
        self.state.attempts()
    }

    /// The `client-request-id` that was sent.
    pub(crate) fn client_request_id(&self) -> Option<String> {
        self.state.client_request_id()
    }
}

/// Runs an action whose success has no body; any 2xx is success. Hands
/// the answer's head to `then`.
pub(crate) async fn run_action<R>(
    operation: &'static str,
    call: impl Future<Output = GeneratedResult<()>>,
    then: impl FnOnce(Accepted<'_>) -> R,
) -> Result<R> {
    let (result, state) = scope::scope(call).await;
    let accepted = |status: u16, headers: &HeaderMap| {
        then(Accepted {
            status,
            headers,
            state: &state,
        })
    };
    match result {
        Ok(v) => Ok(accepted(v.status().as_u16(), v.headers())),
        Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_success() => {
            Ok(accepted(r.status().as_u16(), r.headers()))
        }
        Err(e) => Err(convert(operation, e, &state).await),
    }
}
