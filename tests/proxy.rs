//! Proxies from the environment: never for a plain-http base URL (the token would travel in clear
//! to the proxy); for an https one only as a CONNECT tunnel, which sees the host and nothing else.
//!
//! The proxy variables are set for this whole test process, so this file holds one test.

use std::sync::{Arc, Mutex};

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use cloudflare_origin_trust_store::{Client, Credentials, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A proxy that records what each connection sends first, then answers 502 and closes.
async fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buffer = vec![0; 64 * 1024];
            let read = stream.read(&mut buffer).await.unwrap_or(0);
            record.lock().unwrap().push(String::from_utf8_lossy(&buffer[..read]).into_owned());
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn plain_http_never_goes_through_a_proxy_and_https_only_through_a_connect_tunnel() {
    let (proxy, seen) = recording_proxy().await;
    // SAFETY: this test binary has this one test, and no other thread reads the environment yet.
    unsafe {
        for name in ["NO_PROXY", "no_proxy"] {
            std::env::remove_var(name);
        }
        for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"] {
            std::env::set_var(name, &proxy);
        }
    }

    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    for credentials in [Credentials::token(fake::TOKEN), Credentials::email_key(fake::EMAIL, fake::API_KEY)] {
        let client = Client::builder().base_url(fake.base_url()).credentials(credentials).build().unwrap();
        assert_eq!(client.collect_all(fake.zone_id()).await.unwrap().len(), 3);
    }
    assert_eq!(fake.request_count(), 2);
    assert!(seen.lock().unwrap().is_empty(), "the proxy saw {:?}", seen.lock().unwrap());

    let client = Client::builder()
        .base_url("https://api.cloudflare.invalid/client/v4")
        .credentials(Credentials::token("proxy-test-secret-token"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.collect_all(fake::ZONE_ID).await.unwrap_err();
    assert!(err.to_string().starts_with("network error"), "{err}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("CONNECT api.cloudflare.invalid:443 HTTP/1.1\r\n"), "{seen:?}");
    assert!(!seen[0].contains("proxy-test-secret-token"), "{seen:?}");
    assert!(!seen[0].to_ascii_lowercase().contains("authorization"), "{seen:?}");
}
