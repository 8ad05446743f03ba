//! Zones: List Zones as a lazy stream ([`Client::zones`](crate::Client::zones)) and a zone's id from its name
//! ([`Client::zone_id`](crate::Client::zone_id)).

use crate::error::{Error, Result};
use crate::generated::types::{ListZonesName, ListZonesStatus};
use crate::id::{checked_id, checked_zone_name};
use crate::model::{Zone, ZoneStatus};
use crate::pagination::Listed;

/// Which zones [`Client::zones`](crate::Client::zones) lists: every one the credentials can see, or those matching all
/// the filters given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZoneFilter {
    name: Option<String>,
    status: Option<ZoneStatus>,
    account_id: Option<String>,
}

impl ZoneFilter {
    /// Every zone.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the zone with this exact name (letters, digits, `-` and `.`; case does not matter).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only zones with this status (one of [`ZoneStatus::KNOWN`]).
    pub fn status(mut self, status: ZoneStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only the zones of this account.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// The filters as List Zones takes them, each checked.
    pub(crate) fn checked(&self) -> Result<(Option<ListZonesName>, Option<ListZonesStatus>, Option<String>)> {
        let name = self.name.as_deref().map(checked_zone_name).transpose()?;
        let status = match &self.status {
            None => None,
            Some(status) => Some(status.as_str().parse::<ListZonesStatus>().map_err(|_| {
                Error::invalid(
                    "status",
                    format!("must be one of {}, got {status:?}", ZoneStatus::KNOWN.join(", ")),
                )
            })?),
        };
        let account = self
            .account_id
            .as_deref()
            .map(|id| checked_id("account_id", id).map(|id| id.to_string()))
            .transpose()?;
        Ok((name, status, account))
    }
}

impl Listed for Zone {
    const NOUN: &'static str = "zone";
    fn id(&self) -> &str {
        &self.id
    }
}
