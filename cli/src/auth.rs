//! Room: who we are and where we talk to. Turns the global flags and the
//! usual `AZURE_*` environment into an SDK [`Client`]: a fixed token, an
//! azure_identity credential, or the embedded emulator. Secrets are read
//! here and go nowhere but into the credential: never into a log line, an
//! error message or a `Debug` output.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, Transport};
use graph_teams_admin::{Client, GRAPH_BETA, PollOptions};
use graph_teams_admin_emulator::{Emulator, EmulatorConfig};

use crate::args::{AuthMethod, Global};
use crate::exit::UsageError;

/// What the commands talk to.
pub struct Target {
    pub client: Client,
    /// Where, for messages (`https://graph.microsoft.com/beta`, "the
    /// embedded emulator").
    pub description: String,
    /// `true` for `--emulator`: nothing real can change, so no prompt.
    pub emulated: bool,
    /// Kept alive for as long as the command runs.
    _emulator: Option<Emulator>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("description", &self.description)
            .field("emulated", &self.emulated)
            .finish_non_exhaustive()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// How operations are polled: from `initial`, growing to 15x it (the SDK
/// default multiplier); Graph's `Retry-After` wins.
fn poll(global: &Global, default: f64) -> Result<PollOptions> {
    let secs = global.poll_interval.unwrap_or(default);
    let initial = Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            UsageError(format!(
                "--poll-interval {secs} is not a positive number of seconds"
            ))
        })?;
    Ok(PollOptions::default().with_interval(initial, initial * 15))
}

/// Builds the client from the flags.
pub async fn connect(global: &Global) -> Result<Target> {
    if global.emulator {
        return emulated(poll(global, 0.1)?).await;
    }
    let base_url = global
        .base_url
        .clone()
        .unwrap_or_else(|| GRAPH_BETA.to_owned());
    let (credential, how) = credential(global)?;
    let client = Client::builder()
        .base_url(&base_url)
        .credential(credential)
        .poll_options(poll(global, 1.0)?)
        .user_agent_suffix(concat!("teams-admin/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| UsageError(e.to_string()))?;
    tracing::info!(base_url = %base_url, credential = how, "connecting");
    Ok(Target {
        client,
        description: format!("{base_url} ({how})"),
        emulated: false,
        _emulator: None,
    })
}

/// The demo tenant of `--emulator`: 120 numbers (`+14255550100` …), the
/// named users (adele.vance, alex.wilber, megan.bowen, main-ivr) and 50
/// generated ones (`user001@contoso.onmicrosoft.com` …), one of them
/// without a Teams Phone license, and a few numbers already assigned.
pub fn demo_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::with_numbers(120).with_users(50);
    config.operation_duration = Duration::from_millis(200);
    if let Some(user) = config.user_mut("user050@contoso.onmicrosoft.com") {
        *user = user.clone().unlicensed();
    }
    // Already assigned: +14255550190 .. +14255550199 to user041 .. user050,
    // and +14255550210 to adele.vance.
    for (offset, user_index) in (90..100).zip(41..=50) {
        let id = format!("5b7a9c1e-3d2f-4e60-8a4b-{user_index:012}");
        config.numbers[offset].assignment_target_id = Some(id);
    }
    config.numbers[110].assignment_target_id = Some("8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01".into());
    config
}

async fn emulated(poll: PollOptions) -> Result<Target> {
    let emulator = Emulator::start(demo_config())
        .await
        .context("cannot start the embedded emulator")?;
    let base_url = emulator.base_url();
    let client = Client::builder()
        .base_url(&base_url)
        .token(emulator.token())
        .poll_options(poll)
        .user_agent_suffix(concat!("teams-admin/", env!("CARGO_PKG_VERSION")))
        .build()?;
    tracing::info!(base_url = %base_url, "embedded emulator");
    Ok(Target {
        client,
        description: format!("the embedded emulator ({base_url})"),
        emulated: true,
        _emulator: Some(emulator),
    })
}

/// The HTTP client azure_identity uses for token requests: the same
/// rustls + ring stack as the SDK (so no second TLS library is built).
fn identity_options() -> Result<ClientOptions> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .context("cannot set up TLS for the token endpoint")?
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client for the token endpoint")?;
    Ok(ClientOptions {
        transport: Some(Transport::new(Arc::new(http))),
        ..Default::default()
    })
}

fn required(value: Option<String>, what: &str) -> Result<String> {
    value.ok_or_else(|| UsageError(format!("{what} is required for this credential")).into())
}

fn auto(global: &Global) -> AuthMethod {
    if global.token.is_some() {
        AuthMethod::Token
    } else if env("AZURE_CLIENT_SECRET").is_some() {
        AuthMethod::ClientSecret
    } else if global.certificate.is_some() {
        AuthMethod::ClientCertificate
    } else if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
        AuthMethod::WorkloadIdentity
    } else if env("IDENTITY_ENDPOINT").is_some() || env("MSI_ENDPOINT").is_some() {
        AuthMethod::ManagedIdentity
    } else {
        AuthMethod::DeveloperTools
    }
}

/// The credential and a name for it (for `-v` logs; never a secret).
fn credential(global: &Global) -> Result<(Arc<dyn TokenCredential>, &'static str)> {
    let method = match global.auth {
        AuthMethod::Auto => auto(global),
        m => m,
    };
    let failed = |what: &str, e: azure_core::Error| anyhow::anyhow!("cannot set up {what}: {e}");
    Ok(match method {
        AuthMethod::Auto => unreachable!("resolved above"),
        AuthMethod::Token => {
            let token = required(global.token.clone(), "--token (or TEAMS_ADMIN_TOKEN)")?;
            (
                graph_teams_admin::StaticTokenCredential::new(token),
                "a fixed token",
            )
        }
        AuthMethod::ClientSecret => {
            let tenant = required(global.tenant_id.clone(), "--tenant-id (or AZURE_TENANT_ID)")?;
            let client_id = required(global.client_id.clone(), "--client-id (or AZURE_CLIENT_ID)")?;
            let secret = required(env("AZURE_CLIENT_SECRET"), "AZURE_CLIENT_SECRET")?;
            let options = azure_identity::ClientSecretCredentialOptions {
                client_options: identity_options()?,
            };
            let c = azure_identity::ClientSecretCredential::new(
                &tenant,
                client_id,
                secret.into(),
                Some(options),
            )
            .map_err(|e| failed("the client secret credential", e))?;
            (c, "client secret")
        }
        AuthMethod::ClientCertificate => certificate(global)?,
        AuthMethod::WorkloadIdentity => {
            let options = azure_identity::WorkloadIdentityCredentialOptions {
                credential_options: azure_identity::ClientAssertionCredentialOptions {
                    client_options: identity_options()?,
                },
                client_id: global.client_id.clone(),
                tenant_id: global.tenant_id.clone(),
                ..Default::default()
            };
            let c = azure_identity::WorkloadIdentityCredential::new(Some(options))
                .map_err(|e| failed("workload identity", e))?;
            (c, "workload identity")
        }
        AuthMethod::ManagedIdentity => {
            let options = azure_identity::ManagedIdentityCredentialOptions {
                user_assigned_id: global
                    .client_id
                    .clone()
                    .map(azure_identity::UserAssignedId::ClientId),
                client_options: identity_options()?,
            };
            let c = azure_identity::ManagedIdentityCredential::new(Some(options))
                .map_err(|e| failed("the managed identity", e))?;
            (c, "managed identity")
        }
        AuthMethod::AzureCli => {
            let options = azure_identity::AzureCliCredentialOptions {
                tenant_id: global.tenant_id.clone(),
                ..Default::default()
            };
            let c = azure_identity::AzureCliCredential::new(Some(options))
                .map_err(|e| failed("the Azure CLI credential", e))?;
            (c, "Azure CLI")
        }
        AuthMethod::DeveloperTools => {
            let c = azure_identity::DeveloperToolsCredential::new(None)
                .map_err(|e| failed("developer tools credentials", e))?;
            (c, "developer tools (Azure CLI, Azure Developer CLI)")
        }
    })
}

#[cfg(feature = "client-certificate")]
fn certificate(global: &Global) -> Result<(Arc<dyn TokenCredential>, &'static str)> {
    let tenant = required(global.tenant_id.clone(), "--tenant-id (or AZURE_TENANT_ID)")?;
    let client_id = required(global.client_id.clone(), "--client-id (or AZURE_CLIENT_ID)")?;
    let path = global.certificate.clone().ok_or_else(|| {
        UsageError("--certificate (or AZURE_CLIENT_CERTIFICATE_PATH) is required".into())
    })?;
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read the certificate {}", path.display()))?;
    let options = azure_identity::ClientCertificateCredentialOptions {
        client_options: identity_options()?,
        password: env("AZURE_CLIENT_CERTIFICATE_PASSWORD").map(Into::into),
    };
    let c = azure_identity::ClientCertificateCredential::new(
        tenant,
        client_id,
        bytes.into(),
        Some(options),
    )
    .map_err(|e| anyhow::anyhow!("cannot use the certificate {}: {e}", path.display()))?;
    Ok((c, "client certificate"))
}

#[cfg(not(feature = "client-certificate"))]
fn certificate(_global: &Global) -> Result<(Arc<dyn TokenCredential>, &'static str)> {
    Err(UsageError(
        "client certificate credentials need teams-admin built with the `client-certificate` \
         feature (cargo install teams-admin --features client-certificate; it builds OpenSSL)"
            .into(),
    )
    .into())
}
