//! The data the API returns.
//!
//! Most types are generated from `openapi/custom-trust-store.yaml` and re-exported here. Two are
//! written by hand and substituted into the generated code by `build.rs`, because Cloudflare's data
//! is looser than its schema:
//!
//! - [`CertificateStatus`] keeps any status string Cloudflare adds in the future
//!   ([`CertificateStatus::Unknown`]) instead of failing the whole page.
//! - [`ResultInfo`] reads its numbers leniently: a missing, negative, fractional, non-numeric or
//!   absurdly large value becomes `None` instead of an error or a panic.

use serde::{Deserialize, Deserializer, Serialize};

// The generated public models: the spec's schemas marked `x-crate-public: true` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/models.rs"));
pub use crate::status::{CertificateStatus, ZoneStatus};

impl CustomTrustStore {
    /// A certificate with this id and PEM, and defaults for every other field (empty strings, the
    /// Unix epoch, status [`CertificateStatus::Initializing`]); set the others afterwards. For
    /// fixtures and fakes: the type is `#[non_exhaustive]`, so code that builds one this way (or
    /// with [`Default`]) keeps compiling when Cloudflare adds a field.
    ///
    /// ```
    /// use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
    ///
    /// let mut fixture = CustomTrustStore::new("ca000000000000000000000000000001", "-----BEGIN CERTIFICATE-----…");
    /// fixture.status = CertificateStatus::Active;
    /// fixture.issuer = "Example Root CA".into();
    /// assert_eq!(fixture.status.as_str(), "active");
    /// ```
    ///
    /// A struct literal does not compile outside this crate:
    ///
    /// ```compile_fail,E0639
    /// use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
    ///
    /// let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    /// let literal = CustomTrustStore {
    ///     id: String::new(),
    ///     certificate: String::new(),
    ///     expires_on: at,
    ///     issuer: String::new(),
    ///     signature: String::new(),
    ///     status: CertificateStatus::Active,
    ///     updated_at: at,
    ///     uploaded_on: at,
    /// };
    /// ```
    pub fn new(id: impl Into<String>, certificate: impl Into<String>) -> Self {
        Self { id: id.into(), certificate: certificate.into(), ..Default::default() }
    }
}

impl ResponseMessage {
    /// A message with this code and text, and defaults for the rest; see [`CustomTrustStore::new`]
    /// for why.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), ..Default::default() }
    }
}

/// A response's `errors` or `messages`, read leniently: `null` (or nothing) is empty, and an entry
/// that is not a `{code, message}` object is kept as a message of code 0 holding its JSON text
/// (bounded and escaped), so a malformed informational message never fails a page and a malformed
/// error never hides the failure it reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub(crate) struct Messages(pub(crate) Vec<ResponseMessage>);

impl<'de> Deserialize<'de> for Messages {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entry = |value: serde_json::Value| {
            serde_json::from_value::<ResponseMessage>(value.clone())
                .unwrap_or_else(|_| ResponseMessage::new(0, crate::text::one_line(&value.to_string(), 200)))
        };
        Ok(Self(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(values) => values.into_iter().map(entry).collect(),
            other => vec![entry(other)],
        }))
    }
}

/// Pagination information of a list response (`result_info`).
///
/// Every field is `None` when Cloudflare leaves it out or sends something that is not a
/// non-negative whole number that fits in a `u64` (a negative, fractional, non-numeric or absurdly
/// large value). Decoding never fails because of `result_info`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ResultInfo {
    /// Number of results on this page.
    #[serde(default, deserialize_with = "lenient_count", skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Current page within the paginated list of results.
    #[serde(default, deserialize_with = "lenient_count", skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Number of results per page.
    #[serde(default, deserialize_with = "lenient_count", skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u64>,
    /// Total results available.
    #[serde(default, deserialize_with = "lenient_count", skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// Total number of pages in the result set.
    #[serde(default, deserialize_with = "lenient_count", skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
}

/// Reads any JSON value; keeps it only when it is a non-negative whole number that fits in a u64
/// (`3` and `3.0` both count; `-1`, `2.5`, `1e300`, `"3"` and `null` do not).
fn lenient_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(count_from_json(&value))
}

fn count_from_json(value: &serde_json::Value) -> Option<u64> {
    let number = value.as_number()?;
    if let Some(n) = number.as_u64() {
        return Some(n);
    }
    let float = number.as_f64()?;
    // 2^64 as f64; every finite whole float below it converts exactly.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    ((0.0..LIMIT).contains(&float) && float.fract() == 0.0).then_some(float as u64)
}

/// One page of a list: its items, with the API's `messages` and `result_info`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Cloudflare's informational `messages`.
    pub messages: Vec<ResponseMessage>,
    /// Pagination information, when Cloudflare sent it.
    pub result_info: Option<ResultInfo>,
    /// The size of the response body this page came from, counted against a walk's byte budget.
    pub(crate) body_bytes: u64,
}

impl<T> Page<T> {
    /// A page of these items, with no messages and no `result_info`; for fixtures.
    pub fn new(items: Vec<T>) -> Self {
        Self { items, messages: Vec::new(), result_info: None, body_bytes: 0 }
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(json: &str) -> ResultInfo {
        serde_json::from_str(json).expect("result_info always decodes")
    }

    #[test]
    fn result_info_keeps_whole_numbers_and_drops_everything_else() {
        let parsed =
            info(r#"{"count": 3.0, "page": -1, "per_page": 2.5, "total_count": 1e300, "total_pages": "7"}"#);
        assert_eq!(
            parsed,
            ResultInfo { count: Some(3), page: None, per_page: None, total_count: None, total_pages: None }
        );
        assert_eq!(info(r#"{"total_pages": null, "extra": {"x": 1}}"#), ResultInfo::default());
        assert_eq!(info("{}"), ResultInfo::default());
        assert_eq!(info(r#"{"total_pages": 18446744073709551615}"#).total_pages, Some(u64::MAX));
        assert_eq!(info(r#"{"total_pages": 18446744073709551616}"#).total_pages, None);
    }

    #[test]
    fn unknown_status_keeps_its_string_both_ways() {
        let status: CertificateStatus = serde_json::from_str(r#""quarantined""#).unwrap();
        assert_eq!(status, CertificateStatus::Unknown("quarantined".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), r#""quarantined""#);
        let known: CertificateStatus = serde_json::from_str(r#""pending_deployment""#).unwrap();
        assert_eq!(known, CertificateStatus::PendingDeployment);
        assert_eq!(known.to_string(), "pending_deployment");
    }
}
