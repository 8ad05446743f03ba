//! The `cf-trust-store` binary against the fake API. Failures end to end: exit codes, one line on stderr, nothing sent for bad input, no panic.

use crate::cli_support;

use std::process::Command;

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};

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
    assert_failed(
        &output,
        2,
        "error: CLOUDFLARE_ZONE_ID is set but is not valid UTF-8 (a stray byte?); fix or unset it\n",
    );
    assert_eq!(fake.request_count(), 0);
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

/// A negative number given as its own argument (`--concurrency -1`) is read as the option's value
/// and refused naming the option and its range, not as an unknown flag `-1`; a status that is not
/// one Cloudflare documents (a typo would empty the gate and exit 0) is refused naming the values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_numbers_and_unknown_statuses_are_refused_naming_the_option_and_nothing_is_sent() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    for (args, named) in [
        (
            &["audit", "--zone-id", zone, "--concurrency", "-1"][..],
            "'-1' for '--concurrency <N>': -1 is not in 1..=32",
        ),
        (&["audit", "--zone-id", zone, "--expiring-within", "-7"], "'-7' for '--expiring-within <DAYS>'"),
        (&["audit", "--zone-id", zone, "--budget", "-100"], "'-100' for '--budget <N>'"),
        (&["list", "--zone-id", zone, "--retries", "-1"], "'-1' for '--retries <N>'"),
        (&["list", "--zone-id", zone, "--page", "-2"], "'-2' for '--page <N>'"),
        (&["list", "--zone-id", zone, "--all", "--max-pages", "-5"], "'-5' for '--max-pages <N>'"),
        (&["list", "--zone-id", zone, "--timeout", "-0.5"], "'-0.5' for '--timeout <DURATION>'"),
        (
            &["upload", "--zone-id", zone, "--certificate-file", "x.pem", "--wait-timeout", "-3"],
            "'-3' for '--wait-timeout <DURATION>'",
        ),
    ] {
        let output = run(&[args, &["--base-url", &base]].concat(), &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(&format!("invalid value {named}")), "{args:?}: {}", stderr(&output));
    }
    let allowed =
        "[possible values: initializing, pending_deployment, active, pending_deletion, deleted, expired]";
    for status in ["bogus", "", "Active", "ACTIVE", "active ", "pending-deployment", "actïve"] {
        for command in
            [&["audit", "--zone-id", zone][..], &["list", "--zone-id", zone, "--expiring-within", "30"]]
        {
            let output =
                run(&[command, &["--status", status, "--base-url", &base]].concat(), &token_env()).await;
            assert_eq!(output.status.code(), Some(2), "{status:?}: {}", stderr(&output));
            let message = stderr(&output);
            let refusal = if status.is_empty() {
                "a value is required for '--status <STATUS>'".to_owned()
            } else {
                format!("invalid value '{status}' for '--status <STATUS>'")
            };
            assert!(message.contains(&refusal), "{message}");
            assert!(message.contains(allowed), "{message}");
        }
    }
    assert_eq!(fake.request_count(), 0, "nothing is sent for invalid input");
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

    // JSON keeps the text, with everything that steers a terminal written as an escape.
    for format in ["json", "jsonl"] {
        let output =
            run(&["list", "--zone-id", fake.zone_id(), "-o", format, "--base-url", &base], &token_env())
                .await;
        let printed = String::from_utf8(output.stdout).unwrap();
        let steering = |c: char| (c.is_control() && c != '\n') || ('\u{200b}'..='\u{206f}').contains(&c);
        assert!(!printed.chars().any(steering), "{format}: {printed:?}");
        assert!(printed.contains(r"\u001b[2J\u001b[H\nforged  active  row\u202e"), "{format}: {printed}");
        assert!(printed.contains(r"\u0007\u009b31m"), "{format}: {printed}");
        let first = printed.lines().find(|line| line.contains("Evil")).unwrap();
        let issuer = first.split("\"issuer\":").nth(1).unwrap();
        let issuer: String = serde_json::Deserializer::from_str(issuer).into_iter().next().unwrap().unwrap();
        assert_eq!(issuer, "Evil\u{1b}[2J\u{1b}[H\nforged  active  row\u{202e}", "the same text");
    }

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
