//! Tokens: any `azure_core` [`TokenCredential`] (azure_identity's
//! `ClientSecretCredential`, `ManagedIdentityCredential`,
//! `DeveloperToolsCredential`, `AzureCliCredential`, …), plus
//! [`StaticTokenCredential`] for tools and tests, behind a cache that
//!
//! - reuses a token until 5 minutes before it expires (the developer-tools
//!   credentials do not cache and start a process per call);
//! - refreshes single-flight: however many calls find the token stale at
//!   once, one asks the credential and the others wait for its answer;
//! - drops a token Graph rejected with 401, once, so the call is retried
//!   with a fresh one.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration as StdDuration, Instant};

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};
use reqwest::header::HeaderValue;

/// A fixed bearer token, for tools that already have one and for tests.
/// Its `Debug` never shows the token.
pub struct StaticTokenCredential {
    token: Secret,
    expires_on: OffsetDateTime,
}

impl StaticTokenCredential {
    /// A token that the cache treats as valid for a year.
    pub fn new(token: impl Into<String>) -> Arc<Self> {
        Self::expiring(token, OffsetDateTime::now_utc() + Duration::days(365))
    }

    /// A token with a known expiry.
    pub fn expiring(token: impl Into<String>, expires_on: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self {
            token: Secret::new(token.into()),
            expires_on,
        })
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenCredential")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(self.token.clone(), self.expires_on))
    }
}

/// How long before expiry a cached token is replaced.
pub(crate) const REFRESH_BEFORE_EXPIRY: StdDuration = StdDuration::from_secs(300);

/// The `.default` scope for the origin of a Graph base URL
/// (`https://graph.microsoft.com/beta` → `https://graph.microsoft.com/.default`).
pub(crate) fn default_scope(base_url: &reqwest::Url) -> String {
    format!("{}/.default", base_url.origin().ascii_serialization())
}

/// A token ready to send: the `Authorization` value (marked sensitive, so
/// `Debug` of a header map never shows it) and which fetch it came from.
#[derive(Clone)]
pub(crate) struct Bearer {
    pub header: HeaderValue,
    pub generation: u64,
}

struct Cached {
    bearer: Bearer,
    expires_on: OffsetDateTime,
    /// When to stop using it: 5 minutes before it expires.
    refresh_at: Instant,
}

/// Token cache with single-flight refresh.
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    current: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<u64>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self
            .current
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|t| t.expires_on));
        f.debug_struct("TokenCache")
            .field("scope", &self.scope)
            .field("cached_token_expires_on", &cached)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        Self {
            credential,
            scope,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(0),
        }
    }

    fn fresh(&self) -> Option<Bearer> {
        let slot = self.current.read().ok()?;
        let cached = slot.as_ref()?;
        (Instant::now() < cached.refresh_at).then(|| cached.bearer.clone())
    }

    /// A token that is not about to expire, fetching one if needed.
    pub(crate) async fn token(&self) -> azure_core::Result<Bearer> {
        if let Some(b) = self.fresh() {
            return Ok(b);
        }
        // One caller refreshes; the others queue here and then find the
        // fresh token in the cache.
        let mut generation = self.refresh.lock().await;
        if let Some(b) = self.fresh() {
            return Ok(b);
        }
        let scopes = [self.scope.as_str()];
        let token = self.credential.get_token(&scopes, None).await?;
        let mut header = HeaderValue::from_str(&format!("Bearer {}", token.token.secret()))
            .map_err(|_| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "the credential returned a token that is not a valid header value",
                )
            })?;
        header.set_sensitive(true);
        *generation += 1;
        let bearer = Bearer {
            header,
            generation: *generation,
        };
        let left = token.expires_on
            - OffsetDateTime::now_utc()
            - Duration::try_from(REFRESH_BEFORE_EXPIRY).unwrap_or(Duration::minutes(5));
        let refresh_at = Instant::now()
            + std::time::Duration::try_from(left).unwrap_or(std::time::Duration::ZERO);
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(Cached {
                bearer: bearer.clone(),
                expires_on: token.expires_on,
                refresh_at,
            });
        }
        Ok(bearer)
    }

    /// Forgets the token of fetch `generation` if it is still the cached one
    /// (so fifty calls rejected with the same token cause one refresh, not
    /// fifty).
    pub(crate) fn invalidate(&self, generation: u64) {
        if let Ok(mut slot) = self.current.write()
            && slot
                .as_ref()
                .is_some_and(|t| t.bearer.generation == generation)
        {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_scope_is_the_origin_of_the_base_url() {
        let url = "https://graph.microsoft.com/beta".parse().unwrap();
        assert_eq!(
            super::default_scope(&url),
            "https://graph.microsoft.com/.default"
        );
    }
}
