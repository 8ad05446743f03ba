//! The fake Cloudflare API: pagination, auth, validation, as the client and raw HTTP see it.

use crate::support_raw_http as raw_http;

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use cloudflare_origin_trust_store::{Client, Credentials, ErrorKind, ListParams, Pagination};
use std::time::Duration;

use raw_http::{BEARER, raw, raw_http};
use serde_json::Value;

async fn raw_get(fake: &FakeCloudflare, query: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let url = format!("{}/zones/{}/acm/custom_trust_store?{query}", fake.base_url(), fake.zone_id());
    let mut request = raw_http().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn two_thousand_certificates_take_exactly_forty_requests_in_order() {
    let fake = FakeCloudflare::builder().sample_certificates(2000).start().await.unwrap();

    let all = fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap();

    assert_eq!(all, fake.certificates());
    assert_eq!(fake.request_count(), 40);
    // Page 1 first; then pages 2 to 40, each once (fetched 8 at a time, so in any order).
    let mut pages: Vec<u64> = fake
        .requests()
        .iter()
        .map(|r| {
            let query = r.query_pairs();
            assert_eq!(query.iter().find(|(k, _)| k == "per_page").unwrap().1, "50");
            query.iter().find(|(k, _)| k == "page").unwrap().1.parse().unwrap()
        })
        .collect();
    assert_eq!(pages[0], 1);
    pages.sort_unstable();
    assert_eq!(pages, (1..=40).collect::<Vec<u64>>());
}

#[tokio::test]
async fn a_walk_of_137_at_20_a_page_takes_seven_requests() {
    let fake = FakeCloudflare::builder().sample_certificates(137).start().await.unwrap();
    let client = fake.client().unwrap();

    let mut ids = Vec::new();
    let mut pages = client.pages(fake.zone_id(), Pagination::new().per_page(20)).unwrap();
    use futures_util::TryStreamExt;
    while let Some(page) = pages.try_next().await.unwrap() {
        let info = page.result_info.unwrap();
        assert_eq!((info.total_count, info.total_pages, info.per_page), (Some(137), Some(7), Some(20)));
        assert_eq!(info.count, Some(page.items.len() as u64));
        ids.extend(page.items.into_iter().map(|c| c.id));
    }

    assert_eq!(ids.len(), 137);
    assert_eq!(fake.request_count(), 7);
}

#[tokio::test]
async fn both_auth_schemes_work_and_anything_else_gets_403_code_10000() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let build =
        |credentials| Client::builder().base_url(fake.base_url()).credentials(credentials).build().unwrap();

    let by_key = build(Credentials::email_key(fake::EMAIL, fake::API_KEY));
    assert_eq!(by_key.collect_all(fake.zone_id()).await.unwrap().len(), 3);

    for (wrong, scheme) in [
        (Credentials::token("wrong"), "an API token (Authorization: Bearer)"),
        (
            Credentials::email_key(fake::EMAIL, "wrong"),
            "an email and Global API key (X-Auth-Email, X-Auth-Key)",
        ),
    ] {
        let err = build(wrong).collect_all(fake.zone_id()).await.unwrap_err();
        assert!(err.is_auth());
        assert_eq!(
            err.to_string(),
            format!(
                "cloudflare api error (http 403): code 10000: Authentication error; the request used {scheme}: \
                 check that it is valid, not expired, and allowed \"SSL and Certificates\" on this zone (Read to \
                 list and get, Edit to upload and delete)"
            )
        );
        assert!(!err.to_string().contains("wrong"), "never the value");
    }
    // No credentials, or both schemes at once, over raw HTTP.
    let (status, body) = raw_get(&fake, "", &[]).await;
    assert_eq!((status, body["errors"][0]["code"].as_u64()), (403, Some(10000)));
    let both = [BEARER, ("x-auth-email", fake::EMAIL), ("x-auth-key", fake::API_KEY)];
    let (status, body) = raw_get(&fake, "", &both).await;
    assert_eq!((status, body["success"].as_bool()), (403, Some(false)));
}

#[tokio::test]
async fn the_fake_validates_page_and_per_page_like_the_spec() {
    let fake = FakeCloudflare::builder().sample_certificates(30).start().await.unwrap();

    for (query, message) in [
        ("per_page=4", "per_page must be a whole number from 5 to 50, got \"4\""),
        ("per_page=51", "per_page must be a whole number from 5 to 50, got \"51\""),
        ("page=0", "page must be a whole number of 1 or more, got \"0\""),
        ("page=1.5", "page must be a whole number of 1 or more, got \"1.5\""),
        ("offset=-1", "offset must be a whole number of 0 or more, got \"-1\""),
    ] {
        let (status, body) = raw_get(&fake, query, &[BEARER]).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["errors"][0]["message"], message, "{query}");
        assert_eq!(body["errors"][0]["code"], 1001, "{query}");
    }
    let (status, body) = raw_get(&fake, "", &[BEARER]).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"].as_array().unwrap().len(), 20, "Cloudflare's default per_page");
    assert_eq!(body["result_info"]["total_pages"], 2);
}

#[tokio::test]
async fn limit_and_offset_select_before_paging() {
    let fake = FakeCloudflare::builder().sample_certificates(30).start().await.unwrap();
    let all = fake.certificates();

    let page = fake
        .client()
        .unwrap()
        .list_page(fake.zone_id(), &ListParams::new().offset(3).limit(12).per_page(5).page(3))
        .await
        .unwrap();

    assert_eq!(page.items, all[13..15].to_vec());
    let info = page.result_info.unwrap();
    assert_eq!((info.total_count, info.total_pages, info.count), (Some(12), Some(3), Some(2)));
}

#[tokio::test]
async fn another_zone_is_a_404_with_code_7003() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();

    let err = fake.client().unwrap().collect_all("ffffffffffffffffffffffffffffffff").await.unwrap_err();

    let ErrorKind::Api { status, errors } = err.kind() else { panic!("{err:?}") };
    assert_eq!((*status, errors[0].code), (404, 7003));
}

#[tokio::test]
async fn recorded_requests_redact_credentials_in_debug() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap();

    let request = &fake.requests()[0];
    assert_eq!(request.header("Authorization"), Some("Bearer fake-token-0123456789"));
    let shown = format!("{request:?} {fake:?}");
    assert!(!shown.contains(fake::TOKEN), "{shown}");
}

#[tokio::test]
async fn the_official_sdks_walk_takes_101_requests_for_the_same_2000() {
    // Their walk: Cloudflare's default 20 a page, page + 1 until a page comes back empty.
    let fake = FakeCloudflare::builder().sample_certificates(2000).start().await.unwrap();
    let client = fake.client().unwrap();
    let mut seen = 0;
    for page in 1.. {
        let items = client.list_page(fake.zone_id(), &ListParams::new().page(page)).await.unwrap().items;
        if items.is_empty() {
            break;
        }
        seen += items.len();
    }
    assert_eq!(seen, 2000);
    assert_eq!(fake.request_count(), 101);
}

#[tokio::test]
async fn sample_certificates_are_real_root_cas_matching_their_listed_fields() {
    let samples = fake::sample_certificates(12);
    let mut fingerprints = std::collections::HashSet::new();
    for (i, sample) in samples.iter().enumerate() {
        let details = cloudflare_origin_trust_store::check_root_ca(&sample.certificate, chrono::Utc::now())
            .unwrap_or_else(|problem| panic!("sample {i}: {problem}"));
        assert_eq!(details.subject, format!("CN={} #{i}", sample.issuer));
        assert_eq!(details.not_after, sample.expires_on);
        assert_eq!(details.signature_algorithm, sample.signature);
        assert!(fingerprints.insert(details.sha256_fingerprint), "sample {i} is distinct");
    }
    assert_eq!(fake::sample_certificates(12), samples, "the same index gives the same certificate");
}

#[tokio::test]
async fn an_upload_turns_active_and_a_delete_leaves_as_the_transitions_say() {
    use cloudflare_origin_trust_store::CertificateStatus::{Active, PendingDeletion, PendingDeployment};
    use cloudflare_origin_trust_store::fake::Transition;
    let root = fake::sample_certificates(1).remove(0).certificate;
    for (activation, seen) in [
        (Transition::Immediately, vec![Active, Active]),
        (Transition::AfterReads(2), vec![PendingDeployment, PendingDeployment, Active]),
        (Transition::Never, vec![PendingDeployment, PendingDeployment, PendingDeployment]),
    ] {
        let fake = FakeCloudflare::builder().activation(activation).start().await.unwrap();
        let client = fake.client().unwrap();
        let uploaded = client.upload_unchecked(fake.zone_id(), &root).await.unwrap();
        assert_eq!(uploaded.status, PendingDeployment);
        let mut statuses = Vec::new();
        for read in 0..seen.len() {
            // Reads alternate between a get and a list: both count.
            let status = if read % 2 == 0 {
                client.get(fake.zone_id(), &uploaded.id).await.unwrap().status
            } else {
                client.collect_all(fake.zone_id()).await.unwrap()[0].status.clone()
            };
            statuses.push(status);
        }
        assert_eq!(statuses, seen, "{activation:?}");
    }

    let fake = FakeCloudflare::builder()
        .certificates(fake::sample_certificates(2))
        .deletion(Transition::AfterReads(2))
        .start()
        .await
        .unwrap();
    let client = fake.client().unwrap();
    let id = fake.certificates()[0].id.clone();
    client.delete(fake.zone_id(), &id).await.unwrap();
    for _ in 0..2 {
        let listed = client.collect_all(fake.zone_id()).await.unwrap();
        assert_eq!((listed.len(), &listed[0].status), (2, &PendingDeletion));
    }
    assert_eq!(client.collect_all(fake.zone_id()).await.unwrap().len(), 1, "gone after two reads");
}

#[tokio::test(start_paused = true)]
async fn a_timed_activation_ends_when_its_time_has_passed() {
    use cloudflare_origin_trust_store::fake::Transition;
    let fake = FakeCloudflare::builder()
        .activation(Transition::After(Duration::from_secs(30)))
        .start()
        .await
        .unwrap();
    let client = fake.client().unwrap();
    let uploaded =
        client.upload_unchecked(fake.zone_id(), &fake::sample_certificates(1)[0].certificate).await.unwrap();
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(fake.certificates()[0].status.as_str(), "pending_deployment");
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(client.get(fake.zone_id(), &uploaded.id).await.unwrap().status.as_str(), "active");
}

#[tokio::test]
async fn fault_rules_see_method_path_page_and_attempt() {
    let fake = FakeCloudflare::builder().sample_certificates(60).start().await.unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    fake.set_faults(move |request| {
        record.lock().unwrap().push((
            request.method.clone(),
            request.path.clone(),
            request.page,
            request.attempt,
        ));
        None
    });
    let client = fake.client().unwrap();
    client.collect_all(fake.zone_id()).await.unwrap();
    client.get(fake.zone_id(), &fake.certificates()[0].id).await.unwrap();
    client.list_page(fake.zone_id(), &ListParams::new().page(2)).await.unwrap();
    let list = format!("/zones/{}/acm/custom_trust_store", fake.zone_id());
    let item = format!("{list}/{}", fake.certificates()[0].id);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("GET".to_owned(), list.clone(), 1, 1),
            ("GET".to_owned(), list.clone(), 2, 1),
            ("GET".to_owned(), item, 1, 1),
            ("GET".to_owned(), list, 2, 2),
        ]
    );
}

#[tokio::test]
async fn paths_the_fake_does_not_serve_get_code_7000_and_no_store_is_touched() {
    let fake = FakeCloudflare::builder().sample_certificates(2).start().await.unwrap();
    let zone = fake.zone_id();
    for path in [
        format!("/zones/{zone}/acm/custom_trust_store/a/b"),
        format!("/zones/{zone}/acm/custom_trust_store/"),
        format!("/zones/{zone}/acm"),
        format!("/zones/{zone}"),
        "/zones/".to_owned(),
        "/".to_owned(),
        "/zones//acm/custom_trust_store".to_owned(),
        format!("/accounts/{zone}/acm/custom_trust_store"),
    ] {
        let (status, _, body) = raw(&fake, "DELETE", &path).await;
        assert_eq!((status, body["errors"][0]["code"].as_u64()), (404, Some(7000)), "{path}");
    }
    assert_eq!(fake.certificates().len(), 2);
    let (status, _, body) = raw(&fake, "PATCH", "/zones").await;
    assert_eq!((status, body["errors"][0]["code"].as_u64()), (405, Some(10405)));
}

/// Sends `head` and then `body` over a plain TCP connection and returns what the fake answered
/// (or nothing, if it closed the connection first), reading for at most 10 s.
async fn raw_tcp(fake: &FakeCloudflare, head: String, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The fake may close before the whole body is written: that is its answer.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the fake neither answered nor closed within 10 s");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_413_unread_and_nothing_is_stored() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let path = format!("/client/v4/zones/{}/acm/custom_trust_store", fake.zone_id());
    let over = fake::MAX_REQUEST_BODY_BYTES as usize + 1;
    // Declared too large (sent or not), and chunked past the limit without a declared length.
    let declared = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\n{}: {}\r\ncontent-type: application/json\r\ncontent-length: {over}\r\n\r\n",
        BEARER.0, BEARER.1
    );
    let huge_declared = declared.replace(&format!("content-length: {over}"), "content-length: 400000000");
    let chunked = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\n{}: {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        BEARER.0, BEARER.1
    );
    let mut chunks = Vec::new();
    for _ in 0..(over / 65_536 + 2) {
        chunks.extend_from_slice(format!("{:x}\r\n", 65_536).as_bytes());
        chunks.extend(std::iter::repeat_n(b'x', 65_536));
        chunks.extend_from_slice(b"\r\n");
    }
    chunks.extend_from_slice(b"0\r\n\r\n");
    let cases: [(&str, String, Vec<u8>); 3] = [
        ("declared one byte over", declared, vec![b'x'; over]),
        ("declared 400 MB, not sent", huge_declared, Vec::new()),
        ("chunked past the limit", chunked, chunks),
    ];
    for (what, head, body) in cases {
        let answer = raw_tcp(&fake, head, &body).await;
        assert!(answer.starts_with("HTTP/1.1 413 "), "{what}: {answer:.200}");
        assert!(answer.contains(&format!("larger than {} bytes", fake::MAX_REQUEST_BODY_BYTES)), "{what}");
    }
    assert!(fake.certificates().is_empty());
    assert_eq!(fake.request_count(), 3);
    assert!(fake.requests().iter().all(|r| r.body.is_empty()), "no oversized body is kept");

    // A body within the limit is read and answered as usual (here: not a certificate).
    let (status, _, _) =
        raw(&fake, "GET", &format!("/zones/{}/acm/custom_trust_store", fake.zone_id())).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_record_keeps_the_most_recent_requests_and_counts_them_all() {
    let fake = FakeCloudflare::builder().max_recorded(5).start().await.unwrap();
    let client = fake.client().unwrap();
    for page in 1..=12 {
        client.list_page(fake.zone_id(), &ListParams::new().page(page)).await.unwrap();
    }
    assert_eq!(fake.request_count(), 12);
    let pages: Vec<String> = fake.requests().iter().map(|r| r.query.clone().unwrap()).collect();
    assert_eq!(pages, ["page=8", "page=9", "page=10", "page=11", "page=12"]);

    let fake = FakeCloudflare::builder().max_recorded(0).start().await.unwrap();
    fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap();
    assert_eq!((fake.request_count(), fake.requests().len()), (1, 0));
}

#[tokio::test]
async fn connections_that_send_no_request_are_closed_after_the_header_timeout() {
    let fake =
        FakeCloudflare::builder().header_read_timeout(Duration::from_millis(200)).start().await.unwrap();
    for (what, head) in [
        ("silent", String::new()),
        ("a request line, then nothing", "GET /client/v4/zones HTTP/1.1\r\n".to_owned()),
        ("half a header", "GET /client/v4/zones HTTP/1.1\r\nhost: exa".to_owned()),
    ] {
        let answer = raw_tcp(&fake, head, &[]).await;
        assert!(!answer.contains("200 OK"), "{what}: {answer}");
    }
    assert_eq!(fake.request_count(), 0);
    // The fake still serves.
    assert!(fake.client().unwrap().collect_all(fake.zone_id()).await.unwrap().is_empty());
}
