//! Graph's answer shapes: the ids every answer carries, the ODataError body,
//! JSON and plain bodies.

use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::faults::RetryAfterForm;
use graph_teams_admin::generated::types::ODataError;

pub(crate) const JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Per-request ids, echoed in headers and in `innerError`.
pub(crate) struct Ctx {
    request_id: String,
    client_request_id: String,
}

impl Ctx {
    pub(crate) fn new(client_request_id: Option<String>) -> Self {
        Self {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: client_request_id
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    pub(crate) fn finish(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        for (name, value) in [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
        response
    }
}

#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<String>,
    challenge: bool,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            challenge: false,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub(crate) fn unauthenticated(message: &str) -> Self {
        Self {
            challenge: true,
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
            )
        }
    }

    pub(crate) fn throttled(status: u16, retry_after: RetryAfterForm) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
        let (code, message) = match status.as_u16() {
            429 => ("TooManyRequests", "Too many requests."),
            503 => (
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please retry later.",
            ),
            504 => ("GatewayTimeout", "The gateway timed out."),
            _ => ("UnknownError", "Injected failure."),
        };
        Self {
            retry_after: retry_after.header_value(),
            ..Self::new(status, code, message)
        }
    }

    pub(crate) fn into_response(self, ctx: &Ctx) -> Response {
        let body = odata_error(ctx, self.code, &self.message);
        let mut response = json_response(self.status, &body);
        if let Some(v) = self
            .retry_after
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"\", error=\"invalid_token\""),
            );
        }
        response
    }
}

pub(crate) fn odata_error(ctx: &Ctx, code: &str, message: &str) -> Value {
    let date = DateTime::<Utc>::from(SystemTime::now())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    // Through the generated model, so the shape is the one clients parse.
    let wire = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": date,
                "request-id": ctx.request_id,
                "client-request-id": ctx.client_request_id,
            },
        },
    });
    match serde_json::from_value::<ODataError>(wire.clone()) {
        Ok(error) => serde_json::to_value(error).unwrap_or(wire),
        Err(_) => wire,
    }
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    bytes_response(status, JSON, body.to_string())
}

pub(crate) fn bytes_response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response {
    let mut response = Response::new(Body::from(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

pub(crate) fn with_context(base: &str, context: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(
        "@odata.context".into(),
        Value::String(format!("{base}/$metadata#{context}")),
    );
    if let Value::Object(fields) = value {
        map.extend(fields);
    }
    Value::Object(map)
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Value {
    let mut value = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("@odata.type");
    }
    value
}
