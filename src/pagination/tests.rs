use super::*;
use crate::model::ResultInfo;
use proptest::prelude::*;

fn certificate(id: String) -> CustomTrustStore {
    CustomTrustStore::new(id, "")
}

fn any_count() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![Just(None), (0u64..200).prop_map(Some), any::<u64>().prop_map(Some)]
}

prop_compose! {
    /// A page a misbehaving server could send: ids from a small pool (so repeats happen),
    /// any result_info.
    fn any_page()(
        ids in proptest::collection::vec(0u32..400, 0..60),
        info in proptest::option::of((any_count(), any_count(), any_count(), any_count(), any_count())),
    ) -> Page<CustomTrustStore> {
        let mut page = Page::new(ids.into_iter().map(|id| certificate(format!("{id:032x}"))).collect());
        page.result_info = info.map(|(count, page, per_page, total_count, total_pages)| ResultInfo {
            count, page, per_page, total_count, total_pages,
        });
        page
    }
}

proptest! {
    /// Whatever the server sends, the walk asks for at most `max_pages` pages, asks for
    /// each page number once and in order, and ends (done or with an error) without panicking.
    #[test]
    fn any_server_walk_terminates_within_the_page_cap(
        pages in proptest::collection::vec(any_page(), 1..40),
        per_page in Pagination::MIN_PER_PAGE..=Pagination::MAX_PER_PAGE,
        max_pages in 1u64..30,
    ) {
        let mut walk = Walk::new(Pagination::new().per_page(per_page).max_pages(max_pages));
        let mut fetched = 0u64;
        loop {
            match walk.next_request() {
                Ok(None) => break,
                Err(error) => {
                    let cap = matches!(error.kind(), ErrorKind::TooManyPages { .. });
                    prop_assert!(cap, "only the page cap errs here: {:?}", error);
                    break;
                }
                Ok(Some(number)) => {
                    fetched += 1;
                    prop_assert_eq!(number, fetched);
                    prop_assert!(fetched <= max_pages);
                    // The server's answer: cycle through the generated pages forever.
                    let page = &pages[(number as usize - 1) % pages.len()];
                    if walk.accept(number, page).is_err() {
                        break;
                    }
                }
            }
        }
        prop_assert!(fetched <= max_pages);
    }
}

#[test]
fn a_full_page_without_total_pages_asks_for_the_next() {
    let full = Page::new((0..5).map(|i| certificate(i.to_string())).collect());
    assert_eq!(next_page(1, 5, &full), Some(2));
    assert_eq!(next_page(1, 6, &full), None, "short");
    assert_eq!(next_page(u64::MAX, 5, &full), None, "no page after the last number");
}
