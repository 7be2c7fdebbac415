//! The bulk room: what a run reports for each row. Plain data; it may touch
//! the rows and `OperationRef`, nothing else.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::rows::Row;
use crate::operation::OperationRef;

/// How a row ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RowStatus {
    /// The action took effect: the operation succeeded, or the synchronous
    /// action answered 200/204. On resume also: a row whose earlier request
    /// got no answer, found in the wanted state (so not sent again).
    Succeeded,
    /// Nothing to do: already as wanted (dry run, `skip_if_done`, or an
    /// operation that ended `skipped`).
    AlreadyDone,
    /// Dry run only: the row would change something.
    Planned,
    /// Graph refused the action, or its operation failed (`detail` is the
    /// `statusDetail`).
    Failed,
    /// The row is wrong: it could not be parsed, a value is invalid, the
    /// user does not exist, the number is not in the inventory, ...
    Invalid,
    /// Never sent (the run was cancelled, or stopped on an error, first). A
    /// resume runs it.
    NotRun,
    /// Sent (and maybe accepted), but how it ended is not known in this run:
    /// the run was aborted, or polling gave up. The journal keeps it; a
    /// resume finishes it without sending it twice.
    Unfinished,
}

impl RowStatus {
    /// `succeeded`, `alreadyDone`, `planned`, `failed`, `invalid`, `notRun`
    /// or `unfinished`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RowStatus::Succeeded => "succeeded",
            RowStatus::AlreadyDone => "alreadyDone",
            RowStatus::Planned => "planned",
            RowStatus::Failed => "failed",
            RowStatus::Invalid => "invalid",
            RowStatus::NotRun => "notRun",
            RowStatus::Unfinished => "unfinished",
        }
    }

    /// `Succeeded`, `AlreadyDone` or `Planned`: nothing for the admin to do.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            RowStatus::Succeeded | RowStatus::AlreadyDone | RowStatus::Planned
        )
    }

    /// Whether this is how the row ends for good (what the journal records as
    /// `ended`): everything but `NotRun` and `Unfinished`.
    pub fn is_final(&self) -> bool {
        !matches!(self, RowStatus::NotRun | RowStatus::Unfinished)
    }
}

impl std::fmt::Display for RowStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one outcome of one input item.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RowOutcome {
    /// 0-based position in the input (parse errors included); the journal's
    /// key.
    pub seq: u64,
    /// The row's line ([`Row::line`] or [`RowError::line`](super::RowError::line)).
    pub line: u64,
    /// The row; `None` for an input line that was not a row.
    pub row: Option<Row>,
    /// How it ended.
    pub status: RowStatus,
    /// The user's object id: the resolved one for a UPN, the given GUID
    /// otherwise.
    pub user_id: Option<String>,
    /// Human text: the operation's `statusDetail`, else the message of the
    /// Graph error or of the engine.
    pub detail: Option<String>,
    /// A code to filter on: Graph's `error.code` (the nested Teams code when
    /// there is one), or the engine's (`invalidRow`, `userNotFound`,
    /// `numberNotFound`, `assignedElsewhere`, `typeMismatch`,
    /// `notAssignable`, `operationFailed`, `transport`, `timeout`,
    /// `throttled`, `journal`, `cancelled`).
    pub error_code: Option<String>,
    /// The long-running operation that was polled (assign/unassign).
    pub operation: Option<OperationRef>,
    /// Graph's `request-id` of the last action answer.
    pub request_id: Option<String>,
    /// The `client-request-id` the engine sent with the action (also in the
    /// journal).
    pub client_request_id: Option<String>,
    /// Action requests sent for this row, throttled ones included (polls and
    /// lookups are not counted).
    pub attempts: u32,
    /// Of which answered 429 or 503.
    pub throttled: u32,
    /// From the engine starting the row to its outcome, waits for the
    /// throttle gate included.
    pub duration: Duration,
    /// True when the row ended in an earlier run and is reported from the
    /// journal; nothing was sent for it in this run.
    pub from_journal: bool,
}

impl RowOutcome {
    pub(crate) fn new(seq: u64, line: u64, row: Option<Row>, status: RowStatus) -> Self {
        Self {
            seq,
            line,
            row,
            status,
            user_id: None,
            detail: None,
            error_code: None,
            operation: None,
            request_id: None,
            client_request_id: None,
            attempts: 0,
            throttled: 0,
            duration: Duration::ZERO,
            from_journal: false,
        }
    }
}
