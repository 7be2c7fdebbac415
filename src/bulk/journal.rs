//! The bulk room: the journal, an append-only file of JSON lines that makes
//! a run resumable after Ctrl-C, `kill -9` or a power cut. It may touch the
//! file system and the bulk types, nothing that does HTTP.
//!
//! # Format
//!
//! ```text
//! {"journal":"graph-teams-admin/bulk","version":1,"input":"sha256:…","created_ms":1767225600000}
//! {"seq":0,"line":1,"row":"5f0c…","state":"sent","crid":"…","user_id":"…","at_ms":…}
//! {"seq":0,"line":1,"row":"5f0c…","state":"accepted","crid":"…","op":"https://…/operations('…')"}
//! {"seq":0,"line":1,"row":"5f0c…","state":"ended","status":"succeeded","crid":"…","op":"…","request_id":"…","attempts":1,"throttled":0,"ms":412}
//! {"resumed_ms":1767225700000}
//! ```
//!
//! The header names the input (its fingerprint); then one line per state
//! change of a row: `sent` (a request for it may leave), `accepted` (the
//! service answered 202; `op` is what to poll), `unsent` (cancelled before
//! its request left: safe to send again), `ended` (its outcome). The last
//! line of a row is its state.
//!
//! # Durability
//!
//! A `sent` line is written **and synced (`File::sync_data`) before the
//! request leaves**: a request the service may have seen always has one.
//! Syncs are group commits: one writer thread drains every line queued
//! while the previous sync ran, writes them, syncs once and then releases
//! all their rows together, so a run pays one sync per batch, not per row.
//! Other lines are written at once but not waited for: losing them in a
//! power cut costs work on resume (a poll, a state check), never a
//! duplicate. A resume drops a torn last line (and anything unreadable after
//! the last good line: a power cut may leave a zero-filled tail); damage
//! before a good line is refused.
//!
//! # Resume index
//!
//! Resuming scans the file once and keeps, per row, one `u64`: the state
//! of its last line and that line's offset. A row's details are read back
//! from the file when the row comes up again.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::error::BulkError;
use super::fingerprint::InputFingerprint;
use super::options::{JournalMode, JournalOptions};
use super::outcome::RowStatus;

const MAGIC: &str = "graph-teams-admin/bulk";
const VERSION: u32 = 1;
/// Rows beyond this position are not believed (a damaged `seq`).
const MAX_SEQ: u64 = 1 << 40;

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Serialize, Deserialize)]
struct Header {
    journal: String,
    version: u32,
    input: String,
    created_ms: u64,
}

/// A row's state, as its last journal line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum State {
    Sent,
    Accepted,
    Unsent,
    Ended,
}

impl State {
    fn code(self) -> u64 {
        match self {
            State::Sent => 1,
            State::Accepted => 2,
            State::Unsent => 3,
            State::Ended => 4,
        }
    }
}

/// One line about a row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Record {
    pub seq: u64,
    pub line: u64,
    pub row: String,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttled: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
}

impl Record {
    pub(crate) fn new(seq: u64, line: u64, row: &str, state: State) -> Self {
        Self {
            seq,
            line,
            row: row.to_owned(),
            state,
            crid: None,
            user_id: None,
            at_ms: None,
            op: None,
            status: None,
            detail: None,
            code: None,
            request_id: None,
            attempts: None,
            throttled: None,
            ms: None,
        }
    }

    fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// What the journal says about a row before this run touched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prior {
    /// Nothing: run it.
    New,
    /// Cancelled before its request left: run it.
    Unsent,
    /// A request may have reached the service (the line is at this offset).
    Sent(u64),
    /// The service accepted it; poll the operation.
    Accepted(u64),
    /// It ended; report it again.
    Ended(u64),
}

/// Per row, the state and offset of its last line, packed in a `u64`.
#[derive(Debug, Default)]
pub(crate) struct Index {
    slots: Vec<u64>,
}

const OFFSET_MASK: u64 = (1 << 56) - 1;

impl Index {
    fn set(&mut self, seq: u64, state: State, offset: u64) {
        let i = seq as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, 0);
        }
        self.slots[i] = (state.code() << 56) | (offset & OFFSET_MASK);
    }

    pub(crate) fn get(&self, seq: u64) -> Prior {
        let Some(&slot) = self.slots.get(seq as usize) else {
            return Prior::New;
        };
        let offset = slot & OFFSET_MASK;
        match slot >> 56 {
            1 => Prior::Sent(offset),
            2 => Prior::Accepted(offset),
            3 => Prior::Unsent,
            4 => Prior::Ended(offset),
            _ => Prior::New,
        }
    }

    /// Rows the journal knows.
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| **s != 0).count()
    }
}

enum Cmd {
    Append {
        line: Vec<u8>,
        durable: Option<oneshot::Sender<Result<(), String>>>,
    },
    Read {
        offset: u64,
        reply: oneshot::Sender<io::Result<Vec<u8>>>,
    },
    Close {
        reply: CloseReply,
    },
}

enum CloseReply {
    Async(oneshot::Sender<Result<(), String>>),
    Blocking(std::sync::mpsc::Sender<Result<(), String>>),
}

impl CloseReply {
    fn send(self, result: Result<(), String>) {
        match self {
            CloseReply::Async(tx) => {
                let _ = tx.send(result);
            }
            CloseReply::Blocking(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

/// The writer thread's handle. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Journal {
    tx: mpsc::UnboundedSender<Cmd>,
    path: Arc<PathBuf>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cmd::Append { .. } => "Append",
            Cmd::Read { .. } => "Read",
            Cmd::Close { .. } => "Close",
        })
    }
}

fn gone(path: &Path) -> BulkError {
    BulkError::io(
        path,
        io::Error::new(io::ErrorKind::BrokenPipe, "the journal writer has stopped"),
    )
}

fn failed(path: &Path, message: String) -> BulkError {
    BulkError::io(path, io::Error::other(message))
}

impl Journal {
    /// Opens (creates or resumes) the journal and starts its writer thread.
    /// Blocking file I/O: a resume reads the whole file once.
    pub(crate) fn open(options: &JournalOptions) -> Result<(Journal, Index), BulkError> {
        let path = options.path.as_path();
        let has_content = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let resume = match options.mode {
            JournalMode::Create if has_content => {
                return Err(BulkError::JournalExists {
                    path: path.to_owned(),
                });
            }
            JournalMode::Create => false,
            JournalMode::Resume if !has_content => {
                return Err(BulkError::JournalMissing {
                    path: path.to_owned(),
                });
            }
            JournalMode::Resume => true,
            JournalMode::CreateOrResume => has_content,
        };
        let index = if resume {
            scan(path, &options.input)?
        } else {
            create(path, &options.input).map_err(|e| BulkError::io(path, e))?;
            Index::default()
        };
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| BulkError::io(path, e))?;
        let reader = File::open(path).map_err(|e| BulkError::io(path, e))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let fsync = options.fsync;
        std::thread::Builder::new()
            .name("bulk-journal".into())
            .spawn(move || writer(file, reader, rx, fsync))
            .map_err(|e| BulkError::io(path, e))?;
        let journal = Journal {
            tx,
            path: Arc::new(path.to_owned()),
        };
        if resume {
            let mut line = serde_json::to_vec(&serde_json::json!({ "resumed_ms": now_ms() }))
                .unwrap_or_default();
            line.push(b'\n');
            journal.send(Cmd::Append {
                line,
                durable: None,
            });
        }
        Ok((journal, index))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, cmd: Cmd) -> bool {
        self.tx.send(cmd).is_ok()
    }

    /// Writes `record` and waits until it is synced (or flushed, without
    /// fsync).
    pub(crate) async fn durable(&self, record: &Record) -> Result<(), BulkError> {
        let (reply, done) = oneshot::channel();
        if !self.send(Cmd::Append {
            line: record.to_line(),
            durable: Some(reply),
        }) {
            return Err(gone(&self.path));
        }
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(failed(&self.path, message)),
            Err(_) => Err(gone(&self.path)),
        }
    }

    /// Writes `record` without waiting.
    pub(crate) fn append(&self, record: &Record) {
        self.send(Cmd::Append {
            line: record.to_line(),
            durable: None,
        });
    }

    /// Reads back the record at `offset` (one found by the resume scan).
    pub(crate) async fn read(&self, offset: u64) -> Result<Record, BulkError> {
        let (reply, done) = oneshot::channel();
        if !self.send(Cmd::Read { offset, reply }) {
            return Err(gone(&self.path));
        }
        let bytes = done
            .await
            .map_err(|_| gone(&self.path))?
            .map_err(|e| BulkError::io(&self.path, e))?;
        serde_json::from_slice(bytes.trim_ascii_end()).map_err(|e| BulkError::JournalCorrupt {
            path: self.path.to_path_buf(),
            line: 0,
            reason: format!("the line at byte {offset} cannot be read back: {e}"),
        })
    }

    /// Flushes and syncs everything, then stops the writer.
    pub(crate) fn close(&self) -> Option<oneshot::Receiver<Result<(), String>>> {
        let (reply, done) = oneshot::channel();
        self.send(Cmd::Close {
            reply: CloseReply::Async(reply),
        })
        .then_some(done)
    }

    /// [`close`](Self::close) from synchronous code (a `Drop`): waits at most
    /// `limit` for the writer to finish.
    pub(crate) fn close_blocking(&self, limit: std::time::Duration) {
        let (reply, done) = std::sync::mpsc::channel();
        if self.send(Cmd::Close {
            reply: CloseReply::Blocking(reply),
        }) {
            let _ = done.recv_timeout(limit);
        }
    }
}

fn create(path: &Path, input: &InputFingerprint) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    let header = Header {
        journal: MAGIC.to_owned(),
        version: VERSION,
        input: input.as_str().to_owned(),
        created_ms: now_ms(),
    };
    let mut line = serde_json::to_vec(&header).map_err(io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)?;
    file.sync_data()?;
    sync_dir(path);
    Ok(())
}

/// Makes a new file's directory entry durable (best effort).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[derive(Deserialize)]
struct ScanLine {
    seq: Option<u64>,
    state: Option<State>,
    resumed_ms: Option<u64>,
}

fn scan(path: &Path, input: &InputFingerprint) -> Result<Index, BulkError> {
    let io_err = |e| BulkError::io(path, e);
    let corrupt = |line: u64, reason: String| BulkError::JournalCorrupt {
        path: path.to_owned(),
        line,
        reason,
    };
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    let mut reader = BufReader::with_capacity(1 << 16, &file);
    let mut index = Index::default();
    let mut buf = Vec::with_capacity(512);
    let (mut offset, mut good_end, mut line_no) = (0u64, 0u64, 0u64);
    let mut bad: Option<(u64, String)> = None;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err)? as u64;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = match buf.strip_suffix(b"\n") {
            Some(text) => Ok(text),
            None => Err("the line is torn (no newline)".to_owned()),
        };
        if line_no == 1 {
            let header: Header = text
                .and_then(|t| serde_json::from_slice(t).map_err(|e| e.to_string()))
                .map_err(|e| {
                    corrupt(
                        1,
                        format!("no readable header ({e}); is this a bulk journal?"),
                    )
                })?;
            if header.journal != MAGIC {
                return Err(corrupt(
                    1,
                    format!("not a bulk journal ({:?})", header.journal),
                ));
            }
            if header.version != VERSION {
                return Err(corrupt(
                    1,
                    format!(
                        "journal version {} (this engine writes {VERSION})",
                        header.version
                    ),
                ));
            }
            if header.input != input.as_str() {
                return Err(BulkError::InputMismatch {
                    path: path.to_owned(),
                    journal_input: header.input,
                    this_input: input.as_str().to_owned(),
                });
            }
            good_end = offset + n;
            offset += n;
            continue;
        }
        let parsed = text.and_then(|t| {
            let l: ScanLine = serde_json::from_slice(t).map_err(|e| e.to_string())?;
            match (l.seq, l.state, l.resumed_ms) {
                (Some(seq), Some(state), _) if seq < MAX_SEQ => Ok(Some((seq, state))),
                (_, _, Some(_)) => Ok(None),
                _ => Err("neither a row's state nor a resume mark".to_owned()),
            }
        });
        match parsed {
            Ok(entry) => {
                if let Some((at, reason)) = bad.take() {
                    return Err(corrupt(at, reason));
                }
                if let Some((seq, state)) = entry {
                    index.set(seq, state, offset);
                }
                good_end = offset + n;
            }
            Err(reason) => {
                bad.get_or_insert((line_no, reason));
            }
        }
        offset += n;
    }
    if line_no == 0 {
        return Err(BulkError::JournalMissing {
            path: path.to_owned(),
        });
    }
    if good_end < len {
        tracing::warn!(
            path = %path.display(),
            dropped_bytes = len - good_end,
            "the journal ends in a torn line (the last run was cut off while writing it); dropping it"
        );
        drop(reader);
        file.set_len(good_end).map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
    }
    Ok(index)
}

fn read_line_at(file: &mut File, offset: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = BufReader::with_capacity(4096, &mut *file);
    let mut line = Vec::with_capacity(512);
    reader.read_until(b'\n', &mut line)?;
    Ok(line)
}

/// The writer thread: group commit. Each round takes every command queued,
/// writes the lines, flushes, syncs once if any of them needs it, and then
/// answers all of them.
fn writer(file: File, mut reader: File, mut rx: mpsc::UnboundedReceiver<Cmd>, fsync: bool) {
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut error: Option<String> = None;
    let mut batch: Vec<Cmd> = Vec::new();
    let mut waiters: Vec<oneshot::Sender<Result<(), String>>> = Vec::new();
    let mut closing = None;
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < 8192 {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        for cmd in batch.drain(..) {
            match cmd {
                Cmd::Append { line, durable } => {
                    if error.is_none()
                        && let Err(e) = out.write_all(&line)
                    {
                        error = Some(e.to_string());
                    }
                    if let Some(d) = durable {
                        waiters.push(d);
                    }
                }
                Cmd::Read { offset, reply } => {
                    let r = out.flush().and_then(|()| read_line_at(&mut reader, offset));
                    let _ = reply.send(r);
                }
                Cmd::Close { reply } => closing = Some(reply),
            }
        }
        if error.is_none() {
            let sync = fsync && (!waiters.is_empty() || closing.is_some());
            let r = out.flush().and_then(|()| {
                if sync {
                    out.get_ref().sync_data()
                } else {
                    Ok(())
                }
            });
            if let Err(e) = r {
                error = Some(e.to_string());
            }
        }
        let result = match &error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        };
        for w in waiters.drain(..) {
            let _ = w.send(result.clone());
        }
        if let Some(reply) = closing.take() {
            reply.send(result);
            return;
        }
    }
    // Every handle dropped (the run was dropped): keep what was written.
    let _ = out.flush();
    if fsync {
        let _ = out.get_ref().sync_data();
    }
}
