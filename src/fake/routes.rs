//! What the fake answers, as Cloudflare does: routing, authentication, and each operation.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};

use super::faults::Fault;
use super::server::State;
use super::{API_KEY, EMAIL, PATH_PREFIX, RecordedRequest, TOKEN};
use crate::lock::lock;
use crate::{CertificateStatus, CustomTrustStore};

pub(crate) fn answer(
    state: &State,
    request: &RecordedRequest,
    page: u64,
    fault: Option<Fault>,
) -> (StatusCode, Vec<u8>) {
    let (status, mut body) = route(state, request, page, fault.as_ref());
    if status == StatusCode::OK {
        match fault {
            Some(Fault::DropResultInfo) => {
                body.as_object_mut().map(|body| body.remove("result_info"));
            }
            Some(Fault::Pad(bytes)) => body["padding"] = Value::String("x".repeat(bytes)),
            _ => {}
        }
    }
    let mut bytes = body.to_string().into_bytes();
    if fault == Some(Fault::TruncateBody) {
        bytes.truncate(bytes.len() / 2);
    }
    (status, bytes)
}

fn route(state: &State, request: &RecordedRequest, page: u64, fault: Option<&Fault>) -> (StatusCode, Value) {
    let Some(rest) = request.path.strip_prefix(PATH_PREFIX).and_then(|path| path.strip_prefix("/zones/"))
    else {
        return no_route();
    };
    let (zone, item) = match rest.split_once("/acm/custom_trust_store") {
        Some((zone, "")) => (zone, None),
        Some((zone, id)) => match id.strip_prefix('/') {
            Some(id) if !id.is_empty() && !id.contains('/') => (zone, Some(percent_decode(id))),
            _ => return no_route(),
        },
        None => return no_route(),
    };
    if zone.contains('/') {
        return no_route();
    }
    if !authenticated(request) {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let zone = percent_decode(zone);
    if zone != state.zone_id {
        return failure(
            StatusCode::NOT_FOUND,
            7003,
            &format!(
                "Could not route to /zones/{zone}/acm/custom_trust_store, perhaps your object identifier is invalid?"
            ),
        );
    }
    match (request.method.as_str(), item) {
        ("GET", None) => list_answer(state, request, page, fault),
        ("POST", None) => create(state, &request.body),
        ("GET", Some(id)) => match lock(&state.certificates).iter().find(|c| c.id == id) {
            Some(found) => (StatusCode::OK, single(json!(found))),
            None => not_found(&id),
        },
        ("DELETE", Some(id)) => {
            let mut certificates = lock(&state.certificates);
            match certificates.iter().position(|c| c.id == id) {
                Some(index) => {
                    certificates.remove(index);
                    (StatusCode::OK, single(json!({ "id": id })))
                }
                None => not_found(&id),
            }
        }
        _ => failure(StatusCode::METHOD_NOT_ALLOWED, 10405, "Method not allowed for this route"),
    }
}

fn no_route() -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 7000, "No route for that URI")
}

fn not_found(id: &str) -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 1404, &format!("Certificate {id} not found in the trust store"))
}

fn single(result: Value) -> Value {
    json!({ "errors": [], "messages": [], "success": true, "result": result })
}

fn list_answer(
    state: &State,
    request: &RecordedRequest,
    page: u64,
    fault: Option<&Fault>,
) -> (StatusCode, Value) {
    let mut query = request.query_pairs();
    let repeat = fault == Some(&Fault::RepeatFirstPage);
    if repeat {
        query.retain(|(key, _)| key != "page");
    }
    match list(state, &query) {
        Ok(mut body) if repeat => {
            body["result_info"]["page"] = page.into();
            body["result_info"]["total_pages"] = page.saturating_add(1).into();
            (StatusCode::OK, body)
        }
        Ok(body) => (StatusCode::OK, body),
        Err(message) => failure(StatusCode::BAD_REQUEST, 1001, &message),
    }
}

/// An upload: Cloudflare accepts one root CA certificate per request, and not twice.
fn create(state: &State, body: &[u8]) -> (StatusCode, Value) {
    #[derive(serde::Deserialize)]
    struct Upload {
        certificate: String,
    }
    let Ok(Upload { certificate }) = serde_json::from_slice::<Upload>(body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            1001,
            "The request body must be a JSON object with a certificate string",
        );
    };
    let details = match crate::CertificateDetails::from_pem(&certificate) {
        Ok(details) => details,
        Err(_) => {
            return failure(
                StatusCode::BAD_REQUEST,
                1002,
                "The certificate could not be parsed as one PEM certificate",
            );
        }
    };
    if !details.is_ca || !details.is_self_issued {
        return failure(StatusCode::BAD_REQUEST, 1002, "Only root CA certificates are accepted");
    }
    let mut certificates = lock(&state.certificates);
    if certificates.iter().any(|c| {
        crate::CertificateDetails::from_pem(&c.certificate)
            .is_ok_and(|d| d.sha256_fingerprint == details.sha256_fingerprint)
    }) {
        return failure(StatusCode::BAD_REQUEST, 1003, "This certificate is already in the trust store");
    }
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
    let serial = state.next_id.fetch_add(1, Ordering::SeqCst);
    let created = CustomTrustStore {
        id: format!("{:032x}", 0xca00_0000_0000_0000_0000_0000_0000_0000u128 + u128::from(serial)),
        certificate,
        expires_on: details.not_after,
        issuer: common_name(&details.issuer),
        signature: details.signature_algorithm,
        status: CertificateStatus::PendingDeployment,
        updated_at: now,
        uploaded_on: now,
        ..Default::default()
    };
    certificates.push(created.clone());
    (StatusCode::OK, single(json!(created)))
}

/// The `CN=` value of a distinguished name (RFC 4514, such as `CN=Example Root,O=Example`), or
/// the whole name.
fn common_name(name: &str) -> String {
    name.split(',').find_map(|part| part.trim().strip_prefix("CN=")).unwrap_or(name).to_owned()
}

/// Exactly one scheme, with the fake's credentials.
fn authenticated(request: &RecordedRequest) -> bool {
    let bearer = request.header("authorization");
    let email = request.header("x-auth-email");
    let key = request.header("x-auth-key");
    match (bearer, email, key) {
        (Some(bearer), None, None) => bearer == format!("Bearer {TOKEN}"),
        (None, Some(email), Some(key)) => email == EMAIL && key == API_KEY,
        _ => false,
    }
}

fn list(state: &State, query: &[(String, String)]) -> Result<Value, String> {
    let param = |name: &str, min: u64, max: u64| -> Result<Option<u64>, String> {
        match query.iter().rev().find(|(key, _)| key == name) {
            None => Ok(None),
            Some((_, raw)) => match raw.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ if max == u64::MAX => {
                    Err(format!("{name} must be a whole number of {min} or more, got {raw:?}"))
                }
                _ => Err(format!("{name} must be a whole number from {min} to {max}, got {raw:?}")),
            },
        }
    };
    let page = param("page", 1, u64::MAX)?.unwrap_or(1);
    let per_page = param("per_page", 5, 50)?.unwrap_or(20);
    let offset = param("offset", 0, u64::MAX)?.unwrap_or(0);
    let limit = param("limit", 0, u64::MAX)?;

    let certificates = lock(&state.certificates);
    let selected: Vec<&CustomTrustStore> = certificates
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)))
        .collect();
    let total = selected.len() as u64;
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let items: Vec<&CustomTrustStore> = selected
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(per_page as usize)
        .collect();
    Ok(json!({
        "errors": [],
        "messages": [],
        "success": true,
        "result": items,
        "result_info": {
            "count": items.len(),
            "page": page,
            "per_page": per_page,
            "total_count": total,
            "total_pages": total.div_ceil(per_page),
        },
    }))
}

pub(crate) fn failure(status: StatusCode, code: u32, message: &str) -> (StatusCode, Value) {
    let body = json!({
        "errors": [{ "code": code, "message": message }],
        "messages": [],
        "result": null,
        "success": false,
    });
    (status, body)
}

fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}
