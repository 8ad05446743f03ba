//! Errors a caller can act on: the kind stays matchable whatever the attempts, the predicates say
//! what happened, the line names the final cause, and the Ray ID rides along.

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{Client, Credentials, Error, ErrorKind, Jitter, RetryPolicy};

fn fast() -> RetryPolicy {
    RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none())
}

/// The error of a one-page list when every answer is `fault`.
async fn list_error(fault: Fault) -> (FakeCloudflare, Error) {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    fake.set_faults(move |_| Some(fault.clone()));
    let client = fake.client_builder().retry(fast()).timeout(Duration::from_millis(200)).build().unwrap();
    let err = client.collect_all(fake.zone_id()).await.unwrap_err();
    (fake, err)
}

/// The predicates of `err`, in order: not_found, auth, rate_limited, retryable, timeout,
/// invalid_input, config.
fn predicates(err: &Error) -> [bool; 7] {
    [
        err.is_not_found(),
        err.is_auth(),
        err.is_rate_limited(),
        err.is_retryable(),
        err.is_timeout(),
        err.is_invalid_input(),
        err.is_config(),
    ]
}

fn envelope(status: u16, code: u32, message: &str) -> Fault {
    Fault::json(
        status,
        &serde_json::json!({"success": false, "errors": [{"code": code, "message": message}], "messages": []}),
    )
}

#[tokio::test]
async fn every_kind_answers_its_predicates() {
    let cases: Vec<(Fault, [bool; 7], u32)> = vec![
        (envelope(404, 7003, "Could not route"), [true, false, false, false, false, false, false], 1),
        (envelope(403, 10000, "Authentication error"), [false, true, false, false, false, false, false], 1),
        (envelope(401, 1001, "Unauthorized"), [false, true, false, false, false, false, false], 1),
        (envelope(400, 9109, "Invalid access token"), [false, true, false, false, false, false, false], 1),
        (Fault::rate_limited("0"), [false, false, true, true, false, false, false], 3),
        (Fault::rate_limited("300"), [false, false, true, true, false, false, false], 1),
        (Fault::html(503, 0), [false, false, false, true, false, false, false], 3),
        (Fault::html(500, 0), [false, false, false, true, false, false, false], 3),
        (envelope(400, 1001, "Bad request"), [false, false, false, false, false, false, false], 1),
        (Fault::Delay(Duration::from_secs(5)), [false, false, false, true, true, false, false], 3),
        (Fault::Reset, [false, false, false, true, false, false, false], 3),
        (Fault::empty_body(), [false, false, false, false, false, false, false], 1),
        (Fault::redirect("https://elsewhere.example/"), [false, false, false, false, false, false, false], 1),
    ];
    for (fault, expected, attempts) in cases {
        let (_fake, err) = list_error(fault.clone()).await;
        assert_eq!(predicates(&err), expected, "{fault:?}: {err}");
        assert_eq!(err.attempts(), attempts, "{fault:?}: {err}");
    }

    let fake = FakeCloudflare::builder().start().await.unwrap();
    let err = fake.client().unwrap().get(fake.zone_id(), "..").await.unwrap_err();
    assert_eq!(predicates(&err), [false, false, false, false, false, true, false]);
    let err = fake.client().unwrap().upload(fake.zone_id(), "no certificate").await.unwrap_err();
    assert_eq!(predicates(&err), [false, false, false, false, false, true, false]);
    let err = Client::builder()
        .credentials(Credentials::token("t"))
        .base_url("http://10.0.0.1")
        .build()
        .unwrap_err();
    assert_eq!(predicates(&err), [false, false, false, false, false, false, true]);
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn the_kind_is_matchable_after_retries_and_the_line_names_the_final_cause() {
    let (fake, err) = list_error(Fault::html(503, 0)).await;
    assert!(matches!(err.kind(), ErrorKind::UnexpectedResponse { status: 503, .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.status(), Some(503));
    assert!(
        err.to_string().starts_with(
            "gave up after 3 attempts: unexpected http 503 response: <!DOCTYPE html> <html> <head><title>503 Service Unavailable</title>"
        ),
        "{err}"
    );
    assert_eq!(fake.request_count(), 3);

    let (_fake, err) = list_error(envelope(503, 1000, "Internal")).await;
    assert!(matches!(err.kind(), ErrorKind::Api { status: 503, .. }));
    assert_eq!(err.cloudflare_codes(), [1000]);
    assert_eq!(
        err.to_string(),
        "gave up after 3 attempts: cloudflare api error (http 503): code 1000: Internal"
    );
    match err.into_kind() {
        ErrorKind::Api { errors, .. } => assert_eq!(errors[0].message, "Internal"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dead_host_names_the_cause_and_the_address() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Client::builder()
        .base_url(format!("http://{closed}/client/v4"))
        .credentials(Credentials::token(fake::TOKEN))
        .retry(fast())
        .build()
        .unwrap();
    let err = client.collect_all(fake::ZONE_ID).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Network { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("gave up after 3 attempts: network error: connection refused ({closed})")
    );
    assert!(std::error::Error::source(&err).is_some(), "the HTTP client's error stays reachable");
    assert_eq!(err.ray_id(), None, "no response, no Ray ID");
}

#[tokio::test]
async fn the_ray_id_of_the_last_response_is_carried() {
    let (_fake, err) = list_error(envelope(403, 10000, "Authentication error")).await;
    assert_eq!(err.ray_id(), Some(fake::ray_id(1).as_str()));
    let (fake, err) = list_error(Fault::html(502, 0)).await;
    assert_eq!(err.ray_id(), Some(fake::ray_id(3).as_str()), "the third and last attempt's");
    assert_eq!(fake.request_count(), 3);
    let (_fake, err) = list_error(Fault::Reset).await;
    assert_eq!(err.ray_id(), None);
}

#[tokio::test]
async fn a_list_of_a_zone_that_is_not_found_says_why_that_can_be() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let err = fake.client().unwrap().collect_all("0123456789abcdef0123456789abcdef").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 404): code 7003: Could not route to /zones/0123456789abcdef0123456789abcdef/acm/custom_trust_store, \
         perhaps your object identifier is invalid?; the zone id may be wrong, or the zone's plan may not include the Custom \
         Origin Trust Store"
    );
    let err =
        fake.client().unwrap().get(fake.zone_id(), "ca000000000000000000000000000009").await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.to_string().contains("plan"), "only a list gets the zone hint: {err}");
}

#[test]
fn error_is_small_send_sync_and_static() {
    fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
    assert_traits::<Error>();
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>(), "one pointer: Results stay small");
}
