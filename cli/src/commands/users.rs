//! `users show`, and turning a UPN into the object id Graph wants.

use std::io::Write;

use anyhow::{Result, anyhow};
use futures::TryStreamExt;
use graph_teams_admin::{Filter, ListQuery, TeamsUserConfiguration, is_object_id};
use serde::Serialize;

use super::Ctx;
use crate::args::{OutputFormat, UsersCommand};
use crate::output::{self, Record, opt};

/// The Teams configuration of a user given as UPN or object id. A UPN is
/// looked up with `$filter=userPrincipalName eq '…'` (lower-cased) on
/// userConfigurations: one request, and no directory permission beyond the
/// Teams ones. (Commands that only need the id use [`resolve`].)
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

/// The object id of a user given as UPN or object id (ids pass unchanged),
/// resolved as bulk runs resolve it (`Client::user_id`, `GET /users/{upn}`).
pub async fn resolve(ctx: &Ctx, user: &str) -> Result<String> {
    match ctx.client().user_id(user).await {
        Err(graph_teams_admin::Error::Graph(g)) if g.status == 404 => Err(anyhow!(
            "no user with the user principal name {}",
            user.trim()
        )),
        other => Ok(other?),
    }
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
            output::one(ctx.format, &row)?;
            let policies = config.effective_policy_assignments.as_deref();
            if ctx.format == OutputFormat::Table
                && let Some(policies) = policies.filter(|p| !p.is_empty())
            {
                writeln!(std::io::stdout(), "\nEffective policies:")?;
                let mut sink = output::Sink::new(OutputFormat::Table);
                for p in policies {
                    sink.write(p)?;
                }
                sink.finish()?;
            }
            Ok(crate::exit::OK)
        }
    }
}
