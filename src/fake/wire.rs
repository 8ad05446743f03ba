//! What the fake and its clients exchange, with no logic of its own: the defaults it serves
//! (zone, account, credentials), a recorded request, a reply, and the envelopes it answers with.
//! A leaf: it imports no other file of the fake.

use std::fmt;
use std::time::Duration;

use hyper::StatusCode;
use serde_json::{Value, json};

/// The zone the fake serves unless told otherwise.
pub const ZONE_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";
/// The name of that zone.
pub const ZONE_NAME: &str = "example.com";
/// The account its zones belong to unless told otherwise.
pub const ACCOUNT_ID: &str = "01a7362d577a6c3019a474fd6f485823";
/// The API token the fake accepts unless told otherwise. Not a real credential.
pub const TOKEN: &str = "fake-token-0123456789";
/// The account email the fake accepts unless told otherwise.
pub const EMAIL: &str = "user@example.com";
/// The Global API key the fake accepts unless told otherwise. Not a real credential.
pub const API_KEY: &str = "fake-global-api-key-0123456789";
/// The path prefix of the fake's base URL, as Cloudflare's.
pub const PATH_PREFIX: &str = "/client/v4";

/// One request the fake received.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, still percent-encoded as sent.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Every header, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The decoded query parameters, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
    }
}

impl fmt::Debug for RecordedRequest {
    // The credential headers' values are redacted, like everywhere else in the crate.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| match name.as_str() {
                "authorization" | "x-auth-key" => (name.as_str(), "** redacted **"),
                _ => (name.as_str(), value.as_str()),
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// An answer: status, headers, body.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: &Value) -> Self {
        Self {
            status: status.as_u16(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

impl From<(StatusCode, Value)> for Reply {
    fn from((status, body): (StatusCode, Value)) -> Self {
        Self::json(status, &body)
    }
}

/// Cloudflare's failure envelope, with this status.
pub(crate) fn failure(status: StatusCode, code: u32, message: &str) -> (StatusCode, Value) {
    (status, failure_body(code, message))
}

/// Cloudflare's failure envelope: `success: false`, one error of this `code` and `message`.
fn failure_body(code: u32, message: &str) -> Value {
    json!({
        "errors": [{ "code": code, "message": message }],
        "messages": [],
        "result": null,
        "success": false,
    })
}

/// A whole-number query parameter within `min..=max` (the last one given wins), or `None`.
pub(crate) fn param(
    query: &[(String, String)],
    name: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, String> {
    match query.iter().rev().find(|(key, _)| key == name) {
        None => Ok(None),
        Some((_, raw)) => match raw.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ if max == u64::MAX => {
                Err(format!("{name} must be a whole number of {min} or more, got {raw:?}"))
            }
            _ => Err(format!("{name} must be a whole number from {min} to {max}, got {raw:?}")),
        },
    }
}

/// One page of `items`, with its `result_info`.
pub(crate) struct Paged<'a, T> {
    pub(crate) items: Vec<&'a T>,
    page: u64,
    per_page: u64,
    total: u64,
}

pub(crate) fn paged<'a, T>(all: &[&'a T], page: u64, per_page: u64) -> Paged<'a, T> {
    let start = usize::try_from(page.saturating_sub(1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items = all.iter().skip(start).take(per_page as usize).copied().collect();
    Paged { items, page, per_page, total: all.len() as u64 }
}

impl<T: serde::Serialize> Paged<'_, T> {
    pub(crate) fn json(&self) -> Value {
        json!({
            "errors": [],
            "messages": [],
            "success": true,
            "result": self.items,
            "result_info": {
                "count": self.items.len(),
                "page": self.page,
                "per_page": self.per_page,
                "total_count": self.total,
                "total_pages": self.total.div_ceil(self.per_page),
            },
        })
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

    /// Cloudflare's failure envelope (`success: false`, one error of this `code` and `message`)
    /// with this status: `Fault::api_error(403, 9109, "Unauthorized to access requested resource")`
    /// plays a token that lacks a permission.
    pub fn api_error(status: u16, code: u32, message: &str) -> Self {
        Self::json(status, &failure_body(code, message))
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

/// Cloudflare's 404 (code 7003) for a zone it does not serve at `path`.
pub(crate) fn not_routed(path: &str) -> (StatusCode, Value) {
    let message = format!("Could not route to {path}, perhaps your object identifier is invalid?");
    failure(StatusCode::NOT_FOUND, 7003, &message)
}
