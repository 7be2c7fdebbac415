//! The bulk room: what a row would change. Reads the number's (or the
//! user's) current state through the client's public reads and compares it
//! with what the row wants: the dry run's plan, `skip_if_done`, and the
//! check that decides whether an unanswered request of an interrupted run
//! took effect. It may touch the client's reads, nothing that writes.

use futures::StreamExt;

use super::rows::{Action, Rejection, normalize_number};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::generated::enums::{NumberCapability, NumberType};
use crate::generated::types::NumberAssignment;
use crate::query::{Filter, ListQuery};

/// What a row would do to the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// It would change something.
    Change,
    /// Already as wanted; why.
    Done(String),
    /// It cannot work (the number is not in the inventory, is assigned to
    /// someone else, has another type, ...).
    Reject(Rejection),
}

/// The inventory record of one number, if the tenant has it.
pub(crate) async fn find_number(client: &Client, number: &str) -> Result<Option<NumberAssignment>> {
    let query = ListQuery::new()
        .filter(Filter::telephone_number(number))
        .top(1);
    let mut pager = client.number_assignments(query);
    pager.next().await.transpose()
}

fn type_mismatch(number: &str, have: &NumberType, want: &NumberType) -> Check {
    Check::Reject(Rejection::new(
        "typeMismatch",
        format!(
            "{number} is a {} number; the row says {}",
            have.as_str(),
            want.as_str()
        ),
    ))
}

fn not_found(number: &str) -> Check {
    Check::Reject(Rejection::new(
        "numberNotFound",
        format!("{number} is not in the tenant's telephone number inventory"),
    ))
}

/// Empty text is the same as none (the API clears with `""`).
fn same(current: Option<&str>, wanted: &str) -> bool {
    current.unwrap_or("") == wanted
}

/// The row's number (normalised) and its inventory record, or the check
/// that ends the row here: the number is not in the inventory, or it is of
/// another type than the row says (`want`, where the action names one).
async fn number_record(
    client: &Client,
    telephone_number: &str,
    want: Option<&NumberType>,
) -> Result<std::result::Result<(String, NumberAssignment), Check>> {
    let number = normalize_number(telephone_number);
    let Some(n) = find_number(client, &number).await? else {
        return Ok(Err(not_found(&number)));
    };
    if let (Some(have), Some(want)) = (&n.number_type, want)
        && have != want
    {
        return Ok(Err(type_mismatch(&number, have, want)));
    }
    Ok(Ok((number, n)))
}

/// Compares the row with the current state. `user_id` is the resolved
/// user, for actions that have one.
pub(crate) async fn check(
    client: &Client,
    action: &Action,
    user_id: Option<&str>,
) -> Result<Check> {
    match action {
        Action::AssignNumber(a) => {
            let (number, n) =
                match number_record(client, &a.telephone_number, Some(&a.number_type)).await? {
                    Ok(found) => found,
                    Err(end) => return Ok(end),
                };
            let target = user_id.unwrap_or(&a.user);
            match n.assignment_target_id.as_deref() {
                Some(current) if current.eq_ignore_ascii_case(target) => {
                    let location_ok = a
                        .location_id
                        .as_deref()
                        .is_none_or(|l| same(n.location_id.as_deref(), l));
                    let category_ok = a
                        .assignment_category
                        .as_ref()
                        .is_none_or(|c| n.assignment_category.as_ref() == Some(c));
                    if location_ok && category_ok {
                        return Ok(Check::Done(format!(
                            "{number} is already assigned to {current}"
                        )));
                    }
                    Ok(Check::Change)
                }
                Some(other) => Ok(Check::Reject(Rejection::new(
                    "assignedElsewhere",
                    format!("{number} is already assigned to {other}; unassign it first"),
                ))),
                None => {
                    let assignable = n.capabilities.as_ref().is_none_or(|caps| {
                        caps.iter().any(|c| {
                            matches!(
                                c,
                                NumberCapability::UserAssignment
                                    | NumberCapability::VoiceApplicationAssignment
                            )
                        })
                    });
                    if !assignable {
                        let caps: Vec<&str> = n
                            .capabilities
                            .iter()
                            .flatten()
                            .map(|c| c.as_str())
                            .collect();
                        return Ok(Check::Reject(Rejection::new(
                            "notAssignable",
                            format!(
                                "{number} cannot be assigned to a user or resource account (capabilities: {})",
                                caps.join(", ")
                            ),
                        )));
                    }
                    Ok(Check::Change)
                }
            }
        }
        Action::UnassignNumber(a) => {
            let (number, n) =
                match number_record(client, &a.telephone_number, Some(&a.number_type)).await? {
                    Ok(found) => found,
                    Err(end) => return Ok(end),
                };
            Ok(match n.assignment_target_id {
                Some(_) => Check::Change,
                None => Check::Done(format!("{number} is not assigned")),
            })
        }
        Action::UpdateNumber(a) => {
            let (number, n) = match number_record(client, &a.telephone_number, None).await? {
                Ok(found) => found,
                Err(end) => return Ok(end),
            };
            let location_ok = a
                .location_id
                .as_deref()
                .is_none_or(|l| same(n.location_id.as_deref(), l));
            let site_ok = a
                .network_site_id
                .as_deref()
                .is_none_or(|s| same(n.network_site_id.as_deref(), s));
            let options_ok = a.reverse_number_lookup_options.as_ref().is_none_or(|want| {
                let mut have: Vec<&str> = n
                    .reverse_number_lookup_options
                    .iter()
                    .flatten()
                    .map(|o| o.as_str())
                    .collect();
                let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
                have.sort_unstable();
                want.sort_unstable();
                have == want
            });
            Ok(if location_ok && site_ok && options_ok {
                Check::Done(format!("{number} already has these settings"))
            } else {
                Check::Change
            })
        }
        Action::AssignPolicy(a) => {
            let user = user_id.unwrap_or(&a.user);
            let assigned = current_policy(client, user, &a.policy_type).await?;
            Ok(match assigned {
                Some(id) if id.eq_ignore_ascii_case(&a.policy_id) => Check::Done(format!(
                    "{} {} is already assigned to {user}",
                    a.policy_type, a.policy_id
                )),
                _ => Check::Change,
            })
        }
        Action::UnassignPolicy(a) => {
            let user = user_id.unwrap_or(&a.user);
            Ok(match current_policy(client, user, &a.policy_type).await? {
                Some(_) => Check::Change,
                None => Check::Done(format!("{user} has no {} assigned", a.policy_type)),
            })
        }
    }
}

/// The policy id of `policy_type` in the user's effective assignments;
/// `None` when there is none or the user has no Teams configuration.
async fn current_policy(client: &Client, user: &str, policy_type: &str) -> Result<Option<String>> {
    let config = match client.user_configuration(user).await {
        Ok(c) => c,
        Err(Error::Graph(g)) if g.status == 404 => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(config
        .effective_policy_assignments
        .iter()
        .flatten()
        .filter(|e| {
            e.policy_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(policy_type))
        })
        .find_map(|e| e.policy_assignment.as_ref()?.policy_id.clone()))
}
