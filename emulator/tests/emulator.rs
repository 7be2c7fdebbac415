//! The emulator over real HTTP on 127.0.0.1, driven with plain `reqwest`.

mod support;

use std::time::{Duration, Instant, SystemTime};

use graph_teams_admin::{AssignmentCategory, AssignmentStatus, LongRunningOperationStatus};
use graph_teams_admin_emulator::{
    Emulator, EmulatorConfig, RateLimit, RetryAfterForm, SEED_LOCATION_ID, SeedPolicy,
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

const NUMBERS: &str = "/admin/teams/telephoneNumberManagement/numberAssignments";
const ASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
const UNASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.unassignNumber";
const UPDATE: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.updateNumber";
const USER: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";
const OTHER_USER: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a02";

struct Api {
    emulator: Emulator,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: EmulatorConfig) -> Self {
        Self {
            emulator: Emulator::start(config).await.expect("emulator starts"),
            http: support::http(),
        }
    }

    async fn fast() -> Self {
        Self::start(EmulatorConfig::default().with_operation_duration(Duration::from_millis(150)))
            .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    async fn get_url(&self, url: &str) -> reqwest::Result<Response> {
        self.http
            .get(url)
            .bearer_auth(self.emulator.token())
            .send()
            .await
    }

    async fn get(&self, path: &str) -> Response {
        self.get_url(&self.url(path)).await.expect("GET answered")
    }

    async fn list(&self, query: &[(&str, &str)]) -> Response {
        self.http
            .get(self.url(NUMBERS))
            .query(query)
            .bearer_auth(self.emulator.token())
            .send()
            .await
            .expect("list answered")
    }

    async fn try_post(&self, path: &str, body: &Value) -> reqwest::Result<Response> {
        self.http
            .post(self.url(path))
            .bearer_auth(self.emulator.token())
            .json(body)
            .send()
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Response {
        self.try_post(path, body).await.expect("POST answered")
    }

    async fn assign(&self, number: &str, target: &str) -> Response {
        self.post(
            ASSIGN,
            &json!({"telephoneNumber": number, "assignmentTargetId": target, "numberType": "directRouting"}),
        )
        .await
    }

    /// Polls a Location until the operation is final.
    async fn wait_final(&self, location: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let op: Value = self.get_url(location).await.unwrap().json().await.unwrap();
            if matches!(op["status"].as_str(), Some("succeeded" | "failed")) {
                return op;
            }
            assert!(Instant::now() < deadline, "operation never finished: {op}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn number(&self, telephone_number: &str) -> Value {
        let filter = format!("telephoneNumber eq '{telephone_number}'");
        let body: Value = self
            .list(&[("$filter", &filter)])
            .await
            .json()
            .await
            .unwrap();
        body["value"][0].clone()
    }
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

async fn error_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn authentication_is_required() {
    let api = Api::fast().await;
    let url = api.url(NUMBERS);

    let none = api
        .http
        .get(&url)
        .header("client-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["client-request-id"], "abc-123");
    assert!(none.headers().contains_key("request-id"));
    let (_, body) = error_of(none).await;
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let inner = &body["error"]["innerError"];
    assert_eq!(inner["client-request-id"], "abc-123");
    let date = inner["date"].as_str().unwrap();
    assert_eq!(date.len(), 19, "no offset, like Graph: {date}");
    assert!(inner["request-id"].as_str().is_some());

    let wrong = api.http.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let ok = api.get(NUMBERS).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        ok.headers().contains_key("client-request-id"),
        "a fresh one when none was sent"
    );

    // Expire the first token; a newly issued one works.
    api.emulator.expire_token(&api.emulator.token());
    let expired = api.get(NUMBERS).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let (_, body) = error_of(expired).await;
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let fresh = api.emulator.issue_token();
    let ok = api.http.get(&url).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    let log = api.emulator.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0].client_request_id.as_deref(), Some("abc-123"));
    assert_eq!(log[0].authorization, None);
    assert_eq!(log[1].authorization.as_deref(), Some("Bearer nope"));
    assert_eq!(
        log[0].path,
        "/beta/admin/teams/telephoneNumberManagement/numberAssignments"
    );
}

#[tokio::test]
async fn assign_then_poll_then_inventory_changed() {
    // Long enough that the first poll surely lands in the notStarted third.
    let api =
        Api::start(EmulatorConfig::default().with_operation_duration(Duration::from_millis(450)))
            .await;
    let number = "+14255550101";

    let accepted = api
        .post(
            ASSIGN,
            &json!({"telephoneNumber": number, "assignmentTargetId": USER, "numberType": "callingPlan",
                    "locationId": "loc-1"}),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    assert!(!accepted.headers().contains_key("retry-after"));
    let loc = location(&accepted);
    let prefix = format!(
        "{}/admin/teams/telephoneNumberManagement/operations('",
        api.emulator.base_url()
    );
    assert!(loc.starts_with(&prefix) && loc.ends_with("')"), "{loc}");
    assert!(accepted.bytes().await.unwrap().is_empty());

    // Operation id: unpadded base64url of Assignment|<uuid>.
    let id = &loc[prefix.len()..loc.len() - 2];
    assert!(!id.contains('='));
    assert!(id.starts_with("QXNzaWdubWVudH"), "{id}");

    let first: Value = api.get_url(&loc).await.unwrap().json().await.unwrap();
    assert_eq!(first["status"], "notStarted");
    assert!(first["createdDateTime"].as_str().unwrap().ends_with('Z'));
    let done = api.wait_final(&loc).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["id"], *id);
    let detail = &done["numbers"][0];
    assert_eq!(detail["status"], "succeeded");
    let resource = detail["resourceLocation"].as_str().unwrap();
    assert!(resource.starts_with(&api.url(NUMBERS)), "{resource}");

    // The same operation in segment form, and the number by its id.
    let by_segment: Value = api
        .get(&format!(
            "/admin/teams/telephoneNumberManagement/operations/{id}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_segment["status"], "succeeded");
    let item: Value = api.get_url(resource).await.unwrap().json().await.unwrap();
    assert_eq!(item["telephoneNumber"], number);
    assert_eq!(item["assignmentTargetId"], USER);
    assert_eq!(item["assignmentStatus"], "userAssigned");
    assert_eq!(item["assignmentCategory"], "primary");
    assert_eq!(item["locationId"], "loc-1");
    assert_eq!(item["activationState"], "activated");

    // The typed view agrees, and the assignment was applied exactly once.
    let snap = api.emulator.snapshot();
    assert_eq!(snap.assign_events.get(number), Some(&1));
    let typed = snap
        .numbers
        .iter()
        .find(|n| n.telephone_number.as_deref() == Some(number))
        .unwrap();
    assert_eq!(
        typed.assignment_status,
        Some(AssignmentStatus::UserAssigned)
    );
    assert_eq!(typed.assignment_category, Some(AssignmentCategory::Primary));
    assert_eq!(snap.operations.len(), 1);
    assert_eq!(
        snap.operations[0].status,
        Some(LongRunningOperationStatus::Succeeded)
    );

    // userConfigurations reflect it.
    let config: Value = api
        .get(&format!("/admin/teams/userConfigurations/{USER}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["telephoneNumbers"],
        json!([{"telephoneNumber": number, "assignmentCategory": "primary"}])
    );

    // Unassign through the short path under /v1.0, never polled: it still
    // applies once it is due (snapshot settles).
    let v1 = format!(
        "{}/v1.0{}/unassignNumber",
        api.emulator.base_url().trim_end_matches("/beta"),
        NUMBERS
    );
    let accepted = api
        .http
        .post(&v1)
        .bearer_auth(api.emulator.token())
        .json(&json!({"telephoneNumber": number, "numberType": "callingPlan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    assert!(
        location(&accepted)
            .contains("/v1.0/admin/teams/telephoneNumberManagement/operations('VW5hc3NpZ25tZW50")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let snap = api.emulator.snapshot();
    assert_eq!(snap.unassign_events.get(number), Some(&1));
    let typed = snap
        .numbers
        .iter()
        .find(|n| n.telephone_number.as_deref() == Some(number))
        .unwrap();
    assert_eq!(typed.assignment_target_id, None);
    assert_eq!(typed.assignment_status, Some(AssignmentStatus::Unassigned));
    assert_eq!(typed.location_id, None);
    // Polling afterwards changes nothing.
    api.wait_final(&location(&accepted)).await;
    assert_eq!(
        api.emulator.snapshot().unassign_events.get(number),
        Some(&1)
    );
}

#[tokio::test]
async fn operations_list_and_retry_after() {
    let api = Api::start({
        let mut config = EmulatorConfig::default();
        config.operation_duration = Duration::from_millis(400);
        config.operation_retry_after = Some(Duration::from_millis(250));
        config
    })
    .await;
    let accepted = api.assign("+14255550100", USER).await;
    assert_eq!(accepted.headers()["retry-after"], "0.25");
    let poll = api.get_url(&location(&accepted)).await.unwrap();
    assert_eq!(poll.headers()["retry-after"], "0.25");
    api.wait_final(&location(&accepted)).await;
    let fin = api.get_url(&location(&accepted)).await.unwrap();
    assert!(!fin.headers().contains_key("retry-after"));

    let list: Value = api
        .get("/admin/teams/telephoneNumberManagement/operations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(values(&list).len(), 1);
    let count = api
        .get("/admin/teams/telephoneNumberManagement/operations/$count")
        .await;
    assert_eq!(count.text().await.unwrap(), "1");
}

#[tokio::test]
async fn failed_operations_say_why() {
    let api = Api::start(EmulatorConfig::default().with_operation_duration(Duration::ZERO)).await;

    // Not in the inventory.
    let op = api
        .wait_final(&location(&api.assign("+19995550000", USER).await))
        .await;
    assert_eq!(op["status"], "failed");
    assert_eq!(op["numbers"][0]["status"], "failed");
    let detail = op["numbers"][0]["statusDetail"].as_str().unwrap();
    assert!(
        detail.contains("is not in the tenant's telephone number inventory"),
        "{detail}"
    );

    // Already assigned to someone else.
    let ok = api
        .wait_final(&location(&api.assign("+14255550102", USER).await))
        .await;
    assert_eq!(ok["status"], "succeeded");
    let op = api
        .wait_final(&location(&api.assign("+14255550102", OTHER_USER).await))
        .await;
    assert_eq!(op["status"], "failed");
    let detail = op["numbers"][0]["statusDetail"].as_str().unwrap();
    assert!(detail.contains("is already assigned to"), "{detail}");
    assert_eq!(api.number("+14255550102").await["assignmentTargetId"], USER);

    // Unassigning a number that is not assigned.
    let unassign = api
        .post(
            UNASSIGN,
            &json!({"telephoneNumber": "+14255550103", "numberType": "directRouting"}),
        )
        .await;
    let op = api.wait_final(&location(&unassign)).await;
    assert_eq!(op["status"], "failed");
    assert!(
        op["numbers"][0]["statusDetail"]
            .as_str()
            .unwrap()
            .contains("not assigned")
    );

    let snap = api.emulator.snapshot();
    assert_eq!(snap.assign_events.get("+14255550102"), Some(&1));
    assert!(snap.unassign_events.is_empty());

    // Bad requests.
    let (status, body) = error_of(
        api.post(ASSIGN, &json!({"telephoneNumber": "+14255550104"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("assignmentTargetId")
    );
    let broken = api
        .http
        .post(api.url(ASSIGN))
        .bearer_auth(api.emulator.token())
        .header("content-type", "application/json")
        .body("{\"telephoneNumber\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let (status, _) = error_of(
        api.post(UNASSIGN, &json!({"numberType": "directRouting"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(api.emulator.snapshot().operations.len(), 4);
}

#[tokio::test]
async fn update_number_three_states() {
    let api = Api::fast().await;
    let number = "+14255550105";
    let update = |body: Value| {
        let api = &api;
        async move {
            let response = api.post(UPDATE, &body).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };

    update(json!({"telephoneNumber": number, "locationId": "L1", "networkSiteId": "S1"})).await;
    let n = api.number(number).await;
    assert_eq!(
        (n["locationId"].as_str(), n["networkSiteId"].as_str()),
        (Some("L1"), Some("S1"))
    );

    // Absent keeps, null keeps.
    update(json!({"telephoneNumber": number})).await;
    update(json!({"telephoneNumber": number, "locationId": null, "networkSiteId": null})).await;
    let n = api.number(number).await;
    assert_eq!(
        (n["locationId"].as_str(), n["networkSiteId"].as_str()),
        (Some("L1"), Some("S1"))
    );

    // "" clears (and only what was sent).
    update(json!({"telephoneNumber": number, "locationId": ""})).await;
    let n = api.number(number).await;
    assert_eq!(n["locationId"], Value::Null);
    assert_eq!(n["networkSiteId"], "S1");

    update(json!({"telephoneNumber": number, "reverseNumberLookupOptions": ["skipInternalVoip"]}))
        .await;
    assert_eq!(
        api.number(number).await["reverseNumberLookupOptions"],
        json!(["skipInternalVoip"])
    );

    let (status, body) = error_of(
        api.post(
            UPDATE,
            &json!({"telephoneNumber": "+19990000000", "locationId": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "NotFound");
}

#[tokio::test]
async fn filters_and_paging() {
    let api = Api::start({
        let mut config = EmulatorConfig::default();
        config.default_page_size = 7;
        config
    })
    .await;
    let count = |query: &'static str| {
        let api = &api;
        async move {
            let response = api.list(&[("$filter", query), ("$top", "100")]).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            values(&response.json().await.unwrap()).len()
        }
    };
    assert_eq!(count("numberType eq 'callingPlan'").await, 7);
    assert_eq!(
        count("numberType eq 'CallingPlan'").await,
        7,
        "enum literals ignore case"
    );
    assert_eq!(count("numberType ne 'callingPlan'").await, 13);
    assert_eq!(count("activationState eq 'activated'").await, 20);
    assert_eq!(count("assignmentStatus eq 'unassigned'").await, 20);
    assert_eq!(count("assignmentCategory eq null").await, 20);
    assert_eq!(count("assignmentTargetId eq null").await, 20);
    assert_eq!(count("isoCountryCode eq 'US'").await, 20);
    assert_eq!(count("telephoneNumber eq '+14255550100'").await, 1);
    assert_eq!(count("startswith(telephoneNumber,'+1425555011')").await, 10);
    assert_eq!(
        count("capabilities/any(c:c eq 'conferenceAssignment')").await,
        5
    );
    assert_eq!(
        count("(numberType eq 'directRouting' or numberType eq 'operatorConnect') and capabilities/any(c:c eq 'conferenceAssignment')").await,
        3
    );
    assert_eq!(count("telephoneNumber eq 'O''Brien'").await, 0);
    let by_location = format!("locationId eq '{SEED_LOCATION_ID}'");
    let response = api.list(&[("$filter", &by_location)]).await;
    assert_eq!(values(&response.json().await.unwrap()).len(), 4);

    // `+` as a space and `%2B` as a plus, written by hand.
    let raw = api
        .get(&format!(
            "{NUMBERS}?$filter=telephoneNumber+eq+%27%2B14255550119%27"
        ))
        .await;
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["value"][0]["telephoneNumber"], "+14255550119");

    // Unsupported filters.
    for bad in [
        "city eq 'Redmond'",
        "telephoneNumber gt '+1'",
        "substringof('1',telephoneNumber)",
        "numberType eq",
        "nope eq 'x'",
    ] {
        let (status, body) = error_of(api.list(&[("$filter", bad)]).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("filter"),
            "{body}"
        );
    }

    // $top / $skip / $count and the default page size.
    let body: Value = api.list(&[]).await.json().await.unwrap();
    assert_eq!(values(&body).len(), 7);
    assert!(body.get("@odata.nextLink").is_none());
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .contains("$metadata#")
    );
    let body: Value = api
        .list(&[("$top", "5"), ("$skip", "18"), ("$count", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["@odata.count"], 20);
    let page = values(&body);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["telephoneNumber"], "+14255550118");
    let (status, _) = error_of(api.list(&[("$top", "1001")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let count = api
        .http
        .get(api.url(&format!("{NUMBERS}/$count")))
        .query(&[("$filter", "numberType eq 'operatorConnect'")])
        .bearer_auth(api.emulator.token())
        .send()
        .await
        .unwrap();
    assert!(
        count.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(count.text().await.unwrap(), "6");

    // $select, and a repeated $select.
    let body: Value = api
        .list(&[("$select", "telephoneNumber,numberType"), ("$top", "2")])
        .await
        .json()
        .await
        .unwrap();
    for item in values(&body) {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["numberType", "telephoneNumber"]);
    }
    let (status, body) = error_of(
        api.list(&[("$select", "telephoneNumber"), ("$select", "city")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("query option $select specified more than once"),
        "{message}"
    );
}

#[tokio::test]
async fn next_link_paging() {
    let api = Api::fast().await;
    api.emulator.faults().next_link_mode(true);
    let mut url = format!(
        "{}?$filter=numberType%20eq%20%27directRouting%27&$top=3",
        api.url(NUMBERS)
    );
    let mut seen = Vec::new();
    for _ in 0..10 {
        let body: Value = api.get_url(&url).await.unwrap().json().await.unwrap();
        seen.extend(
            values(&body)
                .iter()
                .map(|n| n["telephoneNumber"].as_str().unwrap().to_owned()),
        );
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&api.url(NUMBERS)) && next.contains("skiptoken"),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);

    api.emulator.faults().repeat_next_link(true);
    let first: Value = api.list(&[("$top", "5")]).await.json().await.unwrap();
    let link = first["@odata.nextLink"].as_str().unwrap().to_owned();
    let second: Value = api.get_url(&link).await.unwrap().json().await.unwrap();
    assert_eq!(second["@odata.nextLink"].as_str(), Some(link.as_str()));
}

#[tokio::test]
async fn throttling_faults() {
    let api = Api::fast().await;
    let faults = api.emulator.faults();

    faults.throttle_burst(2, 429, RetryAfterForm::Seconds(3));
    for _ in 0..2 {
        let response = api.get(NUMBERS).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "3");
        let (_, body) = error_of(response).await;
        assert_eq!(body["error"]["code"], "TooManyRequests");
    }
    assert_eq!(api.get(NUMBERS).await.status(), StatusCode::OK);

    faults.throttle_burst(1, 503, RetryAfterForm::Date(5));
    let response = api.get(NUMBERS).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let at =
        httpdate::parse_http_date(response.headers()["retry-after"].to_str().unwrap()).unwrap();
    let ahead = at.duration_since(SystemTime::now()).unwrap_or_default();
    assert!(
        ahead > Duration::from_secs(3) && ahead <= Duration::from_secs(5),
        "{ahead:?}"
    );

    faults.throttle_burst(1, 504, RetryAfterForm::Absent);
    let response = api.get(NUMBERS).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(!response.headers().contains_key("retry-after"));

    faults.throttle_burst(
        1,
        429,
        RetryAfterForm::Fractional(Duration::from_millis(1500)),
    );
    assert_eq!(api.get(NUMBERS).await.headers()["retry-after"], "1.5");

    // Sustained: two actions per second, whole seconds rounded up.
    faults.rate_limit(Some(RateLimit::per_second(2)));
    assert_eq!(
        api.assign("+14255550100", USER).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        api.assign("+14255550101", USER).await.status(),
        StatusCode::ACCEPTED
    );
    let limited = api.assign("+14255550102", USER).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "1");
    assert_eq!(
        api.get(NUMBERS).await.status(),
        StatusCode::OK,
        "reads are not limited"
    );

    faults.rate_limit(Some(RateLimit::per_second(1).fractional()));
    assert_eq!(
        api.assign("+14255550103", USER).await.status(),
        StatusCode::ACCEPTED
    );
    let limited = api.assign("+14255550104", USER).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: f64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0.0 && wait <= 1.0, "{wait}");
    faults.rate_limit(None);
    assert_eq!(
        api.assign("+14255550104", USER).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(api.emulator.snapshot().operations.len(), 4);
}

#[tokio::test]
async fn connection_faults() {
    let api = Api::fast().await;
    let faults = api.emulator.faults();

    faults.reset_next(1);
    let error = api
        .get_url(&api.url(NUMBERS))
        .await
        .expect_err("the connection drops");
    assert!(error.status().is_none(), "{error:?}");
    assert_eq!(
        api.get(NUMBERS).await.status(),
        StatusCode::OK,
        "later requests are served"
    );
    assert_eq!(api.emulator.requests().len(), 2);

    // Processed, then dropped: the operation exists and applies.
    faults.reset_after_processing_next(1);
    let body = json!({"telephoneNumber": "+14255550106", "assignmentTargetId": USER, "numberType": "directRouting"});
    let error = api
        .try_post(ASSIGN, &body)
        .await
        .expect_err("the connection drops");
    assert!(error.status().is_none(), "{error:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let snap = api.emulator.snapshot();
    assert_eq!(snap.operations.len(), 1);
    assert_eq!(
        snap.operations[0].status,
        Some(LongRunningOperationStatus::Succeeded)
    );
    assert_eq!(snap.assign_events.get("+14255550106"), Some(&1));

    faults.slow_next(1, Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(api.get(NUMBERS).await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    api.get(NUMBERS).await;
    assert!(started.elapsed() < Duration::from_millis(300));

    faults.malformed_next(1);
    let response = api.get(NUMBERS).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let fine: Value = api.get(NUMBERS).await.json().await.unwrap();
    assert_eq!(values(&fine).len(), 20);
}

#[tokio::test]
async fn operation_faults() {
    let api =
        Api::start(EmulatorConfig::default().with_operation_duration(Duration::from_millis(60)))
            .await;
    let faults = api.emulator.faults();

    faults.operations_stay_running(true);
    let accepted = api.assign("+14255550107", USER).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let op: Value = api
        .get_url(&location(&accepted))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(op["status"], "running");
    assert!(api.emulator.snapshot().assign_events.is_empty());
    faults.operations_stay_running(false);

    faults.foreign_location(true);
    let accepted = api.assign("+14255550108", USER).await;
    let loc = location(&accepted);
    assert!(loc.starts_with(&api.emulator.foreign_base_url()), "{loc}");
    assert_ne!(api.emulator.foreign_base_url(), api.emulator.base_url());
    assert!(api.emulator.foreign_requests().is_empty());
    let response = api.http.get(&loc).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let foreign = api.emulator.foreign_requests();
    assert_eq!(foreign.len(), 1);
    assert_eq!(foreign[0].method, "GET");
    assert_eq!(foreign[0].authorization, None);
    assert!(foreign[0].path.contains("operations("));
    faults.foreign_location(false);
    let accepted = api.assign("+14255550109", USER).await;
    assert!(location(&accepted).starts_with(&api.emulator.base_url()));
}

#[tokio::test]
async fn policies_users_and_roots() {
    let mut config = EmulatorConfig::with_numbers(3);
    config.policies.push(SeedPolicy::new(
        "TeamsMeetingPolicy",
        "All On Spaces",
        "p-spaces",
    ));
    let api = Api::start(config).await;

    let found: Value = api
        .get("/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='TeamsMeetingPolicy',name='AllOn')")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["value"][0]["name"], "Tag:AllOn");
    let policy_id = found["value"][0]["policyId"].as_str().unwrap().to_owned();
    let short: Value = api
        .get("/admin/teams/policy/getPolicyId(type='TeamsMeetingPolicy',name='All%20On%20Spaces')")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(short["value"][0]["policyId"], "p-spaces");
    let missing = api
        .get("/admin/teams/policy/getPolicyId(type='TeamsMeetingPolicy',name='Nope')")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let assign = "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.assign";
    let item = json!({"@odata.type": "#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment",
                      "userId": USER, "policyType": "TeamsMeetingPolicy", "policyId": policy_id});
    let response = api.post(assign, &json!({"value": [item]})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let snap = api.emulator.snapshot();
    assert_eq!(snap.policy_assignments.len(), 1);
    assert_eq!(
        snap.policy_assignments[0].policy_id.as_deref(),
        Some(policy_id.as_str())
    );
    let listed: Value = api
        .get("/admin/teams/policy/userAssignments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(values(&listed).len(), 1);
    let user: Value = api
        .get(&format!("/admin/teams/userConfigurations/{USER}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        user["effectivePolicyAssignments"][0]["policyAssignment"]["policyId"],
        policy_id.as_str()
    );

    let (status, _) = error_of(api.post(assign, &json!({"value": []})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = error_of(
        api.post(
            assign,
            &json!({"value": [{"policyType": "TeamsMeetingPolicy", "policyId": "x"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unassign = "/admin/teams/policy/userAssignments/unassign";
    let response = api
        .post(
            unassign,
            &json!({"value": [{"userId": USER, "policyType": "TeamsMeetingPolicy"}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(api.emulator.snapshot().policy_assignments.is_empty());

    // userConfigurations list / $count / filter.
    let users: Value = api
        .get("/admin/teams/userConfigurations?$filter=accountType%20eq%20'resourceAccount'")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(values(&users).len(), 1);
    let count = api.get("/admin/teams/userConfigurations/$count").await;
    assert_eq!(count.text().await.unwrap(), "4");
    let nobody = api
        .get("/admin/teams/userConfigurations/unknown-user")
        .await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);

    // Roots, and unknown paths.
    for path in ["", "/policy", "/telephoneNumberManagement"] {
        let response = api.get(&format!("/admin/teams{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let (status, body) = error_of(api.get("/admin/teams/nothingHere").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["code"].as_str().is_some());
    assert!(body["error"]["innerError"]["request-id"].as_str().is_some());
    let number_count = api.get(&format!("{NUMBERS}/$count")).await;
    assert_eq!(number_count.text().await.unwrap(), "3");
}

#[tokio::test]
async fn control_api_in_process() {
    let api = Api::start(
        EmulatorConfig::with_numbers(4)
            .with_users(2)
            .with_token("fixed-token")
            .with_operation_duration(Duration::from_millis(40)),
    )
    .await;
    assert_eq!(api.emulator.token(), "fixed-token");
    let control = api.emulator.control_url();
    assert!(control.ends_with("/_emulator"), "{control}");

    // Control requests are neither logged nor counted nor faulted.
    api.emulator.faults().reset_next(1);
    let faults: Value = api
        .http
        .get(format!("{control}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["resetNext"], 1);
    assert!(api.emulator.requests().is_empty());
    assert_eq!(api.emulator.counters().requests_total, 0);
    api.emulator.faults().reset_next(0);

    // updateNumber and policy assignments are counted per number / user.
    let response = api
        .post(
            UPDATE,
            &json!({"telephoneNumber": "+14255550100", "locationId": "loc"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let assign = "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.assign";
    let item = json!({"userId": USER, "policyType": "TeamsMeetingPolicy", "policyId": "p"});
    let response = api.post(assign, &json!({"value": [item]})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let counters = api.emulator.counters();
    assert_eq!(counters.numbers["+14255550100"].update, 1);
    assert_eq!(
        counters.policy_assignments[USER]["TeamsMeetingPolicy"].assign,
        1
    );
    assert_eq!(api.emulator.snapshot().update_events["+14255550100"], 1);
    let over_http: Value = api
        .http
        .get(format!("{control}/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http, serde_json::to_value(&counters).unwrap());

    // Users: `users('…')` form, `$select` of an unknown property, licensing.
    let user: Value = api
        .get("/users('user002@contoso.onmicrosoft.com')")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["displayName"], "User 002");
    let (status, _) = error_of(api.get(&format!("/users/{USER}?$select=shoeSize")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let nav: Value = api
        .get(&format!(
            "/admin/teams/userConfigurations/{USER}/user?$select=id"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nav["id"], USER);
    assert!(nav.get("displayName").is_none());
    assert!(api.emulator.set_teams_phone_licensed(OTHER_USER, false));
    let accepted = api.assign("+14255550101", OTHER_USER).await;
    let op = api.wait_final(&location(&accepted)).await;
    assert_eq!(op["status"], "failed");
    let config: Value = api
        .get(&format!("/admin/teams/userConfigurations/{OTHER_USER}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !config["featureTypes"]
            .as_array()
            .unwrap()
            .contains(&json!("PhoneSystem")),
        "{config}"
    );

    // Tokens: mint, expire.
    let minted: Value = api
        .http
        .post(format!("{control}/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap().to_owned();
    let ok = api
        .http
        .get(api.url(NUMBERS))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let expired = api
        .http
        .post(format!("{control}/tokens/expire"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::NO_CONTENT);
    let refused = api
        .http
        .get(api.url(NUMBERS))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Reset: seed state, zero counters, licensing restored.
    api.emulator.reset();
    assert_eq!(api.emulator.counters(), Default::default());
    assert!(api.emulator.requests().is_empty());
    let accepted = api.assign("+14255550101", OTHER_USER).await;
    let op = api.wait_final(&location(&accepted)).await;
    assert_eq!(op["status"], "succeeded");
    assert_eq!(api.emulator.counters().numbers["+14255550101"].assign, 1);

    // A token with a space is refused at start.
    let bad = Emulator::start(EmulatorConfig::default().with_token("two words")).await;
    assert!(bad.is_err());
}
