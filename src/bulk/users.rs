//! The bulk room: user resolution. Admins write user principal names;
//! `assignmentTargetId` and `userId` need object ids. A UPN is looked up
//! with `Client::user_id` (`GET /users/{upn}` through the pipeline: auth,
//! retries, ids), once per run: concurrent rows naming the
//! same user share one request, and the answer (or "not found") is cached
//! for the rest of the run. A transient failure is not cached. Object ids
//! pass through. It may touch `Client::user_id`, nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OnceCell, Semaphore};

use super::rows::Rejection;
use crate::client::Client;
use crate::error::Error;
use crate::users::is_object_id;

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
        match self.client.user_id(user).await {
            Ok(id) => Ok(Ok(id)),
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
