//! TLS is verified: an https server whose certificate no trusted root vouches for is refused.
#![cfg(feature = "rustls")]

use std::net::TcpListener;
use std::sync::Arc;

use cloudflare_origin_trust_store::{Client, Credentials, ErrorKind, ListParams, RetryPolicy};

#[tokio::test]
async fn a_self_signed_server_certificate_is_rejected() {
    // A TLS server on 127.0.0.1 with a certificate for localhost that no root vouches for.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut connection = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        // The client aborts the handshake; the server only has to offer its certificate.
        let _ = connection.complete_io(&mut stream);
    });

    let client = Client::builder()
        .base_url(format!("https://localhost:{port}/client/v4"))
        .credentials(Credentials::token("test-token-not-real"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.list_page("023e105f4ecef8ad9ca31a8372d0c353", &ListParams::new()).await.unwrap_err();

    assert!(matches!(err.kind(), ErrorKind::Network { .. }), "{err:?}");
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.contains("invalid peer certificate"), "{chain}");
    server.join().unwrap();
}
