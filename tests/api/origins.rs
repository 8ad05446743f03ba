//! Origin checks with real TLS handshakes on 127.0.0.1: FakeOrigin presents chains made by
//! rcgen, FakeCloudflare serves the zone's store, and each verdict is pinned.

use crate::support_origin_pki as pki;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeOrigin};
use cloudflare_origin_trust_store::origin::{
    AnchorSource, Change, CheckOptions, OriginCheck, Outcome, PlannedRoot, ProbeError, ProbeLimits, Reason,
    TrustSet,
};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
use pki::{Ca, LeafCert, id};

const HOST: &str = "www.example.test";

/// Serves `leaf` on a FakeOrigin and checks it against a fake zone holding `store`.
async fn check(
    store: Vec<CustomTrustStore>,
    leaf: &LeafCert,
    change: Change,
    options: CheckOptions,
) -> OriginCheck {
    let origin = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let fake = FakeCloudflare::builder().certificates(store).start().await.unwrap();
    let client = fake.client().unwrap();
    let origins = [origin.origin(HOST).unwrap()];
    let mut report = client.check_origins_with(fake.zone_id(), &origins, &change, &options).await.unwrap();
    assert_eq!(fake.request_count(), 1, "one list request for a small store");
    origin.closed(1).await;
    assert_eq!(origin.handshakes(), 1);
    assert_eq!(origin.application_bytes(), 0, "a check sends no application data");
    report.checks.remove(0)
}

fn active(ca: &Ca, n: u32) -> CustomTrustStore {
    ca.stored(&id(n), CertificateStatus::Active)
}

#[tokio::test]
async fn a_leaf_under_a_store_root_is_trusted_and_anchored_by_that_roots_id() {
    let (a, b) = (Ca::root("Root A"), Ca::root("Root B"));
    let leaf = b.leaf(&[HOST]);
    let checked = check(vec![active(&a, 1), active(&b, 2)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!(checked.now.outcome, Outcome::Trusted, "{}", checked.now);
    let anchor = checked.now.anchor.as_ref().unwrap();
    assert_eq!((anchor.source, anchor.id.as_deref()), (AnchorSource::Store, Some(id(2).as_str())));
    assert!(anchor.subject.contains("Root B"), "{}", anchor.subject);
    assert_eq!(checked.after, None, "no change, no after");
    assert!(checked.passed());
    assert_eq!(checked.leaf.unwrap().names, [HOST]);
}

#[tokio::test]
async fn an_intermediate_chain_verifies_through_the_intermediates_sent() {
    let root = Ca::root("Root");
    let leaf = root.intermediate("Issuing CA 1").intermediate("Issuing CA 2").leaf(&[HOST]);
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!(checked.now.outcome, Outcome::Trusted, "{}", checked.now);
}

#[tokio::test]
async fn a_chain_without_its_intermediate_has_no_path() {
    let root = Ca::root("Root");
    let mut leaf = root.intermediate("Issuing CA").leaf(&[HOST]);
    leaf.chain = leaf.pem.clone();
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::NoPath));
    assert!(checked.now.detail.contains("through the 0 intermediate(s) sent"), "{}", checked.now);
}

#[tokio::test]
async fn an_expired_leaf_is_untrusted_as_expired() {
    let root = Ca::root("Root");
    let leaf = root.leaf_with(&[HOST], |p| p.not_after = rcgen::date_time_ymd(2025, 6, 1));
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::Expired));
    assert_eq!(checked.now.detail, "the leaf expired on 2025-06-01T00:00:00Z");
}

#[tokio::test]
async fn a_leaf_not_valid_yet_is_untrusted_as_not_yet_valid() {
    let root = Ca::root("Root");
    let leaf = root.leaf(&[HOST]);
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new().at(at)).await;
    assert_eq!(checked.now.reason, Reason::NotYetValid, "{}", checked.now);
}

#[tokio::test]
async fn a_leaf_for_another_name_is_untrusted_as_the_wrong_name() {
    let root = Ca::root("Root");
    let leaf = root.leaf(&["*.other.test", "api.example.test"]);
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::WrongName));
    assert_eq!(
        checked.now.detail,
        "the leaf does not name www.example.test (it names *.other.test, api.example.test)"
    );
}

#[tokio::test]
async fn a_wildcard_covers_one_label_only() {
    let root = Ca::root("Root");
    let leaf = root.leaf(&["*.example.test"]);
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!(checked.now.outcome, Outcome::Trusted, "www.example.test is under *.example.test");
    let chain =
        cloudflare_origin_trust_store::origin::OriginChain::from_pem("a.www.example.test", &leaf.chain)
            .unwrap();
    let trust = TrustSet::from_store(&[active(&root, 1)]);
    let verdict = cloudflare_origin_trust_store::origin::verify(&chain, &trust, Utc::now());
    assert_eq!(verdict.reason, Reason::WrongName, "two labels are not under *.example.test");
}

#[tokio::test]
async fn a_leaf_only_for_client_auth_may_not_serve_tls() {
    let root = Ca::root("Root");
    let leaf =
        root.leaf_with(&[HOST], |p| p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth]);
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::NotForServerAuth));
}

#[tokio::test]
async fn a_chain_to_a_root_not_in_the_store_has_no_path() {
    let (stored, other) = (Ca::root("Stored Root"), Ca::root("Other Root"));
    let leaf = other.leaf(&[HOST]);
    let checked = check(vec![active(&stored, 1)], &leaf, Change::None, CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::NoPath));
    assert!(!checked.passed());
}

#[tokio::test]
async fn a_root_expired_at_the_time_judged_anchors_nothing() {
    let root = Ca::root_with("Short Root", |p| p.not_after = rcgen::date_time_ymd(2027, 1, 1));
    let leaf = root.leaf(&[HOST]);
    let at = Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap();
    let checked = check(vec![active(&root, 1)], &leaf, Change::None, CheckOptions::new().at(at)).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Untrusted, Reason::RootExpired));
    assert_eq!(checked.now.anchor.unwrap().id, Some(id(1)));
}

#[tokio::test]
async fn uploading_the_first_root_takes_the_default_trust_away() {
    // The "public" CA stands for the publicly trusted ones: given as the default trust bundle.
    let (public, private) = (Ca::root("Public CA"), Ca::root("Private Root"));
    let leaf = public.leaf(&[HOST]);
    let defaults = TrustSet::from_pem_bundle(&public.pem).unwrap();
    let upload = PlannedRoot::from_pem(&private.pem, Utc::now()).unwrap();
    let options = CheckOptions::new().default_trust(defaults);
    let checked = check(vec![], &leaf, Change::Upload(vec![upload]), options).await;
    assert_eq!(checked.now.outcome, Outcome::Trusted, "{}", checked.now);
    assert_eq!(checked.now.anchor.as_ref().unwrap().source, AnchorSource::Bundle);
    let after = checked.after.unwrap();
    assert_eq!((after.outcome, after.reason), (Outcome::Untrusted, Reason::NoPath), "{after}");
    assert!(after.detail.contains("the zone's trust store (1 root(s))"), "{after}");
}

#[tokio::test]
async fn deleting_the_anchoring_root_untrusts_its_origins_and_an_unknown_id_is_refused() {
    let (a, b) = (Ca::root("Root A"), Ca::root("Root B"));
    let leaf = a.leaf(&[HOST]);
    let store = vec![active(&a, 1), active(&b, 2)];
    let checked = check(store.clone(), &leaf, Change::Delete(vec![id(2)]), CheckOptions::new()).await;
    assert!(checked.passed(), "deleting the other root changes nothing for it");
    let checked = check(store.clone(), &leaf, Change::Delete(vec![id(1)]), CheckOptions::new()).await;
    assert_eq!(checked.now.outcome, Outcome::Trusted);
    assert_eq!(checked.after.unwrap().reason, Reason::NoPath);

    let fake = FakeCloudflare::builder().certificates(store).start().await.unwrap();
    let origins = ["www.example.test@127.0.0.1:9".parse().unwrap()];
    let error =
        fake.client().unwrap().check_origins(fake.zone_id(), &origins, &Change::Delete(vec![id(9)])).await;
    let error = error.unwrap_err();
    assert!(error.is_invalid_input(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "invalid delete: certificate {} is not in the zone's trust store; give the id of a listed certificate",
            id(9)
        )
    );
}

#[tokio::test]
async fn deleting_every_root_returns_the_zone_to_the_default_trust() {
    let root = Ca::root("Root");
    let public = Ca::root("Public CA");
    let leaf = public.leaf(&[HOST]);
    let options = CheckOptions::new().default_trust(TrustSet::from_pem_bundle(&public.pem).unwrap());
    let checked = check(vec![active(&root, 1)], &leaf, Change::Delete(vec![id(1)]), options).await;
    assert_eq!(checked.now.reason, Reason::NoPath);
    assert_eq!(checked.after.unwrap().outcome, Outcome::Trusted);
}

#[tokio::test]
async fn a_rotation_keeps_origins_of_the_new_root_and_drops_those_of_the_old() {
    let (old, new) = (Ca::root("Old Root"), Ca::root("New Root"));
    let rotate = || Change::Rotate { old: id(1), new: PlannedRoot::from_pem(&new.pem, Utc::now()).unwrap() };
    let checked = check(vec![active(&old, 1)], &new.leaf(&[HOST]), rotate(), CheckOptions::new()).await;
    assert_eq!(
        (checked.now.outcome, checked.after.as_ref().unwrap().outcome),
        (Outcome::Untrusted, Outcome::Trusted)
    );
    assert_eq!(checked.after.unwrap().anchor.unwrap().source, AnchorSource::Upload);
    let checked = check(vec![active(&old, 1)], &old.leaf(&[HOST]), rotate(), CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.after.unwrap().outcome), (Outcome::Trusted, Outcome::Untrusted));
}

#[tokio::test]
async fn a_sync_with_prune_keeps_only_the_desired_roots() {
    let (kept, pruned) = (Ca::root("Kept Root"), Ca::root("Pruned Root"));
    let store = vec![active(&kept, 1), active(&pruned, 2)];
    let sync =
        |prune| Change::Sync { roots: vec![PlannedRoot::from_pem(&kept.pem, Utc::now()).unwrap()], prune };
    let leaf = pruned.leaf(&[HOST]);
    let checked = check(store.clone(), &leaf, sync(false), CheckOptions::new()).await;
    assert!(checked.passed(), "without prune nothing is deleted");
    let checked = check(store, &leaf, sync(true), CheckOptions::new()).await;
    assert_eq!(checked.after.unwrap().reason, Reason::NoPath);
}

#[tokio::test]
async fn a_root_pending_deployment_is_pending_now_and_counted_after_a_change() {
    let (active_root, pending) = (Ca::root("Active Root"), Ca::root("Pending Root"));
    let store = vec![active(&active_root, 1), pending.stored(&id(2), CertificateStatus::PendingDeployment)];
    let upload = PlannedRoot::from_pem(&Ca::root("Third").pem, Utc::now()).unwrap();
    let checked =
        check(store, &pending.leaf(&[HOST]), Change::Upload(vec![upload]), CheckOptions::new()).await;
    assert_eq!((checked.now.outcome, checked.now.reason), (Outcome::Pending, Reason::PendingDeployment));
    assert!(checked.now.detail.contains("still pending_deployment"), "{}", checked.now);
    assert_eq!(checked.after.unwrap().outcome, Outcome::Trusted);
}

#[tokio::test]
async fn an_origin_that_never_answers_is_unreachable_once_the_handshake_timeout_passes() {
    let silent = FakeOrigin::silent().await.unwrap();
    let origin = silent.origin(HOST).unwrap();
    let limits = ProbeLimits::new().timeout(Duration::from_millis(300));
    let error =
        cloudflare_origin_trust_store::origin::OriginChain::fetch_with(&origin, &limits).await.unwrap_err();
    assert!(matches!(error, ProbeError::HandshakeTimeout { timeout_ms: 300, .. }), "{error:?}");
    silent.closed(1).await;
    assert_eq!((silent.connections(), silent.handshakes()), (1, 0));
}

#[tokio::test]
async fn an_origin_sending_10_mb_of_garbage_fails_the_handshake_with_a_clear_error() {
    let garbage = FakeOrigin::garbage(10 << 20).await.unwrap();
    let origin = garbage.origin(HOST).unwrap();
    let error = cloudflare_origin_trust_store::origin::OriginChain::fetch(&origin, Duration::from_secs(10))
        .await
        .unwrap_err();
    let ProbeError::Tls { reason, .. } = &error else { panic!("{error:?}") };
    assert!(reason.ends_with("(what it sent is not TLS: another protocol on this port?)"), "{reason}");
}

#[tokio::test]
async fn an_ml_dsa_chain_is_unknown_and_never_trusted() {
    let root = include_str!("../fixtures/roots/mldsa65.pem");
    let leaf = LeafCert {
        chain: include_str!("../fixtures/origins/mldsa-leaf.pem").to_owned(),
        key: include_str!("../fixtures/origins/mldsa-leaf.key").to_owned(),
        pem: String::new(),
    };
    let mut stored = CustomTrustStore::new(id(1), root);
    stored.status = CertificateStatus::Active;
    let origin = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let fake = FakeCloudflare::builder().certificates(vec![stored]).start().await.unwrap();
    let origins = [origin.origin("pq.example.test").unwrap()];
    let checks = fake.client().unwrap().check_origins(fake.zone_id(), &origins, &Change::None).await.unwrap();
    let now = &checks[0].now;
    assert_eq!((now.outcome, now.reason), (Outcome::Unknown, Reason::UnknownAlgorithm), "{now}");
    assert!(now.detail.contains("2.16.840.1.101.3.4.3.18"), "{now}");
    assert!(!checks[0].passed());
}

#[tokio::test]
async fn origins_are_checked_concurrently_in_the_order_given() {
    let root = Ca::root("Root");
    let names: Vec<String> = (0..12).map(|i| format!("o{i}.example.test")).collect();
    let leaf = root.leaf(&["*.example.test"]);
    let server = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let fake = FakeCloudflare::builder().certificates(vec![active(&root, 1)]).start().await.unwrap();
    let origins: Vec<_> = names.iter().map(|name| server.origin(name).unwrap()).collect();
    let options = CheckOptions::new().concurrency(4);
    let report = fake
        .client()
        .unwrap()
        .check_origins_with(fake.zone_id(), &origins, &Change::None, &options)
        .await
        .unwrap();
    let hosts: Vec<&str> = report.checks.iter().map(|c| c.host.as_str()).collect();
    assert_eq!(hosts, names.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(report.checks.iter().all(OriginCheck::passed));
    server.closed(12).await;
    assert_eq!(server.handshakes(), 12);
}

#[tokio::test]
async fn bad_options_are_refused_before_any_request() {
    let fake = FakeCloudflare::builder().start().await.unwrap();
    let client = fake.client().unwrap();
    let origins = ["www.example.test".parse().unwrap()];
    for (options, message) in [
        (CheckOptions::new().concurrency(0), "invalid concurrency: 0 is not from 1 to 256"),
        (CheckOptions::new().concurrency(257), "invalid concurrency: 257 is not from 1 to 256"),
        (
            CheckOptions::new().limits(ProbeLimits::new().timeout(Duration::ZERO)),
            "invalid timeout: must be greater than 0",
        ),
    ] {
        let error =
            client.check_origins_with(fake.zone_id(), &origins, &Change::None, &options).await.unwrap_err();
        assert_eq!(error.to_string(), message);
    }
    let error = client.check_origins(fake.zone_id(), &[], &Change::None).await.unwrap_err();
    assert_eq!(error.to_string(), "invalid origins: none given; give at least one origin");
    let error = client.check_origins(fake.zone_id(), &origins, &Change::Delete(vec!["bad id".into()])).await;
    assert!(error.unwrap_err().is_invalid_input());
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_handshake_larger_than_the_byte_limit_stops_there() {
    let root = Ca::root("Root");
    let leaf = root.intermediate("Issuing CA").leaf(&[HOST]);
    let origin = FakeOrigin::builder(&leaf.chain, &leaf.key).unwrap().start().await.unwrap();
    let limits = ProbeLimits::new().max_bytes(200);
    let target = origin.origin(HOST).unwrap();
    let probed = cloudflare_origin_trust_store::origin::OriginChain::fetch_with(&target, &limits);
    let error = probed.await.unwrap_err();
    assert!(matches!(error, ProbeError::TooMuchData { limit: 200, .. }), "{error:?}");
    assert!(error.to_string().ends_with("sent over 200 bytes without completing a TLS handshake"), "{error}");
}
