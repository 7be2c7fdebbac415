//! A hostile HTTP/1.1 server on 127.0.0.1: a raw `TcpListener` that reads
//! each request and answers with whatever bytes a handler scripts, however
//! wrong: malformed headers, bodies that lie about their length, resets,
//! silence, one byte a second, gigabytes made on the fly.
//!
//! Every connection answers one request and is closed (or reset, or left
//! hanging), so each request the client makes is a connection here.
//! Dropping the [`Hostile`] stops it and every connection it holds.

#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carried a bearer token.
    pub fn has_token(&self) -> bool {
        self.header("authorization").is_some()
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
}

/// What to send, step by step.
#[derive(Clone, Debug)]
pub enum Step {
    /// These bytes.
    Bytes(Vec<u8>),
    /// Nothing, for a while.
    Sleep(Duration),
    /// These bytes, one at a time, `every` apart.
    Trickle(Vec<u8>, Duration),
    /// `chunk` again and again until `total` bytes are sent (or the client
    /// hangs up), made as they are written: gigabytes cost nothing here.
    Repeat { chunk: Vec<u8>, total: u64 },
    /// A gzip stream of `prefix` and then `total` bytes of `filler`,
    /// compressed as it is written (a small stream that inflates hugely).
    GzipBomb {
        prefix: Vec<u8>,
        filler: u8,
        total: u64,
    },
    /// Reset the connection (RST, not FIN).
    Reset,
    /// Keep the connection open and never send anything more.
    Hang,
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub steps: Vec<Step>,
}

/// A response head: status line and headers, as bytes (a value may be any
/// bytes, including ones that are not UTF-8).
pub fn head(status: u16, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out
}

impl Reply {
    pub fn steps(steps: Vec<Step>) -> Self {
        Self { steps }
    }

    /// A complete answer with a correct `Content-Length`.
    pub fn with(status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Self {
        let body = body.as_ref();
        let len = body.len().to_string();
        let mut all: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        all.push(("content-length", len.as_bytes()));
        let mut bytes = head(status, &all);
        bytes.extend_from_slice(body);
        Self::steps(vec![Step::Bytes(bytes)])
    }

    /// JSON with a correct `Content-Length`.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::with(
            status,
            &[("content-type", "application/json")],
            body.to_string(),
        )
    }

    /// An empty answer with these headers (header values as bytes).
    pub fn raw_headers(status: u16, headers: &[(&str, &[u8])]) -> Self {
        let mut all = headers.to_vec();
        all.push(("content-length", b"0"));
        Self::steps(vec![Step::Bytes(head(status, &all))])
    }

    /// A 429 with this `Retry-After` (any bytes).
    pub fn throttled(status: u16, retry_after: &[u8]) -> Self {
        let body = br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#;
        let len = body.len().to_string();
        let mut bytes = head(
            status,
            &[
                ("retry-after", retry_after),
                ("content-type", b"application/json"),
                ("content-length", len.as_bytes()),
            ],
        );
        bytes.extend_from_slice(body);
        Self::steps(vec![Step::Bytes(bytes)])
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    pub base: String,
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// Starts a server whose `handler` answers request number `n` (0-based,
    /// counted over all connections).
    pub async fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (handler, seen) = (handler.clone(), seen.clone());
                connections.spawn(async move {
                    let _ = serve(socket, handler, seen).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Self {
            base: format!("http://127.0.0.1:{port}"),
            port,
            requests,
            task,
        }
    }

    /// A server that answers everything with the same reply.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone()).await
    }

    /// The base URL a client is given (`http://127.0.0.1:<port>/beta`).
    pub fn beta(&self) -> String {
        format!("{}/beta", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// Requests that carried a token.
    pub fn with_token(&self) -> usize {
        self.requests().iter().filter(|r| r.has_token()).count()
    }
}

async fn serve(
    mut socket: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Request>>>,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let n = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.len() - 1
    };
    let reply = handler(&request, n);
    for step in reply.steps {
        match step {
            Step::Bytes(b) => socket.write_all(&b).await?,
            Step::Sleep(d) => tokio::time::sleep(d).await,
            Step::Trickle(bytes, every) => {
                for b in bytes {
                    socket.write_all(&[b]).await?;
                    socket.flush().await?;
                    tokio::time::sleep(every).await;
                }
            }
            Step::Repeat { chunk, total } => {
                let mut sent = 0u64;
                while sent < total {
                    let n = chunk.len().min((total - sent) as usize);
                    socket.write_all(&chunk[..n]).await?;
                    sent += n as u64;
                }
            }
            Step::GzipBomb {
                prefix,
                filler,
                total,
            } => gzip_bomb(&mut socket, &prefix, filler, total).await?,
            Step::Reset => {
                socket.set_zero_linger()?;
                return Ok(());
            }
            Step::Hang => {
                std::future::pending::<()>().await;
            }
        }
    }
    socket.flush().await?;
    socket.shutdown().await?;
    // Let the client read to the end before the socket goes.
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut sink)).await;
    Ok(())
}

/// Writes a gzip stream of `prefix` and `total` bytes of `filler`. Deflate
/// is deterministic: once its window is all filler, each 1 MiB block
/// (sync-flushed) compresses to the same bytes, so those are computed once
/// and repeated; the stream stays valid while costing no CPU per block.
async fn gzip_bomb(
    socket: &mut TcpStream,
    prefix: &[u8],
    filler: u8,
    total: u64,
) -> std::io::Result<()> {
    const BLOCK: usize = 1 << 20;
    let block = vec![filler; BLOCK];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(prefix)?;
    let mut outputs = Vec::new();
    for _ in 0..3 {
        gz.write_all(&block)?;
        gz.flush()?;
        outputs.push(std::mem::take(gz.get_mut()));
    }
    let (first, steady) = (outputs[0].clone(), outputs[1].clone());
    let repeatable = outputs[1] == outputs[2];
    socket.write_all(&first).await?;
    let mut made = BLOCK as u64;
    while made < total {
        if repeatable {
            socket.write_all(&steady).await?;
        } else {
            gz.write_all(&block)?;
            gz.flush()?;
            let out = std::mem::take(gz.get_mut());
            socket.write_all(&out).await?;
            tokio::task::yield_now().await;
        }
        made += BLOCK as u64;
    }
    socket.write_all(&gz.finish()?).await
}

/// Reads one request: its head and a `Content-Length` body.
async fn read_request(socket: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return Ok(None);
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}
