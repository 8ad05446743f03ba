//! The client and its errors as types: no secret in Debug or Display, Send + Sync + 'static errors,
//! Send futures, and the base URL rule.

use crate::common;

use cloudflare_origin_trust_store::{Client, Credentials, Error, ListParams};
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn debug_and_display_never_show_a_secret() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}]}),
        ))
        .mount(&server)
        .await;

    for client in [token_client(&server), email_key_client(&server)] {
        let err = client.list_page(ZONE, &ListParams::new()).await.unwrap_err();
        let builder = Client::builder().credentials(Credentials::token(TOKEN));
        let shown = format!(
            "{client:?} {err:?} {err} {builder:?} {:?} {:?}",
            Credentials::token(TOKEN),
            Credentials::email_key(EMAIL, KEY)
        );
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("** redacted **"), "{shown}");
    }
    let bad = Client::builder().credentials(Credentials::token(format!("{TOKEN}\n"))).build().unwrap_err();
    assert!(!format!("{bad:?} {bad}").contains(TOKEN));
}

#[test]
fn error_is_send_sync_and_static() {
    fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
    assert_traits::<Error>();
    fn assert_stream<T: Send + 'static>() {}
    assert_stream::<cloudflare_origin_trust_store::CertificateStream>();
    assert_stream::<Client>();
}

#[test]
fn plain_http_is_refused_for_a_remote_host_but_allowed_on_loopback() {
    let build = |url: &str| Client::builder().base_url(url).credentials(Credentials::token(TOKEN)).build();
    let err = build("http://api.cloudflare.com/client/v4").unwrap_err();
    assert!(err.to_string().starts_with(
        "configuration error: base URL \"http://api.cloudflare.com/client/v4\" uses plain http"
    ));
    assert_eq!(build("http://127.0.0.1:1/client/v4/").unwrap().base_url(), "http://127.0.0.1:1/client/v4");
    assert_eq!(
        build("https://api.cloudflare.com/client/v4/").unwrap().base_url(),
        "https://api.cloudflare.com/client/v4"
    );
}

#[test]
fn every_operation_future_is_send_so_it_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder().credentials(Credentials::token(TOKEN)).build().unwrap();
    assert_send(&client.list_page(ZONE, &ListParams::new()));
    assert_send(&client.collect_all(ZONE));
    assert_send(&client.get(ZONE, "id"));
    assert_send(&client.upload(ZONE, "pem"));
    assert_send(&client.upload_unchecked(ZONE, "pem"));
    assert_send(&client.delete(ZONE, "id"));
}

#[tokio::test]
async fn caller_supplied_durations_are_checked_where_they_are_given_and_never_panic() {
    use cloudflare_origin_trust_store::fake::FakeCloudflare;
    use cloudflare_origin_trust_store::{ErrorKind, Polling, RetryPolicy};
    use std::time::Duration;
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();

    // Windows the gate would add to a request's time are refused by build(), naming the setting.
    for window in [Duration::MAX, Duration::from_secs(u64::MAX / 2), Duration::from_secs(86_401)] {
        let err = fake.client_builder().rate_budget(1, window).build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err:?}");
        assert!(err.to_string().contains("rate_budget window must be at most 86400 s (a day)"), "{err}");
    }
    let client = fake.client_builder().rate_budget(2, Duration::from_secs(86_400)).build().unwrap();
    for _ in 0..2 {
        client.collect_all(fake.zone_id()).await.unwrap();
    }

    // Timeouts, backoffs and ceilings at their largest: requests still go.
    let client = fake
        .client_builder()
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry(
            RetryPolicy::new()
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX)
                .max_retry_after(Duration::MAX),
        )
        .build()
        .unwrap();
    assert_eq!(client.collect_all(fake.zone_id()).await.unwrap().len(), 3);

    // Polling: intervals are checked where they are given; a timeout may be anything.
    for (initial, max, parameter) in [
        (Duration::from_secs(1 << 63), Duration::from_secs(1), "initial"),
        (Duration::MAX, Duration::MAX, "initial"),
        (Duration::ZERO, Duration::from_secs(1), "initial"),
        (Duration::from_secs(1), Duration::from_secs(3601), "max"),
    ] {
        let err = Polling::new(Duration::from_secs(1)).interval(initial, max).unwrap_err();
        assert!(err.is_invalid_input(), "{err:?}");
        assert!(err.to_string().starts_with(&format!("invalid {parameter}: must be")), "{err}");
    }
    let polling = Polling::new(Duration::MAX).interval(Polling::MAX_INTERVAL, Polling::MAX_INTERVAL).unwrap();
    let mut active = fake.certificates();
    active[0].status = cloudflare_origin_trust_store::CertificateStatus::Active;
    fake.set_certificates(active.clone());
    let waited = client.wait_until_active_with(fake.zone_id(), &active[0].id, polling).await.unwrap();
    assert_eq!(waited.id, active[0].id);
}
