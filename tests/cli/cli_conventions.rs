//! The `cf-trust-store` binary's manners: `-v`, `-q`, `RUST_LOG`, notices on a terminal, global
//! flags, positional ids, confirmation before a delete, completions and the manual page.

use crate::cli_support;
use crate::common;
use crate::support_schema_check as schema_check;

use std::process::{Command, Stdio};

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_prints_one_line_per_request_and_retry_and_nothing_without_it() {
    let fake = FakeCloudflare::builder().sample_certificates(120).start().await.unwrap();
    // Longer than the first retry's backoff (at most 500 ms), which is a floor under it.
    fake.set_faults(|r| (r.page == 2 && r.attempt == 1).then(|| Fault::rate_limited_ms(600)));
    let base = fake.base_url();
    let zone = fake.zone_id();
    let output =
        run(&["list", "--all", "-v", "--zone-id", zone, "--base-url", &base, "-o", "jsonl"], &token_env())
            .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    let request = |page: u64, status: u16| {
        format!("GET /client/v4/zones/{zone}/acm/custom_trust_store?page={page}&per_page=50 → {status} in ")
    };
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert!(lines[0].starts_with(&request(1, 200)) && lines[0].ends_with(" ms"), "{}", lines[0]);
    let second = lines.iter().position(|l| l.starts_with(&request(2, 429))).expect("the 429");
    assert_eq!(
        lines[second + 1],
        format!(
            "retrying GET /client/v4/zones/{zone}/acm/custom_trust_store?page=2&per_page=50 in 600 ms after http 429 (attempt 1 of 3)"
        )
    );
    assert!(lines.iter().any(|l| l.starts_with(&request(2, 200))), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with(&request(3, 200))), "{lines:#?}");

    // Without -v (and off a terminal), or with -q: nothing on stderr.
    for quiet in [&[][..], &["-q"][..]] {
        let mut args = vec!["list", "--all", "--zone-id", zone, "--base-url", &base];
        args.extend(quiet);
        let output = run(&args, &token_env()).await;
        assert!(output.status.success());
        assert_eq!(stderr(&output), "", "{quiet:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn very_verbose_and_rust_log_show_debug_events_and_a_bad_rust_log_is_exit_2() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let output = run(&["list", "-vv", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    let text = stderr(&output);
    assert!(text.contains("DEBUG"), "{text}");
    assert!(text.contains("cloudflare_origin_trust_store::request"), "{text}");
    assert!(text.contains("cloudflare{operation=\"list_custom_trust_store\" zone_id="), "the span: {text}");
    assert!(!text.contains(fake::TOKEN));

    let env =
        [("CLOUDFLARE_API_TOKEN", fake::TOKEN), ("RUST_LOG", "cloudflare_origin_trust_store::request=debug")];
    let output = run(&["list", "--zone-id", zone, "--base-url", &base], &env).await;
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(" DEBUG ") && text.contains("→ 200 in "), "{text}");

    let env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN), ("RUST_LOG", "cloudflare=loud")];
    let output = run(&["list", "--zone-id", zone, "--base-url", &base], &env).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: RUST_LOG=\"cloudflare=loud\" is not a filter"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_over_two_seconds_prints_one_notice_on_a_terminal_and_none_with_q() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    fake.set_faults(|r| (r.attempt == 1).then(|| Fault::rate_limited("3")));
    let base = fake.base_url();
    let zone = fake.zone_id().to_owned();
    let args = ["list", "--zone-id", &zone, "--base-url", &base, "-o", "jsonl"];
    let env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN)];
    let (code, shown) = run_on_terminal(&args, &env, "").await;
    assert_eq!(code, Some(0), "{shown}");
    let notices: Vec<&str> = shown.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(
        notices,
        [format!(
            "note: retrying GET /client/v4/zones/{zone}/acm/custom_trust_store?page=1&per_page=50 in 3.0 s after http 429 (attempt 1 of 3)"
        )]
    );
    let (code, shown) = run_on_terminal(&[&args[..], &["-q"]].concat(), &env, "").await;
    assert_eq!(code, Some(0));
    assert!(!shown.contains("note:"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_flags_go_before_or_after_the_subcommand_and_ids_can_be_positional() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let id = fake.certificates()[1].id.clone();
    let before = run(
        &[
            "-o",
            "json",
            "--zone-id",
            zone,
            "--base-url",
            &base,
            "--retries",
            "0",
            "--timeout",
            "5",
            "-q",
            "get",
            &id,
        ],
        &token_env(),
    )
    .await;
    let after = run(
        &[
            "get",
            "--id",
            &id,
            "-o",
            "json",
            "--zone-id",
            zone,
            "--base-url",
            &base,
            "--retries",
            "0",
            "--timeout",
            "5",
            "-q",
        ],
        &token_env(),
    )
    .await;
    assert!(before.status.success(), "{}", stderr(&before));
    assert_eq!(before.stdout, after.stdout);
    let printed: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(printed["id"], id.as_str());
    let both = run(&["get", &id, "--id", &id, "--zone-id", zone, "--base-url", &base], &token_env()).await;
    assert_eq!(both.status.code(), Some(2), "an id as an argument or with --id, not both");
    let neither = run(&["get", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    assert_eq!(neither.status.code(), Some(2));
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_off_a_terminal_needs_yes_and_on_one_asks_showing_what_goes() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id().to_owned();
    let id = fake.certificates()[0].id.clone();
    let output = run(&["delete", &id, "--zone-id", &zone, "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        2,
        &format!(
            "error: delete is destructive (origins chaining to the root stop being trusted) and standard input is not \
             a terminal to confirm it: add --yes to delete {id}\n"
        ),
    );
    assert_eq!(fake.request_count(), 0);

    let env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN)];
    let (code, shown) =
        run_on_terminal(&["delete", &id, "--zone-id", &zone, "--base-url", &base], &env, "n\n").await;
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains(&format!("Delete {id} (CN=Example Root CA #0, active, expires ")), "{shown}");
    assert!(
        shown.contains("Origins whose certificates chain to it will no longer be trusted. [y/N]"),
        "{shown}"
    );
    assert!(shown.contains(&format!("error: {id} not deleted")), "{shown}");
    assert_eq!(fake.requests().iter().filter(|r| r.method == "DELETE").count(), 0);

    let (code, shown) =
        run_on_terminal(&["delete", &id, "--zone-id", &zone, "--base-url", &base], &env, "yes\n").await;
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains(&format!("deleted {id}")), "{shown}");
    assert_eq!(fake.requests().iter().filter(|r| r.method == "DELETE").count(), 1);
}

#[tokio::test]
async fn completions_for_every_shell_and_a_manual_page_naming_every_subcommand() {
    let subcommands = ["list", "get", "upload", "delete", "completions", "man"];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = run(&["completions", shell], &[]).await;
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = String::from_utf8(output.stdout).unwrap();
        for name in subcommands.iter().chain(&["--zone-id", "--expiring-within"]) {
            assert!(script.contains(name.trim_start_matches('-')), "{shell} lacks {name}");
        }
    }
    let output = run(&["completions", "tcsh"], &[]).await;
    assert_eq!(output.status.code(), Some(2));

    let output = run(&["man"], &[]).await;
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq") || page.contains(".TH cf-trust-store"),
        "{}",
        &page[..200]
    );
    for name in subcommands {
        assert!(page.contains(&format!("cf\\-trust\\-store\\-{name}")), "the page lacks {name}");
    }
    assert!(page.contains("expiring\\-within"), "options are documented");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_describes_what_the_cli_prints() {
    let schema_of = |of: &'static str| async move {
        let output = run(&["schema", of], &[]).await;
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let (list, get) = (schema_of("list").await, schema_of("get").await);
    let fake = FakeCloudflare::builder().sample_certificates(12).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();

    let output =
        run(&["list", "--all", "-o", "json", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed.as_array().unwrap().len(), 12);
    for item in printed.as_array().unwrap() {
        assert_eq!(schema_check::violations(item, &list, &list), Vec::<String>::new());
    }
    let output = run(&["list", "-o", "jsonl", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let item: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(schema_check::violations(&item, &list, &list), Vec::<String>::new());
    }
    let id = fake.certificates()[3].id.clone();
    let output = run(&["get", &id, "-o", "json", "--zone-id", zone, "--base-url", &base], &token_env()).await;
    let mut printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(printed["details"].is_object());
    assert_eq!(schema_check::violations(&printed, &get, &get), Vec::<String>::new());
    // The check does check: what breaks the schema is named.
    printed.as_object_mut().unwrap().remove("id");
    printed["details"]["not_after"] = "yesterday".into();
    assert_eq!(
        schema_check::violations(&printed, &get, &get),
        ["$: `id` is required", "$.details: 0 of the anyOf options match"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_server_prints_its_environment_then_serves_until_interrupted() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"))
        .env_clear()
        .args(["fake-server", "--certificates", "7", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let environment: Vec<(String, String)> = (0..3)
        .map(|_| {
            let line = lines.next().unwrap().unwrap();
            let (name, value) = line.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let names: Vec<&str> = environment.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ZONE_ID"]);
    assert!(environment[0].1.starts_with("http://127.0.0.1:") && environment[0].1.ends_with("/client/v4"));
    assert_eq!(environment[1].1, fake::TOKEN);
    assert_eq!(environment[2].1, fake::ZONE_ID);

    let env: Vec<(&str, &str)> = environment.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let output = run(&["list", "--all", "-o", "json"], &env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 7);

    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), Some(0), "Ctrl-C ends it cleanly");
}

/// Starts `fake-server` with `args` and returns it with the environment it printed.
fn fake_server(args: &[&str]) -> (std::process::Child, Vec<(String, String)>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"))
        .env_clear()
        .arg("fake-server")
        .args(args)
        .arg("-q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let environment = (0..3)
        .map(|_| {
            let line = lines.next().unwrap().unwrap();
            let (name, value) = line.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    (child, environment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_server_plays_a_token_without_a_permission_a_zone_without_a_store_and_dns_records() {
    let (mut child, environment) = fake_server(&[
        "--without-trust-store",
        "--deny",
        "dns-read",
        "--dns-record",
        "A,www.example.com,127.0.0.1,proxied",
    ]);
    let env: Vec<(&str, &str)> = environment.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let output = run(&["list"], &env).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("code 7003"), "{}", stderr(&output));
    assert!(stderr(&output).contains("may not include the Custom Origin Trust Store"), "{}", stderr(&output));
    let output = run(&["check-origins", "--origins-from-dns"], &env).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("(http 403): code 9109"), "{}", stderr(&output));
    assert!(stderr(&output).contains("\"DNS Read\""), "{}", stderr(&output));
    let _ = child.kill();
    let _ = child.wait();

    // Each permission a token can lack, refused where the API needs it, and nowhere else.
    let (mut child, environment) = fake_server(&["--deny", "ssl-edit", "--certificates", "2"]);
    let env: Vec<(&str, &str)> = environment.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert!(run(&["list"], &env).await.status.success(), "reading needs no Edit");
    let output = run(&["delete", "--yes", "ca000000000000000000000000000001"], &env).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("\"SSL and Certificates\""), "{}", stderr(&output));
    let _ = child.kill();
    let _ = child.wait();
    let (mut child, environment) = fake_server(&["--deny", "zone-read", "--deny", "ssl-read"]);
    let env: Vec<(&str, &str)> = environment.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let output = run(&["list", "--zone", "example.com"], &env).await;
    assert!(stderr(&output).contains("\"Zone Read\""), "{}", stderr(&output));
    let output = run(&["list"], &env).await;
    assert!(stderr(&output).contains("(http 403): code 9109"), "{}", stderr(&output));
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_server_refuses_a_bad_dns_record_or_permission_before_serving() {
    for (args, said) in [
        (
            &["--dns-record", "A,www.example.com"][..],
            "expected TYPE,NAME,CONTENT or TYPE,NAME,CONTENT,proxied",
        ),
        (&["--dns-record", "A,,127.0.0.1"][..], "TYPE, NAME and CONTENT must not be empty"),
        (&["--dns-record", "A,a,b,yes"][..], "expected TYPE,NAME,CONTENT or TYPE,NAME,CONTENT,proxied"),
        (&["--deny", "everything"][..], "[possible values: ssl-read, ssl-edit, zone-read, dns-read]"),
    ] {
        let output = run(&[&["fake-server"][..], args].concat(), &[]).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(said), "{args:?}: {}", stderr(&output));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_walks_every_page_and_one_page_says_how_many_more_there_are_on_or_off_a_terminal() {
    let fake = FakeCloudflare::builder().sample_certificates(120).start().await.unwrap();
    let base = fake.base_url();
    let env = token_env();
    let list = ["list", "--zone-id", fake.zone_id(), "--base-url", &base, "-o", "json"];
    let count = |output: &std::process::Output| {
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap().as_array().unwrap().len()
    };
    // Without --page (with or without --all): all 120, nothing on stderr, off a terminal too.
    for extra in [&[][..], &["--all"], &["--per-page", "20"]] {
        let before = fake.request_count();
        let output = run(&[&list[..], extra].concat(), &env).await;
        assert!(output.status.success(), "{extra:?}: {}", stderr(&output));
        assert_eq!(count(&output), 120, "{extra:?}");
        assert_eq!(stderr(&output), "", "{extra:?}");
        let pages = if extra == ["--per-page", "20"] { 6 } else { 3 };
        assert_eq!(fake.request_count() - before, pages, "{extra:?}");
    }
    // One page: it, and on stderr how many come after it, off a terminal and on one.
    let cases = [
        (
            &["--page", "1"][..],
            20,
            "page 1 of 6: 20 of 120 certificates, 100 more after it; list without --page for every page\n",
        ),
        (
            &["--page", "2", "--per-page", "50"],
            50,
            "page 2 of 3: 50 of 120 certificates, 20 more after it; list without --page for every page\n",
        ),
        (
            &["--page", "3", "--per-page", "50"],
            20,
            "page 3 of 3: 20 of 120 certificates, 0 more after it; list without --page for every page\n",
        ),
        (
            &["--page", "9"],
            0,
            "page 9 of 6: 0 of 120 certificates, 0 more after it; list without --page for every page\n",
        ),
    ];
    for (extra, shown, note) in cases {
        let output = run(&[&list[..], extra].concat(), &env).await;
        assert!(output.status.success(), "{extra:?}: {}", stderr(&output));
        assert_eq!(count(&output), shown, "{extra:?}");
        assert_eq!(stderr(&output), note, "{extra:?}");
        let (_, screen) = run_on_terminal(&[&list[..], extra].concat(), &env, "").await;
        assert!(screen.ends_with(note), "{extra:?}: {screen}");
        let output = run(&[&list[..], extra, &["-q"]].concat(), &env).await;
        assert_eq!(stderr(&output), "", "{extra:?} -q");
    }
    // A server that does not say how many there are: said too.
    fake.set_faults(|_| Some(Fault::DropResultInfo));
    let output = run(&[&list[..], &["--page", "1"]].concat(), &env).await;
    assert_eq!(
        stderr(&output),
        "page 1: 20 certificate(s); the answer does not say how many there are in all (list without --page for every page)\n"
    );
}

/// Statuses a hostile server could send: escape sequences, an OSC title, C1 controls, a newline
/// that forges a log line, a bidi override.
const HOSTILE_STATUSES: [&str; 5] = [
    "pending\u{1b}[2J\u{1b}[31mred",
    "pending\u{1b}]0;owned\u{7}",
    "pending\u{9b}31m\u{85}",
    "pending\nERROR cloudflare_origin_trust_store: forged line",
    "pending\u{202e}evil",
];

/// Whatever reached the terminal holds no control character but the line ends, and no bidi
/// override.
#[track_caller]
fn assert_nothing_raw(shown: &str, what: &str) {
    let raw: Vec<char> = shown
        .chars()
        .filter(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c))
        .collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in {shown:?}");
    assert!(
        !shown.lines().any(|l| l.starts_with("ERROR cloudflare_origin_trust_store: forged")),
        "{what}: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_statuses_reach_logs_and_prompts_escaped_on_a_terminal() {
    for status in HOSTILE_STATUSES {
        let fake = FakeCloudflare::builder().start().await.unwrap();
        // Every get (the delete's confirmation, each poll of a wait) reads the certificate asked
        // for back with the hostile status.
        let pem = common::certs::root("Hostile Status");
        let (answer_pem, answer_status) = (pem.clone(), status.to_owned());
        fake.set_faults(move |r| {
            if r.method != "GET" || r.is_list() {
                return None;
            }
            let mut certificate = cloudflare_origin_trust_store::CustomTrustStore::new(
                r.path.rsplit('/').next().unwrap(),
                answer_pem.clone(),
            );
            certificate.status =
                cloudflare_origin_trust_store::CertificateStatus::from(answer_status.as_str());
            let body =
                serde_json::json!({"success": true, "errors": [], "messages": [], "result": certificate});
            Some(Fault::json(200, &body))
        });
        let base = fake.base_url();
        let zone = fake.zone_id().to_owned();
        let env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN)];

        let id = "ca000000000000000000000000000001";
        let (code, shown) =
            run_on_terminal(&["delete", id, "--zone-id", &zone, "--base-url", &base], &env, "n\n").await;
        assert_eq!(code, Some(1), "{shown}");
        assert!(shown.contains("[y/N]"), "{shown}");
        assert_nothing_raw(&shown, "delete prompt");

        // -vv and RUST_LOG print the wait's events, the status among their fields.
        let upload = temp_file("hostile-status.pem", &pem);
        let args = [
            "upload",
            "--wait",
            "--wait-timeout",
            "1",
            "--certificate-file",
            &upload,
            "--zone-id",
            &zone,
            "--base-url",
            &base,
        ];
        type Log<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
        let logs: [Log; 2] = [(&["-vv"], &[]), (&[], &[("RUST_LOG", "cloudflare_origin_trust_store=debug")])];
        // Waits take a second each: one status of the class is enough for the logs' path.
        if status != HOSTILE_STATUSES[0] && status != HOSTILE_STATUSES[3] {
            continue;
        }
        for (flags, log_env) in logs {
            fake.set_certificates(Vec::new());
            // The store's first root: the switch to it is asked about on the terminal, and accepted.
            let (code, shown) =
                run_on_terminal(&[&args[..], flags].concat(), &[&env[..], log_env].concat(), "y\n").await;
            assert_eq!(code, Some(1), "{shown}");
            assert!(shown.contains("status=pending"), "{flags:?} {log_env:?}: the wait's fields: {shown}");
            assert_nothing_raw(&shown, "logs");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_options_have_their_own_heading_and_a_command_that_ignores_one_refuses_it() {
    let help = run(&["list", "--help"], &[]).await;
    let help = String::from_utf8(help.stdout).unwrap();
    let (own, global) = help.split_once("\nGlobal options:\n").unwrap_or_else(|| panic!("{help}"));
    for flag in [
        "--zone-id",
        "--zone <NAME>",
        "--token-env",
        "--output <OUTPUT>",
        "--base-url",
        "--timeout",
        "--retries",
        "--verbose",
        "--quiet",
    ] {
        assert!(global.contains(flag) && !own.contains(flag), "{flag} under Global options only: {help}");
    }
    assert!(own.contains("--page") && !global.contains("--page"), "{help}");

    let help = String::from_utf8(run(&["fake-server", "--help"], &[]).await.stdout).unwrap();
    for flag in
        ["--zone-id", "--zone <NAME>", "--token-env", "--output", "--base-url", "--timeout", "--retries"]
    {
        assert!(!help.contains(flag), "fake-server does not offer {flag}: {help}");
    }
    assert!(help.contains("--quiet"), "{help}");

    // Given anyway, before or after the command's name: exit 2, naming the option, nothing served.
    for (args, flag, command) in [
        (&["fake-server", "--zone", "example.org"][..], "--zone", "fake-server"),
        (&["--zone", "example.org", "fake-server"][..], "--zone", "fake-server"),
        (&["fake-server", "--zone-id", "023e105f4ecef8ad9ca31a8372d0c353"][..], "--zone-id", "fake-server"),
        (&["fake-server", "--base-url", "http://127.0.0.1:1"][..], "--base-url", "fake-server"),
        (&["fake-server", "-o", "json"][..], "--output", "fake-server"),
        (&["fake-server", "--retries", "0"][..], "--retries", "fake-server"),
        (&["fake-server", "--token-env", "CF_API_TOKEN"][..], "--token-env", "fake-server"),
        (&["fake-server", "--timeout", "5s"][..], "--timeout", "fake-server"),
        (&["schema", "--zone", "example.org"][..], "--zone", "schema"),
        (&["schema", "-q"][..], "--quiet", "schema"),
        (&["completions", "bash", "--timeout", "5s"][..], "--timeout", "completions"),
        (&["man", "-v"][..], "--verbose", "man"),
    ] {
        let output = run(args, &[]).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).starts_with(&format!("error: {flag} is not used by `{command}`; leave it out\n")),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    // What a command uses is still taken: fake-server -q, schema and man alone.
    assert!(run(&["schema", "sync"], &[]).await.status.success());
    assert!(run(&["man"], &[]).await.status.success());
}
