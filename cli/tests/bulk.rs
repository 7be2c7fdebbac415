//! `bulk` as a real process on real files against an emulator on loopback:
//! the shipped sample, CSV variants and errors, reports, dry run, every
//! bulk command, Ctrl-C, and `kill -9` followed by `--resume` (the
//! emulator's apply counters show every row applied exactly once).

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use graph_teams_admin_emulator::{EmulatorConfig, RateLimit};

/// `n` assign rows: `user(i)` gets `number(i - 1)` with its right type.
fn assign_csv(n: usize) -> String {
    let mut s = String::from("UserPrincipalName,PhoneNumber,PhoneNumberType\n");
    for i in 1..=n {
        s.push_str(&format!(
            "{},{},{}\n",
            user(i),
            number(i - 1),
            TYPES[(i - 1) % 3]
        ));
    }
    s
}

fn slow_config(operation: Duration) -> EmulatorConfig {
    let mut c = demo_config();
    c.operation_duration = operation;
    c
}

#[test]
fn the_sample_file_runs_with_a_report() {
    let env = Env::new();
    let sample = sample("assign-numbers.csv");
    let run = env.run(&[
        "bulk",
        "assign",
        sample.to_str().unwrap(),
        "--report",
        "report.csv",
        "--yes",
    ]);
    // Some rows are bad on purpose: exit 1, the rest applied.
    run.code(1);
    // The rows needing attention, with their row and line numbers.
    assert!(run.stdout.contains("(line 36)"), "{}", run.stdout);
    assert!(
        run.stderr.contains("succeeded") && run.stderr.contains("total"),
        "{}",
        run.stderr
    );
    let report = read_report(&env.path("report.csv"));
    assert_eq!(report.len(), 40);
    let status = |row: usize| report[row - 1]["status"].as_str();
    for row in 1..=34 {
        assert_eq!(status(row), "succeeded", "row {row}: {:?}", report[row - 1]);
        assert_eq!(report[row - 1]["row"], row.to_string());
    }
    for row in [35, 36, 37] {
        assert_eq!(status(row), "invalid", "row {row}");
    }
    for row in [38, 39, 40] {
        assert_eq!(status(row), "failed", "row {row}");
        assert!(!report[row - 1]["detail"].is_empty());
        assert!(!report[row - 1]["operation"].is_empty());
    }
    // Every good row applied once; the bad numbers never posted.
    for k in 0..30 {
        assert_eq!(env.assigns(&number(k)), 1, "{}", number(k));
    }
    assert_eq!(env.assigns(&number(34)), 0);
    assert_eq!(env.assigns(&number(35)), 0);
    assert_eq!(report[0]["userId"], user_id(1));
    // The table on stdout lists the rows that need attention.
    assert!(run.stdout.contains("userNotFound"), "{}", run.stdout);
    assert!(!run.stdout.contains("user001@"), "{}", run.stdout);
}

#[test]
fn csv_as_admins_have_it() {
    let env = Env::new();
    // Excel in a `;` locale: BOM, CRLF, lower-case and alias headers,
    // quoted fields, an extra column, blank lines, numbers without `+`.
    let mut text = String::from("\u{feff}identity;TELEPHONENUMBER;numbertype;Notes\r\n");
    for i in 1..=6 {
        let n = number(i - 1);
        let n = if i % 2 == 0 { n[1..].to_owned() } else { n };
        text.push_str(&format!(
            "\"{}\";{n};{};\"note; with \"\"quotes\"\"\"\r\n",
            user(i),
            TYPES[(i - 1) % 3]
        ));
        if i == 3 {
            text.push_str("\r\n;;;\r\n");
        }
    }
    env.write("excel.csv", text);
    let run = env.run(&[
        "bulk",
        "assign",
        "excel.csv",
        "--report",
        "out.json",
        "--yes",
        "-o",
        "jsonl",
    ]);
    run.code(0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("out.json")).unwrap()).unwrap();
    let rows = report.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["status"] == "succeeded"), "{report}");
    assert!(
        run.stderr.contains("outcome"),
        "summary on stderr: {}",
        run.stderr
    );
    assert_eq!(rows[5]["row"], 6);
    assert_eq!(run.stdout.lines().count(), 6, "{}", run.stdout);
    for k in 0..6 {
        assert_eq!(env.assigns(&number(k)), 1);
    }

    // Missing column: exit 2 naming it, nothing sent.
    env.write(
        "nocol.csv",
        "UserPrincipalName,PhoneNumber\nx@contoso.com,+14255550110\n",
    );
    let before = env.action_requests();
    let run = env.run(&["bulk", "assign", "nocol.csv", "--yes"]);
    run.code(2);
    assert!(
        run.stderr.contains("missing column PhoneNumberType"),
        "{}",
        run.stderr
    );
    assert_eq!(env.action_requests(), before);
    // ...unless --type gives it for the whole file.
    env.write(
        "typed.csv",
        format!("UserId,PhoneNumber\n{},{}\n", user_id(7), number(6)),
    );
    env.run(&[
        "bulk",
        "assign",
        "typed.csv",
        "--type",
        "DirectRouting",
        "--yes",
    ])
    .code(0);
    // A missing file, an empty file, UTF-16: exit 2.
    env.run(&["bulk", "assign", "absent.csv", "--yes"]).code(2);
    env.write("empty.csv", "");
    env.run(&["bulk", "assign", "empty.csv", "--yes"]).code(2);
    env.write("utf16.csv", [0xFF, 0xFE, b'U', 0]);
    let run = env.run(&["bulk", "assign", "utf16.csv", "--yes"]);
    run.code(2);
    assert!(run.stderr.contains("CSV UTF-8"), "{}", run.stderr);
}

#[test]
fn a_real_tenant_needs_yes_without_a_terminal() {
    let env = Env::new();
    env.write("a.csv", assign_csv(2));
    let run = env.run(&["bulk", "assign", "a.csv"]);
    run.code(2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(env.action_requests(), 0);
}

#[test]
fn dry_run_sends_no_action() {
    let env = Env::new();
    let sample = sample("assign-numbers.csv");
    let run = env.run(&[
        "bulk",
        "assign",
        sample.to_str().unwrap(),
        "--dry-run",
        "--report",
        "plan.csv",
        "-o",
        "csv",
    ]);
    run.code(1); // the bad rows
    // With -o csv on stdout, bad rows are told on stderr as they happen.
    assert!(run.stderr.contains("row 35: invalid"), "{}", run.stderr);
    assert_eq!(env.action_requests(), 0, "{:?}", env.counters().requests);
    assert!(env.counters().numbers.values().all(|c| c.assign == 0));
    let plan = read_report(&env.path("plan.csv"));
    assert_eq!(plan.len(), 40);
    // Rows 1..=33 and 39 (the license shows only when it runs).
    assert_eq!(plan.iter().filter(|r| r["status"] == "planned").count(), 34);
    assert_eq!(plan[33]["status"], "alreadyDone"); // adele already has +14255550210
    assert_eq!(plan[37]["errorCode"], "assignedElsewhere");
    assert_eq!(plan[39]["errorCode"], "numberNotFound");
    // stdout carries the same plan.
    let mut stdout = csv::Reader::from_reader(run.stdout.as_bytes());
    assert_eq!(stdout.records().count(), 40);
    // --dry-run keeps no journal.
    env.run(&["bulk", "assign", "x.csv", "--dry-run", "--journal", "j"])
        .code(2);
}

#[test]
fn every_bulk_command() {
    let env = Env::new();
    // unassign: the seeded assignments of +14255550190..95.
    let unassign = sample("unassign-numbers.csv");
    env.run(&["bulk", "unassign", unassign.to_str().unwrap(), "--yes"])
        .code(0);
    for k in 90..96 {
        assert_eq!(env.counters().numbers[&number(k)].unassign, 1);
    }
    // update: a location, and a clear.
    let location = graph_teams_admin_emulator::SEED_LOCATION_ID;
    env.write(
        "update.csv",
        format!(
            "TelephoneNumber,LocationId\n{},{location}\n{},\n",
            number(0),
            number(4)
        ),
    );
    env.run(&["bulk", "update", "update.csv", "--yes", "--report", "u.csv"])
        .code(0);
    assert_eq!(env.counters().numbers[&number(0)].update, 1);
    let shown = env
        .run(&["numbers", "show", &number(0), "-o", "json"])
        .code(0)
        .json();
    assert_eq!(shown["locationId"], location);
    // policy assign by name (one unknown name), then unassign.
    let policies = sample("assign-policies.csv");
    let run = env.run(&[
        "bulk",
        "policy",
        "assign",
        policies.to_str().unwrap(),
        "--yes",
        "--report",
        "p.csv",
    ]);
    run.code(1);
    let report = read_report(&env.path("p.csv"));
    assert_eq!(report.len(), 12);
    assert_eq!(report[11]["status"], "invalid");
    assert!(
        report[11]["detail"].contains("NoSuchPolicy"),
        "{:?}",
        report[11]
    );
    let counts = env.counters().policy_assignments;
    for i in 1..=10 {
        assert_eq!(counts[&user_id(i)]["TeamsMeetingPolicy"].assign, 1);
    }
    assert_eq!(counts[ADELE]["TeamsCallingPolicy"].assign, 1);
    env.write(
        "unpolicy.csv",
        format!(
            "UserPrincipalName;PolicyType\n{};TeamsMeetingPolicy\n",
            user(1)
        ),
    );
    env.run(&["bulk", "policy", "unassign", "unpolicy.csv", "--yes"])
        .code(0);
    assert_eq!(
        env.counters().policy_assignments[&user_id(1)]["TeamsMeetingPolicy"].unassign,
        1
    );
}

#[test]
fn throttled_runs_finish_without_losing_rows() {
    let env = Env::new();
    env.emulator
        .faults()
        .rate_limit(Some(RateLimit::per_second(10)));
    env.write("a.csv", assign_csv(25));
    let run = env.run(&[
        "bulk",
        "assign",
        "a.csv",
        "--yes",
        "--concurrency",
        "8",
        "--report",
        "r.csv",
    ]);
    run.code(0);
    let report = read_report(&env.path("r.csv"));
    assert!(report.iter().all(|r| r["status"] == "succeeded"));
    let throttled: u64 = report
        .iter()
        .map(|r| r["throttled"].parse::<u64>().unwrap())
        .sum();
    assert!(throttled > 0, "the rate limit never bit");
    for k in 0..25 {
        assert_eq!(env.assigns(&number(k)), 1);
    }
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, deadline: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assign_posts(env: &Env) -> u64 {
    env.counters()
        .requests
        .iter()
        .filter(|(route, _)| route.contains("assignNumber"))
        .flat_map(|(_, s)| s.values())
        .sum()
}

#[test]
fn ctrl_c_stops_submitting_and_the_run_resumes() {
    let env = Env::with(slow_config(Duration::from_millis(1000)));
    // Every answer takes 250 ms, so the 202s cannot outrun the signal: with
    // two requests in flight the 16 rows need seconds to be submitted.
    env.emulator
        .faults()
        .slow_next(100_000, Duration::from_millis(250));
    env.write("a.csv", assign_csv(16));
    let args = [
        "bulk",
        "assign",
        "a.csv",
        "--yes",
        "--concurrency",
        "2",
        "--journal",
        "run.journal",
        "--report",
        "r.csv",
    ];
    let child = spawn(&env, &args);
    wait_for("the first requests", Duration::from_secs(20), || {
        assign_posts(&env) >= 2
    });
    // SIGINT, as Ctrl-C sends it.
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let run = Run::of(child.wait_with_output().unwrap());
    run.code(130);
    assert!(run.stderr.contains("interrupted"), "{}", run.stderr);
    assert!(run.stderr.contains("--resume"), "{}", run.stderr);
    assert!(run.stderr.contains("outcome"), "{}", run.stderr);
    let report = read_report(&env.path("r.csv"));
    assert_eq!(report.len(), 16, "every row has an outcome");
    let done = report.iter().filter(|r| r["status"] == "succeeded").count();
    assert!(done >= 2, "rows in flight finish: {report:?}");
    assert!(report.iter().any(|r| r["status"] == "notRun"));
    let sent_before = assign_posts(&env);
    assert!(sent_before < 16, "submitting stopped");
    env.emulator.faults().slow_next(0, Duration::ZERO);

    let mut resume = args.to_vec();
    resume.push("--resume");
    let run = Run::of(
        env.cmd(&resume)
            .env("TEAMS_ADMIN_PROGRESS_SECONDS", "0.1")
            .output()
            .unwrap(),
    );
    run.code(0);
    assert!(
        run.stderr.contains("in flight"),
        "plain progress lines: {}",
        run.stderr
    );
    let report = read_report(&env.path("r.csv"));
    assert_eq!(report.len(), 16);
    assert!(
        report.iter().all(|r| r["status"] == "succeeded"),
        "{report:?}"
    );
    assert_eq!(
        report.iter().filter(|r| r["fromJournal"] == "true").count(),
        done
    );
    for k in 0..16 {
        assert_eq!(env.assigns(&number(k)), 1, "{}", number(k));
    }
}

#[test]
fn kill_9_at_several_points_then_resume_applies_each_row_once() {
    let env = Env::with(slow_config(Duration::from_millis(300)));
    let rows = 40;
    env.write("a.csv", assign_csv(rows));
    let base = [
        "bulk",
        "assign",
        "a.csv",
        "--yes",
        "--concurrency",
        "4",
        "--journal",
        "run.journal",
        "--report",
        "r.csv",
        "--in-doubt-wait",
        "1",
    ];
    // Killed after 2, then 12, then 24 requests (one fresh run, then two
    // resumes), then a resume that finishes.
    let mut killed_running = 0;
    for (i, after) in [2u64, 12, 24].into_iter().enumerate() {
        let mut args = base.to_vec();
        if i > 0 {
            args.push("--resume");
        }
        let mut child = spawn(&env, &args);
        let target = after;
        wait_for("requests", Duration::from_secs(30), || {
            assign_posts(&env) >= target || child.try_wait().unwrap().is_some()
        });
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if i == 0 {
            let partial = read_report(&env.path("r.csv"));
            assert!(
                partial.len() < rows,
                "killed mid-run: {} rows reported",
                partial.len()
            );
        }
    }
    assert!(killed_running >= 2, "the kills landed mid-run");
    let mut args = base.to_vec();
    args.push("--resume");
    let run = env.run(&args);
    run.code(0);
    let report = read_report(&env.path("r.csv"));
    assert_eq!(report.len(), rows, "the report is complete");
    assert!(
        report.iter().all(|r| r["status"] == "succeeded"),
        "{:?}",
        report
            .iter()
            .filter(|r| r["status"] != "succeeded")
            .collect::<Vec<_>>()
    );
    for k in 0..rows {
        assert_eq!(env.assigns(&number(k)), 1, "{} applied once", number(k));
    }
}
