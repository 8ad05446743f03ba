//! Raw HTTP to the fake, beside the client: what any HTTP client would see.
#![allow(dead_code)]

use cloudflare_origin_trust_store::fake::FakeCloudflare;
use serde_json::Value;

/// A plain reqwest client, for raw HTTP to the fake. With the `rustls` feature, reqwest is built
/// without a default crypto provider (the crate sets ring on its own clients), so one is installed
/// for this process.
pub fn raw_http() -> reqwest::Client {
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub const BEARER: (&str, &str) = ("authorization", "Bearer fake-token-0123456789");

/// Raw HTTP to any path below the fake's base URL, with the fake's token.
pub async fn raw(
    fake: &FakeCloudflare,
    method: &str,
    path_and_query: &str,
) -> (u16, Vec<(String, String)>, Value) {
    let url = format!("{}{path_and_query}", fake.base_url());
    let response =
        raw_http().request(method.parse().unwrap(), url).header(BEARER.0, BEARER.1).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    (status, headers, response.json().await.unwrap())
}
