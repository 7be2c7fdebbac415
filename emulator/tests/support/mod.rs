//! What both emulator test binaries share.

/// A plain-http client. When the build gives reqwest rustls without a crypto
/// provider (the SDK's default `rustls` feature does, and the CLI turns it
/// on), reqwest needs a process-wide provider before it builds any client;
/// installing one is harmless otherwise.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
