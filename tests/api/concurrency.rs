//! Concurrent pagination: bounded, in order, exact request counts, the termination guarantees of a
//! sequential walk, and one rate-limit pause shared by every request of a client.

use crate::common;

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{ErrorKind, Jitter, Pagination, RetryPolicy};
use futures_util::{StreamExt, TryStreamExt};

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none())
}

async fn fake(count: usize, latency_ms: u64) -> FakeCloudflare {
    FakeCloudflare::builder()
        .sample_certificates(count)
        .latency(Duration::from_millis(latency_ms))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn eight_pages_at_once_in_order_with_exactly_forty_requests() {
    let fake = fake(2000, 100).await;
    let client = fake.client().unwrap();

    let all: Vec<_> = client.list_all(fake.zone_id()).unwrap().try_collect().await.unwrap();

    assert_eq!(all, fake.certificates(), "every certificate, in the API's order");
    assert_eq!(fake.request_count(), 40);
    assert_eq!(fake.max_in_flight(), 8, "the default concurrency, and never more");
}

#[tokio::test]
async fn the_concurrency_is_configurable_and_1_is_sequential() {
    for (concurrency, expected) in [(1, 1), (3, 3), (32, 9)] {
        let fake = fake(500, 50).await;
        let pagination = Pagination::new().concurrency(concurrency);

        let all: Vec<_> = fake
            .client()
            .unwrap()
            .pages(fake.zone_id(), pagination)
            .unwrap()
            .items()
            .try_collect()
            .await
            .unwrap();

        assert_eq!(all.len(), 500);
        assert_eq!(fake.request_count(), 10, "concurrency {concurrency}");
        assert_eq!(fake.max_in_flight(), expected, "concurrency {concurrency}: page 1 alone, then at most 9");
    }
}

#[tokio::test]
async fn zero_concurrency_is_refused_before_sending() {
    let fake = fake(10, 0).await;
    let err = fake.client().unwrap().pages(fake.zone_id(), Pagination::new().concurrency(0)).unwrap_err();
    assert_eq!(err.to_string(), "invalid concurrency: must be 1 to 32, got 0");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_repeating_server_still_ends_with_repeated_page() {
    // total_pages grows with every page while the items repeat: page 2 repeats page 1.
    let fake = fake(500, 5).await;
    fake.set_faults(|_| Some(Fault::RepeatFirstPage));

    let err = fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap_err();

    assert!(matches!(err.kind(), ErrorKind::RepeatedPage { page: 2, .. }), "{err:?}");
    assert_eq!(fake.request_count(), 2, "page 1 said 2 pages: only page 2 was planned");
}

#[tokio::test]
async fn a_repeat_among_pages_in_flight_ends_the_walk_within_one_batch() {
    let fake = fake(2000, 5).await;
    // Page 4 answers page 1's certificates (with page 1's result_info shape).
    fake.set_faults(|r| (r.page == 4).then_some(Fault::RepeatFirstPage));

    let err = fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap_err();

    assert!(matches!(err.kind(), ErrorKind::RepeatedPage { page: 4, .. }), "{err:?}");
    let requests = fake.request_count();
    assert!((4..=12).contains(&requests), "page 1, then at most 3 + 8 in flight: {requests}");
}

#[tokio::test]
async fn the_page_cap_holds_with_concurrency() {
    let fake = fake(2000, 5).await;
    let pagination = Pagination::new().max_pages(12);

    let stream = fake.client().unwrap().pages(fake.zone_id(), pagination).unwrap().items();
    let (seen, err) = common::count_until_error(stream).await;

    assert_eq!(seen, 600, "the 12 pages under the cap were yielded first");
    assert_eq!(err.to_string(), "pagination stopped: more than 12 pages (the configured cap)");
    assert_eq!(fake.request_count(), 12, "no request past the cap");
}

#[tokio::test]
async fn dropping_the_stream_cancels_and_sends_nothing_more() {
    let fake = fake(2000, 200).await;
    let mut stream = fake.client().unwrap().list_all(fake.zone_id()).unwrap();
    stream.next().await.unwrap().unwrap(); // page 1
    // Polling on sends pages 2 to 9; give up before they are answered.
    for _ in 0..49 {
        stream.next().await.unwrap().unwrap(); // the rest of page 1
    }
    let pending = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
    assert!(pending.is_err(), "pages 2 to 9 take 200 ms");
    drop(stream);
    tokio::time::sleep(Duration::from_millis(400)).await;

    assert_eq!(fake.request_count(), 9, "page 1, then 8 in flight; nothing after the drop");
}

#[tokio::test]
async fn a_429_in_flight_is_retried_and_the_walk_completes_in_order() {
    let fake = fake(2000, 5).await;
    fake.set_faults(|r| (r.page == 5 && r.attempt == 1).then(|| Fault::rate_limited_ms(30)));
    let client = fake.client_builder().retry(fast_retries()).build().unwrap();

    let all: Vec<_> = client.list_all(fake.zone_id()).unwrap().try_collect().await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 41);
}

#[tokio::test]
async fn a_429_pauses_every_request_of_the_client() {
    // One request gets a 429 asking for 400 ms: while it waits, the whole client (its clones
    // included) holds its requests; the gate's own tests (src/rate_limit.rs) pin the waiting.
    let fake = fake(100, 0).await;
    fake.set_faults(|r| (r.index == 1).then(|| Fault::rate_limited_ms(400)));
    let client = fake.client_builder().retry(fast_retries()).build().unwrap();
    let id = fake.certificates()[0].id.clone();
    assert_eq!(client.rate_limit_pause(), None);

    let first = {
        let (client, zone, id) = (client.clone(), fake.zone_id().to_owned(), id.clone());
        tokio::spawn(async move { client.get(&zone, &id).await })
    };
    let mut paused = None;
    for _ in 0..200 {
        paused = client.rate_limit_pause();
        if paused.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let paused = paused.expect("the 429 paused the client");
    assert!(paused <= Duration::from_millis(400), "{paused:?}");
    assert_eq!(fake.request_count(), 1, "the retry waits for the pause");
    let second = client.get(fake.zone_id(), &id).await.unwrap();

    assert_eq!(first.await.unwrap().unwrap(), second);
    assert_eq!(fake.request_count(), 3);
    assert_eq!(client.rate_limit_pause(), None, "the pause is over");
}

#[tokio::test]
async fn a_ratelimit_header_with_nothing_left_holds_the_next_request_back() {
    // Cloudflare says no request is left for 120 s: longer than the 60 s ceiling, so the next
    // request is not sent at all, and the caller learns how long to wait.
    let fake = fake(100, 0).await;
    fake.set_faults(|r| {
        (r.index == 1).then(|| Fault::Header("ratelimit".into(), r#""default";r=0;t=120"#.into()))
    });
    let client = fake.client_builder().retry(fast_retries()).build().unwrap();
    let id = fake.certificates()[0].id.clone();

    client.get(fake.zone_id(), &id).await.unwrap();
    let paused = client.rate_limit_pause().expect("no request left: the client pauses");
    assert!(paused > Duration::from_secs(100) && paused <= Duration::from_secs(120), "{paused:?}");
    let err = client.collect_all(fake.zone_id()).await.unwrap_err();

    // The answer was a 200: the error says the request was held back, not "http 429".
    assert!(matches!(err.kind(), ErrorKind::RateLimited { status: None, .. }), "{err:?}");
    assert_eq!(err.status(), None);
    let text = err.to_string();
    assert!(text.starts_with("rate limited: requests are held back for 1"), "{text}");
    assert!(
        text.ends_with(
            "s more (an earlier answer asked to wait), longer than the retry ceiling; nothing was sent"
        ),
        "{text}"
    );
    assert!(err.retry_after().unwrap() > Duration::from_secs(100));
    assert_eq!(fake.request_count(), 1, "nothing was sent while held back");
}

#[tokio::test]
async fn a_ratelimit_header_with_plenty_left_changes_nothing() {
    let fake = fake(500, 0).await;
    fake.set_faults(|_| Some(Fault::Header("ratelimit".into(), r#""default";r=900;t=200"#.into())));

    let all = fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap();

    assert_eq!(all.len(), 500);
    assert_eq!(fake.client().unwrap().rate_limit_pause(), None);
    assert_eq!(fake.request_count(), 10);
}

#[tokio::test]
async fn concurrency_is_capped_at_32_and_over_it_nothing_is_sent() {
    let fake = fake(10, 0).await;
    let client = fake.client().unwrap();
    for concurrency in [0, 33, 100_000, usize::MAX] {
        let err =
            client.pages(fake.zone_id(), Pagination::new().concurrency(concurrency)).map(drop).unwrap_err();
        assert!(err.is_invalid_input());
        assert_eq!(err.to_string(), format!("invalid concurrency: must be 1 to 32, got {concurrency}"));
    }
    assert_eq!(Pagination::MAX_CONCURRENCY, 32);
    assert!(
        client.pages(fake.zone_id(), Pagination::new().concurrency(32)).is_ok(),
        "32 is allowed; nothing is sent until polled"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_ratelimit_of_zero_followed_by_answers_without_the_header_stops_holding_requests_back() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    fake.set_faults(|r| {
        (r.index == 1).then(|| Fault::Header("ratelimit".into(), r#""default";r=0;t=1"#.into()))
    });
    let client = fake.client().unwrap();
    client.collect_all(fake.zone_id()).await.unwrap();
    assert!(client.rate_limit_pause().is_some(), "nothing is left until the reset");
    // The probe after the reset comes back without a Ratelimit header: the window it spoke of is
    // over, so nothing holds the requests after it back.
    client.collect_all(fake.zone_id()).await.unwrap();
    assert_eq!(client.rate_limit_pause(), None);
    for _ in 0..5 {
        client.collect_all(fake.zone_id()).await.unwrap();
        assert_eq!(client.rate_limit_pause(), None);
    }
    assert_eq!(fake.request_count(), 7);
}
