//! [`Client`]: the generated client behind a small facade that validates
//! arguments, turns every failure into one typed [`Error`], returns
//! long-running operations as [`Operation`]s and lists as [`Pager`]s.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use futures::{FutureExt, TryStreamExt};
use reqwest::header::{HeaderMap, LOCATION};

use crate::auth::{StaticTokenCredential, default_scope};
use crate::bridge;
use crate::error::{Error, ErrorContext, GraphError, Result};
use crate::generated::bodies::{
    AssignNumberBody, AssignPolicyBody, UnassignNumberBody, UnassignPolicyBody, UpdateNumberBody,
};
use crate::generated::types::{
    NumberAssignment, PolicyIdentifierDetail, TeamsPolicyUserAssignment, TeamsUserConfiguration,
    TelephoneNumberLongRunningOperation,
};
use crate::generated::{self};
use crate::operation::{Operation, PollOptions};
use crate::paging::{DEFAULT_PAGE_SIZE, FetchAt, Pager};
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::query::{Filter, ListQuery};
use crate::retry::{RetryPolicy, retry_after};
use crate::validate;

/// Graph beta.
pub const GRAPH_BETA: &str = "https://graph.microsoft.com/beta";
/// Graph v1.0 (the telephone number API is GA there too).
pub const GRAPH_V1: &str = "https://graph.microsoft.com/v1.0";

/// Configures a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    credential: Option<Arc<dyn TokenCredential>>,
    scope: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent_suffix: Option<String>,
    poll: PollOptions,
    prefer_unknown_enum_members: bool,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("has_credential", &self.credential.is_some())
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: GRAPH_BETA.to_owned(),
            credential: None,
            scope: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent_suffix: None,
            poll: PollOptions::default(),
            prefer_unknown_enum_members: false,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// Base URL; default [`GRAPH_BETA`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Use Graph v1.0 instead of beta.
    pub fn v1(self) -> Self {
        self.base_url(GRAPH_V1)
    }

    /// Any azure_core credential (azure_identity's `ClientSecretCredential`,
    /// `ManagedIdentityCredential`, `DeveloperToolsCredential`, …).
    pub fn credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// A fixed bearer token ([`StaticTokenCredential`]).
    pub fn token(self, token: impl Into<String>) -> Self {
        self.credential(StaticTokenCredential::new(token))
    }

    /// Token scope; default `<origin of the base URL>/.default`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Retry policy for throttling and outages.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Time limit of one HTTP attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for connecting (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Appended to the `User-Agent` (`graph-teams-admin/<version> <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// How long-running operations are polled.
    pub fn poll_options(mut self, poll: PollOptions) -> Self {
        self.poll = poll;
        self
    }

    /// Send `Prefer: include-unknown-enum-members`, so the service returns
    /// members added after `unknownFutureValue` (such as `ineligibleUser`)
    /// instead of the sentinel.
    pub fn include_unknown_enum_members(mut self, yes: bool) -> Self {
        self.prefer_unknown_enum_members = yes;
        self
    }

    /// Use this `reqwest::Client` (its own timeouts apply).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = reqwest::Url::parse(self.base_url.trim_end_matches('/')).map_err(|e| {
            Error::InvalidInput {
                argument: "base_url",
                reason: format!("{:?} is not a URL: {e}", self.base_url),
            }
        })?;
        if !matches!(base_url.scheme(), "https" | "http") {
            return Err(Error::InvalidInput {
                argument: "base_url",
                reason: format!("{base_url} must be http(s)"),
            });
        }
        crate::cloud::check(&base_url)?;
        let credential = self.credential.ok_or(Error::InvalidInput {
            argument: "credential",
            reason: "a credential (or a token) is required".into(),
        })?;
        if base_url.scheme() == "https" && self.http.is_none() && !crate::transport::HAS_TLS {
            return Err(Error::InvalidInput {
                argument: "base_url",
                reason: format!(
                    "{base_url} needs TLS, and this build of graph-teams-admin has none: \
                     enable the `rustls` (default), `rustls-aws-lc` or `native-tls` feature"
                ),
            });
        }
        let http = match self.http {
            Some(h) => h,
            None => crate::transport::http_client(self.timeout, self.connect_timeout)?,
        };
        let mut user_agent = concat!("graph-teams-admin/", env!("CARGO_PKG_VERSION")).to_owned();
        if let Some(s) = &self.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(s);
        }
        let pipeline = Pipeline::new(PipelineConfig {
            scope: self.scope.unwrap_or_else(|| default_scope(&base_url)),
            base_url,
            credential,
            retry: self.retry,
            http: http.clone(),
            user_agent,
            prefer_unknown_enum_members: self.prefer_unknown_enum_members,
        });
        let generated =
            generated::Client::new_with_client(pipeline.base_url(), http, pipeline.clone());
        Ok(Client {
            generated,
            pipeline,
            poll: self.poll,
        })
    }
}

/// A Graph Teams administration client. Cheap to clone; clones share the
/// connection pool and the token cache.
#[derive(Clone, Debug)]
pub struct Client {
    generated: generated::Client,
    pipeline: Pipeline,
    poll: PollOptions,
}

/// A [`Pager`] over a generated list operation with a [`ListQuery`]
/// applied; each page is fetched with the query and its own `$skip`.
macro_rules! list_pager {
    ($self:ident, $query:ident, $op:ident) => {{
        let client = $self.clone();
        let page = $query.top.unwrap_or(DEFAULT_PAGE_SIZE);
        let first = $query.skip.unwrap_or(0);
        let fetch: FetchAt<_> = Arc::new(move |skip| {
            let (client, q) = (client.clone(), $query.clone());
            async move {
                let mut b = client.generated.$op().top(page).skip(skip);
                if let Some(f) = &q.filter {
                    b = b.filter(f.clone());
                }
                if !q.select.is_empty() {
                    b = b.select(q.select.clone());
                }
                if !q.orderby.is_empty() {
                    b = b.orderby(q.orderby.clone());
                }
                if q.count {
                    b = b.count(true);
                }
                Ok(bridge::run(stringify!($op), b.send()).await?.into_inner())
            }
            .boxed()
        });
        Pager::new($self.pipeline.clone(), fetch, first, page)
    }};
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated client, for anything the facade does not wrap. Its calls
    /// go through the same pipeline (auth, retries, ids).
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// The base URL (`https://graph.microsoft.com/beta`).
    pub fn base_url(&self) -> &str {
        self.pipeline.base_url()
    }

    fn accepted(
        &self,
        operation: &'static str,
        status: u16,
        headers: &HeaderMap,
    ) -> Result<Operation> {
        let location = headers.get(LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
            let mut e = GraphError::from_answer(&ErrorContext::new(operation, 1, None), status, headers, None, None);
            e.code = "missingLocation".into();
            e.message = "the service accepted the request but sent no Location to poll; list the number to see its state".into();
            Error::Graph(Box::new(e))
        })?;
        let url = self.pipeline.follow_text("Location", location)?;
        Ok(Operation::new(
            self.pipeline.clone(),
            url,
            self.poll.clone(),
            retry_after(headers),
        ))
    }

    /// Assigns a telephone number to a user or resource account. Returns the
    /// long-running operation: `.await` it for the outcome, or read it as a
    /// stream of statuses.
    pub async fn assign_number(&self, body: AssignNumberBody) -> Result<Operation> {
        validate::telephone_number("telephoneNumber", &body.telephone_number)?;
        validate::non_empty("assignmentTargetId", &body.assignment_target_id)?;
        if let Some(location) = body.location_id.as_value() {
            validate::non_empty("locationId", location)?;
        }
        bridge::run_action(
            "assign_number",
            self.generated.assign_number().body(body).send(),
            |status, headers| self.accepted("assign_number", status, headers),
        )
        .await?
    }

    /// Removes a telephone number from whatever it is assigned to. Returns
    /// the long-running operation.
    pub async fn unassign_number(&self, body: UnassignNumberBody) -> Result<Operation> {
        validate::telephone_number("telephoneNumber", &body.telephone_number)?;
        bridge::run_action(
            "unassign_number",
            self.generated.unassign_number().body(body).send(),
            |status, headers| self.accepted("unassign_number", status, headers),
        )
        .await?
    }

    /// Updates a number's emergency location, network site or reverse number
    /// lookup options. Synchronous: returns once done.
    pub async fn update_number(&self, body: UpdateNumberBody) -> Result<()> {
        validate::telephone_number("telephoneNumber", &body.telephone_number)?;
        bridge::run_action(
            "update_number",
            self.generated.update_number().body(body).send(),
            |_, _| (),
        )
        .await?;
        Ok(())
    }

    /// Resumes an operation from a saved [`OperationRef`](crate::OperationRef)
    /// URL, or from a bare operation id.
    pub fn operation(&self, id_or_url: &str) -> Result<Operation> {
        validate::non_empty("operation", id_or_url)?;
        let url = if id_or_url.contains("://") {
            self.pipeline.follow("operation URL", id_or_url)?
        } else {
            let mut url = reqwest::Url::parse(&format!(
                "{}/admin/teams/telephoneNumberManagement/operations/",
                self.pipeline.base_url()
            ))
            .map_err(|e| Error::Internal(e.to_string()))?;
            url.path_segments_mut()
                .map_err(|_| Error::Internal("base URL cannot have segments".into()))?
                .pop_if_empty()
                .push(id_or_url);
            url
        };
        Ok(Operation::new(
            self.pipeline.clone(),
            url.into(),
            self.poll.clone(),
            Some(Duration::ZERO),
        ))
    }

    /// One telephone number record by id.
    pub async fn number_assignment(&self, id: &str) -> Result<NumberAssignment> {
        validate::non_empty("id", id)?;
        let rv = bridge::run(
            "get_number_assignment",
            self.generated
                .get_number_assignment()
                .number_assignment_id(id)
                .send(),
        )
        .await?;
        Ok(rv.into_inner())
    }

    /// The number inventory, as a stream of records.
    pub fn number_assignments(&self, query: ListQuery) -> Pager<NumberAssignment> {
        list_pager!(self, query, list_number_assignments)
    }

    /// How many numbers match a filter (`$count`); `None` counts them all.
    /// A hand-written expression goes in as `Some(Filter::raw("..."))`.
    pub async fn count_number_assignments(&self, filter: Option<Filter>) -> Result<u64> {
        let mut b = self.generated.count_number_assignments();
        if let Some(f) = filter {
            b = b.filter(f.as_str());
        }
        let rv = bridge::run("count_number_assignments", b.send()).await?;
        let chunks: Vec<bytes::Bytes> =
            rv.into_inner()
                .into_inner()
                .try_collect()
                .await
                .map_err(|source| Error::Transport {
                    operation: "count_number_assignments".into(),
                    client_request_id: None,
                    source,
                })?;
        let text: Vec<u8> = chunks.concat();
        serde_json::from_slice::<u64>(text.trim_ascii()).map_err(|source| {
            let cx = ErrorContext::new("count_number_assignments", 1, None);
            Error::decode(&cx, 200, &HeaderMap::new(), &text, source)
        })
    }

    /// Long-running operations known to the service.
    pub fn operations(&self, query: ListQuery) -> Pager<TelephoneNumberLongRunningOperation> {
        list_pager!(self, query, list_operations)
    }

    /// Teams configuration of users.
    pub fn user_configurations(&self, query: ListQuery) -> Pager<TeamsUserConfiguration> {
        list_pager!(self, query, list_user_configurations)
    }

    /// One user's Teams configuration (the id is the user's object id).
    pub async fn user_configuration(&self, user_id: &str) -> Result<TeamsUserConfiguration> {
        validate::non_empty("user_id", user_id)?;
        let rv = bridge::run(
            "get_user_configuration",
            self.generated
                .get_user_configuration()
                .teams_user_configuration_id(user_id)
                .send(),
        )
        .await?;
        Ok(rv.into_inner())
    }

    /// The policy ids of a policy instance, from its type
    /// (`TeamsMeetingPolicy`) and name (`AllOn`).
    pub async fn policy_ids(
        &self,
        policy_type: &str,
        name: &str,
    ) -> Result<Vec<PolicyIdentifierDetail>> {
        validate::non_empty("policy_type", policy_type)?;
        validate::non_empty("name", name)?;
        let client = self.clone();
        let (policy_type, name) = (policy_type.to_owned(), name.to_owned());
        let fetch: FetchAt<_> = Arc::new(move |skip| {
            let (client, policy_type, name) = (client.clone(), policy_type.clone(), name.clone());
            async move {
                let mut b = client
                    .generated
                    .get_policy_id()
                    .type_(policy_type)
                    .name(name);
                if skip > 0 {
                    b = b.skip(skip);
                }
                Ok(bridge::run("get_policy_id", b.send()).await?.into_inner())
            }
            .boxed()
        });
        Pager::new(self.pipeline.clone(), fetch, 0, u64::MAX)
            .collect_all()
            .await
    }

    /// Assigns policy instances to users (`userId`, `policyType`, `policyId`
    /// of each). Synchronous.
    pub async fn assign_policy(&self, assignments: Vec<TeamsPolicyUserAssignment>) -> Result<()> {
        validate::policy_assignments(&assignments, true)?;
        bridge::run_action(
            "assign_policy",
            self.generated
                .assign_policy()
                .body(AssignPolicyBody::new(assignments))
                .send(),
            |_, _| (),
        )
        .await?;
        Ok(())
    }

    /// Removes policy assignments (`userId`, `policyType` of each). Synchronous.
    pub async fn unassign_policy(&self, assignments: Vec<TeamsPolicyUserAssignment>) -> Result<()> {
        validate::policy_assignments(&assignments, false)?;
        bridge::run_action(
            "unassign_policy",
            self.generated
                .unassign_policy()
                .body(UnassignPolicyBody::new(assignments))
                .send(),
            |_, _| (),
        )
        .await?;
        Ok(())
    }
}
