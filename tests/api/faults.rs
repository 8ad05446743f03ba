//! Fault injection: for each fault, the exact outcome, the request count, and no panic.
//!
//! Retries use a 1 ms backoff without jitter, so no test sleeps for real seconds.

use crate::common;
use crate::support_faulty as faulty;

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{Credentials, ErrorKind, Pagination, RetryPolicy};
use faulty::*;
use futures_util::TryStreamExt;
use serde_json::json;

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
