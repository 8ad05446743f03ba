//! The CLI across many zones: `audit`.

use crate::cli_support;
use crate::support_schema_check as schema_check;
use crate::support_zones as zones;

use std::process::Command;
use std::time::Duration;

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeZone, Fault};
use serde_json::{Value, json};
use zones::{Zones, site, zone_id};

const ZONES: Zones = Zones { expiring_every: 5 };

/// The rows of `-o json`, each as (zone_id, zone_name, certificates, expiring ids, error).
fn rows(stdout: &[u8]) -> Vec<(Value, Value, u64, Vec<String>, Value)> {
    let printed: Value = serde_json::from_slice(stdout).unwrap();
    printed
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row.as_object().unwrap().len(), 5, "exactly the five fields: {row}");
            let expiring = row["expiring"].as_array().unwrap();
            (
                row["zone_id"].clone(),
                row["zone_name"].clone(),
                row["certificates"].as_u64().unwrap(),
                expiring.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect(),
                row["error"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_all_zones_finds_exactly_the_expiring_certificates_with_one_request_per_zone() {
    let fake = ZONES.fake(75).start().await.unwrap();
    let base = fake.base_url();
    let output = run(&["audit", "--all-zones", "-o", "json", "--base-url", &base], &token_env()).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "nothing on stderr off a terminal");
    let printed = rows(&output.stdout);
    let mut expected = vec![(json!(fake.zone_id()), json!("example.com"), 0, vec![], Value::Null)];
    expected.extend((1..=75).map(|i| {
        (json!(zone_id(i)), json!(site(i)), 1 + (i % 3) as u64, ZONES.expiring(i, 30), Value::Null)
    }));
    assert_eq!(printed, expected);
    assert!(printed.iter().filter(|row| !row.3.is_empty()).count() >= 5, "a test with something to find");

    let requests = fake.requests();
    let zone_pages: Vec<_> = requests.iter().filter(|r| r.path == "/client/v4/zones").collect();
    assert_eq!(zone_pages.len(), 2, "76 zones, 50 a page");
    let lists: Vec<_> = requests.iter().filter(|r| r.path.ends_with("/acm/custom_trust_store")).collect();
    assert_eq!(lists.len(), 76, "one list request per zone");
    assert!(lists.iter().all(|r| r.query.as_deref() == Some("page=1&per_page=50")));
    assert_eq!(requests.len(), 78);

    // A wider window, and only some statuses; jsonl prints the same objects, a line each, as each
    // zone is done.
    let output = run(
        &["audit", "--all-zones", "--expiring-within", "45", "-o", "jsonl", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut zones: Vec<&str> = lines.iter().map(|line| line["zone_id"].as_str().unwrap()).collect();
    zones.sort();
    let mut expected: Vec<String> = (1..=75).map(zone_id).chain([fake.zone_id().to_owned()]).collect();
    expected.sort();
    assert_eq!(zones, expected, "every zone once");
    for line in lines.iter().filter(|line| line["zone_id"] != fake.zone_id()) {
        let i = usize::from_str_radix(line["zone_id"].as_str().unwrap(), 16).unwrap();
        let ids: Vec<&str> =
            line["expiring"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ZONES.expiring(i, 45), "zone {i}");
    }
    let output = run(
        &["audit", "--all-zones", "--status", "pending_deletion", "-o", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    let deleting: Vec<usize> = rows(&output.stdout)
        .iter()
        .enumerate()
        .filter(|(_, row)| !row.3.is_empty())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(deleting, (7..=75).step_by(7).collect::<Vec<_>>());

    // Nothing expiring: exit 0.
    let output =
        run(&["audit", "--zone-id", &zone_id(1), "--zone", &site(2), "--base-url", &base], &token_env())
            .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zones_come_from_options_and_files_in_the_order_given_and_the_table_has_a_line_each_and_a_summary() {
    let fake = ZONES.fake(12).start().await.unwrap();
    let base = fake.base_url();
    let file = temp_file(
        "zones.txt",
        &format!("# production\n{}\n\n  {}   # the blog\n{}\n", site(10), zone_id(3), zone_id(2)),
    );
    let output = run(
        &[
            "audit",
            "--zone",
            &site(5),
            "--zone-id",
            &zone_id(1),
            "--zones-file",
            &file,
            "--zone",
            "nowhere.example.org",
            "--by-zone",
            "--base-url",
            &base,
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "a zone failed: {}", stderr(&output));
    assert_eq!(stderr(&output), "error: 1 of 6 zone(s) could not be audited: see the error of each\n");
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 8, "{table}");
    let expiry = |i: usize| ZONES.store(i)[0].expires_on.format("%Y-%m-%d").to_string();
    let header = "ZONE_ID                           ZONE_NAME                                 CERTIFICATES  EXPIRING  FIRST_EXPIRY  ERROR";
    assert_eq!(lines[0], header);
    let line = |id: &str, name: &str, certificates: &str, expiring: &str, first: &str, error: &str| {
        format!("{id:<32}  {name:<40}  {certificates:<12}  {expiring:<8}  {first:<12}  {error}")
    };
    assert_eq!(lines[1], line(&zone_id(5), &site(5), "3", "1", &expiry(5), ""));
    assert_eq!(lines[2], line(&zone_id(1), "-", "2", "0", "-", ""));
    assert_eq!(
        lines[3],
        line(
            "-",
            "nowhere.example.org",
            "-",
            "-",
            "-",
            "no zone named \"nowhere.example.org\" is visible to these credentials (check the name, and that the token may read zones: \"Zone Read\")"
        )
    );
    assert_eq!(lines[4], line(&zone_id(10), &site(10), "2", "1", &expiry(10), ""));
    assert_eq!(lines[5], line(&zone_id(3), "-", "1", "0", "-", ""));
    assert_eq!(lines[6], line(&zone_id(2), "-", "3", "0", "-", ""));
    let requests = fake.request_count();
    assert_eq!(
        lines[7],
        format!(
            "6 zone(s): 11 certificate(s), 2 expiring within 30 day(s) in 2 zone(s), 1 zone(s) failed; {requests} request(s)"
        )
    );
    assert_eq!(requests, 3 + 5, "three names resolved, five stores listed");

    // Standard input as the zones file, as a Windows editor writes it (a byte order mark, CRLF);
    // the same zone twice is audited once.
    let before = fake.request_count();
    let output = run_with_stdin(
        &["audit", "--zones-file", "-", "-o", "jsonl", "--base-url", &base],
        &token_env(),
        format!("\u{feff}{}\r\n{}\r\n{}\r\n", zone_id(4), zone_id(4).to_uppercase(), site(4)),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed = String::from_utf8(output.stdout).unwrap();
    let zones: Vec<Value> =
        printed.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["zone_id"].clone()).collect();
    assert_eq!(zones, [json!(zone_id(4)), json!(zone_id(4))], "by id once, and once by name");
    assert_eq!(fake.request_count(), before + 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_zone_is_reported_with_exit_1_and_the_others_still_listed() {
    let fake = ZONES
        .fake(20)
        .zone(FakeZone::new("f".repeat(32), "free.example.org").without_trust_store())
        .start()
        .await
        .unwrap();
    let broken = format!("/zones/{}/acm/custom_trust_store", zone_id(9));
    fake.set_faults(move |request| (request.path == broken).then(|| Fault::html(502, 64)));
    let base = fake.base_url();
    let output =
        run(&["audit", "--all-zones", "--retries", "1", "-o", "json", "--base-url", &base], &token_env())
            .await;
    assert_eq!(output.status.code(), Some(1), "1 wins over 3: {}", stderr(&output));
    assert_failed_with_report(
        &output,
        1,
        "error: 2 of 22 zone(s) could not be audited: see the error of each\n",
        "zones_failed",
    );
    let rows = rows(&output.stdout);
    assert_eq!(rows.len(), 22);
    for (i, row) in rows.iter().enumerate() {
        match i {
            9 => {
                let error = row.4.as_str().unwrap();
                assert!(error.starts_with("gave up after 2 attempts: "), "{error}");
                assert!(error.contains("502"), "{error}");
                assert!(error.contains(" [cf-ray "), "the Ray ID support asks for: {error}");
                assert_eq!((row.2, row.3.is_empty()), (0, true));
            }
            21 => {
                assert_eq!(row.0, json!("f".repeat(32)));
                assert!(row.4.as_str().unwrap().contains("7003"), "{}", row.4);
            }
            _ => {
                assert_eq!(row.4, Value::Null, "zone {i}");
                if i > 0 {
                    assert_eq!(row.3, ZONES.expiring(i, 30), "zone {i}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_under_a_tight_server_budget_meets_no_429() {
    // The server allows 12 requests a second and says so in its headers; 30 zones need 32
    // requests, eight at once.
    let fake = ZONES.fake(30).rate_limit(12, Duration::from_secs(1)).start().await.unwrap();
    let base = fake.base_url();
    let output = run(&["audit", "--all-zones", "-o", "json", "--base-url", &base], &token_env()).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(rows(&output.stdout).len(), 31);
    assert_eq!(fake.request_count(), 32);
    assert_eq!(fake.rate_limited_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_audit_input_exits_2_and_sends_nothing() {
    let fake = ZONES.fake(2).start().await.unwrap();
    let base = fake.base_url();
    let fifo =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("zones-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo = fifo.to_str().unwrap().to_owned();
    let bad_line = temp_file("bad-zones.txt", &format!("{}\n# fine\nexample.org/..\n", zone_id(1)));
    let empty = temp_file("empty-zones.txt", "# nothing here\n\n");
    let one = zone_id(1);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![],
            "error: audit needs zones: give --zone-id ID or --zone NAME (repeatable), --zones-file FILE, or --all-zones\n",
        ),
        (
            vec!["--all-zones", "--zone", "a.example"],
            "error: --all-zones audits every zone: give it without --zone-id, --zone or --zones-file\n",
        ),
        (
            vec!["--zone-id", "../.."],
            "error: invalid zone_id: must be 1 to 32 ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters), got \"../..\"\n",
        ),
        (vec!["--zone-id", "%2e%2e"], ""),
        (vec!["--zone-id", "example.org"], ""),
        (vec!["--zone", "a\\b.org"], ""),
        (vec!["--zone", "bad name.org"], ""),
        (vec!["--all-zones", "--account-id", "x/y"], ""),
        (vec!["--zones-file", &bad_line], ""),
        (vec!["--zones-file", &empty], ""),
        (vec!["--zones-file", &fifo], ""),
        (vec!["--zones-file", "/nonexistent/zones.txt"], ""),
        (vec!["--zones-file", "/"], ""),
        (vec!["--all-zones", "--concurrency", "0"], ""),
        (vec!["--all-zones", "--concurrency", "33"], ""),
        (vec!["--all-zones", "--expiring-within", "-1"], ""),
        (vec!["--all-zones", "--expiring-within", "36501"], ""),
        (vec!["--all-zones", "--budget", "0"], ""),
        (vec!["--account-id", &one], ""),
    ];
    let mut said = Vec::new();
    for (args, message) in &cases {
        let output = run(&[&["audit", "--base-url", &base][..], args].concat(), &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        if !message.is_empty() {
            assert_eq!(stderr(&output), *message, "{args:?}");
        }
        said.push(stderr(&output));
    }
    assert!(said[8].contains(", line 3: invalid zone name:"), "{}", said[8]);
    assert!(said[9].ends_with("holds no zone\n"), "{}", said[9]);
    assert!(said[10].contains("a FIFO (named pipe)"), "{}", said[10]);
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_json_matches_its_schema() {
    let schema: Value = serde_json::from_slice(&run(&["schema", "audit"], &[]).await.stdout).unwrap();
    let fake = ZONES.fake(10).start().await.unwrap();
    let base = fake.base_url();
    let output = run(&["audit", "--all-zones", "-o", "json", "--base-url", &base], &token_env()).await;
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = printed.as_array().unwrap();
    assert_eq!(rows.len(), 11);
    assert!(rows.iter().any(|row| !row["expiring"].as_array().unwrap().is_empty()));
    for row in rows {
        assert_eq!(schema_check::violations(row, &schema, &schema), Vec::<String>::new());
    }
    let unresolved = json!({"zone_id": null, "zone_name": "a.example", "certificates": 0, "expiring": [], "error": "no zone"});
    assert_eq!(schema_check::violations(&unresolved, &schema, &schema), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_a_progress_bar_shows_zones_requests_and_waits_and_not_with_q() {
    let fake = ZONES.fake(60).latency(Duration::from_millis(40)).start().await.unwrap();
    let base = fake.base_url();
    let env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN), ("TERM", "xterm")];
    let (code, shown) = run_on_terminal(
        &["audit", "--all-zones", "--concurrency", "2", "--by-zone", "--base-url", &base],
        &env,
        "",
    )
    .await;
    assert_eq!(code, Some(3), "{shown}");
    assert!(shown.contains("zones ") && shown.contains("/61 [") && shown.contains(" requests"), "{shown}");
    assert!(shown.contains("61 zone(s): "), "the summary: {shown}");
    // With stdout on the same terminal, every row starts its own line: the bar is cleared first
    // (what is left of a line after its last carriage return and a clear-line is what shows).
    let rows: Vec<&str> = shown.lines().filter(|line| line.contains(".example.org")).collect();
    assert_eq!(rows.len(), 60, "{shown}");
    for line in rows {
        let visible = line.rsplit('\r').next().unwrap().trim_start_matches("\u{1b}[2K");
        assert!(visible.starts_with(|c: char| c.is_ascii_hexdigit()), "a row after the bar's text: {line:?}");
    }
    let (code, shown) =
        run_on_terminal(&["audit", "--all-zones", "--concurrency", "2", "-q", "--base-url", &base], &env, "")
            .await;
    assert_eq!(code, Some(3));
    assert!(!shown.contains(" requests"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_waits_out_a_run_of_429s_unless_retries_are_off() {
    let fake = ZONES.fake(5).start().await.unwrap();
    let base = fake.base_url();
    let busy = format!("/zones/{}/acm/custom_trust_store", zone_id(3));
    fake.set_faults(move |r| (r.path == busy && r.attempt <= 6).then(|| Fault::rate_limited("0")));
    let output = run(&["audit", "--all-zones", "-o", "json", "--base-url", &base], &token_env()).await;
    assert_eq!(output.status.code(), Some(3), "zone 5 expires soon, and no zone failed: {}", stderr(&output));
    let printed = rows(&output.stdout);
    assert_eq!(printed.len(), 6);
    assert!(printed.iter().all(|row| row.4.is_null()), "{printed:?}");
    assert_eq!(fake.request_count(), 1 + 6 + 6, "a zone page, six stores, six retries of zone 3's");

    let busy = format!("/zones/{}/acm/custom_trust_store", zone_id(3));
    fake.set_faults(move |r| (r.path == busy).then(|| Fault::rate_limited("0")));
    let output =
        run(&["audit", "--all-zones", "--retries", "0", "-o", "json", "--base-url", &base], &token_env())
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let printed = rows(&output.stdout);
    assert!(
        printed[3].4.as_str().unwrap().starts_with("cloudflare api error (http 429)"),
        "{:?}",
        printed[3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_on_a_terminal_clears_the_progress_bar_and_exits_130() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    // A slow fake: the audit is still running when Ctrl-C comes.
    let fake = ZONES.fake(400).latency(Duration::from_millis(50)).start().await.unwrap();
    let base = fake.base_url();
    let line = format!(
        "'{}' audit --all-zones --concurrency 1 --base-url '{base}'",
        env!("CARGO_BIN_EXE_cf-trust-store")
    );
    let mut child = Command::new("script")
        .env_clear()
        .envs([("CLOUDFLARE_API_TOKEN", fake::TOKEN), ("TERM", "xterm")])
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut stdin, mut stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let (shown, code) = tokio::task::spawn_blocking(move || {
        let mut shown = Vec::new();
        let mut buffer = [0u8; 4096];
        // Ctrl-C (the terminal's interrupt character) once the bar has counted a few zones.
        while !String::from_utf8_lossy(&shown).contains("zones 3/") {
            let read = stdout.read(&mut buffer).unwrap();
            assert!(read > 0, "the audit ended before its bar showed: {}", String::from_utf8_lossy(&shown));
            shown.extend_from_slice(&buffer[..read]);
        }
        stdin.write_all(b"\x03").unwrap();
        stdout.read_to_end(&mut shown).unwrap();
        (String::from_utf8_lossy(&shown).into_owned(), child.wait().unwrap().code())
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130), "{shown}");
    // After the last drawing of the bar come the clear-line and the word, nothing of the bar.
    let last_bar = shown.rfind("zones ").unwrap();
    let after = &shown[last_bar..];
    let cleared = after.find("\u{1b}[2K").unwrap_or_else(|| panic!("the bar is never cleared: {after:?}"));
    let tail = &after[cleared..];
    assert!(tail.contains("interrupted"), "{tail:?}");
    assert!(!tail.contains("zones "), "the bar is drawn again after it was cleared: {tail:?}");
    assert!(fake.request_count() < 401, "Ctrl-C stopped the audit");
}
