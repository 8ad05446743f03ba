//! The `cf-trust-store` binary end to end, against the fake API.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};
use common::certs;
use serde_json::Value;

/// Runs the CLI with only the given environment (so no real credential from the caller's
/// environment can ever be used), off the runtime thread that serves the fake.
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    command.env_clear().args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("the CLI runs")).await.unwrap()
}

/// Runs the CLI with `input` on its standard input.
async fn run_with_stdin(args: &[&str], env: &[(&str, &str)], input: String) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    command.env_clear().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the CLI runs");
        // The CLI may stop reading early (input over its limit): a closed pipe is fine here.
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        assert!(written.is_ok() || written.as_ref().unwrap_err().kind() == std::io::ErrorKind::BrokenPipe);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// Writes `content` to a file of its own under cargo's temporary directory for tests.
fn temp_file(name: &str, content: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

fn token_env() -> [(&'static str, &'static str); 1] {
    [("CLOUDFLARE_API_TOKEN", fake::TOKEN)]
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The CLI exited with `code` and printed exactly `message` on stderr.
#[track_caller]
fn assert_failed(output: &Output, code: i32, message: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    assert_eq!(stderr(output), message);
}

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
async fn invalid_input_exits_2_with_one_line_and_sends_nothing() {
    let fake = FakeCloudflare::builder().sample_certificates(8).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();

    for (args, env, message) in [
        (
            vec!["list", "--zone-id", zone, "--per-page", "3", "--base-url", &base],
            token_env().to_vec(),
            "error: invalid per_page: must be between 5 and 50, got 3\n",
        ),
        (
            vec!["list", "--zone-id", zone, "--page", "0", "--base-url", &base],
            token_env().to_vec(),
            "error: invalid page: must be 1 or more, got 0\n",
        ),
        (
            vec!["list", "--zone-id", "", "--base-url", &base],
            token_env().to_vec(),
            "error: invalid zone_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got an empty value\n",
        ),
        (
            vec!["list", "--zone-id", zone, "--base-url", "http://api.cloudflare.com/client/v4"],
            token_env().to_vec(),
            "error: configuration error: base URL \"http://api.cloudflare.com/client/v4\" uses plain http, which would send the credentials unencrypted; use https (http is allowed only for 127.0.0.0/8, ::1 and localhost)\n",
        ),
        (
            vec!["list", "--zone-id", zone, "--base-url", &base],
            vec![("CLOUDFLARE_EMAIL", fake::EMAIL)],
            "error: configuration error: CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is missing (set both, or set CLOUDFLARE_API_TOKEN)\n",
        ),
    ] {
        let output = run(&args, &env).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), message, "{args:?}");
        assert!(output.stdout.is_empty());
    }
    // clap's own usage errors exit 2 as well.
    let output = run(&["list", "--zone-id", zone, "--output", "yaml"], &token_env()).await;
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["list", "--zone-id", zone, "--timeout", "0"], &token_env()).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("must be greater than 0"), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_network_errors_exit_1_with_one_line() {
    let fake = FakeCloudflare::builder().sample_certificates(8).start().await.unwrap();
    let base = fake.base_url();

    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--base-url", &base],
        &[("CLOUDFLARE_API_TOKEN", "wrong-token")],
    )
    .await;
    assert_failed(
        &output,
        1,
        "error: cloudflare api error (http 403): code 10000: Authentication error; the request used an API token \
         (Authorization: Bearer): check that it is valid, not expired, and allowed \"SSL and Certificates\" on this \
         zone (Read to list and get, Edit to upload and delete) [cf-ray 7a1e000000000001-FAKE]\n",
    );
    assert!(!stderr(&output).contains("wrong-token"));

    // A port nothing listens on: bind one, then free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let url = format!("http://{closed}/client/v4");
    let output =
        run(&["list", "--zone-id", fake.zone_id(), "--base-url", &url, "--retries", "0"], &token_env()).await;
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: network error: "), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_exit_1_and_one_line() {
    use cloudflare_origin_trust_store::fake::Fault;
    use std::time::Duration;

    let ray = format!(" [cf-ray {}]\n", fake::ray_id(1));
    let with_ray = |line: &str| format!("{line}{ray}");
    let cases: Vec<(Fault, String)> = vec![
        (
            Fault::rate_limited("300"),
            with_ray(
                "error: rate limited (http 429): the server asks to wait 300s, longer than the retry ceiling",
            ),
        ),
        (
            Fault::rate_limited("0"),
            with_ray(
                "error: cloudflare api error (http 429): code 971: Please wait and consider throttling your request speed",
            ),
        ),
        (
            Fault::html(502, 0),
            with_ray(
                "error: unexpected http 502 response: <!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>cloudflare</center> </body> </html>",
            ),
        ),
        (Fault::Reset, "error: network error: ".to_owned()),
        (Fault::CutBody, "error: network error: ".to_owned()),
        (Fault::Delay(Duration::from_secs(30)), "error: request timed out (127.0.0.1:".to_owned()),
        (
            Fault::redirect("https://elsewhere.example/"),
            with_ray("error: unexpected redirect (http 302) to https://elsewhere.example/"),
        ),
        (
            Fault::success_false(),
            with_ray("error: cloudflare api error (http 200): code 1000: An internal error occurred"),
        ),
        (Fault::TruncateBody, "error: cannot decode the http 200 response body at `result[".to_owned()),
        (
            Fault::empty_body(),
            with_ray(
                "error: cannot decode the http 200 response body at `.`: EOF while parsing a value at line 1 column 0",
            ),
        ),
    ];
    for (fault, expected) in cases {
        let fake = FakeCloudflare::builder().sample_certificates(60).start().await.unwrap();
        let rule = fault.clone();
        fake.set_faults(move |_| Some(rule.clone()));
        let base = fake.base_url();
        let args = [
            "list",
            "--zone-id",
            fake.zone_id(),
            "--all",
            "--base-url",
            &base,
            "--retries",
            "0",
            "--timeout",
            "0.2",
        ];

        let output = run(&args, &token_env()).await;

        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{fault:?}: {message}");
        assert!(message.starts_with(&expected), "{fault:?}: {message}");
        assert_eq!(message.lines().count(), 1, "{fault:?}: {message}");
        assert!(!message.contains(fake::TOKEN));
    }

    // A page that repeats the first one: the walk stops on page 2.
    let fake = FakeCloudflare::builder().sample_certificates(60).start().await.unwrap();
    fake.set_faults(|_| Some(Fault::RepeatFirstPage));
    let base = fake.base_url();
    let output =
        run(&["list", "--zone-id", fake.zone_id(), "--all", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        1,
        "error: pagination stopped: page 2 repeats certificate 5eed0000000000000000000000000000 already seen\n",
    );
    assert_eq!(fake.request_count(), 2);
}

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
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), uploaded);

    // The fake's default activation: the first read (the get above) still showed
    // pending_deployment; this second one sees the certificate active.
    let output = run(&["get", "--zone-id", zone, "--id", &id, "--base-url", &base], &token_env()).await;
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.starts_with("ID  "), "{table}");
    let days = (chrono::DateTime::parse_from_rfc3339("2060-01-01T00:00:00Z").unwrap().to_utc()
        - chrono::Utc::now())
    .num_days();
    assert_eq!(
        table.lines().nth(1).unwrap(),
        format!("{id}  active              2060-01-01T00:00:00Z  {days:<9}  ECDSAWithSHA256  CLI Root CA"),
        "{table}"
    );

    let output = run(&["delete", "--zone-id", zone, "--id", &id, "--base-url", &base], &token_env()).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("deleted {id}\n"));
    let output =
        run(&["get", "--zone-id", zone, "--id", &id, "--output", "json", "--base-url", &base], &token_env())
            .await;
    let deleting: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(deleting["status"], "pending_deletion");
    let output = run(
        &["delete", "--zone-id", zone, "--id", &id, "--output", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_failed(
        &output,
        1,
        &format!(
            "error: cloudflare api error (http 404): code 1404: Certificate {id} not found in the trust store [cf-ray {}]\n",
            fake::ray_id(fake.request_count())
        ),
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
        &["delete", "--zone-id", fake.zone_id(), "--id", &id, "--output", "json", "--base-url", &base],
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
        (intermediate.as_str(), "error: certificate is not a root CA: issuer CN=CLI Root differs from subject CN=CLI Intermediate\n".to_owned()),
        (missing.as_str(), format!("error: cannot read the certificate file {missing}: No such file or directory (os error 2)\n")),
    ] {
        let output = run(&["upload", "--zone-id", fake.zone_id(), "--certificate-file", file, "--base-url", &base], &token_env()).await;
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
        "error: cloudflare api error (http 400): code 1002: Only root CA certificates are accepted [cf-ray 7a1e000000000001-FAKE]\n",
    );
    assert_eq!(fake.request_count(), 1);
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
async fn ids_that_could_leave_their_path_segment_exit_2_and_send_nothing() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let file = temp_file("hostile-root.pem", &certs::root("Hostile CLI Root"));
    for id in ["..\\..", "..", ".", "a\\b", "a/b", "%2e%2e", "a b", "é"] {
        for args in [
            vec!["delete", "--zone-id", zone, "--id", id, "--base-url", &base],
            vec!["get", "--zone-id", zone, "--id", id, "--base-url", &base],
            vec!["delete", "--zone-id", id, "--id", "abc", "--base-url", &base],
            vec!["list", "--zone-id", id, "--base-url", &base],
            vec!["list", "--zone-id", id, "--all", "--base-url", &base],
            vec!["upload", "--zone-id", id, "--certificate-file", &file, "--base-url", &base],
        ] {
            let output = run(&args, &token_env()).await;
            assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
            let message = stderr(&output);
            assert!(message.starts_with("error: invalid "), "{args:?}: {message}");
            assert!(message.contains("must be 1 to 32 ASCII letters, digits, '-' or '_'"), "{message}");
            assert_eq!(message.lines().count(), 1, "{message}");
        }
    }
    let output = run(&["list", "--zone-id", "example.com", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        2,
        "error: invalid zone_id: \"example.com\" looks like a domain name, but a zone id is expected (32 hex characters, shown on the zone's Overview page in the dashboard)\n",
    );
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.certificates().len(), 3);
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
        assert_failed(
            &output,
            1,
            "error: the list is incomplete: the walk ended after page 3 with 100 items, but the server announced 5 pages and 250 items; list again\n",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_environment_value_that_is_not_utf8_is_an_error_naming_it_never_ignored() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let bad = OsStr::from_bytes(b"fake-token-\xff0123456789");
    let cases: Vec<(Vec<(&str, &OsStr)>, &str)> = vec![
        // With the Global API key set too: no fall back to it.
        (
            vec![
                ("CLOUDFLARE_API_TOKEN", bad),
                ("CLOUDFLARE_EMAIL", OsStr::new(fake::EMAIL)),
                ("CLOUDFLARE_API_KEY", OsStr::new(fake::API_KEY)),
            ],
            "error: configuration error: CLOUDFLARE_API_TOKEN is set but is not valid UTF-8 (a stray byte?); fix or unset it\n",
        ),
        (
            vec![("CLOUDFLARE_EMAIL", bad), ("CLOUDFLARE_API_KEY", OsStr::new(fake::API_KEY))],
            "error: configuration error: CLOUDFLARE_EMAIL is set but is not valid UTF-8 (a stray byte?); fix or unset it\n",
        ),
        (
            vec![("CLOUDFLARE_EMAIL", OsStr::new(fake::EMAIL)), ("CLOUDFLARE_API_KEY", bad)],
            "error: configuration error: CLOUDFLARE_API_KEY is set but is not valid UTF-8 (a stray byte?); fix or unset it\n",
        ),
        (
            vec![
                ("CLOUDFLARE_API_TOKEN", OsStr::new(fake::TOKEN)),
                ("CLOUDFLARE_BASE_URL", OsStr::from_bytes(b"http://127.0.0.1:1/\xfe")),
            ],
            "error: configuration error: CLOUDFLARE_BASE_URL is set but is not valid UTF-8 (a stray byte?); fix or unset it\n",
        ),
    ];
    for (env, message) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
        command.env_clear().args(["list", "--zone-id", fake.zone_id()]).envs(env.iter().copied());
        if !env.iter().any(|(name, _)| *name == "CLOUDFLARE_BASE_URL") {
            command.args(["--base-url", &base]);
        }
        let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        assert_failed(&output, 2, message);
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    command.env_clear().args(["list", "--base-url", &base]).env("CLOUDFLARE_API_TOKEN", fake::TOKEN);
    command.env("CLOUDFLARE_ZONE_ID", OsStr::from_bytes(b"023e105f4ecef8ad9ca31a8372d0c35\xff"));
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("invalid UTF-8"), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 0);
}

/// The CLI with `args`, its standard output (or error) closed by the reader before it writes.
async fn run_with_closed(
    args: &[&str],
    env: &[(&str, &str)],
    close_stdout: bool,
) -> std::process::ExitStatus {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    // The stream left open goes nowhere, so that a full pipe never blocks the CLI.
    let (stdout, stderr) =
        if close_stdout { (Stdio::piped(), Stdio::null()) } else { (Stdio::null(), Stdio::piped()) };
    command.env_clear().args(args).stdout(stdout).stderr(stderr);
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        if close_stdout {
            drop(child.stdout.take());
        } else {
            drop(child.stderr.take());
        }
        child.wait().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_or_stderr_never_panics_nor_turns_a_gate_or_an_error_into_exit_0() {
    let now = chrono::Utc::now();
    let mut certificates = fake::sample_certificates(300);
    certificates[250].expires_on = now + chrono::Duration::days(3);
    let fake = FakeCloudflare::builder().certificates(certificates).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let gate =
        ["list", "--zone-id", zone, "--expiring-within", "30", "--output", "jsonl", "--base-url", &base];
    let all = ["list", "--zone-id", zone, "--all", "--output", "jsonl", "--base-url", &base];
    for close_stdout in [true, false] {
        let status = run_with_closed(&gate, &token_env(), close_stdout).await;
        assert_eq!(status.code(), Some(3), "the gate still finds the expiring certificate");
        let status = run_with_closed(&all, &token_env(), close_stdout).await;
        assert_eq!(status.code(), Some(0));
    }
    fake.set_faults(|r| (r.page == 3).then(|| cloudflare_origin_trust_store::fake::Fault::html(500, 0)));
    for close_stdout in [true, false] {
        let status = run_with_closed(&gate, &[("CLOUDFLARE_API_TOKEN", fake::TOKEN)], close_stdout).await;
        assert_eq!(status.code(), Some(1), "the error is still an error (close_stdout: {close_stdout})");
    }
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
    let fifo = fifo.to_string_lossy().into_owned();
    let dir = dir.to_string_lossy().into_owned();
    for (file, extra, message) in [
        ("/dev/zero", None, "error: cannot read the certificate file /dev/zero: it is not a regular file (a device or a socket?); give a file, or `-` with the data on standard input\n".to_owned()),
        (fifo.as_str(), None, format!("error: cannot read the certificate file {fifo}: it is a FIFO (named pipe); give a file, or `-` with the data on standard input\n")),
        (dir.as_str(), None, format!("error: cannot read the certificate file {dir}: it is a directory; give a file, or `-` with the data on standard input\n")),
        (big.as_str(), None, format!("error: the certificate file {big}: the input is over 1024 KiB; a root CA certificate is a few kilobytes\n")),
        (der.as_str(), None, format!("error: the certificate file {der}: the input is DER (binary), a certificate, not PEM; convert it with: openssl x509 -inform der -in FILE -out FILE.pem\n")),
        (with_key.as_str(), Some("--skip-local-checks"), "error: the input holds a PRIVATE KEY block besides the certificate; give only the certificate\n".to_owned()),
        (with_key.as_str(), None, "error: the input holds a PRIVATE KEY block besides the certificate; give only the certificate\n".to_owned()),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_days_are_exit_2_not_a_panic() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    for days in ["100000000", "36501", "-1", "4294967296", "ten"] {
        let option = format!("--expiring-within={days}");
        let output =
            run(&["list", "--zone-id", fake.zone_id(), &option, "--base-url", &base], &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{days}: {}", stderr(&output));
        assert!(stderr(&output).contains("--expiring-within <DAYS>"), "{days}: {}", stderr(&output));
    }
    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--expiring-within", "36500", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_in_a_table_or_an_error_line_cannot_steer_the_terminal() {
    let mut certificates = fake::sample_certificates(2);
    certificates[0].issuer = "Evil\u{1b}[2J\u{1b}[H\nforged  active  row\u{202e}".into();
    certificates[1].signature = "\u{7}\u{9b}31m".into();
    let fake = FakeCloudflare::builder().certificates(certificates).start().await.unwrap();
    let base = fake.base_url();
    let output = run(&["list", "--zone-id", fake.zone_id(), "--base-url", &base], &token_env()).await;
    let table = String::from_utf8(output.stdout).unwrap();
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(!table.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'), "{table:?}");
    assert!(table.contains("Evil\\u{1b}[2J\\u{1b}[H\\nforged  active  row\\u{202e}"), "{table}");

    fake.set_faults(|_| {
        Some(cloudflare_origin_trust_store::fake::Fault::json(
            403,
            &serde_json::json!({"success": false, "errors": [{"code": 10000, "message": "no\u{1b}]0;pwned\u{7}\r\nerror: fake"}]}),
        ))
    });
    let output = run(&["list", "--zone-id", fake.zone_id(), "--base-url", &base], &token_env()).await;
    let line = stderr(&output);
    assert_eq!(line.lines().count(), 1, "{line:?}");
    assert!(!line.trim_end_matches('\n').chars().any(char::is_control), "{line:?}");
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
