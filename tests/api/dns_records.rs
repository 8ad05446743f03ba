//! List DNS Records through the client, and the origins a zone's proxied records give.

use cloudflare_origin_trust_store::Pagination;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use futures_util::TryStreamExt;

async fn fake() -> FakeCloudflare {
    let mut builder = FakeCloudflare::builder()
        .dns_record("A", "www.example.com", "127.0.0.1", true)
        .dns_record("A", "www.example.com", "127.0.0.2", true)
        .dns_record("AAAA", "v6.example.com", "::1", true)
        .dns_record("CNAME", "app.example.com", "localhost.", true)
        .dns_record("A", "*.example.com", "127.0.0.3", true)
        .dns_record("A", "grey.example.com", "127.0.0.4", false)
        .dns_record("TXT", "example.com", "v=spf1 -all", false);
    for i in 0..110 {
        builder = builder.dns_record("A", &format!("grey{i}.example.com"), "127.0.0.5", false);
    }
    builder.start().await.unwrap()
}

#[tokio::test]
async fn every_page_of_dns_records_is_walked_and_proxied_filters_them() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let all: Vec<_> = client
        .dns_records(fake.zone_id(), None, Pagination::default())
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 117);
    let proxied: Vec<_> = client
        .dns_records(fake.zone_id(), Some(true), Pagination::default())
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = proxied.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["www.example.com", "www.example.com", "v6.example.com", "app.example.com", "*.example.com"]
    );
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.path, r.query.clone().unwrap_or_default()))
        .collect();
    let path = format!("/client/v4/zones/{}/dns_records ", fake.zone_id());
    assert!(sent.iter().all(|line| line.starts_with(&path)), "{sent:?}");
    // 117 records at 50 a page: 3 pages; the proxied ones fit in one.
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(sent[3].contains("proxied=true"), "{sent:?}");
}

#[tokio::test]
async fn origins_from_dns_are_name_at_content_and_wildcards_are_listed_as_not_probeable() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let found = client.origins_from_dns(fake.zone_id(), 443).await.unwrap();
    let origins: Vec<String> = found.origins.iter().map(ToString::to_string).collect();
    assert_eq!(
        origins,
        [
            "app.example.com@localhost",
            "v6.example.com@[::1]",
            "www.example.com@127.0.0.1",
            "www.example.com@127.0.0.2"
        ]
    );
    assert_eq!(found.not_probeable.len(), 1);
    assert_eq!(found.not_probeable[0].name, "*.example.com");
    assert!(found.not_probeable[0].reason.starts_with("a wildcard name"));
    let on_8443 = client.origins_from_dns(fake.zone_id(), 8443).await.unwrap();
    assert_eq!(on_8443.origins[0].to_string(), "app.example.com@localhost:8443");
    let before = fake.request_count();
    let err = client.origins_from_dns(fake.zone_id(), 0).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    for bad in ["../x", "a/b", "zone id", "%2e%2e", "é"] {
        let err = client.origins_from_dns(bad, 443).await.unwrap_err();
        assert!(err.is_invalid_input(), "{bad}: {err:?}");
    }
    assert_eq!(fake.request_count(), before, "nothing sent for a bad port or zone id");
}

#[tokio::test]
async fn a_token_without_dns_read_is_told_so() {
    let fake = fake().await;
    fake.set_faults(|request| {
        request.path.ends_with("/dns_records").then(|| Fault::api_error(403, 10000, "Authentication error"))
    });
    let client = fake.client().unwrap();
    let err = client.origins_from_dns(fake.zone_id(), 443).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("allowed \"DNS Read\" on this zone (to find its origins in its proxied records)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_zone_the_fake_does_not_serve_has_no_dns_records() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let err = client
        .dns_records("0123456789abcdef0123456789abcdef", None, Pagination::default())
        .unwrap()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let error = &err.api_errors()[0];
    assert_eq!(
        (err.status(), error.code, error.message.as_str()),
        (
            Some(404),
            7003,
            "Could not route to /zones/0123456789abcdef0123456789abcdef/dns_records, perhaps your object identifier is invalid?"
        )
    );
}
