//! The fake's zones: List Zones (filters, pages), a zone without the trust store, and its request
//! budget, as raw HTTP sees them.

use crate::support_raw_http as raw_http;

use cloudflare_origin_trust_store::fake::FakeCloudflare;
use std::time::Duration;

use raw_http::raw;
use serde_json::Value;

#[tokio::test]
async fn zones_are_listed_filtered_and_paged_like_cloudflare() {
    use cloudflare_origin_trust_store::fake::FakeZone;
    let zone = |i: usize| FakeZone::new(format!("{i:032x}"), format!("site{i}.example.org"));
    let fake = FakeCloudflare::builder()
        .zone(zone(1))
        .zone(zone(2).status("pending"))
        .zone(zone(3).account("a".repeat(32), "Other Account"))
        .zone(FakeZone::new("f".repeat(32), "Shop.Example.NET"))
        .start()
        .await
        .unwrap();
    let names = |body: &Value| -> Vec<String> {
        body["result"].as_array().unwrap().iter().map(|z| z["name"].as_str().unwrap().to_owned()).collect()
    };
    let (status, _, all) = raw(&fake, "GET", "/zones").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&all),
        ["example.com", "site1.example.org", "site2.example.org", "site3.example.org", "Shop.Example.NET"]
    );
    assert_eq!(all["result_info"]["total_count"], 5);
    let first = &all["result"][0];
    for field in [
        "id",
        "name",
        "development_mode",
        "owner",
        "account",
        "meta",
        "name_servers",
        "original_name_servers",
        "original_registrar",
        "original_dnshost",
        "created_on",
        "modified_on",
        "activated_on",
        "plan",
    ] {
        assert!(first.get(field).is_some(), "a required zone field is missing: {field}");
    }
    for (query, expected) in [
        ("?name=site2.example.org", vec!["site2.example.org"]),
        ("?name=SITE2.example.org", vec!["site2.example.org"]),
        ("?name=shop.example.net", vec!["Shop.Example.NET"]),
        ("?name=contains:site", vec!["site1.example.org", "site2.example.org", "site3.example.org"]),
        ("?name=ends_with:.net", vec!["Shop.Example.NET"]),
        ("?name=starts_with_case_sensitive:shop", vec![]),
        ("?name=not_equal:example.com&status=active&account.id=".to_owned().as_str(), vec![]),
        ("?status=pending", vec!["site2.example.org"]),
        (&format!("?account.id={}", "a".repeat(32)), vec!["site3.example.org"]),
        ("?per_page=5&page=1&name=nothing.example", vec![]),
    ] {
        let (status, _, body) = raw(&fake, "GET", &format!("/zones{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(names(&body), expected, "{query}");
    }
    let (_, _, paged) = raw(&fake, "GET", "/zones?per_page=5&page=2").await;
    assert_eq!((names(&paged).len(), paged["result_info"]["total_pages"].as_u64()), (0, Some(1)));
    for bad in ["?per_page=4", "?page=0", "?status=paused", "?name=regex:.*"] {
        let (status, _, body) = raw(&fake, "GET", &format!("/zones{bad}")).await;
        assert_eq!((status, body["errors"][0]["code"].as_u64()), (400, Some(1001)), "{bad}");
    }
}

#[tokio::test]
async fn a_zone_without_the_trust_store_answers_404_code_7003() {
    use cloudflare_origin_trust_store::fake::FakeZone;
    let fake = FakeCloudflare::builder()
        .zone(FakeZone::new("b".repeat(32), "free.example").without_trust_store())
        .start()
        .await
        .unwrap();
    let err = fake.client().unwrap().collect_all(&"b".repeat(32)).await.unwrap_err();
    assert_eq!((err.status(), err.api_errors()[0].code), (Some(404), 7003));
}

#[tokio::test]
async fn past_its_budget_the_fake_answers_429_with_retry_after_and_ratelimit_headers_always() {
    let fake = FakeCloudflare::builder().rate_limit(3, Duration::from_secs(60)).start().await.unwrap();
    let path = format!("/zones/{}/acm/custom_trust_store", fake.zone_id());
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (status, headers, _) = raw(&fake, "GET", &path).await;
        let header = |name: &str| headers.iter().find(|(key, _)| key == name).map(|(_, v)| v.clone());
        seen.push((
            status,
            header("ratelimit").unwrap(),
            header("ratelimit-policy").unwrap(),
            header("retry-after"),
        ));
    }
    let policy = "\"default\";q=3;w=60".to_owned();
    assert_eq!(seen[0], (200, "\"default\";r=2;t=60".to_owned(), policy.clone(), None));
    assert_eq!(seen[2].0, 200);
    assert!(seen[2].1.starts_with("\"default\";r=0;t="), "{:?}", seen[2]);
    assert_eq!(seen[3].0, 429);
    assert_eq!(seen[3].3.as_deref(), Some("60"));
    assert_eq!(fake.rate_limited_count(), 1);
    assert_eq!(fake.request_count(), 4, "the refused request is recorded too");
}
