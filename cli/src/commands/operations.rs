//! `operations show|wait|list`: pick up what `--no-wait` left running.

use std::time::Duration;

use anyhow::{Result, anyhow};
use futures::StreamExt;
use graph_teams_admin::{Error, ListQuery, TelephoneNumberLongRunningOperation};
use serde::Serialize;

use super::Ctx;
use crate::args::OperationsCommand;
use crate::exit;
use crate::output::{self, Record, key_of_location, opt};

/// The end of one waited-for operation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WaitResult {
    operation: String,
    status: String,
    telephone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<String>,
}

impl Record for WaitResult {
    fn columns() -> &'static [&'static str] {
        &["operation", "status", "telephoneNumbers", "statusDetail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.operation.clone(),
            self.status.clone(),
            self.telephone_numbers.join(";"),
            opt(&self.status_detail),
        ]
    }
}

/// The telephone numbers an operation touched (each `resourceLocation`
/// read once) and the first `statusDetail`.
async fn numbers_of(
    ctx: &Ctx,
    numbers: &[graph_teams_admin::NumberOutcome],
) -> (Vec<String>, Option<String>) {
    let mut list = Vec::new();
    for key in numbers
        .iter()
        .filter_map(|n| n.resource_location.as_deref().and_then(key_of_location))
    {
        let number = match ctx.client().number_assignment(key).await {
            Ok(n) => n.telephone_number.unwrap_or_else(|| key.to_owned()),
            Err(_) => key.to_owned(),
        };
        list.push(number);
    }
    let detail = numbers.iter().find_map(|n| n.status_detail.clone());
    (list, detail)
}

pub async fn run(ctx: &Ctx, command: OperationsCommand) -> Result<u8> {
    match command {
        OperationsCommand::Show { reference } => {
            let op = ctx.client().operation(reference.trim())?;
            let status: TelephoneNumberLongRunningOperation = op.status().await?;
            output::one(ctx.format, &status)?;
            Ok(exit::OK)
        }
        OperationsCommand::Wait {
            references,
            timeout,
        } => {
            let mut sink = output::Sink::<WaitResult>::new(ctx.format);
            let mut code = exit::OK;
            // Waited for together: the slowest sets the pace, not the sum.
            let waits = references.iter().map(|r| async move {
                let op = ctx.client().operation(r.trim())?;
                let reference = op.reference().to_string();
                // `--timeout` is the poller's deadline, in place of the client's.
                let outcome = op.with_deadline(Duration::from_secs(timeout)).wait().await;
                Ok::<_, anyhow::Error>((reference, outcome))
            });
            let mut results = futures::stream::iter(waits).buffered(16);
            while let Some(result) = results.next().await {
                let (reference, outcome) = result?;
                let (status, numbers) = match outcome {
                    Err(Error::Timeout { .. }) => {
                        return Err(anyhow!(
                            "gave up on {reference}: not done within --timeout {timeout}s; it goes on at the service"
                        ));
                    }
                    Ok(outcome) => (outcome.status, outcome.numbers),
                    Err(Error::OperationFailed(failure)) => {
                        code = exit::FAILED;
                        (failure.status, failure.numbers)
                    }
                    Err(e) => return Err(e.into()),
                };
                let (telephone_numbers, status_detail) = numbers_of(ctx, &numbers).await;
                sink.write(&WaitResult {
                    operation: reference,
                    status: status.to_string(),
                    telephone_numbers,
                    status_detail,
                })?;
            }
            sink.finish()?;
            Ok(code)
        }
        OperationsCommand::List { limit } => {
            let pager = ctx.client().operations(ListQuery::new());
            let mut stream = match limit {
                Some(n) => pager.take(usize::try_from(n).unwrap_or(usize::MAX)).boxed(),
                None => pager.boxed(),
            };
            let mut sink = output::Sink::<TelephoneNumberLongRunningOperation>::new(ctx.format);
            while let Some(item) = stream.next().await {
                sink.write(&item?)?;
            }
            sink.finish()?;
            Ok(exit::OK)
        }
    }
}
