//! What the fake holds: zones, each with its trust store, and the life of a certificate in it
//! (`pending_deployment` → `active` after an upload, `pending_deletion` → gone after a delete).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::wire::ACCOUNT_ID;
use crate::{CertificateStatus, CustomTrustStore, DnsRecord};

/// When a certificate's pending status (`pending_deployment` after an upload, `pending_deletion`
/// after a delete) ends: it becomes `active`, or leaves the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// At the next read (a get, or a list page holding it).
    Immediately,
    /// After this many reads have shown the pending status.
    AfterReads(u32),
    /// Once this long has passed.
    After(Duration),
    /// Never: the certificate stays pending (to test a deployment that never completes).
    Never,
}

/// A zone the fake serves, with its trust store.
#[derive(Clone, Debug)]
pub struct FakeZone {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) account_id: String,
    pub(crate) account_name: String,
    pub(crate) trust_store: bool,
    pub(crate) certificates: Vec<CustomTrustStore>,
    pub(crate) dns_records: Vec<DnsRecord>,
}

impl FakeZone {
    /// A zone with this id and name: `active`, in account [`ACCOUNT_ID`], with an empty trust
    /// store.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            status: "active".into(),
            account_id: ACCOUNT_ID.into(),
            account_name: "Example Account".into(),
            trust_store: true,
            certificates: Vec::new(),
            dns_records: Vec::new(),
        }
    }

    /// The certificates in its trust store, in list order.
    pub fn certificates(mut self, certificates: Vec<CustomTrustStore>) -> Self {
        self.certificates = certificates;
        self
    }

    /// Its status (`initializing`, `pending`, `active` or `moved`; default `active`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// The account it belongs to.
    pub fn account(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.account_id = id.into();
        self.account_name = name.into();
        self
    }

    /// A zone whose plan lacks the Custom Origin Trust Store: its endpoints answer 404, code 7003.
    pub fn without_trust_store(mut self) -> Self {
        self.trust_store = false;
        self
    }
}

/// Everything the fake serves.
pub(crate) struct Store {
    pub(crate) zones: Vec<ZoneState>,
    pub(crate) activation: Transition,
    pub(crate) deletion: Transition,
    next_serial: u64,
}

pub(crate) struct ZoneState {
    pub(crate) zone: FakeZone,
    certificates: Vec<Stored>,
}

struct Stored {
    certificate: CustomTrustStore,
    pending: Option<Pending>,
}

struct Pending {
    rule: Transition,
    reads: u32,
    since: Instant,
}

impl Pending {
    fn new(rule: Transition) -> Self {
        Self { rule, reads: 0, since: Instant::now() }
    }

    fn over(&self) -> bool {
        match self.rule {
            Transition::Immediately => true,
            Transition::AfterReads(reads) => self.reads >= reads,
            Transition::After(wait) => self.since.elapsed() >= wait,
            Transition::Never => false,
        }
    }
}

impl Store {
    pub(crate) fn new(zones: Vec<FakeZone>, activation: Transition, deletion: Transition) -> Self {
        let zones = zones
            .into_iter()
            .map(|zone| {
                let certificates = zone
                    .certificates
                    .iter()
                    .map(|certificate| Stored { certificate: certificate.clone(), pending: None })
                    .collect();
                ZoneState { zone, certificates }
            })
            .collect();
        Self { zones, activation, deletion, next_serial: 1 }
    }

    pub(crate) fn zone(&mut self, id: &str) -> Option<&mut ZoneState> {
        self.zones.iter_mut().find(|zone| zone.zone.id == id)
    }

    /// A fresh certificate id, as Cloudflare's: 32 hex characters, held by no certificate of any
    /// zone (a test may have given the store ids of the same shape).
    pub(crate) fn next_id(&mut self) -> String {
        loop {
            self.next_serial += 1;
            let id = format!(
                "{:032x}",
                0xca00_0000_0000_0000_0000_0000_0000_0000u128 + u128::from(self.next_serial - 1)
            );
            let taken =
                self.zones.iter().any(|zone| zone.certificates.iter().any(|c| c.certificate.id == id));
            if !taken {
                return id;
            }
        }
    }
}

impl ZoneState {
    /// The certificates as a read sees them now, in list order.
    pub(crate) fn certificates(&mut self) -> Vec<CustomTrustStore> {
        self.settle();
        self.certificates.iter().map(|stored| stored.certificate.clone()).collect()
    }

    /// Counts a read of each of `ids` (a get, or a list page holding them).
    pub(crate) fn read(&mut self, ids: &[&str]) {
        for stored in &mut self.certificates {
            if ids.contains(&stored.certificate.id.as_str())
                && let Some(pending) = &mut stored.pending
            {
                pending.reads += 1;
            }
        }
    }

    /// One certificate as a get sees it (the read counted).
    pub(crate) fn get(&mut self, id: &str) -> Option<CustomTrustStore> {
        self.settle();
        let found = self.certificates.iter().find(|stored| stored.certificate.id == id)?.certificate.clone();
        self.read(&[id]);
        Some(found)
    }

    /// Stores an upload, `pending_deployment` until `activation` says otherwise.
    pub(crate) fn upload(&mut self, certificate: CustomTrustStore, activation: Transition) {
        self.certificates.push(Stored { certificate, pending: Some(Pending::new(activation)) });
    }

    /// Starts deleting `id` (`pending_deletion` until `deletion` says it is gone); `false` when it
    /// is not in the store. A certificate already being deleted stays as it is.
    pub(crate) fn delete(&mut self, id: &str, deletion: Transition, now: DateTime<Utc>) -> bool {
        self.settle();
        let Some(stored) = self.certificates.iter_mut().find(|stored| stored.certificate.id == id) else {
            return false;
        };
        if stored.certificate.status != CertificateStatus::PendingDeletion {
            stored.certificate.status = CertificateStatus::PendingDeletion;
            stored.certificate.updated_at = now;
            stored.pending = Some(Pending::new(deletion));
        }
        true
    }

    /// Replaces the certificates (none pending).
    pub(crate) fn replace(&mut self, certificates: Vec<CustomTrustStore>) {
        self.certificates =
            certificates.into_iter().map(|certificate| Stored { certificate, pending: None }).collect();
    }

    /// Ends the pending statuses that are over: an upload becomes `active`, a deletion leaves.
    fn settle(&mut self) {
        let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
        self.certificates.retain_mut(|stored| {
            if !stored.pending.as_ref().is_some_and(Pending::over) {
                return true;
            }
            stored.pending = None;
            if stored.certificate.status == CertificateStatus::PendingDeletion {
                return false;
            }
            stored.certificate.status = CertificateStatus::Active;
            stored.certificate.updated_at = now;
            true
        });
    }
}
