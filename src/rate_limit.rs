//! One rate-limit gate per client, shared by every request it sends (and so by every page of a
//! concurrent walk).
//!
//! - A 429 pauses every request of the client for the wait the server asked for (or the retry
//!   backoff), instead of each in-flight request finding out for itself.
//! - Cloudflare's `Ratelimit` header (`"default";r=50;t=30`: 50 requests left, the window resets
//!   in 30 s) slows requests down before a 429 comes: with no request left, they wait for the
//!   reset; with few left, they are spaced so the rest lasts until the reset.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::lock::lock;

/// At or below this many requests left in the window, requests are spaced out.
pub(crate) const LOW_WATER: u64 = 10;

/// The longest wait a `Ratelimit` header may impose (a window is 5 minutes at Cloudflare).
const MAX_RESET: Duration = Duration::from_secs(300);

/// The longest pause the gate holds, whatever a server asks (a `Retry-After` of 2^64 seconds must
/// not overflow the clock).
const MAX_PAUSE: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// No request leaves before this.
    paused_until: Option<Instant>,
    /// While pacing: the earliest time the next request may leave, and the spacing after it.
    next_slot: Option<Instant>,
    spacing: Duration,
    pacing_until: Option<Instant>,
}

impl Gate {
    /// Waits until a request may leave, reserving its slot when requests are being spaced. A wait
    /// longer than `ceiling` is not slept through (nor reserved): it is returned as the error.
    pub(crate) async fn wait(&self, ceiling: Duration) -> Result<(), Duration> {
        let wake = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            let mut at = state.paused_until.filter(|until| *until > now).unwrap_or(now);
            let pacing = state.pacing_until.is_some_and(|until| until > now);
            if pacing {
                at = at.max(state.next_slot.unwrap_or(now));
            }
            if at - now > ceiling {
                return Err(at - now);
            }
            if pacing {
                state.next_slot = Some(at + state.spacing);
            }
            at
        };
        let wait = wake.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            if wait >= Duration::from_secs(1) {
                tracing::info!(
                    target: "cloudflare_origin_trust_store::rate_limit",
                    wait_ms = wait.as_millis() as u64,
                    "holding requests back for {} (rate limit)",
                    crate::transport::seconds(wait)
                );
            }
            tokio::time::sleep_until(wake).await;
        }
        Ok(())
    }

    /// Holds every request for `wait` from now (or longer, if already held longer), at most a day.
    pub(crate) fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait.min(MAX_PAUSE);
        let mut state = lock(&self.state);
        state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
    }

    /// Takes in a response's `Ratelimit` header, if any.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let Some((remaining, reset)) = parse(headers) else { return };
        let reset = reset.min(MAX_RESET);
        if remaining == 0 {
            self.pause(reset);
        } else if remaining <= LOW_WATER {
            let now = Instant::now();
            let mut state = lock(&self.state);
            state.spacing = reset / u32::try_from(remaining).unwrap_or(u32::MAX);
            state.pacing_until = Some(now + reset);
            state.next_slot.get_or_insert(now);
        }
    }

    /// How long requests are still held by a pause, if they are.
    pub(crate) fn paused_for(&self) -> Option<Duration> {
        let state = lock(&self.state);
        let now = Instant::now();
        state.paused_until.filter(|until| *until > now).map(|until| until - now)
    }
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
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const CEILING: Duration = Duration::from_secs(60);

    fn headers(value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("ratelimit", HeaderValue::from_static(value));
        map
    }

    #[test]
    fn ratelimit_items_give_the_fewest_remaining_and_their_reset() {
        assert_eq!(parse(&headers(r#""default";r=50;t=30"#)), Some((50, Duration::from_secs(30))));
        assert_eq!(
            parse(&headers(r#""default";r=50;t=30, "burst";r=3;t=2"#)),
            Some((3, Duration::from_secs(2)))
        );
        assert_eq!(parse(&headers(r#""default";q=1200;w=300"#)), None, "a policy, not a state");
        assert_eq!(parse(&headers("garbage")), None);
        assert_eq!(parse(&headers(r#""default";r=-1;t=30"#)), None);
        assert_eq!(parse(&HeaderMap::new()), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_waiter_until_it_ends() {
        let gate = std::sync::Arc::new(Gate::default());
        let start = Instant::now();
        gate.pause(Duration::from_secs(5));
        gate.pause(Duration::from_secs(2)); // a shorter pause does not shorten it
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let gate = std::sync::Arc::clone(&gate);
                tokio::spawn(async move {
                    gate.wait(CEILING).await.unwrap();
                    Instant::now()
                })
            })
            .collect();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap() - start, Duration::from_secs(5));
        }
        assert_eq!(gate.paused_for(), None);
        gate.wait(CEILING).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(5), "no wait once the pause is over");
    }

    #[tokio::test(start_paused = true)]
    async fn no_request_left_waits_for_the_reset_and_few_left_are_spaced() {
        let gate = Gate::default();
        let start = Instant::now();
        gate.observe(&headers(r#""default";r=0;t=30"#));
        assert_eq!(gate.paused_for(), Some(Duration::from_secs(30)));
        assert_eq!(
            gate.wait(Duration::from_secs(10)).await,
            Err(Duration::from_secs(30)),
            "over the ceiling"
        );
        gate.wait(CEILING).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(30));

        let gate = Gate::default();
        let start = Instant::now();
        gate.observe(&headers(r#""default";r=4;t=20"#)); // 4 left for 20 s: one every 5 s
        let mut times = Vec::new();
        for _ in 0..4 {
            gate.wait(CEILING).await.unwrap();
            times.push((Instant::now() - start).as_secs());
        }
        assert_eq!(times, [0, 5, 10, 15]);
        let start = Instant::now();
        gate.observe(&headers(r#""default";r=1;t=100"#)); // one left for 100 s: over a 60 s ceiling
        assert_eq!(gate.wait(CEILING).await, Ok(()), "the next slot (5 s) is within the ceiling");
        assert_eq!(gate.wait(CEILING).await, Err(Duration::from_secs(100)));
        assert_eq!(Instant::now() - start, Duration::from_secs(5), "the refused wait was not slept");

        let gate = Gate::default();
        gate.observe(&headers(r#""default";r=500;t=20"#)); // plenty left: no spacing
        let start = Instant::now();
        for _ in 0..4 {
            gate.wait(CEILING).await.unwrap();
        }
        assert_eq!(Instant::now() - start, Duration::ZERO);
    }
}
