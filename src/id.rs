//! Ids and names as requests take them, checked before anything is sent: zone and account ids,
//! certificate ids, zone names; and how ids are compared (without case) and spelt (lowercase hex).

use crate::error::{Error, ErrorKind, Result};
use crate::generated::types::{CertificateIdentifier, Identifier, ListZonesName};
use crate::model::CustomTrustStore;

impl CustomTrustStore {
    /// Checks a certificate id as every operation does before sending anything: 1 to 255 ASCII
    /// letters, digits, `-` or `_` (Cloudflare documents 32; its own SDK tests use 36-character
    /// UUIDs). `Err` is [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// saying what is allowed.
    pub fn check_id(id: &str) -> crate::Result<()> {
        checked_certificate_id(id).map(drop)
    }
}

/// The longest zone (or account) id the API accepts.
pub(crate) const MAX_ID_LEN: usize = 32;

/// The longest certificate id sent: Cloudflare documents 32 characters, but its own SDK tests use
/// 36-character UUIDs for this resource, so any id a list returns is taken up to this length.
pub(crate) const MAX_CERTIFICATE_ID_LEN: usize = 255;

/// A zone id, checked with [`checked_id`], as it is sent: see [`canonical_zone_id`].
pub(crate) fn checked_zone_id(zone_id: &str) -> Result<Identifier> {
    checked_id("zone_id", &canonical_zone_id(zone_id))
}

/// A zone id as it is sent and compared: Cloudflare's ids are lowercase hex, so hex given in
/// capitals is written in lowercase (one zone given as `ABC…` and `abc…` is one zone); anything
/// else is kept as given.
pub(crate) fn canonical_zone_id(id: &str) -> String {
    if id.bytes().all(|b| b.is_ascii_hexdigit()) { id.to_ascii_lowercase() } else { id.to_owned() }
}

/// Checks a zone or account id before it goes into a request: see [`checked_segment`], at most
/// [`MAX_ID_LEN`] bytes.
pub(crate) fn checked_id(parameter: &'static str, id: &str) -> Result<Identifier> {
    checked_segment(parameter, id, MAX_ID_LEN)?;
    Identifier::try_from(id).map_err(|e| Error::invalid(parameter, e.to_string()))
}

/// Checks a certificate id before it goes into a request path: see [`checked_segment`], at most
/// [`MAX_CERTIFICATE_ID_LEN`] bytes.
pub(crate) fn checked_certificate_id(id: &str) -> Result<CertificateIdentifier> {
    checked_segment("certificate_id", id, MAX_CERTIFICATE_ID_LEN)?;
    CertificateIdentifier::try_from(id).map_err(|e| Error::invalid("certificate_id", e.to_string()))
}

/// Checks an id before it goes into a request path: 1 to `max` bytes of ASCII letters, digits,
/// `-` and `_` (Cloudflare's ids are 32 lowercase hex characters). Nothing else can reach a path
/// segment, so no id can change the path (`.`, `..`, `/`, `\`, `%`, a space or a non-ASCII
/// character are all refused).
fn checked_segment(parameter: &'static str, id: &str, max: usize) -> Result<()> {
    let allowed = |max| {
        format!("must be 1 to {max} ASCII letters, digits, '-' or '_' (a Cloudflare id is 32 hex characters)")
    };
    let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if id.is_empty() {
        return Err(Error::invalid(parameter, format!("{}, got an empty value", allowed(max))));
    }
    if parameter == "zone_id" && looks_like_domain(id) {
        return Err(Error::invalid(
            parameter,
            format!(
                "{id:?} looks like a domain name, but a zone id is expected (32 hex characters, shown on the zone's Overview page in the dashboard); to go by name, use Client::zone_id or the CLI's --zone"
            ),
        ));
    }
    if !id.chars().all(valid_char) {
        return Err(Error::invalid(parameter, format!("{}, got {}", allowed(max), shown(id))));
    }
    if id.len() > max {
        return Err(Error::invalid(parameter, format!("{}, got {} bytes", allowed(max), id.len())));
    }
    Ok(())
}

/// Whether `text` reads as a domain name (`example.com`): labels of letters, digits and `-`
/// separated by dots, the last one alphabetic.
fn looks_like_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.trim_end_matches('.').split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.chars().all(char::is_alphabetic))
}

/// A refused value as it can be shown: quoted, control characters escaped, at most 40 characters.
fn shown(value: &str) -> String {
    let head: String = value.chars().take(40).collect();
    if head.len() < value.len() { format!("{head:?}…") } else { format!("{value:?}") }
}

/// Whether two certificate ids name the same certificate: Cloudflare's ids are hex, and its
/// answers may spell one in another case than the request did.
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `requested`, when an answer of `operation` about it names it (`returned`); else
/// [`ErrorKind::IdMismatch`](crate::ErrorKind::IdMismatch), so that nothing acts on a certificate nobody asked for.
pub(crate) fn checked_answer_id(operation: &'static str, requested: &str, returned: &str) -> Result<String> {
    if same_id(requested, returned) {
        Ok(requested.to_owned())
    } else {
        Err(ErrorKind::IdMismatch {
            operation,
            requested: requested.to_owned(),
            returned: crate::text::one_line(returned, 64),
        }
        .into())
    }
}

/// A zone name as List Zones' exact filter takes it, without its one final dot if it has one: 1 to
/// 253 ASCII letters, digits, `-` and `.` (a name with `:` would be read as a filter operator,
/// such as `contains:`), in labels of 1 to 63 characters that neither start nor end with `-`.
pub(crate) fn checked_zone_name(given: &str) -> Result<ListZonesName> {
    let name = given.strip_suffix('.').unwrap_or(given);
    let shown: String = given.chars().take(60).collect();
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if name.is_empty() || name.len() > 253 || !name.chars().all(valid) {
        return Err(Error::invalid(
            "zone name",
            format!(
                "must be a domain name of 1 to 253 ASCII letters, digits, '-' and '.' (an internationalized name in its xn-- form), got {shown:?}"
            ),
        ));
    }
    let bad_label =
        |label: &str| label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-');
    if name.split('.').any(bad_label) {
        return Err(Error::invalid(
            "zone name",
            format!(
                "each label between dots must be 1 to 63 characters and neither start nor end with '-', got {shown:?}"
            ),
        ));
    }
    ListZonesName::try_from(name).map_err(|e| Error::invalid("zone name", e.to_string()))
}
