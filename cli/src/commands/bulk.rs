//! `bulk assign|unassign|update FILE.csv`, `bulk policy assign|unassign
//! FILE.csv`: the CSV becomes the SDK bulk engine's typed rows
//! (`graph_teams_admin::bulk`), its outcomes become the report, stdout and
//! the progress bar. The engine owns concurrency, throttling, user
//! resolution, the journal and the dry-run plan; this file owns the
//! conversation with the person running it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use futures::StreamExt;
use graph_teams_admin::Client;
use graph_teams_admin::bulk::{
    Action, AssignNumber, AssignPolicy, Bulk, BulkOptions, Counts, InputFingerprint, JournalMode,
    JournalOptions, Row, RowError, RowOutcome, RowStatus, UnassignNumber, UnassignPolicy,
    UpdateNumber,
};
use serde::Serialize;

use super::Ctx;
use crate::args::{BulkCommand, BulkPolicyCommand, BulkRun, OutputFormat};
use crate::csv::{Change, CsvInput, InputRow, Kind, PolicyRef, RowData, parse_number_type};
use crate::exit::{self, UsageError};
use crate::output::{self, Record, opt};
use crate::progress::{Progress, Snapshot};

/// Rows of interest a `table` on stdout shows at most (the report has all).
const TABLE_ROWS: u64 = 100;
/// Bad or failed rows noted on stderr as they happen, at most.
const NOTES: u64 = 20;

/// One row of the report (and of stdout).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    pub row: u64,
    pub action: String,
    pub user: String,
    pub user_id: String,
    pub telephone_number: String,
    pub number_type: String,
    pub location_id: String,
    pub policy_type: String,
    pub policy_id: String,
    pub status: String,
    pub error_code: String,
    pub detail: String,
    pub operation: String,
    pub request_id: String,
    pub client_request_id: String,
    pub attempts: u32,
    pub throttled: u32,
    pub duration_ms: u64,
    pub from_journal: bool,
}

impl Record for ReportRow {
    fn columns() -> &'static [&'static str] {
        &[
            "row",
            "action",
            "user",
            "userId",
            "telephoneNumber",
            "numberType",
            "locationId",
            "policyType",
            "policyId",
            "status",
            "errorCode",
            "detail",
            "operation",
            "requestId",
            "clientRequestId",
            "attempts",
            "throttled",
            "durationMs",
            "fromJournal",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.row.to_string(),
            self.action.clone(),
            self.user.clone(),
            self.user_id.clone(),
            self.telephone_number.clone(),
            self.number_type.clone(),
            self.location_id.clone(),
            self.policy_type.clone(),
            self.policy_id.clone(),
            self.status.clone(),
            self.error_code.clone(),
            self.detail.clone(),
            self.operation.clone(),
            self.request_id.clone(),
            self.client_request_id.clone(),
            self.attempts.to_string(),
            self.throttled.to_string(),
            self.duration_ms.to_string(),
            self.from_journal.to_string(),
        ]
    }
}

/// The narrow table stdout shows (the report keeps every column).
#[derive(Debug, Serialize)]
struct TableRow(ReportRow);

impl Record for TableRow {
    fn columns() -> &'static [&'static str] {
        &["row", "user", "item", "status", "errorCode", "detail"]
    }
    fn cells(&self) -> Vec<String> {
        let r = &self.0;
        vec![
            r.row.to_string(),
            r.user.clone(),
            if r.policy_type.is_empty() {
                r.telephone_number.clone()
            } else {
                r.policy_type.clone()
            },
            r.status.clone(),
            r.error_code.clone(),
            r.detail.clone(),
        ]
    }
}

impl ReportRow {
    fn of(o: &RowOutcome) -> Self {
        let mut r = ReportRow {
            row: o.line,
            action: String::new(),
            user: String::new(),
            user_id: opt(&o.user_id),
            telephone_number: String::new(),
            number_type: String::new(),
            location_id: String::new(),
            policy_type: String::new(),
            policy_id: String::new(),
            status: o.status.as_str().to_owned(),
            error_code: opt(&o.error_code),
            detail: opt(&o.detail),
            operation: o
                .operation
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            request_id: opt(&o.request_id),
            client_request_id: opt(&o.client_request_id),
            attempts: o.attempts,
            throttled: o.throttled,
            duration_ms: u64::try_from(o.duration.as_millis()).unwrap_or(u64::MAX),
            from_journal: o.from_journal,
        };
        if let Some(row) = &o.row {
            r.action = row.action.kind().as_str().to_owned();
            r.user = row.action.user().unwrap_or_default().to_owned();
            r.telephone_number = row.action.telephone_number().unwrap_or_default().to_owned();
            match &row.action {
                Action::AssignNumber(a) => {
                    r.number_type = a.number_type.to_string();
                    r.location_id = opt(&a.location_id);
                }
                Action::UnassignNumber(a) => r.number_type = a.number_type.to_string(),
                Action::UpdateNumber(a) => r.location_id = opt(&a.location_id),
                Action::AssignPolicy(a) => {
                    r.policy_type = a.policy_type.clone();
                    r.policy_id = a.policy_id.clone();
                }
                Action::UnassignPolicy(a) => r.policy_type = a.policy_type.clone(),
                _ => {}
            }
        }
        r
    }
}

/// The per-row report file, written as rows end (a killed run leaves every
/// row that ended before it).
enum Report {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Json { out: BufWriter<File>, rows: u64 },
    Jsonl(BufWriter<File>),
}

impl Report {
    fn create(path: &Path) -> Result<Self> {
        let file = File::create(path)
            .map_err(|e| UsageError(format!("cannot write the report {}: {e}", path.display())))?;
        let out = BufWriter::new(file);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match ext.as_str() {
            "json" => Report::Json { out, rows: 0 },
            "jsonl" | "ndjson" => Report::Jsonl(out),
            _ => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(ReportRow::columns())?;
                w.flush()?;
                Report::Csv(Box::new(w))
            }
        })
    }

    fn write(&mut self, row: &ReportRow) -> Result<()> {
        match self {
            Report::Csv(w) => {
                w.write_record(row.cells())?;
                w.flush()?;
            }
            Report::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"[\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *out, row)?;
                out.flush()?;
                *rows += 1;
            }
            Report::Jsonl(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Report::Csv(mut w) => w.flush()?,
            Report::Json { mut out, rows } => {
                out.write_all(if rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Report::Jsonl(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// A policy id, or why there is none.
type PolicyLookup = Result<String, String>;

/// Policy names looked up once per (type, name) for the whole file.
#[derive(Clone)]
struct PolicyNames {
    client: Client,
    cache: Arc<Mutex<HashMap<(String, String), PolicyLookup>>>,
}

impl PolicyNames {
    async fn id(&self, policy_type: &str, name: &str) -> Result<String, String> {
        let key = (policy_type.to_ascii_lowercase(), name.to_ascii_lowercase());
        if let Some(hit) = self.cache.lock().expect("cache lock").get(&key) {
            return hit.clone();
        }
        let found = match super::policy::one_policy_id(
            &self.client,
            policy_type,
            name,
            "use a PolicyId column",
        )
        .await
        {
            Ok(found) => found,
            Err(e) => Err(format!("cannot look up the {policy_type} {name:?}: {e}")),
        };
        self.cache
            .lock()
            .expect("cache lock")
            .insert(key, found.clone());
        found
    }
}

/// A CSV row as the engine's row (policy names become ids here).
async fn to_engine(
    parsed: Result<InputRow, crate::csv::RowError>,
    policies: &PolicyNames,
) -> Result<Row, RowError> {
    let r = match parsed {
        Ok(r) => r,
        Err(e) => {
            return Err(RowError::new(
                e.row,
                format!("{} (line {})", e.reason, e.line),
            ));
        }
    };
    let action: Action = match r.data {
        RowData::Assign {
            user,
            number,
            number_type,
            location_id,
            category,
        } => {
            let mut a = AssignNumber::new(user, number, number_type);
            if let Some(l) = location_id {
                a = a.location_id(l);
            }
            if let Some(c) = category {
                a = a.assignment_category(c);
            }
            a.into()
        }
        RowData::Unassign {
            number,
            number_type,
        } => UnassignNumber::new(number, number_type).into(),
        RowData::Update {
            number,
            location_id,
            network_site_id,
        } => {
            let mut u = UpdateNumber::new(number);
            match location_id {
                Change::Keep => {}
                Change::Clear => u = u.location_id(""),
                Change::Set(v) => u = u.location_id(v),
            }
            match network_site_id {
                Change::Keep => {}
                Change::Clear => u = u.network_site_id(""),
                Change::Set(v) => u = u.network_site_id(v),
            }
            u.into()
        }
        RowData::PolicyAssign {
            user,
            policy_type,
            policy,
        } => {
            let id = match policy {
                PolicyRef::Id(id) => id,
                PolicyRef::Name(name) => policies
                    .id(&policy_type, &name)
                    .await
                    .map_err(|m| RowError::new(r.row, format!("{m} (line {})", r.line)))?,
            };
            AssignPolicy::new(user, policy_type, id).into()
        }
        RowData::PolicyUnassign { user, policy_type } => {
            UnassignPolicy::new(user, policy_type).into()
        }
    };
    Ok(Row::new(r.row, action))
}

fn snapshot(c: &Counts) -> Snapshot {
    Snapshot {
        done: c.done,
        parts: vec![
            ("succeeded", c.succeeded),
            ("alreadyDone", c.already_done),
            ("planned", c.planned),
            ("failed", c.failed),
            ("invalid", c.invalid),
            ("notRun", c.not_run),
            ("unfinished", c.unfinished),
        ],
        in_flight: c.in_flight,
        requests: c.requests,
        throttled: c.throttled,
        limit: c.limit,
        paused: c.paused,
    }
}

/// The summary counts, from the outcomes themselves (one per row).
#[derive(Debug, Default)]
struct Ended {
    counts: Vec<(&'static str, u64)>,
    total: u64,
}

impl Ended {
    fn add(&mut self, status: &RowStatus) {
        let label = status.as_str();
        self.total += 1;
        match self.counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((label, 1)),
        }
    }

    fn get(&self, label: &str) -> u64 {
        self.counts
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0, |(_, n)| *n)
    }
}

/// Asks before changing a real tenant; `--yes` skips it. Without a
/// terminal to ask on, refuses.
fn confirm(ctx: &Ctx, kind: Kind, rows: u64, file: &Path) -> Result<()> {
    let question = format!(
        "About to {} {rows} rows of {} in {}. Continue? [y/N] ",
        kind.verb(),
        file.display(),
        ctx.target.description
    );
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "{}this changes a real tenant and there is no terminal to confirm on: pass --yes",
            question.trim_end_matches("Continue? [y/N] ")
        ))
        .into());
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(UsageError("cancelled: nothing was changed".into()).into())
    }
}

/// The command that resumes this run.
fn command_line(kind: Kind, a: &BulkRun, journal: &Path) -> String {
    let mut line = format!(
        "teams-admin bulk {} {} --journal {} --resume",
        kind.verb(),
        a.file.display(),
        journal.display()
    );
    if let Some(r) = &a.report {
        line.push_str(&format!(" --report {}", r.display()));
    }
    if let Some(t) = &a.number_type {
        line.push_str(&format!(" --type {t}"));
    }
    line
}

async fn run_file(ctx: &Ctx, kind: Kind, a: BulkRun) -> Result<u8> {
    if a.concurrency == 0 {
        return Err(UsageError("--concurrency must be at least 1".into()).into());
    }
    if a.dry_run && (a.journal.is_some() || a.resume) {
        return Err(UsageError("--dry-run changes nothing and keeps no journal".into()).into());
    }
    let default_type = a
        .number_type
        .as_deref()
        .map(parse_number_type)
        .transpose()
        .map_err(UsageError)?;
    // Opening checks the header (a missing column ends here, exit 2).
    let input = CsvInput::open(&a.file, kind, default_type)?;
    let total = CsvInput::count_rows(&a.file)?;
    if !a.dry_run && !a.yes && !ctx.target.emulated {
        confirm(ctx, kind, total, &a.file)?;
    }

    let mut options = BulkOptions::new()
        .concurrency(a.concurrency)
        .dry_run(a.dry_run)
        .skip_if_done(a.skip_done)
        .in_doubt_wait(Duration::from_secs(a.in_doubt_wait))
        .max_pending(a.max_pending.max(a.concurrency));
    if let Some(journal) = &a.journal {
        let fingerprint = InputFingerprint::of_file(&a.file)
            .with_context(|| format!("cannot read {}", a.file.display()))?;
        let mode = if a.resume {
            JournalMode::Resume
        } else {
            JournalMode::Create
        };
        options = options.journal(JournalOptions::new(journal, fingerprint).mode(mode));
    }

    let policies = PolicyNames {
        client: ctx.client().clone(),
        cache: Arc::default(),
    };
    let rows = futures::stream::iter(input).then(move |parsed| {
        let policies = policies.clone();
        async move { to_engine(parsed, &policies).await }
    });
    let bulk = Bulk::new(ctx.client().clone(), options);
    let mut run = bulk.run(rows).map_err(|e| UsageError(e.to_string()))?;
    let cancel = run.cancel_handle();
    let live = run.progress();

    let label = format!(
        "{}{}",
        if a.dry_run { "dry run: " } else { "" },
        kind.verb()
    );
    let mut progress = Progress::new(label, total, ctx.quiet);
    let mut report = a.report.as_deref().map(Report::create).transpose()?;
    let mut sink = output::Sink::<ReportRow>::new(ctx.format);
    let mut table = output::Sink::<TableRow>::new(OutputFormat::Table);
    let mut table_rows = 0u64;
    let mut hidden = 0u64;
    let mut ended = Ended::default();
    let mut notes = 0u64;
    let mut presses = 0u8;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    loop {
        tokio::select! {
            outcome = run.next() => {
                let Some(outcome) = outcome else { break };
                ended.add(&outcome.status);
                let row = ReportRow::of(&outcome);
                if let Some(report) = report.as_mut() {
                    report.write(&row)?;
                }
                let interesting = !outcome.status.is_success()
                    || (a.dry_run && matches!(outcome.status, RowStatus::Planned));
                // With -o table the rows needing attention are listed at the
                // end anyway; say them as they happen only to a watcher.
                let say = !ctx.quiet && (ctx.format != OutputFormat::Table || progress.has_bar());
                if say && matches!(outcome.status, RowStatus::Failed | RowStatus::Invalid) {
                    notes += 1;
                    if notes <= NOTES {
                        progress.note(&format!("row {}: {}: {}", row.row, row.status, row.detail));
                    } else if notes == NOTES + 1 {
                        progress.note("(more failed rows: see the report)");
                    }
                }
                if ctx.format == OutputFormat::Table {
                    if interesting {
                        if table_rows < TABLE_ROWS {
                            table.write(&TableRow(row))?;
                            table_rows += 1;
                        } else {
                            hidden += 1;
                        }
                    }
                } else {
                    sink.write(&row)?;
                }
                progress.update(&snapshot(&live.counts()));
            }
            _ = tick.tick() => progress.update(&snapshot(&live.counts())),
            _ = &mut ctrl_c, if presses < 2 => {
                presses += 1;
                if presses == 1 {
                    cancel.cancel();
                    progress.note("stopping: no new rows are sent; rows in flight finish (Ctrl-C again to stop at once)");
                } else {
                    cancel.abort();
                    progress.note("stopping now: rows in flight are left for --resume");
                }
                ctrl_c.set(tokio::signal::ctrl_c());
            }
        }
    }
    let summary = run.summary();
    progress.clear();
    if let Some(report) = report.take() {
        report.finish()?;
    }
    if ctx.format == OutputFormat::Table {
        table.finish()?;
        if hidden > 0 {
            writeln!(
                std::io::stdout(),
                "… and {hidden} more rows; the report has every row (--report PATH)"
            )?;
        }
    } else {
        sink.finish()?;
    }

    let mut extra = Vec::new();
    if let Some(path) = &a.report {
        extra.push(format!("report: {} ({} rows)", path.display(), ended.total));
    }
    let not_run = ended.get("notRun");
    let unfinished = ended.get("unfinished");
    if let Some(e) = &summary.error {
        extra.push(format!("error: {e}"));
    }
    if not_run + unfinished > 0 {
        extra.push(match &a.journal {
            Some(j) => format!(
                "interrupted: {not_run} rows not run, {unfinished} unfinished; resume with:\n  {}",
                command_line(kind, &a, j)
            ),
            None => format!(
                "interrupted: {not_run} rows not run, {unfinished} unfinished (no --journal: \
                 the report marks them notRun/unfinished; check unfinished numbers before rerunning)"
            ),
        });
    }
    let final_snapshot = Snapshot {
        done: ended.total,
        parts: ended.counts.clone(),
        ..snapshot(&live.counts())
    };
    progress.finish(&final_snapshot, ctx.quiet, &extra);

    Ok(if presses > 0 && not_run + unfinished > 0 {
        exit::INTERRUPTED
    } else if ended.get("failed") + ended.get("invalid") + not_run + unfinished > 0
        || summary.error.is_some()
    {
        exit::FAILED
    } else {
        exit::OK
    })
}

pub async fn run(ctx: &Ctx, command: BulkCommand) -> Result<u8> {
    let (kind, a) = match command {
        BulkCommand::Assign(a) => (Kind::Assign, a),
        BulkCommand::Unassign(a) => (Kind::Unassign, a),
        BulkCommand::Update(a) => (Kind::Update, a),
        BulkCommand::Policy(BulkPolicyCommand::Assign(a)) => (Kind::PolicyAssign, a),
        BulkCommand::Policy(BulkPolicyCommand::Unassign(a)) => (Kind::PolicyUnassign, a),
    };
    run_file(ctx, kind, a).await
}
