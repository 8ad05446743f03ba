//! Upload, get and delete against the fake and wiremock: round trips, retries, ids, and every
//! answer the official definition allows. The local checks of an upload: `certificate_checks.rs`.

use crate::common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{CertificateStatus, Error, ErrorKind, Jitter, ListParams, RetryPolicy};
use common::certs;

async fn fake() -> FakeCloudflare {
    FakeCloudflare::builder().sample_certificates(3).start().await.unwrap()
}

#[tokio::test]
async fn upload_get_list_delete_round_trip() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let pem = certs::root("Round Trip Root CA");
    let with_text =
        format!("Subject: CN=Round Trip Root CA\nsome openssl -text output\n{pem}trailing notes\n");

    let uploaded = client.upload(fake.zone_id(), &with_text).await.unwrap();

    assert_eq!(uploaded.issuer, "Round Trip Root CA");
    assert_eq!(uploaded.status, CertificateStatus::PendingDeployment);
    assert_eq!(uploaded.expires_on, Utc.with_ymd_and_hms(2060, 1, 1, 0, 0, 0).unwrap());
    let sent: serde_json::Value = serde_json::from_slice(&fake.requests()[0].body).unwrap();
    assert_eq!(sent, serde_json::json!({ "certificate": pem }), "only the clean PEM block is sent");
    assert_eq!(fake.requests()[0].method, "POST");

    // The fake's default life of a certificate: one read shows the pending status, the next the
    // final one.
    let got = client.get(fake.zone_id(), &uploaded.id).await.unwrap();
    assert_eq!(got, uploaded, "the first read: still pending_deployment");
    let all = client.collect_all(fake.zone_id()).await.unwrap();
    assert_eq!(all.len(), 4);
    let listed = all.iter().find(|c| c.id == uploaded.id).unwrap();
    assert_eq!(listed.status, CertificateStatus::Active, "the second read: active");
    assert_eq!((&listed.certificate, listed.expires_on), (&uploaded.certificate, uploaded.expires_on));

    assert_eq!(client.delete(fake.zone_id(), &uploaded.id).await.unwrap(), uploaded.id);
    assert_eq!(
        client.delete(fake.zone_id(), &uploaded.id).await.unwrap(),
        uploaded.id,
        "deleting again is fine"
    );
    let deleting = client.get(fake.zone_id(), &uploaded.id).await.unwrap();
    assert_eq!(deleting.status, CertificateStatus::PendingDeletion);
    let err = client.get(fake.zone_id(), &uploaded.id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.api_errors()[0].code, 1404);
    let err = client.delete(fake.zone_id(), &uploaded.id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        fake.requests().iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        ["POST", "GET", "GET", "DELETE", "DELETE", "GET", "GET", "DELETE"]
    );
}

#[tokio::test]
async fn an_upload_is_retried_on_429_but_not_on_5xx() {
    let retry = RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none());
    let fake = fake().await;
    let client = fake.client_builder().retry(retry).build().unwrap();
    fake.set_faults(|r| (r.index == 1).then(|| Fault::rate_limited("0")));

    client.upload(fake.zone_id(), &certs::root("Rate Limited Root")).await.unwrap();
    assert_eq!(fake.request_count(), 2, "a 429 proves the upload was not processed: retried");

    fake.set_faults(|r| (r.index == 3).then(|| Fault::html(503, 0)));
    let err = client.upload(fake.zone_id(), &certs::root("Unlucky Root")).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), 1, "a 503 may have been processed: not retried");
    assert_eq!(fake.request_count(), 3);

    // A GET with the same fault is retried.
    fake.set_faults(|r| (r.index == 4).then(|| Fault::html(503, 0)));
    let id = fake.certificates()[0].id.clone();
    client.get(fake.zone_id(), &id).await.unwrap();
    assert_eq!(fake.request_count(), 5);

    // A body cut after the head: the upload was processed, so it is not sent again; a GET is.
    fake.set_faults(|r| (r.method == "POST").then_some(Fault::CutBody));
    let err = client.upload(fake.zone_id(), &certs::root("Cut Root")).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{err:?}");
    assert_eq!(fake.request_count(), 6);
    assert_eq!(fake.certificates().len(), 5, "the upload was stored before the answer was cut");
    fake.set_faults(|r| (r.index == 7).then_some(Fault::CutBody));
    client.get(fake.zone_id(), &id).await.unwrap();
    assert_eq!(fake.request_count(), 8, "the cut GET, then its retry");
}

#[tokio::test]
async fn a_duplicate_upload_gets_cloudflares_error() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let pem = certs::root("Twice Root");
    client.upload(fake.zone_id(), &pem).await.unwrap();

    let err = client.upload(fake.zone_id(), &pem).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 400): code 1003: This certificate is already in the trust store"
    );
}

#[tokio::test]
async fn ids_are_checked_before_sending() {
    let fake = fake().await;
    let client = fake.client().unwrap();

    for result in [
        client.get(fake.zone_id(), "").await.map(drop),
        client.delete(fake.zone_id(), &"f".repeat(256)).await.map(drop),
    ] {
        let err = result.unwrap_err();
        assert!(
            err.to_string().starts_with("invalid certificate_id: must be 1 to 255 ASCII letters"),
            "{err}"
        );
    }
    let err = client.get("", "abc").await.unwrap_err();
    assert!(err.to_string().starts_with("invalid zone_id: must be 1 to 32 ASCII letters"), "{err}");
    assert_eq!(fake.request_count(), 0);
}

/// Ids that a URL parser would turn into another path (dot segments, `\\` read as `/`), that an
/// encoder might leave alone, or that are simply not ids: each refused, for every operation, with
/// zero requests sent.
const HOSTILE_IDS: &[&str] = &[
    ".",
    "..",
    "...",
    "..\\..",
    "a\\b",
    "\\",
    "/",
    "a/b",
    "../../x",
    "%2e%2e",
    "%2F",
    "%",
    "a b",
    " ",
    "a\tb",
    "a\nb",
    "\u{1b}[2J",
    "\0",
    "é",
    "ｆｕｌｌ",
    "a\u{202e}b",
    "a?b",
    "a#b",
    "a;b",
    "a:b",
    "a.b",
    ".hidden",
    "~",
    "+",
    "a@b",
    OVERLONG_ID,
];

/// Longer than any id: refused as a zone's and as a certificate's.
const OVERLONG_ID: &str = concat!(
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef",
    "0123456789abcdef"
);

#[tokio::test]
async fn hostile_ids_are_refused_by_every_operation_and_nothing_is_sent() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let zone = fake.zone_id();
    let root = certs::root("Hostile Id Root CA");
    for &id in HOSTILE_IDS {
        let results: Vec<(&str, Result<(), Error>)> = vec![
            ("certificate_id", client.get(zone, id).await.map(drop)),
            ("certificate_id", client.delete(zone, id).await.map(drop)),
            ("zone_id", client.get(id, "abc").await.map(drop)),
            ("zone_id", client.delete(id, "abc").await.map(drop)),
            ("zone_id", client.upload(id, &root).await.map(drop)),
            ("zone_id", client.upload_unchecked(id, &root).await.map(drop)),
            (
                "zone_id",
                client.list_page(id, &cloudflare_origin_trust_store::ListParams::new()).await.map(drop),
            ),
            ("zone_id", client.list_all(id).map(drop)),
            ("zone_id", client.collect_all(id).await.map(drop)),
        ];
        for (parameter, result) in results {
            let err = result.unwrap_err();
            assert!(err.is_invalid_input(), "{id:?}: {err}");
            assert!(err.to_string().starts_with(&format!("invalid {parameter}: ")), "{id:?}: {err}");
        }
    }
    assert_eq!(fake.request_count(), 0, "{:?}", fake.requests());
    assert_eq!(fake.certificates().len(), 3, "nothing was deleted");
}

#[tokio::test]
async fn a_domain_name_given_as_zone_id_gets_a_hint() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    for name in ["example.com", "www.example.co.uk", "example.com."] {
        let err = client.get(name, "abc").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid zone_id: {name:?} looks like a domain name, but a zone id is expected (32 hex characters, shown on the zone's Overview page in the dashboard); to go by name, use Client::zone_id or the CLI's --zone"
            )
        );
    }
    let err = client.get(fake.zone_id(), "example.com").await.unwrap_err();
    assert!(!err.to_string().contains("domain"), "only a zone id gets the hint: {err}");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_delete_answer_naming_another_id_is_an_error() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let server = common::server().await;
    let asked = "ca000000000000000000000000000001";
    Mock::given(method("DELETE"))
        .and(path(format!("{}/{asked}", common::LIST_PATH)))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "success": true, "errors": [], "messages": [], "result": {"id": "ca000000000000000000000000000002"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = common::token_client(&server).delete(common::ZONE, asked).await.unwrap_err();
    assert!(
        matches!(&err.kind(), ErrorKind::IdMismatch { operation: "delete", requested, returned }
        if requested == asked && returned == "ca000000000000000000000000000002"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the delete answer names certificate \"ca000000000000000000000000000002\", not the requested \"ca000000000000000000000000000001\""
    );
}

/// A wiremock server answering `DELETE` of certificate `ID` (and `POST` of an upload) with `template`.
async fn answering(method_name: &str, template: wiremock::ResponseTemplate) -> wiremock::MockServer {
    use wiremock::matchers::method;
    let server = common::server().await;
    wiremock::Mock::given(method(method_name)).respond_with(template).expect(1).mount(&server).await;
    server
}

const ID: &str = "ca000000000000000000000000000001";

#[tokio::test]
async fn every_delete_answer_the_official_definition_allows_is_a_success() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    let envelope = |result: Option<serde_json::Value>| {
        let mut body = json!({"success": true, "errors": [], "messages": []});
        if let Some(result) = result {
            body["result"] = result;
        }
        body
    };
    for (case, template) in [
        ("result {id}", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({"id": ID}))))),
        ("result {}", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({}))))),
        ("result null", ResponseTemplate::new(200).set_body_json(envelope(Some(json!(null))))),
        ("no result", ResponseTemplate::new(200).set_body_json(envelope(None))),
        ("202 accepted", ResponseTemplate::new(202).set_body_json(envelope(Some(json!({"id": ID}))))),
        ("204 no content", ResponseTemplate::new(204)),
        (
            "errors and messages null",
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "errors": null, "messages": null})),
        ),
    ] {
        let server = answering("DELETE", template).await;
        let deleted = common::token_client(&server).delete(common::ZONE, ID).await;
        assert_eq!(deleted.unwrap_or_else(|e| panic!("{case}: {e}")), ID, "{case}");
    }
    let server =
        answering("DELETE", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({"id": 7}))))).await;
    let err = common::token_client(&server).delete(common::ZONE, ID).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Decode { .. }),
        "an id that is not a string is not an id: {err:?}"
    );
}

#[tokio::test]
async fn an_upload_answered_with_any_2xx_and_a_valid_envelope_succeeds() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    let pem = certs::root("Any 2xx Root");
    for status in [200, 201, 202] {
        // The answer describes the certificate uploaded, as Cloudflare's does.
        let mut result = common::certificate(ID);
        result["certificate"] = pem.clone().into();
        let body = json!({"success": true, "errors": [], "messages": [], "result": result});
        let server = answering("POST", ResponseTemplate::new(status).set_body_json(body)).await;
        let uploaded = common::token_client(&server).upload(common::ZONE, &pem).await;
        assert_eq!(uploaded.unwrap().id, ID, "{status}");
    }
}

#[tokio::test]
async fn null_or_malformed_messages_never_fail_a_page_and_malformed_errors_keep_their_text() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    let page = |messages: serde_json::Value| json!({"success": true, "errors": null, "messages": messages, "result": [common::certificate(ID)]});
    for messages in [
        json!(null),
        json!([]),
        json!([{"code": 1000, "message": "fine"}, {"foo": 1}, "text", 7, {"code": "x", "message": 2}]),
        json!("one string"),
        json!({"code": 1001}),
    ] {
        let server = answering("GET", ResponseTemplate::new(200).set_body_json(page(messages.clone()))).await;
        let listed = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await;
        let listed = listed.unwrap_or_else(|e| panic!("{messages}: {e}"));
        assert_eq!(listed.items.len(), 1, "{messages}");
        if messages.is_array() && messages.as_array().unwrap().len() == 5 {
            let kept: Vec<(i64, &str)> =
                listed.messages.iter().map(|m| (m.code, m.message.as_str())).collect();
            assert_eq!(
                kept,
                [
                    (1000, "fine"),
                    (0, "{\"foo\":1}"),
                    (0, "\"text\""),
                    (0, "7"),
                    (0, "{\"code\":\"x\",\"message\":2}")
                ]
            );
        }
    }
    let failure = json!({"success": false, "errors": [{"code": "9109", "message": ["Unauthorized"]}], "messages": null});
    let server = answering("GET", ResponseTemplate::new(403).set_body_json(failure)).await;
    let err = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 403): code 0: {\"code\":\"9109\",\"message\":[\"Unauthorized\"]}; the request \
         used an API token (Authorization: Bearer): check that it is valid, not expired, and allowed \"SSL and \
         Certificates\" on this zone (Read to list and get, Edit to upload and delete)"
    );
    let server =
        answering("GET", ResponseTemplate::new(400).set_body_json(json!({"success": false, "errors": null})))
            .await;
    let err = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await.unwrap_err();
    assert_eq!(err.to_string(), "cloudflare api error (http 400): no error details");
}

#[tokio::test]
async fn a_certificate_id_longer_than_documented_is_listed_got_and_deleted() {
    // Cloudflare's own SDK tests use 36-character UUIDs for this resource's ids.
    let fake = fake().await;
    let client = fake.client().unwrap();
    let mut store = fake.certificates();
    let ids = ["0d0e3b1d-5b5f-4f2a-9a3e-6c1e1f0a2b3c", "0123456789abcdef0123456789abcdef0", &"a".repeat(255)];
    for (certificate, id) in store.iter_mut().zip(ids) {
        certificate.id = id.to_owned();
    }
    fake.set_certificates(store);
    let listed = client.collect_all(fake.zone_id()).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ids, "the page holds them all");
    for id in ids {
        assert_eq!(client.get(fake.zone_id(), id).await.unwrap().id, id);
        cloudflare_origin_trust_store::CustomTrustStore::check_id(id).unwrap();
        assert_eq!(client.delete(fake.zone_id(), id).await.unwrap(), id);
        // A zone id stays at most 32 characters.
        let err = client.get(id, "abc").await.unwrap_err();
        assert!(err.to_string().starts_with("invalid zone_id: must be 1 to 32"), "{err}");
    }
    assert!(client.get(fake.zone_id(), &"a".repeat(256)).await.unwrap_err().is_invalid_input());
}
