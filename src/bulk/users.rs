//! The bulk room: user resolution. Admins write user principal names;
//! `assignmentTargetId` and `userId` need object ids. A UPN is looked up
//! with `GET /users/{upn}?$select=id,userPrincipalName` through the client's
//! pipeline (auth, retries, ids), once per run: concurrent rows naming the
//! same user share one request, and the answer (or "not found") is cached
//! for the rest of the run. A transient failure is not cached. Object ids
//! pass through. It may touch the client's pipeline, nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tokio::sync::{OnceCell, Semaphore};

use super::rows::{Rejection, is_object_id};
use crate::client::Client;
use crate::error::Error;

#[derive(Deserialize)]
struct User {
    id: String,
}

/// A lookup that ended: the object id, or why the user does not exist.
type Resolved = Result<String, Rejection>;

/// Why a user could not be resolved.
#[derive(Debug)]
pub(crate) enum Unresolved {
    /// The user does not exist (or the name is not one): the row is invalid.
    Invalid(Rejection),
    /// The lookup failed (throttling or an outage beyond the retries, no
    /// permission): the row fails.
    Failed(Error),
}

#[derive(Debug)]
pub(crate) struct Users {
    client: Client,
    cache: Mutex<HashMap<String, Arc<OnceCell<Resolved>>>>,
    lookups: Arc<Semaphore>,
}

impl Users {
    pub(crate) fn new(client: Client, lookups: Arc<Semaphore>) -> Self {
        Self {
            client,
            cache: Mutex::new(HashMap::new()),
            lookups,
        }
    }

    /// The object id of `user` (a UPN or an object id).
    pub(crate) async fn resolve(&self, user: &str) -> Result<String, Unresolved> {
        let user = user.trim();
        if is_object_id(user) {
            return Ok(user.to_owned());
        }
        let key = user.to_ascii_lowercase();
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.entry(key).or_default().clone()
        };
        let resolved = cell
            .get_or_try_init(|| async {
                let _slot = self.lookups.acquire().await;
                Box::pin(self.lookup(user)).await
            })
            .await
            .map_err(Unresolved::Failed)?;
        resolved.clone().map_err(Unresolved::Invalid)
    }

    async fn lookup(&self, user: &str) -> Result<Resolved, Error> {
        let pipeline = self.client.pipeline();
        let mut url = reqwest::Url::parse(pipeline.base_url())
            .map_err(|e| Error::Internal(format!("base URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|_| Error::Internal("the base URL cannot have segments".into()))?
            .pop_if_empty()
            .push("users")
            .push(user);
        url.query_pairs_mut()
            .append_pair("$select", "id,userPrincipalName");
        match pipeline.get_json::<User>(url, "get_user").await {
            Ok(answer) => Ok(Ok(answer.value.id)),
            Err(Error::Graph(g)) if matches!(g.status, 400 | 404) => {
                let code = if g.status == 404 {
                    "userNotFound"
                } else {
                    "invalidUser"
                };
                let why = if g.message.is_empty() {
                    g.code.clone()
                } else {
                    g.message.clone()
                };
                Ok(Err(Rejection::new(
                    code,
                    format!(
                        "user {user:?} not found (GET /users: HTTP {} {}: {why})",
                        g.status, g.code
                    ),
                )))
            }
            Err(e) => Err(e),
        }
    }
}
