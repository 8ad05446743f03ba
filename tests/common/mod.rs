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

/// A wiremock server of the test's own (not one from wiremock's pool, which a request still in
/// flight from another test could reach), whose unexpected requests fail the test when dropped.
pub async fn server() -> MockServer {
    let server = MockServer::builder().start().await;
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

/// Certificates made in the test with rcgen: a root CA and what is not one.
pub mod certs {
    use rcgen::{
        BasicConstraints, Certificate, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };

    /// Parameters with a common name and a validity from `not_before` to `not_after` (years).
    pub fn params(common_name: &str, ca: bool, not_before: i32, not_after: i32) -> CertificateParams {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.not_before = rcgen::date_time_ymd(not_before, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after, 1, 1);
        if ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        }
        params
    }

    /// A self-signed certificate and its key.
    pub fn self_signed(params: &CertificateParams) -> (Certificate, KeyPair) {
        let key = KeyPair::generate().unwrap();
        (params.self_signed(&key).unwrap(), key)
    }

    /// A valid root CA, from 2020 to 2060, with common name `common_name`.
    pub fn root(common_name: &str) -> String {
        self_signed(&params(common_name, true, 2020, 2060)).0.pem()
    }

    /// A certificate made from `params`, signed by a root CA named `issuer`.
    pub fn signed_by_root(params: &CertificateParams, issuer: &str) -> String {
        let root_params = self::params(issuer, true, 2020, 2060);
        let root_key = KeyPair::generate().unwrap();
        let issuer = Issuer::new(root_params, root_key);
        let key = KeyPair::generate().unwrap();
        params.signed_by(&key, &issuer).unwrap().pem()
    }
}

/// Counts the certificates `stream` yields before its error; panics if it ends without one.
pub async fn count_until_error(
    mut stream: cloudflare_origin_trust_store::CertificateStream,
) -> (usize, cloudflare_origin_trust_store::Error) {
    use futures_util::TryStreamExt;
    let mut seen = 0;
    loop {
        match stream.try_next().await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("the stream ended without an error after {seen} certificates"),
            Err(error) => return (seen, error),
        }
    }
}

/// What the tests of the write paths share: fast polling, lying answers, and what was written.
pub mod write {
    use std::time::Duration;

    use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault, Transition};
    use cloudflare_origin_trust_store::{CustomTrustStore, Polling};

    /// Polling fast enough for tests: 5 ms, doubling up to 20 ms, for at most `timeout_ms`.
    pub fn quick(timeout_ms: u64) -> Polling {
        Polling::new(Duration::from_millis(timeout_ms))
            .interval(Duration::from_millis(5), Duration::from_millis(20))
            .unwrap()
    }

    /// A success envelope holding `certificate` as the `result`, as a fault's answer.
    pub fn answer_with(certificate: &CustomTrustStore) -> Fault {
        let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": certificate});
        Fault::json(200, &body)
    }

    /// The method of every request the fake has recorded, in order.
    pub fn methods(fake: &FakeCloudflare) -> Vec<String> {
        fake.requests().iter().map(|r| r.method.clone()).collect()
    }

    /// The write requests (anything but GET) from request number `from` on, as `METHOD path`.
    pub fn writes(fake: &FakeCloudflare, from: usize) -> Vec<String> {
        fake.requests()[from..]
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// A fake whose uploads turn active, and whose deletes leave, as the transitions say.
    pub async fn fake_with(activation: Transition, deletion: Transition) -> FakeCloudflare {
        FakeCloudflare::builder().activation(activation).deletion(deletion).start().await.unwrap()
    }
}
