//! What the client tells `tracing`: a span per operation, an event per attempt and per retry,
//! and never a credential in any field of any span or event (both schemes, retries, errors).
//!
//! The subscriber is process-wide, so this file holds one test.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{Client, Credentials, Jitter, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every span and event, as `target: name=value name=value…`.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

impl Capture {
    fn push(&self, metadata: &Metadata<'_>, fields: Fields) {
        self.lines.lock().unwrap().push(format!("{} {}:{}", metadata.level(), metadata.target(), fields.0));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!(" span={}", span.metadata().name()));
        span.record(&mut fields);
        self.push(span.metadata(), fields);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = Fields(" span-record".into());
        values.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.push(event.metadata(), fields);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn every_operation_is_traced_and_no_event_or_span_ever_holds_a_credential() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();

    let fake = FakeCloudflare::builder().sample_certificates(60).start().await.unwrap();
    // Every page's first attempt is a 503: each is retried once.
    fake.set_faults(|r| (r.is_list() && r.attempt == 1).then(|| Fault::html(503, 0)));
    let retry = RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none());
    for credentials in [Credentials::token(fake::TOKEN), Credentials::email_key(fake::EMAIL, fake::API_KEY)] {
        let client = Client::builder()
            .base_url(fake.base_url())
            .credentials(credentials)
            .retry(retry.clone())
            .build()
            .unwrap();
        client.collect_all(fake.zone_id()).await.unwrap();
        let id = fake.certificates()[0].id.clone();
        client.get(fake.zone_id(), &id).await.unwrap();
        client.upload_unchecked(fake.zone_id(), &fake::sample_certificates(61)[60].certificate).await.ok();
        client.delete(fake.zone_id(), "ca0000000000000000000000000000ff").await.unwrap_err();
    }
    for wrong in [
        Credentials::token("wrong-secret-token"),
        Credentials::email_key("x@example.org", "wrong-secret-key"),
    ] {
        let client = Client::builder().base_url(fake.base_url()).credentials(wrong).build().unwrap();
        client.collect_all(fake.zone_id()).await.unwrap_err();
    }

    let lines = capture.lines.lock().unwrap().clone();
    let all = lines.join("\n");
    // Values only: a hint may name a scheme ("Authorization: Bearer"), never what it carried.
    for secret in [fake::TOKEN, fake::API_KEY, fake::EMAIL, "x@example.org", "wrong-secret"] {
        assert!(!all.contains(secret), "{secret:?} appears in:\n{all}");
    }
    // A span per operation, with its ids.
    let zone = fake.zone_id();
    assert!(
        all.contains(&format!("span=cloudflare operation=list_custom_trust_store zone_id={zone}")),
        "{all}"
    );
    assert!(all.contains("operation=delete_custom_trust_store"), "{all}");
    assert!(all.contains("certificate_id=ca0000000000000000000000000000ff"), "{all}");
    // An event per attempt: method, path, status, duration, attempt, Ray ID.
    let attempt = lines
        .iter()
        .find(|line| {
            line.starts_with("DEBUG cloudflare_origin_trust_store::request:") && line.contains("status=503")
        })
        .unwrap_or_else(|| panic!("no attempt event:\n{all}"));
    for field in ["method=GET", "path=/client/v4/zones/", "duration_ms=", "attempt=1", "ray_id=7a1e"] {
        assert!(attempt.contains(field), "{field} in {attempt}");
    }
    assert!(attempt.contains("message=GET /client/v4/zones/"), "{attempt}");
    assert!(attempt.contains("→ 503 in "), "{attempt}");
    // An event per retry decision, with its reason and wait.
    assert!(
        lines.iter().any(|line| line.starts_with("INFO cloudflare_origin_trust_store::retry:")
            && line.contains("reason=http 503")
            && line.contains("wait_ms=1")),
        "{all}"
    );
}
