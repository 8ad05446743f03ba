//! Walking every page: request counts, stop rules, and termination on misbehaving servers.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cloudflare_origin_trust_store::fake::FakeCloudflare;
use cloudflare_origin_trust_store::{Error, ErrorKind, Pagination};
use common::*;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

/// Answers each page from a function of the page number and `per_page` sent.
struct Pages<F>(F);

impl<F> Respond for Pages<F>
where
    F: Fn(u64, u64) -> serde_json::Value + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let param = |name: &str| {
            request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.parse::<u64>().unwrap())
        };
        let body = (self.0)(param("page").unwrap_or(1), param("per_page").unwrap_or(20));
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn walk_with(
    server: &wiremock::MockServer,
    pagination: Pagination,
) -> (Result<Vec<String>, Error>, usize) {
    let result = token_client(server)
        .pages(ZONE, pagination)
        .unwrap()
        .items()
        .map_ok(|cert| cert.id)
        .try_collect::<Vec<_>>()
        .await;
    (result, server.received_requests().await.unwrap().len())
}

#[tokio::test]
async fn list_all_stops_at_total_pages_without_an_extra_request() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|page, per_page| {
            envelope(
                &ids(page, per_page as usize),
                Some(json!({"page": page, "per_page": per_page, "total_pages": 3, "total_count": 150})),
            )
        }))
        .expect(3)
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new()).await;

    let ids_seen = result.unwrap();
    assert_eq!(requests, 3);
    assert_eq!(ids_seen.len(), 150);
    assert_eq!(ids_seen[0], ids(1, 1)[0]);
    assert_eq!(ids_seen[149], ids(3, 50)[49]);
    let pages: Vec<String> =
        server.received_requests().await.unwrap().iter().map(|r| r.url.query().unwrap().to_owned()).collect();
    assert_eq!(pages, ["page=1&per_page=50", "page=2&per_page=50", "page=3&per_page=50"]);
}

#[tokio::test]
async fn without_result_info_the_walk_stops_at_a_short_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|page, per_page| {
            let count = if page < 4 { per_page as usize } else { 2 };
            envelope(&ids(page, count), None)
        }))
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new().per_page(10)).await;

    assert_eq!(result.unwrap().len(), 32);
    assert_eq!(requests, 4);
}

#[tokio::test]
async fn without_result_info_the_walk_stops_at_an_empty_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|page, per_page| {
            let count = if page < 3 { per_page as usize } else { 0 };
            envelope(&ids(page, count), None)
        }))
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new().per_page(5)).await;

    assert_eq!(result.unwrap().len(), 10);
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_is_still_walked_to_the_end() {
    // Asked for 50, the server sends 20 a page and says so in result_info.per_page.
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|page, _| {
            let count = if page < 3 { 20 } else { 7 };
            envelope(&ids(page, count), Some(json!({"page": page, "per_page": 20})))
        }))
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new()).await;

    assert_eq!(result.unwrap().len(), 47);
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn an_empty_first_page_takes_one_request() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|_, _| envelope(&[], Some(json!({"total_pages": 0, "total_count": 0})))))
        .expect(1)
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new()).await;

    assert!(result.unwrap().is_empty());
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_server_repeating_the_same_page_ends_the_walk_with_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|_, per_page| {
            envelope(&ids(1, per_page as usize), Some(json!({"total_pages": 1000})))
        }))
        .mount(&server)
        .await;

    // One page at a time, so the count is exact (concurrent walks: tests/concurrency.rs).
    let (result, requests) = walk_with(&server, Pagination::new().concurrency(1)).await;

    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("pagination stopped: page 2 repeats certificate {} already seen", ids(1, 1)[0])
    );
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn the_page_cap_bounds_a_server_that_never_ends() {
    // New ids on every page, a total_pages that keeps growing: only the cap stops it.
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(|page, per_page| {
            envelope(&ids(page, per_page as usize), Some(json!({"page": page, "total_pages": page + 1})))
        }))
        .mount(&server)
        .await;

    let (result, requests) = walk_with(&server, Pagination::new().per_page(5).max_pages(7)).await;

    assert_eq!(result.unwrap_err().to_string(), "pagination stopped: more than 7 pages (the configured cap)");
    assert_eq!(requests, 7);
}

#[tokio::test]
async fn absurd_result_info_never_panics_or_loops() {
    for info in [
        json!({"total_pages": -3, "per_page": -1}),
        json!({"total_pages": 1.5, "per_page": 0}),
        json!({"total_pages": 1e300, "per_page": "many"}),
        json!({"total_pages": 18446744073709551615u64, "per_page": 18446744073709551615u64}),
        json!(null),
        json!("not an object at all"),
    ] {
        let server = server().await;
        let body_info = info.clone();
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .respond_with(Pages(move |page, per_page| {
                let count = if page < 3 { per_page as usize } else { 0 };
                let mut body = envelope(&ids(page, count), None);
                body["result_info"] = body_info.clone();
                body
            }))
            .mount(&server)
            .await;

        let pagination = Pagination::new().per_page(5).max_pages(50).concurrency(1);
        let (result, requests) = walk_with(&server, pagination).await;

        // A result_info that is not an object is a decode error; an absurd number is read as
        // unknown and the walk ends at the empty third page; but a page count that is a number
        // (even 2^64 - 1) is an announcement the walk holds the server to.
        if info.is_string() {
            assert!(
                matches!(result.as_ref().map_err(|e| e.kind()), Err(ErrorKind::Decode { .. })),
                "{info}: {result:?}"
            );
            assert_eq!(requests, 1);
        } else if info["total_pages"].is_u64() {
            assert!(
                matches!(
                    result.as_ref().map_err(|e| e.kind()),
                    Err(ErrorKind::IncompleteList { pages: 3, received: 10, .. })
                ),
                "{result:?}"
            );
            assert_eq!(requests, 3, "{info}");
        } else {
            assert_eq!(result.unwrap().len(), 10, "{info}");
            assert_eq!(requests, 3, "{info}");
        }
    }
}

#[tokio::test]
async fn dropping_the_stream_sends_no_further_request() {
    let fake = FakeCloudflare::builder().sample_certificates(500).start().await.unwrap();
    let client = fake.client().unwrap();

    let mut certificates = client.list_all(fake.zone_id()).unwrap();
    let first = certificates.next().await.unwrap().unwrap();
    drop(certificates);
    tokio::time::sleep(Duration::from_millis(50)).await;

    assert_eq!(first.id, fake.certificates()[0].id);
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn pages_are_fetched_only_as_the_stream_is_polled() {
    let fake = FakeCloudflare::builder().sample_certificates(120).start().await.unwrap();
    let client = fake.client().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));

    let mut pages = client.pages(fake.zone_id(), Pagination::new().concurrency(1)).unwrap();
    assert_eq!(fake.request_count(), 0, "creating the stream sends nothing");
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.fetch_add(page.items.len(), Ordering::SeqCst);
        assert_eq!(fake.request_count() as u64, page.result_info.unwrap().page.unwrap());
    }
    assert_eq!(seen.load(Ordering::SeqCst), 120);
    assert_eq!(fake.request_count(), 3);
}

/// A server whose page 1 announces `total_pages: 5, total_count: 250`, and whose other pages are
/// what `page` says: `None` for an empty page, else the count of items and the `total_pages`
/// announced on that page.
/// What a lying server sends for a page: `None` for an empty page, else the number of items and
/// the `total_pages` announced on it.
type PageShape = fn(u64) -> Option<(usize, u64)>;

fn lying_server(page: PageShape) -> Pages<impl Fn(u64, u64) -> serde_json::Value> {
    Pages(move |number, per_page| {
        let (count, total_pages) =
            if number == 1 { (per_page as usize, 5) } else { page(number).unwrap_or((0, 5)) };
        envelope(
            &ids(number, count),
            Some(
                json!({"page": number, "per_page": per_page, "total_pages": total_pages, "total_count": 250}),
            ),
        )
    })
}

#[tokio::test]
async fn a_walk_that_ends_short_of_what_page_one_announced_is_incomplete_not_a_short_success() {
    let cases: [(&str, PageShape); 4] = [
        ("page 3 comes back empty", |n| (n < 3).then_some((50, 5))),
        ("page 2 announces 2 pages", |_| Some((50, 2))),
        ("page 4 announces 3 pages", |n| Some((50, if n >= 4 { 3 } else { 5 }))),
        ("page 2 is short, so 210 of 250 items", |n| Some((if n == 2 { 10 } else { 50 }, 5))),
    ];
    for (case, server_page) in cases {
        for concurrency in [1, 8] {
            let server = server().await;
            Mock::given(method("GET"))
                .and(path(LIST_PATH))
                .respond_with(lying_server(server_page))
                .mount(&server)
                .await;
            let (result, _) = walk_with(&server, Pagination::new().concurrency(concurrency)).await;
            let err = result.unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::IncompleteList { announced_pages: Some(5), announced_count: Some(250), .. }
                ),
                "{case}, concurrency {concurrency}: {err:?}"
            );
            let text = err.to_string();
            assert!(text.starts_with("the list is incomplete: the walk ended after page "), "{case}: {text}");
            assert!(
                text.ends_with("but the server announced 5 pages and 250 items; list again"),
                "{case}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_complete_walk_with_a_total_count_passes_the_checks() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(lying_server(|_| Some((50, 5))))
        .expect(5)
        .mount(&server)
        .await;
    let (result, requests) = walk_with(&server, Pagination::new()).await;
    assert_eq!((result.unwrap().len(), requests), (250, 5));
}

#[tokio::test]
async fn a_walk_stops_at_its_byte_budget_and_ids_of_any_length_are_held_as_digests() {
    // 50 items a page, each with an id of 2,000 characters: about 115 kB a page.
    let long_ids = |page: u64| -> Vec<String> {
        (0..50).map(|i| format!("{page:04}{i:04}{}", "x".repeat(1992))).collect()
    };
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(move |page, per_page| {
            envelope(
                &long_ids(page),
                Some(json!({"page": page, "per_page": per_page, "total_pages": 4, "total_count": 200})),
            )
        }))
        .mount(&server)
        .await;

    let (result, _) = walk_with(&server, Pagination::new().concurrency(1)).await;
    assert_eq!(result.unwrap().len(), 200, "long ids are fine within the budget");

    let (result, requests) = walk_with(&server, Pagination::new().concurrency(1).max_bytes(250_000)).await;
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WalkTooLarge { limit: 250_000 }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "pagination stopped: the responses went over the walk's budget of 250000 bytes"
    );
    assert_eq!(requests - 4, 3, "the third page went over: nothing after it was asked for");

    let err = token_client(&server).pages(ZONE, Pagination::new().max_bytes(0)).map(drop).unwrap_err();
    assert_eq!(err.to_string(), "invalid max_bytes: must be 1 or more, got 0");
}

#[tokio::test]
async fn a_repeated_id_of_any_length_is_named_in_at_most_64_characters() {
    let id = "r".repeat(10_000);
    let server = server().await;
    let repeated = id.clone();
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(Pages(move |page, per_page| {
            envelope(
                std::slice::from_ref(&repeated),
                Some(json!({"page": page, "per_page": per_page, "total_pages": 3})),
            )
        }))
        .mount(&server)
        .await;
    let (result, _) = walk_with(&server, Pagination::new().concurrency(1)).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("pagination stopped: page 2 repeats certificate {}… already seen", "r".repeat(64))
    );
}
