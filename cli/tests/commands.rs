//! Every command as a real process against an emulator on loopback: help,
//! usage errors, output formats, auth choices, and what Graph errors show.

mod common;

use common::*;

/// Every command path, for the help and usage checks.
const COMMANDS: &[&[&str]] = &[
    &["numbers", "list"],
    &["numbers", "show"],
    &["numbers", "assign"],
    &["numbers", "unassign"],
    &["numbers", "update"],
    &["operations", "show"],
    &["operations", "wait"],
    &["operations", "list"],
    &["bulk", "assign"],
    &["bulk", "unassign"],
    &["bulk", "update"],
    &["bulk", "policy", "assign"],
    &["bulk", "policy", "unassign"],
    &["policy", "list"],
    &["policy", "show"],
    &["policy", "id"],
    &["policy", "assign"],
    &["policy", "unassign"],
    &["users", "show"],
    &["completions"],
];

#[test]
fn every_command_has_help_with_an_example() {
    for path in COMMANDS {
        let mut args: Vec<&str> = path.to_vec();
        args.push("--help");
        let out = std::process::Command::new(BIN)
            .args(&args)
            .output()
            .unwrap();
        let run = Run::of(out);
        run.code(0);
        assert!(
            run.stdout.contains("Example"),
            "`{}` help has no example:\n{}",
            path.join(" "),
            run.stdout
        );
        assert!(run.stdout.contains("teams-admin"), "{}", run.stdout);
    }
    let top = Run::of(
        std::process::Command::new(BIN)
            .arg("--help")
            .output()
            .unwrap(),
    );
    top.code(0);
    for group in [
        "numbers",
        "operations",
        "bulk",
        "policy",
        "users",
        "completions",
    ] {
        assert!(top.stdout.contains(group), "{}", top.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["numbers", "list", "--no-such-flag"],
        vec!["numbers", "show"],
        vec!["numbers", "list", "-o", "yaml"],
        vec!["bulk", "assign"],
        vec!["bulk", "assign", "x.csv", "--resume"],
        vec!["frobnicate"],
        vec![],
    ] {
        let run = Run::of(
            std::process::Command::new(BIN)
                .args(&args)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    // Bad values found after parsing exit 2 as well.
    let env = Env::new();
    env.run(&["numbers", "list", "--type", "Teams"]).code(2);
    env.run(&["numbers", "list", "--capability", "fax"]).code(2);
    env.run(&["numbers", "show", "not-a-number"]).code(2);
    env.run(&["numbers", "update", &number(0)]).code(2);
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = Run::of(
            std::process::Command::new(BIN)
                .args(["completions", shell])
                .output()
                .unwrap(),
        );
        run.code(0);
        assert!(run.stdout.contains("teams-admin"), "{shell}");
        assert!(run.stdout.len() > 1000, "{shell}");
    }
}

#[test]
fn numbers_list_in_every_format_with_filters() {
    let env = Env::new();
    let filters = [
        "numbers",
        "list",
        "--unassigned",
        "--type",
        "directRouting",
        "--starts-with",
        "1425555",
        "--capability",
        "userAssignment",
        "--page-size",
        "7",
    ];
    // 120 numbers, a third direct routing, unassigned except the seeded
    // ones (offsets 90..99 and 110).
    let want: Vec<String> = (0..120)
        .filter(|k| k % 3 == 0 && !(90..100).contains(k) && *k != 110)
        .map(number)
        .collect();

    let json = env
        .run(&[&filters[..], &["-o", "json"]].concat())
        .code(0)
        .json();
    let got: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["telephoneNumber"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, want);
    assert!(json[0]["numberType"] == "directRouting");

    let jsonl = env.run(&[&filters[..], &["-o", "jsonl"]].concat());
    let lines: Vec<serde_json::Value> = jsonl
        .code(0)
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), want.len());

    let csv = env.run(&[&filters[..], &["-o", "csv"]].concat());
    let mut reader = csv::Reader::from_reader(csv.code(0).stdout.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "telephoneNumber");
    let numbers: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(numbers, want);

    let table = env.run(&filters).code(0).stdout.clone();
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("telephoneNumber") && header.contains("assignmentStatus"));
    assert_eq!(lines.count(), want.len(), "{table}");

    // --limit stops the stream; an empty result is still valid output.
    let limited = env
        .run(&["numbers", "list", "--limit", "3", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(limited.as_array().unwrap().len(), 3);
    let none = env
        .run(&["numbers", "list", "--starts-with", "+999", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(none, serde_json::json!([]));
    let none_csv = env.run(&["numbers", "list", "--starts-with", "+999", "-o", "csv"]);
    assert_eq!(none_csv.code(0).stdout.lines().count(), 1);
    // --user: the numbers assigned to someone.
    let adele = env
        .run(&[
            "numbers",
            "list",
            "--user",
            "Adele.Vance@contoso.onmicrosoft.com",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(adele[0]["telephoneNumber"], number(110));
}

#[test]
fn numbers_show_assign_update_unassign() {
    let env = Env::new();
    let n = number(0);
    let shown = env
        .run(&["numbers", "show", "14255550100", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(shown["telephoneNumber"], n);
    assert_eq!(shown["assignmentStatus"], "unassigned");
    let table = env.run(&["numbers", "show", &n]).code(0).stdout.clone();
    assert!(
        table.contains("telephoneNumber") && table.contains(&n),
        "{table}"
    );

    let assigned = env
        .run(&[
            "numbers",
            "assign",
            &n,
            "--user",
            &user(1),
            "--type",
            "DirectRouting",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(assigned["status"], "succeeded");
    assert_eq!(assigned["userId"], user_id(1));
    assert!(
        assigned["operation"]
            .as_str()
            .unwrap()
            .contains("operations")
    );
    assert_eq!(env.assigns(&n), 1);
    let shown = env
        .run(&["numbers", "show", &n, "-o", "json"])
        .code(0)
        .json();
    assert_eq!(shown["assignmentTargetId"], user_id(1));

    let location = graph_teams_admin_emulator::SEED_LOCATION_ID;
    env.run(&["numbers", "update", &n, "--location", location])
        .code(0);
    let shown = env
        .run(&["numbers", "show", &n, "-o", "json"])
        .code(0)
        .json();
    assert_eq!(shown["locationId"], location);

    // The type is looked up when left out.
    let out = env
        .run(&["numbers", "unassign", &n, "-o", "csv"])
        .code(0)
        .stdout
        .clone();
    assert!(out.starts_with("telephoneNumber,action"), "{out}");
    assert!(
        out.contains("unassign") && out.contains("succeeded"),
        "{out}"
    );
    assert_eq!(env.counters().numbers[&n].unassign, 1);

    // A failed operation: the unlicensed user. Exit 1, statusDetail shown.
    let failed = env.run(&[
        "numbers",
        "assign",
        &number(1),
        "--user",
        &user(50),
        "--type",
        "CallingPlan",
        "-o",
        "json",
    ]);
    failed.code(1);
    assert_eq!(failed.json()["status"], "failed");
    assert!(
        !failed.json()["statusDetail"]
            .as_str()
            .unwrap_or("")
            .is_empty()
    );
}

#[test]
fn no_wait_then_operations_show_and_wait() {
    let env = Env::new();
    let accepted = env
        .run(&[
            "numbers",
            "assign",
            &number(3),
            "--user",
            ADELE,
            "--type",
            "DirectRouting",
            "--no-wait",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(accepted["status"], "accepted");
    let reference = accepted["operation"].as_str().unwrap().to_owned();
    assert!(
        env.run(&["numbers", "assign", "--help"])
            .stdout
            .contains("--no-wait")
    );

    let shown = env
        .run(&["operations", "show", &reference, "-o", "json"])
        .code(0)
        .json();
    assert!(shown["id"].is_string());
    let waited = env
        .run(&["operations", "wait", &reference, "-o", "json"])
        .code(0)
        .json();
    assert_eq!(waited[0]["status"], "succeeded");
    assert_eq!(waited[0]["telephoneNumbers"][0], number(3));
    assert_eq!(env.assigns(&number(3)), 1);
    // By id too, and listed.
    let id = shown["id"].as_str().unwrap();
    env.run(&["operations", "show", id]).code(0);
    let listed = env
        .run(&["operations", "list", "-o", "jsonl"])
        .code(0)
        .stdout
        .clone();
    assert!(listed.contains(id), "{listed}");
}

#[test]
fn users_and_policy_commands() {
    let env = Env::new();
    let me = env
        .run(&[
            "users",
            "show",
            "adele.vance@contoso.onmicrosoft.com",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(me["id"], ADELE);
    let table = env.run(&["users", "show", ADELE]).code(0).stdout.clone();
    assert!(
        table.contains("userPrincipalName") && table.contains("adele.vance"),
        "{table}"
    );
    env.run(&["users", "show", "nobody@contoso.onmicrosoft.com"])
        .code(1);

    let ids = env
        .run(&[
            "policy",
            "id",
            "--type",
            "TeamsMeetingPolicy",
            "--name",
            "AllOn",
            "-o",
            "json",
        ])
        .code(0)
        .json();
    let policy_id = ids[0]["policyId"].as_str().unwrap().to_owned();
    env.run(&[
        "policy",
        "assign",
        "--user",
        &user(2),
        "--type",
        "TeamsMeetingPolicy",
        "--name",
        "AllOn",
    ])
    .code(0);
    let listed = env
        .run(&["policy", "list", "--user", &user(2), "-o", "json"])
        .code(0)
        .json();
    assert_eq!(listed[0]["policyId"], policy_id.as_str());
    assert_eq!(listed[0]["userId"], user_id(2));
    let id = listed[0]["id"]
        .as_str()
        .expect("a listed assignment has an id");
    let shown = env
        .run(&["policy", "show", id, "-o", "json"])
        .code(0)
        .json();
    assert_eq!(shown["policyId"], policy_id.as_str(), "{shown}");
    let config = env
        .run(&["users", "show", &user(2), "-o", "json"])
        .code(0)
        .json();
    assert!(config.to_string().contains(&policy_id), "{config}");
    env.run(&[
        "policy",
        "unassign",
        "--user",
        &user(2),
        "--type",
        "TeamsMeetingPolicy",
    ])
    .code(0);
    let counts = &env.counters().policy_assignments[&user_id(2)]["TeamsMeetingPolicy"];
    assert_eq!((counts.assign, counts.unassign), (1, 1));
    env.run(&[
        "policy",
        "id",
        "--type",
        "TeamsMeetingPolicy",
        "--name",
        "Nope",
    ])
    .code(1);
}

#[test]
fn emulator_flag_runs_commands_without_an_account() {
    let run = Run::of(
        std::process::Command::new(BIN)
            .args(["--emulator", "numbers", "list", "-o", "csv"])
            .env_remove("TEAMS_ADMIN_BASE_URL")
            .env_remove("TEAMS_ADMIN_TOKEN")
            .output()
            .unwrap(),
    );
    run.code(0);
    assert_eq!(run.stdout.lines().count(), 121);
    let run = Run::of(
        std::process::Command::new(BIN)
            .args([
                "--emulator",
                "users",
                "show",
                "megan.bowen@contoso.onmicrosoft.com",
                "-o",
                "json",
            ])
            .output()
            .unwrap(),
    );
    run.code(0);
    assert_eq!(
        run.json()["userPrincipalName"],
        "megan.bowen@contoso.onmicrosoft.com"
    );
}

#[test]
fn graph_errors_show_code_and_ids_and_never_the_token() {
    let env = Env::new();
    let token = env.emulator.token();
    env.emulator.expire_token(&token);
    let run = env.run(&["-vvv", "numbers", "list"]);
    run.code(1);
    assert!(
        run.stderr.contains("InvalidAuthenticationToken"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("request-id"), "{}", run.stderr);
    assert!(run.stderr.contains("client-request-id"), "{}", run.stderr);
    assert!(!run.stderr.contains(&token) && !run.stdout.contains(&token));

    // A number that is not in the inventory.
    let env = Env::new();
    let run = env.run(&["numbers", "show", "+19995550100"]);
    run.code(1);
    assert!(
        run.stderr.contains("not in the tenant's number inventory"),
        "{}",
        run.stderr
    );
}

#[test]
fn credentials_come_from_flags_and_environment_without_leaking() {
    let secret = "s3cr3t-value-that-must-not-print";
    // A client secret without a tenant: a usage error naming what is missing.
    let run = Run::of(
        std::process::Command::new(BIN)
            .args(["-vv", "numbers", "list"])
            .env_remove("TEAMS_ADMIN_TOKEN")
            .env_remove("AZURE_TENANT_ID")
            .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
            .env("AZURE_CLIENT_SECRET", secret)
            .output()
            .unwrap(),
    );
    run.code(2);
    assert!(run.stderr.contains("AZURE_TENANT_ID"), "{}", run.stderr);
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    // --auth token without one.
    let run = Run::of(
        std::process::Command::new(BIN)
            .args(["--auth", "token", "numbers", "list"])
            .env_remove("TEAMS_ADMIN_TOKEN")
            .output()
            .unwrap(),
    );
    run.code(2);
    assert!(run.stderr.contains("TEAMS_ADMIN_TOKEN"), "{}", run.stderr);
    // The token's value is hidden in --help even when it is set.
    let run = Run::of(
        std::process::Command::new(BIN)
            .arg("--help")
            .env("TEAMS_ADMIN_TOKEN", secret)
            .output()
            .unwrap(),
    );
    assert!(!run.stdout.contains(secret), "{}", run.stdout);
    // A certificate without the build feature says how to get it.
    #[cfg(not(feature = "client-certificate"))]
    {
        let run = Run::of(
            std::process::Command::new(BIN)
                .args(["--auth", "client-certificate", "numbers", "list"])
                .env("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
                .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
                .output()
                .unwrap(),
        );
        run.code(2);
        assert!(run.stderr.contains("client-certificate"), "{}", run.stderr);
    }
}

/// `--timeout` is the poller's own deadline: an operation that stays
/// running is given up at it (or as soon as the next poll could not come
/// before it), with the reference to wait on later.
#[test]
fn numbers_assign_gives_up_at_its_timeout() {
    let env = Env::new();
    env.emulator.faults().operations_stay_running(true);
    let n = number(5);
    let started = std::time::Instant::now();
    let run = env.run(&[
        "numbers",
        "assign",
        &n,
        "--user",
        &user(1),
        "--type",
        "DirectRouting",
        "--timeout",
        "1",
    ]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("not done within --timeout 1s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("operations wait"), "{}", run.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
