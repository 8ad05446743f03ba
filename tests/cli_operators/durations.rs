//! `--timeout` and `--wait-timeout` take durations as people write them.

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault, Transition};

use crate::cli_support::{run, stderr, temp_file, token_env};
use crate::common::certs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_takes_a_unit_and_a_plain_number_is_still_seconds() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    for timeout in ["30s", "5m", "1h 30m", "30", "2.5"] {
        let output = run(
            &["list", "--zone-id", zone, "--base-url", &base, "--timeout", timeout, "-o", "json"],
            &token_env(),
        )
        .await;
        assert!(output.status.success(), "--timeout {timeout}: {}", stderr(&output));
    }
    assert_eq!(fake.request_count(), 5);
    // 300ms is 300 milliseconds: a server answering after 5 s is given up on.
    fake.set_faults(|_| Some(Fault::Delay(Duration::from_secs(5))));
    let output = run(
        &["list", "--zone-id", zone, "--base-url", &base, "--timeout", "300ms", "--retries", "0"],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error: request timed out"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_timeout_takes_a_unit() {
    let stuck = FakeCloudflare::builder().activation(Transition::Never).start().await.unwrap();
    let base = stuck.base_url();
    let file = temp_file("durations-root.pem", &certs::root("Waits Two Seconds"));
    let args =
        ["upload", "--wait", "--certificate-file", &file, "--zone-id", stuck.zone_id(), "--base-url", &base];
    let output = run(&[&args[..], &["--wait-timeout", "2s"]].concat(), &token_env()).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("is still pending_deployment after 2s;"), "{}", stderr(&output));
}

#[tokio::test]
async fn a_bad_duration_is_refused_naming_the_flag_and_the_forms_accepted() {
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    for (args, value) in [
        (&["list", "--zone-id", zone, "--timeout"][..], "5x"),
        (&["list", "--zone-id", zone, "--timeout"], "soon"),
        (&["list", "--zone-id", zone, "--timeout"], "0s"),
        (&["list", "--zone-id", zone, "--timeout"], "-5"),
        (&["upload", "--zone-id", zone, "--certificate-file", "x.pem", "--wait-timeout"], "10 parsecs"),
    ] {
        let output = run(&[args, &[value]].concat(), &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?} {value}: {}", stderr(&output));
        let flag = args.last().unwrap();
        let text = stderr(&output);
        assert!(text.contains(&format!("invalid value '{value}' for '{flag} <DURATION>'")), "{text}");
        assert!(
            text.contains("give seconds (30, 1.5) or a number with a unit (500ms, 30s, 5m, 1h30m)"),
            "{text}"
        );
    }
}
