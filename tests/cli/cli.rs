//! The `cf-trust-store` binary against the fake API. Listing end to end: every page, tables, JSON, the expiry gate.

use crate::cli_support;

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_json_prints_every_certificate_with_the_api_field_names() {
    let fake = FakeCloudflare::builder().sample_certificates(2000).start().await.unwrap();
    let base = fake.base_url();

    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--all", "--output", "json", "--base-url", &base],
        &token_env(),
    )
    .await;

    assert!(output.status.success(), "{}", stderr(&output));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = serde_json::to_value(fake.certificates()).unwrap();
    assert_eq!(printed, expected);
    assert_eq!(
        printed[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["certificate", "expires_on", "id", "issuer", "signature", "status", "updated_at", "uploaded_on"]
    );
    assert_eq!(fake.request_count(), 40, "one request per page of 50");

    let fake = FakeCloudflare::builder()
        .sample_certificates(300)
        .latency(std::time::Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let base = fake.base_url();
    let args = [
        "list",
        "--zone-id",
        fake.zone_id(),
        "--all",
        "--concurrency",
        "2",
        "--output",
        "jsonl",
        "--base-url",
        &base,
    ];
    let output = run(&args, &token_env()).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 300);
    assert_eq!(fake.request_count(), 6);
    assert!(fake.max_in_flight() <= 2, "{}", fake.max_in_flight());
    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--all", "--concurrency", "0", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_failed(&output, 2, "error: invalid concurrency: must be 1 to 32, got 0\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_url_and_credentials_come_from_the_environment() {
    let fake = FakeCloudflare::builder().sample_certificates(12).start().await.unwrap();
    let base = fake.base_url();
    let env = [
        ("CLOUDFLARE_EMAIL", fake::EMAIL),
        ("CLOUDFLARE_API_KEY", fake::API_KEY),
        ("CLOUDFLARE_BASE_URL", base.as_str()),
        ("CLOUDFLARE_ZONE_ID", fake.zone_id()),
    ];

    let output = run(&["list", "--output", "jsonl", "--per-page", "5", "--page", "3"], &env).await;

    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected: Vec<Value> =
        fake.certificates()[10..12].iter().map(|c| serde_json::to_value(c).unwrap()).collect();
    assert_eq!(lines, expected);
    let request = &fake.requests()[0];
    assert_eq!(request.header("x-auth-key"), Some(fake::API_KEY));
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_shows_id_status_issuer_signature_and_expiry() {
    let fake = FakeCloudflare::builder().sample_certificates(8).start().await.unwrap();
    let base = fake.base_url();

    let output =
        run(&["list", "--zone-id", fake.zone_id(), "--all", "--base-url", &base], &token_env()).await;

    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines[0],
        "ID                                STATUS              EXPIRES_ON            DAYS_LEFT  SIGNATURE        ISSUER"
    );
    let expires = fake.certificates()[7].expires_on;
    let days = (expires - chrono::Utc::now()).num_days();
    assert_eq!(
        lines[8],
        format!(
            "5eed0000000000000000000000000007  pending_deployment  2027-10-28T10:30:00Z  {days:<9}  Ed25519          Lab Root CA 2031"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_within_lists_only_those_and_exits_3() {
    let now = chrono::Utc::now();
    let mut certificates = fake::sample_certificates(120);
    for certificate in &mut certificates {
        certificate.expires_on = now + chrono::Duration::days(400);
    }
    certificates[3].expires_on = now - chrono::Duration::days(1); // already expired
    certificates[77].expires_on = now + chrono::Duration::days(20);
    let (expired, soon) = (certificates[3].id.clone(), certificates[77].id.clone());
    let fake = FakeCloudflare::builder().certificates(certificates).start().await.unwrap();
    let base = fake.base_url();
    let list = |days: &'static str| {
        let base = base.clone();
        let zone = fake.zone_id().to_owned();
        async move {
            run(
                &[
                    "list",
                    "--zone-id",
                    &zone,
                    "--expiring-within",
                    days,
                    "--output",
                    "jsonl",
                    "--base-url",
                    &base,
                ],
                &token_env(),
            )
            .await
        }
    };

    let output = list("30").await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let ids: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [expired.clone(), soon]);
    assert_eq!(fake.request_count(), 3, "every page is walked");

    let output = list("0").await;
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 1);

    let output = list("300").await;
    assert_eq!(output.status.code(), Some(3));
    let one_page = |page: &'static str| {
        let (base, zone) = (base.clone(), fake.zone_id().to_owned());
        async move {
            let args =
                ["list", "--zone-id", &zone, "--expiring-within", "30", "--page", page, "--per-page", "50"];
            run(&[&args[..], &["--base-url", &base]].concat(), &token_env()).await
        }
    };
    assert_eq!(one_page("1").await.status.code(), Some(3), "page 1 holds the expired one");
    let output = one_page("3").await;
    assert_eq!(output.status.code(), Some(0), "page 3 holds none");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "ID                                STATUS              EXPIRES_ON            DAYS_LEFT  SIGNATURE        ISSUER\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gate_never_passes_on_a_partial_list() {
    use cloudflare_origin_trust_store::fake::Fault;
    let fake = FakeCloudflare::builder().sample_certificates(250).start().await.unwrap();
    let base = fake.base_url();
    // Page 3 comes back empty although page 1 announced 5 pages and 250 certificates.
    fake.set_faults(|r| {
        (r.is_list() && r.page == 3).then(|| {
            Fault::json(200, &serde_json::json!({
                "success": true, "errors": [], "messages": [], "result": [],
                "result_info": {"page": 3, "per_page": 50, "count": 0, "total_pages": 5, "total_count": 250}
            }))
        })
    });
    for args in [
        vec!["list", "--zone-id", fake.zone_id(), "--expiring-within", "1", "--base-url", &base],
        vec!["list", "--zone-id", fake.zone_id(), "--all", "--output", "json", "--base-url", &base],
    ] {
        let output = run(&args, &token_env()).await;
        let message = "error: the list is incomplete: the walk ended after page 3 with 100 items, but the server announced 5 pages and 250 items; list again\n";
        if args.contains(&"json") {
            assert_failed_with_report(&output, 1, message, "incomplete_list");
        } else {
            assert_failed(&output, 1, message);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_gate_ignores_certificates_on_their_way_out_unless_status_says_otherwise() {
    use cloudflare_origin_trust_store::CertificateStatus;
    let soon = chrono::Utc::now() + chrono::Duration::days(5);
    let mut certificates = fake::sample_certificates(4);
    for (certificate, status) in certificates.iter_mut().zip([
        CertificateStatus::Deleted,
        CertificateStatus::PendingDeletion,
        CertificateStatus::Active,
        CertificateStatus::Active,
    ]) {
        certificate.status = status;
    }
    certificates[0].expires_on = soon;
    certificates[1].expires_on = soon;
    let fake = FakeCloudflare::builder().certificates(certificates).start().await.unwrap();
    let base = fake.base_url();
    let gate = |extra: &'static [&'static str]| {
        let (base, zone) = (base.clone(), fake.zone_id().to_owned());
        async move {
            let mut args = vec![
                "list",
                "--zone-id",
                &zone,
                "--expiring-within",
                "30",
                "--output",
                "jsonl",
                "--base-url",
                &base,
            ];
            args.extend(extra);
            run(&args, &token_env()).await
        }
    };
    assert_eq!(gate(&[]).await.status.code(), Some(0), "deleted and pending_deletion do not count");
    let output = gate(&["--status", "deleted", "--status", "pending_deletion"]).await;
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 2);
    let output = gate(&["--status", "pending_deletion"]).await;
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 1);
    let output = run(
        &[
            "list",
            "--zone-id",
            fake.zone_id(),
            "--status",
            "active",
            "--output",
            "jsonl",
            "--base-url",
            &base,
        ],
        &token_env(),
    )
    .await;
    assert_eq!(
        (output.status.code(), String::from_utf8(output.stdout).unwrap().lines().count()),
        (Some(0), 2)
    );
}
