//! Zones: the lazy List Zones walk, a zone's id from its name, and the client's request budget.

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeZone, Fault};
use cloudflare_origin_trust_store::{ErrorKind, Pagination, ZoneFilter, ZoneStatus};
use futures_util::TryStreamExt;
use serde_json::json;

fn zone(i: usize) -> FakeZone {
    FakeZone::new(format!("{i:032x}"), format!("site{i}.example.org"))
}

async fn fake_with_zones(count: usize) -> FakeCloudflare {
    let mut builder = FakeCloudflare::builder();
    for i in 1..=count {
        builder = builder.zone(zone(i));
    }
    builder.start().await.unwrap()
}

#[tokio::test]
async fn zones_are_walked_lazily_with_the_walks_guarantees_and_filters() {
    let fake = fake_with_zones(120).await;
    let client = fake.client().unwrap();
    let zones: Vec<_> =
        client.zones(&ZoneFilter::new(), Pagination::new()).unwrap().items().try_collect().await.unwrap();
    assert_eq!(zones.len(), 121);
    assert_eq!(fake.request_count(), 3, "50 + 50 + 21, no request for an empty page");
    assert_eq!(zones[1].name, "site1.example.org");
    assert_eq!(zones[1].status, Some(ZoneStatus::Active));
    assert_eq!(zones[1].account.as_ref().unwrap().name.as_deref(), Some("Example Account"));
    assert!(zones[1].extra.contains_key("plan"), "fields not modelled are kept");
    let queries: Vec<Option<String>> = fake.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries[0].as_deref(), Some("page=1&per_page=50"));

    let filter = ZoneFilter::new().name("SITE7.example.org").status(ZoneStatus::Active);
    let found: Vec<_> =
        client.zones(&filter, Pagination::new()).unwrap().items().try_collect().await.unwrap();
    assert_eq!(found.iter().map(|z| z.name.as_str()).collect::<Vec<_>>(), ["site7.example.org"]);
    let last = fake.requests().last().unwrap().query_pairs();
    assert!(
        last.contains(&("name".into(), "SITE7.example.org".into()))
            && last.contains(&("status".into(), "active".into())),
        "{last:?}"
    );

    let before = fake.request_count();
    for (filter, message) in [
        (
            ZoneFilter::new().name("contains:site"),
            "invalid zone name: must be a domain name of 1 to 253 ASCII letters, digits, '-' and '.' (an internationalized name in its xn-- form), got \"contains:site\"",
        ),
        (
            ZoneFilter::new().name(""),
            "invalid zone name: must be a domain name of 1 to 253 ASCII letters, digits, '-' and '.' (an internationalized name in its xn-- form), got \"\"",
        ),
        (
            ZoneFilter::new().name("a b.org"),
            "invalid zone name: must be a domain name of 1 to 253 ASCII letters, digits, '-' and '.' (an internationalized name in its xn-- form), got \"a b.org\"",
        ),
        (
            ZoneFilter::new().status(ZoneStatus::from("paused")),
            "invalid status: must be one of initializing, pending, active, moved, got Unknown(\"paused\")",
        ),
        (
            ZoneFilter::new().account_id("../x"),
            "invalid account_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got \"../x\"",
        ),
    ] {
        let err = client.zones(&filter, Pagination::new()).map(drop).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    assert_eq!(fake.request_count(), before, "nothing sent for a bad filter");
}

#[tokio::test]
async fn a_zone_id_from_its_name_with_one_request_found_not_found_or_ambiguous() {
    let fake = FakeCloudflare::builder()
        .zone(zone(1))
        .zone(FakeZone::new("a".repeat(32), "twin.example.org").account("b".repeat(32), "One"))
        .zone(FakeZone::new("c".repeat(32), "twin.example.org").account("d".repeat(32), "Two"))
        .start()
        .await
        .unwrap();
    let client = fake.client().unwrap();
    assert_eq!(client.zone_id("site1.example.org").await.unwrap(), format!("{:032x}", 1));
    assert_eq!(client.zone_id("Site1.Example.Org.").await.unwrap(), format!("{:032x}", 1));
    assert_eq!(fake.request_count(), 2, "one request each");
    let err = client.zone_id("nowhere.example.org").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ZoneNotFound { .. }));
    assert_eq!(
        err.to_string(),
        "no zone named \"nowhere.example.org\" is visible to these credentials (check the name, and that the token may read zones: \"Zone Read\")"
    );
    let err = client.zone_id("twin.example.org").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "2 zones are named \"twin.example.org\": {}, {}; give the zone's id instead",
            "a".repeat(32),
            "c".repeat(32)
        )
    );
    let before = fake.request_count();
    let long_label = format!("{}.com", "a".repeat(64));
    for name in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "%2e",
        "contains:x",
        "ex ample.com",
        "é.com",
        &"a".repeat(254),
        "a..com",
        "example.com..",
        ".example.com",
        "-example.com",
        "example-.com",
        "a.-b.com",
        &long_label,
    ] {
        let err = client.zone_id(name).await.unwrap_err();
        assert!(err.is_invalid_input(), "{name:?}");
        let shown: String = name.chars().take(60).collect();
        assert!(err.to_string().ends_with(&format!("got {shown:?}")), "names what was given: {err}");
    }
    assert_eq!(
        client.zone_id("a..com").await.unwrap_err().to_string(),
        "invalid zone name: each label between dots must be 1 to 63 characters and neither start nor end with '-', got \"a..com\""
    );
    assert_eq!(fake.request_count(), before);
    let label_63 = format!("{}.example.org", "b".repeat(63));
    assert!(client.zone_id(&label_63).await.unwrap_err().to_string().starts_with("no zone named"));
}

#[tokio::test]
async fn a_zone_is_never_reported_missing_from_part_of_a_list() {
    // A server that ignores the name filter and announces a second page.
    let fake = fake_with_zones(2).await;
    fake.set_faults(|request| {
        (request.path == "/zones").then(|| {
            Fault::json(
                200,
                &json!({
                    "success": true, "errors": [], "messages": [],
                    "result": [{"id": format!("{:032x}", 1), "name": "site1.example.org"}],
                    "result_info": {"page": 1, "per_page": 50, "count": 1, "total_pages": 2, "total_count": 51}
                }),
            )
        })
    });
    let client = fake.client().unwrap();
    let err = client.zone_id("site2.example.org").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::IncompleteList { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the list is incomplete: the walk ended after page 1 with 1 items, but the server announced 2 pages and 51 items; list again"
    );

    // A zone walk that repeats itself names zones, not certificates.
    let fake = fake_with_zones(60).await;
    fake.set_faults(|request| {
        (request.path == "/zones" && request.page == 2).then_some(Fault::RepeatFirstPage)
    });
    let client = fake.client().unwrap();
    let walked: Result<Vec<_>, _> =
        client.zones(&ZoneFilter::new(), Pagination::new()).unwrap().items().try_collect().await;
    assert_eq!(
        walked.unwrap_err().to_string(),
        format!("pagination stopped: page 2 repeats zone {} already seen", fake.zone_id())
    );
}

#[tokio::test]
async fn the_client_budget_holds_every_request_to_a_sliding_window_and_never_meets_a_429() {
    let fake = fake_with_zones(0).await;
    let fake_limit = FakeCloudflare::builder().rate_limit(10, Duration::from_secs(1)).start().await.unwrap();
    for (fake, budget) in [(&fake, Some((10, Duration::from_secs(1)))), (&fake_limit, None)] {
        let mut builder = fake.client_builder();
        if let Some((requests, window)) = budget {
            builder = builder.rate_budget(requests, window);
        }
        let client = builder.build().unwrap();
        let zone = fake.zone_id().to_owned();
        // A first answer tells the window (a burst before any answer cannot know it).
        client.collect_all(&zone).await.unwrap();
        let started = std::time::Instant::now();
        let calls: Vec<_> = (1..25)
            .map(|_| {
                let (client, zone) = (client.clone(), zone.clone());
                tokio::spawn(async move { client.collect_all(&zone).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        assert_eq!(fake.request_count(), 25);
        assert_eq!(client.requests_sent(), 25);
        assert_eq!(fake.rate_limited_count(), 0, "budget {budget:?}: the fake never had to refuse");
        // 10 in the first second, 10 in the next, then 5: two seconds at least.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1900), "{took:?}");
    }
    let err = fake.client_builder().rate_budget(0, Duration::from_secs(1)).build().unwrap_err();
    assert_eq!(err.to_string(), "configuration error: rate_budget requests must be 1 or more, got 0");
}

#[tokio::test]
async fn a_refused_list_of_zones_names_the_permission_it_needs() {
    let fake = fake_with_zones(1).await;
    fake.set_faults(|request| {
        (request.path == "/zones").then(|| {
            Fault::json(403, &json!({"success": false, "errors": [{"code": 9109, "message": "Unauthorized to access requested resource"}], "messages": [], "result": null}))
        })
    });
    let client = fake.client().unwrap();
    let err = client.zone_id("site1.example.org").await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 403): code 9109: Unauthorized to access requested resource; the request used an API token (Authorization: Bearer): check that it is valid, not expired, and allowed \"Zone Read\" on the zones it should see"
    );
}
