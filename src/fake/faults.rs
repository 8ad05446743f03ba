//! Faults: what the fake can do instead of (or to) its normal answer.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::Value;

use super::routes::failure;

/// What a fault rule knows of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The request's number since the fake started, from 1.
    pub index: usize,
    /// The `page` asked for (1 when not given or not a number).
    pub page: u64,
    /// How many times this page has been asked for, this request included (so 1 is a first
    /// attempt, 2 the first retry).
    pub attempt: usize,
}

/// Something the fake does instead of (or to) its normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers this status, headers and body instead.
    Respond {
        /// The HTTP status.
        status: u16,
        /// Headers to send (`content-type` among them, if any).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Waits this long, then gives the normal answer.
    Delay(Duration),
    /// Closes the connection without answering.
    Reset,
    /// The normal answer, cut to half its length.
    TruncateBody,
    /// The first half of the normal answer, then the connection is closed mid-body.
    CutBody,
    /// The normal answer with one more header (such as Cloudflare's `Ratelimit`).
    Header(String, String),
    /// The normal answer without `result_info`.
    DropResultInfo,
    /// Page 1's certificates whatever page was asked, with a `total_pages` one more than the page
    /// asked: a server whose list never ends and repeats itself.
    RepeatFirstPage,
    /// The normal answer with an extra top-level field of this many bytes.
    Pad(usize),
}

impl Fault {
    /// A JSON answer with this status.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// 429 with `Retry-After: <retry_after>` and Cloudflare's rate-limit error (code 971).
    pub fn rate_limited(retry_after: &str) -> Self {
        Self::rate_limited_with("retry-after", retry_after)
    }

    /// 429 with `retry-after-ms: <millis>` (and Cloudflare's rate-limit error).
    pub fn rate_limited_ms(millis: u64) -> Self {
        Self::rate_limited_with("retry-after-ms", &millis.to_string())
    }

    /// 429 with Cloudflare's rate-limit error (code 971) and the wait in header `name`.
    fn rate_limited_with(name: &str, value: &str) -> Self {
        let (_, body) = failure(
            StatusCode::TOO_MANY_REQUESTS,
            971,
            "Please wait and consider throttling your request speed",
        );
        let mut fault = Self::json(429, &body);
        if let Self::Respond { headers, .. } = &mut fault {
            headers.push((name.into(), value.into()));
        }
        fault
    }

    /// An HTML error page with this status, as an edge sends it, padded to at least `min_len`
    /// bytes.
    pub fn html(status: u16, min_len: usize) -> Self {
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        let mut page = format!(
            "<!DOCTYPE html>\n<html>\n<head><title>{status} {reason}</title></head>\n<body>\n<center><h1>{status} {reason}</h1></center>\n<hr><center>cloudflare</center>\n"
        );
        while page.len() < min_len {
            page.push_str("<!-- a padding comment to make the page longer -->\n");
        }
        page.push_str("</body>\n</html>\n");
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: page.into_bytes(),
        }
    }

    /// A 302 redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::Respond { status: 302, headers: vec![("location".into(), location.into())], body: Vec::new() }
    }

    /// HTTP 200 with Cloudflare's failure envelope (`success: false`, code 1000).
    pub fn success_false() -> Self {
        Self::json(200, &failure(StatusCode::OK, 1000, "An internal error occurred").1)
    }

    /// HTTP 200 with an empty body.
    pub fn empty_body() -> Self {
        Self::Respond {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Vec::new(),
        }
    }
}

pub(crate) type FaultRule = dyn Fn(&RequestInfo) -> Option<Fault> + Send + Sync;
