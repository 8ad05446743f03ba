//! The CLI by zone name: `--zone NAME` wherever `--zone-id` goes, resolved with one request.

use crate::cli_support;
use crate::support_zones as zones;

use cli_support::*;
use cloudflare_origin_trust_store::fake::{self, FakeZone};
use serde_json::Value;
use zones::{Zones, site, zone_id};

const ZONES: Zones = Zones { expiring_every: 5 };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_names_resolve_with_one_request_wherever_zone_ids_go() {
    let fake = ZONES
        .fake(3)
        .zone(FakeZone::new("a".repeat(32), "twin.example.org"))
        .zone(FakeZone::new("b".repeat(32), "twin.example.org"))
        .start()
        .await
        .unwrap();
    let base = fake.base_url();
    let zone_env = [("CLOUDFLARE_API_TOKEN", fake::TOKEN), ("CLOUDFLARE_ZONE_ID", fake.zone_id())];

    // Found: the name wins over CLOUDFLARE_ZONE_ID, which only stands in when no zone is given.
    let output =
        run(&["list", "--zone", "SITE2.example.org.", "-o", "json", "--base-url", &base], &zone_env).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.len(), 3);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/client/v4/zones");
    assert!(requests[0].query_pairs().contains(&("name".into(), "SITE2.example.org".into())));
    assert_eq!(requests[1].path, format!("/client/v4/zones/{}/acm/custom_trust_store", zone_id(2)));
    let id = ZONES.store(1)[0].id.clone();
    let output =
        run(&["get", &id, "--zone", &site(1), "-o", "json", "--base-url", &base], &token_env()).await;
    assert!(output.status.success(), "{}", stderr(&output));

    // Not found, or two zones of that name: exit 1, nothing more sent.
    let before = fake.request_count();
    let output = run(&["list", "--zone", "nowhere.example.org", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        1,
        "error: no zone named \"nowhere.example.org\" is visible to these credentials (check the name, and that the token may read zones: \"Zone Read\")\n",
    );
    let output =
        run(&["delete", &id, "--yes", "--zone", "twin.example.org", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        1,
        &format!(
            "error: 2 zones are named \"twin.example.org\": {}, {}; give the zone's id instead\n",
            "a".repeat(32),
            "b".repeat(32)
        ),
    );
    assert_eq!(fake.request_count(), before + 2, "one List Zones request each");
    assert_eq!(fake.certificates_of(&zone_id(1)).len(), 2, "nothing deleted");

    // Refused before anything is sent: bad names, two zones for a one-zone command, and a
    // repeated option split around the subcommand (clap would keep only the later values).
    let before = fake.request_count();
    for name in [
        "a/b.example",
        "..",
        "contains:site",
        "exämple.org",
        "two words.org",
        "%2e%2e",
        "",
        "a..b.org",
        "-a.org",
    ] {
        let output = run(&["list", &format!("--zone={name}"), "--base-url", &base], &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{name:?}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(message.starts_with("error: invalid zone name: "), "{message}");
        assert!(message.ends_with(&format!(", got {name:?}\n")), "{message}");
    }
    let output =
        run(&["list", "--zone", &site(1), "--zone-id", &zone_id(2), "--base-url", &base], &token_env()).await;
    assert_failed(&output, 2, "error: list works on one zone; 2 were given (--zone-id and --zone)\n");
    let output =
        run(&["--zone-id", &zone_id(1), "list", "--zone-id", &zone_id(2), "--base-url", &base], &token_env())
            .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("given both before and after the subcommand"), "{}", stderr(&output));
    let output = run(&["list", "--base-url", &base], &token_env()).await;
    assert_failed(
        &output,
        2,
        "error: list needs a zone: give --zone-id ID or --zone NAME (or set CLOUDFLARE_ZONE_ID)\n",
    );
    assert_eq!(fake.request_count(), before);

    // sync takes names too, resolved before anything changes.
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let args = ["sync", "--dir", dir.to_str().unwrap(), "--dry-run", "-o", "jsonl", "--base-url", &base];
    let output =
        run(&[&args[..], &["--zone", &site(1), "--zone-id", &zone_id(3)]].concat(), &token_env()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output =
        run(&[&args[..], &["--zone", &site(1), "--zone", "nowhere.example.org"]].concat(), &token_env())
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "no plan before every zone is known");
}

/// With `--zone NAME`, the name is resolved with a request; every other input is checked first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_zone_name_bad_ids_and_files_are_refused_before_the_name_is_resolved() {
    let fake = ZONES.fake(2).start().await.unwrap();
    let base = fake.base_url();
    let not_pem = temp_file("zone-name-not-a-cert.pem", "not a certificate\n");
    let not_pem_said = format!("error: the certificate file {not_pem}: no PEM certificate found");
    let root = temp_file("zone-name-root.pem", &fake::sample_certificates(1)[0].certificate);
    for name in [site(1).as_str(), "nowhere.example.org"] {
        for (args, message) in [
            (vec!["get", "../x"], "error: invalid value '../x' for '[ID]': must be 1 to 255 ASCII letters"),
            (vec!["get", "--id", "a b"], "error: invalid value 'a b' for '--id <ID>': must be 1 to 255"),
            (vec!["delete", "--yes", "..\\.."], "error: invalid value '..\\..' for '[ID]': must be 1 to 255"),
            (
                vec!["rotate", "--old", "%2e%2e", "--new", &root],
                "error: invalid value '%2e%2e' for '--old <ID>'",
            ),
            (vec!["upload", "--certificate-file", &not_pem], not_pem_said.as_str()),
        ] {
            let output =
                run(&[&args[..], &["--zone", name, "--base-url", &base]].concat(), &token_env()).await;
            assert_eq!(output.status.code(), Some(2), "{args:?} {name}: {}", stderr(&output));
            assert!(stderr(&output).starts_with(message), "{args:?}: {}", stderr(&output));
        }
    }
    assert_eq!(fake.request_count(), 0, "nothing sent, not even the name's lookup");
}
