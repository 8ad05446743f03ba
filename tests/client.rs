//! The client and its errors as types: no secret in Debug or Display, Send + Sync + 'static errors,
//! Send futures, and the base URL rule.

mod common;

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
