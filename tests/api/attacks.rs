//! Write paths under attack (issue 17): a hostile server and a careless operator, each test once failing.

use crate::common;
use crate::common::write::*;

use std::time::Duration;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault, Transition};
use cloudflare_origin_trust_store::{BeforeDeletes, CertificateStatus, CustomTrustStore, Undesired};
use common::certs;

/// Item 1/3 class: rotate's upload answer names the --old id itself. The rotation then "waits"
/// for the old (active) root and deletes it: the root its own upload returned.
#[tokio::test]
async fn rotate_whose_upload_answer_names_the_old_id_deletes_nothing() {
    for upper in [true, false] {
        let fake = fake_with(Transition::Never, Transition::Immediately).await;
        let client = fake.client().unwrap();
        let mut old = client.upload(fake.zone_id(), &certs::root("Old Active")).await.unwrap();
        old.status = CertificateStatus::Active;
        let mut all = fake.certificates();
        all[0].status = CertificateStatus::Active;
        fake.set_certificates(all);
        let new_pem = certs::root("New Root");
        let id = if upper { old.id.to_ascii_uppercase() } else { old.id.clone() };
        let mut answer = CustomTrustStore::new(id, new_pem.clone());
        answer.status = CertificateStatus::PendingDeployment;
        let lie = answer_with(&answer);
        fake.set_faults(move |r| (r.method == "POST").then(|| lie.clone()));
        let before = fake.request_count();
        let result = client.rotate(fake.zone_id(), &old.id, &new_pem, quick(2_000)).await;
        let w = writes(&fake, before);
        assert!(
            result.is_err() && !w.iter().any(|w| w.starts_with("DELETE")),
            "upper={upper}: rotate deleted the old root on an upload answer naming it: {result:?} writes={w:?}"
        );
    }
}

/// Item 1/2 class: rotate's upload answer names another, active certificate (describing another
/// root). The rotation waits for *that* one, finds it active, and deletes the old root while the
/// new root was never confirmed.
#[tokio::test]
async fn rotate_whose_upload_answer_names_another_active_certificate_deletes_nothing() {
    let fake = fake_with(Transition::Never, Transition::Immediately).await;
    let client = fake.client().unwrap();
    let old = client.upload(fake.zone_id(), &certs::root("Old One")).await.unwrap();
    let bystander = client.upload(fake.zone_id(), &certs::root("Bystander")).await.unwrap();
    let mut all = fake.certificates();
    for c in &mut all {
        c.status = CertificateStatus::Active;
    }
    fake.set_certificates(all);
    let mut answer = fake.certificates()[1].clone();
    assert_eq!(answer.id, bystander.id);
    answer.status = CertificateStatus::PendingDeployment;
    let lie = answer_with(&answer);
    fake.set_faults(move |r| (r.method == "POST").then(|| lie.clone()));
    let before = fake.request_count();
    let result = client.rotate(fake.zone_id(), &old.id, &certs::root("Brand New"), quick(2_000)).await;
    let w = writes(&fake, before);
    assert!(
        result.is_err() && !w.iter().any(|w| w.starts_with("DELETE")),
        "rotate trusted an upload answer describing another certificate: {result:?} writes={w:?}"
    );
}

/// Item 1 class: the list (find_root) says the new root is held under the --old id; the GET of the
/// old id said it holds the old root. Rotate then uploads nothing and deletes the old root.
#[tokio::test]
async fn rotate_whose_list_puts_the_new_root_under_the_old_id_deletes_nothing() {
    let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
    let client = fake.client().unwrap();
    let old = client.upload(fake.zone_id(), &certs::root("Old Listed")).await.unwrap();
    let mut all = fake.certificates();
    all[0].status = CertificateStatus::Active;
    fake.set_certificates(all);
    let new_pem = certs::root("New Listed");
    let mut listed = CustomTrustStore::new(old.id.clone(), new_pem.clone());
    listed.status = CertificateStatus::Active;
    let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": [listed],
        "result_info": {"page": 1, "per_page": 20, "count": 1, "total_count": 1, "total_pages": 1}});
    let lie = Fault::json(200, &body);
    fake.set_faults(move |r| r.is_list().then(|| lie.clone()));
    let before = fake.request_count();
    let result = client.rotate(fake.zone_id(), &old.id, &new_pem, quick(2_000)).await;
    let w = writes(&fake, before);
    assert!(
        result.is_err() && !w.iter().any(|w| w.starts_with("DELETE")),
        "rotate deleted the old root on a list naming it as the new one: {result:?} writes={w:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 8 / 11 class on the fake: durations given to the fake's builder, and idle connections.

/// A header timeout of Duration::MAX (or a budget window of Duration::MAX) is accepted by the
/// builder; the first request then panics inside the fake (hyper adds it to Instant::now()).
#[tokio::test]
async fn the_fakes_durations_of_duration_max_never_panic() {
    let fake = FakeCloudflare::builder().header_read_timeout(Duration::MAX).start().await.unwrap();
    let listed = fake.client().unwrap().collect_all(fake.zone_id()).await;
    assert!(listed.is_ok(), "header_read_timeout(Duration::MAX): {listed:?}");
}

#[tokio::test]
async fn the_fakes_rate_limit_window_of_duration_max_never_panics() {
    let fake = FakeCloudflare::builder().rate_limit(5, Duration::MAX).start().await.unwrap();
    let listed = fake.client().unwrap().collect_all(fake.zone_id()).await;
    assert!(listed.is_ok(), "rate_limit(5, Duration::MAX): {listed:?}");
}

/// A connection that sends a complete head announcing a body, then nothing: held past the header
/// timeout (forever: the body read has no timeout).
#[tokio::test]
async fn a_connection_idle_mid_body_is_closed_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake =
        FakeCloudflare::builder().header_read_timeout(Duration::from_millis(200)).start().await.unwrap();
    let head = format!(
        "POST /client/v4/zones/{}/acm/custom_trust_store HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"cert",
        fake.zone_id(),
        cloudflare_origin_trust_store::fake::TOKEN
    );
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the fake still holds a connection idle mid-body after 5 s (header timeout 200 ms)"
    );
}

/// A keep-alive connection idle after one complete exchange: closed after the header timeout?
#[tokio::test]
async fn a_keep_alive_connection_idle_after_a_request_is_closed_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake =
        FakeCloudflare::builder().header_read_timeout(Duration::from_millis(200)).start().await.unwrap();
    let head = format!(
        "GET /client/v4/zones/{}/acm/custom_trust_store HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\r\n",
        fake.zone_id(),
        cloudflare_origin_trust_store::fake::TOKEN
    );
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "idle keep-alive connection still open after 5 s: {}",
        String::from_utf8_lossy(&answer)
    );
    assert!(String::from_utf8_lossy(&answer).contains("200 OK"));
}

/// Item 14 / zero-writes rule: a listed id that `delete` will refuse (256 safe characters, or
/// unsafe characters) is planned as a Delete; apply then uploads first and fails on the delete:
/// a failed run that sent a POST. The plan could (should) refuse before any write.
#[tokio::test]
async fn a_prune_whose_delete_cannot_be_sent_is_refused_before_any_upload() {
    let mut bads = Vec::new();
    for bad in ["a".repeat(256), "ab/../cd".to_owned(), "id with space".to_owned()] {
        let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
        let client = fake.client().unwrap();
        client.upload(fake.zone_id(), &certs::root("Listed Odd")).await.unwrap();
        let mut all = fake.certificates();
        all[0].id = bad.clone();
        all[0].status = CertificateStatus::Active;
        fake.set_certificates(all);
        let desired = vec![
            cloudflare_origin_trust_store::DesiredRoot::from_pem(&certs::root("Wanted"), chrono::Utc::now())
                .unwrap(),
        ];
        let before = fake.request_count();
        let plan = match client.plan(fake.zone_id(), &desired, Undesired::Delete).await {
            Ok(plan) => plan,
            Err(_) => continue, // refused at plan time: fine
        };
        let applied = client.apply(plan, BeforeDeletes::WaitUntilActive(quick(2_000))).await;
        let w = writes(&fake, before);
        if !(applied.failures() == 0 || w.is_empty()) {
            bads.push(format!(
                "id {:?}…: failed apply sent writes {w:?}; steps {:?}",
                &bad[..bad.len().min(12)],
                applied.steps.iter().map(|s| s.result.clone()).collect::<Vec<_>>()
            ));
        }
    }
    assert!(bads.is_empty(), "{bads:#?}");
}

/// Item 9: one answer with a `Ratelimit` of nothing left (any shape), then answers without the
/// header: 20 later requests take far less than 20 s.
#[tokio::test]
async fn a_single_ratelimit_zero_of_any_shape_never_paces_the_rest() {
    let mut slow = Vec::new();
    for shape in [
        "\"default\";r=0;t=1",
        "\"default\";r=0;t=0",
        "\"default\";r=0",
        "r=0;t=1",
        "\"a\";r=0;t=1, \"b\";r=0;t=2",
        "\"a\";r=5;t=1, \"b\";r=0;t=2",
        "\"default\"; r=0 ; t=1",
        "\"default\";r=0;t=1;x=y",
        "garbage",
        "\"default\";r=-1;t=1",
        "\"default\";r=0;t=1.5",
    ] {
        let fake = FakeCloudflare::builder().sample_certificates(1).start().await.unwrap();
        let client = fake.client().unwrap();
        let header = shape.to_owned();
        fake.set_faults(move |r| (r.index == 1).then(|| Fault::Header("ratelimit".into(), header.clone())));
        let id = fake.certificates()[0].id.clone();
        let started = std::time::Instant::now();
        for _ in 0..21 {
            client.get(fake.zone_id(), &id).await.unwrap();
        }
        let took = started.elapsed();
        if took > Duration::from_secs(4) {
            slow.push(format!("{shape}: {took:?}"));
        }
    }
    assert!(slow.is_empty(), "{slow:#?}");
}

/// Item 10 / "never silently partial": lying or missing result_info on a store of 120.
#[tokio::test]
async fn a_lying_or_missing_result_info_never_makes_a_short_list_a_success() {
    let mut partial = Vec::new();
    for what in ["total_pages 1 but total_count 120", "no result_info", "count 0"] {
        let fake = FakeCloudflare::builder().sample_certificates(120).start().await.unwrap();
        let client = fake.client().unwrap();
        let w = what.to_owned();
        fake.set_faults(move |r| {
            if !r.is_list() {
                return None;
            }
            Some(match w.as_str() {
                "no result_info" => Fault::DropResultInfo,
                _ => return None,
            })
        });
        if what != "no result_info" {
            // Page 1 of the fake's own answer, result_info edited.
            let page1 = client
                .list_page(fake.zone_id(), &cloudflare_origin_trust_store::ListParams::new().per_page(50))
                .await
                .unwrap();
            let (tp, tc, count) = match what {
                "total_pages 1 but total_count 120" => (1, 120, 50),
                "total_count 50" => (1, 50, 50),
                _ => (1, 120, 0),
            };
            let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": page1.items,
                "result_info": {"page": 1, "per_page": 50, "count": count, "total_pages": tp, "total_count": tc}});
            fake.set_faults(move |r| (r.is_list() && r.page == 1).then(|| Fault::json(200, &body)));
        }
        match client.collect_all(fake.zone_id()).await {
            Ok(all) if all.len() != 120 => partial.push(format!("{what}: Ok with {}", all.len())),
            _ => {}
        }
    }
    assert!(partial.is_empty(), "{partial:#?}");
}
