//! The bulk room: one action request of a row, sent through the client's
//! pipeline (auth, ids, transport retries, tracing) with the engine's own
//! `client-request-id` (the one already in the journal), and with `429`
//! and `503` handed back instead of retried: the run's throttle gate
//! handles those. It may touch the pipeline and the generated bodies.

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, Request, Url};

use super::rows::{Action, normalize_number};
use crate::client::Client;
use crate::error::{Error, ErrorContext};
use crate::generated::bodies::{AssignNumberBody, Nullable, UnassignNumberBody, UpdateNumberBody};
use crate::pipeline::{CLIENT_REQUEST_ID, REQUEST_ID, SendError, header_str};

/// Statuses the engine handles itself: the service did not process the
/// request and asks the client to slow down.
pub(crate) const THROTTLING: &[u16] = &[429, 503];

const NUMBERS: &str =
    "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.";
const POLICIES: &str = "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.";

/// What one action request came to.
#[derive(Debug)]
pub(crate) enum Answer {
    /// An HTTP answer (any status).
    Http {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        /// HTTP requests made (the pipeline may repeat one that did not
        /// leave, or a 504).
        attempts: u32,
        /// The URL the request went to.
        url: Url,
    },
    /// No answer. `maybe_sent`: the request may have reached the service.
    Failed {
        error: Error,
        attempts: u32,
        maybe_sent: bool,
    },
}

impl Answer {
    pub(crate) fn attempts(&self) -> u32 {
        match self {
            Answer::Http { attempts, .. } | Answer::Failed { attempts, .. } => *attempts,
        }
    }
}

/// The generated operation name (for tracing and errors), the path under
/// the base URL, and the JSON body.
fn request_parts(action: &Action, user_id: Option<&str>) -> (&'static str, String, Vec<u8>) {
    match action {
        Action::AssignNumber(a) => {
            let mut body = AssignNumberBody::new(
                normalize_number(&a.telephone_number),
                user_id.unwrap_or(&a.user),
                a.number_type.clone(),
            );
            if let Some(c) = &a.assignment_category {
                body = body.assignment_category(c.clone());
            }
            if let Some(l) = &a.location_id {
                body = body.location_id(l.as_str());
            }
            (
                "assign_number",
                format!("{NUMBERS}assignNumber"),
                json(&body),
            )
        }
        Action::UnassignNumber(a) => {
            let body = UnassignNumberBody::new(
                normalize_number(&a.telephone_number),
                a.number_type.clone(),
            );
            (
                "unassign_number",
                format!("{NUMBERS}unassignNumber"),
                json(&body),
            )
        }
        Action::UpdateNumber(a) => {
            let mut body = UpdateNumberBody::new(normalize_number(&a.telephone_number));
            if let Some(l) = &a.location_id {
                body.location_id = Nullable::Value(l.clone());
            }
            if let Some(s) = &a.network_site_id {
                body.network_site_id = Nullable::Value(s.clone());
            }
            if let Some(o) = &a.reverse_number_lookup_options {
                body.reverse_number_lookup_options = Some(o.iter().cloned().map(Some).collect());
            }
            (
                "update_number",
                format!("{NUMBERS}updateNumber"),
                json(&body),
            )
        }
        Action::AssignPolicy(a) => {
            let body = serde_json::json!({ "value": [{
                "@odata.type": "#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment",
                "userId": user_id.unwrap_or(&a.user),
                "policyType": a.policy_type,
                "policyId": a.policy_id,
            }]});
            ("assign_policy", format!("{POLICIES}assign"), json(&body))
        }
        Action::UnassignPolicy(a) => {
            let body = serde_json::json!({ "value": [{
                "@odata.type": "#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment",
                "userId": user_id.unwrap_or(&a.user),
                "policyType": a.policy_type,
            }]});
            (
                "unassign_policy",
                format!("{POLICIES}unassign"),
                json(&body),
            )
        }
    }
}

/// A body as JSON (the bodies serialise infallibly).
fn json<T: serde::Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// The generated operation name of a row's action.
pub(crate) fn operation_name(action: &Action) -> &'static str {
    match action {
        Action::AssignNumber(_) => "assign_number",
        Action::UnassignNumber(_) => "unassign_number",
        Action::UpdateNumber(_) => "update_number",
        Action::AssignPolicy(_) => "assign_policy",
        Action::UnassignPolicy(_) => "unassign_policy",
    }
}

/// Sends the row's action once (as far as throttling goes).
pub(crate) async fn send(
    client: &Client,
    action: &Action,
    user_id: Option<&str>,
    client_request_id: &str,
) -> Answer {
    let (operation, path, body) = request_parts(action, user_id);
    let pipeline = client.pipeline();
    let url = match Url::parse(&format!("{}{path}", pipeline.base_url())) {
        Ok(u) => u,
        Err(e) => {
            return Answer::Failed {
                error: Error::Internal(format!("action URL: {e}")),
                attempts: 0,
                maybe_sent: false,
            };
        }
    };
    let mut request = Request::new(Method::POST, url);
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(client_request_id) {
        headers.insert(CLIENT_REQUEST_ID, v);
    }
    *request.body_mut() = Some(body.into());
    match pipeline
        .send_returning(request, operation, false, THROTTLING)
        .await
    {
        Ok(sent) => {
            let status = sent.response.status().as_u16();
            let headers = sent.response.headers().clone();
            let attempts = sent.attempts;
            let url = sent.url.clone();
            match sent.response.bytes().await {
                Ok(body) => Answer::Http {
                    status,
                    headers,
                    body,
                    attempts,
                    url,
                },
                // The body is already in memory; this cannot fail in
                // practice. The answer's status still counts.
                Err(_) => Answer::Http {
                    status,
                    headers,
                    body: Bytes::new(),
                    attempts,
                    url,
                },
            }
        }
        Err(e) => {
            // A connect or credential failure sends nothing; any other
            // transport failure, or an answer over the body limit (it came
            // from the service), may have been acted on.
            let (attempts, maybe_sent) = match &e {
                SendError::Transport {
                    source, attempts, ..
                } => (*attempts, !source.is_connect()),
                SendError::Auth { .. } => (1, false),
                SendError::TooLarge { .. } => (1, true),
            };
            Answer::Failed {
                error: e.into_error(operation),
                attempts,
                maybe_sent,
            }
        }
    }
}

/// The Graph error of an error answer.
pub(crate) fn graph_error(
    action: &Action,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    attempts: u32,
    client_request_id: &str,
) -> Error {
    let cx = ErrorContext::new(operation_name(action), attempts, Some(client_request_id));
    Error::from_answer(&cx, status, headers, body)
}

/// `request-id` of an answer.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    header_str(headers, &REQUEST_ID)
}

/// The absolute URL of the operation an accepted action points at.
pub(crate) fn location(client: &Client, headers: &HeaderMap, url: &Url) -> Result<String, Error> {
    let value = headers.get(LOCATION).ok_or_else(|| {
        Error::Internal(
            "the service accepted the request (202) but sent no Location to poll".into(),
        )
    })?;
    Ok(client
        .pipeline()
        .follow_header("Location", value, Some(url))?
        .into())
}
