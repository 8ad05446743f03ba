//! What each subcommand does.

use chrono::{DateTime, TimeDelta, Utc};
use cloudflare_origin_trust_store::CertificateStatus;
use cloudflare_origin_trust_store::{
    Client, ClientBuilder, CustomTrustStore, Error, ListParams, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;

use crate::args::{Common, ItemArgs, ListArgs, UploadArgs};
use crate::input::certificate_text;
use crate::output::{Deleted, Printer};
use crate::{ExitStatus, Failure};

pub(crate) fn client(common: &Common) -> Result<Client, Error> {
    let mut builder = ClientBuilder::from_env()?;
    if let Some(url) = &common.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = common.timeout {
        builder = builder.timeout(timeout);
    }
    builder.retry(RetryPolicy::new().max_retries(common.retries)).build()
}

/// Which listed certificates a `list` keeps: by status, and by expiry for the gate.
struct Filter {
    /// Kept statuses (`Ok`), or left-out ones (`Err`).
    statuses: Result<Vec<CertificateStatus>, Vec<CertificateStatus>>,
    deadline: Option<DateTime<Utc>>,
}

impl Filter {
    fn new(args: &ListArgs) -> Result<Self, Failure> {
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

    fn keeps(&self, certificate: &CustomTrustStore) -> bool {
        let status = match &self.statuses {
            Ok(kept) => kept.contains(&certificate.status),
            Err(left_out) => !left_out.contains(&certificate.status),
        };
        status && self.deadline.is_none_or(|deadline| certificate.expires_on <= deadline)
    }
}

pub(crate) async fn list(args: ListArgs) -> Result<ExitStatus, Failure> {
    let filter = Filter::new(&args)?;
    let gate = filter.deadline.is_some();
    let client = client(&args.common)?;
    let mut printer = Printer::new(args.common.output);
    let mut found = 0;
    if args.all || (gate && args.page.is_none()) {
        let mut pagination = Pagination::new().concurrency(args.concurrency).max_pages(args.max_pages);
        if let Some(per_page) = args.per_page {
            pagination = pagination.per_page(per_page);
        }
        let mut pages = client.pages(&args.common.zone_id, pagination)?;
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
        let mut params = ListParams::new();
        if let Some(page) = args.page {
            params = params.page(page);
        }
        if let Some(per_page) = args.per_page {
            params = params.per_page(per_page);
        }
        let page = client.list_page(&args.common.zone_id, &params).await?;
        let kept: Vec<CustomTrustStore> = page.items.into_iter().filter(|c| filter.keeps(c)).collect();
        found = kept.len();
        printer.add(kept)?;
    }
    printer.finish::<CustomTrustStore>()?;
    Ok(if gate && found > 0 { ExitStatus::Expiring } else { ExitStatus::Success })
}

pub(crate) async fn get(args: ItemArgs) -> Result<ExitStatus, Failure> {
    let client = client(&args.common)?;
    let certificate = client.get(&args.common.zone_id, &args.id).await?;
    Printer::new(args.common.output).one(certificate)?;
    Ok(ExitStatus::Success)
}

pub(crate) async fn upload(args: UploadArgs) -> Result<ExitStatus, Failure> {
    let pem = certificate_text(&args.certificate_file)?;
    let client = client(&args.common)?;
    let zone = &args.common.zone_id;
    let certificate = if args.skip_local_checks {
        client.upload_unchecked(zone, &pem).await?
    } else {
        client.upload(zone, &pem).await?
    };
    Printer::new(args.common.output).one(certificate)?;
    Ok(ExitStatus::Success)
}

pub(crate) async fn delete(args: ItemArgs) -> Result<ExitStatus, Failure> {
    let client = client(&args.common)?;
    let id = client.delete(&args.common.zone_id, &args.id).await?;
    Printer::new(args.common.output).one(Deleted { id })?;
    Ok(ExitStatus::Success)
}
