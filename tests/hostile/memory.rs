//! Peak memory under the largest bodies: the client cuts an endless body
//! and a gzip bomb at its limit, so its peak RSS stays near the limit.
//!
//! Measured in a child process (this test binary run again with one test
//! selected), so that only that case's memory is counted: `VmHWM` from
//! `/proc/self/status`, Linux only.

use std::time::Instant;

use graph_teams_admin::Error;

use crate::server::{Hostile, Reply, Step, head};
use crate::{bounded, case, first_page};

const CHILD: &str = "GRAPH_TEAMS_ADMIN_MEMORY_CHILD";

/// Peak resident set size of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The child: reads a 4 GiB body (plain, or a gzip bomb) with the default
/// 32 MiB limit and prints its peak RSS. Ignored: only the parent below
/// runs it, in a process of its own.
#[tokio::test]
#[ignore = "run by peak_memory_under_a_4_gib_body_stays_near_the_limit"]
async fn memory_child() {
    let Ok(kind) = std::env::var(CHILD) else {
        return; // Only run as the parent's child.
    };
    let total = 4u64 << 30;
    let reply = match kind.as_str() {
        "gzip" => Reply::steps(vec![
            Step::Bytes(head(
                200,
                &[
                    ("content-type", b"application/json"),
                    ("content-encoding", b"gzip"),
                ],
            )),
            Step::GzipBomb {
                prefix: br#"{"value":["#.to_vec(),
                filler: b' ',
                total,
            },
        ]),
        _ => Reply::steps(vec![
            Step::Bytes(head(200, &[("content-type", b"application/json")])),
            Step::Bytes(br#"{"value":["#.to_vec()),
            Step::Repeat {
                chunk: br#"{"id":"a"},"#.repeat(6000),
                total,
            },
        ]),
    };
    let server = Hostile::always(reply).await;
    let c = graph_teams_admin::Client::builder()
        .base_url(server.beta())
        .token("t")
        .build()
        .unwrap();
    let before = peak_rss_kib().unwrap_or(0);
    let started = Instant::now();
    let err = bounded("memory", first_page(&c)).await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit, .. } if limit == 32 << 20),
        "{err}"
    );
    println!(
        "MEMORY {kind}: peak_rss_kib={} before_kib={before} cut_after_ms={}",
        peak_rss_kib().unwrap_or(0),
        started.elapsed().as_millis()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn peak_memory_under_a_4_gib_body_stays_near_the_limit() {
    // A gzip bomb only inflates in a build that asks for gzip.
    let kinds: &[&str] = if cfg!(feature = "gzip") {
        &["plain", "gzip"]
    } else {
        &["plain"]
    };
    for kind in kinds {
        case(format!(
            "memory: a 4 GiB {kind} body, default 32 MiB limit, peak RSS"
        ));
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "memory::memory_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, kind)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.find("MEMORY").map(|i| &l[i..]))
            .unwrap_or_else(|| panic!("no measurement: {stdout}"));
        eprintln!("{line}");
        let peak: u64 = line
            .split("peak_rss_kib=")
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!(
            peak < 200 * 1024,
            "{kind}: peak RSS {peak} KiB for a 32 MiB limit"
        );
    }
}
