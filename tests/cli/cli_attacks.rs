//! The CLI's write paths under attack (issue 17): each test once failing.

use crate::cli_support;
use crate::common;
use crate::common::write::*;

use std::path::{Path, PathBuf};

use cli_support::*;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault, Transition};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
use common::certs;
use serde_json::Value;

fn dir_with(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("attack-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    dir
}

/// Item 13: a link inside DIR to a hidden file, or into a (hidden) subdirectory, is read: the
/// dot-file and subdirectory rules are bypassed by one symlink.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_dir_links_to_hidden_files_and_subdirectories_are_skipped() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let dir = dir_with(
        "links",
        &[("a.pem", certs::root("Visible A")), (".secret.pem", certs::root("Hidden Secret"))],
    );
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/nested.pem"), certs::root("Nested Sub")).unwrap();
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/inner.pem"), certs::root("Inside Dot Git")).unwrap();
    std::os::unix::fs::symlink(".secret.pem", dir.join("to-hidden.pem")).unwrap();
    std::os::unix::fs::symlink("sub/nested.pem", dir.join("to-sub.pem")).unwrap();
    std::os::unix::fs::symlink(".git/inner.pem", dir.join("to-dotgit.pem")).unwrap();
    let output =
        run_on(&fake, &["sync", "--dir", dir.to_str().unwrap(), "--dry-run", "-o", "json", "-v"]).await;
    let plan: Vec<Value> = serde_json::from_slice::<Value>(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)))
        .as_array()
        .unwrap()
        .clone();
    let subjects: Vec<&str> = plan.iter().map(|s| s["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["CN=Visible A"], "only a.pem should be read; stderr: {}", stderr(&output));
}

/// Item 15: "status not deleted or pending_deletion" is held: no POST. Every other status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_of_a_root_held_under_any_live_status_sends_no_post() {
    let mut posted = Vec::new();
    for status in ["active", "pending_deployment", "expired", "initializing", "pending_deletion", "deleted"] {
        let fake = FakeCloudflare::builder().start().await.unwrap();
        let pem = certs::root("Held Status");
        fake.client().unwrap().upload(fake.zone_id(), &pem).await.unwrap();
        let mut all = fake.certificates();
        all[0].status = CertificateStatus::from(status);
        fake.set_certificates(all);
        let file = temp_file(&format!("held-{status}.pem"), &pem);
        let before = fake.request_count();
        let output = run_on(&fake, &["upload", "--certificate-file", &file, "-o", "json"]).await;
        let w = writes(&fake, before);
        posted.push((status, !w.is_empty(), output.status.code()));
        eprintln!("{status}: {}", stderr(&output));
    }
    let expected = [
        ("active", false, Some(0)),
        ("pending_deployment", false, Some(0)),
        ("expired", false, Some(0)),
        ("initializing", false, Some(0)),
        ("pending_deletion", true, Some(1)),
        ("deleted", true, Some(1)),
    ];
    assert_eq!(posted, expected, "(status, a POST was sent, exit)");
}

/// Regression of item 15 on --skip-local-checks: one CERTIFICATE block whose DER the local parser
/// cannot read was sent before (Cloudflare decides); now the dedupe's local parse refuses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_local_checks_still_sends_one_certificate_block_it_cannot_parse() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let file = temp_file(
        "unparsable.pem",
        "-----BEGIN CERTIFICATE-----\nMIIBAAECAwQFBgcICQoLDA0ODw==\n-----END CERTIFICATE-----\n",
    );
    let output = run_on(&fake, &["upload", "--certificate-file", &file, "--skip-local-checks"]).await;
    let methods: Vec<String> = fake.requests().iter().map(|r| r.method.clone()).collect();
    assert!(
        methods.contains(&"POST".to_owned()),
        "exit {:?}, methods {methods:?}, stderr: {}",
        output.status.code(),
        stderr(&output)
    );
}

/// Item 1/3 class from the CLI: rotate's upload answer names the --old id; rotate exits 0 having
/// deleted the old root, and says "<old> is active; deleted <old>".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_rotate_whose_upload_answer_names_the_old_id_deletes_nothing_and_exits_1() {
    let fake = fake_with(Transition::Never, Transition::Immediately).await;
    let old = fake.client().unwrap().upload(fake.zone_id(), &certs::root("CLI Old")).await.unwrap();
    let mut all = fake.certificates();
    all[0].status = CertificateStatus::Active;
    fake.set_certificates(all);
    let new_pem = certs::root("CLI New");
    let file = temp_file("cli-new.pem", &new_pem);
    let mut answer = CustomTrustStore::new(old.id.clone(), new_pem);
    answer.status = CertificateStatus::PendingDeployment;
    let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": answer});
    fake.set_faults(move |r| (r.method == "POST").then(|| Fault::json(200, &body)));
    let before = fake.request_count();
    let output = run_on(&fake, &["rotate", "--old", &old.id, "--new", &file, "--wait-timeout", "2"]).await;
    let w = writes(&fake, before);
    assert!(
        output.status.code() != Some(0) && !w.iter().any(|w| w.starts_with("DELETE")),
        "exit {:?}, stderr {:?}, writes {w:?}",
        output.status.code(),
        stderr(&output)
    );
}

/// Item 2 class: `upload --wait` whose upload answer describes another (active) certificate:
/// the wait polls that one, and the CLI prints it as the upload, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_wait_whose_upload_answer_describes_another_certificate_fails() {
    let fake = FakeCloudflare::builder().activation(Transition::Never).start().await.unwrap();
    fake.client().unwrap().upload(fake.zone_id(), &certs::root("Someone Else")).await.unwrap();
    let mut all = fake.certificates();
    all[0].status = CertificateStatus::Active;
    fake.set_certificates(all.clone());
    let other = all[0].clone();
    let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": other});
    fake.set_faults(move |r| (r.method == "POST").then(|| Fault::json(200, &body)));
    let file = temp_file("wanted-upload.pem", &certs::root("Wanted Upload"));
    let output = run_on(
        &fake,
        &["upload", "--certificate-file", &file, "--wait", "--wait-timeout", "2", "-o", "json"],
    )
    .await;
    assert_ne!(
        output.status.code(),
        Some(0),
        "printed {} as the uploaded root; stderr {}",
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.contains("\"id\"") || l.contains("issuer"))
            .collect::<Vec<_>>()
            .join(" "),
        stderr(&output)
    );
}

/// Item 5 on a pty: declined → zero writes; accepted with uploads never active → no DELETE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_prune_declined_or_with_pending_uploads_deletes_nothing() {
    let fake = fake_with(Transition::Never, Transition::Immediately).await;
    fake.client().unwrap().upload(fake.zone_id(), &certs::root("Going Away")).await.unwrap();
    let dir = dir_with("pty", &[("n.pem", certs::root("Coming In"))]);
    let base = fake.base_url();
    let args = [
        "sync",
        "--dir",
        dir.to_str().unwrap(),
        "--prune",
        "--zone-id",
        fake.zone_id(),
        "--base-url",
        &base,
        "--wait-timeout",
        "1",
    ];
    for (answer, code) in [("n\n", Some(1)), ("\n", Some(1)), ("yes please\n", Some(1))] {
        let before = fake.request_count();
        let (exit, shown) = run_on_terminal(&args, &token_env(), answer).await;
        assert_eq!((exit, writes(&fake, before)), (code, vec![]), "{answer:?}: {shown}");
    }
    let before = fake.request_count();
    let (exit, shown) = run_on_terminal(&args, &token_env(), "y\n").await;
    let w = writes(&fake, before);
    assert!(w.iter().all(|w| !w.starts_with("DELETE")) && exit == Some(1), "{exit:?} {w:?}: {shown}");
}
