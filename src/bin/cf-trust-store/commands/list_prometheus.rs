//! `list -o prometheus`: every page of a zone's store as metrics; when the list fails, the
//! metrics still say so (the zone's `cf_trust_store_zone_up` 0) before the CLI exits 1.

use chrono::Utc;
use cloudflare_origin_trust_store::{CustomTrustStore, Pagination, ZoneRef};
use futures_util::TryStreamExt;

use super::list::Filter;
use super::{client, one_zone, zone_id};
use crate::args::{Global, ListArgs};
use crate::metrics::{self, ZoneMetrics};
use crate::{ExitStatus, Failure};

pub(crate) async fn list(global: &Global, args: ListArgs) -> Result<ExitStatus, Failure> {
    if args.page.is_some() {
        return Err(Failure::usage(
            "-o prometheus reports every certificate of the zone: give it without --page".into(),
        ));
    }
    let filter = Filter::new(&args.expiry)?;
    let zone = one_zone(global, "list")?;
    let client = client(global)?;
    let now = Utc::now();
    let mut zone_metrics = match &zone {
        ZoneRef::Id(id) => {
            ZoneMetrics { zone_id: Some(id.clone()), zone_name: None, certificates: Vec::new(), up: false }
        }
        ZoneRef::Name(name) => {
            ZoneMetrics { zone_id: None, zone_name: Some(name.clone()), certificates: Vec::new(), up: false }
        }
    };
    let listed: Result<Vec<CustomTrustStore>, Failure> = async {
        let id = zone_id(&client, zone).await?;
        zone_metrics.zone_id = Some(id.clone());
        let mut pagination =
            Pagination::new().concurrency(args.walk.concurrency).max_pages(args.walk.max_pages);
        if let Some(per_page) = args.per_page {
            pagination = pagination.per_page(per_page);
        }
        let mut pages = client.pages(&id, pagination)?;
        let mut kept = Vec::new();
        while let Some(page) = pages.try_next().await? {
            kept.extend(page.items.into_iter().filter(|c| filter.keeps(c)));
        }
        Ok(kept)
    }
    .await;
    match listed {
        Ok(certificates) => {
            let found = certificates.len();
            zone_metrics.certificates = certificates;
            zone_metrics.up = true;
            metrics::write(&args.metrics, &[zone_metrics], false, now)?;
            Ok(if filter.deadline.is_some() && found > 0 {
                ExitStatus::Expiring
            } else {
                ExitStatus::Success
            })
        }
        // Refused before anything was sent: there is nothing to report.
        Err(failure) if failure.status == ExitStatus::Usage => Err(failure),
        Err(failure) => {
            metrics::write(&args.metrics, &[zone_metrics], false, now)?;
            Err(failure)
        }
    }
}
