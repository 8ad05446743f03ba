//! Running one generated operation: the route it may take, a tracing span around it, what its
//! envelope carries, or the crate's [`Error`] (see [`super::failure`]).

use crate::error::{ErrorKind, Result};
use crate::generated::types::{
    CertificateIdentifier, CustomTrustStoreIdOnly, CustomTrustStoreList, CustomTrustStoreSingle,
    DnsRecordList, Identifier, ZoneList,
};
use crate::model::{CustomTrustStore, DnsRecord, Page, ResponseMessage, Zone};

/// Where one operation goes: its name, the only path it may take (the template with its checked
/// ids), and the ids, for the tracing span.
pub(crate) struct Route {
    pub(crate) operation: &'static str,
    pub(crate) path: String,
    pub(crate) zone_id: Option<String>,
    pub(crate) certificate_id: Option<String>,
}

impl Route {
    /// `/zones/{zone_id}/acm/custom_trust_store`
    pub(crate) fn store(operation: &'static str, zone: &Identifier) -> Self {
        let path = format!("/zones/{}/acm/custom_trust_store", &**zone);
        Self { operation, path, zone_id: Some(zone.to_string()), certificate_id: None }
    }

    /// `/zones/{zone_id}/acm/custom_trust_store/{id}`
    pub(crate) fn item(operation: &'static str, zone: &Identifier, id: &CertificateIdentifier) -> Self {
        let path = format!("/zones/{}/acm/custom_trust_store/{}", &**zone, &**id);
        Self { operation, path, zone_id: Some(zone.to_string()), certificate_id: Some(id.to_string()) }
    }
}

impl Route {
    /// `/zones`
    pub(crate) fn zones() -> Self {
        Self { operation: "list_zones", path: "/zones".into(), zone_id: None, certificate_id: None }
    }

    /// `/zones/{zone_id}/dns_records`
    pub(crate) fn dns_records(zone: &Identifier) -> Self {
        let path = format!("/zones/{}/dns_records", &**zone);
        Self { operation: "list_dns_records", path, zone_id: Some(zone.to_string()), certificate_id: None }
    }
}

/// What a token needs for `operation`, as an error's hint says it when Cloudflare refuses it.
pub(crate) fn permission(operation: &str) -> &'static str {
    match operation {
        "list_zones" => "allowed \"Zone Read\" on the zones it should see",
        "list_dns_records" => {
            "allowed \"DNS Read\" on this zone (to find its origins in its proxied records)"
        }
        _ => {
            "allowed \"SSL and Certificates\" on this zone (Read to list and get, Edit to upload and delete)"
        }
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

/// What the envelope carries, or [`ErrorKind::Api`](crate::ErrorKind::Api) when it says `success: false`.
pub(crate) fn into_result<E: Envelope>(
    response: progenitor_client::ResponseValue<E>,
    body_bytes: u64,
) -> Result<E::Item> {
    let status = response.status().as_u16();
    match response.into_inner().split(body_bytes) {
        (true, _, item) => Ok(item),
        (false, errors, _) => Err(ErrorKind::Api { status, errors }.into()),
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

/// A list envelope: its page of results, the messages and `result_info` beside them, and the size
/// of the body they came in. One line an endpoint: `ListEnvelope => Item`.
macro_rules! list_envelopes {
    ($($envelope:ty => $item:ty),+ $(,)?) => {$(
        impl Envelope for $envelope {
            type Item = Page<$item>;
            fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Page<$item>) {
                let mut page = Page::new(self.result);
                page.body_bytes = body_bytes;
                page.messages = self.messages.unwrap_or_default().0;
                page.result_info = self.result_info;
                (self.success, self.errors.unwrap_or_default().0, page)
            }
        }
    )+};
}

list_envelopes!(CustomTrustStoreList => CustomTrustStore, ZoneList => Zone, DnsRecordList => DnsRecord);
