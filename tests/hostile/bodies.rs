//! Bodies: truncated, not UTF-8, deeply nested, wrong types, duplicate
//! keys, endless, declared huge, inflating, never finishing, mislabelled.

use std::time::{Duration, Instant};

use graph_teams_admin::Error;

use crate::server::{Hostile, Reply, Step, head};
use crate::{bounded, case, client, first_page, page_json};

/// Whether this build asks for and inflates gzip (the `gzip` feature).
const GZIP: bool = cfg!(feature = "gzip");

/// What a body case should come to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// A decode error (the body is not what the API describes).
    Decode,
    /// A transport error (the body could not be read), after the read was
    /// repeated (it is idempotent).
    Transport,
    /// Cut off at the body limit.
    TooLarge,
    /// Read correctly.
    Ok,
    /// A body labelled gzip that is not: a transport error if the client
    /// asked for gzip (and so inflates it), read correctly if it did not.
    /// The `gzip` feature asks; so does reqwest whenever another crate in
    /// the build (azure_core's defaults) compiles its gzip support.
    InflateFails,
}

fn json_head(len: Option<usize>) -> Vec<u8> {
    let len = len.map(|n| n.to_string());
    let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
    if let Some(l) = &len {
        headers.push(("content-length", l.as_bytes()));
    }
    head(200, &headers)
}

fn body(bytes: impl Into<Vec<u8>>) -> Reply {
    Reply::with(200, &[("content-type", "application/json")], bytes.into())
}

#[tokio::test]
async fn bodies_end_in_a_clear_error_or_a_correct_result() {
    let nested = |depth: usize, open: &str, close: &str| {
        format!(
            "{{\"value\":{}{}}}",
            open.repeat(depth),
            close.repeat(depth)
        )
    };
    let gib4 = 4u64 << 30;
    let cases: Vec<(&str, Reply, Outcome)> = vec![
        (
            "truncated: Content-Length longer than the body",
            Reply::steps(vec![Step::Bytes(
                [json_head(Some(100)), br#"{"value":[{"id":"#.to_vec()].concat(),
            )]),
            Outcome::Transport,
        ),
        (
            "truncated JSON",
            body(r#"{"value":[{"id":"a""#),
            Outcome::Decode,
        ),
        ("empty", body(""), Outcome::Decode),
        (
            "invalid UTF-8 in a string",
            body(b"{\"value\":[{\"id\":\"\xff\xfe\"}]}".to_vec()),
            Outcome::Decode,
        ),
        (
            "invalid UTF-8 outside strings",
            body(b"\xef\xbb\xbf\xff{}".to_vec()),
            Outcome::Decode,
        ),
        (
            "a UTF-8 BOM",
            body(b"\xef\xbb\xbf{\"value\":[]}".to_vec()),
            Outcome::Decode,
        ),
        (
            "100k nested arrays",
            body(nested(100_000, "[", "]")),
            Outcome::Decode,
        ),
        (
            "100k nested objects",
            body(format!(
                "{{\"value\":[{}1{}]}}",
                "{\"a\":".repeat(100_000),
                "}".repeat(100_000)
            )),
            Outcome::Decode,
        ),
        (
            "100k nested in an unknown field",
            body(format!(
                "{{\"value\":[],\"x\":{}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )),
            Outcome::Decode,
        ),
        (
            "value is a string",
            body(r#"{"value":"nope"}"#),
            Outcome::Decode,
        ),
        ("value is null", body(r#"{"value":null}"#), Outcome::Decode),
        (
            "no value",
            body(r#"{"@odata.context":"x"}"#),
            Outcome::Decode,
        ),
        ("an array, not an object", body("[]"), Outcome::Decode),
        ("null", body("null"), Outcome::Decode),
        (
            "id is a number",
            body(r#"{"value":[{"id":5}]}"#),
            Outcome::Decode,
        ),
        (
            "capabilities is a string",
            body(r#"{"value":[{"id":"a","capabilities":"x"}]}"#),
            Outcome::Decode,
        ),
        (
            "an enum as a number",
            body(r#"{"value":[{"id":"a","numberType":3}]}"#),
            Outcome::Decode,
        ),
        (
            "nextLink as an object",
            body(r#"{"value":[],"@odata.nextLink":{}}"#),
            Outcome::Decode,
        ),
        (
            "count as a string",
            body(r#"{"value":[],"@odata.count":"5"}"#),
            Outcome::Decode,
        ),
        (
            "a huge count",
            body(r#"{"value":[],"@odata.count":1e400}"#),
            Outcome::Decode,
        ),
        (
            "duplicate key in an item",
            body(r#"{"value":[{"id":"a","id":"b"}]}"#),
            Outcome::Decode,
        ),
        (
            "duplicate value",
            body(r#"{"value":[],"value":[{"id":"a"}]}"#),
            Outcome::Decode,
        ),
        (
            "duplicate unknown keys",
            body(r#"{"value":[{"id":"a","x":1,"x":2}]}"#),
            Outcome::Ok,
        ),
        (
            "trailing garbage",
            body(r#"{"value":[]} trailing"#),
            Outcome::Decode,
        ),
        (
            "unknown fields and enum members",
            body(
                r#"{"value":[{"id":"a","numberType":"satellite","new":{"deep":[1]}}],"@odata.extra":1}"#,
            ),
            Outcome::Ok,
        ),
        (
            "endless (4 GiB, no length)",
            Reply::steps(vec![
                Step::Bytes(json_head(None)),
                Step::Bytes(br#"{"value":["#.to_vec()),
                Step::Repeat {
                    chunk: br#"{"id":"a"},"#.repeat(6000),
                    total: gib4,
                },
            ]),
            Outcome::TooLarge,
        ),
        (
            "declared 4 GiB",
            Reply::steps(vec![
                Step::Bytes(json_head(Some(gib4 as usize))),
                Step::Hang,
            ]),
            Outcome::TooLarge,
        ),
        (
            "a gzip bomb (4 GiB inflated)",
            Reply::steps(vec![
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
                    total: gib4,
                },
            ]),
            // Inflated (feature `gzip`) or not (its ~4 MiB of compressed
            // bytes), it meets this client's 1 MiB body limit.
            Outcome::TooLarge,
        ),
        (
            "gzip that is not gzip",
            Reply::with(
                200,
                &[
                    ("content-type", "application/json"),
                    ("content-encoding", "gzip"),
                ],
                page_json().to_string(),
            ),
            Outcome::InflateFails,
        ),
        (
            "an unknown Content-Encoding over plain JSON",
            Reply::with(
                200,
                &[
                    ("content-type", "application/json"),
                    ("content-encoding", "x-unheard-of"),
                ],
                page_json().to_string(),
            ),
            Outcome::Ok,
        ),
        (
            "a body that never finishes",
            Reply::steps(vec![
                Step::Bytes([json_head(Some(1000)), br#"{"value":["#.to_vec()].concat()),
                Step::Hang,
            ]),
            Outcome::Transport,
        ),
        (
            "a body at one byte per second",
            Reply::steps(vec![
                Step::Bytes(json_head(Some(40))),
                Step::Trickle(vec![b' '; 40], Duration::from_secs(1)),
            ]),
            Outcome::Transport,
        ),
        (
            "an error body 100k deep",
            Reply::with(
                400,
                &[],
                format!(
                    "{{\"error\":{}{}}}",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            ),
            Outcome::Decode,
        ),
    ];
    for (name, reply, expect) in cases {
        case(format!("body: {name}"));
        let server = Hostile::always(reply).await;
        let started = Instant::now();
        let result = bounded(name, first_page(&client(&server.beta()))).await;
        let asked_gzip = server.requests().first().is_some_and(|r| {
            r.header("accept-encoding")
                .is_some_and(|v| v.contains("gzip"))
        });
        assert!(
            !GZIP || asked_gzip,
            "{name}: the gzip feature asks for gzip"
        );
        let expect = match expect {
            Outcome::InflateFails if asked_gzip => Outcome::Transport,
            Outcome::InflateFails => Outcome::Ok,
            other => other,
        };
        match (expect, &result) {
            (Outcome::Ok, Ok(_)) => {}
            (Outcome::Decode, Err(Error::Decode { .. })) => {}
            // An error status whose body is not Graph's: a Graph error with
            // the body bounded.
            (Outcome::Decode, Err(Error::Graph(g))) if g.status == 400 => {
                assert!(
                    g.raw_body.as_ref().is_some_and(|b| b.len() < 1024),
                    "{name}"
                );
            }
            (Outcome::Transport, Err(Error::Transport { .. })) => {
                assert_eq!(server.count(), 4, "{name}: a read is repeated (1 + 3)");
            }
            (Outcome::TooLarge, Err(e @ Error::BodyTooLarge { limit, .. })) => {
                assert_eq!(*limit, 1 << 20);
                assert!(e.to_string().contains("limit"), "{e}");
                assert_eq!(server.count(), 1, "{name}: not repeated");
            }
            (expect, other) => panic!("{name}: expected {expect:?}, got {other:?}"),
        }
        if let Err(e) = &result {
            let text = e.to_string();
            assert!(
                text.len() < 8192,
                "{name}: the error is bounded ({} bytes)",
                text.len()
            );
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{name}");
    }
}

#[tokio::test]
async fn a_body_that_breaks_off_on_a_read_is_read_again() {
    for (name, broken) in [
        (
            "closed mid-body",
            vec![Step::Bytes(
                [json_head(Some(500)), br#"{"value":["#.to_vec()].concat(),
            )],
        ),
        (
            "reset mid-body",
            vec![
                Step::Bytes([json_head(Some(500)), br#"{"value":["#.to_vec()].concat()),
                Step::Reset,
            ],
        ),
        (
            "reset after the head",
            vec![Step::Bytes(json_head(Some(500))), Step::Reset],
        ),
    ] {
        case(format!("recovery: {name}"));
        let server = Hostile::start(move |_, n| {
            if n == 0 {
                Reply::steps(broken.clone())
            } else {
                Reply::json(200, &page_json())
            }
        })
        .await;
        assert_eq!(
            bounded(name, first_page(&client(&server.beta())))
                .await
                .unwrap(),
            1
        );
        assert_eq!(server.count(), 2, "{name}");
    }
}
