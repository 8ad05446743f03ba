//! Running one generated operation: the route it may take, a tracing span around it, what its
//! envelope carries, or the crate's [`Error`] (see [`super::failure`]).

use crate::error::{ErrorKind, Result};
use crate::generated::types::{CustomTrustStoreIdOnly, CustomTrustStoreSingle};
use crate::model::{CustomTrustStore, Page, ResponseMessage};

/// Where one operation goes: its name, the only path it may take (the template with its checked
/// ids), and the ids, for the tracing span.
pub(crate) struct Route {
    pub(crate) operation: &'static str,
    pub(crate) path: String,
    pub(crate) zone_id: Option<String>,
    pub(crate) certificate_id: Option<String>,
}

/// What a token needs for `operation`, as an error's hint says it when Cloudflare refuses it (the
/// operation's `x-crate-permission` in the spec).
pub(crate) fn permission(operation: &str) -> Option<&'static str> {
    PERMISSIONS.iter().find(|(id, _)| *id == operation).map(|(_, permission)| *permission)
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
/// of the body they came in. build.rs invokes it for every list envelope of the spec.
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

// One constructor a spec operation, named after its operationId (`Route::list_dns_records(&zone)`),
// the permissions, and the list envelopes: generated from the spec by build.rs (build/index.rs).
include!(concat!(env!("OUT_DIR"), "/routes.rs"));
