//! The fake's List Zones (`GET /zones`) and List DNS Records (`GET /zones/{zone_id}/dns_records`):
//! filters, pagination, and objects with every field Cloudflare's definition requires; and
//! [`FakeZone::dns_record`], which gives a zone its DNS records.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::store::FakeZone;
use super::store::ZoneState;
use super::wire::{failure, not_routed, paged, param};
use crate::DnsRecord;

/// The zones matching the query's `name`, `status` and `account.id`, paged (default 20 a page,
/// 5 to 50).
pub(crate) fn list(zones: &[ZoneState], query: &[(String, String)]) -> (StatusCode, Value) {
    let get = |name: &str| query.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let (page, per_page) = match (param(query, "page", 1, u64::MAX), param(query, "per_page", 5, 50)) {
        (Ok(page), Ok(per_page)) => (page.unwrap_or(1), per_page.unwrap_or(20)),
        (Err(message), _) | (_, Err(message)) => return failure(StatusCode::BAD_REQUEST, 1001, &message),
    };
    if let Some(status) = get("status")
        && !["initializing", "pending", "active", "moved"].contains(&status)
    {
        return failure(
            StatusCode::BAD_REQUEST,
            1001,
            &format!("status must be one of initializing, pending, active, moved; got {status:?}"),
        );
    }
    let name = match get("name").map(NameFilter::parse).transpose() {
        Ok(name) => name,
        Err(message) => return failure(StatusCode::BAD_REQUEST, 1001, &message),
    };
    let objects: Vec<Value> = zones
        .iter()
        .map(|zone| &zone.zone)
        .filter(|zone| name.as_ref().is_none_or(|filter| filter.matches(&zone.name)))
        .filter(|zone| get("status").is_none_or(|status| zone.status == status))
        .filter(|zone| get("account.id").is_none_or(|account| zone.account_id == account))
        .map(object)
        .collect();
    let all: Vec<&Value> = objects.iter().collect();
    (StatusCode::OK, paged(&all, page, per_page).json())
}

/// The `name` filter: a domain name, or `<operator>:<value>`.
struct NameFilter {
    operator: String,
    value: String,
}

impl NameFilter {
    fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() > 253 {
            return Err(format!("name must be at most 253 characters, got {}", raw.len()));
        }
        let (operator, value) = raw.split_once(':').unwrap_or(("equal", raw));
        const OPERATORS: [&str; 8] = [
            "equal",
            "not_equal",
            "starts_with",
            "ends_with",
            "contains",
            "starts_with_case_sensitive",
            "ends_with_case_sensitive",
            "contains_case_sensitive",
        ];
        if !OPERATORS.contains(&operator) {
            return Err(format!("name filter operator {operator:?} is not one of {}", OPERATORS.join(", ")));
        }
        Ok(Self { operator: operator.to_owned(), value: value.to_owned() })
    }

    fn matches(&self, name: &str) -> bool {
        let sensitive = self.operator.ends_with("_case_sensitive");
        let (name, value) = if sensitive {
            (name.to_owned(), self.value.clone())
        } else {
            (name.to_lowercase(), self.value.to_lowercase())
        };
        match self.operator.trim_end_matches("_case_sensitive") {
            "equal" => name == value,
            "not_equal" => name != value,
            "starts_with" => name.starts_with(&value),
            "ends_with" => name.ends_with(&value),
            _ => name.contains(&value),
        }
    }
}

/// A zone as Cloudflare lists it: every field its definition requires (`id`, `name`,
/// `development_mode`, `owner`, `account`, `meta`, `name_servers`, the `original_*` fields,
/// `created_on`, `modified_on`, `activated_on`, `plan`) and the usual optional ones.
fn object(zone: &FakeZone) -> Value {
    json!({
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "paused": false,
        "type": "full",
        "development_mode": 0,
        "name_servers": ["bob.ns.cloudflare.com", "lola.ns.cloudflare.com"],
        "original_name_servers": null,
        "original_registrar": null,
        "original_dnshost": null,
        "created_on": "2024-01-02T03:04:05.123456Z",
        "modified_on": "2024-01-02T03:04:05.123456Z",
        "activated_on": "2024-01-02T03:04:05.123456Z",
        "vanity_name_servers": [],
        "meta": { "step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false },
        "owner": { "id": "7c5dae5552338874e5053f2534d2767a", "type": "user", "name": "Fake Owner" },
        "account": { "id": zone.account_id, "name": zone.account_name },
        "permissions": ["#zone:read", "#ssl:read", "#ssl:edit"],
        "plan": {
            "id": "94f3b7b768b0458b56d2cac4fe5ec0f9",
            "name": if zone.trust_store { "Enterprise Website" } else { "Free Website" },
            "price": 0,
            "currency": "USD",
            "frequency": "",
            "is_subscribed": true,
            "can_subscribe": false,
            "legacy_id": if zone.trust_store { "enterprise" } else { "free" },
            "legacy_discount": false,
            "externally_managed": false,
        },
    })
}

impl FakeZone {
    /// A DNS record of the zone (List DNS Records serves them, in the order added): `record_type`
    /// such as `A`, `AAAA` or `CNAME`, `name` (a full name: `www.example.com`), `content` (an
    /// address or a target name), and whether Cloudflare proxies it.
    pub fn dns_record(mut self, record_type: &str, name: &str, content: &str, proxied: bool) -> Self {
        self.dns_records.push(DnsRecord {
            id: format!("{:032x}", 0xd0_u128 << 120 | (self.dns_records.len() as u128 + 1)),
            type_: record_type.into(),
            name: name.into(),
            content: content.into(),
            proxied,
        });
        self
    }
}

/// List DNS Records of zone `zone_id` (`zone`, when the fake serves it): its records matching the
/// query's `proxied` and `type`, paged (default 100 a page, 1 to 5,000,000).
pub(crate) fn dns_records(
    zone_id: &str,
    zone: Option<&FakeZone>,
    query: &[(String, String)],
) -> (StatusCode, Value) {
    let Some(zone) = zone else { return not_routed(&format!("/zones/{zone_id}/dns_records")) };
    let get = |name: &str| query.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let (page, per_page) = match (param(query, "page", 1, u64::MAX), param(query, "per_page", 1, 5_000_000)) {
        (Ok(page), Ok(per_page)) => (page.unwrap_or(1), per_page.unwrap_or(100)),
        (Err(message), _) | (_, Err(message)) => return failure(StatusCode::BAD_REQUEST, 1001, &message),
    };
    let proxied = match get("proxied") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            let message = format!("proxied must be true or false; got {other:?}");
            return failure(StatusCode::BAD_REQUEST, 1001, &message);
        }
    };
    let objects: Vec<Value> = zone
        .dns_records
        .iter()
        .filter(|record| proxied.is_none_or(|proxied| record.proxied == proxied))
        .filter(|record| get("type").is_none_or(|wanted| record.type_ == wanted))
        .map(|record| {
            json!({
                "id": record.id,
                "name": record.name,
                "type": record.type_,
                "content": record.content,
                "proxied": record.proxied,
                "proxiable": matches!(record.type_.as_str(), "A" | "AAAA" | "CNAME"),
                "ttl": 1,
                "settings": {},
                "comment": "",
                "tags": [],
                // Required of every record by Cloudflare's definition, A records included.
                "data": {},
                "meta": {},
                "created_on": "2026-01-01T00:00:00Z",
                "modified_on": "2026-01-01T00:00:00Z",
            })
        })
        .collect();
    let all: Vec<&Value> = objects.iter().collect();
    (StatusCode::OK, paged(&all, page, per_page).json())
}
