//! Tokens: any `azure_core` [`TokenCredential`] (azure_identity's
//! `ClientSecretCredential`, `ManagedIdentityCredential`,
//! `DeveloperToolsCredential`, `AzureCliCredential`, …), plus
//! [`StaticTokenCredential`] for tools and tests, behind a cache that
//!
//! - reuses a token until 5 minutes before it expires (the developer-tools
//!   credentials do not cache and start a process per call);
//! - refreshes single-flight: however many calls find the token stale at
//!   once, one asks the credential and the others wait for its answer;
//! - keeps using a cached token that is still valid when a refresh fails
//!   (as azure_core's bearer policy does), and asks the credential again at
//!   most every [`RETRY_REFRESH_AFTER`] until the token expires;
//! - drops a token Graph rejected with 401, once, and asks the credential
//!   for a new one. The call is repeated only if the credential returns a
//!   *different* token. That helps credentials without a cache of their own
//!   (the developer-tools credentials, a custom credential); azure_identity's
//!   client-secret, certificate and managed-identity credentials keep their
//!   own cache and hand back the same token until it nears expiry, and then
//!   the 401 is returned as it is rather than resent;
//! - never resends after a 401 carrying a `WWW-Authenticate` claims challenge
//!   (Continuous Access Evaluation): azure_core's `TokenRequestOptions`
//!   cannot carry claims, so no credential can satisfy it; the error says so
//!   ([`GraphError::claims_challenge`](crate::GraphError)).

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

/// After a failed refresh while the cached token is still valid, how long
/// the cached token is used before the credential is asked again.
pub(crate) const RETRY_REFRESH_AFTER: StdDuration = StdDuration::from_secs(30);

/// The `claims` parameter of a `WWW-Authenticate` challenge, if any
/// (`Bearer ..., error="insufficient_claims", claims="eyJ..."`).
pub(crate) fn claims_challenge(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(claims_param)
}

fn claims_param(challenge: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("claims") {
        let start = from + at;
        from = start + "claims".len();
        let before_ok = start == 0 || matches!(lower.as_bytes()[start - 1], b' ' | b',' | b'\t');
        let rest = challenge[from..].trim_start();
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let value = value.trim_start();
        let text = match value.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap_or_default(),
            None => value.split([',', ' ']).next().unwrap_or_default(),
        };
        if !text.is_empty() {
            return Some(text.to_owned());
        }
    }
    None
}

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
        let token = match self.credential.get_token(&scopes, None).await {
            Ok(token) => token,
            Err(e) => return self.still_valid(e),
        };
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

    /// A refresh failed: the cached token while it is still valid (for
    /// [`RETRY_REFRESH_AFTER`], then the credential is asked again), else the
    /// credential's error.
    fn still_valid(&self, error: azure_core::Error) -> azure_core::Result<Bearer> {
        let Ok(mut slot) = self.current.write() else {
            return Err(error);
        };
        let Some(cached) = slot.as_mut() else {
            return Err(error);
        };
        let left = cached.expires_on - OffsetDateTime::now_utc();
        let Ok(left) = StdDuration::try_from(left) else {
            return Err(error);
        };
        if left.is_zero() {
            return Err(error);
        }
        tracing::warn!(
            error = %error,
            expires_in_s = left.as_secs(),
            "token refresh failed; using the cached token, which is still valid"
        );
        cached.refresh_at = Instant::now() + RETRY_REFRESH_AFTER.min(left);
        Ok(cached.bearer.clone())
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
    use super::*;

    #[test]
    fn claims_are_read_from_a_www_authenticate_challenge() {
        assert_eq!(
            claims_param(r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#).as_deref(),
            Some("eyJhY2Nlc3NfdG9rZW4iOnt9fQ==")
        );
        assert_eq!(
            claims_param("Bearer Claims=abc, x=y").as_deref(),
            Some("abc")
        );
        assert_eq!(
            claims_param(r#"Bearer realm="x", error="invalid_token""#),
            None
        );
        assert_eq!(claims_param(r#"Bearer xclaims="no""#), None);
        assert_eq!(claims_param("Bearer claims"), None);
        assert_eq!(claims_param(r#"Bearer claims="""#), None);
        assert_eq!(
            claims_param("claims=\u{e9}\u{e9}"),
            Some("\u{e9}\u{e9}".into())
        );
    }

    #[test]
    fn the_default_scope_is_the_origin_of_the_base_url() {
        let url = "https://graph.microsoft.com/beta".parse().unwrap();
        assert_eq!(
            super::default_scope(&url),
            "https://graph.microsoft.com/.default"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_challenge_is_read_without_panic(challenge in proptest::prelude::any::<String>()) {
            if let Some(claims) = claims_param(&challenge) {
                proptest::prop_assert!(!claims.is_empty());
                proptest::prop_assert!(challenge.contains(claims.as_str()));
            }
        }

        #[test]
        fn claims_come_back_as_sent(
            claims in "[A-Za-z0-9+/=_-]{1,64}",
            before in "[a-z_]{0,8}=\"[a-z ]{0,8}\", ",
        ) {
            let challenge = format!("Bearer {before}claims=\"{claims}\"");
            proptest::prop_assert_eq!(claims_param(&challenge), Some(claims));
        }
    }
}
