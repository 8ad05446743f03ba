//! Trust store as code in the library: waiting until active, plans, applying them, rotating.

use crate::common;
use crate::common::write::*;

use chrono::Utc;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Transition};
use cloudflare_origin_trust_store::{
    Action, BeforeDeletes, CertificateStatus, DesiredRoot, ErrorKind, Undesired,
};
use common::certs;

fn roots(names: &[&str]) -> Vec<DesiredRoot> {
    names
        .iter()
        .map(|name| {
            DesiredRoot::from_pem(&certs::root(name), Utc::now()).unwrap().with_file(format!("{name}.pem"))
        })
        .collect()
}

#[tokio::test]
async fn waiting_returns_once_active_and_says_why_when_it_never_is() {
    let fake = FakeCloudflare::builder().activation(Transition::AfterReads(3)).start().await.unwrap();
    let client = fake.client().unwrap();
    let uploaded = client.upload(fake.zone_id(), &certs::root("Waited Root")).await.unwrap();
    let active = client.wait_until_active_with(fake.zone_id(), &uploaded.id, quick(5_000)).await.unwrap();
    assert_eq!(active.status, CertificateStatus::Active);
    assert_eq!(methods(&fake), ["POST", "GET", "GET", "GET", "GET"], "three pending reads, then active");

    let fake = FakeCloudflare::builder().activation(Transition::Never).start().await.unwrap();
    let client = fake.client().unwrap();
    let uploaded = client.upload(fake.zone_id(), &certs::root("Stuck Root")).await.unwrap();
    let err = client.wait_until_active_with(fake.zone_id(), &uploaded.id, quick(100)).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WaitTimedOut { status: CertificateStatus::PendingDeployment, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("certificate {} is still pending_deployment after 0s; it is not active yet", uploaded.id)
    );

    let mut expired = fake.certificates();
    expired[0].status = CertificateStatus::Expired;
    fake.set_certificates(expired);
    let err = client.wait_until_active_with(fake.zone_id(), &uploaded.id, quick(5_000)).await.unwrap_err();
    assert_eq!(err.to_string(), format!("certificate {} is expired, not active", uploaded.id));
}

#[tokio::test]
async fn a_first_sync_uploads_a_second_changes_nothing_and_pruning_deletes_only_what_went() {
    let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
    let client = fake.client().unwrap();
    let desired = roots(&["Sync A", "Sync B", "Sync C"]);

    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    assert_eq!(plan.steps.iter().map(|s| s.action).collect::<Vec<_>>(), [Action::Upload; 3]);
    assert_eq!(methods(&fake), ["GET"], "a plan only lists");
    let applied = client.apply(plan, BeforeDeletes::WaitUntilActive(quick(5_000))).await;
    assert_eq!(applied.failures(), 0, "{applied:?}");
    assert!(applied.steps.iter().all(|s| s.result_text().as_deref() == Some("done") && s.id.is_some()));
    assert_eq!(fake.certificates().len(), 3);

    let before = fake.request_count();
    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    assert_eq!((plan.changes(), plan.steps.len()), (0, 3));
    assert!(plan.steps.iter().all(|s| s.action == Action::Unchanged && s.id.is_some()));
    assert_eq!(fake.request_count() - before, 1, "only the list request");

    let fewer = &desired[..2];
    assert_eq!(
        client.plan(fake.zone_id(), fewer, Undesired::Keep).await.unwrap().changes(),
        0,
        "without pruning nothing goes"
    );
    let plan = client.plan(fake.zone_id(), fewer, Undesired::Delete).await.unwrap();
    let deletes: Vec<_> = plan.steps.iter().filter(|s| s.action == Action::Delete).collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].subject, "CN=Sync C");
    let applied = client.apply(plan, BeforeDeletes::DontWait).await;
    assert_eq!(applied.failures(), 0);
    let left: Vec<String> = fake.certificates().iter().map(|c| c.details().unwrap().subject).collect();
    assert_eq!(left, ["CN=Sync A", "CN=Sync B"]);
}

#[tokio::test]
async fn certificates_on_their_way_out_are_ignored_and_a_failed_upload_skips_every_delete() {
    use cloudflare_origin_trust_store::fake::Fault;
    let fake = FakeCloudflare::builder().activation(Transition::Immediately).start().await.unwrap();
    let client = fake.client().unwrap();
    let desired = roots(&["Keep Root", "New Root"]);
    client.upload(fake.zone_id(), &certs::root("Old Root")).await.unwrap();
    let going = client.upload(fake.zone_id(), &certs::root("Going Root")).await.unwrap();
    client.delete(fake.zone_id(), &going.id).await.unwrap();

    fake.set_faults(|r| (r.method == "POST").then(|| Fault::html(500, 0)));
    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    let actions: Vec<(Action, String)> = plan.steps.iter().map(|s| (s.action, s.subject.clone())).collect();
    assert_eq!(
        actions,
        [
            (Action::Upload, "CN=Keep Root".into()),
            (Action::Upload, "CN=New Root".into()),
            (Action::Delete, "CN=Old Root".into())
        ],
        "the pending_deletion one is not in the plan"
    );
    let applied = client.apply(plan, BeforeDeletes::DontWait).await;
    assert_eq!(applied.failures(), 3);
    assert!(applied.steps[0].result_text().as_deref().unwrap().starts_with("unexpected http 500 response"));
    assert_eq!(applied.steps[2].result_text().as_deref(), Some("skipped: 2 upload(s) did not complete"));
    assert!(
        fake.certificates().iter().any(|c| c.details().unwrap().subject == "CN=Old Root"),
        "nothing was deleted"
    );
}

#[tokio::test]
async fn a_rotation_deletes_the_old_root_only_once_the_new_one_is_active() {
    let fake = FakeCloudflare::builder().activation(Transition::AfterReads(1)).start().await.unwrap();
    let client = fake.client().unwrap();
    let old = client.upload(fake.zone_id(), &certs::root("Rotated Out")).await.unwrap();
    let rotation =
        client.rotate(fake.zone_id(), &old.id, &certs::root("Rotated In"), quick(5_000)).await.unwrap();
    assert_eq!(rotation.new.status, CertificateStatus::Active);
    assert_eq!(rotation.old_id, old.id);
    // The old one's upload; then get the old one, list (is the new one there already?), upload,
    // poll until active, delete.
    assert_eq!(methods(&fake), ["POST", "GET", "GET", "POST", "GET", "GET", "DELETE"]);

    let fake = FakeCloudflare::builder().activation(Transition::Never).start().await.unwrap();
    let client = fake.client().unwrap();
    let mut old = fake::sample(1);
    old.status = CertificateStatus::Active;
    fake.set_certificates(vec![old.clone()]);
    let err =
        client.rotate(fake.zone_id(), &old.id, &certs::root("Never Active"), quick(100)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WaitTimedOut { .. }), "{err:?}");
    assert!(fake.certificates().iter().any(|c| c.id == old.id), "the old root stays");
    assert!(!methods(&fake).contains(&"DELETE".to_owned()));

    let err = client.rotate(fake.zone_id(), &old.id, "not a certificate", quick(100)).await.unwrap_err();
    assert!(err.is_invalid_input());
    let err = client
        .rotate(fake.zone_id(), "ca00000000000000000000000000dead", &certs::root("Orphan"), quick(100))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        methods(&fake).iter().filter(|m| *m == "POST").count(),
        1,
        "nothing uploaded for a wrong file or id"
    );
}

mod fake {
    pub fn sample(count: usize) -> cloudflare_origin_trust_store::CustomTrustStore {
        cloudflare_origin_trust_store::fake::sample_certificates(count).remove(0)
    }
}

#[tokio::test]
async fn a_rotation_that_stopped_can_be_run_again_and_a_new_root_that_is_the_old_one_is_refused() {
    let fake =
        FakeCloudflare::builder().activation(Transition::Never).sample_certificates(1).start().await.unwrap();
    let client = fake.client().unwrap();
    let old = fake.certificates()[0].clone();
    let new_pem = certs::root("Rotated Again");
    let err = client.rotate(fake.zone_id(), &old.id, &new_pem, quick(30)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::WaitTimedOut { .. } | ErrorKind::NotActive { .. }), "{err:?}");
    assert_eq!(fake.certificates().len(), 2, "the old root stays, the new one is pending");

    // Run again once Cloudflare has deployed it: no second upload, the old root goes.
    let mut store = fake.certificates();
    store[1].status = CertificateStatus::Active;
    let fake_id = store[1].id.clone();
    fake.set_certificates(store);
    let before = methods(&fake).len();
    let rotation = client.rotate(fake.zone_id(), &old.id, &new_pem, quick(5_000)).await.unwrap();
    assert_eq!(rotation.new.id, fake_id);
    assert_eq!(methods(&fake)[before..], ["GET", "GET", "GET", "DELETE"], "get old, list, get new, delete");

    // The root being replaced given as its own replacement: refused before any upload.
    let current = fake.certificates().into_iter().find(|c| c.id == fake_id).unwrap();
    let before = methods(&fake).len();
    let err = client.rotate(fake.zone_id(), &current.id, &current.certificate, quick(100)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::SameRoot { id } if *id == current.id), "{err:?}");
    assert!(err.to_string().ends_with("nothing was uploaded or deleted)"), "{err}");
    assert_eq!(methods(&fake)[before..], ["GET"]);
}

#[tokio::test]
async fn a_rotation_whose_get_of_the_old_root_answers_another_certificate_deletes_nothing() {
    let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
    let client = fake.client().unwrap();
    let named = client.upload(fake.zone_id(), &certs::root("Named Old")).await.unwrap();
    let mut bystander = client.upload(fake.zone_id(), &certs::root("Bystander")).await.unwrap();
    bystander.status = CertificateStatus::Active;
    let named_path = format!("/acm/custom_trust_store/{}", named.id);
    let lie = answer_with(&bystander);
    fake.set_faults(move |r| (r.method == "GET" && r.path.ends_with(&named_path)).then(|| lie.clone()));
    let before = fake.request_count();
    let err = client
        .rotate(fake.zone_id(), &named.id, &certs::root("Replacement"), quick(5_000))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::IdMismatch { operation: "get", requested, returned }
            if *requested == named.id && *returned == bystander.id),
        "{err:?}"
    );
    assert_eq!(methods(&fake)[before..], ["GET"], "nothing uploaded, nothing deleted");
    let ids: Vec<String> = fake.certificates().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, [named.id.clone(), bystander.id.clone()], "both roots stay");

    // An answer in another case names the same certificate: the rotation goes on and deletes
    // exactly the id it was given.
    let mut same = named.clone();
    same.id = named.id.to_ascii_uppercase();
    same.status = CertificateStatus::Active;
    let (named_path, upper) = (format!("/acm/custom_trust_store/{}", named.id), answer_with(&same));
    fake.set_faults(move |r| (r.method == "GET" && r.path.ends_with(&named_path)).then(|| upper.clone()));
    let rotation =
        client.rotate(fake.zone_id(), &named.id, &certs::root("Replacement"), quick(5_000)).await.unwrap();
    assert_eq!(rotation.old_id, named.id);
    let deletes: Vec<String> =
        fake.requests().iter().filter(|r| r.method == "DELETE").map(|r| r.path.clone()).collect();
    assert_eq!(deletes.len(), 1);
    assert!(deletes[0].ends_with(&format!("/{}", named.id)), "{deletes:?}");
}

#[tokio::test]
async fn a_poll_answered_with_another_certificate_is_never_taken_as_active() {
    let fake = fake_with(Transition::Never, Transition::Immediately).await;
    let client = fake.client().unwrap();
    let mut other = client.upload(fake.zone_id(), &certs::root("Other Active")).await.unwrap();
    other.status = CertificateStatus::Active;
    let old = client.upload(fake.zone_id(), &certs::root("Old To Keep")).await.unwrap();
    // Every GET of a certificate other than `old` and `other` (the new root's polls) answers with
    // `other`, active.
    let (keep, lie) = ([old.id.clone(), other.id.clone()], answer_with(&other));
    fake.set_faults(move |r| {
        (r.method == "GET" && !r.is_list() && !keep.iter().any(|id| r.path.ends_with(id)))
            .then(|| lie.clone())
    });

    let err =
        client.rotate(fake.zone_id(), &old.id, &certs::root("New Pending"), quick(5_000)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::IdMismatch { operation: "get", .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(!methods(&fake).contains(&"DELETE".to_owned()), "the old root is not deleted");
    let new_id = fake.certificates().last().unwrap().id.clone();
    assert_eq!(fake.certificates().last().unwrap().status, CertificateStatus::PendingDeployment);

    // The same lie to the library's get and to a wait.
    let err = client.get(fake.zone_id(), &new_id).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::IdMismatch { operation: "get", requested, returned }
            if *requested == new_id && *returned == other.id),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("the get answer names certificate \"{}\", not the requested \"{new_id}\"", other.id)
    );
    let err = client.wait_until_active_with(fake.zone_id(), &new_id, quick(5_000)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::IdMismatch { .. }), "{err:?}");

    // And to a sync's wait: the upload's step fails, so the prune is skipped.
    let desired = roots(&["Synced New"]);
    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    let deletes = plan.steps.iter().filter(|s| s.action == Action::Delete).count();
    assert_eq!(deletes, 3, "none of the three roots held is desired");
    let before = fake.request_count();
    let applied = client.apply(plan, BeforeDeletes::WaitUntilActive(quick(5_000))).await;
    let uploaded = applied.steps.iter().find(|s| s.action == Action::Upload).unwrap();
    assert!(
        uploaded.result_text().as_deref().unwrap().contains("the get answer names certificate"),
        "{uploaded:?}"
    );
    assert!(
        fake.requests()[before..].iter().all(|r| r.method != "DELETE"),
        "no root is deleted while the new one is not known to be active"
    );
}

#[tokio::test]
async fn an_upload_answer_naming_a_root_the_plan_deletes_or_keeps_fails_its_step_and_deletes_nothing() {
    use cloudflare_origin_trust_store::fake::Fault;
    // Each lie: the id the upload's answer names, given the roots listed (keep, old).
    type Lie = fn(
        &cloudflare_origin_trust_store::CustomTrustStore,
        &cloudflare_origin_trust_store::CustomTrustStore,
    ) -> String;
    let lies: [(&str, Lie, &str); 4] = [
        ("the id of the root pruned", |_, old| old.id.clone(), "a root this plan deletes"),
        ("that id in capitals", |_, old| old.id.to_ascii_uppercase(), "a root this plan deletes"),
        ("the id of the root kept", |keep, _| keep.id.clone(), "a root this plan keeps"),
        ("the kept id in capitals", |keep, _| keep.id.to_ascii_uppercase(), "a root this plan keeps"),
    ];
    for (what, lie, says) in lies {
        let fake = fake_with(Transition::Immediately, Transition::Immediately).await;
        let client = fake.client().unwrap();
        let desired = roots(&["Kept Root", "Uploaded Root"]);
        let keep = client.upload(fake.zone_id(), desired[0].pem()).await.unwrap();
        let old = client.upload(fake.zone_id(), &certs::root("Pruned Root")).await.unwrap();
        let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
        let actions: Vec<Action> = plan.steps.iter().map(|s| s.action).collect();
        assert_eq!(actions, [Action::Upload, Action::Delete, Action::Unchanged], "{what}");

        // The answer describes the uploaded root, but under the id `lie` picks.
        let mut answer =
            cloudflare_origin_trust_store::CustomTrustStore::new(lie(&keep, &old), desired[1].pem());
        answer.status = CertificateStatus::PendingDeployment;
        let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": answer});
        fake.set_faults(move |r| (r.method == "POST").then(|| Fault::json(200, &body)));
        let before = fake.request_count();
        let applied = client.apply(plan, BeforeDeletes::DontWait).await;
        let upload = &applied.steps[0];
        let result = upload.result_text().unwrap();
        assert!(result.contains(says) && result.ends_with("; nothing was deleted"), "{what}: {result}");
        // The outcome keeps the error, for a caller to match.
        let error = upload.result.as_ref().and_then(|outcome| outcome.error()).unwrap();
        assert!(matches!(error.kind(), ErrorKind::UntrustedAnswer { operation: "upload", .. }), "{error:?}");
        assert_eq!(
            applied.steps[1].result_text().as_deref(),
            Some("skipped: 1 upload(s) did not complete"),
            "{what}"
        );
        assert_eq!(methods(&fake)[before..], ["POST"], "{what}: no DELETE was sent");
        assert_eq!(fake.certificates().len(), 2, "{what}: both roots stay");
    }
}

#[tokio::test]
async fn an_upload_answer_describing_another_certificate_fails_its_step() {
    use cloudflare_origin_trust_store::fake::Fault;
    let fake = FakeCloudflare::builder().activation(Transition::Immediately).start().await.unwrap();
    let client = fake.client().unwrap();
    let old = client.upload(fake.zone_id(), &certs::root("Old Pruned")).await.unwrap();
    let desired = roots(&["Wanted Root"]);
    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    let mut answer = cloudflare_origin_trust_store::CustomTrustStore::new(
        "ca0000000000000000000000000000ff",
        certs::root("Someone Else"),
    );
    answer.status = CertificateStatus::PendingDeployment;
    let body = serde_json::json!({"success": true, "errors": [], "messages": [], "result": answer});
    fake.set_faults(move |r| (r.method == "POST").then(|| Fault::json(200, &body)));
    let applied = client.apply(plan, BeforeDeletes::DontWait).await;
    let result = applied.steps[0].result_text().unwrap();
    assert!(result.contains("describes another certificate"), "{result}");
    assert!(fake.certificates().iter().any(|c| c.id == old.id), "the old root stays");
}

#[tokio::test]
async fn certificate_ids_are_compared_without_case_when_a_plan_matches_the_list() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let client = fake.client().unwrap();
    let desired = roots(&["Desired Lower"]);
    let mut kept = cloudflare_origin_trust_store::CustomTrustStore::new(
        "aaaa0000000000000000000000000001",
        desired[0].pem(),
    );
    kept.status = CertificateStatus::Active;
    let mut twin = kept.clone();
    twin.id = kept.id.to_ascii_uppercase();

    // The same root listed twice, its id in two cases: held once, nothing pruned.
    fake.set_certificates(vec![twin.clone(), kept.clone()]);
    let plan = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap();
    let actions: Vec<Action> = plan.steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, [Action::Unchanged], "{plan:?}");

    // Another root under the desired root's id in capitals: a prune cannot tell which one a
    // delete takes, so the plan is refused (without pruning, it is only not desired).
    let mut other = cloudflare_origin_trust_store::CustomTrustStore::new(
        kept.id.to_ascii_uppercase(),
        certs::root("Not Desired"),
    );
    other.status = CertificateStatus::Active;
    for listed in [vec![other.clone(), kept.clone()], vec![kept.clone(), other.clone()]] {
        fake.set_certificates(listed);
        let err = client.plan(fake.zone_id(), &desired, Undesired::Delete).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::AmbiguousId { .. }), "{err:?}");
        assert!(
            err.to_string().ends_with("nothing is pruned from a list that names roots ambiguously"),
            "{err}"
        );
        let plan = client.plan(fake.zone_id(), &desired, Undesired::Keep).await.unwrap();
        assert_eq!(plan.changes(), 0, "{plan:?}");
    }
    assert!(fake.requests().iter().all(|r| r.method == "GET"), "plans only list");
}

#[tokio::test]
async fn a_zone_id_in_capitals_is_sent_in_lowercase_and_planned_as_one_zone() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let client = fake.client().unwrap();
    let upper = fake.zone_id().to_ascii_uppercase();
    let plan = client.plan(&upper, &roots(&["Any Root"]), Undesired::Keep).await.unwrap();
    assert_eq!(plan.zone_id, fake.zone_id());
    assert!(client.get(&upper, "ca000000000000000000000000000001").await.unwrap_err().is_not_found());
    for request in fake.requests() {
        assert!(request.path.contains(fake.zone_id()), "{}", request.path);
    }
}
