//! The request path, from an operation to the wire and back: the [`route`] an operation may take
//! and the span around it, the [`seam`] every request goes through (credentials, the path check,
//! the retry loop), the [`retry`] policy and its decisions, the [`rate_limit`] gate shared by a
//! client's requests, and the [`failure`] that turns what a call observed into the crate's error.

pub(crate) mod decide;
pub(crate) mod failure;
pub(crate) mod rate_limit;
pub(crate) mod retry;
pub(crate) mod route;
pub(crate) mod seam;
