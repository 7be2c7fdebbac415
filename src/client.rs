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
use crate::entity;
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
use crate::paging::{Collection, FetchAt, Pager};
use crate::pipeline::{DEFAULT_BODY_LIMIT, Pipeline, PipelineConfig};
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
    body_limit: u64,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("has_credential", &self.credential.is_some())
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .field(
                "prefer_unknown_enum_members",
                &self.prefer_unknown_enum_members,
            )
            .field("body_limit", &self.body_limit)
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
            prefer_unknown_enum_members: true,
            body_limit: DEFAULT_BODY_LIMIT,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// Base URL; default [`GRAPH_BETA`]. It must be `https`, or `http` on a
    /// loopback host (`127.0.0.1`, `[::1]`, `localhost`: the emulator):
    /// a bearer token never travels in clear text over a network.
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

    /// Whether to send `Prefer: include-unknown-enum-members` (default:
    /// yes), so the service returns members added after
    /// `unknownFutureValue` (such as `ineligibleUser`) instead of the
    /// sentinel. Every enum of this SDK is open, so a new member is kept
    /// with its wire name rather than failing. `false` opts out.
    /// [`Client::unknown_enum_members_applied`] tells whether the service
    /// confirmed it (`Preference-Applied`).
    pub fn include_unknown_enum_members(mut self, yes: bool) -> Self {
        self.prefer_unknown_enum_members = yes;
        self
    }

    /// The largest answer body read, in bytes after decompression (default
    /// 32 MiB). A larger one is cut off there with
    /// [`Error::BodyTooLarge`], so a misbehaving server or proxy cannot
    /// make the client hold unbounded memory.
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Use this `reqwest::Client` (its own timeouts apply). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: the client this
    /// builder makes follows no redirects, so that nothing (a `307` resends
    /// the body) goes where a redirect points.
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
        if base_url.scheme() == "http" && !is_loopback(&base_url) {
            return Err(Error::InvalidInput {
                argument: "base_url",
                reason: format!(
                    "{base_url} is plain http on a host that is not loopback: a bearer token \
                     would travel in clear text. Use https (http is accepted only for \
                     127.0.0.1, [::1] and localhost, such as the emulator)"
                ),
            });
        }
        if !base_url.username().is_empty() || base_url.password().is_some() {
            return Err(Error::InvalidInput {
                argument: "base_url",
                reason: "must not carry user credentials".into(),
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
        let own_http = self.http.is_none();
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
            body_limit: self.body_limit,
            own_http,
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

/// Whether a base URL's host is loopback (the only place `http` may go).
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A [`Pager`] over a generated list operation with a [`ListQuery`]
/// applied: only the options the caller set are sent (refused when the
/// collection does not document them), and later pages come from
/// `@odata.nextLink`, or from `$skip` where the collection pages that way.
macro_rules! list_pager {
    ($self:ident, $query:ident, $op:ident, $collection:expr) => {{
        let collection: &'static Collection = $collection;
        if let Err(e) = collection.check(&$query) {
            return Pager::failed(e);
        }
        let client = $self.clone();
        let first = $query.skip;
        let page_size = collection.skip_paging(&$query);
        let fetch: FetchAt<_> = Arc::new(move |skip: Option<u64>| {
            let (client, q) = (client.clone(), $query.clone());
            async move {
                let mut b = client.generated.$op();
                if let Some(top) = q.top {
                    b = b.top(top);
                }
                if let Some(skip) = skip {
                    b = b.skip(skip);
                }
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
                let (rv, url) = bridge::run_at(stringify!($op), b.send()).await?;
                Ok((rv.into_inner(), url))
            }
            .boxed()
        });
        Pager::new($self.pipeline.clone(), fetch, first, page_size)
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

    /// Whether the service confirmed `Prefer: include-unknown-enum-members`
    /// (`Preference-Applied`) in its last answer: `None` before any answer
    /// or when the preference is not sent
    /// ([`ClientBuilder::include_unknown_enum_members`]). When it is
    /// `Some(false)`, members added after `unknownFutureValue` may arrive as
    /// `unknownFutureValue`.
    pub fn unknown_enum_members_applied(&self) -> Option<bool> {
        self.pipeline.unknown_enum_members_applied()
    }

    /// The 202 of an action: its `Location` (resolved against the request's
    /// URL when relative) becomes the [`Operation`].
    fn accepted(&self, operation: &'static str, a: bridge::Accepted<'_>) -> Result<Operation> {
        let Some(location) = a.headers.get(LOCATION) else {
            let crid = a.client_request_id();
            let cx = ErrorContext::new(operation, a.attempts(), crid.as_deref());
            let mut e = GraphError::from_answer(&cx, a.status, a.headers, None, None);
            e.code = "missingLocation".into();
            e.message = "the service accepted the request but sent no Location to poll; list the number to see its state".into();
            return Err(Error::Graph(Box::new(e)));
        };
        let url = self
            .pipeline
            .follow_header_text("Location", location, || a.url())?;
        Ok(Operation::new(
            self.pipeline.clone(),
            url,
            self.poll.clone(),
            retry_after(a.headers),
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
            |a| self.accepted("assign_number", a),
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
            |a| self.accepted("unassign_number", a),
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
            |_| (),
        )
        .await?;
        Ok(())
    }

    /// Resumes an operation from a saved [`OperationRef`](crate::OperationRef)
    /// URL, or from a bare operation id.
    pub fn operation(&self, id_or_url: &str) -> Result<Operation> {
        validate::non_empty("operation", id_or_url)?;
        let url = if id_or_url.contains("://") {
            self.pipeline.follow("operation URL", id_or_url, None)?
        } else {
            self.pipeline.endpoint(&[
                "admin",
                "teams",
                "telephoneNumberManagement",
                "operations",
                id_or_url,
            ])?
        };
        Ok(Operation::new(
            self.pipeline.clone(),
            url.into(),
            self.poll.clone(),
            Some(Duration::ZERO),
        ))
    }

    /// One telephone number record by id. Also reads the `{"value": {...}}`
    /// shape Microsoft's documentation shows; an answer with none of the
    /// record's properties is an [`Error::Decode`], never an empty record.
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
        entity::from_response("get_number_assignment", rv)
    }

    /// The number inventory, as a stream of records. Pages by
    /// `@odata.nextLink`, or by `$skip` (documented for this collection,
    /// with a default page of 500) when the service sends none.
    pub fn number_assignments(&self, query: ListQuery) -> Pager<NumberAssignment> {
        list_pager!(
            self,
            query,
            list_number_assignments,
            &Collection::NUMBER_ASSIGNMENTS
        )
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

    /// Long-running operations known to the service (pages by
    /// `@odata.nextLink`).
    pub fn operations(&self, query: ListQuery) -> Pager<TelephoneNumberLongRunningOperation> {
        list_pager!(self, query, list_operations, &Collection::OPERATIONS)
    }

    /// Teams configuration of users (pages by `@odata.nextLink`). The
    /// collection documents `$select`, `$filter`, `$top`, `$expand` and
    /// `$orderby`: a query with `skip` or `count` is refused with
    /// [`Error::InvalidInput`] before anything is sent.
    pub fn user_configurations(&self, query: ListQuery) -> Pager<TeamsUserConfiguration> {
        list_pager!(
            self,
            query,
            list_user_configurations,
            &Collection::USER_CONFIGURATIONS
        )
    }

    /// One user's Teams configuration (the id is the user's object id).
    /// Reads the documented `{"value": {...}}` shape too; an answer with
    /// none of the record's properties is an [`Error::Decode`].
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
        entity::from_response("get_user_configuration", rv)
    }

    /// Policy assignments of users (`policy/userAssignments`, no Learn page:
    /// the description's `$filter`, `$top`, `$skip`, `$select`, `$orderby`,
    /// `$count`). Pages by `@odata.nextLink`, or by `$skip` in pages of
    /// `$top` (500 by default) when the service sends none.
    pub fn policy_assignments(&self, query: ListQuery) -> Pager<TeamsPolicyUserAssignment> {
        list_pager!(
            self,
            query,
            list_user_assignments,
            &Collection::USER_ASSIGNMENTS
        )
    }

    /// One policy assignment by id (read like
    /// [`number_assignment`](Self::number_assignment)).
    pub async fn policy_assignment(&self, id: &str) -> Result<TeamsPolicyUserAssignment> {
        validate::non_empty("id", id)?;
        let rv = bridge::run(
            "get_user_assignment",
            self.generated
                .get_user_assignment()
                .teams_policy_user_assignment_id(id)
                .send(),
        )
        .await?;
        entity::from_response("get_user_assignment", rv)
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
        let fetch: FetchAt<_> = Arc::new(move |skip: Option<u64>| {
            let (client, policy_type, name) = (client.clone(), policy_type.clone(), name.clone());
            async move {
                let mut b = client
                    .generated
                    .get_policy_id()
                    .type_(policy_type)
                    .name(name);
                if let Some(skip) = skip {
                    b = b.skip(skip);
                }
                let (rv, url) = bridge::run_at("get_policy_id", b.send()).await?;
                Ok((rv.into_inner(), url))
            }
            .boxed()
        });
        Pager::new(self.pipeline.clone(), fetch, None, None)
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
            |_| (),
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
            |_| (),
        )
        .await?;
        Ok(())
    }
}

/// What other rooms need beyond the public surface: the pipeline, for
/// requests outside the generated client (`users`; the bulk engine sends its
/// actions itself, with its own `client-request-id` and throttling answers
/// returned to its gate), and the poll options the bulk engine polls with.
impl Client {
    pub(crate) fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    #[cfg(feature = "bulk")]
    pub(crate) fn poll_options(&self) -> &PollOptions {
        &self.poll
    }
}
