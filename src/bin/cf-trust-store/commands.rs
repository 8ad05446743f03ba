//! What each subcommand does.

use std::io::{self, Read};

use cloudflare_origin_trust_store::{
    Client, ClientBuilder, CustomTrustStore, Error, ListParams, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;

use crate::args::{Common, ItemArgs, ListArgs, UploadArgs};
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

pub(crate) async fn list(args: ListArgs) -> Result<ExitStatus, Failure> {
    let client = client(&args.common)?;
    let mut printer = Printer::new(args.common.output);
    let deadline = args.expiring_within.map(|days| chrono::Utc::now() + chrono::Duration::days(days.into()));
    let keep = |items: Vec<CustomTrustStore>| -> Vec<CustomTrustStore> {
        match deadline {
            Some(deadline) => items.into_iter().filter(|c| c.expires_on <= deadline).collect(),
            None => items,
        }
    };
    let mut found = 0;
    if args.all || (deadline.is_some() && args.page.is_none()) {
        let mut pagination = Pagination::new().concurrency(args.concurrency);
        if let Some(per_page) = args.per_page {
            pagination = pagination.per_page(per_page);
        }
        let mut pages = client.pages(&args.common.zone_id, pagination)?;
        while let Some(page) = pages.try_next().await? {
            let items = keep(page.items);
            found += items.len();
            printer.add(items)?;
        }
    } else {
        let mut params = ListParams::new();
        if let Some(page) = args.page {
            params = params.page(page);
        }
        if let Some(per_page) = args.per_page {
            params = params.per_page(per_page);
        }
        let items = keep(client.list_page(&args.common.zone_id, &params).await?.items);
        found = items.len();
        printer.add(items)?;
    }
    printer.finish()?;
    Ok(if deadline.is_some() && found > 0 { ExitStatus::Expiring } else { ExitStatus::Success })
}

pub(crate) async fn get(args: ItemArgs) -> Result<ExitStatus, Failure> {
    let client = client(&args.common)?;
    let certificate = client.get(&args.common.zone_id, &args.id).await?;
    Printer::one(args.common.output, certificate)?;
    Ok(ExitStatus::Success)
}

pub(crate) async fn upload(args: UploadArgs) -> Result<ExitStatus, Failure> {
    let pem = read_certificate(&args.certificate_file)?;
    let client = client(&args.common)?;
    let zone = &args.common.zone_id;
    let certificate = if args.skip_local_checks {
        client.upload_unchecked(zone, &pem).await?
    } else {
        client.upload(zone, &pem).await?
    };
    Printer::one(args.common.output, certificate)?;
    Ok(ExitStatus::Success)
}

pub(crate) async fn delete(args: ItemArgs) -> Result<ExitStatus, Failure> {
    let client = client(&args.common)?;
    let id = client.delete(&args.common.zone_id, &args.id).await?;
    Printer::one(args.common.output, Deleted { id })?;
    Ok(ExitStatus::Success)
}

fn read_certificate(path: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if path == "-" {
        io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::read_to_string(path).map(|content| text = content)
    };
    read.map_err(|e| Failure::usage(format!("cannot read the certificate file {path}: {e}")))?;
    Ok(text)
}
