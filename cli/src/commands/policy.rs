//! `policy list|show|id|assign|unassign`.

use anyhow::{Result, anyhow};
use futures::StreamExt;
use graph_teams_admin::{Filter, ListQuery, TeamsPolicyUserAssignment};
use serde::Serialize;

use super::{Ctx, users};
use crate::args::PolicyCommand;
use crate::exit::{self, UsageError};
use crate::output::{self, Record};

/// `assign`/`unassign` body item: `userId`, `policyType`, `policyId`.
pub fn assignment(
    user_id: &str,
    policy_type: &str,
    policy_id: Option<&str>,
) -> Result<TeamsPolicyUserAssignment> {
    let mut value = serde_json::json!({ "userId": user_id, "policyType": policy_type });
    if let Some(id) = policy_id {
        value["policyId"] = id.into();
    }
    Ok(serde_json::from_value(value)?)
}

/// The one policy id for a type and name.
pub async fn policy_id(ctx: &Ctx, policy_type: &str, name: &str) -> Result<String> {
    one_policy_id(ctx.client(), policy_type, name, "pass --policy-id")
        .await?
        .map_err(anyhow::Error::msg)
}

/// The one policy id for a type and name, or why there is not one (none,
/// or several: named, with `hint` saying how to pick). The outer error is
/// the lookup's own.
pub async fn one_policy_id(
    client: &graph_teams_admin::Client,
    policy_type: &str,
    name: &str,
    hint: &str,
) -> graph_teams_admin::Result<Result<String, String>> {
    let found = client.policy_ids(policy_type, name).await?;
    let ids: Vec<String> = found.into_iter().filter_map(|p| p.policy_id).collect();
    Ok(match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("no {policy_type} named {name:?}")),
        many => Err(format!(
            "{} {policy_type} policies are named {name:?} ({}); {hint}",
            many.len(),
            many.join(", ")
        )),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyResult {
    user_id: String,
    policy_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_id: Option<String>,
    action: &'static str,
    status: &'static str,
}

impl Record for PolicyResult {
    fn columns() -> &'static [&'static str] {
        &["userId", "policyType", "policyId", "action", "status"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.user_id.clone(),
            self.policy_type.clone(),
            self.policy_id.clone().unwrap_or_default(),
            self.action.to_owned(),
            self.status.to_owned(),
        ]
    }
}

pub async fn run(ctx: &Ctx, command: PolicyCommand) -> Result<u8> {
    match command {
        PolicyCommand::List {
            user,
            policy_type,
            limit,
        } => {
            let mut filters = Vec::new();
            if let Some(u) = user {
                filters.push(Filter::eq("userId", users::resolve(ctx, &u).await?));
            }
            if let Some(t) = policy_type {
                filters.push(Filter::eq("policyType", t));
            }
            // Pages of 500, by `$skip` when the service sends no nextLink.
            let mut query = ListQuery::new().top(500);
            if let Some(f) = filters.into_iter().reduce(Filter::and) {
                query = query.filter(f);
            }
            let pager = ctx.client().policy_assignments(query);
            let mut stream = match limit {
                Some(n) => pager.take(usize::try_from(n).unwrap_or(usize::MAX)).boxed(),
                None => pager.boxed(),
            };
            let mut sink = output::Sink::<TeamsPolicyUserAssignment>::new(ctx.format);
            while let Some(item) = stream.next().await {
                sink.write(&item?)?;
            }
            sink.finish()?;
            Ok(exit::OK)
        }
        PolicyCommand::Show { id } => {
            let item = ctx.client().policy_assignment(&id).await?;
            output::one(ctx.format, &item)?;
            Ok(exit::OK)
        }
        PolicyCommand::Id { policy_type, name } => {
            let found = ctx.client().policy_ids(&policy_type, &name).await?;
            if found.is_empty() {
                return Err(anyhow!("no {policy_type} named {name:?}"));
            }
            let mut sink = output::Sink::new(ctx.format);
            for p in &found {
                sink.write(p)?;
            }
            sink.finish()?;
            Ok(exit::OK)
        }
        PolicyCommand::Assign {
            user,
            policy_type,
            name,
            policy_id: id,
        } => {
            let user_id = users::resolve(ctx, &user).await?;
            let id = match (id, name) {
                (Some(id), _) => id,
                (None, Some(name)) => policy_id(ctx, &policy_type, &name).await?,
                (None, None) => {
                    return Err(UsageError("pass --name or --policy-id".into()).into());
                }
            };
            ctx.client()
                .assign_policy(vec![assignment(&user_id, &policy_type, Some(&id))?])
                .await?;
            output::one(
                ctx.format,
                &PolicyResult {
                    user_id,
                    policy_type,
                    policy_id: Some(id),
                    action: "assign",
                    status: "succeeded",
                },
            )?;
            Ok(exit::OK)
        }
        PolicyCommand::Unassign { user, policy_type } => {
            let user_id = users::resolve(ctx, &user).await?;
            ctx.client()
                .unassign_policy(vec![assignment(&user_id, &policy_type, None)?])
                .await?;
            output::one(
                ctx.format,
                &PolicyResult {
                    user_id,
                    policy_type,
                    policy_id: None,
                    action: "unassign",
                    status: "succeeded",
                },
            )?;
            Ok(exit::OK)
        }
    }
}
