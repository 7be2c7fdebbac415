//! Room: the bridge. progenitor's hook points for the generated client: every generated
//! operation goes through [`Pipeline::send`](crate::pipeline::Pipeline).

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::scope as call;
use crate::error::Error;
use crate::generated::{self, operations};
use crate::pipeline::{CLIENT_REQUEST_ID, Pipeline, SendError};
use crate::query;

impl ClientHooks<Pipeline> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        query::join_system_query_options(request.url_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let idempotent = match operations::operation(info.operation_id) {
            Some(meta) => meta.is_idempotent(),
            None => request.method() == reqwest::Method::GET,
        };
        match self
            .inner
            .send(request, info.operation_id, idempotent)
            .await
        {
            Ok(sent) => {
                if sent.response.status().as_u16() >= 300 {
                    call::record_error_headers(sent.response.headers());
                }
                call::record_attempts(
                    sent.attempts,
                    Some(sent.response.status().as_u16()),
                    sent.client_request_id,
                    Some(sent.url),
                );
                Ok(sent.response)
            }
            Err(SendError::Transport {
                source,
                attempts,
                client_request_id,
            }) => {
                call::record_attempts(attempts, None, client_request_id, None);
                Err(source)
            }
            Err(SendError::Auth {
                source,
                response,
                client_request_id,
            }) => {
                let message = source.to_string();
                call::record_error(Error::Auth {
                    operation: info.operation_id.to_owned(),
                    client_request_id: Some(client_request_id.clone()),
                    source,
                });
                Ok(response.map(|r| *r).unwrap_or_else(|| {
                    synthetic_answer(
                        http::StatusCode::UNAUTHORIZED,
                        "clientAuthenticationFailed",
                        &format!("no request was sent: the credential could not produce a token: {message}"),
                        &client_request_id,
                    )
                }))
            }
            Err(e @ SendError::TooLarge { .. }) => {
                let error = e.into_error(info.operation_id);
                let message = error.to_string();
                let crid = error.client_request_id().unwrap_or_default().to_owned();
                call::record_error(error);
                Ok(synthetic_answer(
                    http::StatusCode::BAD_GATEWAY,
                    "responseTooLarge",
                    &message,
                    &crid,
                ))
            }
        }
    }
}

/// The hooks can only return an HTTP answer; when the pipeline has a typed
/// error instead (no token could be had, the answer was too large), the
/// generated code gets an answer in Graph's error shape made here (a facade
/// call reports the typed error recorded in its scope instead).
fn synthetic_answer(
    status: http::StatusCode,
    code: &str,
    message: &str,
    client_request_id: &str,
) -> reqwest::Response {
    let body = serde_json::json!({
        "error": { "code": code, "message": message }
    });
    let mut response = http::Response::new(body.to_string());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(client_request_id) {
        response.headers_mut().insert(CLIENT_REQUEST_ID, v);
    }
    reqwest::Response::from(response)
}
