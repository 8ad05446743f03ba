//! Faults: what the fake can do instead of (or to) its normal answer, and [`apply`], the one place
//! where a fault meets a request.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::Value;

use super::RecordedRequest;
use super::routes::{self, Reply, failure};
use super::server::State;

/// What a fault rule knows of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The request's number since the fake started, from 1.
    pub index: usize,
    /// `GET`, `POST`, `DELETE`...
    pub method: String,
    /// The path below the base URL, as sent (still percent-encoded), such as
    /// `/zones/023e…/acm/custom_trust_store`.
    pub path: String,
    /// The `page` asked for (1 when not given or not a number).
    pub page: u64,
    /// How many times this method, path and page have been asked for, this request included (so 1
    /// is a first attempt, 2 the first retry).
    pub attempt: usize,
}

impl RequestInfo {
    /// Whether this is a list of a zone's trust store (`GET .../custom_trust_store`).
    pub fn is_list(&self) -> bool {
        self.method == "GET" && self.path.ends_with("/acm/custom_trust_store")
    }
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

/// What the server does with a request.
pub(crate) enum Action {
    /// Sends this answer, after waiting this long.
    Send(Reply, Duration),
    /// Sends the headers and the first half of this answer's body, then closes the connection.
    Cut(Reply),
    /// Closes the connection without answering.
    Reset,
}

/// The one place a fault is applied: the normal answer to `request` (from `routes`), changed or
/// replaced as `fault` says. A request answered by [`Fault::Respond`] or [`Fault::Reset`] is not
/// processed (an upload stores nothing).
pub(crate) fn apply(state: &State, request: &RecordedRequest, page: u64, fault: Option<Fault>) -> Action {
    let normal = || routes::answer(state, request, None);
    let edited = |edit: &dyn Fn(&mut Value)| {
        let (status, mut body) = routes::answer(state, request, None);
        if status == StatusCode::OK {
            edit(&mut body);
        }
        Reply::json(status, &body)
    };
    let Some(fault) = fault else { return Action::Send(Reply::from(normal()), Duration::ZERO) };
    match fault {
        Fault::Respond { status, headers, body } => {
            Action::Send(Reply { status, headers, body }, Duration::ZERO)
        }
        Fault::Delay(delay) => Action::Send(Reply::from(normal()), delay),
        Fault::Reset => Action::Reset,
        Fault::TruncateBody => {
            let mut reply = Reply::from(normal());
            reply.body.truncate(reply.body.len() / 2);
            Action::Send(reply, Duration::ZERO)
        }
        Fault::CutBody => Action::Cut(Reply::from(normal())),
        Fault::Header(name, value) => {
            let mut reply = Reply::from(normal());
            reply.headers.push((name, value));
            Action::Send(reply, Duration::ZERO)
        }
        Fault::DropResultInfo => Action::Send(
            edited(&|body| {
                body.as_object_mut().map(|body| body.remove("result_info"));
            }),
            Duration::ZERO,
        ),
        Fault::Pad(bytes) => {
            Action::Send(edited(&|body| body["padding"] = Value::String("x".repeat(bytes))), Duration::ZERO)
        }
        Fault::RepeatFirstPage => {
            let (status, mut body) = routes::answer(state, request, Some(1));
            if status == StatusCode::OK {
                body["result_info"]["page"] = page.into();
                body["result_info"]["total_pages"] = page.saturating_add(1).into();
            }
            Action::Send(Reply::json(status, &body), Duration::ZERO)
        }
    }
}
