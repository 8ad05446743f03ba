//! Many zones for the audit tests. Zone `i` (from 1) has the id `{i:032x}`, the name
//! `site{i}.example.org` and `1 + i % 3` active certificates expiring in 400 days or more; in every
//! `expiring_every`-th zone the first one expires in `i % (10 * expiring_every)` days and an hour
//! (within 30 days for some, not for others); in every seventh zone the last one is
//! `pending_deletion` and expires tomorrow (on its way out: never reported by default).
#![allow(dead_code)]

use chrono::{SubsecRound, TimeDelta, Utc};
use cloudflare_origin_trust_store::fake::{
    FakeCloudflare, FakeCloudflareBuilder, FakeZone, sample_certificates,
};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};

pub fn zone_id(i: usize) -> String {
    format!("{i:032x}")
}

pub fn site(i: usize) -> String {
    format!("site{i}.example.org")
}

/// The zones of a test file, with how often one of them holds a certificate expiring soon.
pub struct Zones {
    pub expiring_every: usize,
}

impl Zones {
    /// Zone `i`'s store. Dates are in whole seconds, as a certificate's validity has them.
    pub fn store(&self, i: usize) -> Vec<CustomTrustStore> {
        let now = Utc::now().trunc_subsecs(0);
        let mut certificates = sample_certificates(1 + i % 3);
        for (n, certificate) in certificates.iter_mut().enumerate() {
            certificate.id = format!("{i:016x}{n:016x}");
            certificate.status = CertificateStatus::Active;
            certificate.expires_on = now + TimeDelta::days(400 + n as i64);
        }
        if i.is_multiple_of(self.expiring_every) {
            let days = i % (10 * self.expiring_every);
            certificates[0].expires_on = now + TimeDelta::days(days as i64) + TimeDelta::hours(1);
        }
        if i.is_multiple_of(7) {
            let last = certificates.last_mut().unwrap();
            last.status = CertificateStatus::PendingDeletion;
            last.expires_on = now + TimeDelta::days(1);
        }
        certificates
    }

    /// The ids of zone `i` expected to be reported as expiring within `days`, by default statuses.
    pub fn expiring(&self, i: usize, days: i64) -> Vec<String> {
        let deadline = Utc::now() + TimeDelta::days(days);
        self.store(i)
            .into_iter()
            .filter(|c| c.status != CertificateStatus::PendingDeletion && c.expires_on <= deadline)
            .map(|c| c.id)
            .collect()
    }

    /// The fake's own zone (empty), then zones 1 to `count`.
    pub fn fake(&self, count: usize) -> FakeCloudflareBuilder {
        (1..=count).fold(FakeCloudflare::builder(), |builder, i| {
            builder.zone(FakeZone::new(zone_id(i), site(i)).certificates(self.store(i)))
        })
    }
}
