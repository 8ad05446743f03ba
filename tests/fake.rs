//! The fake Cloudflare API: pagination, auth, validation, as the client and raw HTTP see it.

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use cloudflare_origin_trust_store::{Client, Credentials, Error, ListParams, Pagination};
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

/// A plain reqwest client, for raw HTTP to the fake. With the `rustls` feature, reqwest is built
/// without a default crypto provider (the crate sets ring on its own clients), so one is installed
/// for this process.
fn raw_http() -> reqwest::Client {
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

const BEARER: (&str, &str) = ("authorization", "Bearer fake-token-0123456789");

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

    for wrong in [Credentials::token("wrong"), Credentials::email_key(fake::EMAIL, "wrong")] {
        let err = build(wrong).collect_all(fake.zone_id()).await.unwrap_err();
        assert_eq!(err.to_string(), "cloudflare api error (http 403): code 10000: Authentication error");
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

    let Error::Api { status, errors } = &err else { panic!("{err:?}") };
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
