//! The one seam every request goes through: the generated client's hooks.
//!
//! `pre` refuses a request whose path is not the operation's own, removes the `api-version` header
//! progenitor adds to every request (Cloudflare reads it as a date-based API version; without it
//! Cloudflare uses its default) and adds the credentials' headers, so exactly one auth scheme is
//! sent. `exec` sends the request, reads the whole body (so a connection dropped mid-body is
//! retried like any other), and retries as the [`RetryPolicy`] decides, recording what it saw in
//! the call's [`Exchange`] record, which [`super::failure`] reads to build the crate's error.
//!
//! Every attempt is a `tracing` event (target `cloudflare_origin_trust_store::request`, DEBUG:
//! method, path, status or error, duration, attempt, Ray ID), and so is every retry decision
//! (`cloudflare_origin_trust_store::retry`, INFO: reason, wait). No event carries a header.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use crate::request::rate_limit::Gate;
use crate::request::retry::{RetryPolicy, Wait, retryable_error, wait_for};
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

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.inner.shared.retry;
        let gate = &self.inner.shared.gate;
        let idempotent = request.method() != Method::POST && request.method() != Method::PATCH;
        let method = request.method().clone();
        let target = match request.url().query() {
            Some(query) => format!("{}?{query}", request.url().path()),
            None => request.url().path().to_owned(),
        };
        let mut current = request;
        // Retries so far: of 429s, and of every other failure (each has its own allowance).
        let (mut rate_limited_retries, mut retries) = (0, 0);
        loop {
            // A copy for the next attempt, made before this one consumes the request.
            let may_retry =
                retries < policy.max_retries || rate_limited_retries < policy.max_rate_limited_retries;
            let next = if may_retry { current.try_clone() } else { None };
            let permit = match gate.wait(policy.max_retry_after).await {
                Ok(permit) => permit,
                Err(wait) => {
                    tracing::warn!(
                        target: "cloudflare_origin_trust_store::rate_limit",
                        wait_ms = wait.as_millis() as u64,
                        "{method} {target} not sent: held back {} more, longer than the retry ceiling",
                        seconds(wait)
                    );
                    return Ok(self.held_back(wait));
                }
            };
            self.inner.shared.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let attempt = {
                let mut record = self.inner.record();
                record.attempts += 1;
                record.attempts
            };
            let started = Instant::now();
            let mut body_cut = false;
            let result = match send(&self.client, current).await {
                Ok((response, too_large)) => {
                    let mut record = self.inner.record();
                    record.status = Some(response.status().as_u16());
                    record.ray_id = ray_id(response.headers());
                    record.body_too_large = too_large;
                    record.body_bytes = response.content_length().unwrap_or(0);
                    Ok(response)
                }
                Err(Failed::Sending(error)) => Err(error),
                Err(Failed::ReadingBody(error)) => {
                    body_cut = true;
                    Err(error)
                }
            };
            let millis = started.elapsed().as_millis() as u64;
            let decision = match &result {
                Ok(response) => {
                    let ray = self.inner.record().ray_id.clone();
                    tracing::debug!(
                        target: "cloudflare_origin_trust_store::request",
                        method = %method, path = %target, status = response.status().as_u16(),
                        duration_ms = millis, attempt, ray_id = ray.as_deref(),
                        "{method} {target} → {} in {millis} ms", response.status().as_u16()
                    );
                    gate.observe(response.headers(), permit);
                    wait_for(policy, response.status(), response.headers(), idempotent)
                }
                Err(error) => {
                    drop(permit);
                    let cause = one_line(&error.to_string(), 200);
                    tracing::debug!(
                        target: "cloudflare_origin_trust_store::request",
                        method = %method, path = %target, error = %cause, duration_ms = millis, attempt,
                        "{method} {target} → {cause} after {millis} ms"
                    );
                    if body_cut {
                        // The head arrived, so the server processed the request: only an
                        // idempotent one is sent again. reqwest reports a body cut short as a
                        // decode error, which `retryable_error` cannot tell from a real one.
                        if idempotent { Wait::Backoff } else { Wait::No }
                    } else if retryable_error(error, idempotent) {
                        Wait::Backoff
                    } else {
                        Wait::No
                    }
                }
            };
            let rate_limited = matches!(&result, Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS);
            let (done, allowed) = if rate_limited {
                (rate_limited_retries, policy.max_rate_limited_retries)
            } else {
                (retries, policy.max_retries)
            };
            let next = next.filter(|_| done < allowed);
            let wait = match decision {
                Wait::No => None,
                // The backoff is a floor under the server's wait: a storm of `Retry-After: 0`
                // never turns into back-to-back attempts.
                Wait::For(wait) => next.is_some().then(|| wait.max(policy.backoff(done))),
                Wait::Backoff => next.is_some().then(|| policy.backoff(done)),
                Wait::TooLong(wait) => {
                    self.inner.record().rate_limited = Some(Held { wait, before_sending: false });
                    // Every later call of this client is held back too, until the wait is over.
                    gate.pause(wait);
                    None
                }
            };
            match (wait, next) {
                (Some(wait), Some(next)) => {
                    let reason = match &result {
                        Ok(response) => format!("http {}", response.status().as_u16()),
                        Err(_) if body_cut => "a body cut short".to_owned(),
                        Err(error) if error.is_timeout() => "a timeout".to_owned(),
                        Err(_) => "a network error".to_owned(),
                    };
                    tracing::info!(
                        target: "cloudflare_origin_trust_store::retry",
                        attempt, wait_ms = wait.as_millis() as u64, reason = %reason,
                        "retrying {method} {target} in {} after {reason} (attempt {attempt} of {})",
                        seconds(wait), attempt + allowed - done
                    );
                    if rate_limited {
                        // Every request of this client waits too, not only this one.
                        gate.pause(wait);
                    }
                    tokio::time::sleep(wait).await;
                    current = next;
                    if rate_limited {
                        rate_limited_retries += 1;
                    } else {
                        retries += 1;
                    }
                }
                _ => return result,
            }
        }
    }
}

impl crate::generated::Client {
    /// The answer when the rate-limit gate would hold a request longer than the retry ceiling: the
    /// request is not sent, and the call ends with [`crate::ErrorKind::RateLimited`] (set in the
    /// record; the empty 429 only carries the call through the generated code to `into_error`).
    fn held_back(&self, wait: Duration) -> reqwest::Response {
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
pub(crate) const MAX_BODY_BYTES: usize = 32 << 20;

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
            let route = crate::request::route::Route::item("delete_custom_trust_store", &zone, &id);
            let (generated, _call) = client.generated_for(&route);
            let err = generated.delete_custom_trust_store(&zone, &id).await.unwrap_err();
            let text = err.to_string();
            assert!(text.contains("refusing to send DELETE /client/v4/zones/"), "{text}");
            assert!(text.contains("may only be sent to /client/v4/zones/"), "{text}");
        }
        assert_eq!(fake.request_count(), 0);
    }
}
