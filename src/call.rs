//! Running one generated operation: what its envelope carries, or the crate's [`Error`] built
//! from the generated client's error and what the seam recorded of the call.

use std::sync::Arc;

use reqwest::header::LOCATION;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::generated;
use crate::generated::types::ApiFailure;
use crate::generated::types::{CustomTrustStoreIdOnly, CustomTrustStoreList, CustomTrustStoreSingle};
use crate::model::ResponseMessage;
use crate::model::{CustomTrustStore, Page};
use crate::text::one_line;
use crate::transport::{Call, MAX_BODY_BYTES, Record};

impl Client {
    /// The generated client for one call to `path` (the operation's path template with its checked
    /// ids, below the base URL), and the call's record. The seam refuses to send a request to any
    /// other path.
    pub(crate) fn call(&self, path: &str) -> (generated::Client, Call) {
        let expected_path = format!("{}{path}", self.inner.base_path);
        let call = Call::new(Arc::clone(&self.inner.shared), expected_path);
        let client =
            generated::Client::new_with_client(&self.inner.base_url, self.inner.http.clone(), call.clone());
        (client, call)
    }

    /// Runs one generated operation through [`Client::call`]: what its envelope carries, or the
    /// crate's error (`success: false` included).
    pub(crate) async fn run<T, F, Fut>(&self, path: String, operation: F) -> Result<T::Item>
    where
        T: Envelope + serde::de::DeserializeOwned,
        F: FnOnce(generated::Client) -> Fut,
        Fut: Future<
            Output = std::result::Result<
                progenitor_client::ResponseValue<T>,
                progenitor_client::Error<generated::types::ApiFailure>,
            >,
        >,
    {
        let (client, call) = self.call(&path);
        let error = match operation(client).await {
            Ok(value) => return into_result(value, call.record().body_bytes),
            Err(error) => error,
        };
        // A success with no body at all (a 204 after a delete) carries nothing to decode.
        let success = call.record().status.is_some_and(|status| (200..300).contains(&status));
        if let progenitor_client::Error::InvalidResponsePayload(body, _) = &error
            && body.is_empty()
            && success
            && let Some(item) = T::no_content()
        {
            return Ok(item);
        }
        Err(into_error::<T>(&call, error).await)
    }
}

/// A success envelope: `success`, `errors`, and what it carries (which may want to know the size
/// of the body it came in).
pub(crate) trait Envelope {
    type Item;
    fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Self::Item);
    /// What a success without a body (a 204) carries, when the operation allows one.
    fn no_content() -> Option<Self::Item> {
        None
    }
}

/// What the envelope carries, or [`Error::Api`] when it says `success: false`.
pub(crate) fn into_result<E: Envelope>(
    response: progenitor_client::ResponseValue<E>,
    body_bytes: u64,
) -> Result<E::Item> {
    let status = response.status().as_u16();
    match response.into_inner().split(body_bytes) {
        (true, _, item) => Ok(item),
        (false, errors, _) => Err(Error::Api { status, errors }),
    }
}

impl Envelope for CustomTrustStoreSingle {
    type Item = CustomTrustStore;
    fn split(self, _: u64) -> (bool, Vec<ResponseMessage>, CustomTrustStore) {
        (self.success, self.errors.unwrap_or_default().0, self.result)
    }
}

/// The deleted id, when the answer names one (Cloudflare's definition makes it optional).
impl Envelope for CustomTrustStoreIdOnly {
    type Item = Option<String>;
    fn split(self, _: u64) -> (bool, Vec<ResponseMessage>, Option<String>) {
        (self.success, self.errors.unwrap_or_default().0, self.result.and_then(|result| result.id))
    }
    fn no_content() -> Option<Option<String>> {
        Some(None)
    }
}

impl Envelope for CustomTrustStoreList {
    type Item = Page<CustomTrustStore>;
    fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Page<CustomTrustStore>) {
        let mut page = Page::new(self.result);
        page.body_bytes = body_bytes;
        page.messages = self.messages.unwrap_or_default().0;
        page.result_info = self.result_info;
        (self.success, self.errors.unwrap_or_default().0, page)
    }
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
        (Some(held), status) => Error::RateLimited {
            status: if held.before_sending { None } else { status },
            retry_after: held.wait,
        },
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
            Error::Api { status, errors: value.into_inner().errors.0 }
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
            .map(|value| one_line(&String::from_utf8_lossy(value.as_bytes()), SNIPPET_CHARS));
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
        Some(false) => Some(failure.errors.0),
        None if !failure.errors.0.is_empty() => Some(failure.errors.0),
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

/// Where in `body` decoding as `T` fails, such as `result[3].expires_on` (escaped and bounded:
/// the keys are the server's).
fn json_path<T: serde::de::DeserializeOwned>(body: &[u8]) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(error) => one_line(&error.path().to_string(), SNIPPET_CHARS),
        Ok(_) => ".".to_owned(),
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
