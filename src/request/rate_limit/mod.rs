//! One rate-limit gate per client, shared by every request it sends (every page of a walk, every
//! zone of an audit). A request leaves when all three allow it:
//!
//! - **the client's budget**: at most N requests in any window (default
//!   [`ClientBuilder::DEFAULT_BUDGET`](crate::ClientBuilder::DEFAULT_BUDGET)), kept on a sliding window, so a long job never exceeds it and
//!   finishes as soon as the budget allows;
//! - **the server's word**: Cloudflare's `Ratelimit` header (`"default";r=50;t=30`: 50 requests
//!   left, a slot frees in 30 s). The gate keeps a lower bound of the requests left (see
//!   [`Gate::observe`]), counted down as requests leave, and at zero the next waits for the
//!   reset, so concurrent requests never overrun what the server said;
//! - **a pause**: a 429 holds every request for the wait the server asked for.
//!
//! The budget's waits are always slept through (they are the pace the caller chose, at most one
//! window). A wait the server imposes longer than the retry ceiling is not: the request is not
//! sent, and the call ends with [`crate::ErrorKind::RateLimited`].

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::lock::lock;

/// The longest wait a `Ratelimit` header may impose (a window is 5 minutes at Cloudflare).
const MAX_RESET: Duration = Duration::from_secs(300);

/// The longest pause the gate holds, whatever a server asks (a `Retry-After` of 2^64 seconds must
/// not overflow the clock).
const MAX_PAUSE: Duration = Duration::from_secs(24 * 60 * 60);

/// How long the others wait for the answer of the one request sent when a server's window reset.
const PROBE: Duration = Duration::from_secs(1);

/// A request budget: at most `requests` in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) requests: u32,
    pub(crate) window: Duration,
}

impl Budget {
    /// The longest window `ClientBuilder::build` accepts.
    pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
}

#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<State>,
    /// Wakes the waiters when an answer brings news (requests left after a reset).
    news: tokio::sync::Notify,
}

#[derive(Debug)]
struct State {
    budget: Budget,
    /// When each request of the budget's window left.
    sent: VecDeque<Instant>,
    /// No request leaves before this (a 429, or `Ratelimit` with nothing left).
    paused_until: Option<Instant>,
    /// What the last `Ratelimit` header left, minus the requests sent since.
    server: Option<ServerWindow>,
    /// Requests sent and not answered yet.
    in_flight: u64,
    /// Answers received so far (or requests that ended without one).
    answered: u64,
}

#[derive(Debug, Clone, Copy)]
struct ServerWindow {
    left: u64,
    reset: Instant,
    /// The window reset, and one request was sent to find out what is left now: its answer is
    /// taken whatever it says.
    probing: bool,
}

/// A request let through; dropping it says it is answered (or failed).
pub(crate) struct Permit<'a> {
    gate: &'a Gate,
    /// How many answers had been received when it left.
    answered_before: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.gate.state);
        state.in_flight = state.in_flight.saturating_sub(1);
        state.answered += 1;
    }
}

impl Gate {
    pub(crate) fn new(budget: Budget) -> Self {
        Self {
            state: Mutex::new(State {
                budget,
                sent: VecDeque::new(),
                paused_until: None,
                server: None,
                in_flight: 0,
                answered: 0,
            }),
            news: tokio::sync::Notify::new(),
        }
    }

    /// Waits until a request may leave, and counts it. A wait the server imposes (a pause, or its
    /// `Ratelimit` reset) longer than `ceiling` is not slept through: it is returned as the error,
    /// and nothing is counted. The budget's own waits are always slept through.
    pub(crate) async fn wait(&self, ceiling: Duration) -> Result<Permit<'_>, Duration> {
        loop {
            // Registered before the state is read, so that no news between the two is missed.
            let news = self.news.notified();
            let wake = {
                let mut state = lock(&self.state);
                let now = Instant::now();
                let (at, imposed) = state.earliest(now);
                if at <= now {
                    state.take(now);
                    return Ok(Permit { gate: self, answered_before: state.answered });
                }
                if imposed > now && imposed - now > ceiling {
                    return Err(imposed - now);
                }
                at
            };
            let wait = wake - Instant::now();
            if wait >= Duration::from_secs(1) {
                tracing::info!(
                    target: "cloudflare_origin_trust_store::rate_limit",
                    wait_ms = wait.as_millis() as u64,
                    "holding requests back for {} (rate limit)",
                    crate::text::seconds(wait)
                );
            }
            // Slept (or woken by news), then looked at again: another request may have taken the
            // slot meanwhile.
            let sleep = tokio::time::sleep_until(wake);
            futures_util::future::select(std::pin::pin!(sleep), std::pin::pin!(news)).await;
        }
    }

    /// Holds every request for `wait` from now (or longer, if already held longer), at most a day.
    pub(crate) fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait.min(MAX_PAUSE);
        let mut state = lock(&self.state);
        state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
    }

    /// Takes in an answer's `Ratelimit` header, if any, for the request of `permit`.
    ///
    /// The server counted this request at some moment between its sending and its answer, and
    /// the requests left it reports are as of then. The server may have counted after it any
    /// request answered since it was sent, and any request still in flight (the server admits
    /// concurrent requests in no particular order): those are taken off, which gives a lower
    /// bound of what is left now. The gate keeps the best lower bound it has (each one counted
    /// down as requests leave), so answers arriving in any order never make it overrun.
    pub(crate) fn observe(&self, headers: &HeaderMap, permit: Permit<'_>) {
        let answered_before = permit.answered_before;
        drop(permit);
        let Some((left, reset)) = parse(headers) else {
            // The probe sent when the server's window reset came back without its word: what the
            // gate knew of that window has expired with it.
            let mut state = lock(&self.state);
            if state.server.is_some_and(|server| server.probing) {
                state.server = None;
                drop(state);
                self.news.notify_waiters();
            }
            return;
        };
        let now = Instant::now();
        let reset = now + reset.min(MAX_RESET);
        let mut state = lock(&self.state);
        // Answers received since it left, itself excluded.
        let since = state.answered.saturating_sub(answered_before + 1);
        let left = left.saturating_sub(since).saturating_sub(state.in_flight);
        state.server = match state.server {
            Some(known) if !known.probing && known.left > left => Some(known),
            _ => Some(ServerWindow { left, reset, probing: false }),
        };
        drop(state);
        self.news.notify_waiters();
    }

    /// How much longer the next request would be held (a pause, the server's word, or the
    /// budget), if it would.
    pub(crate) fn paused_for(&self) -> Option<Duration> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        Some(state.earliest(now).0).filter(|at| *at > now).map(|at| at - now)
    }
}

impl State {
    /// The earliest moment the next request may leave, and the part of it the server imposed (a
    /// pause, or its `Ratelimit` reset; `now` when none).
    fn earliest(&mut self, now: Instant) -> (Instant, Instant) {
        let window = self.budget.window;
        while self.sent.front().is_some_and(|at| now.saturating_duration_since(*at) >= window) {
            self.sent.pop_front();
        }
        let mut imposed = self.paused_until.filter(|until| *until > now).unwrap_or(now);
        if let Some(server) = self.server
            && server.left == 0
            && server.reset > now
        {
            imposed = imposed.max(server.reset);
        }
        let mut at = imposed;
        if self.sent.len() >= self.budget.requests as usize {
            // The slot of the oldest request of the window, and a little slack, so that a request
            // sent quickly after it never lands in the server's same window.
            let oldest = self.sent[self.sent.len() - self.budget.requests as usize];
            at = at.max(oldest + window + slack(window));
        }
        (at, imposed)
    }

    /// Counts a request that leaves now.
    fn take(&mut self, now: Instant) {
        self.sent.push_back(now);
        self.in_flight += 1;
        if let Some(server) = &mut self.server {
            if server.left > 0 {
                server.left -= 1;
            } else if server.probing {
                // A probe went out and a second passed with no word from the server (it failed,
                // or its answer is slow): the window it was sent for is over, and so is what the
                // gate knew of it. Requests leave at the budget's pace until a `Ratelimit` says
                // otherwise.
                self.server = None;
            } else {
                // The reset has come: this one request finds out what is left now, and the others
                // wait for its answer (or a second, if it brings no `Ratelimit`).
                server.reset = now + PROBE;
                server.probing = true;
            }
        }
    }
}

/// The margin past a budget's window: 1% of it, at least 50 ms.
fn slack(window: Duration) -> Duration {
    (window / 100).max(Duration::from_millis(50))
}

/// The fewest requests left, and the reset of that item, from `Ratelimit` items such as
/// `"default";r=50;t=30, "burst";r=3;t=1`.
fn parse(headers: &HeaderMap) -> Option<(u64, Duration)> {
    headers
        .get_all("ratelimit")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| {
            let mut remaining = None;
            let mut reset = None;
            for parameter in item.split(';').skip(1) {
                match parameter.trim().split_once('=') {
                    Some(("r", value)) => remaining = value.trim().parse::<u64>().ok(),
                    Some(("t", value)) => reset = value.trim().parse::<u64>().ok(),
                    _ => {}
                }
            }
            Some((remaining?, Duration::from_secs(reset?)))
        })
        .min_by_key(|(remaining, _)| *remaining)
}

#[cfg(test)]
mod tests;
