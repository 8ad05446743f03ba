//! Trust store as code from the command line: `upload --wait`, `sync`, `rotate`, against the fake.

use crate::cli_support;
use crate::common;
use crate::common::write::*;

use std::path::{Path, PathBuf};

use cli_support::*;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Transition};
use common::certs;
use serde_json::Value;

/// A fresh directory of its own holding `files` (name, content).
fn dir_with(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sync-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    dir
}

fn printed(output: &std::process::Output) -> Vec<Value> {
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(output)))
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_uploads_then_changes_nothing_then_prunes_exactly_what_left_the_directory() {
    let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
    let base = fake.base_url();
    let zone = fake.zone_id();
    let files = [
        ("a.pem", certs::root("Dir Root A")),
        ("b.crt", certs::root("Dir Root B")),
        ("c.pem", certs::root("Dir Root C")),
        ("notes.txt", "not a root".into()),
    ];
    let dir = dir_with("three", &files);
    let dir = dir.to_str().unwrap();
    let sync = |extra: &'static [&'static str]| {
        let (base, zone, dir) = (base.clone(), zone.to_owned(), dir.to_owned());
        async move {
            let mut args = vec!["sync", "--zone-id", &zone, "--dir", &dir, "--base-url", &base, "-o", "json"];
            args.extend(extra);
            run(&args, &token_env()).await
        }
    };

    // --dry-run: the plan, exit 4, nothing sent but the list.
    let output = sync(&["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let plan = printed(&output);
    assert_eq!(plan.iter().map(|s| s["action"].as_str().unwrap()).collect::<Vec<_>>(), ["upload"; 3]);
    assert_eq!(plan[0]["file"], "a.pem");
    assert_eq!(plan[1]["file"], "b.crt");
    assert_eq!(plan[0]["subject"], "CN=Dir Root A");
    assert_eq!(plan[0]["zone_id"], zone);
    assert_eq!(plan[0]["fingerprint"].as_str().unwrap().len(), 95);
    assert_eq!(plan[0]["expires_on"], "2060-01-01T00:00:00Z");
    assert!(plan[0].get("result").is_none() && plan[0].get("id").is_none());
    assert_eq!(methods(&fake), ["GET"]);

    // The first sync uploads the three.
    let output = sync(&["--wait"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let applied = printed(&output);
    assert!(applied.iter().all(|s| s["result"] == "done" && s["id"].is_string()), "{applied:?}");
    assert_eq!(fake.certificates().len(), 3);

    // The second sends only list requests.
    let before = fake.request_count();
    let output = sync(&["--prune"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(printed(&output).iter().all(|s| s["action"] == "unchanged"));
    assert!(fake.requests()[before..].iter().all(|r| r.method == "GET"));
    let output = sync(&["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "in sync: nothing pending");

    // A file leaves the directory: without --prune nothing goes; with it, exactly that one.
    std::fs::remove_file(Path::new(dir).join("b.crt")).unwrap();
    assert_eq!(sync(&[]).await.status.code(), Some(0));
    assert_eq!(fake.certificates().len(), 3);
    // A plan that deletes is not applied off a terminal without --yes: exit 2, only listed.
    let before = fake.request_count();
    let output = sync(&["--prune"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("the plan deletes 1 root(s)"), "{}", stderr(&output));
    assert!(stderr(&output).contains("CN=Dir Root B"), "{}", stderr(&output));
    // The message's line, then (with -o json) the same error as JSON for a pipeline.
    let said = stderr(&output);
    let json_line = said.lines().last().unwrap();
    let report: Value = serde_json::from_str(json_line).unwrap();
    assert_eq!(report["error"]["kind"], "invalid_input");
    assert!(
        said.contains(
            "add --yes to apply the plan (nothing was changed; the trust stores were only listed)\n{\"error\""
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(methods(&fake)[before..], ["GET"]);
    assert!(output.stdout.is_empty());
    let output = sync(&["--prune", "--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let plan = printed(&output);
    let deletes: Vec<&Value> = plan.iter().filter(|s| s["action"] == "delete").collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0]["subject"], "CN=Dir Root B");
    assert_eq!(methods(&fake).iter().filter(|m| *m == "DELETE").count(), 1);
    let left: Vec<String> = fake.certificates().iter().map(|c| c.details().unwrap().subject).collect();
    assert_eq!(left, ["CN=Dir Root A", "CN=Dir Root C"]);

    // Table output: a heading and + - = lines.
    let output =
        run(&["sync", "--zone-id", zone, "--dir", dir, "--base-url", &base, "--dry-run"], &token_env()).await;
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("zone {zone}: 0 to upload, 0 to delete, 2 unchanged: in sync"));
    assert!(
        lines[1].starts_with("= CN=Dir Root A  ") && lines[1].contains("  expires 2060-01-01  a.pem  "),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_or_an_empty_directory_with_prune_is_exit_2_and_nothing_is_sent() {
    let fake = FakeCloudflare::builder().sample_certificates(2).start().await.unwrap();
    let base = fake.base_url();
    let leaf = certs::signed_by_root(&certs::params("Leaf In Dir", false, 2020, 2050), "Some Root");
    let (cert, key) = certs::self_signed(&certs::params("Keyed Dir Root", true, 2020, 2060));
    let good = certs::root("Good Dir Root");
    /// A case: its name, the directory's files, and the end of the message.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, String);
    let cases: Vec<Case> = vec![
        ("leaf", vec![("good.pem", good.clone()), ("leaf.pem", leaf)], "leaf.pem: certificate is not a CA: CN=Leaf In Dir lacks basicConstraints CA=true".into()),
        ("key", vec![("keyed.pem", format!("{}{}", cert.pem(), key.serialize_pem()))], "keyed.pem: the input holds a PRIVATE KEY block; give only the certificate (one -----BEGIN CERTIFICATE----- block)".into()),
        ("twice", vec![("one.pem", good.clone()), ("two.crt", good.clone())], "one.pem and two.crt hold the same certificate; keep one".into()),
        ("empty", vec![("readme.txt", "nothing".into())], "holds no *.pem or *.crt file, and --prune would delete every root of the zone; add --allow-empty if that is what you want".into()),
    ];
    for (name, files, message) in cases {
        let dir = dir_with(name, &files);
        let output = run(
            &[
                "sync",
                "--prune",
                "--zone-id",
                fake.zone_id(),
                "--dir",
                dir.to_str().unwrap(),
                "--base-url",
                &base,
            ],
            &token_env(),
        )
        .await;
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stderr(&output).trim_end().ends_with(&message), "{name}: {}", stderr(&output));
    }
    let output = run(
        &["sync", "--zone-id", fake.zone_id(), "--dir", "/nonexistent/roots", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_takes_several_zones_and_a_failing_zone_is_exit_1() {
    use cloudflare_origin_trust_store::fake::FakeZone;
    let other = "b".repeat(32);
    let missing = "c".repeat(32);
    let fake = FakeCloudflare::builder()
        .activation(Transition::Immediately)
        .zone(FakeZone::new(other.clone(), "other.example"))
        .start()
        .await
        .unwrap();
    let base = fake.base_url();
    let dir = dir_with("zones", &[("root.pem", certs::root("Many Zones Root"))]);
    let dir = dir.to_str().unwrap();
    let output = run(
        &[
            "sync",
            "--zone-id",
            fake.zone_id(),
            "--zone-id",
            &other,
            "--dir",
            dir,
            "--base-url",
            &base,
            "-o",
            "json",
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let zones: Vec<String> =
        printed(&output).iter().map(|s| s["zone_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(zones, [fake.zone_id(), other.as_str()]);
    assert_eq!((fake.certificates_of(fake.zone_id()).len(), fake.certificates_of(&other).len()), (1, 1));

    let output = run(
        &["sync", "--zone-id", &missing, "--zone-id", &other, "--dir", dir, "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(&format!("error: zone {missing}: cloudflare api error (http 404)")),
        "{}",
        stderr(&output)
    );
    assert!(
        String::from_utf8(output.stdout).unwrap().contains(&format!("zone {other}: 0 to upload")),
        "the other zone is still synced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_wait_returns_once_active_and_rotate_keeps_the_old_root_when_the_new_never_activates() {
    let fake = FakeCloudflare::builder().activation(Transition::AfterReads(1)).start().await.unwrap();
    let base = fake.base_url();
    let file = temp_file("wait-root.pem", &certs::root("Wait For Me"));
    let output = run(
        &[
            "upload",
            "--wait",
            "--certificate-file",
            &file,
            "--zone-id",
            fake.zone_id(),
            "--base-url",
            &base,
            "-o",
            "json",
        ],
        &token_env(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let uploaded: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(uploaded["status"], "active");
    assert_eq!(
        methods(&fake),
        ["GET", "POST", "GET", "GET"],
        "not held yet: uploaded, then polled until active"
    );

    let old = uploaded["id"].as_str().unwrap().to_owned();
    let new = temp_file("rotate-in.pem", &certs::root("Rotate In"));
    let output = run(
        &[
            "rotate",
            "--old",
            &old,
            "--new",
            &new,
            "--zone-id",
            fake.zone_id(),
            "--base-url",
            &base,
            "-o",
            "json",
        ],
        &token_env(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let rotated: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rotated["status"], "active");
    assert_eq!(methods(&fake).iter().filter(|m| *m == "DELETE").count(), 1);

    let stuck = FakeCloudflare::builder().activation(Transition::Never).start().await.unwrap();
    let base = stuck.base_url();
    let mut old = cloudflare_origin_trust_store::fake::sample_certificates(1).remove(0);
    old.status = cloudflare_origin_trust_store::CertificateStatus::Active;
    stuck.set_certificates(vec![old.clone()]);
    let output = run(
        &[
            "rotate",
            "--old",
            &old.id,
            "--new",
            &new,
            "--wait-timeout",
            "1.5",
            "--zone-id",
            stuck.zone_id(),
            "--base-url",
            &base,
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is still pending_deployment after 1s; it is not active yet"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).trim_end().ends_with(&format!("; {} was not deleted", old.id)),
        "{}",
        stderr(&output)
    );
    assert!(stuck.certificates().iter().any(|c| c.id == old.id));
    assert!(!methods(&stuck).contains(&"DELETE".to_owned()));

    let output = run(
        &[
            "upload",
            "--wait",
            "--wait-timeout",
            "1",
            "--certificate-file",
            &file,
            "--zone-id",
            stuck.zone_id(),
            "--base-url",
            &base,
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

/// Files as other tools write them: a byte order mark before the PEM, CRLF lines, and (on Unix) a
/// name that is not UTF-8 — each read, not refused as missing or as no certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_with_a_byte_order_mark_or_a_name_that_is_not_utf8_are_read() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let base = fake.base_url();
    let bom = format!("\u{feff}{}", certs::root("Marked Root").replace('\n', "\r\n"));
    let dir = dir_with("odd-files", &[("bom.pem", bom)]);
    let mut expected = vec!["CN=Marked Root"];
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"n\xff.pem");
        std::fs::write(dir.join(name), certs::root("Oddly Named Root")).unwrap();
        expected.push("CN=Oddly Named Root");
    }
    let dir = dir.to_str().unwrap();
    let output = run(
        &["sync", "--zone-id", fake.zone_id(), "--dir", dir, "--dry-run", "-o", "json", "--base-url", &base],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(4), "changes pending: {}", stderr(&output));
    let mut subjects: Vec<String> =
        printed(&output).iter().map(|step| step["subject"].as_str().unwrap().to_owned()).collect();
    subjects.sort();
    expected.sort();
    assert_eq!(subjects, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_wait_fails_when_a_poll_answers_with_another_certificate() {
    use cloudflare_origin_trust_store::fake::Fault;
    let fake =
        FakeCloudflare::builder().activation(Transition::Never).sample_certificates(1).start().await.unwrap();
    let mut other = fake.certificates()[0].clone();
    other.status = cloudflare_origin_trust_store::CertificateStatus::Active;
    let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": other});
    let other_id = other.id.clone();
    fake.set_faults(move |r| {
        (r.method == "GET" && !r.is_list() && !r.path.ends_with(&other_id)).then(|| Fault::json(200, &body))
    });
    let file = temp_file("lied-about.pem", &certs::root("Lied About"));
    let output = run_on(&fake, &["upload", "--wait", "--certificate-file", &file]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let new_id = fake.certificates()[1].id.clone();
    assert_eq!(
        stderr(&output),
        format!(
            "error: the get answer names certificate \"{}\", not the requested \"{new_id}\"\n",
            fake.certificates()[0].id
        )
    );
    assert!(output.stdout.is_empty(), "nothing printed as active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_zone_given_in_two_cases_is_synced_once() {
    let fake = FakeCloudflare::builder().activation(Transition::Immediately).start().await.unwrap();
    let dir = dir_with("two-cases", &[("a.pem", certs::root("Once A")), ("b.pem", certs::root("Once B"))]);
    let upper = fake.zone_id().to_ascii_uppercase();
    let mixed = format!("{}{}", &fake.zone_id()[..16], &upper[16..]);
    for spellings in
        [vec![fake.zone_id().to_owned(), upper.clone()], vec![upper.clone(), mixed.clone(), upper.clone()]]
    {
        fake.set_certificates(Vec::new());
        let before = fake.request_count();
        let mut args = vec!["sync", "--dir", dir.to_str().unwrap(), "--base-url"];
        let base = fake.base_url();
        args.push(&base);
        for zone in &spellings {
            args.extend(["--zone-id", zone.as_str()]);
        }
        let output = run(&args, &token_env()).await;
        assert!(output.status.success(), "{}", stderr(&output));
        // The plan's list, the guard's (the store's first roots: the switch is said), two uploads.
        assert_eq!(
            methods(&fake)[before..],
            ["GET", "GET", "POST", "POST"],
            "{spellings:?}: one plan, one apply"
        );
        assert!(stderr(&output).contains("the store holds no root yet"), "{}", stderr(&output));
        assert_eq!(fake.certificates().len(), 2);
        assert!(fake.requests().iter().all(|r| r.path.contains(fake.zone_id())), "sent in lowercase");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prune_is_confirmed_on_a_terminal_and_its_deletes_wait_for_the_uploads() {
    let fake = fake_with(Transition::AfterReads(2), Transition::Immediately).await;
    let client = fake.client().unwrap();
    let old = client.upload(fake.zone_id(), &certs::root("Old On Terminal")).await.unwrap();
    let mut store = fake.certificates();
    store[0].status = cloudflare_origin_trust_store::CertificateStatus::Active;
    fake.set_certificates(store);
    let dir = dir_with("terminal", &[("new.pem", certs::root("New On Terminal"))]);
    let base = fake.base_url();
    let args =
        ["sync", "--zone-id", fake.zone_id(), "--base-url", &base, "--dir", dir.to_str().unwrap(), "--prune"];

    // Declined: nothing changed, exit 1.
    let before = fake.request_count();
    let (code, screen) = run_on_terminal(&args, &token_env(), "n\n").await;
    assert_eq!(code, Some(1), "{screen}");
    assert!(screen.contains("the plan deletes 1 root(s)"), "{screen}");
    assert!(screen.contains(&format!("zone {}: {}  CN=Old On Terminal", fake.zone_id(), old.id)), "{screen}");
    assert!(screen.contains("Apply the plan? [y/N] "), "{screen}");
    assert!(screen.contains("plan not applied: nothing was changed"), "{screen}");
    assert_eq!(methods(&fake)[before..], ["GET"]);

    // Accepted: the upload, polls until it is active, and only then the delete.
    let before = fake.request_count();
    let (code, screen) = run_on_terminal(&args, &token_env(), "y\n").await;
    assert_eq!(code, Some(0), "{screen}");
    assert_eq!(methods(&fake)[before..], ["GET", "POST", "GET", "GET", "GET", "DELETE"], "{screen}");
    let left: Vec<String> = fake.certificates().iter().map(|c| c.details().unwrap().subject).collect();
    assert_eq!(left, ["CN=New On Terminal"]);

    // --no-wait deletes at once; --yes needs no terminal.
    let dir = dir_with("no-wait", &[("newer.pem", certs::root("Newer"))]);
    let before = fake.request_count();
    let output = run(
        &[
            "sync",
            "--zone-id",
            fake.zone_id(),
            "--base-url",
            &base,
            "--dir",
            dir.to_str().unwrap(),
            "--prune",
            "--yes",
            "--no-wait",
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(methods(&fake)[before..], ["GET", "POST", "DELETE"]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reads_only_regular_files_inside_the_directory_and_says_what_it_skipped() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let outside = dir_with("outside", &[("elsewhere.pem", certs::root("Outside Root"))]);
    let dir = dir_with(
        "only-inside",
        &[
            ("a.pem", certs::root("Inside A")),
            ("b.txt", certs::root("Inside B")),
            (".hidden.pem", "not even a certificate".into()),
            (".also-hidden.crt", certs::root("Hidden Root")),
        ],
    );
    std::fs::create_dir(dir.join("sub.pem")).unwrap();
    std::os::unix::fs::symlink(dir.join("b.txt"), dir.join("link-in.pem")).unwrap();
    std::os::unix::fs::symlink(outside.join("elsewhere.pem"), dir.join("link-out.pem")).unwrap();
    std::os::unix::fs::symlink("../outside-relative.pem", dir.join("relative-out.crt")).unwrap();
    std::fs::write(dir.parent().unwrap().join("outside-relative.pem"), certs::root("Relative Outside"))
        .unwrap();
    std::os::unix::fs::symlink(dir.join("missing"), dir.join("dangling.pem")).unwrap();
    // Links inside DIR to a hidden file, into a subdirectory, into .git/.
    std::fs::write(dir.join(".secret.crt"), certs::root("Hidden Secret")).unwrap();
    std::os::unix::fs::symlink(dir.join(".secret.crt"), dir.join("to-hidden.pem")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/nested.pem"), certs::root("Nested Sub")).unwrap();
    std::os::unix::fs::symlink("sub/nested.pem", dir.join("to-sub.pem")).unwrap();
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/inner.pem"), certs::root("Inside Dot Git")).unwrap();
    std::os::unix::fs::symlink(dir.join(".git/inner.pem"), dir.join("to-dotgit.pem")).unwrap();
    let fifo = dir.join("fifo.pem");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());

    let output =
        run_on(&fake, &["sync", "--dir", dir.to_str().unwrap(), "--dry-run", "-o", "json", "-v"]).await;
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let plan = printed(&output);
    let files: Vec<&str> = plan.iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["a.pem", "link-in.pem"]);
    let said = stderr(&output);
    for (name, why) in [
        (".hidden.pem", "a hidden file"),
        (".also-hidden.crt", "a hidden file"),
        (".secret.crt", "a hidden file"),
        ("sub.pem", "a directory"),
        ("link-out.pem", "a link to a file outside the directory (or in a subdirectory of it)"),
        ("relative-out.crt", "a link to a file outside the directory (or in a subdirectory of it)"),
        ("to-sub.pem", "a link to a file outside the directory (or in a subdirectory of it)"),
        ("to-dotgit.pem", "a link to a file outside the directory (or in a subdirectory of it)"),
        ("to-hidden.pem", "a link to a hidden file"),
        ("dangling.pem", "a link to nothing"),
        ("fifo.pem", "not a regular file (a FIFO, a device or a socket)"),
    ] {
        assert!(said.contains(&format!("skipped {}: {why}\n", dir.join(name).display())), "{name}: {said}");
    }
    assert!(fake.requests().iter().all(|r| r.method == "GET"));

    // Without -v, nothing is said.
    let output = run_on(&fake, &["sync", "--dir", dir.to_str().unwrap(), "--dry-run", "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(4));
    assert!(!stderr(&output).contains("skipped"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_of_a_root_already_held_sends_no_post_and_waits_for_the_one_that_holds_it() {
    let fake = FakeCloudflare::builder().activation(Transition::AfterReads(2)).start().await.unwrap();
    let pem = certs::root("Held Already");
    let held = fake.client().unwrap().upload(fake.zone_id(), &pem).await.unwrap();
    // The same root, in another file: with text around it, and as the PEM a list returns.
    for (name, content) in
        [("again.pem", format!("# the same root\n{pem}")), ("listed.pem", held.certificate.clone())]
    {
        let file = temp_file(name, &content);
        let before = fake.request_count();
        let output = run_on(&fake, &["upload", "--certificate-file", &file, "-o", "json"]).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            stderr(&output),
            format!(
                "the certificate file {file} is already in the trust store as {} (pending_deployment); nothing was uploaded\n",
                held.id
            )
        );
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed["id"], held.id.as_str());
        assert_eq!(methods(&fake)[before..], ["GET"], "only the list");
    }
    // --wait waits for that one; -q says nothing.
    let file = temp_file("held-wait.pem", &pem);
    let before = fake.request_count();
    let output = run_on(&fake, &["upload", "--certificate-file", &file, "--wait", "-q", "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (printed["id"].as_str(), printed["status"].as_str()),
        (Some(held.id.as_str()), Some("active"))
    );
    assert!(methods(&fake)[before..].iter().all(|m| m == "GET"), "no POST");
    assert!(fake.requests()[before + 1..].iter().all(|r| r.path.ends_with(&held.id)), "polls of that id");

    // A root on its way out is uploaded again.
    let mut store = fake.certificates();
    store[0].status = cloudflare_origin_trust_store::CertificateStatus::PendingDeletion;
    fake.set_certificates(store);
    let before = fake.request_count();
    let output = run_on(&fake, &["upload", "--certificate-file", &file, "-o", "json"]).await;
    assert_eq!(methods(&fake)[before..], ["GET", "POST"], "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_to_the_root_it_replaces_says_what_was_sent_and_changes_nothing() {
    let fake = FakeCloudflare::builder().sample_certificates(1).start().await.unwrap();
    let old = fake.certificates()[0].clone();
    // --new naming the --old id itself: refused before any request.
    let output = run_on(&fake, &["rotate", "--old", &old.id, "--new", &old.id]).await;
    assert_failed(
        &output,
        2,
        &format!("error: --new {} is the --old id; give the PEM file of the root that replaces it\n", old.id),
    );
    assert_eq!(fake.request_count(), 0);
    // The old root's own PEM as the new one: one GET, then exit 1 saying so.
    let file = temp_file("same-as-old.pem", &old.certificate);
    let output = run_on(&fake, &["rotate", "--old", &old.id, "--new", &file]).await;
    assert_failed(
        &output,
        1,
        &format!(
            "error: the new root is certificate {0}, the root being replaced: give the root that replaces it (only {0} was read; nothing was uploaded or deleted)\n",
            old.id
        ),
    );
    assert_eq!(methods(&fake), ["GET"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_a_plan_row_shows_a_cut_fingerprint_and_fits_150_columns() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let subject = "A Root Whose Subject Is Long Enough To Fill The Column".to_owned();
    let dir = dir_with("columns", &[("long.pem", certs::root(&subject))]);
    let base = fake.base_url();
    let args = [
        "sync",
        "--zone-id",
        fake.zone_id(),
        "--base-url",
        &base,
        "--dir",
        dir.to_str().unwrap(),
        "--dry-run",
    ];
    let (code, screen) = run_on_terminal(&args, &token_env(), "").await;
    assert_eq!(code, Some(4), "{screen}");
    let row = screen.lines().find(|line| line.starts_with("+ CN=")).unwrap_or_else(|| panic!("{screen}"));
    assert!(row.chars().count() <= 150, "{} columns: {row}", row.chars().count());
    let fingerprint = row.split("  ").nth(1).unwrap();
    assert_eq!(fingerprint.chars().count(), 24, "{row}");
    assert!(fingerprint.ends_with('…'), "{row}");
    // Piped, the whole fingerprint, which a script can match.
    let output = run(&args, &token_env()).await;
    let piped = String::from_utf8(output.stdout).unwrap();
    let row = piped.lines().find(|line| line.starts_with("+ CN=")).unwrap();
    let whole = row.split("  ").nth(1).unwrap();
    assert_eq!(whole.len(), 95, "{row}");
    assert!(whole.starts_with(&fingerprint[..fingerprint.len() - '…'.len_utf8()]), "{row}");
}
