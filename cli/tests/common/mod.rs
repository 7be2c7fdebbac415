//! Test support: an emulator in the test process (its counters read
//! directly) and the real `teams-admin` binary as a child process talking to
//! it over loopback with `TEAMS_ADMIN_BASE_URL` / `TEAMS_ADMIN_TOKEN`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use graph_teams_admin_emulator::{Counters, Emulator, EmulatorConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_teams-admin");
pub const TYPES: [&str; 3] = ["DirectRouting", "CallingPlan", "OperatorConnect"];
pub const ADELE: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";

/// `+14255550100` + k: the k-th seeded number; its type is `TYPES[k % 3]`.
pub fn number(k: usize) -> String {
    format!("+1425555{:04}", 100 + k)
}

pub fn user(i: usize) -> String {
    format!("user{i:03}@contoso.onmicrosoft.com")
}

pub fn user_id(i: usize) -> String {
    format!("5b7a9c1e-3d2f-4e60-8a4b-{i:012}")
}

/// The seed `--emulator` uses (cli/src/auth.rs `demo_config`), so the
/// shipped samples mean the same thing against this emulator.
pub fn demo_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::with_numbers(120).with_users(50);
    config.operation_duration = Duration::from_millis(200);
    if let Some(user) = config.user_mut("user050@contoso.onmicrosoft.com") {
        *user = user.clone().unlicensed();
    }
    for (offset, user_index) in (90..100).zip(41..=50) {
        config.numbers[offset].assignment_target_id = Some(user_id(user_index));
    }
    config.numbers[110].assignment_target_id = Some(ADELE.into());
    config
}

pub struct Env {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    // Last: the emulator's tasks run on it.
    pub rt: tokio::runtime::Runtime,
}

impl Env {
    pub fn new() -> Self {
        Self::with(demo_config())
    }

    pub fn with(config: EmulatorConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = rt.block_on(Emulator::start(config)).unwrap();
        Env {
            emulator,
            dir: tempfile::tempdir().unwrap(),
            rt,
        }
    }

    /// `teams-admin ARGS` against this emulator.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env("TEAMS_ADMIN_BASE_URL", self.emulator.base_url())
            .env("TEAMS_ADMIN_TOKEN", self.emulator.token())
            .env_remove("AZURE_CLIENT_SECRET")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.cmd(args).output().unwrap())
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn counters(&self) -> Counters {
        self.emulator.counters()
    }

    /// Action requests (assign/unassign/update/policy) that reached the emulator.
    pub fn action_requests(&self) -> u64 {
        self.counters()
            .requests
            .iter()
            .filter(|(route, _)| route.starts_with("POST "))
            .flat_map(|(_, by_status)| by_status.values())
            .sum()
    }

    pub fn assigns(&self, number: &str) -> u32 {
        self.counters().numbers.get(number).map_or(0, |c| c.assign)
    }
}

/// What a finished process left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code, want,
            "exit {} (wanted {want})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A CSV report as (header → value) maps.
pub fn read_report(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// The shipped sample files.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}
