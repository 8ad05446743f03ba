//! The fake's shared state: its store, what it recorded, its fault rule, its request budget, and
//! the limits that keep it bounded; and [`RequestInfo`], what a fault rule knows of a request.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::store::Store;
use super::wire::{Fault, PATH_PREFIX, RecordedRequest};
use crate::lock::lock;

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

pub(crate) type FaultRule = dyn Fn(&RequestInfo) -> Option<Fault> + Send + Sync;

pub(crate) struct State {
    pub(crate) latency: Duration,
    pub(crate) store: Mutex<Store>,
    /// The most recent requests, at most `limits.max_recorded` of them.
    pub(crate) requests: Mutex<VecDeque<RecordedRequest>>,
    /// Every request received, recorded or not.
    pub(crate) received: AtomicUsize,
    pub(crate) limits: Limits,
    /// How many times each method, path and page has been asked for.
    pub(crate) attempts: Mutex<HashMap<(String, String, u64), usize>>,
    pub(crate) faults: Mutex<Option<Arc<FaultRule>>>,
    pub(crate) window: Option<Mutex<Window>>,
    /// Requests being answered now, and the most there have been at once.
    pub(crate) in_flight: AtomicUsize,
    pub(crate) max_in_flight: AtomicUsize,
}

impl State {
    pub(crate) fn new(
        latency: Duration,
        store: Store,
        rate_limit: Option<(u32, Duration)>,
        limits: Limits,
    ) -> Self {
        Self {
            latency,
            store: Mutex::new(store),
            requests: Mutex::default(),
            received: AtomicUsize::new(0),
            limits,
            attempts: Mutex::default(),
            faults: Mutex::default(),
            window: rate_limit.map(|(limit, length)| Mutex::new(Window::new(limit, length))),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    /// Records a request; returns what a fault rule knows of it.
    pub(crate) fn record(&self, request: RecordedRequest) -> RequestInfo {
        let page = request
            .query_pairs()
            .iter()
            .rev()
            .find(|(key, _)| key == "page")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(1);
        let path = request.path.strip_prefix(PATH_PREFIX).unwrap_or(&request.path).to_owned();
        let method = request.method.clone();
        let mut requests = lock(&self.requests);
        let index = self.received.fetch_add(1, Ordering::SeqCst) + 1;
        if self.limits.max_recorded > 0 {
            if requests.len() >= self.limits.max_recorded {
                requests.pop_front();
            }
            requests.push_back(request);
        }
        let mut attempts = lock(&self.attempts);
        if attempts.len() >= self.limits.max_recorded.max(1)
            && !attempts.contains_key(&(method.clone(), path.clone(), page))
        {
            // As many distinct requests as the record holds: older counts are forgotten, so that
            // a client sending ever new paths cannot grow the fake without bound.
            attempts.clear();
        }
        let attempt = attempts.entry((method.clone(), path.clone(), page)).or_insert(0);
        *attempt += 1;
        RequestInfo { index, method, path, page, attempt: *attempt }
    }
}

/// What the fake holds on to, so that no client can grow it without bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The most requests recorded (the oldest go first); 0 records none.
    pub(crate) max_recorded: usize,
    /// How long a connection may take to send a request's headers (an idle keep-alive
    /// connection included) before it is closed.
    pub(crate) header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_recorded: 20_000, header_read_timeout: Duration::from_secs(30) }
    }
}

/// A request budget over a sliding window, as Cloudflare's API has one (1,200 requests per 5
/// minutes): past it, a 429 with `Retry-After`; on every answer, `Ratelimit` and
/// `Ratelimit-Policy` headers.
pub(crate) struct Window {
    limit: u32,
    length: Duration,
    /// When each request counted in the window was answered.
    sent: VecDeque<Instant>,
    /// 429s answered because the budget was spent.
    pub(crate) refused: usize,
}

impl Window {
    pub(crate) fn new(limit: u32, length: Duration) -> Self {
        Self { limit, length, sent: VecDeque::new(), refused: 0 }
    }

    /// Counts a request in, or refuses it (`Err`, with the wait until a slot frees).
    pub(crate) fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        while self.sent.front().is_some_and(|at| now.duration_since(*at) >= self.length) {
            self.sent.pop_front();
        }
        if self.sent.len() >= self.limit as usize {
            self.refused += 1;
            return Err(self.until_free(now));
        }
        self.sent.push_back(now);
        Ok(())
    }

    pub(crate) fn until_free(&self, now: Instant) -> Duration {
        self.sent
            .front()
            .map_or(Duration::ZERO, |oldest| (*oldest + self.length).saturating_duration_since(now))
    }

    pub(crate) fn headers(&self, now: Instant) -> [(String, String); 2] {
        let remaining = (self.limit as usize).saturating_sub(self.sent.len());
        let reset = match self.sent.front() {
            Some(_) => self.until_free(now).as_secs_f64().ceil() as u64,
            None => 0,
        };
        [
            ("ratelimit".into(), format!("\"default\";r={remaining};t={reset}")),
            ("ratelimit-policy".into(), format!("\"default\";q={};w={}", self.limit, self.length.as_secs())),
        ]
    }
}
