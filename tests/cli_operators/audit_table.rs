//! The audit's table answers "what expires?": a row per expiring certificate by default, a row
//! per zone with --by-zone.

use chrono::{TimeDelta, Utc};
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeZone, Fault};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};

use crate::cli_support::{run, stderr, token_env};
use crate::common::certs;

/// A root the API says expires in ten and a half days (so ten whole days left, for the next
/// twelve hours).
fn expiring(id: &str, common_name: &str, status: CertificateStatus) -> CustomTrustStore {
    let mut certificate = CustomTrustStore::new(id, certs::root(common_name));
    certificate.expires_on =
        chrono::SubsecRound::trunc_subsecs(Utc::now() + TimeDelta::hours(10 * 24 + 12), 0);
    certificate.issuer = common_name.into();
    certificate.status = status;
    certificate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_has_a_row_per_expiring_certificate_and_by_zone_a_row_per_zone() {
    let soon = expiring("ca00000000000000000000000000000a", "Soon Root", CertificateStatus::Active);
    let mut sooner =
        expiring("ca00000000000000000000000000000b", "Sooner Root", CertificateStatus::PendingDeployment);
    sooner.expires_on -= TimeDelta::days(5);
    let broken = "b".repeat(32);
    let fake = FakeCloudflare::builder()
        .sample_certificates(2)
        .zone(
            FakeZone::new("a".repeat(32), "shop.example.org")
                .certificates(vec![soon.clone(), sooner.clone()]),
        )
        .zone(FakeZone::new(broken.clone(), "broken.example.org"))
        .start()
        .await
        .unwrap();
    let path = format!("/zones/{broken}/acm/custom_trust_store");
    fake.set_faults(move |request| (request.path == path).then(|| Fault::html(502, 0)));
    let base = fake.base_url();
    let args = ["audit", "--all-zones", "--retries", "0", "--base-url", &base];

    let output = run(&args, &token_env()).await;
    assert_eq!(output.status.code(), Some(1), "a zone failed, which wins over 3: {}", stderr(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    let row = |zone: &str, id: &str, expires: &str, days: &str, status: &str, subject: &str| {
        format!("{zone:<40}  {id:<32}  {expires:<10}  {days:<9}  {status:<18}  {subject}")
    };
    let day = |c: &CustomTrustStore| c.expires_on.format("%Y-%m-%d").to_string();
    assert_eq!(lines[0], row("ZONE", "ID", "EXPIRES", "DAYS_LEFT", "STATUS", "SUBJECT"));
    // Soonest first within the zone.
    assert_eq!(
        lines[1],
        row("shop.example.org", &sooner.id, &day(&sooner), "5", "pending_deployment", "Sooner Root")
    );
    assert_eq!(lines[2], row("shop.example.org", &soon.id, &day(&soon), "10", "active", "Soon Root"));
    assert!(
        lines[3].starts_with(&row(
            "broken.example.org",
            "-",
            "-",
            "-",
            "failed",
            "unexpected http 502 response"
        )),
        "{table}"
    );
    assert_eq!(
        lines[4],
        "3 zone(s): 4 certificate(s), 2 expiring within 30 day(s) in 1 zone(s), 1 zone(s) failed; 4 request(s)"
    );
    assert_eq!(lines.len(), 5, "{table}");

    let output = run(&[&args[..], &["--by-zone"]].concat(), &token_env()).await;
    assert_eq!(output.status.code(), Some(1));
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ZONE_ID                           ZONE_NAME "), "{table}");
    assert_eq!(lines.len(), 5, "a row per zone and the summary: {table}");
    assert!(lines[2].starts_with(&format!("{}  shop.example.org  ", "a".repeat(32))), "{table}");
}

#[tokio::test]
async fn audit_help_says_which_exit_status_wins() {
    let output = run(&["audit", "--help"], &[]).await;
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("Exit status: 1 when any zone could not be audited, even when certificates are expiring too (1 wins over 3)"), "{help}");
    assert!(help.contains("--by-zone"), "{help}");
}
