//! An audit of many zones' trust stores: [`Audit`] says which zones and what counts as
//! expiring, [`Client::audit`](crate::Client::audit) lists every store concurrently and yields a [`ZoneReport`] per zone.

pub(crate) mod order;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use chrono::TimeDelta;
use futures_core::Stream;

use crate::error::{Error, Result};
use crate::id::{canonical_zone_id, checked_zone_id, checked_zone_name};
use crate::model::{CertificateStatus, CustomTrustStore};
use crate::zones::ZoneFilter;

/// A zone given to an audit: by id, or by name (resolved with one List Zones request).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ZoneRef {
    /// A zone id (32 hex characters).
    Id(String),
    /// A zone name, such as `example.com`.
    Name(String),
}

impl ZoneRef {
    /// A zone id when `value` looks like one (32 hex characters), else a name.
    pub fn parse(value: &str) -> Self {
        if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::Id(canonical_zone_id(value))
        } else {
            Self::Name(value.to_owned())
        }
    }

    /// The zone as requests name it: an id in hex given in capitals is written in lowercase (as
    /// Cloudflare writes its ids), so one zone given as `ABC…` and `abc…` is one zone; a name
    /// is kept as given.
    pub fn canonical(self) -> Self {
        match self {
            Self::Id(id) => Self::Id(canonical_zone_id(&id)),
            name => name,
        }
    }

    /// Checks the id or the name as requests take them (see [`Client::zone_id`](crate::Client::zone_id)); `Err` names
    /// what is wrong. Nothing is sent.
    pub fn check(&self) -> Result<()> {
        match self {
            Self::Id(id) => checked_zone_id(id).map(drop),
            Self::Name(name) => checked_zone_name(name).map(drop),
        }
    }
}

/// Which zones an audit covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    Given(Vec<ZoneRef>),
    All(ZoneFilter),
}

/// What [`Client::audit`](crate::Client::audit) does: which zones, what counts as expiring, how many zones at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    pub(crate) scope: Scope,
    pub(crate) expiring_within: TimeDelta,
    pub(crate) statuses: Option<Vec<CertificateStatus>>,
    pub(crate) concurrency: usize,
    pub(crate) in_completion_order: bool,
}

impl Audit {
    /// Default window for expiring certificates: 30 days.
    pub const DEFAULT_EXPIRING_WITHIN: TimeDelta = TimeDelta::days(30);
    /// Default number of zones listed at once.
    pub const DEFAULT_CONCURRENCY: usize = 8;
    /// The most zones listed at once.
    pub const MAX_CONCURRENCY: usize = 32;
    /// In the order given, how many reports may wait in memory for a slow zone before them, per
    /// zone listed at once: with the default concurrency, a zone starts only when fewer than 128
    /// zones before it remain to be yielded (a zone that waits out 429s holds memory for 128
    /// reports at most, not for the rest of the account).
    pub const AHEAD_PER_SLOT: usize = 16;

    /// An audit of these zones, reported in this order (a zone given twice is audited once).
    pub fn zones(zones: impl IntoIterator<Item = ZoneRef>) -> Self {
        Self::new(Scope::Given(zones.into_iter().collect()))
    }

    /// An audit of every zone `filter` selects (all those the credentials can see with
    /// [`ZoneFilter::new`]), reported in the order List Zones gives them.
    pub fn all_zones(filter: ZoneFilter) -> Self {
        Self::new(Scope::All(filter))
    }

    fn new(scope: Scope) -> Self {
        Self {
            scope,
            expiring_within: Self::DEFAULT_EXPIRING_WITHIN,
            statuses: None,
            concurrency: Self::DEFAULT_CONCURRENCY,
            in_completion_order: false,
        }
    }

    /// A certificate is expiring when its `expires_on` is at most this far from now (expired ones
    /// included); default 30 days, at least zero.
    pub fn expiring_within(mut self, window: TimeDelta) -> Self {
        self.expiring_within = window;
        self
    }

    /// Only certificates with one of these statuses can be reported as expiring. By default, every
    /// status but `pending_deletion` and `deleted` (certificates on their way out).
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = CertificateStatus>) -> Self {
        self.statuses = Some(statuses.into_iter().collect());
        self
    }

    /// How many zones are listed at once (default 8, at most [`Audit::MAX_CONCURRENCY`]). Every
    /// request still passes the client's [rate budget](crate::ClientBuilder::rate_budget).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Yields each report as soon as its zone is done, rather than in the order the zones were
    /// given (or listed). Either way a slow zone never holds back the others' requests.
    pub fn in_completion_order(mut self) -> Self {
        self.in_completion_order = true;
        self
    }

    /// Checks everything; `Err` names the first bad parameter.
    pub(crate) fn check(&self) -> Result<()> {
        if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid(
                "concurrency",
                format!("must be 1 to {}, got {}", Self::MAX_CONCURRENCY, self.concurrency),
            ));
        }
        if self.expiring_within < TimeDelta::zero() {
            return Err(Error::invalid("expiring_within", "must be zero or more"));
        }
        if let Some([]) = self.statuses.as_deref() {
            return Err(Error::invalid("statuses", "must name at least one status"));
        }
        match &self.scope {
            Scope::Given(zones) => zones.iter().try_for_each(ZoneRef::check),
            Scope::All(filter) => filter.checked().map(drop),
        }
    }

    pub(crate) fn counts(&self, status: &CertificateStatus) -> bool {
        match &self.statuses {
            Some(statuses) => statuses.contains(status),
            None => !matches!(status, CertificateStatus::PendingDeletion | CertificateStatus::Deleted),
        }
    }
}

fn trimmed(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// One zone's result in an audit.
#[derive(Debug)]
#[non_exhaustive]
pub struct ZoneReport {
    /// The zone's id; `None` only when a zone given by name could not be resolved.
    pub zone_id: Option<String>,
    /// The zone's name, when known (given, or listed); `None` for a zone given by id.
    pub zone_name: Option<String>,
    /// Every certificate of the zone's trust store, in the API's order (empty on error).
    pub certificates: Vec<CustomTrustStore>,
    /// The certificates expiring within the audit's window, among the statuses it counts.
    pub expiring: Vec<CustomTrustStore>,
    /// Why the zone could not be audited (its name did not resolve, its plan lacks the trust
    /// store, the walk failed...); the other zones are audited all the same.
    pub error: Option<Error>,
}

/// The reports of an audit, one per zone, in the order the zones were given (or listed), each
/// yielded as soon as it and those before it are done (or as each is done, with
/// [`Audit::in_completion_order`]). A slow zone holds one of the concurrent slots, never the
/// others: the zones after it go on being audited, in the order given up to
/// [`Audit::AHEAD_PER_SLOT`] zones per slot past it, so that what waits in memory is bounded. An `Err` (only when listing the account's
/// zones fails) ends it.
pub struct AuditStream {
    pub(crate) inner: Pin<Box<dyn Stream<Item = Result<ZoneReport>> + Send>>,
    /// How many zones the audit covers; `u64::MAX` until known.
    pub(crate) total: Arc<AtomicU64>,
}

impl AuditStream {
    /// How many zones the audit covers: known at once for given zones, and once List Zones'
    /// first page has told it for all zones.
    pub fn total(&self) -> Option<u64> {
        Some(self.total.load(Ordering::Relaxed)).filter(|total| *total != u64::MAX)
    }
}

impl fmt::Debug for AuditStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditStream").field("total", &self.total()).finish_non_exhaustive()
    }
}

impl Stream for AuditStream {
    type Item = Result<ZoneReport>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// What makes two given zones the same: the id as sent, or the name without case or a final dot.
pub(crate) fn key(zone: &ZoneRef) -> ZoneRef {
    match zone {
        ZoneRef::Id(id) => ZoneRef::Id(canonical_zone_id(id)),
        ZoneRef::Name(name) => ZoneRef::Name(trimmed(name).to_ascii_lowercase()),
    }
}
