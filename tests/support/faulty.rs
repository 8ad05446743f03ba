//! What the fault-injection tests share: a fake of 120 certificates with a fault rule, a client
//! with fast retries (1 ms backoff, no jitter), and a walk one page at a time.
#![allow(dead_code)]

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault, RequestInfo};
use cloudflare_origin_trust_store::{Client, CustomTrustStore, Error, Jitter, Pagination, RetryPolicy};
use futures_util::TryStreamExt;

/// 120 certificates: pages of 50, 50 and 20.
pub const CERTS: usize = 120;

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none())
}

pub async fn fake_with(
    rule: impl Fn(&RequestInfo) -> Option<Fault> + Send + Sync + 'static,
) -> FakeCloudflare {
    let fake = FakeCloudflare::builder().sample_certificates(CERTS).start().await.unwrap();
    fake.set_faults(rule);
    fake
}

pub fn client(fake: &FakeCloudflare) -> Client {
    fake.client_builder().retry(fast_retries()).build().unwrap()
}

/// Every certificate, one page at a time: so that a walk ended by an error on a later page has an
/// exact request count (a concurrent walk may have sent the next pages already; see
/// tests/concurrency.rs).
pub async fn walk(fake: &FakeCloudflare) -> Result<Vec<CustomTrustStore>, Error> {
    let pages = client(fake).pages(fake.zone_id(), Pagination::new().concurrency(1)).unwrap().items();
    pages.try_collect().await
}
