//! The one error type of the crate: what went wrong ([`ErrorKind`]), and where it came from (the
//! attempts made, Cloudflare's Ray ID, the HTTP status and Cloudflare's codes).

mod kind;

use std::fmt;
use std::time::Duration;

pub use kind::ErrorKind;

use crate::certificate::CertificateProblem;
use crate::model::ResponseMessage;

/// A boxed cause, kept behind [`std::error::Error::source`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for `Result<T, Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong.
///
/// What happened is [`Error::kind`], the same whatever the number of attempts: match on it, or use
/// the predicates (`is_not_found`, `is_auth`, `is_rate_limited`, `is_retryable`, `is_timeout`,
/// `is_invalid_input`, `is_config`). Where it came from rides along: [`Error::attempts`],
/// [`Error::status`], [`Error::cloudflare_codes`], [`Error::ray_id`] (the `CF-Ray` Cloudflare
/// support asks for).
///
/// `Display` is one line naming the final cause (`gave up after 3 attempts: unexpected http 503
/// response: …`), with a hint where Cloudflare's answer is a common stumble. No error ever holds a
/// credential.
///
/// ```
/// use cloudflare_origin_trust_store::{Client, Credentials, ErrorKind};
///
/// # async fn run(client: Client) {
/// match client.get("023e105f4ecef8ad9ca31a8372d0c353", "ca000000000000000000000000000001").await {
///     Ok(certificate) => println!("{} is {}", certificate.id, certificate.status),
///     Err(e) if e.is_not_found() => println!("no such certificate"),
///     Err(e) if e.is_auth() => println!("check the token: {e}"),
///     Err(e) => match e.kind() {
///         ErrorKind::RateLimited { retry_after, .. } => println!("try again in {retry_after:?}"),
///         _ => println!("{e} (ray id {})", e.ray_id().unwrap_or("none")),
///     },
/// }
/// # }
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    attempts: u32,
    ray_id: Option<String>,
    hint: Option<String>,
    source: Option<BoxError>,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// How many attempts were made (1 when the request was not retried, or never sent).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// Cloudflare's Ray ID (the `CF-Ray` header) of the last response, when the error came from
    /// one: what Cloudflare support asks for.
    pub fn ray_id(&self) -> Option<&str> {
        self.0.ray_id.as_deref()
    }

    /// The HTTP status of the last response this error came from, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self.kind() {
            ErrorKind::Api { status, .. }
            | ErrorKind::UnexpectedResponse { status, .. }
            | ErrorKind::Redirect { status, .. }
            | ErrorKind::Decode { status, .. }
            | ErrorKind::BodyTooLarge { status, .. }
            | ErrorKind::RateLimited { status: Some(status), .. } => Some(*status),
            _ => None,
        }
    }

    /// Cloudflare's `errors`, for [`ErrorKind::Api`](crate::ErrorKind::Api); empty otherwise.
    pub fn api_errors(&self) -> &[ResponseMessage] {
        match self.kind() {
            ErrorKind::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The codes of Cloudflare's `errors` (`10000`, `7003`...), for [`ErrorKind::Api`](crate::ErrorKind::Api).
    pub fn cloudflare_codes(&self) -> Vec<i64> {
        self.api_errors().iter().map(|e| e.code).collect()
    }

    /// The wait the server asked for, for [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited).
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind() {
            ErrorKind::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// Whether what was asked for does not exist: an HTTP 404 (a wrong zone or certificate id,
    /// or a zone whose plan lacks the trust store).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the credentials were refused: an HTTP 401 or 403, or one of Cloudflare's
    /// authentication codes (`10000`, `9103`, `9106`, `9109`, `6003`, `6100` to `6103`).
    pub fn is_auth(&self) -> bool {
        const AUTH_CODES: [i64; 9] = [10000, 9103, 9106, 9109, 6003, 6100, 6101, 6102, 6103];
        matches!(self.status(), Some(401 | 403))
            || self.cloudflare_codes().iter().any(|c| AUTH_CODES.contains(c))
    }

    /// Whether the server limited the rate: [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited), an HTTP 429, or
    /// Cloudflare's code `971`.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.kind(), ErrorKind::RateLimited { .. })
            || self.status() == Some(429)
            || self.cloudflare_codes().contains(&971)
    }

    /// Whether trying again later may succeed, as the retry policy judges it: a timeout, a network
    /// error, a rate limit, or the statuses 408, 429, 500, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            ErrorKind::Timeout { .. } | ErrorKind::Network { .. } | ErrorKind::RateLimited { .. } => true,
            ErrorKind::Api { status, .. } | ErrorKind::UnexpectedResponse { status, .. } => {
                reqwest::StatusCode::from_u16(*status).is_ok_and(retryable_status)
            }
            _ => false,
        }
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind(), ErrorKind::Timeout { .. })
    }

    /// Whether the input was refused before anything was sent: a parameter or a certificate.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self.kind(), ErrorKind::InvalidInput { .. } | ErrorKind::InvalidCertificate(_))
    }

    /// Whether the client could not be configured (credentials, base URL, environment).
    pub fn is_config(&self) -> bool {
        matches!(self.kind(), ErrorKind::Config(_))
    }

    pub(crate) fn invalid(parameter: &'static str, reason: impl Into<String>) -> Self {
        ErrorKind::InvalidInput { parameter, reason: reason.into() }.into()
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        ErrorKind::Config(reason.into()).into()
    }

    /// What a response and its attempts add to an error.
    pub(crate) fn with_context(
        mut self,
        attempts: u32,
        ray_id: Option<String>,
        hint: Option<String>,
    ) -> Self {
        self.0.attempts = attempts.max(1);
        self.0.ray_id = ray_id;
        self.0.hint = hint;
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self(Box::new(Inner { kind, attempts: 1, ray_id: None, hint: None, source: None }))
    }
}

impl From<CertificateProblem> for Error {
    fn from(problem: CertificateProblem) -> Self {
        ErrorKind::InvalidCertificate(problem).into()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.attempts > 1 {
            write!(f, "gave up after {} attempts: ", self.0.attempts)?;
        }
        write!(f, "{}", self.0.kind)?;
        if let Some(hint) = &self.0.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

// No field holds a credential, so showing every field is safe (tests/list.rs pins it).
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.0.kind).field("attempts", &self.0.attempts);
        if let Some(ray_id) = &self.0.ray_id {
            debug.field("ray_id", ray_id);
        }
        if let Some(hint) = &self.0.hint {
            debug.field("hint", hint);
        }
        if let Some(source) = &self.0.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// Whether a response with this status is worth another attempt (the retry policy's rule, and
/// [`Error::is_retryable`]'s).
pub(crate) fn retryable_status(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}
