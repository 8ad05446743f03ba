//! The list operation against wiremock: decoding, headers, query, errors, input checks.

use crate::common;

use cloudflare_origin_trust_store::{CertificateStatus, Client, Error, ErrorKind, ListParams, Pagination};
use common::*;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

const EXAMPLE: &str = include_str!("../fixtures/list-example.json");
const HTML_502: &str = include_str!("../fixtures/cloudflare-502.html");

fn respond_json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// The error a one-page list gets when the server answers `template` (once).
async fn list_error(template: ResponseTemplate) -> Error {
    let server = server().await;
    Mock::given(method("GET")).and(path(LIST_PATH)).respond_with(template).expect(1).mount(&server).await;
    token_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap_err()
}

#[tokio::test]
async fn example_response_parses_field_for_field() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(EXAMPLE, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let page = token_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap();

    assert_eq!(page.items.len(), 1);
    let cert = &page.items[0];
    assert_eq!(cert.id, "023e105f4ecef8ad9ca31a8372d0c353");
    assert_eq!(
        cert.certificate,
        "-----BEGIN CERTIFICATE-----\nMIIDdjCCAl6gAwIBAgIJAPnMg0Fs+/B0MA0GCSqGSIb3DQEBCwUAMFsx...\n-----END CERTIFICATE-----\n"
    );
    assert_eq!(cert.expires_on.to_rfc3339(), "2122-10-29T16:59:47+00:00");
    assert_eq!(cert.issuer, "GlobalSign");
    assert_eq!(cert.signature, "SHA256WithRSA");
    assert_eq!(cert.status, CertificateStatus::Active);
    assert_eq!(cert.updated_at.to_rfc3339(), "2014-01-01T05:20:00+00:00");
    assert_eq!(cert.uploaded_on.to_rfc3339(), "2014-01-01T05:20:00+00:00");

    assert_eq!(page.messages.len(), 1);
    let message = &page.messages[0];
    assert_eq!(message.code, 1000);
    assert_eq!(message.message, "message");
    assert_eq!(message.documentation_url.as_deref(), Some("documentation_url"));
    assert_eq!(message.source.as_ref().and_then(|s| s.pointer.as_deref()), Some("pointer"));

    let info = page.result_info.unwrap();
    assert_eq!(
        (info.count, info.page, info.per_page, info.total_count, info.total_pages),
        (Some(1), Some(1), Some(20), Some(2000), Some(100))
    );
    // Serializing gives back the API's field names and formats.
    let round_trip = serde_json::to_value(cert).unwrap();
    let original: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
    assert_eq!(round_trip, original["result"][0]);
}

#[tokio::test]
async fn token_auth_sends_only_the_bearer_header() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(respond_json(200, envelope(&[], None)))
        .expect(1)
        .mount(&server)
        .await;

    token_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap();

    let request = &server.received_requests().await.unwrap()[0];
    let names: Vec<&str> = request.headers.keys().map(|name| name.as_str()).collect();
    assert!(!names.contains(&"x-auth-email"), "{names:?}");
    assert!(!names.contains(&"x-auth-key"), "{names:?}");
    assert!(!names.contains(&"api-version"), "progenitor's api-version header is stripped: {names:?}");
    assert_eq!(request.headers["user-agent"], Client::USER_AGENT);
    assert_eq!(request.headers["accept"], "application/json");
}

#[tokio::test]
async fn email_key_auth_sends_only_its_two_headers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(header("x-auth-email", EMAIL))
        .and(header("x-auth-key", KEY))
        .respond_with(respond_json(200, envelope(&[], None)))
        .expect(1)
        .mount(&server)
        .await;

    email_key_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap();

    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("authorization").is_none());
    assert!(request.headers.get("api-version").is_none());
}

#[tokio::test]
async fn query_parameters_are_sent_and_unset_ones_omitted() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("page", "2"))
        .and(query_param("per_page", "50"))
        .and(query_param("limit", "10"))
        .and(query_param("offset", "5"))
        .respond_with(respond_json(200, envelope(&[], None)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("per_page", "5"))
        .and(query_param_is_missing("page"))
        .and(query_param_is_missing("limit"))
        .and(query_param_is_missing("offset"))
        .respond_with(respond_json(200, envelope(&[], None)))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server);
    let full = ListParams::new().page(2).per_page(50).limit(10).offset(5);
    client.list_page(ZONE, &full).await.unwrap();
    client.list_page(ZONE, &ListParams::new().per_page(5)).await.unwrap();
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(queries, ["limit=10&offset=5&page=2&per_page=50", "per_page=5"]);
}

#[tokio::test]
async fn success_false_with_status_200_is_an_api_error() {
    let body = json!({
        "success": false,
        "errors": [{"code": 1003, "message": "Invalid or missing zone id."}],
        "messages": [],
        "result": null
    });

    let err = list_error(respond_json(200, body)).await;

    assert_eq!(err.to_string(), "cloudflare api error (http 200): code 1003: Invalid or missing zone id.");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.api_errors()[0].code, 1003);
}

#[tokio::test]
async fn a_4xx_keeps_cloudflare_errors_whole() {
    let body = json!({
        "success": false,
        "errors": [
            {"code": 10000, "message": "Authentication error",
             "documentation_url": "https://developers.cloudflare.com/fundamentals/api/",
             "source": {"pointer": "/headers/authorization"}},
            {"code": 9109, "message": "Invalid access token"}
        ],
        "messages": [],
        "result": null
    });

    let err = list_error(respond_json(403, body)).await;

    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 403): code 10000: Authentication error; code 9109: Invalid access token; the request used an API token (Authorization: Bearer): check that it is valid, not expired, and allowed \"SSL and Certificates\" on this zone (Read to list and get, Edit to upload and delete)"
    );
    let ErrorKind::Api { status, errors } = err.kind() else { panic!("{err:?}") };
    assert_eq!(*status, 403);
    assert_eq!(
        errors[0].documentation_url.as_deref(),
        Some("https://developers.cloudflare.com/fundamentals/api/")
    );
    assert_eq!(errors[0].source.as_ref().unwrap().pointer.as_deref(), Some("/headers/authorization"));
    assert_eq!(errors[1].code, 9109);
}

#[tokio::test]
async fn an_html_502_is_an_error_with_status_and_short_snippet() {
    let err = list_error(ResponseTemplate::new(502).set_body_raw(HTML_502, "text/html")).await;

    assert_eq!(
        err.to_string(),
        "unexpected http 502 response: <!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head> \
         <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>cloudflare</center> </body> </html>"
    );
    assert_eq!(err.status(), Some(502));
}

#[tokio::test]
async fn a_non_json_4xx_keeps_its_status_and_a_truncated_snippet() {
    let long_page = format!("<html><body>{}</body></html>", "Too many requests. ".repeat(100));

    let err = list_error(ResponseTemplate::new(429).set_body_raw(long_page, "text/html")).await;

    let ErrorKind::UnexpectedResponse { status, snippet } = err.kind() else { panic!("{err:?}") };
    assert_eq!(*status, 429);
    assert_eq!(snippet.chars().count(), 201, "200 characters and an ellipsis");
    assert!(snippet.starts_with("<html><body>Too many requests. Too many"));
    assert!(snippet.ends_with('…'));
}

#[tokio::test]
async fn a_5xx_with_cloudflare_envelope_is_an_api_error() {
    let body = json!({"success": false, "errors": [{"code": 10001, "message": "Service unavailable"}]});

    let err = list_error(respond_json(503, body)).await;

    assert_eq!(err.to_string(), "cloudflare api error (http 503): code 10001: Service unavailable");
}

#[tokio::test]
async fn a_body_that_does_not_match_the_schema_names_the_field() {
    let mut body = envelope(&ids(1, 3), None);
    body["result"][2]["expires_on"] = json!("next tuesday");

    let err = list_error(respond_json(200, body)).await;

    assert_eq!(
        err.to_string(),
        "cannot decode the http 200 response body at `result[2].expires_on`: input contains invalid characters at line 1 column 750"
    );
    let cause = std::error::Error::source(&err).expect("the JSON error is the source").to_string();
    assert!(cause.contains("input contains invalid characters"), "{cause}");
}

#[tokio::test]
async fn unknown_status_and_unknown_fields_decode() {
    let server = server().await;
    let mut body = envelope(&ids(1, 1), Some(json!({"total_pages": 1, "cursor": "abc"})));
    body["result"][0]["status"] = json!("quarantined");
    body["result"][0]["new_field"] = json!({"nested": [1, 2]});
    body["brand_new_top_level"] = json!(true);
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(respond_json(200, body))
        .mount(&server)
        .await;

    let page = token_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap();

    assert_eq!(page.items[0].status, CertificateStatus::Unknown("quarantined".into()));
    assert_eq!(page.items[0].status.as_str(), "quarantined");
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let server = server().await; // its catch-all fails the test on any request
    let client = token_client(&server);
    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (
            client.list_page("", &ListParams::new()).await.map(drop),
            "invalid zone_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got an empty value",
        ),
        (
            client.list_page(&"a".repeat(33), &ListParams::new()).await.map(drop),
            "invalid zone_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got 33 bytes",
        ),
        (
            client.list_page(ZONE, &ListParams::new().per_page(4)).await.map(drop),
            "invalid per_page: must be between 5 and 50, got 4",
        ),
        (
            client.list_page(ZONE, &ListParams::new().per_page(51)).await.map(drop),
            "invalid per_page: must be between 5 and 50, got 51",
        ),
        (
            client.list_page(ZONE, &ListParams::new().page(0)).await.map(drop),
            "invalid page: must be 1 or more, got 0",
        ),
        (
            client.pages(ZONE, Pagination::new().per_page(100)).map(drop),
            "invalid per_page: must be between 5 and 50, got 100",
        ),
        (
            client.pages(ZONE, Pagination::new().max_pages(0)).map(drop),
            "invalid max_pages: must be 1 or more, got 0",
        ),
        (
            client.list_all("").map(drop),
            "invalid zone_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got an empty value",
        ),
    ];
    for (result, expected) in cases {
        let err = result.unwrap_err();
        assert!(err.is_invalid_input());
        assert_eq!(err.to_string(), expected);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_zone_id_that_could_leave_its_path_segment_is_refused_before_sending() {
    let server = server().await; // its catch-all fails the test on any request
    let client = token_client(&server);
    for zone in ["a/../b?x=1#", "..", ".", "..\\..", "a\\b", "%2e%2e", "a%2Fb", "a b", "zoné"] {
        let err = client.list_page(zone, &ListParams::new()).await.unwrap_err();
        assert!(err.is_invalid_input(), "{zone:?}: {err}");
        assert!(
            err.to_string().starts_with("invalid zone_id: must be 1 to 32 ASCII letters"),
            "{zone:?}: {err}"
        );
        let err = client.pages(zone, Pagination::new()).map(drop).unwrap_err();
        assert!(err.to_string().starts_with("invalid zone_id:"), "{zone:?}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_names_its_location() {
    let server = server().await;
    let other = common::server().await; // receives nothing, or the test fails
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/steal", other.uri()).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = token_client(&server).list_page(ZONE, &ListParams::new()).await.unwrap_err();

    assert_eq!(err.to_string(), format!("unexpected redirect (http 302) to {}/steal", other.uri()));
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn server_text_in_an_error_cannot_steer_a_terminal_and_stays_on_one_bounded_line() {
    let hostile = "Authentication error\u{1b}[2J\u{1b}[H\r\nforged: line\u{7}\u{202e}";
    let body = json!({"success": false, "errors": [{"code": 10000, "message": hostile}], "messages": []});
    let err = list_error(respond_json(403, body)).await;
    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 403): code 10000: Authentication error\\u{1b}[2J\\u{1b}[H forged: line\\u{7}\\u{202e}; the request used an API token (Authorization: Bearer): check that it is valid, not expired, and allowed \"SSL and Certificates\" on this zone (Read to list and get, Edit to upload and delete)"
    );
    let err = list_error(ResponseTemplate::new(502).set_body_string(format!("<html>{hostile}</html>"))).await;
    assert!(!err.to_string().chars().any(|c| c.is_control() || c == '\u{202e}'), "{err}");
    let location =
        reqwest::header::HeaderValue::from_bytes("https://x.example/\u{9b}2J\u{85}".as_bytes()).unwrap();
    let err = list_error(ResponseTemplate::new(302).insert_header("location", location)).await;
    assert!(!err.to_string().chars().any(char::is_control), "{err}");
    let mut bad_key = envelope(&ids(1, 1), None);
    bad_key["result"][0] = json!({"\u{1b}[31mred": 1});
    let err = list_error(respond_json(200, bad_key)).await;
    assert!(!err.to_string().chars().any(char::is_control), "{err}");
}

#[tokio::test]
async fn an_error_envelope_with_100000_errors_prints_a_bounded_line() {
    let errors: Vec<_> = (0..100_000)
        .map(|i| json!({"code": 20_000 + i, "message": format!("problem {i} {}", "x".repeat(210))}))
        .collect();
    let err =
        list_error(respond_json(400, json!({"success": false, "errors": errors, "messages": []}))).await;
    let text = err.to_string();
    assert!(text.starts_with("cloudflare api error (http 400): code 20000: problem 0 x"), "{}", &text[..80]);
    assert!(text.ends_with("…; and 99997 more"), "{}", &text[text.len() - 80..]);
    assert!(text.chars().count() < 800, "{}", text.chars().count());
    assert_eq!(err.api_errors().len(), 100_000, "every error is kept for the caller");
}
