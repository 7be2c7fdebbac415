//! The hand-written runtime against real HTTP servers on 127.0.0.1
//! (wiremock, and a raw TCP server for dropped connections).

mod auth;
mod errors;
mod lro;
mod paging;
mod reliability;
mod retry;
mod support;
