//! Issue 10, item 10: the quickstart's job is the assignment. Pointed at a
//! Graph-compatible server without `/numberAssignments/$count`, it assigns
//! the number, polls it to `succeeded`, says what it could not show, and
//! succeeds. (The example is compiled in here as a module and run against a
//! small server on loopback.)

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[path = "hostile/server.rs"]
mod server;

use clap::Parser;
use serde_json::json;

use server::{Hostile, Reply};

const OP: &str = "/beta/admin/teams/telephoneNumberManagement/operations('op1')";

#[tokio::test]
async fn the_quickstart_succeeds_when_only_the_summary_cannot_be_read() {
    let server = Hostile::start(|r, _| {
        let host = r.header("host").unwrap_or_default().to_owned();
        match (r.method.as_str(), r.path()) {
            ("POST", p) if p.ends_with("assignNumber") => Reply::raw_headers(
                202,
                &[("location", format!("http://{host}{OP}").as_bytes())],
            ),
            ("GET", p) if p.contains("operations(") => Reply::json(
                200,
                &json!({"id": "op1", "status": "succeeded",
                        "numbers": [{"resourceLocation": "x", "status": "succeeded"}]}),
            ),
            ("GET", p) if p.ends_with("/$count") => Reply::json(
                404,
                &json!({"error": {"code": "NotFound", "message": "no such segment"}}),
            ),
            ("GET", p) if p.ends_with("/numberAssignments") => Reply::json(
                200,
                &json!({"value": [{"id": "n1", "telephoneNumber": "+12065550100",
                                    "assignmentTargetId": "user-1"}]}),
            ),
            _ => Reply::json(404, &json!({"error": {"code": "NotFound", "message": "?"}})),
        }
    })
    .await;
    let args = quickstart::Args::parse_from([
        "quickstart",
        "--base-url",
        &server.beta(),
        "--token",
        "t",
        "--user",
        "user-1",
        "--number",
        "+12065550100",
    ]);
    let result = tokio::time::timeout(std::time::Duration::from_secs(60), quickstart::run(args))
        .await
        .expect("no hang");
    assert!(result.is_ok(), "{:?}", result.err().map(|e| e.to_string()));
    let counted = server
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/$count"))
        .count();
    assert!(counted >= 1, "the summary was tried");
}
