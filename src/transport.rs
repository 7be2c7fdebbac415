//! Room: the HTTP transport. Builds the `reqwest::Client` the whole SDK
//! shares, with the TLS stack the crate's features choose. Touches nothing
//! but reqwest and the TLS crates; what is sent over it is `pipeline`'s
//! business.
//!
//! TLS features (see the crate docs):
//! - `rustls` (default): rustls with the `ring` provider and the platform's
//!   certificate verifier. It is configured here for this client only; the
//!   process-wide rustls default provider is left as the program set it.
//! - `rustls-aws-lc`: reqwest's own rustls setup with `aws-lc-rs`.
//! - `native-tls`: the platform's TLS library.
//!
//! Without any of them the client speaks plain `http` only, which is what
//! the emulator on loopback needs; an `https` base URL is then refused by
//! the builder with a message naming the features.
//!
//! Two choices made here for every request:
//! - **no redirects**: Graph does not redirect these calls, and following
//!   one would send the request (a `307`/`308` resends the `assignNumber`
//!   body) to wherever the answer points. A `3xx` comes back as an error
//!   naming its `Location`.
//! - **gzip** (feature `gzip`, off by default as in reqwest): bodies may
//!   then arrive compressed (`Accept-Encoding: gzip`); the pipeline's body
//!   limit counts the bytes *after* decompression, so a small compressed
//!   answer cannot inflate without bound. Without the feature nothing asks
//!   for compression, and a compressed body sent anyway is not valid JSON
//!   and fails as a decode error.

use std::time::Duration;

use crate::error::{Error, Result};

/// Whether this build can speak TLS at all.
pub(crate) const HAS_TLS: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-aws-lc",
    feature = "native-tls"
));

/// The shared HTTP client: per-attempt and connect timeouts, and the TLS
/// stack chosen by features.
pub(crate) fn http_client(timeout: Duration, connect_timeout: Duration) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none());
    #[cfg(feature = "gzip")]
    let builder = builder.gzip(true);
    let builder = tls(builder)?;
    builder
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))
}

#[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    use std::sync::Arc;

    use rustls_platform_verifier::BuilderVerifierExt;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| Error::Internal(format!("cannot set up TLS (rustls with ring): {e}")))?
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(not(all(feature = "rustls", not(feature = "rustls-aws-lc"))))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    Ok(builder)
}
