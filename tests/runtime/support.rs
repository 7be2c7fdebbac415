//! Helpers shared by the runtime tests: the paths they mock, credentials
//! that count, clients aimed at a local server, a tracing capture.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use graph_teams_admin::{Client, PollOptions, RetryPolicy};

// The Graph paths the runtime tests answer.
pub const LIST: &str = "/beta/admin/teams/telephoneNumberManagement/numberAssignments";
pub const ASSIGN: &str = "/beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
pub const UNASSIGN: &str = "/beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.unassignNumber";
pub const OP: &str = "/beta/admin/teams/telephoneNumberManagement/operations('op1')";
pub const USERS: &str = "/beta/admin/teams/userConfigurations";
pub const USER_ASSIGNMENTS: &str = "/beta/admin/teams/policy/userAssignments";

/// Hands out `token-1`, `token-2`, … (each call a new one), after a delay,
/// valid for `lifetime`.
#[derive(Debug)]
pub struct CountingCredential {
    pub calls: AtomicU32,
    pub delay: Duration,
    pub lifetime: azure_core::time::Duration,
    pub scopes: Mutex<Vec<String>>,
}

impl CountingCredential {
    pub fn new(delay: Duration, lifetime_secs: i64) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicU32::new(0),
            delay,
            lifetime: azure_core::time::Duration::seconds(lifetime_secs),
            scopes: Mutex::new(Vec::new()),
        })
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.scopes
            .lock()
            .unwrap()
            .extend(scopes.iter().map(|s| s.to_string()));
        tokio::time::sleep(self.delay).await;
        Ok(AccessToken::new(
            format!("token-{n}"),
            OffsetDateTime::now_utc() + self.lifetime,
        ))
    }
}

/// Hands out `<n>.<secret>` (a new token per call, each ending in the
/// secret), valid for an hour. Its `Debug` shows only the call count.
/// (Used by `tests/tracing.rs`.)
#[allow(dead_code)]
pub struct RotatingCredential {
    secret: String,
    calls: AtomicU32,
}

#[allow(dead_code)]
impl RotatingCredential {
    pub fn new(secret: &str) -> Arc<Self> {
        Arc::new(Self {
            secret: secret.to_owned(),
            calls: AtomicU32::new(0),
        })
    }
}

impl std::fmt::Debug for RotatingCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingCredential")
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for RotatingCredential {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            format!("{n}.{}", self.secret),
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// A credential that always fails.
#[derive(Debug)]
pub struct FailingCredential;

#[async_trait::async_trait]
impl TokenCredential for FailingCredential {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            "AADSTS7000215: Invalid client secret provided",
        ))
    }
}

/// Fast retries and polls, so tests take milliseconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

pub fn fast_poll() -> PollOptions {
    PollOptions::default().with_interval(Duration::from_millis(10), Duration::from_millis(40))
}

/// A client for `base` (the mock server's URI) with a static token.
pub fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/beta"))
        .token("secret-token-abc")
        .retry_policy(fast_retry())
        .poll_options(fast_poll())
        .build()
        .unwrap()
}

/// Reads the first page of the number inventory; its item count.
pub async fn first_page(c: &Client) -> graph_teams_admin::Result<usize> {
    use futures::StreamExt;
    let page = c
        .number_assignments(graph_teams_admin::ListQuery::new())
        .pages()
        .next()
        .await;
    Ok(page.expect("a list has a first page")?.items.len())
}

/// A TCP server that reads each request and closes the connection without
/// answering. Returns its base URL and a counter of requests read.
pub async fn hang_up_server() -> (String, Arc<AtomicU32>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU32::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let c = c.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                // Read the head (and whatever body arrived with it), then hang up.
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    if seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        c.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                }
                drop(socket);
            });
        }
    });
    (format!("http://{addr}"), count)
}
