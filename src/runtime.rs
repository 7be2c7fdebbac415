//! Hand-written state the generated client carries (progenitor's `inner`).

/// Per-client state shared by every request of a generated [`crate::generated::Client`].
#[derive(Clone, Debug, Default)]
pub struct Pipeline {}
