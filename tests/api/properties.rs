//! Property tests through real HTTP: arbitrary statuses and bodies never panic the client, and a
//! walk over arbitrary `result_info` values always ends within the page cap.

use crate::common;

use std::sync::{Arc, Mutex};

use cloudflare_origin_trust_store::{ListParams, Pagination};
use common::*;
use proptest::prelude::*;
use serde_json::json;

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers whatever the test put in the slot, whatever was asked.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<(u16, Vec<u8>)>>);

impl Respond for Slot {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (status, body) = self.0.lock().unwrap().clone();
        ResponseTemplate::new(status).set_body_raw(body, "application/json")
    }
}

fn runtime_and_server() -> (tokio::runtime::Runtime, MockServer, Slot) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let slot = Slot::default();
    let server = runtime.block_on(async {
        let server = MockServer::builder().start().await;
        Mock::given(wiremock::matchers::any()).respond_with(slot.clone()).mount(&server).await;
        server
    });
    (runtime, server, slot)
}

fn any_number() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(json!(null)),
        (0u64..20).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        Just(json!("7")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_status_and_body_gives_a_page_or_an_error(
        status in prop_oneof![Just(200u16), Just(400), Just(403), Just(429), Just(500), Just(502), 200u16..600],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            Just(br#"{"success": true}"#.to_vec()),
            Just(br#"{"success": false, "errors": []}"#.to_vec()),
            Just(br#"{"success": true, "result": [{"id": 1}]}"#.to_vec()),
        ],
    ) {
        let (runtime, server, slot) = runtime_and_server();
        *slot.0.lock().unwrap() = (status, body);
        let result = runtime.block_on(token_client(&server).list_page(ZONE, &ListParams::new()));
        if let Err(error) = result {
            let line = error.to_string();
            prop_assert!(!line.contains('\n'), "{}", line);
            prop_assert!(line.len() < 600, "{}", line);
        } else {
            prop_assert_eq!(status, 200);
        }
    }

    #[test]
    fn any_result_info_walk_ends_within_the_cap(
        count in 0usize..=50,
        total_pages in any_number(),
        per_page in any_number(),
        total_count in any_number(),
    ) {
        let (runtime, server, slot) = runtime_and_server();
        // The same page on every request: the walk must stop at the repeat, the short page, the
        // empty page or the cap.
        let info = json!({"total_pages": total_pages, "per_page": per_page, "total_count": total_count});
        *slot.0.lock().unwrap() = (200, envelope(&ids(1, count), Some(info)).to_string().into_bytes());
        let pagination = Pagination::new().per_page(5).max_pages(4);
        let result = runtime.block_on(async {
            let stream = token_client(&server).pages(ZONE, pagination).unwrap().items();
            futures_util::TryStreamExt::try_collect::<Vec<_>>(stream).await
        });
        let requests = runtime.block_on(server.received_requests()).unwrap().len();
        prop_assert!(requests <= 4, "{} requests", requests);
        if count > 0 && requests == 2 {
            prop_assert!(result.is_err(), "page 2 repeats page 1");
        }
    }
}
