//! Helpers shared by the integration tests: wiremock servers and fake credentials.
#![allow(dead_code)]

use cloudflare_origin_trust_store::{Client, Credentials, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Fake credentials: never real ones.
pub const TOKEN: &str = "test-token-0000000000000000000000";
pub const EMAIL: &str = "ops@example.com";
pub const KEY: &str = "test-global-key-1111111111111111";
pub const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
pub const LIST_PATH: &str = "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/acm/custom_trust_store";

/// A wiremock server whose unexpected requests fail the test when it is dropped.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599))
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all: no request other than the mocked ones")
        .mount(&server)
        .await;
    server
}

pub fn base_url(server: &MockServer) -> String {
    format!("{}/client/v4", server.uri())
}

/// A token client that does not retry, so each test sees each response once.
pub fn token_client(server: &MockServer) -> Client {
    client_with(server, Credentials::token(TOKEN), RetryPolicy::disabled())
}

/// An email/key client that does not retry.
pub fn email_key_client(server: &MockServer) -> Client {
    client_with(server, Credentials::email_key(EMAIL, KEY), RetryPolicy::disabled())
}

pub fn client_with(server: &MockServer, credentials: Credentials, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base_url(server))
        .credentials(credentials)
        .retry(retry)
        .build()
        .expect("client builds")
}

/// One certificate as the API sends it, with id `id`.
pub fn certificate(id: &str) -> Value {
    json!({
        "id": id,
        "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "expires_on": "2030-01-01T00:00:00Z",
        "issuer": "Example Root CA",
        "signature": "SHA256WithRSA",
        "status": "active",
        "updated_at": "2024-01-01T00:00:00Z",
        "uploaded_on": "2024-01-01T00:00:00Z"
    })
}

/// A success envelope holding `ids`, with `result_info` when given.
pub fn envelope(ids: &[String], result_info: Option<Value>) -> Value {
    let mut body = json!({
        "errors": [],
        "messages": [],
        "success": true,
        "result": ids.iter().map(|id| certificate(id)).collect::<Vec<_>>(),
    });
    if let Some(info) = result_info {
        body["result_info"] = info;
    }
    body
}

/// `count` ids for page `page`: distinct across pages.
pub fn ids(page: u64, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{page:016x}{i:016x}")).collect()
}
