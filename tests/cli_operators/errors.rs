//! With `-o json` or `-o jsonl`, a failure also prints one JSON object on stderr.

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, Fault};
use serde_json::{Value, json};

use crate::cli_support::{run, stderr, token_env};

/// The CLI's stderr, as a line for people and then the JSON object.
#[track_caller]
fn line_and_report(output: &std::process::Output) -> (String, Value) {
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "a line, then the object: {text}");
    let report: Value = serde_json::from_str(lines[1]).unwrap_or_else(|e| panic!("{e}: {}", lines[1]));
    let keys: Vec<&String> = report["error"].as_object().expect("an `error` object").keys().collect();
    assert_eq!(keys, ["attempts", "cloudflare_codes", "kind", "message", "ray_id", "status"], "{report}");
    assert_eq!(report.as_object().unwrap().len(), 1, "{report}");
    (lines[0].to_owned(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_error_is_reported_with_its_status_codes_ray_id_and_attempts() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let body = json!({
        "success": false,
        "errors": [{"code": 10000, "message": "Authentication error"}],
        "messages": [],
        "result": null
    });
    fake.set_faults(move |_| Some(Fault::json(403, &body)));
    let base = fake.base_url();
    for format in ["json", "jsonl"] {
        let output =
            run(&["list", "--zone-id", fake.zone_id(), "--base-url", &base, "-o", format], &token_env())
                .await;
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty() || output.stdout == b"[]\n", "{format}");
        let (line, report) = line_and_report(&output);
        let ray_id = fake::ray_id(fake.request_count());
        assert_eq!(
            report,
            json!({"error": {
                "kind": "api",
                "message": line.strip_prefix("error: ").unwrap(),
                "status": 403,
                "cloudflare_codes": [10000],
                "ray_id": ray_id,
                "attempts": 1,
            }})
        );
        assert!(
            line.contains("code 10000: Authentication error")
                && line.ends_with(&format!("[cf-ray {ray_id}]"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_failure_counts_its_attempts() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    fake.set_faults(|_| Some(Fault::html(503, 0)));
    let base = fake.base_url();
    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--base-url", &base, "--retries", "1", "-o", "json"],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let (_, report) = line_and_report(&output);
    assert_eq!(report["error"]["kind"], "unexpected_response");
    assert_eq!(report["error"]["status"], 503);
    assert_eq!(report["error"]["attempts"], 2);
    assert_eq!(report["error"]["cloudflare_codes"], json!([]));
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn usage_and_configuration_errors_have_a_kind_too() {
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    // Refused by the CLI before anything is sent.
    let output = run(&["list", "-o", "json"], &token_env()).await;
    assert_eq!(output.status.code(), Some(2));
    let (line, report) = line_and_report(&output);
    assert_eq!(
        line,
        "error: list needs a zone: give --zone-id ID or --zone NAME (or set CLOUDFLARE_ZONE_ID)"
    );
    assert_eq!(report["error"]["kind"], "invalid_input");
    assert_eq!(report["error"]["attempts"], 0);
    assert_eq!(report["error"]["status"], Value::Null);

    // Refused by clap, whichever way -o is written.
    for args in [
        &["list", "--zone-id", zone, "--page", "x", "-o", "json"][..],
        &["--output=jsonl", "list", "--pag", "1"],
    ] {
        let output = run(args, &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = stderr(&output);
        let report: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(report["error"]["kind"], "invalid_input", "{text}");
        let message = report["error"]["message"].as_str().unwrap();
        assert!(text.starts_with(&format!("error: {message}\n")), "{text}");
    }

    // No credentials: the library's kind.
    let output = run(&["list", "--zone-id", zone, "-o", "jsonl"], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let (_, report) = line_and_report(&output);
    assert_eq!(report["error"]["kind"], "config");

    // A table is for people: one line, no object.
    let output = run(&["list"], &token_env()).await;
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    let output = run(&["list", "--zone-id", zone, "--page", "x"], &token_env()).await;
    assert!(!stderr(&output).contains("{\"error\""), "{}", stderr(&output));
}
