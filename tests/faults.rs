//! Fault injection: for each fault, the exact outcome, the request count, and no panic.
//!
//! Retries use a 1 ms backoff without jitter, so no test sleeps for real seconds.

mod common;

use std::sync::Arc;
use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{
    Client, Credentials, CustomTrustStore, Error, ErrorKind, Jitter, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;
use serde_json::json;

/// 120 certificates: pages of 50, 50 and 20.
const CERTS: usize = 120;

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none())
}

async fn fake_with(
    rule: impl Fn(&cloudflare_origin_trust_store::fake::RequestInfo) -> Option<Fault> + Send + Sync + 'static,
) -> FakeCloudflare {
    let fake = FakeCloudflare::builder().sample_certificates(CERTS).start().await.unwrap();
    fake.set_faults(rule);
    fake
}

fn client(fake: &FakeCloudflare) -> Client {
    fake.client_builder().retry(fast_retries()).build().unwrap()
}

/// Every certificate, one page at a time: so that a walk ended by an error on a later page has an
/// exact request count (a concurrent walk may have sent the next pages already; see
/// tests/concurrency.rs).
async fn walk(fake: &FakeCloudflare) -> Result<Vec<CustomTrustStore>, Error> {
    let pages = client(fake).pages(fake.zone_id(), Pagination::new().concurrency(1)).unwrap().items();
    pages.try_collect().await
}

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
async fn a_5xx_on_each_pages_first_attempt_is_retried_page_by_page() {
    let fake = fake_with(|r| {
        (r.attempt == 1).then(|| {
            Fault::json(
                503,
                &json!({"success": false, "errors": [{"code": 10001, "message": "Service unavailable"}]}),
            )
        })
    })
    .await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 6, "two attempts for each of 3 pages");
}

#[tokio::test]
async fn a_connection_reset_mid_walk_is_retried() {
    let fake = fake_with(|r| (r.page == 2 && r.attempt == 1).then_some(Fault::Reset)).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all.len(), CERTS);
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn a_connection_reset_without_retries_is_a_network_error_after_the_first_page() {
    let fake = fake_with(|r| (r.page == 2).then_some(Fault::Reset)).await;
    let client = fake.client_builder().retry(RetryPolicy::disabled()).build().unwrap();

    let certificates = client.pages(fake.zone_id(), Pagination::new().concurrency(1)).unwrap().items();
    let (got, err) = common::count_until_error(certificates).await;

    assert_eq!(got, 50, "the first page arrived before the error");
    assert!(matches!(err.kind(), ErrorKind::Network { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("network error: connection closed before message completed ({})", fake.addr())
    );
    assert!(err.is_retryable() && std::error::Error::source(&err).is_some());
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_retried() {
    let fake = fake_with(|r| (r.page == 2 && r.attempt == 1).then_some(Fault::CutBody)).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn a_connection_cut_mid_body_on_every_attempt_is_a_network_error() {
    let fake = fake_with(|_| Some(Fault::CutBody)).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(err.attempts(), 3);
    assert!(matches!(err.kind(), ErrorKind::Network { .. }), "{err:?}");
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn a_body_over_the_limit_is_not_read() {
    let fake =
        fake_with(|_| Some(Fault::Pad(cloudflare_origin_trust_store::Client::MAX_BODY_BYTES + 1))).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(err.to_string(), "response body over 32 MiB (http 200); not read");
    assert_eq!(fake.request_count(), 1, "a 200 is not retried");
}

#[tokio::test]
async fn an_html_502_on_every_attempt_is_an_unexpected_response_after_three_attempts() {
    let fake = fake_with(|_| Some(Fault::html(502, 0))).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(err.attempts(), 3);
    assert_eq!(err.status(), Some(502));
    assert!(matches!(err.kind(), ErrorKind::UnexpectedResponse { status: 502, .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "gave up after 3 attempts: unexpected http 502 response: <!DOCTYPE html> <html> <head><title>502 Bad Gateway</title>"
        ),
        "{err}"
    );
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_timeout_error_not_a_hang() {
    let fake = fake_with(|_| Some(Fault::Delay(Duration::from_secs(30)))).await;
    let client =
        fake.client_builder().timeout(Duration::from_millis(100)).retry(fast_retries()).build().unwrap();

    let err = client.collect_all(fake.zone_id()).await.unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("gave up after 3 attempts: request timed out ("), "{text}");
    assert!(text.ends_with(&format!("{})", fake.addr())), "{text}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn a_slow_first_attempt_is_retried_within_the_timeout() {
    let fake =
        fake_with(|r| (r.page == 1 && r.attempt == 1).then_some(Fault::Delay(Duration::from_secs(30)))).await;
    let client =
        fake.client_builder().timeout(Duration::from_millis(100)).retry(fast_retries()).build().unwrap();

    let all = client.collect_all(fake.zone_id()).await.unwrap();

    assert_eq!(all.len(), CERTS);
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn a_redirect_is_an_error_and_no_credential_reaches_the_other_host() {
    let elsewhere = FakeCloudflare::builder().start().await.unwrap();
    let target = format!("{}/zones/x/acm/custom_trust_store", elsewhere.base_url());
    let fake = fake_with(move |_| Some(Fault::redirect(&target))).await;

    for credentials in
        [Credentials::token("secret-token"), Credentials::email_key("a@example.com", "secret-key")]
    {
        let client = fake.client_builder().credentials(credentials).retry(fast_retries()).build().unwrap();
        let err = client.collect_all(fake.zone_id()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "unexpected redirect (http 302) to {}/zones/x/acm/custom_trust_store",
                elsewhere.base_url()
            )
        );
    }
    assert_eq!(fake.request_count(), 2, "one per client: a redirect is not retried");
    assert_eq!(elsewhere.request_count(), 0, "nothing, so no credential, reached the other host");
}

#[tokio::test]
async fn success_false_with_status_200_is_an_api_error_and_not_retried() {
    let fake = fake_with(|r| (r.page == 2).then(Fault::success_false)).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(err.to_string(), "cloudflare api error (http 200): code 1000: An internal error occurred");
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn a_growing_total_pages_that_repeats_items_ends_with_repeated_page() {
    let fake = fake_with(|_| Some(Fault::RepeatFirstPage)).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        format!("pagination stopped: page 2 repeats certificate {} already seen", fake.certificates()[0].id)
    );
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn certificates_deleted_between_pages_end_the_walk_with_list_changed() {
    let fake = FakeCloudflare::builder().sample_certificates(CERTS).start().await.unwrap();
    let client = client(&fake);

    let mut pages = client.pages(fake.zone_id(), Pagination::new().concurrency(1)).unwrap();
    let first = pages.try_next().await.unwrap().unwrap();
    fake.set_certificates(fake.certificates()[10..].to_vec()); // 10 deleted: later pages shift
    let err = pages.try_next().await.unwrap_err();

    assert_eq!(first.items.len(), 50);
    assert_eq!(
        err.to_string(),
        "pagination stopped: the list changed during the walk (total_count 120 before page 2, 110 on it); list again"
    );
    assert_eq!(fake.request_count(), 2);
    assert!(pages.try_next().await.unwrap().is_none(), "the stream ends after its error");
}

#[tokio::test]
async fn missing_result_info_stops_at_the_short_last_page() {
    let fake = fake_with(|_| Some(Fault::DropResultInfo)).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 3, "50, 50, then 20 < 50 ends the walk");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_the_place() {
    let fake = fake_with(|_| Some(Fault::TruncateBody)).await;

    let err = walk(&fake).await.unwrap_err();

    let ErrorKind::Decode { status, path, .. } = err.kind() else { panic!("{err:?}") };
    assert_eq!(*status, 200);
    assert!(path.starts_with("result["), "{path}");
    assert!(std::error::Error::source(&err).unwrap().to_string().contains("EOF while parsing"));
    assert_eq!(fake.request_count(), 1, "a complete 200 answer is not retried");
}

#[tokio::test]
async fn an_empty_body_is_a_decode_error_at_the_root() {
    let fake = fake_with(|_| Some(Fault::empty_body())).await;

    let err = walk(&fake).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "cannot decode the http 200 response body at `.`: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn a_body_of_several_megabytes_decodes() {
    let fake = fake_with(|r| (r.page == 1).then_some(Fault::Pad(8 << 20))).await;

    let all = walk(&fake).await.unwrap();

    assert_eq!(all.len(), CERTS);
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn an_html_error_of_several_megabytes_keeps_a_short_snippet() {
    let fake = fake_with(|_| Some(Fault::html(502, 6 << 20))).await;
    let client = fake.client_builder().retry(RetryPolicy::disabled()).build().unwrap();

    let err = client.collect_all(fake.zone_id()).await.unwrap_err();

    let ErrorKind::UnexpectedResponse { status, snippet } = err.kind() else { panic!("{err:?}") };
    assert_eq!(*status, 502);
    assert_eq!(snippet.chars().count(), 201);
    assert!(err.to_string().len() < 300);
    assert_eq!(fake.request_count(), 1);
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
