//! Lists a zone's Custom Origin Trust Store through the real client, against the in-process fake of
//! Cloudflare's API on 127.0.0.1 (no account needed):
//!
//! ```text
//! cargo run --example demo
//! ```

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use cloudflare_origin_trust_store::{Client, Credentials, ListParams, Pagination};
use futures_util::TryStreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeCloudflare::builder().sample_certificates(48).start().await?;
    println!("fake Cloudflare API at {} serving zone {}", fake.base_url(), fake.zone_id());

    // What a user writes, with a real token instead of the fake's:
    let client =
        Client::builder().base_url(fake.base_url()).credentials(Credentials::token(fake::TOKEN)).build()?;
    println!("client: {client:?}\n");

    let page = client.list_page(fake.zone_id(), &ListParams::new().page(2).per_page(5)).await?;
    let info = page.result_info.unwrap_or_default();
    let known = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
    println!(
        "page {} of {} ({} certificates in all), {} on this page:",
        known(info.page),
        known(info.total_pages),
        known(info.total_count),
        page.items.len()
    );
    for certificate in &page {
        println!("  {}  {:<18}  {}", certificate.id, certificate.status, certificate.issuer);
    }

    let before = fake.request_count();
    // list_all asks for 50 a page; 20 here so that the walk takes a few pages.
    let mut certificates = client.list_all_with(fake.zone_id(), Pagination::new().per_page(20))?;
    let mut soonest: Option<(String, chrono::DateTime<chrono::Utc>)> = None;
    let mut count = 0;
    while let Some(certificate) = certificates.try_next().await? {
        count += 1;
        if soonest.as_ref().is_none_or(|(_, at)| certificate.expires_on < *at) {
            soonest = Some((certificate.id.clone(), certificate.expires_on));
        }
    }
    println!(
        "\nlist_all: {count} certificates in {} requests of 20 (none for an empty page)",
        fake.request_count() - before
    );
    if let Some((id, at)) = soonest {
        println!("expires first: {id} on {}", at.format("%Y-%m-%d"));
    }

    let before = fake.request_count();
    let refused = client.list_page(fake.zone_id(), &ListParams::new().per_page(500)).await;
    println!(
        "\nper_page 500 is refused before sending ({} requests sent): {}",
        fake.request_count() - before,
        refused.expect_err("500 is out of range")
    );

    let stranger = Client::builder()
        .base_url(fake.base_url())
        .credentials(Credentials::token("not-the-right-token"))
        .build()?;
    let denied = stranger.collect_all(fake.zone_id()).await.expect_err("wrong token");
    println!("a wrong token gets Cloudflare's error: {denied}");
    Ok(())
}
