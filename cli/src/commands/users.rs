//! `users show`, and turning a UPN into the object id Graph wants.

use std::io::Write;

use anyhow::{Result, anyhow};
use futures::TryStreamExt;
use graph_teams_admin::{Filter, ListQuery, TeamsUserConfiguration};
use serde::Serialize;

use super::Ctx;
use crate::args::{OutputFormat, UsersCommand};
use crate::output::{self, Record, opt};

/// `8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01`-shaped.
pub fn is_object_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The Teams configuration of a user given as UPN or object id. A UPN is
/// looked up with `$filter=userPrincipalName eq '…'` (lower-cased) on
/// userConfigurations, which needs no directory permission beyond the Teams
/// admin ones (bulk runs resolve through the engine's `/users` lookup).
pub async fn configuration(ctx: &Ctx, user: &str) -> Result<TeamsUserConfiguration> {
    let user = user.trim();
    if is_object_id(user) {
        return Ok(ctx.client().user_configuration(user).await?);
    }
    // UPNs are case-insensitive; the filter compares as sent.
    let query = ListQuery::new()
        .filter(Filter::eq("userPrincipalName", user.to_lowercase()))
        .top(2);
    let found: Vec<TeamsUserConfiguration> = ctx
        .client()
        .user_configurations(query)
        .try_collect()
        .await?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no Teams user with the user principal name {user}"))
}

/// The object id of a user given as UPN or object id (ids pass unchanged).
pub async fn resolve(ctx: &Ctx, user: &str) -> Result<String> {
    let user = user.trim();
    if is_object_id(user) {
        return Ok(user.to_owned());
    }
    configuration(ctx, user)
        .await?
        .id
        .ok_or_else(|| anyhow!("the service returned {user} without an id"))
}

/// A user's configuration as one row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UserRow<'a> {
    #[serde(flatten)]
    config: &'a TeamsUserConfiguration,
}

impl Record for UserRow<'_> {
    fn columns() -> &'static [&'static str] {
        &[
            "id",
            "userPrincipalName",
            "accountType",
            "isEnterpriseVoiceEnabled",
            "telephoneNumbers",
            "featureTypes",
            "effectivePolicies",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let c = self.config;
        let numbers = c
            .telephone_numbers
            .iter()
            .flatten()
            .map(|n| match &n.assignment_category {
                Some(cat) => format!("{} ({cat})", opt(&n.telephone_number)),
                None => opt(&n.telephone_number),
            })
            .collect::<Vec<_>>()
            .join(";");
        let policies = c
            .effective_policy_assignments
            .iter()
            .flatten()
            .map(|p| {
                let name = p
                    .policy_assignment
                    .as_ref()
                    .and_then(|a| a.display_name.clone())
                    .unwrap_or_default();
                format!("{}={name}", opt(&p.policy_type))
            })
            .collect::<Vec<_>>()
            .join(";");
        vec![
            opt(&c.id),
            opt(&c.user_principal_name),
            opt(&c.account_type),
            opt(&c.is_enterprise_voice_enabled),
            numbers,
            c.feature_types
                .iter()
                .flatten()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(";"),
            policies,
        ]
    }
}

pub async fn run(ctx: &Ctx, command: UsersCommand) -> Result<u8> {
    match command {
        UsersCommand::Show { user } => {
            let config = configuration(ctx, &user).await?;
            let row = UserRow { config: &config };
            match ctx.format {
                OutputFormat::Json | OutputFormat::Jsonl => output::one(ctx.format, &row)?,
                OutputFormat::Csv => output::one(ctx.format, &row)?,
                OutputFormat::Table => {
                    output::one(ctx.format, &row)?;
                    let policies = config
                        .effective_policy_assignments
                        .clone()
                        .unwrap_or_default();
                    if !policies.is_empty() {
                        writeln!(std::io::stdout(), "\nEffective policies:")?;
                        let mut sink = output::Sink::new(OutputFormat::Table);
                        for p in &policies {
                            sink.write(p)?;
                        }
                        sink.finish()?;
                    }
                }
            }
            Ok(crate::exit::OK)
        }
    }
}
