//! `list`: one page, or every page, of a zone's trust store; with `--expiring-within`, a gate.

use chrono::{DateTime, TimeDelta, Utc};
use cloudflare_origin_trust_store::{
    CertificateStatus, CustomTrustStore, ListParams, Pagination, ResultInfo,
};
use futures_util::TryStreamExt;

use super::{client, one_zone, zone_id};
use crate::args::{ExpiryArgs, Global, ListArgs};
use crate::output::Printer;
use crate::{ExitStatus, Failure};

/// Which listed certificates a `list` keeps: by status, and by expiry for the gate.
pub(crate) struct Filter {
    /// Kept statuses (`Ok`), or left-out ones (`Err`).
    statuses: Result<Vec<CertificateStatus>, Vec<CertificateStatus>>,
    pub(crate) deadline: Option<DateTime<Utc>>,
}

impl Filter {
    pub(crate) fn new(args: &ExpiryArgs) -> Result<Self, Failure> {
        let deadline = match args.expiring_within {
            None => None,
            Some(days) => {
                Some(Utc::now().checked_add_signed(TimeDelta::days(days.into())).ok_or_else(|| {
                    Failure::usage(format!(
                        "--expiring-within {days} reaches past the last date this tool can count"
                    ))
                })?)
            }
        };
        let statuses = match (&args.status[..], deadline) {
            ([], None) => Err(Vec::new()),
            // A gate on expiry does not count certificates on their way out.
            ([], Some(_)) => Err(vec![CertificateStatus::PendingDeletion, CertificateStatus::Deleted]),
            (given, _) => Ok(given.iter().map(|status| CertificateStatus::from(status.as_str())).collect()),
        };
        Ok(Self { statuses, deadline })
    }

    pub(crate) fn keeps(&self, certificate: &CustomTrustStore) -> bool {
        let status = match &self.statuses {
            Ok(kept) => kept.contains(&certificate.status),
            Err(left_out) => !left_out.contains(&certificate.status),
        };
        status && self.deadline.is_none_or(|deadline| certificate.expires_on <= deadline)
    }
}

pub(crate) async fn list(global: &Global, args: ListArgs) -> Result<ExitStatus, Failure> {
    crate::metrics::check(global, &args.metrics)?;
    if global.output == crate::args::Output::Prometheus {
        return super::list_prometheus::list(global, args).await;
    }
    let filter = Filter::new(&args.expiry)?;
    let gate = filter.deadline.is_some();
    let zone = one_zone(global, "list")?;
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    let mut printer = Printer::new(global.output);
    let mut found = 0;
    // Without --page every page is walked: a list is never silently the first page only.
    if args.page.is_none() {
        let mut pagination =
            Pagination::new().concurrency(args.walk.concurrency).max_pages(args.walk.max_pages);
        if let Some(per_page) = args.per_page {
            pagination = pagination.per_page(per_page);
        }
        let mut pages = client.pages(&zone, pagination)?;
        while let Some(page) = pages.try_next().await? {
            let kept: Vec<CustomTrustStore> = page.items.into_iter().filter(|c| filter.keeps(c)).collect();
            found += kept.len();
            printer.add(kept)?;
            if printer.closed() && !gate {
                // The reader has all it wants (`| head`), and no outcome depends on the rest.
                return Ok(ExitStatus::Success);
            }
        }
    } else {
        let number = args.page.unwrap_or(1);
        let mut params = ListParams::new().page(number);
        if let Some(per_page) = args.per_page {
            params = params.per_page(per_page);
        }
        let page = client.list_page(&zone, &params).await?;
        let note = page_note(number, page.items.len(), page.result_info.as_ref());
        let kept: Vec<CustomTrustStore> = page.items.into_iter().filter(|c| filter.keeps(c)).collect();
        found = kept.len();
        printer.add(kept)?;
        printer.finish::<CustomTrustStore>()?;
        // Said on or off a terminal: a script that asked for one page learns it is not the list.
        if !global.quiet {
            crate::progress::eprintln(&note);
        }
        return Ok(if gate && found > 0 { ExitStatus::Expiring } else { ExitStatus::Success });
    }
    printer.finish::<CustomTrustStore>()?;
    Ok(if gate && found > 0 { ExitStatus::Expiring } else { ExitStatus::Success })
}

/// What a reader of one page should know of the rest: `page 1 of 6: 20 of 120 certificates, 100
/// more after it; list without --page for every page`.
fn page_note(page: u64, shown: usize, info: Option<&ResultInfo>) -> String {
    let every = "list without --page for every page";
    let Some(total) = info.and_then(|info| info.total_count) else {
        return format!(
            "page {page}: {shown} certificate(s); the answer does not say how many there are in all ({every})"
        );
    };
    let info = info.copied().unwrap_or_default();
    let per_page = info.per_page.unwrap_or(shown as u64);
    let before = page.saturating_sub(1).saturating_mul(per_page);
    let after = total.saturating_sub(before.saturating_add(shown as u64));
    let of = info.total_pages.map(|last| format!(" of {last}")).unwrap_or_default();
    format!("page {page}{of}: {shown} of {total} certificates, {after} more after it; {every}")
}
