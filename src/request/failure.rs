//! The crate's [`Error`] from the generated client's error and what the seam recorded of the
//! call: the kind, the attempts, the Ray ID, and a hint where Cloudflare's answer is a common
//! stumble.

use reqwest::header::LOCATION;

use crate::error::{Error, ErrorKind};
use crate::generated::types::ApiFailure;
use crate::model::ResponseMessage;
use crate::request::seam::{Exchange, MAX_BODY_BYTES, Record};
use crate::text::one_line;

/// The longest body excerpt an error carries.
const SNIPPET_CHARS: usize = 200;

/// Turns the generated client's error for one call into the crate's error.
/// `T` is the success body the call expected, so a decode error can name where it failed.
pub(crate) async fn into_error<T: serde::de::DeserializeOwned>(
    call: &Exchange,
    error: progenitor_client::Error<ApiFailure>,
) -> Error {
    let record = call.record().clone();
    let error = match (record.rate_limited, record.status) {
        (Some(held), status) => ErrorKind::RateLimited {
            status: if held.before_sending { None } else { status },
            retry_after: held.wait,
        }
        .into(),
        (None, Some(status)) if record.body_too_large => {
            ErrorKind::BodyTooLarge { status, limit: MAX_BODY_BYTES }.into()
        }
        _ => last_error::<T>(&record, error).await,
    };
    let hint = hint(&error, call);
    let sent = record.rate_limited.is_none_or(|held| !held.before_sending);
    let ray_id = if sent { record.ray_id } else { None };
    error.with_context(record.attempts, ray_id, hint)
}

/// A hint where Cloudflare's answer is a common stumble: which credential scheme was refused
/// (never its value), or why a list of a zone can be not found.
fn hint(error: &Error, call: &Exchange) -> Option<String> {
    if error.status().is_some() && error.is_auth() {
        let permission = super::route::permission(call.operation())?;
        return Some(format!(
            "the request used {}: check that it is valid, not expired, and {permission}",
            call.scheme()
        ));
    }
    if error.is_not_found() && call.operation() == "list_custom_trust_store" {
        return Some(
            "the zone id may be wrong, or the zone's plan may not include the Custom Origin Trust Store"
                .into(),
        );
    }
    None
}

async fn last_error<T: serde::de::DeserializeOwned>(
    record: &Record,
    error: progenitor_client::Error<ApiFailure>,
) -> Error {
    use progenitor_client::Error as E;
    match error {
        E::ErrorResponse(value) => {
            let status = value.status().as_u16();
            ErrorKind::Api { status, errors: value.into_inner().errors.0 }.into()
        }
        E::InvalidResponsePayload(body, source) => {
            let status = record.status.unwrap_or(0);
            if let Some(errors) = failure_errors(&body) {
                // `success: false` with a body the success schema cannot hold (`"result": null`).
                ErrorKind::Api { status, errors }.into()
            } else if (200..300).contains(&status) {
                let reason = one_line(&source.to_string(), SNIPPET_CHARS);
                Error::from(ErrorKind::Decode { status, path: json_path::<T>(&body), reason })
                    .with_source(source)
            } else {
                // A 4xx whose body is not Cloudflare's envelope (an HTML page, say).
                ErrorKind::UnexpectedResponse { status, snippet: snippet(&body) }.into()
            }
        }
        E::UnexpectedResponse(response) => unexpected(response).await,
        E::CommunicationError(source) | E::ResponseBodyError(source) => from_reqwest(source),
        E::InvalidRequest(reason) => Error::invalid("request", reason),
        // `progenitor_client::Error` is not exhaustive across versions.
        #[allow(unreachable_patterns)]
        other => ErrorKind::Unexpected(one_line(&other.to_string(), SNIPPET_CHARS)).into(),
    }
}

/// A network error or a timeout, naming the innermost cause and the address, such as
/// `network error: connection refused (127.0.0.1:8443)`, `request timed out (127.0.0.1:8443)`.
fn from_reqwest(error: reqwest::Error) -> Error {
    let address =
        error.url().and_then(|url| Some(format!("{}:{}", url.host_str()?, url.port_or_known_default()?)));
    let address = address.map(|address| one_line(&address, 100));
    let kind = if error.is_timeout() {
        ErrorKind::Timeout { reason: address.unwrap_or_else(|| "no address".into()) }
    } else {
        let mut cause: &dyn std::error::Error = &error;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let innermost = cause.to_string();
        let innermost = innermost.split(" (os error").next().unwrap_or(&innermost);
        let mut reason = one_line(innermost, SNIPPET_CHARS);
        if let Some(first) = reason.chars().next() {
            reason = first.to_lowercase().chain(reason.chars().skip(1)).collect();
        }
        if let Some(address) = address {
            reason = format!("{reason} ({address})");
        }
        ErrorKind::Network { reason }
    };
    Error::from(kind).with_source(error)
}

/// A response with a status the spec does not declare: a redirect, a 5xx, or anything else.
async fn unexpected(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .map(|value| one_line(&String::from_utf8_lossy(value.as_bytes()), SNIPPET_CHARS));
        return ErrorKind::Redirect { status, location }.into();
    }
    match response.bytes().await {
        Ok(body) => match failure_errors(&body) {
            Some(errors) => ErrorKind::Api { status, errors }.into(),
            None => ErrorKind::UnexpectedResponse { status, snippet: snippet(&body) }.into(),
        },
        Err(source) => from_reqwest(source),
    }
}

/// Cloudflare's `errors`, when `body` is its failure envelope: `success: false`, or no `success`
/// but a non-empty `errors` array.
fn failure_errors(body: &[u8]) -> Option<Vec<ResponseMessage>> {
    let failure: ApiFailure = serde_json::from_slice(body).ok()?;
    match failure.success {
        Some(false) => Some(failure.errors.0),
        None if !failure.errors.0.is_empty() => Some(failure.errors.0),
        _ => None,
    }
}

/// The start of a body on one line, for error messages.
fn snippet(body: &[u8]) -> String {
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
