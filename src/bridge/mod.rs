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
use reqwest::header::HeaderMap;

use crate::error::Result;
use crate::generated::types::ODataError;

use convert::convert;

/// What a generated `send()` returns.
pub(crate) type GeneratedResult<T> =
    std::result::Result<ResponseValue<T>, progenitor_client::Error<ODataError>>;

/// Runs a generated call in a call scope and converts its error.
pub(crate) async fn run<T>(
    operation: &'static str,
    call: impl Future<Output = GeneratedResult<T>>,
) -> Result<ResponseValue<T>> {
    let (result, state) = scope::scope(call).await;
    match result {
        Ok(v) => Ok(v),
        Err(e) => Err(convert(operation, e, &state).await),
    }
}

/// Runs an action whose success has no body; any 2xx is success. Returns
/// the answer's headers.
pub(crate) async fn run_action<R>(
    operation: &'static str,
    call: impl Future<Output = GeneratedResult<()>>,
    then: impl FnOnce(u16, &HeaderMap) -> R,
) -> Result<R> {
    let (result, state) = scope::scope(call).await;
    match result {
        Ok(v) => Ok(then(v.status().as_u16(), v.headers())),
        Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_success() => {
            Ok(then(r.status().as_u16(), r.headers()))
        }
        Err(e) => Err(convert(operation, e, &state).await),
    }
}
