//! `numbers list|show|assign|unassign|update`.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use futures::StreamExt;
use graph_teams_admin::{
    AssignNumberBody, AssignmentStatus, Error, Filter, ListQuery, Nullable, NumberAssignment,
    NumberCapability, NumberType, Operation, UnassignNumberBody, UpdateNumberBody,
};
use serde::Serialize;

use super::{Ctx, users};
use crate::args::{NumbersAssign, NumbersCommand, NumbersList, NumbersUnassign, NumbersUpdate};
use crate::csv::{members, normalize_number, parse_category, parse_member, parse_number_type};
use crate::exit::{self, UsageError};
use crate::output::{self, Record, opt};

fn usage(e: String) -> anyhow::Error {
    UsageError(e).into()
}

/// An open-enum member from what a person typed (see `parse_member`).
fn member<T: Clone + AsRef<str>>(known: &[T], raw: &str, what: &str) -> Result<T> {
    let choices = format!("one of {}", members(known));
    parse_member(known, raw, what, &choices).map_err(usage)
}

fn number_type(raw: &str) -> Result<NumberType> {
    parse_number_type(raw).map_err(usage)
}

fn number(raw: &str) -> Result<String> {
    normalize_number(raw).map_err(usage)
}

/// The inventory record of one number.
pub async fn find(ctx: &Ctx, number: &str) -> Result<NumberAssignment> {
    let query = ListQuery::new()
        .filter(Filter::telephone_number(number))
        .top(2);
    let mut pager = ctx.client().number_assignments(query);
    match pager.next().await {
        Some(item) => Ok(item?),
        None => Err(anyhow!("{number} is not in the tenant's number inventory")),
    }
}

async fn list(ctx: &Ctx, a: NumbersList) -> Result<u8> {
    let mut filters = Vec::new();
    if let Some(t) = &a.number_type {
        filters.push(Filter::number_type(number_type(t)?));
    }
    if let Some(s) = &a.status {
        filters.push(Filter::assignment_status(member(
            &AssignmentStatus::KNOWN,
            s,
            "assignment status",
        )?));
    }
    if a.unassigned {
        filters.push(Filter::assignment_status(AssignmentStatus::Unassigned));
    }
    for c in &a.capability {
        filters.push(Filter::capability(member(
            &NumberCapability::KNOWN,
            c,
            "capability",
        )?));
    }
    if let Some(p) = &a.starts_with {
        let p = p.trim();
        let p = if p.starts_with('+') {
            p.to_owned()
        } else {
            format!("+{p}")
        };
        filters.push(Filter::telephone_number_starts_with(&p));
    }
    if let Some(u) = &a.user {
        let id = users::resolve(ctx, u).await?;
        filters.push(Filter::assignment_target_id(&id));
    }
    if let Some(l) = &a.location {
        filters.push(Filter::eq("locationId", l.as_str()));
    }
    if let Some(raw) = &a.filter {
        filters.push(Filter::raw(raw.clone()));
    }
    if !(1..=1000).contains(&a.page_size) {
        return Err(usage("--page-size must be 1 to 1000".into()));
    }
    let mut query = ListQuery::new().top(a.page_size);
    if let Some(f) = filters.into_iter().reduce(Filter::and) {
        tracing::debug!(filter = f.as_str(), "numbers list");
        query = query.filter(f);
    }
    let pager = ctx.client().number_assignments(query);
    let mut stream = match a.limit {
        Some(n) => pager.take(usize::try_from(n).unwrap_or(usize::MAX)).boxed(),
        None => pager.boxed(),
    };
    let mut sink = output::Sink::<NumberAssignment>::new(ctx.format);
    while let Some(item) = stream.next().await {
        sink.write(&item?)?;
    }
    let n = sink.finish()?;
    ctx.info(&format!("{n} numbers"));
    Ok(exit::OK)
}

/// What an assign/unassign/update did, as one row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResult {
    pub telephone_number: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

impl Record for ActionResult {
    fn columns() -> &'static [&'static str] {
        &[
            "telephoneNumber",
            "action",
            "userId",
            "status",
            "statusDetail",
            "operation",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.telephone_number.clone(),
            self.action.to_owned(),
            opt(&self.user_id),
            self.status.clone(),
            opt(&self.status_detail),
            opt(&self.operation),
        ]
    }
}

/// Waits for an operation (or not), as a row; exit 1 when it failed.
pub async fn finish_operation(
    ctx: &Ctx,
    operation: Operation,
    mut result: ActionResult,
    no_wait: bool,
    timeout: u64,
) -> Result<u8> {
    let reference = operation.reference().to_string();
    result.operation = Some(reference.clone());
    if no_wait {
        result.status = "accepted".into();
        output::one(ctx.format, &result)?;
        ctx.info(&format!(
            "accepted; follow it with: teams-admin operations wait '{reference}'"
        ));
        return Ok(exit::OK);
    }
    ctx.info(&format!("accepted; waiting for {reference}"));
    // The poller's own deadline (not a timer around it): `--timeout`
    // replaces the client's 15 minutes, longer or shorter.
    let waited = operation
        .with_deadline(Duration::from_secs(timeout))
        .wait()
        .await;
    let (code, status, numbers) = match waited {
        Err(Error::Timeout { .. }) => {
            return Err(anyhow!(
                "gave up: not done within --timeout {timeout}s; the operation goes on \
                 at the service: teams-admin operations wait '{reference}'"
            ));
        }
        Ok(outcome) => (exit::OK, outcome.status, outcome.numbers),
        Err(Error::OperationFailed(failure)) => (exit::FAILED, failure.status, failure.numbers),
        Err(e) => return Err(e.into()),
    };
    result.status = status.to_string();
    result.status_detail = numbers.iter().find_map(|n| n.status_detail.clone());
    output::one(ctx.format, &result)?;
    Ok(code)
}

async fn assign(ctx: &Ctx, a: NumbersAssign) -> Result<u8> {
    let telephone_number = number(&a.number)?;
    let number_type = number_type(&a.number_type)?;
    let user_id = users::resolve(ctx, &a.user).await?;
    let mut body = AssignNumberBody::new(&telephone_number, &user_id, number_type);
    if let Some(l) = a.location {
        body = body.location_id(l);
    }
    if let Some(c) = &a.category {
        body = body.assignment_category(parse_category(c).map_err(usage)?);
    }
    let operation = ctx.client().assign_number(body).await?;
    let result = ActionResult {
        telephone_number,
        action: "assign",
        user_id: Some(user_id),
        status: String::new(),
        status_detail: None,
        operation: None,
    };
    finish_operation(ctx, operation, result, a.wait.no_wait, a.wait.timeout).await
}

async fn unassign(ctx: &Ctx, a: NumbersUnassign) -> Result<u8> {
    let telephone_number = number(&a.number)?;
    let number_type = match &a.number_type {
        Some(t) => number_type(t)?,
        None => find(ctx, &telephone_number)
            .await?
            .number_type
            .context("the inventory has no number type for this number; pass --type")?,
    };
    let operation = ctx
        .client()
        .unassign_number(UnassignNumberBody::new(&telephone_number, number_type))
        .await?;
    let result = ActionResult {
        telephone_number,
        action: "unassign",
        user_id: None,
        status: String::new(),
        status_detail: None,
        operation: None,
    };
    finish_operation(ctx, operation, result, a.wait.no_wait, a.wait.timeout).await
}

async fn update(ctx: &Ctx, a: NumbersUpdate) -> Result<u8> {
    let telephone_number = number(&a.number)?;
    let mut body = UpdateNumberBody::new(&telephone_number);
    let mut changed = false;
    if let Some(l) = a.location {
        body = body.location_id(l);
        changed = true;
    } else if a.clear_location {
        // updateNumber clears with "" (null keeps the value).
        body = body.location_id(Nullable::Value(String::new()));
        changed = true;
    }
    if let Some(s) = a.network_site {
        body = body.network_site_id(s);
        changed = true;
    } else if a.clear_network_site {
        body = body.network_site_id(Nullable::Value(String::new()));
        changed = true;
    }
    if !a.reverse_lookup.is_empty() {
        body = body.reverse_number_lookup_options(
            a.reverse_lookup.into_iter().map(Some).collect::<Vec<_>>(),
        );
        changed = true;
    }
    if !changed {
        return Err(usage(
            "nothing to update: pass --location, --clear-location, --network-site, \
             --clear-network-site or --reverse-lookup"
                .into(),
        ));
    }
    ctx.client().update_number(body).await?;
    output::one(
        ctx.format,
        &ActionResult {
            telephone_number,
            action: "update",
            user_id: None,
            status: "succeeded".into(),
            status_detail: None,
            operation: None,
        },
    )?;
    Ok(exit::OK)
}

pub async fn run(ctx: &Ctx, command: NumbersCommand) -> Result<u8> {
    match command {
        NumbersCommand::List(a) => list(ctx, a).await,
        NumbersCommand::Show { number: n } => {
            let record = find(ctx, &number(&n)?).await?;
            output::one(ctx.format, &record)?;
            Ok(exit::OK)
        }
        NumbersCommand::Assign(a) => assign(ctx, a).await,
        NumbersCommand::Unassign(a) => unassign(ctx, a).await,
        NumbersCommand::Update(a) => update(ctx, a).await,
    }
}
