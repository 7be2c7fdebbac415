//! National clouds. The Teams administration API is offered on the global
//! service only: the US Government (L4/L5, DoD) and China clouds' metadata
//! has no `microsoft.graph.teamsAdministration` schema. A client pointed at
//! one of those hosts fails at build time with a clear reason instead of an
//! obscure 404 on the first call.

use reqwest::Url;

use crate::error::{Error, Result};

/// Graph hosts of national clouds, and the cloud's name.
const NATIONAL: &[(&str, &str)] = &[
    ("graph.microsoft.us", "US Government L4 (GCC High)"),
    ("dod-graph.microsoft.us", "US Government L5 (DoD)"),
    (
        "microsoftgraph.chinacloudapi.cn",
        "China (operated by 21Vianet)",
    ),
    ("graph.microsoft.de", "Germany"),
];

/// Refuses base URLs on national-cloud Graph hosts.
pub(crate) fn check(base_url: &Url) -> Result<()> {
    let host = base_url.host_str().unwrap_or_default().to_ascii_lowercase();
    if let Some((_, cloud)) = NATIONAL.iter().find(|(h, _)| *h == host) {
        return Err(Error::UnsupportedCloud {
            base_url: base_url.to_string(),
            reason: format!(
                "the Teams administration API (microsoft.graph.teamsAdministration) is available on the global \
                 service (graph.microsoft.com) only; the {cloud} cloud's Graph metadata has no such namespace"
            ),
        });
    }
    Ok(())
}
