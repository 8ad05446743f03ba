//! The one seam every request goes through: the generated client's hooks.
//!
//! `pre` refuses a request whose path is not the operation's own, removes the `api-version` header
//! progenitor adds to every request (Cloudflare reads it as a date-based API version; without it
//! Cloudflare uses its default) and adds the credentials' headers, so exactly one auth scheme is
//! sent. `exec` is the retry loop: wait at the gate, send (reading the whole body, so a connection
//! dropped mid-body is retried like any other), record, decide ([`RetryPolicy::decide`], a pure
//! state machine in `decide.rs`), sleep.
//!
//! Two channels run beside the generated code's `Result`, both here and nowhere else:
//! - **the record**: each operation's [`Exchange`] holds a `Mutex<Record>` (status, Ray ID,
//!   attempts, a wait over the ceiling, an oversized body) that the hooks write and
//!   `request/failure.rs` reads to build the crate's error, because progenitor's error carries none
//!   of it;
//! - **the held-back answer**: when the gate would hold a request longer than the retry ceiling,
//!   nothing is sent; `exec` returns a fabricated empty 429 (`held_back`) only to carry the call
//!   through the generated code, and the record's `rate_limited` (`before_sending: true`) is what
//!   `failure.rs` turns into `ErrorKind::RateLimited`.
//!
//! Every attempt is a `tracing` event (target `cloudflare_origin_trust_store::request`, DEBUG:
//! method, path, status or error, duration, attempt, Ray ID), and so is every retry decision
//! (`cloudflare_origin_trust_store::retry`, INFO: reason, wait). No event carries a header.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use crate::request::decide::{Next, Observed, Retries};
use crate::request::rate_limit::Gate;
use crate::request::retry::{RetryPolicy, retryable_error};
use crate::text::{one_line, seconds};

/// What every call of one [`crate::Client`] shares.
pub(crate) struct Shared {
    /// The credentials' headers, values marked sensitive.
    pub(crate) auth_headers: HeaderMap,
    /// The credentials' scheme, for messages: never a value.
    pub(crate) scheme: &'static str,
    pub(crate) retry: RetryPolicy,
    /// Holds requests back: the client's budget, the server's `Ratelimit`, a 429's pause.
    pub(crate) gate: Gate,
    /// Requests sent (attempts), for progress reports.
    pub(crate) sent: std::sync::atomic::AtomicU64,
}

/// The generated client's inner value: the shared settings and what this one call observed.
///
/// A fresh `Exchange` is made for each operation, so its record belongs to exactly one operation even
/// when several run at once.
#[derive(Clone)]
pub(crate) struct Exchange {
    shared: Arc<Shared>,
    record: Arc<Mutex<Record>>,
    operation: &'static str,
    /// The only path this call may send a request to: the operation's template with its checked
    /// ids, below the base URL's path.
    expected_path: Arc<str>,
}

/// What one operation observed, across its attempts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    /// The status of the last response.
    pub(crate) status: Option<u16>,
    /// The `CF-Ray` of the last response.
    pub(crate) ray_id: Option<String>,
    /// Attempts made.
    pub(crate) attempts: u32,
    /// A wait over the retry ceiling, which ended the operation.
    pub(crate) rate_limited: Option<Held>,
    /// The last response's body was over [`MAX_BODY_BYTES`] and was not read.
    pub(crate) body_too_large: bool,
    /// The size of the last response's body.
    pub(crate) body_bytes: u64,
}

/// A wait over the retry ceiling that ended an operation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held {
    /// The wait asked for.
    pub(crate) wait: Duration,
    /// Whether the gate held the request back, so nothing was sent (the wait was asked for
    /// earlier, by a 429 or a `Ratelimit` header); else the last response asked for it.
    pub(crate) before_sending: bool,
}

impl std::fmt::Debug for Exchange {
    // The derived `Debug` of the generated client prints its inner value: never the headers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("operation", &self.operation)
            .field("record", &*self.record())
            .finish_non_exhaustive()
    }
}

impl Exchange {
    pub(crate) fn new(shared: Arc<Shared>, operation: &'static str, expected_path: String) -> Self {
        Self { shared, record: Arc::default(), operation, expected_path: expected_path.into() }
    }

    pub(crate) fn record(&self) -> MutexGuard<'_, Record> {
        crate::lock::lock(&self.record)
    }

    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }

    pub(crate) fn scheme(&self) -> &'static str {
        self.shared.scheme
    }
}

impl ClientHooks<Exchange> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // Defence in depth behind the id checks: whatever the generated code and the URL parser
        // made of the ids, nothing is sent anywhere but the operation's own path.
        if request.url().path() != &*self.inner.expected_path {
            return Err(progenitor_client::Error::InvalidRequest(format!(
                "refusing to send {} {}: operation {} may only be sent to {}",
                request.method(),
                request.url().path(),
                info.operation_id,
                self.inner.expected_path
            )));
        }
        let headers = request.headers_mut();
        headers.remove("api-version");
        for (name, value) in &self.inner.shared.auth_headers {
            headers.insert(name.clone(), value.clone());
        }
        Ok(())
    }

    /// The retry loop: wait at the gate, send, record, decide ([`RetryPolicy::decide`]), sleep.
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.inner.shared.retry;
        let gate = &self.inner.shared.gate;
        let idempotent = request.method() != Method::POST && request.method() != Method::PATCH;
        let what = Target::of(&request);
        let mut current = request;
        let mut retries = Retries::default();
        loop {
            // A copy for the next attempt, made before this one consumes the request.
            let next = if policy.may_retry(retries) { current.try_clone() } else { None };
            let permit = match gate.wait(policy.max_retry_after).await {
                Ok(permit) => permit,
                Err(wait) => return Ok(self.held_back(&what, wait)),
            };
            let (attempt, sent) = self.attempt(current, &what).await;
            let observed = match &sent {
                Sent::Answered(response) => Observed::Response(response.status(), response.headers()),
                Sent::BodyCut(_) => Observed::BodyCut,
                Sent::Failed(error) => Observed::Failed { retryable: retryable_error(error, idempotent) },
            };
            if let Sent::Answered(response) = &sent {
                gate.observe(response.headers(), permit);
            } else {
                drop(permit);
            }
            match policy.decide(observed, idempotent, retries, next.is_some(), SystemTime::now()) {
                Next::Stop => return sent.into_result(),
                Next::PauseAndStop(wait) => {
                    self.inner.record().rate_limited = Some(Held { wait, before_sending: false });
                    // Every later call of this client is held back too, until the wait is over.
                    gate.pause(wait);
                    return sent.into_result();
                }
                Next::Retry { wait, rate_limited, left } => {
                    let reason = sent.reason();
                    tracing::info!(
                        target: "cloudflare_origin_trust_store::retry",
                        attempt, wait_ms = wait.as_millis() as u64, reason = %reason,
                        "retrying {what} in {} after {reason} (attempt {attempt} of {})",
                        seconds(wait), attempt + left
                    );
                    if rate_limited {
                        // Every request of this client waits too, not only this one.
                        gate.pause(wait);
                    }
                    tokio::time::sleep(wait).await;
                    current = next.expect("decide retries only a request it was told can be sent again");
                    retries = retries.after(rate_limited);
                }
            }
        }
    }
}

/// A request as events and messages name it: its method and path with the query.
struct Target(String);

impl Target {
    fn of(request: &reqwest::Request) -> Self {
        let url = request.url();
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Self(format!("{} {path}", request.method()))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one attempt came to.
enum Sent {
    /// A whole response.
    Answered(reqwest::Response),
    /// The head, then a body cut short.
    BodyCut(reqwest::Error),
    /// No answer.
    Failed(reqwest::Error),
}

impl Sent {
    fn into_result(self) -> reqwest::Result<reqwest::Response> {
        match self {
            Self::Answered(response) => Ok(response),
            Self::BodyCut(error) | Self::Failed(error) => Err(error),
        }
    }

    /// Why a retry follows, for its event.
    fn reason(&self) -> String {
        match self {
            Self::Answered(response) => format!("http {}", response.status().as_u16()),
            Self::BodyCut(_) => "a body cut short".to_owned(),
            Self::Failed(error) if error.is_timeout() => "a timeout".to_owned(),
            Self::Failed(_) => "a network error".to_owned(),
        }
    }
}

impl crate::generated::Client {
    /// One attempt: sends `request`, reads its whole body, records what came back in the call's
    /// record, and says so in a `tracing` event. Returns the attempt's number and its outcome.
    async fn attempt(&self, request: reqwest::Request, what: &Target) -> (u32, Sent) {
        self.inner.shared.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let attempt = {
            let mut record = self.inner.record();
            record.attempts += 1;
            record.attempts
        };
        let started = Instant::now();
        let sent = match send(&self.client, request).await {
            Ok((response, too_large)) => {
                let mut record = self.inner.record();
                record.status = Some(response.status().as_u16());
                record.ray_id = ray_id(response.headers());
                record.body_too_large = too_large;
                record.body_bytes = response.content_length().unwrap_or(0);
                Sent::Answered(response)
            }
            Err(Failed::Sending(error)) => Sent::Failed(error),
            Err(Failed::ReadingBody(error)) => Sent::BodyCut(error),
        };
        let millis = started.elapsed().as_millis() as u64;
        let (method, path) = what.0.split_once(' ').unwrap_or((&what.0, ""));
        match &sent {
            Sent::Answered(response) => {
                let ray = self.inner.record().ray_id.clone();
                let status = response.status().as_u16();
                tracing::debug!(
                    target: "cloudflare_origin_trust_store::request",
                    method, path, status, duration_ms = millis, attempt, ray_id = ray.as_deref(),
                    "{what} → {status} in {millis} ms"
                );
            }
            Sent::BodyCut(error) | Sent::Failed(error) => {
                let cause = one_line(&error.to_string(), 200);
                tracing::debug!(
                    target: "cloudflare_origin_trust_store::request",
                    method, path, error = %cause, duration_ms = millis, attempt,
                    "{what} → {cause} after {millis} ms"
                );
            }
        }
        (attempt, sent)
    }
}

impl crate::generated::Client {
    /// The answer when the rate-limit gate would hold a request longer than the retry ceiling: the
    /// request is not sent, and the call ends with [`crate::ErrorKind::RateLimited`] (set in the
    /// record; the empty 429 only carries the call through the generated code to `into_error`).
    fn held_back(&self, what: &Target, wait: Duration) -> reqwest::Response {
        tracing::warn!(
            target: "cloudflare_origin_trust_store::rate_limit",
            wait_ms = wait.as_millis() as u64,
            "{what} not sent: held back {} more, longer than the retry ceiling",
            seconds(wait)
        );
        self.inner.record().rate_limited = Some(Held { wait, before_sending: true });
        let response = http::Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .body(Vec::<u8>::new())
            .expect("a status and an empty body");
        reqwest::Response::from(response)
    }
}

/// A response's `CF-Ray` (Cloudflare's id of the request, which its support asks for), bounded.
fn ray_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("cf-ray")?;
    Some(one_line(&String::from_utf8_lossy(value.as_bytes()), 64)).filter(|ray| !ray.is_empty())
}

/// The largest response body read. A page of 50 certificates is tens of kilobytes; a larger body
/// is not Cloudflare's, and is not read into memory.
pub(crate) const MAX_BODY_BYTES: usize = crate::Client::MAX_BODY_BYTES;

/// How an attempt failed.
enum Failed {
    /// Before a response head arrived.
    Sending(reqwest::Error),
    /// After the head: the body was cut short (or could not be read).
    ReadingBody(reqwest::Error),
}

/// Sends one attempt and reads its whole body, so that a body cut short fails here, where it can
/// be retried, rather than in the generated code's decoding. A body over [`MAX_BODY_BYTES`] is
/// left unread: the response comes back with an empty body, and `true`.
async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> Result<(reqwest::Response, bool), Failed> {
    let mut response = client.execute(request).await.map_err(Failed::Sending)?;
    let mut buffered = http::Response::builder().status(response.status()).version(response.version());
    if let Some(headers) = buffered.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut body = Vec::new();
    let mut too_large = response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64);
    while !too_large && let Some(chunk) = response.chunk().await.map_err(Failed::ReadingBody)? {
        too_large = body.len() + chunk.len() > MAX_BODY_BYTES;
        if !too_large {
            body.extend_from_slice(&chunk);
        }
    }
    if too_large {
        body = Vec::new();
    }
    let rebuilt = buffered.body(body).expect("status, version and headers came from a response");
    Ok((reqwest::Response::from(rebuilt), too_large))
}

#[cfg(test)]
mod path_check {
    use crate::fake::FakeCloudflare;
    use crate::generated::types::{CertificateIdentifier, Identifier};

    /// Even with the id checks bypassed, a request whose path is not the operation's own is
    /// refused by the seam, and nothing reaches the server.
    #[tokio::test]
    async fn a_request_to_another_path_than_the_operations_is_never_sent() {
        let fake = FakeCloudflare::builder().sample_certificates(1).start().await.unwrap();
        let client = fake.client().unwrap();
        let zone = Identifier::try_from(fake.zone_id()).unwrap();
        for id in ["..", ".", "..\\..", "a\\b"] {
            let id = CertificateIdentifier::try_from(id).unwrap();
            let route = crate::request::route::Route::delete_custom_trust_store(&zone, &id);
            let (generated, _call) = client.generated_for(&route);
            let err = generated.delete_custom_trust_store(&zone, &id).await.unwrap_err();
            let text = err.to_string();
            assert!(text.contains("refusing to send DELETE /client/v4/zones/"), "{text}");
            assert!(text.contains("may only be sent to /client/v4/zones/"), "{text}");
        }
        assert_eq!(fake.request_count(), 0);
    }
}
