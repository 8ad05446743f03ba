use super::*;
use reqwest::header::HeaderValue;

const CEILING: Duration = Duration::from_secs(60);

fn headers(value: &'static str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("ratelimit", HeaderValue::from_static(value));
    map
}

fn gate(requests: u32, window_secs: u64) -> Gate {
    Gate::new(Budget { requests, window: Duration::from_secs(window_secs) })
}

#[test]
fn ratelimit_items_give_the_fewest_remaining_and_their_reset() {
    assert_eq!(parse(&headers(r#""default";r=50;t=30"#)), Some((50, Duration::from_secs(30))));
    assert_eq!(parse(&headers(r#""default";r=50;t=30, "burst";r=3;t=2"#)), Some((3, Duration::from_secs(2))));
    assert_eq!(parse(&headers(r#""default";q=1200;w=300"#)), None, "a policy, not a state");
    assert_eq!(parse(&headers("garbage")), None);
    assert_eq!(parse(&headers(r#""default";r=-1;t=30"#)), None);
    assert_eq!(parse(&HeaderMap::new()), None);
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_every_waiter_until_it_ends() {
    let gate = std::sync::Arc::new(gate(100, 300));
    let start = Instant::now();
    gate.pause(Duration::from_secs(5));
    gate.pause(Duration::from_secs(2)); // a shorter pause does not shorten it
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let gate = std::sync::Arc::clone(&gate);
            tokio::spawn(async move {
                drop(gate.wait(CEILING).await.unwrap());
                Instant::now()
            })
        })
        .collect();
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap() - start, Duration::from_secs(5));
    }
    assert_eq!(gate.paused_for(), None);
    drop(gate.wait(CEILING).await.unwrap());
    assert_eq!(Instant::now() - start, Duration::from_secs(5), "no wait once the pause is over");
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_a_sliding_window_whose_waits_are_slept_through_whatever_the_ceiling() {
    let gate = gate(3, 10);
    let start = Instant::now();
    let mut times = Vec::new();
    for _ in 0..7 {
        drop(gate.wait(CEILING).await.unwrap());
        times.push((Instant::now() - start).as_millis());
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    // Three at once (a second apart here), then each as the one ten seconds before it leaves
    // the window, plus 100 ms of slack.
    assert_eq!(times, [0, 1000, 2000, 10100, 11100, 12100, 20200]);
    let gate = self::gate(3, 10);
    let start = Instant::now();
    for _ in 0..4 {
        drop(gate.wait(Duration::from_secs(5)).await.unwrap());
    }
    assert_eq!(Instant::now() - start, Duration::from_millis(10_100), "the budget's wait is not refused");
    gate.pause(Duration::from_secs(6));
    assert_eq!(gate.wait(Duration::from_secs(5)).await.err(), Some(Duration::from_secs(6)), "a pause is");
}

#[tokio::test(start_paused = true)]
async fn the_servers_requests_left_are_spent_by_requests_in_flight_and_zero_waits_for_the_reset() {
    let gate = gate(1000, 300);
    let start = Instant::now();
    let first = gate.wait(CEILING).await.unwrap();
    let second = gate.wait(CEILING).await.unwrap();
    let third = gate.wait(CEILING).await.unwrap();
    // The first answer says 3 left; two requests are still in flight: one is left to send.
    gate.observe(&headers(r#""default";r=3;t=20"#), first);
    drop(gate.wait(CEILING).await.unwrap());
    assert_eq!(Instant::now(), start, "the one left leaves at once");
    drop((second, third));
    drop(gate.wait(CEILING).await.unwrap());
    assert_eq!(Instant::now() - start, Duration::from_secs(20), "then the next waits for the reset");

    let gate = self::gate(1000, 300);
    let permit = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=0;t=120"#), permit);
    assert_eq!(gate.wait(CEILING).await.err(), Some(Duration::from_secs(120)), "over the ceiling");
    let permit = gate.wait(Duration::from_secs(200)).await.unwrap();
    gate.observe(&HeaderMap::new(), permit);

    let gate = self::gate(1000, 300);
    let permit = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=500;t=20"#), permit); // plenty left: no wait
    let start = Instant::now();
    for _ in 0..4 {
        drop(gate.wait(CEILING).await.unwrap());
    }
    assert_eq!(Instant::now() - start, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn answers_in_any_order_keep_a_lower_bound_of_what_is_left() {
    let gate = gate(1000, 300);
    let left = |gate: &Gate| lock(&gate.state).server.unwrap().left;
    let first = gate.wait(CEILING).await.unwrap();
    let second = gate.wait(CEILING).await.unwrap();
    let third = gate.wait(CEILING).await.unwrap();
    // The server counted the second first (10 left after it), then the first (9), then the
    // third (8); the answers come: second, first, third.
    gate.observe(&headers(r#""default";r=10;t=20"#), second);
    assert_eq!(left(&gate), 8, "10, less the two in flight (the server may count them after)");
    gate.observe(&headers(r#""default";r=9;t=20"#), first);
    assert_eq!(left(&gate), 8, "9, less the second answered since and the third in flight: 7 < 8");
    gate.observe(&headers(r#""default";r=8;t=20"#), third);
    assert_eq!(left(&gate), 8, "8, nothing since, nothing in flight: exact");
    // Requests leaving count it down; a later answer saying more is left (slots freed in a
    // sliding window) is taken.
    drop(gate.wait(CEILING).await.unwrap());
    assert_eq!(left(&gate), 7);
    let fifth = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=30;t=20"#), fifth);
    assert_eq!(left(&gate), 30);
}

#[tokio::test(start_paused = true)]
async fn a_waiter_is_woken_by_news_rather_than_sleeping_to_the_reset() {
    let gate = std::sync::Arc::new(gate(1000, 300));
    let start = Instant::now();
    let permit = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=0;t=10"#), permit);
    tokio::time::advance(Duration::from_secs(10)).await;
    // The reset: one request finds out what is left; the next waits for its answer.
    let probe = gate.wait(CEILING).await.unwrap();
    let waiter = {
        let gate = std::sync::Arc::clone(&gate);
        tokio::spawn(async move {
            drop(gate.wait(CEILING).await.unwrap());
            Instant::now()
        })
    };
    tokio::time::advance(Duration::from_millis(50)).await;
    gate.observe(&headers(r#""default";r=20;t=10"#), probe);
    let left_at = waiter.await.unwrap();
    assert_eq!(left_at - start, Duration::from_millis(10_050), "at the answer, not a second later");
}

#[tokio::test(start_paused = true)]
async fn what_a_ratelimit_of_zero_said_expires_with_its_window() {
    // One answer says nothing is left for a second; the probe after the reset is answered
    // without the header: from then on, requests leave at once (they once left one a second).
    let gate = gate(1_000, 300);
    let start = Instant::now();
    let first = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=0;t=1"#), first);
    let probe = gate.wait(CEILING).await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_secs(1), "the reset is waited for");
    gate.observe(&HeaderMap::new(), probe);
    for _ in 0..40 {
        let permit = gate.wait(CEILING).await.unwrap();
        gate.observe(&HeaderMap::new(), permit);
    }
    assert_eq!(Instant::now() - start, Duration::from_secs(1), "40 more at once after the probe");

    // A probe that never gets an answer (a failed request) lets the next request go a second
    // later, and then the gate has forgotten the window.
    let gate = gate_with_zero_left().await;
    let start = Instant::now();
    drop(gate.wait(CEILING).await.unwrap()); // the probe, failed: no answer observed
    drop(gate.wait(CEILING).await.unwrap());
    assert_eq!(Instant::now() - start, Duration::from_secs(1), "the others waited for the probe's second");
    for _ in 0..40 {
        drop(gate.wait(CEILING).await.unwrap());
    }
    assert_eq!(Instant::now() - start, Duration::from_secs(1), "then none waits");
}

/// A gate told that nothing is left for a second, that second passed.
async fn gate_with_zero_left() -> Gate {
    let gate = gate(1_000, 300);
    let first = gate.wait(CEILING).await.unwrap();
    gate.observe(&headers(r#""default";r=0;t=1"#), first);
    tokio::time::advance(Duration::from_secs(1)).await;
    gate
}
