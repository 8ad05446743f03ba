//! `-o prometheus`, read back with a parser of the text exposition format (and linted by
//! Prometheus' own promtool where it is installed).

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeZone, Fault};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};

use crate::cli_support::{run, stderr, token_env};
use crate::common::certs;
use crate::tools::{available, text};

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// One sample: its labels and value.
type Sample = (HashMap<String, String>, f64);

/// Parses the text, checking what every family shares: a gauge with help.
#[track_caller]
fn parsed(text: &str) -> Exposition {
    let exposition = parse_prometheus(text).unwrap_or_else(|e| panic!("{e:?}:\n{text}"));
    for family in exposition.families.values() {
        assert_eq!(family.family_type, PrometheusType::Gauge, "{}", family.family_name);
        assert!(!family.help.is_empty(), "{}", family.family_name);
    }
    exposition
}

fn samples(exposition: &Exposition, name: &str) -> Vec<Sample> {
    let family = exposition.families.get(name).unwrap_or_else(|| panic!("no {name} family"));
    family
        .iter_samples()
        .map(|sample| {
            let labels = sample.get_labelset().unwrap();
            let labels = labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let PrometheusValue::Gauge(value) = &sample.value else { panic!("{name} is not a gauge") };
            (labels, value.as_f64())
        })
        .collect()
}

/// The one sample of `name` whose label `id` is `id`.
fn of<'a>(samples: &'a [Sample], id: &str) -> &'a Sample {
    let mut found = samples.iter().filter(|(labels, _)| labels["id"] == id);
    let sample = found.next().unwrap_or_else(|| panic!("no sample for {id}"));
    assert!(found.next().is_none());
    sample
}

/// Prometheus' own check of the text, where promtool is installed: it parses and lints.
fn promtool_accepts(metrics: &str) {
    if !available("promtool") {
        return;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(metrics.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}{}", text(&output.stdout), text(&output.stderr));
}

/// A root whose subject and the API's issuer hold what label values must escape.
fn hostile_root() -> CustomTrustStore {
    let mut certificate =
        CustomTrustStore::new("ca0000000000000000000000000000aa", certs::root("Evil \"Root\" \\ CA\nline"));
    certificate.issuer = "Evil \"Root\"".into();
    certificate.status = CertificateStatus::Active;
    certificate.expires_on = Utc.with_ymd_and_hms(2060, 1, 1, 0, 0, 0).unwrap();
    certificate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_prints_x509_exporter_metrics_that_a_parser_reads_back() {
    let mut certificates = cloudflare_origin_trust_store::fake::sample_certificates(8);
    // One expired, and one whose names need escaping.
    certificates[2].expires_on = Utc.with_ymd_and_hms(2020, 6, 1, 0, 0, 0).unwrap();
    certificates[2].status = CertificateStatus::Expired;
    certificates.push(hostile_root());
    let fake = FakeCloudflare::builder().certificates(certificates.clone()).start().await.unwrap();
    let base = fake.base_url();
    let zone = fake.zone_id();
    let output = run(
        &["list", "--zone-id", zone, "--base-url", &base, "-o", "prometheus", "--per-page", "5"],
        &token_env(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 2, "every page is listed");
    let text = String::from_utf8(output.stdout).unwrap();
    promtool_accepts(&text);
    let exposition = parsed(&text);

    let not_after = samples(&exposition, "x509_cert_not_after");
    let not_before = samples(&exposition, "x509_cert_not_before");
    let expired = samples(&exposition, "x509_cert_expired");
    assert_eq!((not_after.len(), not_before.len(), expired.len()), (9, 9, 9));
    for certificate in &certificates {
        let details = certificate.details().unwrap();
        let (labels, value) = of(&not_after, &certificate.id);
        assert_eq!(*value, certificate.expires_on.timestamp() as f64);
        assert_eq!(labels["zone_id"], zone);
        assert_eq!(labels["status"], certificate.status.to_string());
        assert_eq!(of(&not_before, &certificate.id).1, details.not_before.timestamp() as f64);
        let is_expired = if certificate.expires_on < Utc::now() { 1.0 } else { 0.0 };
        assert_eq!(of(&expired, &certificate.id).1, is_expired, "{}", certificate.id);
    }
    let (labels, _) = of(&not_after, &certificates[0].id);
    assert_eq!(labels["subject_CN"], "Example Root CA #0");
    assert_eq!(labels["issuer_CN"], "Example Root CA #0");
    assert_eq!(labels["serial_number"], "01");
    assert_eq!(of(&expired, &certificates[2].id).1, 1.0);
    // Quotes, backslashes and line feeds come back as they were.
    let (labels, _) = of(&not_after, "ca0000000000000000000000000000aa");
    assert_eq!(labels["subject_CN"], "Evil \"Root\" \\ CA\nline");

    assert_eq!(
        samples(&exposition, "cf_trust_store_zone_up"),
        [(labels_of(&[("zone_id", zone), ("zone_name", "")]), 1.0)]
    );
    assert_eq!(samples(&exposition, "x509_read_errors"), [(HashMap::new(), 0.0)]);
    let (_, at) = &samples(&exposition, "cf_trust_store_run_timestamp_seconds")[0];
    assert!(*at > Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap().timestamp() as f64);
}

fn labels_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_list_still_prints_the_zone_down_and_exits_1() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    fake.set_faults(|_| Some(Fault::html(500, 0)));
    let base = fake.base_url();
    let output = run(
        &["list", "--zone-id", fake.zone_id(), "--base-url", &base, "-o", "prometheus", "--retries", "0"],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: unexpected http 500 response"), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    promtool_accepts(&text);
    let exposition = parsed(&text);
    assert_eq!(samples(&exposition, "cf_trust_store_zone_up")[0].1, 0.0);
    assert_eq!(samples(&exposition, "x509_read_errors")[0].1, 1.0);
    assert!(exposition.families.get("x509_cert_not_after").is_none_or(|f| f.iter_samples().next().is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_writes_the_metrics_file_atomically_with_a_failed_zone_down() {
    let broken = "b".repeat(32);
    let fake = FakeCloudflare::builder()
        .sample_certificates(2)
        .zone(FakeZone::new("a".repeat(32), "fine.example.org").certificates(vec![hostile_root()]))
        .zone(FakeZone::new(broken.clone(), "broken.example.org"))
        .start()
        .await
        .unwrap();
    let path = format!("/zones/{broken}/acm/custom_trust_store");
    fake.set_faults(move |request| (request.path == path).then(|| Fault::html(502, 0)));
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("textfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cf_trust_store.prom");
    // The file a collector reads now, and a second name for it: written in place, that name
    // would see the new text; replaced by a rename, it keeps the old.
    std::fs::write(&file, "# the last run's metrics\n").unwrap();
    std::fs::hard_link(&file, dir.join("previous")).unwrap();
    let output = run(
        &[
            "audit",
            "--all-zones",
            "--retries",
            "0",
            "--base-url",
            &fake.base_url(),
            "-o",
            "prometheus",
            "--output-file",
            file.to_str().unwrap(),
        ],
        &token_env(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "the metrics go to the file only");
    assert_eq!(std::fs::read_to_string(dir.join("previous")).unwrap(), "# the last run's metrics\n");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["cf_trust_store.prom", "previous"], "no temporary file is left");

    let text = std::fs::read_to_string(&file).unwrap();
    promtool_accepts(&text);
    let exposition = parsed(&text);
    let mut up: Vec<(String, f64)> = samples(&exposition, "cf_trust_store_zone_up")
        .into_iter()
        .map(|(labels, value)| (labels["zone_name"].clone(), value))
        .collect();
    up.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        up,
        [("broken.example.org".into(), 0.0), ("example.com".into(), 1.0), ("fine.example.org".into(), 1.0)]
    );
    assert_eq!(samples(&exposition, "x509_read_errors")[0].1, 1.0);
    let not_after = samples(&exposition, "x509_cert_not_after");
    assert_eq!(not_after.len(), 3);
    let (labels, _) = of(&not_after, "ca0000000000000000000000000000aa");
    assert_eq!(
        (labels["zone_name"].as_str(), labels["zone_id"].as_str()),
        ("fine.example.org", "a".repeat(32).as_str())
    );
}

#[tokio::test]
async fn prometheus_output_is_refused_where_it_means_nothing() {
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    for (args, message) in [
        (
            &["get", "ca01", "--zone-id", zone, "-o", "prometheus"][..],
            "error: -o prometheus is for list and audit\n",
        ),
        (
            &["list", "--zone-id", zone, "--output-file", "x.prom"],
            "error: --output-file writes metrics: give it with -o prometheus\n",
        ),
        (
            &["list", "--zone-id", zone, "--page", "2", "-o", "prometheus"],
            "error: -o prometheus reports every certificate of the zone: give it without --page\n",
        ),
    ] {
        let output = run(args, &token_env()).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), message);
        assert!(output.stdout.is_empty());
    }
}
