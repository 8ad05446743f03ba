//! `--origins-from-dns`: the zone's proxied DNS records as origins, probed with real handshakes on
//! 127.0.0.1, for `check-origins` and for the guards of the writes.

use crate::cli_support;
use crate::common::write::*;
use crate::support_origin_pki as pki;

use cli_support::*;
use cloudflare_origin_trust_store::CertificateStatus;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeOrigin, Fault};
use pki::{Ca, id};
use serde_json::Value;

const HOST: &str = "www.example.test";

struct Setup {
    fake: FakeCloudflare,
    _origin: FakeOrigin,
    base: String,
    port: String,
}

/// A store holding `anchor` (id 1) and `other` (id 2), and one origin for HOST under `anchor`,
/// found in DNS: a proxied A record to 127.0.0.1, beside a wildcard, a record that is not
/// proxied and a TXT record.
async fn setup(anchor: &Ca, other: &Ca) -> Setup {
    let leaf = anchor.leaf(&[HOST]);
    let origin = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let certificates = vec![
        anchor.stored(&id(1), CertificateStatus::Active),
        other.stored(&id(2), CertificateStatus::Active),
    ];
    let fake = FakeCloudflare::builder()
        .certificates(certificates)
        .dns_record("A", HOST, "127.0.0.1", true)
        .dns_record("A", "*.example.test", "127.0.0.1", true)
        .dns_record("A", "grey.example.test", "127.0.0.9", false)
        .dns_record("TXT", "example.test", "v=spf1 -all", false)
        .start()
        .await
        .unwrap();
    Setup { base: fake.base_url(), port: origin.address().port().to_string(), fake, _origin: origin }
}

impl Setup {
    async fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--zone-id", self.fake.zone_id(), "--base-url", &self.base]);
        all.extend(["--origins-from-dns", "--dns-origin-port", &self.port]);
        run(&all, &token_env()).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_origins_probes_the_proxied_records_and_lists_the_wildcard_as_not_probed() {
    let (anchor, other) = (Ca::root("DNS Anchor"), Ca::root("DNS Other"));
    let s = setup(&anchor, &other).await;
    let output = s.run(&["check-origins", "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["host"], HOST, "{rows:?}");
    assert_eq!(rows[0]["origin"], format!("{HOST}@127.0.0.1:{}", s.port), "{rows:?}");
    assert_eq!(
        stderr(&output).lines().find(|line| line.starts_with("note: DNS record")),
        Some(
            "note: DNS record *.example.test (A) is not probed: a wildcard name: no one host name to send as SNI; give one of its names with --origin"
        )
    );
    // The DNS walk sent proxied=true; nothing but reads was sent.
    let sent = fake_requests(&s.fake);
    assert!(sent.iter().any(|r| r.ends_with("/dns_records?page=1&per_page=50&proxied=true")), "{sent:?}");
    assert!(writes(&s.fake, 0).is_empty());

    // After deleting the anchor, the origin found in DNS would not be trusted: exit 5.
    let output = s.run(&["check-origins", "--after-delete", &id(1)]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.lines().any(|line| line.starts_with(HOST) && line.contains("untrusted")), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delete_guard_with_origins_from_dns_refuses_the_anchor_and_sends_no_write() {
    let (anchor, other) = (Ca::root("DNS Guard Anchor"), Ca::root("DNS Guard Other"));
    let s = setup(&anchor, &other).await;
    let output = s.run(&["delete", &id(1), "--yes"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).ends_with("nothing was written; add --force to make it anyway\n"),
        "{}",
        stderr(&output)
    );
    assert!(writes(&s.fake, 0).is_empty(), "{:?}", writes(&s.fake, 0));
    let output = s.run(&["delete", &id(2), "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 1);
    let output = s.run(&["delete", &id(1), "--yes", "--force"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_dns_read_exits_1_saying_so_and_the_guard_writes_nothing() {
    let (anchor, other) = (Ca::root("DNS Denied Anchor"), Ca::root("DNS Denied Other"));
    let s = setup(&anchor, &other).await;
    s.fake.set_faults(|request| {
        request
            .path
            .ends_with("/dns_records")
            .then(|| Fault::api_error(403, 9109, "Unauthorized to access requested resource"))
    });
    for args in [vec!["check-origins"], vec!["delete", "--yes", "ca000000000000000000000000000002"]] {
        let output = s.run(&args).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("allowed \"DNS Read\" on this zone"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(writes(&s.fake, 0).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_whose_dns_gives_no_origin_is_an_error_not_a_pass() {
    let fake =
        FakeCloudflare::builder().dns_record("A", "*.example.test", "127.0.0.1", true).start().await.unwrap();
    let base = fake.base_url();
    let output = run(
        &["check-origins", "--origins-from-dns", "--zone-id", fake.zone_id(), "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).ends_with(&format!("error: zone {}'s proxied DNS records give no origin to check (1 not probeable); give origins with --origin or --origins-file\n", fake.zone_id())), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_dns_origin_port_or_one_without_origins_from_dns_exits_2_before_any_request() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let base = fake.base_url();
    for (port, said) in [
        ("0", "invalid value '0' for '--dns-origin-port <PORT>'"),
        ("65536", "invalid value '65536' for '--dns-origin-port <PORT>'"),
        ("-1", "invalid value '-1' for '--dns-origin-port <PORT>'"),
        ("https", "invalid value 'https' for '--dns-origin-port <PORT>'"),
    ] {
        let args = [
            "check-origins",
            "--origins-from-dns",
            "--dns-origin-port",
            port,
            "--zone-id",
            fake.zone_id(),
            "--base-url",
            &base,
        ];
        let output = run(&args, &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{port}: {}", stderr(&output));
        assert!(stderr(&output).contains(said), "{port}: {}", stderr(&output));
    }
    let args = [
        "check-origins",
        "--origin",
        "a.example.test@127.0.0.1",
        "--dns-origin-port",
        "8443",
        "--zone-id",
        fake.zone_id(),
        "--base-url",
        &base,
    ];
    let output = run(&args, &token_env()).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--origins-from-dns"), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 0);
}

fn fake_requests(fake: &FakeCloudflare) -> Vec<String> {
    fake.requests().iter().map(|r| format!("{}?{}", r.path, r.query.clone().unwrap_or_default())).collect()
}
