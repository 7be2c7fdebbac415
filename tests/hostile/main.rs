//! The hostile-server suite (issue 10): a real server on loopback, real
//! HTTP, and every header and body the client parses given adversarial
//! values. Each case asserts its outcome: a clear error naming the problem,
//! or a correct recovery; and every case runs under a generous "no hang"
//! bound (30 s, where the client's own timeouts are 1 to 2 s). Servers that
//! stand for another host count the requests, and the tokens, that reach
//! them: none may.
//!
//! Each case prints `hostile case: <name>` to stderr; the count is in
//! BENCHMARKS.md ("Reliability"):
//! `cargo test -p graph-teams-admin --test hostile -- --nocapture 2>&1 | grep -c 'hostile case:'`.

mod bodies;
mod connections;
mod headers;
mod memory;
mod operations;
mod server;

use std::future::Future;
use std::time::Duration;

use graph_teams_admin::{
    AssignNumberBody, Client, ClientBuilder, NumberType, PollOptions, RetryPolicy,
};

pub const LIST: &str = "/beta/admin/teams/telephoneNumberManagement/numberAssignments";
pub const OP: &str = "/beta/admin/teams/telephoneNumberManagement/operations('op1')";

/// The "no hang" bound of one case.
pub const NO_HANG: Duration = Duration::from_secs(30);

/// Records a case for the count.
pub fn case(name: impl std::fmt::Display) {
    eprintln!("hostile case: {name}");
}

/// Runs `fut`, failing the test if it takes longer than [`NO_HANG`].
pub async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(NO_HANG, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: hung for {NO_HANG:?}"),
    }
}

/// A client for a hostile server: fast retries and polls, 1 s timeouts, a
/// 1 MiB body limit, a 2 s poll deadline.
pub fn builder(base: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base)
        .token("hostile-token")
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(10), Duration::from_millis(40))
                .with_deadline(Duration::from_secs(2)),
        )
        .timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(1))
        .max_response_body(1 << 20)
}

pub fn client(base: &str) -> Client {
    builder(base).build().unwrap()
}

pub fn assign_body() -> AssignNumberBody {
    AssignNumberBody::new("+12065550100", "user-1", NumberType::DirectRouting)
}

/// The first page of the number inventory: its items, or the error.
pub async fn first_page(c: &Client) -> graph_teams_admin::Result<usize> {
    use futures::StreamExt;
    let page = c
        .number_assignments(graph_teams_admin::ListQuery::new())
        .pages()
        .next()
        .await
        .expect("a list has a first page")?;
    Ok(page.items.len())
}

/// A small page of the number inventory.
pub fn page_json() -> serde_json::Value {
    serde_json::json!({"value": [{"id": "a", "telephoneNumber": "+12065550100"}]})
}
