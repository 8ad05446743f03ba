//! `impl Client` for an audit of many zones' trust stores.

use crate::api::client::Client;
use crate::audit::order::{Window, in_order};
use crate::audit::{Audit, AuditStream, Scope, ZoneRef, ZoneReport, key};
use crate::error::Result;
use crate::id::canonical_zone_id;
use crate::pagination::Pagination;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, future, stream};
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A zone to audit, as far as it is known before its store is listed.
enum Target {
    Id(String),
    Name(String),
    Listed { id: String, name: String },
}

impl Client {
    /// Audits many zones' trust stores: lists each zone's store (one request for up to 50
    /// certificates), [`Audit::concurrency`] zones at once, every request under the client's
    /// [rate budget](crate::ClientBuilder::rate_budget), and yields one [`ZoneReport`] per zone.
    /// A zone that fails is reported with its error; the others are still audited. Everything
    /// is checked before anything is sent.
    ///
    /// For all zones, List Zones is walked lazily alongside (50 zones a request).
    pub fn audit(&self, audit: &Audit) -> Result<AuditStream> {
        audit.check()?;
        let now = Utc::now();
        let deadline = now.checked_add_signed(audit.expiring_within).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let total = Arc::new(AtomicU64::new(u64::MAX));
        let targets = self.targets(&audit.scope, &total)?;
        let (concurrency, in_completion_order) = (audit.concurrency, audit.in_completion_order);
        let (client, audit) = (self.clone(), Arc::new(audit.clone()));
        let window = Window::new(concurrency * Audit::AHEAD_PER_SLOT);
        let admitted = (!in_completion_order).then(|| Arc::clone(&window));
        let done = targets
            .enumerate()
            .map(move |(index, target)| {
                let (client, audit, admitted) = (client.clone(), Arc::clone(&audit), admitted.clone());
                async move {
                    if let Some(window) = admitted {
                        window.admit(index).await;
                    }
                    match target {
                        Ok(target) => (index, Ok(client.audit_zone(target, &audit, deadline).await)),
                        Err(error) => (index, Err(error)),
                    }
                }
            })
            // A zone that is slow (or waits out a 429) holds one slot, not the others.
            .buffer_unordered(concurrency);
        let reports: Pin<Box<dyn Stream<Item = Result<ZoneReport>> + Send>> = if in_completion_order {
            Box::pin(done.map(|(_, report)| report))
        } else {
            Box::pin(in_order(done, window))
        };
        // An error listing the zones ends the stream.
        let reports = reports.scan(false, |ended, report| {
            future::ready((!*ended).then(|| {
                *ended = report.is_err();
                report
            }))
        });
        Ok(AuditStream { inner: Box::pin(reports), total })
    }

    /// The zones of `scope`, as a stream: the given ones (each once), or every zone List Zones
    /// walks lazily; `total` learns how many there are as soon as that is known.
    fn targets(
        &self,
        scope: &Scope,
        total: &Arc<AtomicU64>,
    ) -> Result<Pin<Box<dyn Stream<Item = Result<Target>> + Send>>> {
        Ok(match scope {
            Scope::Given(zones) => {
                let mut seen = HashSet::new();
                let targets: Vec<Result<Target>> = zones
                    .iter()
                    .filter(|zone| seen.insert(key(zone)))
                    .map(|zone| {
                        Ok(match zone {
                            ZoneRef::Id(id) => Target::Id(canonical_zone_id(id)),
                            ZoneRef::Name(name) => Target::Name(name.clone()),
                        })
                    })
                    .collect();
                total.store(targets.len() as u64, Ordering::Relaxed);
                Box::pin(stream::iter(targets))
            }
            Scope::All(filter) => {
                let total = Arc::clone(total);
                let pages = self.zones(filter, Pagination::new())?;
                Box::pin(
                    pages
                        .map_ok(move |page| {
                            if let Some(count) = page.result_info.as_ref().and_then(|info| info.total_count) {
                                let _ = total.compare_exchange(
                                    u64::MAX,
                                    count,
                                    Ordering::Relaxed,
                                    Ordering::Relaxed,
                                );
                            }
                            stream::iter(
                                page.items
                                    .into_iter()
                                    .map(|zone| Ok(Target::Listed { id: zone.id, name: zone.name })),
                            )
                        })
                        .try_flatten(),
                )
            }
        })
    }

    async fn audit_zone(&self, target: Target, audit: &Audit, deadline: DateTime<Utc>) -> ZoneReport {
        let mut report = ZoneReport {
            zone_id: None,
            zone_name: None,
            certificates: Vec::new(),
            expiring: Vec::new(),
            error: None,
        };
        let zone_id = match target {
            Target::Id(id) => id,
            Target::Listed { id, name } => {
                report.zone_name = Some(name);
                id
            }
            Target::Name(name) => {
                let resolved = self.zone_id(&name).await;
                report.zone_name = Some(name);
                match resolved {
                    Ok(id) => id,
                    Err(error) => {
                        report.error = Some(error);
                        return report;
                    }
                }
            }
        };
        report.zone_id = Some(zone_id.clone());
        match self.collect_all(&zone_id).await {
            Ok(certificates) => {
                report.expiring = certificates
                    .iter()
                    .filter(|c| audit.counts(&c.status) && c.expires_on <= deadline)
                    .cloned()
                    .collect();
                report.certificates = certificates;
            }
            Err(error) => report.error = Some(error),
        }
        report
    }
}
