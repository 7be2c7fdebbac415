//! The control API under `/_emulator/`: outside Graph's paths, no token
//! needed, never faulted, never counted.
//!
//! | route | what |
//! |---|---|
//! | `GET /_emulator` | where things are: base URLs and these routes |
//! | `POST /_emulator/reset` | state back to the seed, counters and request logs zeroed, only the initial token accepted (fault knobs stay) |
//! | `GET /_emulator/faults` | the knobs ([`FaultSettings`] JSON) |
//! | `PUT /_emulator/faults` | set every knob: the ones left out are off (timing back to the start values) |
//! | `PATCH /_emulator/faults` | set only the knobs given (`null` turns an object knob off) |
//! | `DELETE /_emulator/faults` | every knob off (same as `PUT {}`) |
//! | `GET /_emulator/counters` | [`Counters`] |
//! | `GET /_emulator/state` | numbers, operations, policy assignments, users, policies |
//! | `GET /_emulator/users` | the seeded users, with `teamsPhoneLicensed` |
//! | `PATCH /_emulator/users/{id or upn}` | change `teamsPhoneLicensed` / `displayName` |
//! | `POST /_emulator/tokens` | mint another accepted token (`{"token": "…"}` to choose it) |
//! | `POST /_emulator/tokens/expire` | `{"token": "…"}`: from now on that token gets 401 |

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::config::SeedUser;
use super::counters::Counters;
use super::faults::FaultSettings;
use super::handlers::{Shared, lock, user_json};
use super::response::{bytes_response, empty_response, to_json};
use super::state::number_json;

/// The prefix of every control route.
pub(crate) const PREFIX: &str = "/_emulator";

pub(crate) fn is_control(path: &str) -> bool {
    path == PREFIX || path.starts_with("/_emulator/")
}

const CONTROL_JSON: &str = "application/json";

fn ok(value: &Value) -> Response {
    reply(StatusCode::OK, value)
}

fn reply(status: StatusCode, value: &Value) -> Response {
    bytes_response(status, CONTROL_JSON, value.to_string())
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    reply(
        status,
        &json!({ "error": { "code": code, "message": message.into() } }),
    )
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Serves one control request.
pub(crate) async fn handle(shared: &Shared, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let body = match axum::body::to_bytes(request.into_body(), 1 << 20).await {
        Ok(body) => body,
        Err(_) => return bad_request("The request body could not be read."),
    };
    let rest = path
        .strip_prefix(PREFIX)
        .unwrap_or("")
        .trim_end_matches('/');
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let allowed: &[Method] = match segments.as_slice() {
        [] => &[Method::GET],
        ["reset"] => &[Method::POST],
        ["faults"] => &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE],
        ["counters"] | ["state"] | ["users"] => &[Method::GET],
        ["users", _] => &[Method::GET, Method::PATCH],
        ["tokens"] | ["tokens", "expire"] => &[Method::POST],
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("No control route '{path}'. GET {PREFIX} lists them."),
            );
        }
    };
    if !allowed.contains(&method) {
        let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "{method} is not allowed on {path}; use {}.",
                names.join(", ")
            ),
        );
    }
    match (segments.as_slice(), &method) {
        ([], _) => ok(&index(shared)),
        (["reset"], _) => {
            shared.reset();
            empty_response(StatusCode::NO_CONTENT)
        }
        (["faults"], &Method::GET) => ok(&faults_json(shared)),
        (["faults"], &Method::DELETE) => set_faults(shared, shared.baseline_faults(), b"{}"),
        (["faults"], &Method::PUT) => set_faults(shared, shared.baseline_faults(), &body),
        (["faults"], _) => set_faults(shared, shared.faults.settings(), &body),
        (["counters"], _) => ok(&serde_json::to_value(counters(shared)).unwrap_or(Value::Null)),
        (["state"], _) => ok(&state_json(shared)),
        (["users"], _) => {
            let users: Vec<Value> = lock(&shared.state)
                .users
                .iter()
                .map(seed_user_json)
                .collect();
            ok(&json!({ "value": users }))
        }
        (["users", key], &Method::GET) => match lock(&shared.state).user(key) {
            Some(user) => ok(&seed_user_json(user)),
            None => no_user(key),
        },
        (["users", key], _) => patch_user(shared, key, &body),
        (["tokens"], _) => mint_token(shared, &body),
        (["tokens", "expire"], _) => expire_token(shared, &body),
        _ => error(StatusCode::NOT_FOUND, "NotFound", "No such control route."),
    }
}

fn index(shared: &Shared) -> Value {
    json!({
        "baseUrl": format!("{}/beta", shared.origin),
        "v1BaseUrl": format!("{}/v1.0", shared.origin),
        "foreignBaseUrl": format!("{}/beta", shared.foreign_origin),
        "controlUrl": format!("{}{PREFIX}", shared.origin),
        "routes": [
            "GET /_emulator",
            "POST /_emulator/reset",
            "GET /_emulator/faults",
            "PUT /_emulator/faults",
            "PATCH /_emulator/faults",
            "DELETE /_emulator/faults",
            "GET /_emulator/counters",
            "GET /_emulator/state",
            "GET /_emulator/users",
            "GET /_emulator/users/{id or userPrincipalName}",
            "PATCH /_emulator/users/{id or userPrincipalName}",
            "POST /_emulator/tokens",
            "POST /_emulator/tokens/expire",
        ],
    })
}

fn faults_json(shared: &Shared) -> Value {
    serde_json::to_value(shared.faults.settings()).unwrap_or(Value::Null)
}

/// `base` with the top-level members of the JSON object `body` replaced.
fn set_faults(shared: &Shared, base: FaultSettings, body: &[u8]) -> Response {
    let patch: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(body) {
            Ok(patch) => patch,
            Err(e) => return bad_request(format!("The body must be a JSON object: {e}")),
        }
    };
    let mut merged = match serde_json::to_value(base) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    merged.extend(patch);
    match serde_json::from_value::<FaultSettings>(Value::Object(merged)) {
        Ok(settings) => {
            shared.faults.apply(&settings);
            ok(&faults_json(shared))
        }
        Err(e) => bad_request(format!("Invalid fault settings: {e}")),
    }
}

/// The counters now (operations that are due are applied first).
pub(crate) fn counters(shared: &Shared) -> Counters {
    let requests = lock(&shared.requests).clone();
    let mut state = lock(&shared.state);
    state.settle(Instant::now());
    let mut counters = Counters {
        requests_total: requests.values().flat_map(BTreeMap::values).sum(),
        requests,
        numbers: state.number_events.clone(),
        ..Counters::default()
    };
    for ((user, policy_type), counts) in &state.policy_events {
        counters
            .policy_assignments
            .entry(user.clone())
            .or_default()
            .insert(policy_type.clone(), *counts);
    }
    counters
}

fn state_json(shared: &Shared) -> Value {
    let now = Instant::now();
    let mut state = lock(&shared.state);
    state.settle(now);
    json!({
        "numbers": state.numbers.values().map(number_json).collect::<Vec<_>>(),
        "operations": state.operations().iter().map(|op| to_json(&op.view(now))).collect::<Vec<_>>(),
        "policyAssignments": state.policy_assignments.iter().map(to_json).collect::<Vec<_>>(),
        "users": state.users.iter().map(seed_user_json).collect::<Vec<_>>(),
        "policies": state.policies.iter().map(|p| json!({
            "policyType": p.policy_type,
            "name": p.name,
            "policyId": p.policy_id,
        })).collect::<Vec<_>>(),
    })
}

fn seed_user_json(user: &SeedUser) -> Value {
    let mut value = user_json(user);
    if let Value::Object(map) = &mut value {
        map.insert("accountType".into(), json!(user.account_type));
        map.insert(
            "teamsPhoneLicensed".into(),
            json!(user.teams_phone_licensed),
        );
    }
    value
}

fn no_user(key: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("No seeded user has the id or userPrincipalName '{key}'."),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserPatch {
    teams_phone_licensed: Option<bool>,
    display_name: Option<String>,
}

fn patch_user(shared: &Shared, key: &str, body: &[u8]) -> Response {
    let patch: UserPatch = match serde_json::from_slice(body) {
        Ok(patch) => patch,
        Err(e) => return bad_request(format!("Invalid user patch: {e}")),
    };
    let mut state = lock(&shared.state);
    let Some(user) = state.user_mut(key) else {
        return no_user(key);
    };
    if let Some(licensed) = patch.teams_phone_licensed {
        user.teams_phone_licensed = licensed;
    }
    if let Some(name) = patch.display_name {
        user.display_name = name;
    }
    ok(&seed_user_json(user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: Option<String>,
}

/// The `token` of an optional `{"token": "…"}` body, or why it is invalid.
fn token_body(body: &[u8]) -> Result<Option<String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<TokenBody>(body)
        .map(|b| b.token)
        .map_err(|e| format!("Invalid token body: {e}"))
}

fn mint_token(shared: &Shared, body: &[u8]) -> Response {
    let token = match token_body(body) {
        Ok(token) => token.unwrap_or_else(super::new_token),
        Err(why) => return bad_request(why),
    };
    if let Err(why) = super::check_token(&token) {
        return bad_request(why);
    }
    lock(&shared.tokens).insert(token.clone(), false);
    reply(StatusCode::CREATED, &json!({ "token": token }))
}

fn expire_token(shared: &Shared, body: &[u8]) -> Response {
    match token_body(body) {
        Ok(Some(token)) => {
            lock(&shared.tokens).insert(token, true);
            empty_response(StatusCode::NO_CONTENT)
        }
        Ok(None) => bad_request("The body must be {\"token\": \"...\"}."),
        Err(why) => bad_request(why),
    }
}
