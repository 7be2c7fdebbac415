//! Room: the bridge. A failed generated call becomes the SDK's [`Error`],
//! using what the hooks recorded in the call's scope.

use super::scope::CallState;
use crate::error::{Error, ErrorContext, GraphError, snippet};
use crate::generated::types::ODataError;

/// Turns a failed generated call into an [`Error`], using what the hooks
/// recorded during the call.
pub(crate) async fn convert(
    operation: &str,
    error: progenitor_client::Error<ODataError>,
    state: &CallState,
) -> Error {
    if let Some(e) = state.take_error() {
        return e;
    }
    let crid = state.client_request_id();
    let cx = ErrorContext::new(operation, state.attempts(), crid.as_deref());
    use progenitor_client::Error as E;
    match error {
        E::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let headers = rv.headers().clone();
            let body = rv.into_inner();
            Error::Graph(Box::new(GraphError::from_answer(
                &cx,
                status,
                &headers,
                Some(&body),
                None,
            )))
        }
        E::InvalidResponsePayload(bytes, source) => match state.status() {
            // An error status whose body is not Graph's error object (a proxy
            // page, an empty body): still a Graph error, with the raw body.
            Some(status) if status >= 400 => {
                let headers = state.error_headers().unwrap_or_default();
                Error::from_answer(&cx, status, &headers, &bytes)
            }
            status => Error::Decode {
                operation: operation.to_owned(),
                status: status.unwrap_or(0),
                request_id: None,
                client_request_id: crid,
                snippet: snippet(&bytes),
                source,
            },
        },
        E::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            Error::from_answer(&cx, status, &headers, &body)
        }
        E::CommunicationError(source)
        | E::ResponseBodyError(source)
        | E::InvalidUpgrade(source) => Error::Transport {
            operation: operation.to_owned(),
            client_request_id: crid,
            source,
        },
        E::InvalidRequest(reason) => Error::InvalidInput {
            argument: "request",
            reason,
        },
        E::Custom(message) => Error::Internal(message),
    }
}
