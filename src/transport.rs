//! The one seam every request goes through: the generated client's hooks.
//!
//! `pre` removes the `api-version` header progenitor adds to every request (Cloudflare reads it as a
//! date-based API version; without it Cloudflare uses its default) and adds the credentials' headers,
//! so exactly one auth scheme is sent. `exec` sends the request, reads the whole body (so a
//! connection dropped mid-body is retried like any other), and retries as the [`RetryPolicy`] says,
//! recording what it saw in the call's [`Call`] record. [`into_error`] turns the generated client's
//! error into the crate's [`Error`], with the status, the attempts and any rate limit recorded.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};

use crate::error::{Error, one_line};
use crate::generated::types::ApiFailure;
use crate::rate_limit::Gate;
use crate::retry::{RetryPolicy, retry_after, retryable_error, retryable_status};

/// What every call of one [`crate::Client`] shares.
pub(crate) struct Shared {
    /// The credentials' headers, values marked sensitive.
    pub(crate) auth_headers: HeaderMap,
    pub(crate) retry: RetryPolicy,
    /// Holds requests back after a 429, or when `Ratelimit` says few are left.
    pub(crate) gate: Gate,
}

/// The generated client's inner value: the shared settings and what this one call observed.
///
/// A fresh `Call` is made for each operation, so its record belongs to exactly one operation even
/// when several run at once.
#[derive(Clone)]
pub(crate) struct Call {
    shared: Arc<Shared>,
    record: Arc<Mutex<Record>>,
    /// The only path this call may send a request to: the operation's template with its checked
    /// ids, below the base URL's path.
    expected_path: Arc<str>,
}

/// What one operation observed, across its attempts.
#[derive(Clone, Copy, Debug, Default)]
struct Record {
    /// The status of the last response.
    status: Option<u16>,
    /// Attempts made.
    attempts: u32,
    /// A server-requested wait over the ceiling, which ended the operation.
    rate_limited: Option<Duration>,
    /// The last response's body was over [`MAX_BODY_BYTES`] and was not read.
    body_too_large: bool,
}

impl std::fmt::Debug for Call {
    // The derived `Debug` of the generated client prints its inner value: never the headers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("record", &*self.record()).finish_non_exhaustive()
    }
}

impl Call {
    pub(crate) fn new(shared: Arc<Shared>, expected_path: String) -> Self {
        Self { shared, record: Arc::default(), expected_path: expected_path.into() }
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        crate::lock(&self.record)
    }
}

impl ClientHooks<Call> for crate::generated::Client {
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
        let idempotent = request.method() != Method::POST && request.method() != Method::PATCH;
        let mut current = request;
        let mut retries = 0;
        loop {
            // A copy for the next attempt, made before this one consumes the request.
            let next = if retries < policy.max_retries { current.try_clone() } else { None };
            let gate = &self.inner.shared.gate;
            if let Err(wait) = gate.wait(policy.max_retry_after).await {
                return Ok(self.held_back(wait));
            }
            self.inner.record().attempts += 1;
            let result = match send(&self.client, current).await {
                Ok((response, too_large)) => {
                    self.inner.record().body_too_large = too_large;
                    Ok(response)
                }
                Err(error) => Err(error),
            };
            let decision = match &result {
                Ok(response) => {
                    self.inner.record().status = Some(response.status().as_u16());
                    gate.observe(response.headers());
                    wait_for(policy, response.status(), response.headers(), idempotent)
                }
                Err(error) if retryable_error(error, idempotent) => Wait::Backoff,
                Err(_) => Wait::No,
            };
            let wait = match decision {
                Wait::No => None,
                Wait::For(wait) => Some(wait),
                Wait::Backoff => next.is_some().then(|| policy.backoff(retries)),
                Wait::TooLong(wait) => {
                    self.inner.record().rate_limited = Some(wait);
                    None
                }
            };
            let rate_limited = matches!(&result, Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS);
            match (wait, next) {
                (Some(wait), Some(next)) => {
                    if rate_limited {
                        // Every request of this client waits too, not only this one.
                        gate.pause(wait);
                    }
                    tokio::time::sleep(wait).await;
                    current = next;
                    retries += 1;
                }
                _ => return result,
            }
        }
    }
}

impl crate::generated::Client {
    /// The answer when the rate-limit gate would hold a request longer than the retry ceiling: the
    /// request is not sent, and the call ends with [`Error::RateLimited`] (set in the record; the
    /// empty 429 only carries the call through the generated code to [`into_error`]).
    fn held_back(&self, wait: Duration) -> reqwest::Response {
        let mut record = self.inner.record();
        record.rate_limited = Some(wait);
        record.status = Some(StatusCode::TOO_MANY_REQUESTS.as_u16());
        let response = http::Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .body(Vec::<u8>::new())
            .expect("a status and an empty body");
        reqwest::Response::from(response)
    }
}

enum Wait {
    /// Not worth another attempt.
    No,
    /// The server asked for this wait.
    For(Duration),
    /// Worth another attempt after the policy's backoff.
    Backoff,
    /// The server asked for a wait longer than the policy's ceiling.
    TooLong(Duration),
}

fn wait_for(policy: &RetryPolicy, status: StatusCode, headers: &HeaderMap, idempotent: bool) -> Wait {
    let asked = retry_after(headers, SystemTime::now());
    if let Some(wait) = asked.filter(|wait| *wait > policy.max_retry_after)
        && retryable_status(status)
    {
        return Wait::TooLong(wait);
    }
    // Only a 429 proves a non-idempotent request was not processed.
    if !retryable_status(status) || (!idempotent && status != StatusCode::TOO_MANY_REQUESTS) {
        return Wait::No;
    }
    asked.map_or(Wait::Backoff, Wait::For)
}

/// The largest response body read. A page of 50 certificates is tens of kilobytes; a larger body
/// is not Cloudflare's, and is not read into memory.
pub const MAX_BODY_BYTES: usize = 32 << 20;

/// Sends one attempt and reads its whole body, so that a body cut short fails here, where it can
/// be retried, rather than in the generated code's decoding. A body over [`MAX_BODY_BYTES`] is
/// left unread: the response comes back with an empty body, and `true`.
async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<(reqwest::Response, bool)> {
    let mut response = client.execute(request).await?;
    let mut buffered = http::Response::builder().status(response.status()).version(response.version());
    if let Some(headers) = buffered.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut body = Vec::new();
    let mut too_large = response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64);
    while !too_large && let Some(chunk) = response.chunk().await? {
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

/// The longest body excerpt an error carries.
const SNIPPET_CHARS: usize = 200;

/// Turns the generated client's error for one call into the crate's error.
/// `T` is the success body the call expected, so a decode error can name where it failed.
pub(crate) async fn into_error<T: serde::de::DeserializeOwned>(
    call: &Call,
    error: progenitor_client::Error<ApiFailure>,
) -> Error {
    let record = *call.record();
    let last = match (record.rate_limited, record.status) {
        (Some(retry_after), Some(status)) => Error::RateLimited { status, retry_after },
        (None, Some(status)) if record.body_too_large => {
            Error::BodyTooLarge { status, limit: MAX_BODY_BYTES }
        }
        _ => last_error::<T>(record, error).await,
    };
    if record.attempts > 1 {
        Error::Retried { attempts: record.attempts, last: Box::new(last) }
    } else {
        last
    }
}

async fn last_error<T: serde::de::DeserializeOwned>(
    record: Record,
    error: progenitor_client::Error<ApiFailure>,
) -> Error {
    use progenitor_client::Error as E;
    match error {
        E::ErrorResponse(value) => {
            let status = value.status().as_u16();
            Error::Api { status, errors: value.into_inner().errors }
        }
        E::InvalidResponsePayload(body, source) => {
            let status = record.status.unwrap_or(0);
            if let Some(errors) = failure_errors(&body) {
                // `success: false` with a body the success schema cannot hold (`"result": null`).
                Error::Api { status, errors }
            } else if (200..300).contains(&status) {
                Error::Decode { status, path: json_path::<T>(&body), source }
            } else {
                // A 4xx whose body is not Cloudflare's envelope (an HTML page, say).
                Error::UnexpectedResponse { status, snippet: snippet(&body) }
            }
        }
        E::UnexpectedResponse(response) => unexpected(response).await,
        E::CommunicationError(source) | E::ResponseBodyError(source) => from_reqwest(source),
        E::InvalidRequest(reason) => Error::invalid("request", reason),
        E::Custom(reason) => Error::Config(reason),
        // `progenitor_client::Error` is not exhaustive across versions.
        #[allow(unreachable_patterns)]
        other => Error::Config(other.to_string()),
    }
}

fn from_reqwest(error: reqwest::Error) -> Error {
    if error.is_timeout() { Error::Timeout(Box::new(error)) } else { Error::Network(Box::new(error)) }
}

/// A response with a status the spec does not declare: a redirect, a 5xx, or anything else.
async fn unexpected(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        return Error::Redirect { status, location };
    }
    match response.bytes().await {
        Ok(body) => match failure_errors(&body) {
            Some(errors) => Error::Api { status, errors },
            None => Error::UnexpectedResponse { status, snippet: snippet(&body) },
        },
        Err(source) => from_reqwest(source),
    }
}

/// Cloudflare's `errors`, when `body` is its failure envelope: `success: false`, or no `success`
/// but a non-empty `errors` array.
fn failure_errors(body: &[u8]) -> Option<Vec<crate::model::ResponseMessage>> {
    let failure: ApiFailure = serde_json::from_slice(body).ok()?;
    match failure.success {
        Some(false) => Some(failure.errors),
        None if !failure.errors.is_empty() => Some(failure.errors),
        _ => None,
    }
}

/// The start of a body on one line, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    // Only the start is shown, so only the start is converted.
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    one_line(&String::from_utf8_lossy(head), SNIPPET_CHARS)
}

/// Where in `body` decoding as `T` fails, such as `result[3].expires_on`.
fn json_path<T: serde::de::DeserializeOwned>(body: &[u8]) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(error) => error.path().to_string(),
        Ok(_) => ".".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn decide(status: u16, retry_after: Option<&'static str>, idempotent: bool) -> &'static str {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", HeaderValue::from_static(value));
        }
        let status = StatusCode::from_u16(status).unwrap();
        match wait_for(&RetryPolicy::default(), status, &headers, idempotent) {
            Wait::No => "no",
            Wait::For(_) => "for",
            Wait::Backoff => "backoff",
            Wait::TooLong(_) => "too long",
        }
    }

    #[test]
    fn a_post_is_retried_only_on_429() {
        assert_eq!(decide(429, None, false), "backoff");
        assert_eq!(decide(429, Some("3"), false), "for");
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(decide(status, None, false), "no", "{status}");
            assert_eq!(decide(status, None, true), "backoff", "{status}");
        }
    }

    #[test]
    fn a_wait_over_the_ceiling_stops_retrying_and_other_statuses_ignore_retry_after() {
        assert_eq!(decide(429, Some("61"), true), "too long");
        assert_eq!(decide(503, Some("3600"), true), "too long");
        assert_eq!(decide(429, Some("60"), true), "for");
        assert_eq!(decide(400, Some("5"), true), "no");
        assert_eq!(decide(200, Some("5"), true), "no");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::generated::types::CustomTrustStoreList;
    use proptest::prelude::*;

    fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("result".to_owned()),
                        Just("result_info".to_owned()),
                        Just("errors".to_owned()),
                        Just("success".to_owned()),
                        Just("total_pages".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Arbitrary bytes through every decoding helper: no panic, and a short one-line snippet.
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = serde_json::from_slice::<CustomTrustStoreList>(&body);
            let _ = failure_errors(&body);
            let _ = json_path::<CustomTrustStoreList>(&body);
            let text = snippet(&body);
            prop_assert!(text.chars().count() <= SNIPPET_CHARS + 1);
            prop_assert!(!text.contains('\n'));
        }

        /// Arbitrary JSON, and a valid envelope with an arbitrary `result_info`: decoding either
        /// succeeds or fails with a path, and any `result_info` object (or null) is accepted.
        #[test]
        fn arbitrary_json_and_result_info_never_panic(value in arbitrary_json(), info in arbitrary_json()) {
            let body = serde_json::to_vec(&value).unwrap();
            if serde_json::from_slice::<CustomTrustStoreList>(&body).is_err() {
                prop_assert!(!json_path::<CustomTrustStoreList>(&body).is_empty());
            }
            let envelope = serde_json::json!({"success": true, "result": [], "result_info": info});
            let decoded = serde_json::from_value::<CustomTrustStoreList>(envelope);
            if info.is_object() || info.is_null() {
                prop_assert!(decoded.is_ok(), "{:?}", decoded);
            }
        }
    }
}

#[cfg(test)]
mod path_check {
    use crate::fake::FakeCloudflare;
    use crate::generated::types::Identifier;

    /// Even with the id checks bypassed, a request whose path is not the operation's own is
    /// refused by the seam, and nothing reaches the server.
    #[tokio::test]
    async fn a_request_to_another_path_than_the_operations_is_never_sent() {
        let fake = FakeCloudflare::builder().sample_certificates(1).start().await.unwrap();
        let client = fake.client().unwrap();
        let zone = Identifier::try_from(fake.zone_id()).unwrap();
        for id in ["..", ".", "..\\..", "a\\b"] {
            let id = Identifier::try_from(id).unwrap();
            let expected = format!("/zones/{}/acm/custom_trust_store/{}", &*zone, &*id);
            let (generated, _call) = client.call(&expected);
            let err = generated.delete_custom_trust_store(&zone, &id).await.unwrap_err();
            let text = err.to_string();
            assert!(text.contains("refusing to send DELETE /client/v4/zones/"), "{text}");
            assert!(text.contains("may only be sent to /client/v4/zones/"), "{text}");
        }
        assert_eq!(fake.request_count(), 0);
    }
}
