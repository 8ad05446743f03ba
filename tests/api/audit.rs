//! The audit of many zones: which zones, what is expiring, one request per small store, errors
//! per zone, order, and the request budget.

use crate::support_zones as zones;

use std::time::Duration;

use chrono::TimeDelta;
use cloudflare_origin_trust_store::fake::{FakeZone, Fault};
use cloudflare_origin_trust_store::{
    Audit, CertificateStatus, CustomTrustStore, ErrorKind, ZoneFilter, ZoneRef, ZoneReport,
};
use futures_util::TryStreamExt;
use zones::{Zones, zone_id};

const ZONES: Zones = Zones { expiring_every: 4 };

fn ids(certificates: &[CustomTrustStore]) -> Vec<String> {
    certificates.iter().map(|c| c.id.clone()).collect()
}

#[tokio::test]
async fn an_audit_of_all_zones_reports_exactly_the_expiring_certificates_with_one_request_per_zone() {
    let fake = ZONES.fake(120).start().await.unwrap();
    let client = fake.client().unwrap();
    let mut stream = client.audit(&Audit::all_zones(ZoneFilter::new())).unwrap();
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(stream.total(), Some(121), "the fake's own zone and 120 more, from the first zone page");
    let mut reports = vec![first];
    reports.extend(stream.try_collect::<Vec<ZoneReport>>().await.unwrap());

    assert_eq!(reports.len(), 121);
    assert_eq!(reports[0].zone_id.as_deref(), Some(fake.zone_id()), "in the order zones were listed");
    let mut expiring_zones = 0;
    for (i, report) in reports.iter().enumerate().skip(1) {
        assert_eq!(report.zone_id, Some(zone_id(i)));
        assert_eq!(report.zone_name.as_deref(), Some(zones::site(i).as_str()));
        assert!(report.error.is_none(), "zone {i}: {:?}", report.error);
        assert_eq!(ids(&report.certificates), ids(&ZONES.store(i)), "zone {i}");
        assert_eq!(ids(&report.expiring), ZONES.expiring(i, 30), "zone {i}");
        expiring_zones += usize::from(!report.expiring.is_empty());
    }
    // Multiples of 4 whose i % 40 is under 30 (24 zones), but for zone 84, whose only certificate
    // is on its way out.
    assert_eq!(expiring_zones, 23);

    let requests = fake.requests();
    let zone_pages = requests.iter().filter(|r| r.path.ends_with("/zones")).count();
    assert_eq!(zone_pages, 3, "121 zones, 50 a page");
    let lists: Vec<_> = requests.iter().filter(|r| r.path.ends_with("/custom_trust_store")).collect();
    assert_eq!(lists.len(), 121, "one list request per zone");
    assert!(lists.iter().all(|r| r.query.as_deref() == Some("page=1&per_page=50")));
    assert_eq!(requests.len(), 124);
    assert_eq!(client.requests_sent(), 124);
}

#[tokio::test]
async fn the_window_and_statuses_decide_what_is_expiring() {
    let fake = ZONES.fake(40).start().await.unwrap();
    let client = fake.client().unwrap();
    let zones: Vec<ZoneRef> = (1..=40).map(|i| ZoneRef::Id(zone_id(i))).collect();
    let audit = Audit::zones(zones.clone()).expiring_within(TimeDelta::days(10));
    let reports: Vec<ZoneReport> = client.audit(&audit).unwrap().try_collect().await.unwrap();
    for (i, report) in (1..).zip(&reports) {
        assert_eq!(ids(&report.expiring), ZONES.expiring(i, 10), "zone {i}");
        assert_eq!(report.zone_name, None, "a zone given by id has no name to report");
    }
    // Only pending_deletion: exactly the one certificate of every seventh zone.
    let audit = Audit::zones(zones).statuses([CertificateStatus::PendingDeletion]);
    let reports: Vec<ZoneReport> = client.audit(&audit).unwrap().try_collect().await.unwrap();
    for (i, report) in (1usize..).zip(&reports) {
        let expected =
            if i.is_multiple_of(7) { vec![ZONES.store(i).last().unwrap().id.clone()] } else { vec![] };
        assert_eq!(ids(&report.expiring), expected, "zone {i}");
    }
}

#[tokio::test]
async fn zones_given_by_id_or_name_are_reported_in_order_once_each_and_a_failing_zone_is_not_fatal() {
    let fake = ZONES
        .fake(6)
        .zone(FakeZone::new("f".repeat(32), "free.example.org").without_trust_store())
        .start()
        .await
        .unwrap();
    let client = fake.client().unwrap();
    let given = [
        ZoneRef::Name("site3.example.org".into()),
        ZoneRef::Id(zone_id(1)),
        ZoneRef::Name("nowhere.example.org".into()),
        ZoneRef::Id("f".repeat(32)),
        ZoneRef::parse(&zone_id(1).to_uppercase()), // the same zone again
        ZoneRef::parse("SITE3.example.org."),       // and again, by name
        ZoneRef::Id("e".repeat(32)),                // no such zone
        ZoneRef::parse("site4.example.org"),
    ];
    let reports: Vec<ZoneReport> = client.audit(&Audit::zones(given)).unwrap().try_collect().await.unwrap();
    let rows: Vec<(Option<&str>, Option<&str>, usize, bool)> = reports
        .iter()
        .map(|r| (r.zone_id.as_deref(), r.zone_name.as_deref(), r.certificates.len(), r.error.is_some()))
        .collect();
    let (one, three, four) = (zone_id(1), zone_id(3), zone_id(4));
    let (f, e) = ("f".repeat(32), "e".repeat(32));
    assert_eq!(
        rows,
        [
            (Some(three.as_str()), Some("site3.example.org"), 1, false),
            (Some(one.as_str()), None, 2, false),
            (None, Some("nowhere.example.org"), 0, true),
            (Some(f.as_str()), None, 0, true),
            (Some(e.as_str()), None, 0, true),
            (Some(four.as_str()), Some("site4.example.org"), 2, false),
        ]
    );
    assert!(matches!(reports[2].error.as_ref().unwrap().kind(), ErrorKind::ZoneNotFound { .. }));
    assert!(reports[3].error.as_ref().unwrap().is_not_found(), "{:?}", reports[3].error);
    assert!(reports[4].error.as_ref().unwrap().is_not_found());
    assert_eq!(ids(&reports[5].expiring), ZONES.expiring(4, 30));
    // Three names resolved (one request each), five stores listed.
    assert_eq!(fake.request_count(), 3 + 5);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let fake = ZONES.fake(2).start().await.unwrap();
    let client = fake.client().unwrap();
    let good = || Audit::zones([ZoneRef::Id(zone_id(1))]);
    let cases = [
        (Audit::zones([ZoneRef::Id(zone_id(1)), ZoneRef::Id("../..".into())]), "invalid zone_id"),
        (Audit::zones([ZoneRef::Id("%2e%2e".into())]), "invalid zone_id"),
        (Audit::zones([ZoneRef::Id(String::new())]), "invalid zone_id"),
        (Audit::zones([ZoneRef::Name("a/b.example".into())]), "invalid zone name"),
        (Audit::zones([ZoneRef::Name("contains:example".into())]), "invalid zone name"),
        (Audit::zones([ZoneRef::Name("exämple.org".into())]), "invalid zone name"),
        (Audit::zones([ZoneRef::Name("with space.org".into())]), "invalid zone name"),
        (Audit::zones([ZoneRef::Name("..".into())]), "invalid zone name"),
        (Audit::all_zones(ZoneFilter::new().account_id("a\\b")), "invalid account_id"),
        (good().concurrency(0), "invalid concurrency: must be 1 to 32, got 0"),
        (good().concurrency(33), "invalid concurrency: must be 1 to 32, got 33"),
        (good().expiring_within(TimeDelta::days(-1)), "invalid expiring_within: must be zero or more"),
        (good().statuses([]), "invalid statuses: must name at least one status"),
    ];
    for (audit, message) in cases {
        let err = client.audit(&audit).map(drop).unwrap_err();
        assert!(err.is_invalid_input(), "{err}");
        assert!(err.to_string().starts_with(message), "{err}");
    }
    assert_eq!(fake.request_count(), 0);
    // An audit of no zone is empty, and sends nothing.
    let reports: Vec<ZoneReport> = client.audit(&Audit::zones([])).unwrap().try_collect().await.unwrap();
    assert!(reports.is_empty());
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn when_listing_the_zones_fails_the_stream_ends_with_the_error_after_the_zones_it_had() {
    let fake = ZONES.fake(70).start().await.unwrap();
    let client =
        fake.client_builder().retry(cloudflare_origin_trust_store::RetryPolicy::disabled()).build().unwrap();
    fake.set_faults(|request| {
        (request.path == "/zones" && request.page == 2).then(|| {
            cloudflare_origin_trust_store::fake::Fault::json(
                403,
                &serde_json::json!({"success": false, "errors": [{"code": 9109, "message": "Unauthorized to access requested resource"}], "messages": [], "result": null}),
            )
        })
    });
    let mut stream = client.audit(&Audit::all_zones(ZoneFilter::new())).unwrap();
    let mut audited = 0;
    let err = loop {
        match stream.try_next().await {
            Ok(Some(report)) => {
                assert!(report.error.is_none());
                audited += 1;
            }
            Ok(None) => panic!("the stream ended as if complete"),
            Err(err) => break err,
        }
    };
    assert_eq!(err.status(), Some(403));
    assert!(audited <= 50, "at most the first page's zones, got {audited}");
    assert!(stream.try_next().await.unwrap().is_none(), "the error ends it");
}

#[tokio::test]
async fn under_a_budget_tighter_than_the_work_an_audit_meets_no_429_and_waits_its_turn() {
    // The server allows 15 requests a second; 40 zones need 41 requests: 3 windows at least.
    for client_budget in [true, false] {
        let fake = ZONES.fake(40).rate_limit(15, Duration::from_secs(1)).start().await.unwrap();
        let mut builder = fake.client_builder();
        if client_budget {
            builder = builder.rate_budget(15, Duration::from_secs(1));
        }
        let client = builder.build().unwrap();
        let started = std::time::Instant::now();
        let reports: Vec<ZoneReport> = client
            .audit(&Audit::all_zones(ZoneFilter::new()).concurrency(8))
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(reports.len(), 41);
        assert!(reports.iter().all(|r| r.error.is_none()));
        assert_eq!(fake.rate_limited_count(), 0, "client budget {client_budget}: not one 429");
        assert_eq!(fake.request_count(), 41 + 1);
        assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    }
}

/// Zone 1's store answers after 2 s, the others at once; 4 zones at once.
async fn one_slow_zone() -> (cloudflare_origin_trust_store::fake::FakeCloudflare, Audit) {
    let fake = ZONES.fake(20).start().await.unwrap();
    let slow = format!("/zones/{}/acm/custom_trust_store", zone_id(1));
    fake.set_faults(move |request| (request.path == slow).then(|| Fault::Delay(Duration::from_secs(2))));
    let audit = Audit::zones((1..=20).map(|i| ZoneRef::Id(zone_id(i)))).concurrency(4);
    (fake, audit)
}

#[tokio::test]
async fn a_slow_zone_holds_one_slot_while_the_others_are_audited_in_order_or_as_done() {
    // In order: zone 1 comes first, and by then every other zone has been audited behind it.
    let (fake, audit) = one_slow_zone().await;
    let client = fake.client().unwrap();
    let mut reports = client.audit(&audit).unwrap();
    let first = reports.try_next().await.unwrap().unwrap();
    assert_eq!(first.zone_id, Some(zone_id(1)));
    assert_eq!(fake.request_count(), 20, "the 19 other zones were listed while zone 1 was slow");
    let rest: Vec<ZoneReport> = reports.try_collect().await.unwrap();
    let order: Vec<String> = rest.into_iter().filter_map(|report| report.zone_id).collect();
    assert_eq!(order, (2..=20).map(zone_id).collect::<Vec<_>>());

    // As done: zone 1 comes last; every zone once.
    let (fake, audit) = one_slow_zone().await;
    let client = fake.client().unwrap();
    let reports: Vec<ZoneReport> =
        client.audit(&audit.in_completion_order()).unwrap().try_collect().await.unwrap();
    let mut order: Vec<String> = reports.into_iter().filter_map(|report| report.zone_id).collect();
    assert_eq!(order.last(), Some(&zone_id(1)));
    order.sort();
    assert_eq!(order, (1..=20).map(zone_id).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_zone_id_in_capitals_is_sent_in_lowercase_and_is_the_same_zone() {
    let fake = ZONES.fake(3).start().await.unwrap();
    let client = fake.client().unwrap();
    let audit = Audit::zones([ZoneRef::Id(zone_id(2).to_uppercase()), ZoneRef::Id(zone_id(2))]);
    let reports: Vec<ZoneReport> = client.audit(&audit).unwrap().try_collect().await.unwrap();
    assert_eq!(reports.len(), 1, "the same zone");
    assert_eq!(reports[0].zone_id, Some(zone_id(2)));
    assert!(reports[0].error.is_none(), "{:?}", reports[0].error);
    let paths: Vec<String> = fake.requests().into_iter().map(|request| request.path).collect();
    assert_eq!(paths, [format!("/client/v4/zones/{}/acm/custom_trust_store", zone_id(2))]);
}

#[tokio::test]
async fn a_slow_first_zone_lets_at_most_a_window_of_reports_wait_in_memory() {
    let count = 600;
    let fake = ZONES.fake(count).start().await.unwrap();
    let slow = format!("/zones/{}/acm/custom_trust_store", zone_id(1));
    fake.set_faults(move |r| r.path.ends_with(&slow).then(|| Fault::Delay(Duration::from_secs(3))));
    let client = fake.client().unwrap();
    let zones = (1..=count).map(|i| ZoneRef::Id(zone_id(i)));
    let mut stream = client.audit(&Audit::zones(zones)).unwrap();
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.zone_id, Some(zone_id(1)));
    // While zone 1 was slow, only the zones of the window were listed: their reports are all that
    // waited in memory (without the window, all 599 others were).
    let window = Audit::DEFAULT_CONCURRENCY * Audit::AHEAD_PER_SLOT;
    let listed = fake.request_count();
    assert!(listed <= window + 1, "{listed} zones listed before the first report, window {window}");
    assert!(listed >= window, "the zones of the window did not wait for the slow one: {listed}");
    let rest: Vec<ZoneReport> = stream.try_collect().await.unwrap();
    assert_eq!(rest.len(), count - 1);
    assert!(rest.iter().enumerate().all(|(i, r)| r.zone_id == Some(zone_id(i + 2))), "in order");

    // In completion order nothing waits, so nothing is held back.
    let fake = ZONES.fake(60).start().await.unwrap();
    let slow = format!("/zones/{}/acm/custom_trust_store", zone_id(1));
    fake.set_faults(move |r| r.path.ends_with(&slow).then(|| Fault::Delay(Duration::from_millis(500))));
    let client = fake.client().unwrap();
    let zones = (1..=60).map(|i| ZoneRef::Id(zone_id(i)));
    let reports: Vec<ZoneReport> =
        client.audit(&Audit::zones(zones).in_completion_order()).unwrap().try_collect().await.unwrap();
    assert_eq!(reports.last().unwrap().zone_id, Some(zone_id(1)), "the slow one comes last");
}
