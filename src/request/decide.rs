//! The retry strategy as a pure state machine beside its policy (in the spirit of smithy-rs
//! `retries/strategy/standard.rs`): given what one attempt came to and the retries made so far,
//! [`RetryPolicy::decide`] says whether to stop, to stop and pause the whole client, or to send
//! again after a wait. The loop that acts on it (wait at the gate, send, record, decide, sleep) is
//! `Exchange`'s `exec` in `seam.rs`; it has no decision of its own.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::retry::{RetryPolicy, retry_after, retryable_status};

/// What one attempt came to, as far as the decision goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Observed<'a> {
    /// A whole response: its status and headers.
    Response(StatusCode, &'a HeaderMap),
    /// The head arrived and the body was cut short: the server processed the request.
    BodyCut,
    /// No answer: the request failed, worth another attempt when `retryable`.
    Failed {
        /// Whether the failure is worth another attempt ([`super::retry::retryable_error`]).
        retryable: bool,
    },
}

/// The retries made so far, each kind counted against its own allowance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Retries {
    /// Retries after a 429 ([`RetryPolicy::max_rate_limited_retries`]).
    pub(crate) rate_limited: u32,
    /// Retries after any other failure ([`RetryPolicy::max_retries`]).
    pub(crate) other: u32,
}

impl Retries {
    /// The counts after one more retry of this kind.
    pub(crate) fn after(self, rate_limited: bool) -> Self {
        if rate_limited {
            Self { rate_limited: self.rate_limited + 1, ..self }
        } else {
            Self { other: self.other + 1, ..self }
        }
    }
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Return this attempt's result.
    Stop,
    /// Return it, and hold every later request of the client for this long: the server asked
    /// for a wait over the policy's ceiling (`ErrorKind::RateLimited`).
    PauseAndStop(Duration),
    /// Send again after `wait`. A rate-limited retry (a 429) counts against its own allowance and
    /// pauses the whole client for the wait; `left` is how many attempts remain after this one.
    Retry {
        /// How long to wait first.
        wait: Duration,
        /// Whether it follows a 429.
        rate_limited: bool,
        /// Attempts left after the one it is about to make.
        left: u32,
    },
}

impl RetryPolicy {
    /// Whether any retry is left (a copy of the request is made for it before an attempt).
    pub(crate) fn may_retry(&self, retries: Retries) -> bool {
        retries.other < self.max_retries || retries.rate_limited < self.max_rate_limited_retries
    }

    /// The decision after an attempt that came to `observed`, with `retries` made so far:
    /// `resendable` says whether the request could be copied for another attempt (a streamed body
    /// cannot), `now` is the clock `Retry-After` dates are read against. The backoff is a floor
    /// under a server's wait, so that `Retry-After: 0` never makes attempts back to back.
    pub(crate) fn decide(
        &self,
        observed: Observed<'_>,
        idempotent: bool,
        retries: Retries,
        resendable: bool,
        now: SystemTime,
    ) -> Next {
        let wait = match observed {
            Observed::Response(status, headers) => wait_for(self, status, headers, idempotent, now),
            // reqwest reports a body cut short as a decode error, which `retryable_error` cannot
            // tell from a real one: only an idempotent request is sent again.
            Observed::BodyCut if idempotent => Wait::Backoff,
            Observed::Failed { retryable: true } => Wait::Backoff,
            Observed::BodyCut | Observed::Failed { .. } => Wait::No,
        };
        let rate_limited =
            matches!(observed, Observed::Response(status, _) if status == StatusCode::TOO_MANY_REQUESTS);
        let (done, allowed) = if rate_limited {
            (retries.rate_limited, self.max_rate_limited_retries)
        } else {
            (retries.other, self.max_retries)
        };
        let can = resendable && done < allowed;
        let retry = |wait| Next::Retry { wait, rate_limited, left: allowed - done };
        match wait {
            Wait::TooLong(wait) => Next::PauseAndStop(wait),
            Wait::For(asked) if can => retry(asked.max(self.backoff(done))),
            Wait::Backoff if can => retry(self.backoff(done)),
            _ => Next::Stop,
        }
    }
}

/// What an attempt's outcome asks for, before the allowances are counted.
enum Wait {
    /// Not worth another attempt.
    No,
    /// The server asked for this wait.
    For(Duration),
    /// Worth another attempt after the policy's backoff.
    Backoff,
    /// The server asked for a wait longer than the policy's ceiling.
    TooLong(Duration),
}

/// What a response asks for, under `policy`: no retry, the server's wait, the policy's backoff, or
/// a wait over the ceiling.
fn wait_for(
    policy: &RetryPolicy,
    status: StatusCode,
    headers: &HeaderMap,
    idempotent: bool,
    now: SystemTime,
) -> Wait {
    let asked = retry_after(headers, now);
    if let Some(wait) = asked.filter(|wait| *wait > policy.max_retry_after)
        && retryable_status(status)
    {
        return Wait::TooLong(wait);
    }
    // Only a 429 proves a non-idempotent request was not processed.
    if !retryable_status(status) || (!idempotent && status != StatusCode::TOO_MANY_REQUESTS) {
        return Wait::No;
    }
    asked.map_or(Wait::Backoff, Wait::For)
}

#[cfg(test)]
mod decision {
    use super::*;
    use reqwest::header::HeaderValue;

    fn decide(status: u16, retry_after: Option<&'static str>, idempotent: bool) -> &'static str {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", HeaderValue::from_static(value));
        }
        let status = StatusCode::from_u16(status).unwrap();
        match wait_for(&RetryPolicy::default(), status, &headers, idempotent, SystemTime::now()) {
            Wait::No => "no",
            Wait::For(_) => "for",
            Wait::Backoff => "backoff",
            Wait::TooLong(_) => "too long",
        }
    }

    #[test]
    fn a_post_is_retried_only_on_429() {
        assert_eq!(decide(429, None, false), "backoff");
        assert_eq!(decide(429, Some("3"), false), "for");
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(decide(status, None, false), "no", "{status}");
            assert_eq!(decide(status, None, true), "backoff", "{status}");
        }
    }

    #[test]
    fn a_wait_over_the_ceiling_stops_retrying_and_other_statuses_ignore_retry_after() {
        assert_eq!(decide(429, Some("61"), true), "too long");
        assert_eq!(decide(503, Some("3600"), true), "too long");
        assert_eq!(decide(429, Some("60"), true), "for");
        assert_eq!(decide(400, Some("5"), true), "no");
        assert_eq!(decide(200, Some("5"), true), "no");
    }
}

#[cfg(test)]
mod next {
    use super::*;
    use crate::request::retry::Jitter;
    use reqwest::header::HeaderValue;

    fn policy() -> RetryPolicy {
        RetryPolicy::new()
            .max_retries(2)
            .max_rate_limited_retries(3)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(400))
            .max_retry_after(Duration::from_secs(60))
            .jitter(Jitter::none())
    }

    fn answer(status: u16, retry_after: Option<&'static str>) -> (StatusCode, HeaderMap) {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", HeaderValue::from_static(value));
        }
        (StatusCode::from_u16(status).unwrap(), headers)
    }

    fn decide(status: u16, retry_after: Option<&'static str>, idempotent: bool, retries: Retries) -> Next {
        let (status, headers) = answer(status, retry_after);
        policy().decide(Observed::Response(status, &headers), idempotent, retries, true, SystemTime::now())
    }

    const NONE: Retries = Retries { rate_limited: 0, other: 0 };
    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_retryable_status_backs_off_doubling_within_its_allowance_then_stops() {
        let retry = |wait, left| Next::Retry { wait, rate_limited: false, left };
        assert_eq!(decide(503, None, true, NONE), retry(MS(100), 2));
        assert_eq!(decide(503, None, true, Retries { other: 1, ..NONE }), retry(MS(200), 1));
        assert_eq!(decide(503, None, true, Retries { other: 2, ..NONE }), Next::Stop);
        assert_eq!(decide(404, None, true, NONE), Next::Stop, "never another 4xx");
        assert_eq!(decide(200, None, true, NONE), Next::Stop);
    }

    #[test]
    fn a_429_has_its_own_allowance_pauses_the_client_and_the_backoff_floors_its_wait() {
        let retry = |wait, left| Next::Retry { wait, rate_limited: true, left };
        assert_eq!(decide(429, Some("0"), false, NONE), retry(MS(100), 3), "a POST too: not processed");
        assert_eq!(decide(429, Some("2"), true, NONE), retry(Duration::from_secs(2), 3));
        // Other retries spent do not count against the 429s' allowance, nor the other way.
        assert_eq!(decide(429, None, true, Retries { other: 2, rate_limited: 2 }), retry(MS(400), 1));
        assert_eq!(decide(429, None, true, Retries { rate_limited: 3, other: 0 }), Next::Stop);
        assert_eq!(
            decide(503, None, true, Retries { rate_limited: 3, other: 0 }),
            Next::Retry { wait: MS(100), rate_limited: false, left: 2 }
        );
    }

    #[test]
    fn a_wait_over_the_ceiling_pauses_and_stops_and_a_post_is_resent_only_when_unprocessed() {
        assert_eq!(decide(429, Some("300"), true, NONE), Next::PauseAndStop(Duration::from_secs(300)));
        assert_eq!(decide(503, None, false, NONE), Next::Stop, "a POST that may have been processed");
        let p = policy();
        let now = SystemTime::now();
        assert_eq!(p.decide(Observed::BodyCut, false, NONE, true, now), Next::Stop);
        assert_eq!(
            p.decide(Observed::BodyCut, true, NONE, true, now),
            Next::Retry { wait: MS(100), rate_limited: false, left: 2 }
        );
        assert_eq!(
            p.decide(Observed::Failed { retryable: true }, false, NONE, true, now),
            Next::Retry { wait: MS(100), rate_limited: false, left: 2 }
        );
        assert_eq!(p.decide(Observed::Failed { retryable: false }, true, NONE, true, now), Next::Stop);
        let (status, headers) = answer(503, None);
        assert_eq!(
            p.decide(Observed::Response(status, &headers), true, NONE, false, now),
            Next::Stop,
            "a request that cannot be copied is not sent again"
        );
        assert!(!p.may_retry(Retries { rate_limited: 3, other: 2 }));
        assert!(p.may_retry(Retries { rate_limited: 3, other: 1 }));
    }
}
