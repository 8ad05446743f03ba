//! What went wrong: [`ErrorKind`], one per failure a caller may handle apart.

use crate::model::ResponseMessage;
use crate::text::one_line;

/// What went wrong, whatever the number of attempts. `Display` is one lowercase line; text from a
/// server in it is escaped ([`terminal_safe`](crate::terminal_safe)) and bounded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A parameter was refused before any request was sent.
    #[error("invalid {parameter}: {reason}")]
    InvalidInput {
        /// The parameter's name, as the API or the builder spells it (`zone_id`, `per_page`...).
        parameter: &'static str,
        /// What was wrong and which values are allowed.
        reason: String,
    },

    /// A certificate given for upload was refused by the local checks; nothing was sent.
    #[error("{0}")]
    InvalidCertificate(crate::certificate::CertificateProblem),

    /// The client could not be configured (credentials, base URL, environment).
    #[error("configuration error: {0}")]
    Config(String),

    /// Cloudflare answered with its error envelope (`success: false`), with any HTTP status.
    #[error("cloudflare api error (http {status}): {}", summarize(errors))]
    Api {
        /// The HTTP status (`200` when Cloudflare said `success: false` in a 200 response).
        status: u16,
        /// Cloudflare's `errors` array, as sent.
        errors: Vec<ResponseMessage>,
    },

    /// The server answered with a status and body that are not Cloudflare's envelope, such as an
    /// HTML error page from an edge.
    #[error("unexpected http {status} response: {snippet}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The start of the body, on one line, truncated.
        snippet: String,
    },

    /// The server redirected; redirects are never followed, so no credential reaches another host.
    #[error("unexpected redirect (http {status}) to {}", location.as_deref().unwrap_or("an unspecified location"))]
    Redirect {
        /// The HTTP status (301, 302, 307...).
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },

    /// A response body over the limit (32 MiB), not read into memory.
    #[error("response body over {} MiB (http {status}); not read", limit >> 20)]
    BodyTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },

    /// A successful response whose body does not match the schema (the [`Error`](crate::Error)'s
    /// `source()` is the JSON error).
    #[error("cannot decode the http {status} response body at `{path}`: {reason}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Where in the body decoding failed, such as `result[3].expires_on` (`.` for the root).
        path: String,
        /// What was wrong there, on one line.
        reason: String,
    },

    /// The request timed out (connect or whole request; the [`Error`](crate::Error)'s `source()` is
    /// the HTTP client's error).
    #[error("request timed out ({reason})")]
    Timeout {
        /// The address that did not answer in time, such as `api.cloudflare.com:443`.
        reason: String,
    },

    /// The request could not be sent or its response could not be read (the
    /// [`Error`](crate::Error)'s `source()` is the HTTP client's error).
    #[error("network error: {reason}")]
    Network {
        /// The innermost cause and the address, such as `connection refused (127.0.0.1:8443)`.
        reason: String,
    },

    /// The server asked to wait longer than the retry policy's ceiling, so the client stopped
    /// instead of sleeping through it: a 429 (or 503) whose `Retry-After` is over the ceiling, or
    /// a request held back because an earlier answer of this client asked for such a wait (a
    /// 429, or a `Ratelimit` header with no request left), in which case nothing was sent. Every
    /// later call of the client fails the same way, sending nothing, until the wait is over.
    #[error("{}", rate_limited(*status, *retry_after))]
    RateLimited {
        /// The status of the answer that asked for the wait (429, or a 503 with `Retry-After`);
        /// `None` when the request was held back and not sent.
        status: Option<u16>,
        /// The wait asked for (what is left of it, for a request held back).
        retry_after: std::time::Duration,
    },

    /// Cloudflare's answer names another certificate than the one asked for (a get, a poll, a
    /// delete, or a write that must not touch a root the same change keeps). Never retried: acting
    /// on that answer could change a root nobody named.
    #[error("the {operation} answer names certificate \"{returned}\", not the requested \"{requested}\"")]
    IdMismatch {
        /// The operation whose answer it was: `get`, `delete` or `upload`.
        operation: &'static str,
        /// The id asked for.
        requested: String,
        /// The id Cloudflare's answer names.
        returned: String,
    },

    /// Pagination stopped because the listing changed while it was walked (certificates added or
    /// deleted between two pages), so some could have been skipped or seen twice.
    #[error(
        "pagination stopped: the list changed during the walk (total_count {before} before page {page}, {after} on it); list again"
    )]
    ListChanged {
        /// The page whose `total_count` differed.
        page: u64,
        /// The `total_count` the walk started with.
        before: u64,
        /// The `total_count` on `page`.
        after: u64,
    },

    /// Pagination stopped because the server repeated an item it had already returned.
    #[error("pagination stopped: page {page} repeats {item} {id} already seen")]
    RepeatedPage {
        /// The page that repeated an item.
        page: u64,
        /// What the item is: `certificate` or `zone`.
        item: &'static str,
        /// The repeated item's id.
        id: String,
    },

    /// A walk ended short of what the server announced: before the `total_pages` of page 1 (an
    /// empty page, or a later page announcing fewer), or with fewer items than an unchanged
    /// `total_count`. The items yielded so far are not the whole list.
    #[error(
        "the list is incomplete: the walk ended after page {pages} with {received} items, but {}; list again",
        announced(*announced_pages, *announced_count)
    )]
    IncompleteList {
        /// The last page the walk received.
        pages: u64,
        /// The `total_pages` page 1 announced.
        announced_pages: Option<u64>,
        /// Items received.
        received: u64,
        /// The `total_count` the server announced.
        announced_count: Option<u64>,
    },

    /// A walk read more response bytes than [`Pagination::max_bytes`](crate::Pagination::max_bytes).
    #[error("pagination stopped: the responses went over the walk's budget of {limit} bytes")]
    WalkTooLarge {
        /// The budget, in bytes.
        limit: u64,
    },

    /// Pagination stopped at the configured cap on pages.
    #[error("pagination stopped: more than {max_pages} pages (the configured cap)")]
    TooManyPages {
        /// The cap.
        max_pages: u64,
    },

    /// No zone of this name is visible to these credentials.
    #[error(
        "no zone named {name:?} is visible to these credentials (check the name, and that the token may read zones: \"Zone Read\")"
    )]
    ZoneNotFound {
        /// The name asked for.
        name: String,
    },

    /// Several zones have this name (in different accounts): give the zone's id instead.
    #[error("{} zones are named {name:?}: {}; give the zone's id instead", ids.len(), ids.join(", "))]
    AmbiguousZone {
        /// The name asked for.
        name: String,
        /// Their ids.
        ids: Vec<String>,
    },

    /// A listed certificate's PEM does not parse, so a plan cannot tell whether it is desired.
    #[error("certificate {id} in the store cannot be matched to a file: {problem}")]
    Unmatchable {
        /// The certificate's id.
        id: String,
        /// What is wrong with its PEM.
        problem: crate::certificate::CertificateProblem,
    },

    /// The list holds two different roots under one id (spelt in two cases, or repeated), so a
    /// plan that prunes cannot tell which one a delete would take away.
    #[error(
        "the store lists two different roots under one id (\"{first}\" and \"{second}\"); nothing is pruned from a list that names roots ambiguously"
    )]
    AmbiguousId {
        /// The id as the first of them spells it.
        first: String,
        /// The id as the second spells it.
        second: String,
    },

    /// An answer that a write cannot be built on: an upload answer describing another certificate
    /// than the one uploaded, or naming the root a rotation replaces; a list that names the new
    /// root under the old one's id, or an id that cannot be sent back in a path. Nothing more is
    /// sent on its word: no root is deleted.
    #[error("the {operation} answer {detail}; nothing was deleted")]
    UntrustedAnswer {
        /// The operation whose answer it was: `upload` or `list`.
        operation: &'static str,
        /// What is wrong with it.
        detail: String,
    },

    /// A rotation's new root is the root it replaces (the same DER). Only the old root's GET was
    /// sent: nothing was uploaded or deleted.
    #[error(
        "the new root is certificate {id}, the root being replaced: give the root that replaces it (only {id} was read; nothing was uploaded or deleted)"
    )]
    SameRoot {
        /// The id of the root being replaced.
        id: String,
    },

    /// A certificate waited for ended in a status other than `active` (`expired`, `deleted`,
    /// `pending_deletion`).
    #[error("certificate {id} is {status}, not active")]
    NotActive {
        /// The certificate's id.
        id: String,
        /// The status it ended in.
        status: crate::model::CertificateStatus,
    },

    /// A certificate waited for was still not `active` when the wait's timeout passed.
    #[error("certificate {id} is still {status} after {}s; it is not active yet", waited.as_secs())]
    WaitTimedOut {
        /// The certificate's id.
        id: String,
        /// Its last status.
        status: crate::model::CertificateStatus,
        /// How long the wait lasted.
        waited: std::time::Duration,
    },

    /// The generated client failed in a way this crate does not expect (a bug to report).
    #[error("unexpected client error: {0}")]
    Unexpected(String),
}

impl ErrorKind {
    /// The kind's name in snake case, such as `invalid_input` or `rate_limited`: stable, for
    /// programs that read errors (the CLI prints it in its JSON errors).
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::InvalidCertificate(_) => "invalid_certificate",
            Self::Config(_) => "config",
            Self::Api { .. } => "api",
            Self::UnexpectedResponse { .. } => "unexpected_response",
            Self::Redirect { .. } => "redirect",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::Decode { .. } => "decode",
            Self::Timeout { .. } => "timeout",
            Self::Network { .. } => "network",
            Self::RateLimited { .. } => "rate_limited",
            Self::IdMismatch { .. } => "id_mismatch",
            Self::ListChanged { .. } => "list_changed",
            Self::RepeatedPage { .. } => "repeated_page",
            Self::IncompleteList { .. } => "incomplete_list",
            Self::WalkTooLarge { .. } => "walk_too_large",
            Self::TooManyPages { .. } => "too_many_pages",
            Self::ZoneNotFound { .. } => "zone_not_found",
            Self::AmbiguousZone { .. } => "ambiguous_zone",
            Self::AmbiguousId { .. } => "ambiguous_id",
            Self::SameRoot { .. } => "same_root",
            Self::UntrustedAnswer { .. } => "untrusted_answer",
            Self::Unmatchable { .. } => "unmatchable",
            Self::NotActive { .. } => "not_active",
            Self::WaitTimedOut { .. } => "wait_timed_out",
            Self::Unexpected(_) => "unexpected",
        }
    }
}

/// The line of [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited).
fn rate_limited(status: Option<u16>, wait: std::time::Duration) -> String {
    let secs = wait.as_secs_f64().ceil() as u64;
    match status {
        Some(status) => format!(
            "rate limited (http {status}): the server asks to wait {secs}s, longer than the retry ceiling"
        ),
        None => format!(
            "rate limited: requests are held back for {secs}s more (an earlier answer asked to wait), \
             longer than the retry ceiling; nothing was sent"
        ),
    }
}

/// What a server announced of a list, for [`ErrorKind::IncompleteList`](crate::ErrorKind::IncompleteList).
fn announced(pages: Option<u64>, count: Option<u64>) -> String {
    match (pages, count) {
        (Some(pages), Some(count)) => format!("the server announced {pages} pages and {count} items"),
        (Some(pages), None) => format!("the server announced {pages} pages"),
        (None, Some(count)) => format!("the server announced {count} items"),
        (None, None) => "the server announced more".to_owned(),
    }
}

/// `code 10000: Authentication error; code 7003: ...` (the first three, then how many more), or a
/// fallback when the array is empty. Each message is on one line, escaped, at most 200 characters.
fn summarize(errors: &[ResponseMessage]) -> String {
    const SHOWN: usize = 3;
    if errors.is_empty() {
        return "no error details".to_owned();
    }
    let mut line = errors
        .iter()
        .take(SHOWN)
        .map(|e| format!("code {}: {}", e.code, one_line(&e.message, 200)))
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > SHOWN {
        line.push_str(&format!("; and {} more", errors.len() - SHOWN));
    }
    line
}
