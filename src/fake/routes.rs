//! What the fake answers, as Cloudflare does: routing, authentication, and each operation.

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};

use super::state::State;
use super::store::ZoneState;
use super::wire::{API_KEY, EMAIL, PATH_PREFIX, RecordedRequest, TOKEN, failure, not_routed, paged, param};
use crate::lock::lock;
use crate::{CertificateDetails, CertificateStatus, CustomTrustStore};

/// The paths the fake serves, below [`PATH_PREFIX`], each segment percent-decoded.
enum Route {
    /// `/zones`
    Zones,
    /// `/zones/{zone_id}/dns_records`
    DnsRecords(String),
    /// `/zones/{zone_id}/acm/custom_trust_store`
    Store(String),
    /// `/zones/{zone_id}/acm/custom_trust_store/{id}`
    Item(String, String),
}

impl Route {
    fn of(path: &str) -> Option<Self> {
        let rest = path.strip_prefix(PATH_PREFIX)?.strip_prefix('/')?;
        let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            ["zones"] => Some(Self::Zones),
            ["zones", zone, "dns_records"] if !zone.is_empty() => Some(Self::DnsRecords(zone.to_string())),
            ["zones", zone, "acm", "custom_trust_store"] if !zone.is_empty() => {
                Some(Self::Store(zone.to_string()))
            }
            ["zones", zone, "acm", "custom_trust_store", id] if !zone.is_empty() && !id.is_empty() => {
                Some(Self::Item(zone.to_string(), id.to_string()))
            }
            _ => None,
        }
    }
}

/// The normal answer to `request`; `page` overrides the `page` it asks for.
pub(crate) fn answer(state: &State, request: &RecordedRequest, page: Option<u64>) -> (StatusCode, Value) {
    let Some(route) = Route::of(&request.path) else { return no_route() };
    if !authenticated(request) {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let method = request.method.as_str();
    let mut query = request.query_pairs();
    if let Some(page) = page {
        query.retain(|(key, _)| key != "page");
        query.push(("page".into(), page.to_string()));
    }
    let mut store = lock(&state.store);
    let (activation, deletion) = (store.activation, store.deletion);
    let zone_id = match &route {
        Route::Zones => {
            return match method {
                "GET" => super::zones::list(&store.zones, &query),
                _ => method_not_allowed(),
            };
        }
        Route::DnsRecords(zone_id) => {
            let zone = store.zone(zone_id).map(|zone| &zone.zone);
            return if method == "GET" {
                super::zones::dns_records(zone_id, zone, &query)
            } else {
                method_not_allowed()
            };
        }
        Route::Store(zone) | Route::Item(zone, _) => zone.clone(),
    };
    let Some(zone) = store.zone(&zone_id).filter(|zone| zone.zone.trust_store) else {
        return not_routed(&format!("/zones/{zone_id}/acm/custom_trust_store"));
    };
    match (method, route) {
        ("GET", Route::Store(_)) => match list(zone, &query) {
            Ok(body) => (StatusCode::OK, body),
            Err(message) => failure(StatusCode::BAD_REQUEST, 1001, &message),
        },
        ("POST", Route::Store(_)) => {
            let id = store.next_id();
            let zone = store.zone(&zone_id).expect("found above");
            upload(zone, id, &request.body, activation)
        }
        ("GET", Route::Item(_, id)) => match zone.get(&id) {
            Some(found) => (StatusCode::OK, single(json!(found))),
            None => not_found(&id),
        },
        ("DELETE", Route::Item(_, id)) => match zone.delete(&id, deletion, now()) {
            true => (StatusCode::OK, single(json!({ "id": id }))),
            false => not_found(&id),
        },
        _ => method_not_allowed(),
    }
}

fn no_route() -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 7000, "No route for that URI")
}

fn method_not_allowed() -> (StatusCode, Value) {
    failure(StatusCode::METHOD_NOT_ALLOWED, 10405, "Method not allowed for this route")
}

fn not_found(id: &str) -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 1404, &format!("Certificate {id} not found in the trust store"))
}

fn single(result: Value) -> Value {
    json!({ "errors": [], "messages": [], "success": true, "result": result })
}

/// Now, to the second (Cloudflare's timestamps have no fraction).
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default()
}

/// An upload: Cloudflare accepts one root CA certificate per request, and not twice.
fn upload(
    zone: &mut ZoneState,
    id: String,
    body: &[u8],
    activation: super::store::Transition,
) -> (StatusCode, Value) {
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
    let Ok(details) = CertificateDetails::from_pem(&certificate) else {
        return failure(
            StatusCode::BAD_REQUEST,
            1002,
            "The certificate could not be parsed as one PEM certificate",
        );
    };
    if !details.is_ca || !details.is_self_issued {
        return failure(StatusCode::BAD_REQUEST, 1002, "Only root CA certificates are accepted");
    }
    let fingerprint = |pem: &str| CertificateDetails::from_pem(pem).ok().map(|d| d.sha256_fingerprint);
    if zone
        .certificates()
        .iter()
        .any(|c| fingerprint(&c.certificate).as_ref() == Some(&details.sha256_fingerprint))
    {
        return failure(StatusCode::BAD_REQUEST, 1003, "This certificate is already in the trust store");
    }
    let mut created = CustomTrustStore::new(id, certificate);
    created.expires_on = details.not_after;
    created.issuer = common_name(&details.issuer);
    created.signature = details.signature_algorithm;
    created.status = CertificateStatus::PendingDeployment;
    created.updated_at = now();
    created.uploaded_on = created.updated_at;
    zone.upload(created.clone(), activation);
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

/// A list: `offset` then `limit` applied to the zone's certificates, then paged with `page`
/// (default 1) and `per_page` (default 20).
fn list(zone: &mut ZoneState, query: &[(String, String)]) -> Result<Value, String> {
    let page = param(query, "page", 1, u64::MAX)?.unwrap_or(1);
    let per_page = param(query, "per_page", 5, 50)?.unwrap_or(20);
    let offset = param(query, "offset", 0, u64::MAX)?.unwrap_or(0);
    let limit = param(query, "limit", 0, u64::MAX)?;
    let certificates = zone.certificates();
    let selected: Vec<&CustomTrustStore> = certificates
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)))
        .collect();
    let body = paged(&selected, page, per_page);
    let ids: Vec<&str> = body.items.iter().map(|c| c.id.as_str()).collect();
    zone.read(&ids);
    Ok(body.json())
}

fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}
