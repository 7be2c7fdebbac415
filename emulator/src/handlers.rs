//! Request handling: faults, authentication, dispatch and the endpoints.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::RecordedRequest;
use super::config::EmulatorConfig;
use super::config::SeedUser;
use super::faults::{Faults, ThrottleAnswer, duration_header};
use super::query::{self, EntitySet, QueryOptions};
use super::response::{
    ApiError, ApiResult, Ctx, JSON, bytes_response, empty_response, json_response, to_json,
    with_context,
};
use super::routes::{NumberAction, Route, counter_key, route, split_path};
use super::schema::{
    NUMBERS, OPERATIONS, POLICY_DETAILS, USER_ASSIGNMENTS, USER_CONFIGURATIONS, USERS,
};
use super::server::ConnControl;
use super::state::{
    Action, OperationRecord, State, TENANT_ID, b64, normalize_number, number_json, timestamp,
};
use graph_teams_admin::generated::bodies::{
    AssignNumberBody, AssignPolicyBody, Nullable, UnassignNumberBody, UnassignPolicyBody,
    UpdateNumberBody,
};
use graph_teams_admin::generated::types::TeamsPolicyUserAssignment;

const MAX_BODY: usize = 1 << 20;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub state: Mutex<State>,
    pub faults: Faults,
    /// token → expired
    pub tokens: Mutex<HashMap<String, bool>>,
    /// The token accepted from the start (valid again after a reset).
    pub token: String,
    pub log: Mutex<Vec<RecordedRequest>>,
    pub foreign_log: Mutex<Vec<RecordedRequest>>,
    /// `METHOD /version/template` → status (or `reset`) → count.
    pub requests: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    /// `http://127.0.0.1:<port>` of the main host.
    pub origin: String,
    /// `http://127.0.0.1:<port>` of the foreign host.
    pub foreign_origin: String,
    /// Port of the foreign host.
    pub foreign_port: u16,
    /// Bound to `0.0.0.0`/`::`: URLs follow the request's `Host`.
    pub unspecified: bool,
}

impl Shared {
    fn count(&self, key: String, status: &str) {
        *lock(&self.requests)
            .entry(key)
            .or_default()
            .entry(status.to_owned())
            .or_default() += 1;
    }

    /// State back to the seed, counters and logs cleared, only the initial
    /// token accepted. Fault knobs are left as they are.
    pub(crate) fn reset(&self) {
        *lock(&self.state) = State::new(&self.config);
        lock(&self.requests).clear();
        lock(&self.log).clear();
        lock(&self.foreign_log).clear();
        *lock(&self.tokens) = HashMap::from([(self.token.clone(), false)]);
    }

    /// The knobs as they are at start: everything off, the configured timing.
    pub(crate) fn baseline_faults(&self) -> super::FaultSettings {
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        super::FaultSettings {
            operation_duration_ms: millis(self.config.operation_duration),
            operation_retry_after_ms: self.config.operation_retry_after.map(millis),
            ..super::FaultSettings::default()
        }
    }

    /// The origins to write into URLs for a request with these headers.
    fn origins(&self, request: &Request) -> Origins {
        if self.unspecified {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .or_else(|| request.uri().authority().map(|a| a.to_string()));
            if let Some(host) = host.filter(|h| !h.is_empty()) {
                return Origins {
                    main: format!("http://{host}"),
                    foreign: format!("http://{}:{}", hostname(&host), self.foreign_port),
                };
            }
        }
        Origins {
            main: self.origin.clone(),
            foreign: self.foreign_origin.clone(),
        }
    }
}

/// `name:port` / `[::1]:port` / `name` → the name part.
fn hostname(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// `http://host:port` of the main and the foreign host, as the client sees them.
struct Origins {
    main: String,
    foreign: String,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn record(request: &Request) -> RecordedRequest {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    RecordedRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        authorization: header("authorization"),
        client_request_id: header("client-request-id"),
        retry_attempt: header("retry-attempt"),
        at: Instant::now(),
    }
}

enum Reply {
    Respond(Response),
    /// Drop the connection without an answer.
    Reset,
}

/// Drops the connection; never returns while the connection lives.
async fn reset(control: Option<&ConnControl>, ctx: &Ctx) -> Response {
    match control {
        Some(control) => {
            control.reset();
            std::future::pending::<()>().await;
            unreachable!("the connection is dropped with this future")
        }
        None => ctx.finish(
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UnknownError",
                "connection reset requested outside a connection",
            )
            .into_response(ctx),
        ),
    }
}

/// The main host: the control API under `/_emulator/` (no faults, not
/// logged, not counted), Graph everywhere else.
pub(crate) async fn main_handler(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
) -> Response {
    if super::control::is_control(request.uri().path()) {
        return super::control::handle(&shared, request).await;
    }
    let control = request.extensions().get::<ConnControl>().cloned();
    let recorded = record(&request);
    let key = counter_key(&recorded.method, &recorded.path);
    let ctx = Ctx::new(recorded.client_request_id.clone());
    lock(&shared.log).push(recorded);

    if shared.faults.take_reset() {
        shared.count(key, "reset");
        return reset(control.as_ref(), &ctx).await;
    }
    if let Some(delay) = shared.faults.take_slow() {
        tokio::time::sleep(delay).await;
    }
    let response = match handle(&shared, request).await {
        Ok(Reply::Respond(response)) => response,
        Ok(Reply::Reset) => {
            shared.count(key, "reset");
            return reset(control.as_ref(), &ctx).await;
        }
        Err(error) => error.into_response(&ctx),
    };
    shared.count(key, response.status().as_str());
    ctx.finish(response)
}

/// The foreign host: records everything, answers operation polls (so a
/// client that follows a foreign `Location` gets a plausible answer) and 404
/// otherwise. No authentication.
pub(crate) async fn foreign_handler(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
) -> Response {
    let recorded = record(&request);
    let ctx = Ctx::new(recorded.client_request_id.clone());
    lock(&shared.foreign_log).push(recorded);
    let answer = (|| {
        let (version, segments) = split_path(request.uri().path())?;
        match (request.method(), route(&segments)?) {
            (&Method::GET, Route::Operation(id)) => {
                let base = format!("{}/{version}", shared.origin);
                get_operation(&shared, &base, &id, None)
            }
            _ => Err(ApiError::not_found(
                "This host does not serve that resource.",
            )),
        }
    })();
    ctx.finish(answer.unwrap_or_else(|e| e.into_response(&ctx)))
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> ApiResult<()> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    if value.is_empty() {
        return Err(ApiError::unauthenticated("Access token is empty."));
    }
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(ApiError::unauthenticated(
                "Access token validation failure: the Authorization header is not a Bearer token.",
            ));
        }
    };
    match lock(&shared.tokens).get(token) {
        Some(false) => Ok(()),
        Some(true) => Err(ApiError::unauthenticated(
            "Lifetime validation failed, the token is expired.",
        )),
        None => Err(ApiError::unauthenticated(
            "Access token validation failure. Invalid audience.",
        )),
    }
}

async fn handle(shared: &Shared, request: Request) -> ApiResult<Reply> {
    if let Some(ThrottleAnswer {
        status,
        retry_after,
    }) = shared.faults.take_throttle()
    {
        return Err(ApiError::throttled(status, retry_after));
    }
    authenticate(shared, request.headers())?;
    let origins = shared.origins(&request);
    let method = request.method().clone();
    let uri = request.uri().clone();
    let (version, segments) = split_path(uri.path())?;
    let route = route(&segments)?;
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::bad_request("The request body could not be read."))?;
    let is_action = matches!(route, Route::NumberAction(_) | Route::PolicyAction(_));
    let allowed = if is_action { Method::POST } else { Method::GET };
    if method != allowed {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            format!("The HTTP method '{method}' is not allowed on this resource; use {allowed}."),
        ));
    }
    let base = format!("{}/{version}", origins.main);
    let call = Call {
        shared,
        base: &base,
        origins: &origins,
        version: &version,
        query: uri.query(),
    };
    let reply = call.dispatch(route, &body)?;
    if method == Method::GET && shared.faults.take_malformed() {
        let truncated = format!(
            "{{\"@odata.context\":\"{base}/$metadata#admin/teams\",\"value\":[{{\"id\":\"tru"
        );
        return Ok(Reply::Respond(bytes_response(
            StatusCode::OK,
            JSON,
            truncated,
        )));
    }
    Ok(reply)
}

struct Call<'a> {
    shared: &'a Shared,
    base: &'a str,
    origins: &'a Origins,
    version: &'a str,
    query: Option<&'a str>,
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is missing."));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

fn require(value: &str, name: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        Err(ApiError::bad_request(format!(
            "The parameter '{name}' is required and must not be empty."
        )))
    } else {
        Ok(())
    }
}

fn known<T: AsRef<str>>(value: &T, is_known: bool, name: &str) -> ApiResult<()> {
    if is_known {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "The value '{}' is not valid for the parameter '{name}'.",
            value.as_ref()
        )))
    }
}

impl Call<'_> {
    fn options(&self) -> ApiResult<QueryOptions> {
        query::parse(self.query, self.shared.config.max_page_size).map_err(ApiError::bad_request)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        let mut state = lock(&self.shared.state);
        state.settle(Instant::now());
        state
    }

    fn dispatch(&self, route: Route, body: &[u8]) -> ApiResult<Reply> {
        let response = match route {
            Route::AdminRoot => self.entity("admin/teams/$entity", json!({ "id": TENANT_ID }))?,
            Route::PolicyRoot => {
                self.entity("admin/teams/policy/$entity", json!({ "id": "policy" }))?
            }
            Route::NumberManagementRoot => self.entity(
                "admin/teams/telephoneNumberManagement/$entity",
                json!({ "id": "telephoneNumberManagement" }),
            )?,
            Route::GetPolicyId { policy_type, name } => self.get_policy_id(&policy_type, &name)?,
            Route::UserAssignments => {
                let items = self.user_assignments();
                self.list(
                    "admin/teams/policy/userAssignments",
                    items,
                    &USER_ASSIGNMENTS,
                    false,
                )?
            }
            Route::UserAssignmentsCount => {
                self.count(self.user_assignments(), &USER_ASSIGNMENTS)?
            }
            Route::UserAssignment(id) => {
                let item = self
                    .user_assignments()
                    .into_iter()
                    .find(|a| a["id"] == id.as_str());
                self.item(
                    "admin/teams/policy/userAssignments/$entity",
                    item,
                    &USER_ASSIGNMENTS,
                    || format!("No policy user assignment has the id '{id}'."),
                )?
            }
            Route::PolicyAction(assign) => self.policy_action(assign, body)?,
            Route::Numbers => {
                let items = self.numbers();
                self.list(
                    "admin/teams/telephoneNumberManagement/numberAssignments",
                    items,
                    &NUMBERS,
                    true,
                )?
            }
            Route::NumbersCount => self.count(self.numbers(), &NUMBERS)?,
            Route::Number(id) => {
                let item = self.state().number_by_id(&id).map(number_json);
                self.item(
                    "admin/teams/telephoneNumberManagement/numberAssignments/$entity",
                    item,
                    &NUMBERS,
                    || format!("No numberAssignment has the id '{id}'."),
                )?
            }
            Route::NumberAction(NumberAction::Update) => self.update_number(body)?,
            Route::NumberAction(action) => return self.number_action(action, body),
            Route::Operations => {
                let items = self.operations();
                self.list(
                    "admin/teams/telephoneNumberManagement/operations",
                    items,
                    &OPERATIONS,
                    false,
                )?
            }
            Route::OperationsCount => self.count(self.operations(), &OPERATIONS)?,
            Route::Operation(id) => {
                let options = self.options()?;
                options.only(&["select"]).map_err(ApiError::bad_request)?;
                get_operation(self.shared, self.base, &id, Some(&options))?
            }
            Route::UserConfigurations => {
                let items = self.user_configurations();
                self.list(
                    "admin/teams/userConfigurations",
                    items,
                    &USER_CONFIGURATIONS,
                    false,
                )?
            }
            Route::UserConfigurationsCount => {
                self.count(self.user_configurations(), &USER_CONFIGURATIONS)?
            }
            Route::UserConfiguration(id) => {
                let item = self
                    .user_configurations()
                    .into_iter()
                    .find(|u| u["id"] == id.as_str());
                self.item(
                    "admin/teams/userConfigurations/$entity",
                    item,
                    &USER_CONFIGURATIONS,
                    || format!("No Teams user configuration has the id '{id}'."),
                )?
            }
            Route::UserConfigurationUser(id) => {
                let user = lock(&self.shared.state).user_by_id(&id).cloned();
                let user = user.ok_or_else(|| {
                    ApiError::not_found(format!("No Teams user configuration has the id '{id}'."))
                })?;
                self.user(&user, true)?
            }
            Route::User(key) => {
                let user = lock(&self.shared.state).user(&key).cloned();
                let user = user.ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "Request_ResourceNotFound",
                        format!(
                            "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
                        ),
                    )
                })?;
                self.user(&user, false)?
            }
        };
        Ok(Reply::Respond(response))
    }

    fn numbers(&self) -> Vec<Value> {
        self.state().numbers.values().map(number_json).collect()
    }

    /// A `microsoft.graph.user`: Graph's default properties, or exactly the
    /// `$select`ed ones (the context then names them).
    fn user(&self, user: &SeedUser, typed: bool) -> ApiResult<Response> {
        let options = self.options()?;
        options.only(&["select"]).map_err(ApiError::bad_request)?;
        let mut value = user_json(user);
        let context = match &options.select {
            Some(select) if !select.iter().any(|p| p == "*") => {
                value = options
                    .project(&USERS, value)
                    .map_err(ApiError::bad_request)?;
                format!("users({})/$entity", select.join(","))
            }
            _ => {
                if let Value::Object(map) = &mut value {
                    for extra in USER_NOT_DEFAULT {
                        map.remove(*extra);
                    }
                }
                "users/$entity".to_owned()
            }
        };
        if typed && let Value::Object(map) = &mut value {
            map.insert("@odata.type".into(), json!("#microsoft.graph.user"));
        }
        Ok(json_response(
            StatusCode::OK,
            &with_context(self.base, &context, value),
        ))
    }

    fn operations(&self) -> Vec<Value> {
        let state = self.state();
        let now = Instant::now();
        state
            .operations()
            .iter()
            .map(|op| to_json(&op.view(now)))
            .collect()
    }

    fn user_configurations(&self) -> Vec<Value> {
        let state = self.state();
        state
            .users
            .iter()
            .map(|u| {
                let mut value = to_json(&state.user_configuration(u));
                if let Value::Object(map) = &mut value {
                    map.remove("user"); // a navigation property: only with $expand
                }
                value
            })
            .collect()
    }

    fn user_assignments(&self) -> Vec<Value> {
        self.state()
            .policy_assignments
            .iter()
            .map(to_json)
            .collect()
    }

    fn entity(&self, context: &str, value: Value) -> ApiResult<Response> {
        self.options()?
            .only(&["select"])
            .map_err(ApiError::bad_request)?;
        Ok(json_response(
            StatusCode::OK,
            &with_context(self.base, context, value),
        ))
    }

    fn item(
        &self,
        context: &str,
        item: Option<Value>,
        set: &EntitySet,
        missing: impl FnOnce() -> String,
    ) -> ApiResult<Response> {
        let options = self.options()?;
        options.only(&["select"]).map_err(ApiError::bad_request)?;
        let item = item.ok_or_else(|| ApiError::not_found(missing()))?;
        let item = options.project(set, item).map_err(ApiError::bad_request)?;
        Ok(json_response(
            StatusCode::OK,
            &with_context(self.base, context, item),
        ))
    }

    fn count(&self, items: Vec<Value>, set: &EntitySet) -> ApiResult<Response> {
        let options = self.options()?;
        options.only(&["filter"]).map_err(ApiError::bad_request)?;
        let n = options
            .filtered(set, items)
            .map_err(ApiError::bad_request)?
            .len();
        Ok(bytes_response(
            StatusCode::OK,
            "text/plain;charset=utf-8",
            n.to_string(),
        ))
    }

    fn list(
        &self,
        context: &str,
        items: Vec<Value>,
        set: &EntitySet,
        next_links: bool,
    ) -> ApiResult<Response> {
        let options = self.options()?;
        let bad = ApiError::bad_request;
        options.check_select(set).map_err(bad)?;
        let items = options.filtered(set, items).map_err(bad)?;
        let total = items.len() as u64;
        let offset = options.offset().map_err(bad)?;
        let top = options.top.unwrap_or(self.shared.config.default_page_size);
        let page = items
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(top).unwrap_or(usize::MAX))
            .map(|item| options.project(set, item))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let mut body = Map::new();
        body.insert(
            "@odata.context".into(),
            Value::String(format!("{}/$metadata#{context}", self.base)),
        );
        if options.count {
            body.insert("@odata.count".into(), Value::from(total));
        }
        let (link_mode, repeat) = self.shared.faults.paging_modes();
        if next_links && link_mode && top > 0 {
            let next = if repeat {
                (total > top).then_some(top)
            } else {
                (offset + top < total).then_some(offset + top)
            };
            if let Some(next) = next {
                body.insert(
                    "@odata.nextLink".into(),
                    Value::String(format!(
                        "{}/{context}?{}",
                        self.base,
                        options.next_query(next)
                    )),
                );
            }
        }
        body.insert("value".into(), Value::Array(page));
        Ok(json_response(StatusCode::OK, &Value::Object(body)))
    }

    fn get_policy_id(&self, policy_type: &str, name: &str) -> ApiResult<Response> {
        let wanted = name.strip_prefix("Tag:").unwrap_or(name);
        let items: Vec<Value> = lock(&self.shared.state)
            .policies
            .iter()
            .filter(|p| p.policy_type.eq_ignore_ascii_case(policy_type))
            .filter(|p| p.name.eq_ignore_ascii_case(wanted))
            .map(|p| {
                json!({
                    "id": p.policy_id,
                    "name": format!("Tag:{}", p.name),
                    "policyId": p.policy_id,
                })
            })
            .collect();
        if items.is_empty() {
            return Err(ApiError::not_found(format!(
                "No policy of type '{policy_type}' is named '{name}'."
            )));
        }
        self.list(
            "Collection(microsoft.graph.teamsAdministration.policyIdentifierDetail)",
            items,
            &POLICY_DETAILS,
            false,
        )
    }

    fn policy_action(&self, assign: bool, body: &[u8]) -> ApiResult<Response> {
        let items: Vec<TeamsPolicyUserAssignment> = if assign {
            parse_body::<AssignPolicyBody>(body)?.value
        } else {
            parse_body::<UnassignPolicyBody>(body)?.value
        };
        if items.is_empty() {
            return Err(ApiError::bad_request(
                "The parameter 'value' must not be empty.",
            ));
        }
        for (i, item) in items.iter().enumerate() {
            let mut required = vec![("userId", &item.user_id), ("policyType", &item.policy_type)];
            if assign {
                required.push(("policyId", &item.policy_id));
            }
            for (name, field) in required {
                if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
                    return Err(ApiError::bad_request(format!(
                        "value[{i}].{name} is required."
                    )));
                }
            }
        }
        let mut state = lock(&self.shared.state);
        if assign {
            state.assign_policies(&items);
        } else {
            state.unassign_policies(&items);
        }
        Ok(empty_response(StatusCode::NO_CONTENT))
    }

    fn update_number(&self, body: &[u8]) -> ApiResult<Response> {
        let body: UpdateNumberBody = parse_body(body)?;
        require(&body.telephone_number, "telephoneNumber")?;
        let number = normalize_number(&body.telephone_number);
        let mut state = self.state();
        state.update(&body).map_err(|()| {
            ApiError::not_found(format!(
                "Telephone number '{number}' is not in the tenant's telephone number inventory."
            ))
        })?;
        Ok(empty_response(StatusCode::OK))
    }

    fn number_action(&self, action: NumberAction, body: &[u8]) -> ApiResult<Reply> {
        let now = Instant::now();
        if let Err(retry_after) = self.shared.faults.admit_action(now) {
            return Err(ApiError::throttled(429, retry_after));
        }
        let (action, number, prefix) = match action {
            NumberAction::Assign => {
                let body: AssignNumberBody = parse_body(body)?;
                require(&body.telephone_number, "telephoneNumber")?;
                require(&body.assignment_target_id, "assignmentTargetId")?;
                known(&body.number_type, body.number_type.is_known(), "numberType")?;
                if let Nullable::Value(category) = &body.assignment_category {
                    known(category, category.is_known(), "assignmentCategory")?;
                }
                let number = normalize_number(&body.telephone_number);
                (Action::Assign(body), number, "Assignment")
            }
            _ => {
                let body: UnassignNumberBody = parse_body(body)?;
                require(&body.telephone_number, "telephoneNumber")?;
                known(&body.number_type, body.number_type.is_known(), "numberType")?;
                let number = normalize_number(&body.telephone_number);
                (Action::Unassign(body), number, "Unassignment")
            }
        };
        let id = b64(&format!("{prefix}|{}", uuid::Uuid::new_v4()));
        let (duration, retry_after) = self.shared.faults.timing();
        let record = OperationRecord {
            id: id.clone(),
            action,
            telephone_number: number,
            accepted_at: now,
            created_date_time: timestamp(SystemTime::now()),
            duration,
            never_finishes: self.shared.faults.stay_running(),
            base: self.base.to_owned(),
            outcome: None,
        };
        {
            self.state().accept(record, now);
        }
        if self.shared.faults.take_reset_after_processing() {
            return Ok(Reply::Reset);
        }
        let origin = if self.shared.faults.foreign_location_on() {
            &self.origins.foreign
        } else {
            &self.origins.main
        };
        let location = format!(
            "{origin}/{}/admin/teams/telephoneNumberManagement/operations('{id}')",
            self.version
        );
        let mut response = empty_response(StatusCode::ACCEPTED);
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, v);
        }
        if let Some(retry) = retry_after
            && let Ok(v) = HeaderValue::from_str(&duration_header(retry))
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        Ok(Reply::Respond(response))
    }
}

/// GET one operation (main and foreign host).
fn get_operation(
    shared: &Shared,
    base: &str,
    id: &str,
    options: Option<&QueryOptions>,
) -> ApiResult<Response> {
    let now = Instant::now();
    let (view, is_final) = {
        let mut state = lock(&shared.state);
        state.settle(now);
        let op = state.operation(id).ok_or_else(|| {
            ApiError::not_found(format!("No telephone number operation has the id '{id}'."))
        })?;
        (op.view(now), op.is_final())
    };
    let mut value = to_json(&view);
    if let Some(options) = options {
        value = options
            .project(&OPERATIONS, value)
            .map_err(ApiError::bad_request)?;
    }
    let mut response = json_response(
        StatusCode::OK,
        &with_context(
            base,
            "admin/teams/telephoneNumberManagement/operations/$entity",
            value,
        ),
    );
    if !is_final
        && let Some(retry) = shared.faults.timing().1
        && let Ok(v) = HeaderValue::from_str(&duration_header(retry))
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(response)
}

/// Properties of [`user_json`] that Graph sends only when `$select`ed.
const USER_NOT_DEFAULT: &[&str] = &["accountEnabled", "usageLocation", "userType"];

/// A seeded user as a `microsoft.graph.user` (every property [`USERS`] knows).
pub(crate) fn user_json(user: &SeedUser) -> Value {
    let mut words = user.display_name.split_whitespace();
    let given = words.next();
    let surname: Vec<&str> = words.collect();
    let is_user = user.account_type == graph_teams_admin::generated::enums::AccountType::User;
    json!({
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": if is_user { given } else { None },
        "jobTitle": null,
        "mail": user.user_principal_name,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": if is_user { Some("en-US") } else { None },
        "surname": if is_user && !surname.is_empty() { Some(surname.join(" ")) } else { None },
        "userPrincipalName": user.user_principal_name,
        "id": user.id,
        "accountEnabled": is_user,
        "usageLocation": "US",
        "userType": "Member",
    })
}
