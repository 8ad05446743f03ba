//! The CLI's `check-origins`: real handshakes with FakeOrigin, the store from FakeCloudflare, and
//! the exit codes scripts rely on (0 trusted, 5 not, 2 bad input, 1 errors).

use crate::cli_support;
use crate::common::write::*;
use crate::support_origin_pki as pki;

use cli_support::*;
use cloudflare_origin_trust_store::CertificateStatus;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeOrigin};
use pki::{Ca, LeafCert, id};
use serde_json::Value;

const HOST: &str = "www.example.test";

struct Setup {
    fake: FakeCloudflare,
    origin: FakeOrigin,
    base: String,
    target: String,
}

async fn setup(store: &[(&Ca, u32)], leaf: &LeafCert) -> Setup {
    let certificates = store.iter().map(|(ca, n)| ca.stored(&id(*n), CertificateStatus::Active)).collect();
    let fake = FakeCloudflare::builder().certificates(certificates).start().await.unwrap();
    let origin = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let target = format!("{HOST}@{}", origin.address());
    Setup { base: fake.base_url(), fake, origin, target }
}

impl Setup {
    async fn run(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["check-origins", "--base-url", &self.base, "--zone-id", self.fake.zone_id()];
        args.extend_from_slice(extra);
        run(&args, &token_env()).await
    }
}

fn json(output: &std::process::Output) -> Vec<Value> {
    let value: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)));
    value.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_origin_trusted_now_exits_0_with_a_row_each() {
    let root = Ca::root("Root");
    let s = setup(&[(&root, 1)], &root.leaf(&[HOST])).await;
    let output = s.run(&["--origin", &s.target]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout.clone()).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("HOST") && lines[0].contains("LEAF_EXPIRES") && lines[0].ends_with("REASON")
    );
    assert!(lines[1].starts_with(HOST) && lines[1].contains("2035-01-01") && lines[1].contains("trusted"));
    assert!(lines[1].contains(&id(1)), "the anchor's id: {}", lines[1]);
    assert_eq!(lines[2], "1 origin(s): 1 trusted now");
    assert_eq!(stderr(&output), "now: the store's 1 usable root(s)\n");
    assert_eq!(s.fake.request_count(), 1);
    s.origin.closed(1).await;
    assert_eq!(s.origin.application_bytes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploading_a_first_root_that_untrusts_a_public_origin_exits_5() {
    let (public, private) = (Ca::root("Public CA"), Ca::root("Private Root"));
    let s = setup(&[], &public.leaf(&[HOST])).await;
    let bundle = temp_file("public-bundle.pem", &public.pem);
    let upload = temp_file("private-root.pem", &private.pem);
    let args = ["--origin", &s.target, "--default-trust", &bundle, "--after-upload", &upload, "-o", "json"];
    let output = s.run(&args).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let rows = json(&output);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["now"]["outcome"], "trusted");
    assert_eq!(rows[0]["now"]["anchor"]["source"], "bundle");
    assert_eq!(rows[0]["after"]["outcome"], "untrusted");
    assert_eq!(rows[0]["after"]["reason"], "no_path");
    assert_eq!(rows[0]["passed"], false);
    assert!(
        stderr(&output).contains("after the change: the store's 1 usable root(s)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(s.fake.request_count(), 1, "only the list: nothing is uploaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_anchoring_root_exits_5_and_deleting_another_exits_0() {
    let (a, b) = (Ca::root("Root A"), Ca::root("Root B"));
    let s = setup(&[(&a, 1), (&b, 2)], &a.leaf(&[HOST])).await;
    let output = s.run(&["--origin", &s.target, "--after-delete", &id(1)]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(table.contains("after: no path to a root of the zone's trust store"), "{table}");
    let output = s.run(&["--origin", &s.target, "--after-delete", &id(2), "-o", "jsonl"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let row: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(row["after"]["anchor"]["id"], id(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_directory_with_prune_is_checked_as_the_sync_would_leave_the_store() {
    let (kept, pruned) = (Ca::root("Kept Root"), Ca::root("Pruned Root"));
    let s = setup(&[(&kept, 1), (&pruned, 2)], &pruned.leaf(&[HOST])).await;
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("origins-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kept.pem"), &kept.pem).unwrap();
    let dir = dir.to_string_lossy().into_owned();
    let output = s.run(&["--origin", &s.target, "--after-dir", &dir]).await;
    assert_eq!(output.status.code(), Some(0), "without --prune nothing goes: {}", stderr(&output));
    let output = s.run(&["--origin", &s.target, "--after-dir", &dir, "--prune", "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert_eq!(json(&output)[0]["after"]["reason"], "no_path");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_from_files_and_an_origins_file_are_checked_without_connecting_to_them() {
    let root = Ca::root("Root");
    let s = setup(&[(&root, 1)], &root.leaf(&[HOST])).await;
    let chain = temp_file("api-chain.pem", &root.leaf(&["api.example.test"]).chain);
    let expired = root.leaf_with(&["old.example.test"], |p| p.not_after = rcgen::date_time_ymd(2025, 6, 1));
    let expired = temp_file("old-chain.pem", &expired.chain);
    let list = temp_file("origins.txt", &format!("# origins\n\n{}  # the fake\n", s.target));
    let args = [
        "--origins-file",
        &list,
        "--chain",
        &format!("api.example.test={chain}"),
        "--chain",
        &format!("old.example.test={expired}"),
        "-o",
        "json",
    ];
    let output = s.run(&args).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let rows = json(&output);
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["host"].as_str().unwrap(),
                r["chain"]["from"].as_str().unwrap(),
                r["now"]["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (HOST, "handshake", "anchored"),
            ("api.example.test", "pem", "anchored"),
            ("old.example.test", "pem", "expired")
        ]
    );
    s.origin.closed(1).await;
    assert_eq!(s.origin.connections(), 1, "only the origin without a chain file is connected to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_never_answers_is_reported_unreachable_and_exits_5() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let silent = FakeOrigin::silent().await.unwrap();
    let target = format!("{HOST}@{}", silent.address());
    let base = fake.base_url();
    let args = [
        "check-origins",
        "--base-url",
        &base,
        "--zone-id",
        fake.zone_id(),
        "--origin",
        &target,
        "--probe-timeout",
        "0.3",
        "-o",
        "json",
    ];
    let output = run(&args, &token_env()).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let row = &json(&output)[0];
    assert_eq!(row["now"]["outcome"], "unreachable");
    assert!(row["now"]["detail"].as_str().unwrap().contains("did not complete within 300 ms"), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_before_any_request() {
    let root = Ca::root("Root");
    let s = setup(&[(&root, 1)], &root.leaf(&[HOST])).await;
    let bad_list = temp_file("bad-origins.txt", "www.example.test\nbad..host\n");
    let not_root = temp_file("leaf.pem", &root.leaf(&[HOST]).pem);
    let cases: [(&[&str], &str); 8] = [
        (&["--origin", "www.example.test:0"], "port 0 is not a port"),
        (&["--origin", "a.example", "--concurrency", "0"], "--concurrency"),
        (&[], "check-origins needs origins"),
        (&["--origin", "a.example", "--prune"], "--after-dir"),
        (&["--origin", "a.example", "--after-delete", "not an id"], "--after-delete"),
        (&["--origins-file", &bad_list], "line 2"),
        (
            &["--chain", "a.example=/nonexistent/chain.pem"],
            "cannot read the chain file /nonexistent/chain.pem",
        ),
        (&["--origin", "a.example", "--after-upload", &not_root], "is not a CA"),
    ];
    for (args, message) in cases {
        let output = s.run(args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
    assert_eq!(s.fake.request_count(), 0);
    assert_eq!(s.origin.connections(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_be_listed_exits_1() {
    let root = Ca::root("Root");
    let s = setup(&[(&root, 1)], &root.leaf(&[HOST])).await;
    let base = s.base.clone();
    let other_zone = "0123456789abcdef0123456789abcdef";
    let args = ["check-origins", "--base-url", &base, "--zone-id", other_zone, "--origin", &s.target];
    let output = run(&args, &token_env()).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error: "), "{}", stderr(&output));
    assert_eq!(s.origin.connections(), 0, "nothing is probed when the store cannot be listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_from_the_origin_is_escaped_in_the_table() {
    // The leaf names a host with an escape sequence in it (IA5String allows it): the reason that
    // lists the leaf's names shows it escaped.
    let root = Ca::root("Root");
    let s = setup(&[(&root, 1)], &root.leaf(&["evil\u{1b}[2J.example.test"])).await;
    let output = s.run(&["--origin", &s.target]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(table.contains("(it names evil\\u{1b}[2J.example.test)"), "{table}");
}

#[tokio::test]
async fn the_schema_of_check_origins_names_its_fields() {
    let output = run(&["schema", "check-origins"], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let schema: Value = serde_json::from_slice(&output.stdout).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    for field in ["origin", "host", "chain", "leaf", "now", "after", "warnings", "passed"] {
        assert!(properties.contains_key(field), "{field}: {schema}");
    }
}

/// Runs a write command (`args`) against the setup's zone with `--origin` for its origin.
async fn write(s: &Setup, args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--zone-id", s.fake.zone_id(), "--base-url", &s.base, "--origin", &s.target]);
    run(&all, &token_env()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_guard_refuses_the_anchoring_root_with_exit_5_and_no_write_unless_force() {
    let (anchor, other) = (Ca::root("Anchor"), Ca::root("Other"));
    let s = setup(&[(&anchor, 1), (&other, 2)], &anchor.leaf(&[HOST])).await;
    let output = write(&s, &["delete", &id(1), "--yes"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("1 origin(s) trusted now would not be after this change"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).ends_with("nothing was written; add --force to make it anyway\n"),
        "{}",
        stderr(&output)
    );
    let table = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(table.lines().any(|l| l.starts_with(HOST) && l.contains("untrusted")), "{table}");
    assert!(writes(&s.fake, 0).is_empty(), "{:?}", writes(&s.fake, 0));
    // Another root goes: every origin stays trusted.
    let output = write(&s, &["delete", &id(2), "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 1);
    // --force deletes the anchor all the same.
    let output = write(&s, &["delete", &id(1), "--yes", "--force"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 2);
    assert!(stderr(&output).contains("this removes the store's last root"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_guard_refuses_a_first_root_that_untrusts_a_public_origin_unless_force() {
    let (public, private) = (Ca::root("Public CA"), Ca::root("Private Root"));
    let s = setup(&[], &public.leaf(&[HOST])).await;
    let bundle = temp_file("guard-public-bundle.pem", &public.pem);
    let private_file = temp_file("guard-private-root.pem", &private.pem);
    let public_file = temp_file("guard-public-root.pem", &public.pem);
    fn upload<'a>(file: &'a str, bundle: &'a str) -> Vec<&'a str> {
        vec!["upload", "--certificate-file", file, "--default-trust", bundle]
    }
    let args = upload(&private_file, &bundle);
    let output = write(&s, &args).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).contains("the store holds no root yet"), "{}", stderr(&output));
    assert!(writes(&s.fake, 0).is_empty(), "{:?}", writes(&s.fake, 0));
    // Uploading the root that anchors it keeps it trusted.
    let args = upload(&public_file, &bundle);
    let output = write(&s, &args).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 1);
    // Now the store anchors the origin: another root beside it changes nothing for it.
    let output = write(&s, &upload(&private_file, &bundle)).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 2);
    // --force uploads a first root that untrusts the origin all the same.
    let s = setup(&[], &public.leaf(&[HOST])).await;
    let mut args = upload(&private_file, &bundle);
    args.push("--force");
    let output = write(&s, &args).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_and_sync_guards_refuse_a_change_that_drops_the_anchor_unless_force() {
    let (anchor, spare, new) = (Ca::root("Rotated Anchor"), Ca::root("Spare"), Ca::root("Newcomer"));
    let s = setup(&[(&anchor, 1), (&spare, 2)], &anchor.leaf(&[HOST])).await;
    let new_file = temp_file("guard-new-root.pem", &new.pem);
    let output = write(&s, &["rotate", "--old", &id(1), "--new", &new_file]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(writes(&s.fake, 0).is_empty(), "{:?}", writes(&s.fake, 0));

    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("guard-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("new.pem"), &new.pem).unwrap();
    std::fs::write(dir.join("spare.pem"), &spare.pem).unwrap();
    let dir = dir.to_str().unwrap();
    // A prune that deletes the anchor: refused before any write, --yes or not.
    let output = write(&s, &["sync", "--dir", dir, "--prune", "--yes", "--no-wait"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(writes(&s.fake, 0).is_empty(), "{:?}", writes(&s.fake, 0));
    // Without pruning, the anchor stays: the sync goes on.
    let output = write(&s, &["sync", "--dir", dir, "--no-wait"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(writes(&s.fake, 0).len(), 1, "the new root uploaded");
    // --force prunes the anchor all the same.
    let output = write(&s, &["sync", "--dir", dir, "--prune", "--yes", "--no-wait", "--force"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        writes(&s.fake, 0).iter().any(|w| w.starts_with("DELETE") && w.ends_with(&id(1))),
        "{:?}",
        writes(&s.fake, 0)
    );
}
