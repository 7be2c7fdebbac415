//! The `graph-teams-admin-emulator` binary as a real process on loopback,
//! driven the way a client in another language would: read the first lines
//! of stdout, then plain HTTP with `reqwest`.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_graph-teams-admin-emulator");
const NUMBERS: &str = "/admin/teams/telephoneNumberManagement/numberAssignments";
const ASSIGN: &str = "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
const ASSIGN_KEY: &str = "POST /beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
const ADELE: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";
/// Generous: the machine may be loaded; nothing asserts on timing.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running emulator process; killed when dropped.
struct Server {
    child: Child,
    base_url: String,
    token: String,
    control_url: String,
    foreign_base_url: String,
    http: reqwest::Client,
}

impl Server {
    /// Starts the binary with `--port 0` and `args`, and reads the
    /// `key=value` lines it prints first (up to the blank line).
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--operation-duration-ms", "60"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut fields = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.is_empty() => break,
                Some(Ok(line)) => {
                    let (key, value) = line
                        .split_once('=')
                        .unwrap_or_else(|| panic!("not a key=value line: {line:?}"));
                    fields.push((key.to_owned(), value.to_owned()));
                }
                _ => {
                    let mut stderr = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut stderr);
                    }
                    panic!("the emulator ended its output early; stderr: {stderr}");
                }
            }
        }
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["base_url", "token", "control_url", "foreign_base_url"],
            "the machine-readable lines come first, in this order"
        );
        let field = |i: usize| fields[i].1.clone();
        Server {
            child,
            base_url: field(0),
            token: field(1),
            control_url: field(2),
            foreign_base_url: field(3),
            http: support::http(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET answered")
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON")
    }

    async fn assign(&self, number: &str, target: &str) -> reqwest::Response {
        self.http
            .post(self.url(ASSIGN))
            .bearer_auth(&self.token)
            .json(&json!({
                "telephoneNumber": number,
                "assignmentTargetId": target,
                "numberType": "directRouting",
            }))
            .send()
            .await
            .expect("POST answered")
    }

    /// GETs a `Location` until the operation is final.
    async fn wait_final(&self, location: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let op: Value = self
                .http
                .get(location)
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("poll answered")
                .json()
                .await
                .expect("operation JSON");
            if matches!(op["status"].as_str(), Some("succeeded" | "failed")) {
                return op;
            }
            assert!(Instant::now() < deadline, "operation never finished: {op}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.control_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("control answered");
        let status = response.status();
        assert!(status.is_success(), "{method} {path}: {status}");
        if status == StatusCode::NO_CONTENT {
            return Value::Null;
        }
        response.json().await.expect("control JSON")
    }

    async fn counters(&self) -> Value {
        self.control(reqwest::Method::GET, "/counters", None).await
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to end.
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the emulator did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ASCII Location")
        .to_owned()
}

#[tokio::test]
async fn serves_graph_with_the_printed_token() {
    let server = Server::start(&["--numbers", "5"]);
    assert!(
        server.base_url.starts_with("http://127.0.0.1:") && server.base_url.ends_with("/beta"),
        "{}",
        server.base_url
    );
    assert!(server.token.starts_with("emulator-"), "generated token");
    assert_eq!(
        server.control_url,
        server.base_url.replace("/beta", "/_emulator")
    );
    assert_ne!(server.foreign_base_url, server.base_url);

    let listed = server.get_json(NUMBERS).await;
    assert_eq!(listed["value"].as_array().map(Vec::len), Some(5));
    assert_eq!(listed["value"][0]["telephoneNumber"], "+14255550100");

    let anonymous = server.http.get(server.url(NUMBERS)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let wrong = server
        .http
        .get(server.url(NUMBERS))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // The control API needs no token.
    let index = server.control(reqwest::Method::GET, "", None).await;
    assert_eq!(index["baseUrl"], server.base_url.as_str());
}

#[tokio::test]
async fn fixed_token_and_seed_flags() {
    let server = Server::start(&[
        "--token",
        "dev-token",
        "--numbers",
        "7",
        "--users",
        "3",
        "--policies",
        "2",
    ]);
    assert_eq!(server.token, "dev-token");
    let count = server.get(&format!("{NUMBERS}/$count")).await;
    assert_eq!(count.text().await.unwrap(), "7");
    let users = server.get("/admin/teams/userConfigurations/$count").await;
    assert_eq!(users.text().await.unwrap(), "7", "4 named + 3 generated");
    let policy = server
        .get_json("/admin/teams/policy/getPolicyId(type='TeamsCallingPolicy',name='Policy002')")
        .await;
    assert_eq!(
        policy["value"][0]["policyId"],
        "b4e3d2c1-6f5a-4b8c-9d0e-000000000002"
    );
}

#[tokio::test]
async fn counters_show_an_assign_applied_once_and_reset_zeroes_them() {
    let server = Server::start(&[]);
    let number = "+14255550101";
    let accepted = server.assign(number, ADELE).await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let op = server.wait_final(&location(&accepted)).await;
    assert_eq!(op["status"], "succeeded", "{op}");

    let counters = server.counters().await;
    assert_eq!(counters["numbers"][number]["assign"], 1, "{counters}");
    assert_eq!(counters["numbers"][number]["unassign"], 0);
    assert_eq!(counters["requests"][ASSIGN_KEY]["202"], 1, "{counters}");
    let polls = &counters["requests"]["GET /beta/admin/teams/telephoneNumberManagement/operations/{id}"]
        ["200"];
    assert!(polls.as_u64().is_some_and(|n| n >= 1), "{counters}");
    // Control requests are not counted.
    let total = counters["requestsTotal"].clone();
    server.control(reqwest::Method::GET, "/state", None).await;
    assert_eq!(server.counters().await["requestsTotal"], total);

    let state = server.control(reqwest::Method::GET, "/state", None).await;
    let assigned = state["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["telephoneNumber"] == number)
        .cloned()
        .unwrap();
    assert_eq!(assigned["assignmentTargetId"], ADELE);
    assert_eq!(state["operations"].as_array().map(Vec::len), Some(1));

    server.control(reqwest::Method::POST, "/reset", None).await;
    let counters = server.counters().await;
    assert_eq!(counters["requestsTotal"], 0, "{counters}");
    assert_eq!(counters["numbers"], json!({}));
    let state = server.control(reqwest::Method::GET, "/state", None).await;
    assert!(
        state["numbers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["assignmentTargetId"].is_null()),
        "back to the seed"
    );
    assert_eq!(state["operations"], json!([]));
    // The printed token still works after a reset.
    assert_eq!(server.get(NUMBERS).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn faults_on_and_off_over_http() {
    let server = Server::start(&[]);
    let set = server
        .control(
            reqwest::Method::PATCH,
            "/faults",
            Some(json!({"throttle": {"count": 1, "status": 503, "retryAfter": "2"}})),
        )
        .await;
    assert_eq!(set["throttle"]["count"], 1);
    assert_eq!(set["nextLinkMode"], false, "other knobs untouched");
    let throttled = server.get(NUMBERS).await;
    assert_eq!(throttled.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(throttled.headers()["retry-after"], "2");
    assert_eq!(server.get(NUMBERS).await.status(), StatusCode::OK);
    let now = server.control(reqwest::Method::GET, "/faults", None).await;
    assert!(now["throttle"].is_null(), "the burst is used up: {now}");
    let counters = server.counters().await;
    let key = format!("GET /beta{NUMBERS}");
    assert_eq!(counters["requests"][&key]["503"], 1, "{counters}");
    assert_eq!(counters["requests"][&key]["200"], 1, "{counters}");

    // PUT replaces every knob; DELETE turns them all off.
    let put = server
        .control(
            reqwest::Method::PUT,
            "/faults",
            Some(json!({"nextLinkMode": true, "rateLimit": {"perSecond": 3}})),
        )
        .await;
    assert_eq!(put["nextLinkMode"], true);
    assert_eq!(put["rateLimit"]["perSecond"], 3);
    assert_eq!(
        put["operationDurationMs"], 60,
        "timing back to the flag value"
    );
    let page = server.get_json(&format!("{NUMBERS}?$top=5")).await;
    assert!(page["@odata.nextLink"].is_string(), "{page}");
    let off = server
        .control(reqwest::Method::DELETE, "/faults", None)
        .await;
    assert_eq!(off["nextLinkMode"], false);
    assert!(off["rateLimit"].is_null());

    let bad = server
        .http
        .patch(format!("{}/faults", server.control_url))
        .json(&json!({"noSuchKnob": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let unknown = server
        .http
        .get(format!("{}/nothing", server.control_url))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fault_flags_are_on_from_the_start() {
    let server = Server::start(&[
        "--throttle",
        "1",
        "--throttle-retry-after",
        "0.25",
        "--next-link-mode",
        "--operation-retry-after-ms",
        "1000",
    ]);
    let faults = server.control(reqwest::Method::GET, "/faults", None).await;
    assert_eq!(
        faults["throttle"],
        json!({"count": 1, "status": 429, "retryAfter": "0.25"})
    );
    assert_eq!(faults["nextLinkMode"], true);
    assert_eq!(faults["operationRetryAfterMs"], 1000);
    let throttled = server.get(NUMBERS).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers()["retry-after"], "0.25");
    let accepted = server.assign("+14255550100", ADELE).await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    assert_eq!(accepted.headers()["retry-after"], "1");
}

#[tokio::test]
async fn users_by_upn_and_id() {
    let server = Server::start(&["--users", "5"]);
    let by_upn = server
        .get_json("/users/ADELE.VANCE@contoso.onmicrosoft.com?$select=id,userPrincipalName")
        .await;
    assert_eq!(by_upn["id"], ADELE);
    assert_eq!(
        by_upn["userPrincipalName"],
        "adele.vance@contoso.onmicrosoft.com"
    );
    assert!(
        by_upn.get("displayName").is_none(),
        "only what was selected"
    );
    assert!(
        by_upn["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/beta/$metadata#users(id,userPrincipalName)/$entity"),
        "{by_upn}"
    );

    let v1 = server
        .http
        .get(server.base_url.replace("/beta", "/v1.0") + &format!("/users/{ADELE}"))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(v1.status(), StatusCode::OK);
    let by_id: Value = v1.json().await.unwrap();
    assert_eq!(by_id["displayName"], "Adele Vance");
    assert_eq!(
        by_id["userPrincipalName"],
        "adele.vance@contoso.onmicrosoft.com"
    );

    let generated = server
        .get_json("/users/user004@contoso.onmicrosoft.com")
        .await;
    assert_eq!(generated["id"], "5b7a9c1e-3d2f-4e60-8a4b-000000000004");
    assert_eq!(generated["displayName"], "User 004");

    let missing = server.get("/users/nobody@contoso.onmicrosoft.com").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
    assert_eq!(
        body["error"]["message"],
        "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present."
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());

    let anonymous = server
        .http
        .get(server.url(&format!("/users/{ADELE}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unlicensed_user_fails_the_operation() {
    let unlicensed = "user002@contoso.onmicrosoft.com";
    let server = Server::start(&["--users", "3", "--unlicensed", unlicensed]);
    let user = server.get_json(&format!("/users/{unlicensed}")).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let number = "+14255550102";

    let accepted = server.assign(number, &id).await;
    assert_eq!(
        accepted.status(),
        StatusCode::ACCEPTED,
        "accepted, then fails"
    );
    let op = server.wait_final(&location(&accepted)).await;
    assert_eq!(op["status"], "failed", "{op}");
    let detail = op["numbers"][0]["statusDetail"].as_str().unwrap();
    assert!(detail.contains("not licensed for Teams Phone"), "{detail}");
    assert!(detail.contains(unlicensed), "{detail}");
    assert!(server.counters().await["numbers"].get(number).is_none());

    // Licensed through the control API, the same assignment applies.
    let patched = server
        .control(
            reqwest::Method::PATCH,
            &format!("/users/{unlicensed}"),
            Some(json!({"teamsPhoneLicensed": true})),
        )
        .await;
    assert_eq!(patched["teamsPhoneLicensed"], true);
    let accepted = server.assign(number, &id).await;
    let op = server.wait_final(&location(&accepted)).await;
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(server.counters().await["numbers"][number]["assign"], 1);
}

#[cfg(unix)]
#[tokio::test]
async fn sigint_stops_it_with_exit_status_0() {
    let mut server = Server::start(&[]);
    assert_eq!(server.get(NUMBERS).await.status(), StatusCode::OK);
    server.signal("INT");
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_with_exit_status_0() {
    // Right after the first lines: the handlers are installed before them.
    let mut server = Server::start(&[]);
    server.signal("TERM");
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn bad_flags_and_busy_ports_fail() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--unlicensed", "nobody@nowhere"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nobody@nowhere"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "no base_url when it does not serve"
    );

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(BIN)
        .args(["--port", port.as_str()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot listen"), "{stderr}");

    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "Examples:",
        "--port",
        "--token",
        "--throttle-retry-after",
        "--unlicensed",
    ] {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
}
