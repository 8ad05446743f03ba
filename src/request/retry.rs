//! The retry policy: which failures are retried, and how long to wait before each retry.
//!
//! The loop itself lives in the one seam every request goes through (`request/seam.rs`).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

pub(crate) use crate::error::retryable_status;

/// How failed requests are retried.
///
/// Retried: connection errors, timeouts, and the statuses 408, 429, 500, 502, 503 and 504; never any
/// other 4xx. A request that is not idempotent (`POST`) is retried only when it cannot have been
/// processed: a 429, or a connection that failed before the request was sent.
///
/// The wait before a retry is a capped exponential backoff with full jitter (a random duration up
/// to `initial_backoff × 2^retry`, at most `max_backoff`), or the server's `retry-after-ms` or
/// `Retry-After` (seconds or an HTTP date) when it sends a longer one: the backoff is a floor
/// under any wait a server gives, so that `Retry-After: 0` never makes attempts back to back. A server-requested wait longer than
/// `max_retry_after` is not slept through: the call ends with [`crate::ErrorKind::RateLimited`],
/// carrying the wait.
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) max_rate_limited_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: RetryPolicy::DEFAULT_MAX_RETRIES,
            max_rate_limited_retries: RetryPolicy::DEFAULT_MAX_RETRIES,
            initial_backoff: RetryPolicy::DEFAULT_INITIAL_BACKOFF,
            max_backoff: RetryPolicy::DEFAULT_MAX_BACKOFF,
            max_retry_after: RetryPolicy::DEFAULT_MAX_RETRY_AFTER,
            jitter: Jitter::full(),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("max_rate_limited_retries", &self.max_rate_limited_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("jitter", &self.jitter)
            .finish()
    }
}

impl RetryPolicy {
    /// Default number of retries after the first attempt (as in Cloudflare's official SDKs).
    pub const DEFAULT_MAX_RETRIES: u32 = 2;
    /// Default wait before the first retry (as in Cloudflare's official SDKs).
    pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(500);
    /// Default cap on the wait between retries (as in Cloudflare's official SDKs).
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(8);
    /// Default ceiling on a server-requested wait (`Retry-After`) the client sleeps through.
    pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

    /// The defaults: 2 retries, 0.5 s initial backoff, 8 s cap, 60 s `Retry-After` ceiling, full
    /// jitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries: every request is attempted once.
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// Retries after the first attempt (default 2; 0 disables retries), for every retryable
    /// failure, 429s included. Give [`RetryPolicy::max_rate_limited_retries`] after it to wait out
    /// more 429s than other failures.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self.max_rate_limited_retries = max_retries;
        self
    }

    /// Retries of answers 429 (rate limited), counted apart from other failures (default: as
    /// many as [`RetryPolicy::max_retries`]). A job that must not stop on a rate limit it can wait
    /// out, such as an audit of many zones, sets it higher: each 429 is waited out (its
    /// `Retry-After`, up to [`RetryPolicy::max_retry_after`]) until this many have come for one
    /// request.
    pub fn max_rate_limited_retries(mut self, retries: u32) -> Self {
        self.max_rate_limited_retries = retries;
        self
    }

    /// Backoff before the first retry, doubled for each retry after it (default 0.5 s).
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Cap on the backoff (default 8 s).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest server-requested wait the client sleeps through (default 60 s).
    pub fn max_retry_after(mut self, ceiling: Duration) -> Self {
        self.max_retry_after = ceiling;
        self
    }

    /// How the backoff is randomized (default [`Jitter::full`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The backoff before retry number `retry` (0 for the first retry), jitter applied.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        let capped = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        (self.jitter.0)(capped).min(capped)
    }
}

/// Randomizes a backoff; injectable so tests are deterministic.
#[derive(Clone)]
pub struct Jitter(Arc<dyn Fn(Duration) -> Duration + Send + Sync>);

impl Jitter {
    /// Full jitter: a uniformly random duration from zero to the backoff.
    pub fn full() -> Self {
        Self(Arc::new(|backoff| backoff.mul_f64(random_unit())))
    }

    /// No jitter: the backoff itself.
    pub fn none() -> Self {
        Self(Arc::new(|backoff| backoff))
    }

    /// Any function of the backoff; its result is capped at the backoff.
    pub fn custom(f: impl Fn(Duration) -> Duration + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }
}

impl fmt::Debug for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Jitter")
    }
}

/// A uniformly random number in [0, 1), from the standard library's per-process random keys.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether a transport error is worth another attempt. A request that is not idempotent is
/// retried only when it cannot have reached the server.
pub(crate) fn retryable_error(error: &reqwest::Error, idempotent: bool) -> bool {
    if idempotent {
        error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
    } else {
        error.is_connect()
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else `Retry-After` in seconds or
/// as an HTTP date in any of its three forms (IMF-fixdate, RFC 850, asctime; a date in the past
/// means no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms.min(1e15) / 1000.0));
    }
    let value = text(RETRY_AFTER.as_str())?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn retry_after_reads_milliseconds_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250"), ("retry-after", "9")]), now),
            Some(Duration::from_millis(250)),
            "retry-after-ms is the more precise of the two"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "120")]), now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT")]), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]), now),
            Some(Duration::ZERO)
        );
        for (form, date) in [
            ("RFC 850", "Sunday, 06-Nov-94 08:50:07 GMT"),
            ("asctime", "Sun Nov  6 08:50:07 1994"),
            ("IMF-fixdate", "Sun, 06 Nov 1994 08:50:07 GMT"),
        ] {
            let mut map = HeaderMap::new();
            map.insert("retry-after", HeaderValue::from_static(date));
            assert_eq!(retry_after(&map, now), Some(Duration::from_secs(30)), "{form}");
        }
        for bad in ["soon", "-5", "1.5", "", "Sun, 06 Nov 1994 25:00:00 GMT", "06 Nov 1994"] {
            let mut map = HeaderMap::new();
            map.insert("retry-after", HeaderValue::from_str(bad).unwrap());
            assert_eq!(retry_after(&map, now), None, "{bad:?}");
        }
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "-1")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_within_it() {
        let policy = RetryPolicy::new().jitter(Jitter::none());
        let waits: Vec<u128> = (0..7).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(policy.backoff(u32::MAX), RetryPolicy::DEFAULT_MAX_BACKOFF);

        let full = RetryPolicy::new();
        for n in 0..50 {
            assert!(full.backoff(n % 6) <= RetryPolicy::new().jitter(Jitter::none()).backoff(n % 6));
        }
        let greedy = RetryPolicy::new().jitter(Jitter::custom(|d| d * 10));
        assert_eq!(
            greedy.backoff(0),
            RetryPolicy::DEFAULT_INITIAL_BACKOFF,
            "jitter never exceeds the backoff"
        );
    }

    #[test]
    fn only_transient_statuses_are_retryable() {
        let retryable: Vec<u16> =
            (100..600).filter(|&s| retryable_status(StatusCode::from_u16(s).unwrap())).collect();
        assert_eq!(retryable, [408, 429, 500, 502, 503, 504]);
    }
}
