//! Fault injection, retries and rate limits: 429s and their waits, which failures are retried,
//! the jitter. For each, the exact outcome, the request count, and no panic.
//!
//! Retries use a 1 ms backoff without jitter, so no test sleeps for real seconds.

use crate::support_faulty as faulty;

use std::sync::Arc;
use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{ErrorKind, Jitter, RetryPolicy};
use faulty::*;
use serde_json::json;

#[tokio::test]
async fn a_429_with_retry_after_zero_is_retried_and_the_walk_completes() {
    let fake = fake_with(|r| (r.page == 2 && r.attempt == 1).then(|| Fault::rate_limited("0"))).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn a_429_whose_retry_after_is_over_the_ceiling_ends_at_once_with_the_wait() {
    let fake = fake_with(|_| Some(Fault::rate_limited("300"))).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "rate limited (http 429): the server asks to wait 300s, longer than the retry ceiling"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_holds_every_later_call_of_the_client_until_it_is_over() {
    let fake = fake_with(|r| (r.index == 1).then(|| Fault::rate_limited("300"))).await;
    let client = client(&fake);
    let id = fake.certificates()[0].id.clone();

    let err = client.get(fake.zone_id(), &id).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { status: Some(429), .. }), "{err:?}");

    // The next calls, of this client and its clones, send nothing and say how long is left.
    tokio::time::advance(Duration::from_secs(100)).await;
    for caller in [client.clone(), client.clone()] {
        let err = caller.collect_all(fake.zone_id()).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::RateLimited { status: None, .. }), "{err:?}");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(200)));
    }
    assert_eq!(fake.request_count(), 1);
    // Another client does not share the pause.
    fake.client().unwrap().get(fake.zone_id(), &id).await.unwrap();
    assert_eq!(fake.request_count(), 2);

    tokio::time::advance(Duration::from_secs(200)).await;
    assert_eq!(client.collect_all(fake.zone_id()).await.unwrap().len(), 120, "the wait is over");
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_under_an_unbounded_ceiling_neither_panics_nor_overflows() {
    for retry_after in ["18446744073709551615", "9999999999999"] {
        let fake = fake_with(|r| (r.index == 1).then(|| Fault::rate_limited(retry_after))).await;
        let client =
            fake.client_builder().retry(fast_retries().max_retry_after(Duration::MAX)).build().unwrap();
        // The client sleeps through the wait (paused time runs ahead), then the retry succeeds.
        let id = fake.certificates()[0].id.clone();
        client.get(fake.zone_id(), &id).await.unwrap();
        assert_eq!(fake.request_count(), 2);
    }
    let fake = fake_with(|r| (r.index == 1).then(|| Fault::rate_limited_ms(u64::MAX))).await;
    let err = client(&fake).get(fake.zone_id(), &fake.certificates()[0].id).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { status: Some(429), .. }), "{err:?}");
}

#[tokio::test]
async fn a_429_on_every_attempt_gives_up_after_three_attempts() {
    let fake = fake_with(|_| Some(Fault::rate_limited("0"))).await;

    let err = walk(&fake).await.unwrap_err();

    // The kind stays what a caller matches on, whatever the number of attempts; the line names
    // the final cause.
    assert!(matches!(err.kind(), ErrorKind::Api { status: 429, .. }), "{err:?}");
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(
        err.to_string(),
        "gave up after 3 attempts: cloudflare api error (http 429): code 971: Please wait and consider throttling your request speed"
    );
    assert_eq!((err.status(), err.api_errors()[0].code), (Some(429), 971));
    assert_eq!(fake.request_count(), 3);
}

/// 429s have their own allowance: a job that must wait out a rate limit sets it higher than the
/// retries of other failures, which keep theirs.
#[tokio::test]
async fn rate_limited_retries_are_counted_apart_from_other_failures() {
    let get = |fake: FakeCloudflare| async move {
        let policy = fast_retries().max_retries(1).max_rate_limited_retries(6);
        let client = fake.client_builder().retry(policy).build().unwrap();
        let result = client.get(fake.zone_id(), &fake.certificates()[0].id).await;
        (result, fake.request_count())
    };

    // Six 429s, a 503 among them: each waited out, then the answer.
    let fake = fake_with(|r| match r.attempt {
        1..=3 | 5..=7 => Some(Fault::rate_limited("0")),
        4 => Some(Fault::html(503, 0)),
        _ => None,
    })
    .await;
    let (result, sent) = get(fake).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sent, 8);

    // A seventh 429 is one too many.
    let (result, sent) = get(fake_with(|_| Some(Fault::rate_limited("0"))).await).await;
    let err = result.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert!(
        err.to_string().starts_with("gave up after 7 attempts: cloudflare api error (http 429)"),
        "{err}"
    );
    assert_eq!(sent, 7);

    // Other failures still get one retry only.
    let (result, sent) = get(fake_with(|_| Some(Fault::html(503, 0))).await).await;
    assert!(result.unwrap_err().to_string().starts_with("gave up after 2 attempts: "));
    assert_eq!(sent, 2);

    // max_retries alone sets both; disabled() sends once.
    for (policy, attempts) in [(fast_retries().max_retries(3), 4), (RetryPolicy::disabled(), 1)] {
        let fake = fake_with(|_| Some(Fault::rate_limited("0"))).await;
        let client = fake.client_builder().retry(policy).build().unwrap();
        client.get(fake.zone_id(), &fake.certificates()[0].id).await.unwrap_err();
        assert_eq!(fake.request_count(), attempts);
    }
}

#[tokio::test]
async fn an_http_date_retry_after_in_the_past_means_retry_now() {
    let fake =
        fake_with(|r| (r.attempt == 1).then(|| Fault::rate_limited("Wed, 21 Oct 2015 07:28:00 GMT"))).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all.len(), CERTS);
    assert_eq!(fake.request_count(), 6);
}

#[tokio::test]
async fn retries_disabled_means_one_attempt() {
    let fake = fake_with(|_| Some(Fault::html(503, 0))).await;
    let client = fake.client_builder().retry(RetryPolicy::disabled()).build().unwrap();

    let err = client.collect_all(fake.zone_id()).await.unwrap_err();

    assert_eq!(err.attempts(), 1);
    assert!(matches!(err.kind(), ErrorKind::UnexpectedResponse { status: 503, .. }), "{err:?}");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn other_4xx_are_never_retried() {
    for status in [400u16, 401, 403, 404, 409, 422] {
        let fake = fake_with(move |_| {
            Some(Fault::json(status, &json!({"success": false, "errors": [{"code": 1000, "message": "no"}]})))
        })
        .await;

        let err = walk(&fake).await.unwrap_err();

        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(fake.request_count(), 1, "{status}");
    }
}

#[tokio::test]
async fn the_jitter_is_injected_and_called_with_the_capped_backoff() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let policy = RetryPolicy::new()
        .max_retries(4)
        .initial_backoff(Duration::from_millis(2))
        .max_backoff(Duration::from_millis(5))
        .jitter(Jitter::custom(move |backoff| {
            record.lock().unwrap().push(backoff);
            Duration::ZERO
        }));
    let fake = fake_with(|_| Some(Fault::html(500, 0))).await;
    let client = fake.client_builder().retry(policy).build().unwrap();

    let err = client.collect_all(fake.zone_id()).await.unwrap_err();

    assert_eq!(err.attempts(), 5);
    assert_eq!(fake.request_count(), 5);
    let ms: Vec<u128> = seen.lock().unwrap().iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [2, 4, 5, 5]);
}

#[tokio::test]
async fn a_storm_of_429s_with_retry_after_zero_still_backs_off_between_attempts() {
    for header in ["retry-after", "retry-after-ms"] {
        let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
        let storm = match header {
            "retry-after" => Fault::rate_limited("0"),
            _ => Fault::rate_limited_ms(0),
        };
        fake.set_faults(move |r| (r.attempt <= 5).then(|| storm.clone()));
        // The backoffs the policy is asked for, each returned as it is (no jitter).
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = Arc::clone(&asked);
        let policy = RetryPolicy::new()
            .max_rate_limited_retries(20)
            .initial_backoff(Duration::from_millis(2))
            .max_backoff(Duration::from_millis(8))
            .jitter(Jitter::custom(move |backoff| {
                record.lock().unwrap().push(backoff.as_millis());
                backoff
            }));
        let client = fake.client_builder().retry(policy).build().unwrap();
        client.collect_all(fake.zone_id()).await.unwrap();
        assert_eq!(fake.request_count(), 6, "{header}");
        assert_eq!(
            *asked.lock().unwrap(),
            [2, 4, 8, 8, 8],
            "{header}: a backoff under each of the 5 waits of 0"
        );
    }
}
