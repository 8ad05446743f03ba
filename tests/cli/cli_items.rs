//! The `cf-trust-store` binary against the fake API. One certificate end to end: upload, get, delete, and what a certificate file may be.

use crate::cli_support;
use crate::common;

use std::process::Command;

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use common::certs;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_get_and_delete_print_in_the_chosen_format() {
    let fake = FakeCloudflare::builder().sample_certificates(2).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let file = temp_file("root.pem", &certs::root("CLI Root CA"));

    let output = run(
        &["upload", "--zone-id", zone, "--certificate-file", &file, "--output", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let uploaded: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = uploaded["id"].as_str().unwrap().to_owned();
    assert_eq!(uploaded["issuer"], "CLI Root CA");
    assert_eq!(uploaded["status"], "pending_deployment");

    let output =
        run(&["get", "--zone-id", zone, "--id", &id, "--output", "jsonl", "--base-url", &base], &token_env())
            .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    // get keeps the API's fields and adds what the PEM says.
    let mut got = serde_json::from_str::<Value>(&text).unwrap();
    let details = got.as_object_mut().unwrap().remove("details").unwrap();
    assert_eq!(got, uploaded);
    assert_eq!(details["subject"], "CN=CLI Root CA");
    assert_eq!(details["not_after"], "2060-01-01T00:00:00Z");
    assert_eq!(details["sha256_fingerprint"].as_str().unwrap().len(), 95);

    // The fake's default activation: the first read (the get above) still showed
    // pending_deployment; this second one sees the certificate active.
    // The id as an argument, as --id.
    let output = run(&["get", &id, "--zone-id", zone, "--base-url", &base], &token_env()).await;
    let table = String::from_utf8(output.stdout).unwrap();
    let days = (chrono::DateTime::parse_from_rfc3339("2060-01-01T00:00:00Z").unwrap().to_utc()
        - chrono::Utc::now())
    .num_days();
    let fields: Vec<&str> = table.lines().collect();
    assert_eq!(
        fields[..6],
        [
            format!("ID           {id}"),
            "STATUS       active".to_owned(),
            "ISSUER       CLI Root CA".to_owned(),
            "SIGNATURE    ECDSAWithSHA256".to_owned(),
            "EXPIRES_ON   2060-01-01T00:00:00Z".to_owned(),
            format!("DAYS_LEFT    {days}"),
        ]
    );
    assert!(table.contains("\nSUBJECT      CN=CLI Root CA\n"), "{table}");
    assert!(
        table.contains(&format!("\nSHA256       {}\n", details["sha256_fingerprint"].as_str().unwrap())),
        "{table}"
    );
    assert!(table.contains("\nNOT_AFTER    2060-01-01T00:00:00Z\n"), "{table}");

    let output = run(&["delete", &id, "--yes", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("deleted {id}\n"));
    let output =
        run(&["get", "--zone-id", zone, "--id", &id, "--output", "json", "--base-url", &base], &token_env())
            .await;
    let deleting: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(deleting["status"], "pending_deletion");
    let output = run(
        &["delete", "--zone-id", zone, "--id", &id, "--yes", "--output", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_failed_with_report(
        &output,
        1,
        &format!(
            "error: cloudflare api error (http 404): code 1404: Certificate {id} not found in the trust store [cf-ray {}]\n",
            fake::ray_id(fake.request_count())
        ),
        "api",
    );
    assert_eq!(fake.certificates().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_reads_standard_input_and_deletes_print_json() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let base = fake.base_url();
    let args = [
        "upload",
        "--zone-id",
        fake.zone_id(),
        "--certificate-file",
        "-",
        "--output",
        "jsonl",
        "--base-url",
        &base,
    ];

    let output = run_with_stdin(&args, &token_env(), certs::root("Stdin Root")).await;

    assert!(output.status.success(), "{}", stderr(&output));
    let id = fake.certificates()[0].id.clone();
    let output = run(
        &["delete", "--zone-id", fake.zone_id(), "--id", &id, "-y", "-o", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    // One printer for every command: `json` is pretty, as for get and upload.
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("{{\n  \"id\": \"{id}\"\n}}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_certificate_file_exits_2_and_sends_nothing() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let base = fake.base_url();
    let intermediate = temp_file(
        "intermediate.pem",
        &certs::signed_by_root(&certs::params("CLI Intermediate", true, 2020, 2050), "CLI Root"),
    );
    let missing = temp_file("missing-dir-marker", "");
    let missing = format!("{missing}.does-not-exist");

    for (file, message) in [
        (
            intermediate.as_str(),
            format!(
                "error: the certificate file {intermediate}: certificate is not a root CA: issuer CN=CLI Root differs from subject CN=CLI Intermediate\n"
            ),
        ),
        (
            missing.as_str(),
            format!(
                "error: cannot read the certificate file {missing}: No such file or directory (os error 2)\n"
            ),
        ),
    ] {
        let output = run(
            &["upload", "--zone-id", fake.zone_id(), "--certificate-file", file, "--base-url", &base],
            &token_env(),
        )
        .await;
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(stderr(&output), message);
    }
    assert_eq!(fake.request_count(), 0);

    // With --skip-local-checks the file is sent, and Cloudflare's refusal is exit 1.
    let output = run(
        &[
            "upload",
            "--zone-id",
            fake.zone_id(),
            "--certificate-file",
            &intermediate,
            "--skip-local-checks",
            "--base-url",
            &base,
        ],
        &token_env(),
    )
    .await;
    assert_failed(
        &output,
        1,
        "error: cloudflare api error (http 400): code 1002: Only root CA certificates are accepted [cf-ray 7a1e000000000002-FAKE]\n",
    );
    let methods: Vec<String> = fake.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "POST"], "is it in the store already? then the upload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_could_leave_their_path_segment_exit_2_and_send_nothing() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let file = temp_file("hostile-root.pem", &certs::root("Hostile CLI Root"));
    for id in ["..\\..", "..", ".", "a\\b", "a/b", "%2e%2e", "a b", "é"] {
        for args in [
            vec!["delete", "--zone-id", zone, "--id", id, "--yes", "--base-url", &base],
            vec!["get", "--zone-id", zone, "--id", id, "--base-url", &base],
            vec!["delete", "--zone-id", id, "--id", "abc", "--yes", "--base-url", &base],
            vec!["list", "--zone-id", id, "--base-url", &base],
            vec!["list", "--zone-id", id, "--all", "--base-url", &base],
            vec!["upload", "--zone-id", id, "--certificate-file", &file, "--base-url", &base],
        ] {
            let output = run(&args, &token_env()).await;
            assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
            let message = stderr(&output);
            assert!(message.starts_with("error: invalid "), "{args:?}: {message}");
            // A certificate id may be as long as a list returns (255); a zone id 32 at most.
            let limit = if args[2] == zone { 255 } else { 32 };
            assert!(
                message.contains(&format!("must be 1 to {limit} ASCII letters, digits, '-' or '_'")),
                "{message}"
            );
            // One line saying what is wrong (clap adds its pointer to --help for an option's value).
            let said = message.lines().filter(|l| !l.is_empty() && !l.starts_with("For more information"));
            assert_eq!(said.count(), 1, "{message}");
        }
    }
    let output = run(&["list", "--zone-id", "example.com", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        2,
        "error: invalid zone_id: \"example.com\" looks like a domain name, but a zone id is expected (32 hex characters, shown on the zone's Overview page in the dashboard); to go by name, give --zone example.com\n",
    );
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.certificates().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_input_is_bounded_never_blocks_and_says_what_is_wrong() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let base = fake.base_url();
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("root.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let big = temp_file("big.pem", &"A".repeat(2 << 20));
    let der = format!("{}/tests/fixtures/roots/rsa2048.der", env!("CARGO_MANIFEST_DIR"));
    let (cert, key) = certs::self_signed(&certs::params("Keyed CLI Root", true, 2020, 2060));
    let with_key = temp_file("with-key.pem", &format!("{}{}", cert.pem(), key.serialize_pem()));
    // The hint is one a POSIX shell reads as the file's own name: quoted, a `'` in it as `'\''`.
    let quoted = |path: &str| format!("'{}'", path.replace('\'', r"'\''"));
    let said = Command::new("sh")
        .arg("-c")
        .arg(format!("printf %s {}", quoted(&dir.join("it's a root.der").to_string_lossy())))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&said.stdout), dir.join("it's a root.der").to_string_lossy());
    let der_bytes = std::fs::read(&der).unwrap();
    let spaced_der = dir.join("it's a root.der").to_string_lossy().into_owned();
    std::fs::write(&spaced_der, &der_bytes).unwrap();
    let der_named_pem = dir.join("binary.pem").to_string_lossy().into_owned();
    std::fs::write(&der_named_pem, &der_bytes).unwrap();
    let (leaf_cert, _) = certs::self_signed(&certs::params("leaf.example.test", false, 2020, 2060));
    let leaf = temp_file("leaf.pem", &leaf_cert.pem());
    let fifo = fifo.to_string_lossy().into_owned();
    let dir = dir.to_string_lossy().into_owned();
    for (file, extra, message) in [
        ("/dev/zero", None, "error: cannot read the certificate file /dev/zero: it is not a regular file (a device or a socket?); give a file, or `-` with the data on standard input\n".to_owned()),
        (fifo.as_str(), None, format!("error: cannot read the certificate file {fifo}: it is a FIFO (named pipe); give a file, or `-` with the data on standard input\n")),
        (dir.as_str(), None, format!("error: cannot read the certificate file {dir}: it is a directory; give a file, or `-` with the data on standard input\n")),
        (big.as_str(), None, format!("error: the certificate file {big}: the input is over 1024 KiB; a root CA certificate is a few kilobytes\n")),
        (der.as_str(), None, format!("error: the certificate file {der}: the input is DER (binary), a certificate, not PEM; convert it with: openssl x509 -inform der -in {der} -out {}\n", der.replace(".der", ".pem"))),
        (spaced_der.as_str(), None, format!("error: the certificate file {spaced_der}: the input is DER (binary), a certificate, not PEM; convert it with: openssl x509 -inform der -in {} -out {}\n", quoted(&spaced_der), quoted(&spaced_der.replace(".der", ".pem")))),
        (der_named_pem.as_str(), None, format!("error: the certificate file {der_named_pem}: the input is DER (binary), a certificate, not PEM; convert it with: openssl x509 -inform der -in {der_named_pem} -out {der_named_pem}.pem\n")),
        (with_key.as_str(), Some("--skip-local-checks"), format!("error: the certificate file {with_key}: the input holds a PRIVATE KEY block; give only the certificate (one -----BEGIN CERTIFICATE----- block)\n")),
        (with_key.as_str(), None, format!("error: the certificate file {with_key}: the input holds a PRIVATE KEY block; give only the certificate (one -----BEGIN CERTIFICATE----- block)\n")),
        (leaf.as_str(), None, format!("error: the certificate file {leaf}: certificate is not a CA: CN=leaf.example.test lacks basicConstraints CA=true\n")),
    ] {
        let mut args = vec!["upload", "--zone-id", fake.zone_id(), "--certificate-file", file, "--base-url", &base];
        args.extend(extra);
        let output = tokio::time::timeout(std::time::Duration::from_secs(20), run(&args, &token_env()))
            .await
            .unwrap_or_else(|_| panic!("{file} made the CLI hang"));
        assert_failed(&output, 2, &message);
    }
    let output = run_with_stdin(
        &["upload", "--zone-id", fake.zone_id(), "--certificate-file", "-", "--base-url", &base],
        &token_env(),
        "B".repeat(3 << 20),
    )
    .await;
    assert_failed(
        &output,
        2,
        "error: standard input: the input is over 1024 KiB; a root CA certificate is a few kilobytes\n",
    );
    assert_eq!(fake.request_count(), 0);
}
