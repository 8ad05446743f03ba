//! Manages a zone's Custom Origin Trust Store through the real client, against the in-process fake
//! of Cloudflare's API on 127.0.0.1 (no account, no network):
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! It lists a zone's certificates (auth and pagination included), uploads a root CA it generates,
//! reads it back, deletes it, keeps the store in sync with a set of roots, audits 200 zones, and
//! shows what a mistake looks like.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, FakeOrigin, sample_zones};
use cloudflare_origin_trust_store::origin::Change;
use cloudflare_origin_trust_store::{
    Action, Audit, BeforeDeletes, CertificateStatus, Client, Credentials, CustomTrustStore, DesiredRoot,
    ListParams, Pagination, Polling, Undesired, ZoneFilter, ZoneReport,
};
use futures_util::TryStreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeCloudflare::builder().sample_certificates(48).start().await?;
    let zone = fake.zone_id().to_owned();
    println!("fake Cloudflare API at {} serving zone {zone}", fake.base_url());

    // What a user writes, with a real token instead of the fake's:
    let client =
        Client::builder().base_url(fake.base_url()).credentials(Credentials::token(fake::TOKEN)).build()?;
    println!("client: {client:?}\n");

    // 1. List: one page, then every certificate.
    let page = client.list_page(&zone, &ListParams::new().page(2).per_page(5)).await?;
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
    let all: Vec<_> = client.pages(&zone, Pagination::new().per_page(20))?.items().try_collect().await?;
    println!(
        "\nlist_all: {} certificates in {} requests of 20 (none for an empty page)",
        all.len(),
        fake.request_count() - before
    );

    // 2. Upload a root CA, checked locally first.
    let root = generate_root_ca("Demo Origin Root CA")?;
    let uploaded = client.upload(&zone, &root).await?;
    println!(
        "\nuploaded {} ({}, expires {})",
        uploaded.id,
        uploaded.status,
        uploaded.expires_on.format("%Y-%m-%d")
    );

    // 3. Get it back, with the details of its PEM.
    let got = client.get(&zone, &uploaded.id).await?;
    let details = got.details()?;
    println!("get: subject {} issuer {}", details.subject, details.issuer);
    println!("     sha-256 {}", details.sha256_fingerprint);
    println!("     {} days until expiry", details.days_until_expiry(chrono::Utc::now()));
    println!("list now holds {} certificates", client.collect_all(&zone).await?.len());

    // 4. Delete it.
    let deleted = client.delete(&zone, &uploaded.id).await?;
    let after = client.collect_all(&zone).await?;
    let leaving =
        after.iter().find(|certificate| certificate.id == deleted).map(|certificate| &certificate.status);
    match leaving {
        Some(status) => println!("deleted {deleted}: listed as {status} until Cloudflare removes it"),
        None => println!("deleted {deleted}: gone from the list"),
    }

    // 5. Keep the store in sync with a set of roots: keep all but the first two, add a new one.
    let mut desired = vec![DesiredRoot::from_pem(&generate_root_ca("Demo Rotation Root")?, Utc::now())?];
    for certificate in &all[2..] {
        desired.push(DesiredRoot::from_pem(&certificate.certificate, Utc::now())?);
    }
    let plan = client.plan(&zone, &desired, Undesired::Delete).await?; // delete what is not desired
    let count = |action| plan.steps.iter().filter(|step| step.action == action).count();
    println!(
        "
plan: {} upload, {} deletes, {} unchanged",
        count(Action::Upload),
        count(Action::Delete),
        count(Action::Unchanged)
    );
    let wait = Polling::new(Duration::from_secs(10))
        .interval(Duration::from_millis(50), Duration::from_millis(200))?;
    let applied = client.apply(plan, BeforeDeletes::WaitUntilActive(wait)).await;
    for step in applied.steps.iter().filter(|step| step.action != Action::Unchanged) {
        let outcome = step.result_text().unwrap_or_else(|| "not applied".into());
        println!("  {:?} {} ({}): {outcome}", step.action, step.subject, step.id.as_deref().unwrap_or("new"));
    }
    let again = client.plan(&zone, &desired, Undesired::Delete).await?;
    println!("applied with {} failures; a second plan has {} changes", applied.failures(), again.changes());

    // 6. Audit 200 zones (another fake, serving them): one request per zone, 8 zones at once.
    let many = FakeCloudflare::builder().zones(sample_zones(200)).start().await?;
    let audit = Audit::all_zones(ZoneFilter::new()).expiring_within(TimeDelta::days(30));
    let reports: Vec<ZoneReport> = many.client()?.audit(&audit)?.try_collect().await?;
    let expiring: Vec<&ZoneReport> = reports.iter().filter(|report| !report.expiring.is_empty()).collect();
    println!(
        "
audit: {} zones, {} certificates, {} zones with a certificate expiring within 30 days, {} requests",
        reports.len(),
        reports.iter().map(|report| report.certificates.len()).sum::<usize>(),
        expiring.len(),
        many.request_count()
    );
    for report in expiring.iter().take(3) {
        let soonest =
            report.expiring.iter().map(|certificate| certificate.expires_on).min().expect("expiring");
        println!("  {}: expires {}", report.zone_name.as_deref().unwrap_or("?"), soonest.format("%Y-%m-%d"));
    }

    // 7. Know before you change: would a planned delete leave an origin untrusted? A real TLS
    // handshake with an origin on 127.0.0.1 whose certificate chains to one root of the store.
    let (anchor, leaf, leaf_key) = root_and_leaf("Demo Anchor Root", "www.example.com")?;
    let mut held = fake::sample_certificates(1);
    held.insert(0, CustomTrustStore::new("ca0000000000000000000000000000a1", anchor));
    for certificate in &mut held {
        certificate.status = CertificateStatus::Active;
    }
    // The origin is found where Cloudflare finds it: the zone's proxied DNS record for the name.
    let origin_server = FakeOrigin::builder(&leaf, &leaf_key)?.start().await?;
    let store = FakeCloudflare::builder()
        .certificates(held)
        .dns_record("A", "www.example.com", "127.0.0.1", true)
        .dns_record("A", "*.example.com", "127.0.0.1", true)
        .start()
        .await?;
    let found = store.client()?.origins_from_dns(store.zone_id(), origin_server.address().port()).await?;
    for skipped in &found.not_probeable {
        println!(
            "
DNS record {} is not probed: {}",
            skipped.name, skipped.reason
        );
    }
    let delete = Change::Delete(vec!["ca0000000000000000000000000000a1".into()]);
    let checks = store.client()?.check_origins(store.zone_id(), &found.origins, &delete).await?;
    for check in &checks {
        let after = check.after.as_ref().expect("a change was given");
        println!("\norigin {}: now {}; after deleting its root: {}", check.origin, check.now, after);
        if check.now.is_trusted() && !after.is_trusted() {
            println!("  the delete is refused before anything is sent (the CLI exits 5 unless --force)");
        }
    }
    let writes = store.requests().iter().filter(|r| r.method != "GET").count();
    println!("  requests to the API: {} (writes: {writes})", store.request_count());

    // Mistakes are caught before anything is sent, or reported with Cloudflare's codes.
    let before = fake.request_count();
    let bad_page =
        client.list_page(&zone, &ListParams::new().per_page(500)).await.expect_err("500 is out of range");
    let two = format!("{root}{}", generate_root_ca("Another Root")?);
    let bad_file = client.upload(&zone, &two).await.expect_err("two certificates");
    println!("\nrefused before sending ({} requests sent):", fake.request_count() - before);
    println!("  {bad_page}");
    println!("  {bad_file}");
    let stranger = Client::builder()
        .base_url(fake.base_url())
        .credentials(Credentials::token("not-the-right-token"))
        .build()?;
    let denied = stranger.collect_all(&zone).await.expect_err("wrong token");
    println!("a wrong token gets Cloudflare's error: {denied}");
    Ok(())
}

/// A self-signed root CA certificate, valid for ten years.
fn generate_root_ca(common_name: &str) -> Result<String, rcgen::Error> {
    Ok(root_params(common_name)?.self_signed(&rcgen::KeyPair::generate()?)?.pem())
}

/// The parameters of a root CA valid 2025 to 2035.
fn root_params(common_name: &str) -> Result<rcgen::CertificateParams, rcgen::Error> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    Ok(params)
}

/// A root CA and a leaf for `host` it signed (its chain, leaf first, and its key), valid 2025 to
/// 2035, for an origin to present.
fn root_and_leaf(common_name: &str, host: &str) -> Result<(String, String, String), rcgen::Error> {
    let params = root_params(common_name)?;
    let key = rcgen::KeyPair::generate()?;
    let root = params.self_signed(&key)?.pem();
    let issuer = rcgen::Issuer::new(params, key);
    let mut leaf = rcgen::CertificateParams::new(vec![host.to_owned()])?;
    leaf.distinguished_name.push(rcgen::DnType::CommonName, host);
    leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
    leaf.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let leaf_key = rcgen::KeyPair::generate()?;
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer)?.pem();
    Ok((root, leaf_pem, leaf_key.serialize_pem()))
}
