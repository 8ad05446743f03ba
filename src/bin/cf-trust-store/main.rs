//! `cf-trust-store`: read and manage a Cloudflare zone's Custom Origin Trust Store.
//!
//! Credentials come from the environment (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and
//! `CLOUDFLARE_API_KEY`); the base URL from `--base-url`, else `CLOUDFLARE_BASE_URL`, else
//! Cloudflare's. Exit codes: 0 success, 1 API or network error, 2 usage or invalid input (nothing
//! was sent), 3 when `list --expiring-within` found certificates.

mod args;
mod output;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use cloudflare_origin_trust_store::{
    Client, ClientBuilder, CustomTrustStore, Error, ListParams, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;

use args::{Cli, Command, Common, ItemArgs, ListArgs, Output, UploadArgs};
use output::{Printer, print_one};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List(args) => list(args).await,
        Command::Get(args) => get(args).await,
        Command::Upload(args) => upload(args).await,
        Command::Delete(args) => delete(args).await,
    };
    match result {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::ExpiringFound) => ExitCode::from(3),
        Err(Failure::Api(error)) => {
            eprintln!("error: {}", chain(&error));
            ExitCode::from(if error.is_invalid_input() { 2 } else { 1 })
        }
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(error)) => {
            eprintln!("error: cannot write the output: {error}");
            ExitCode::from(1)
        }
    }
}

enum Done {
    Ok,
    ExpiringFound,
}

enum Failure {
    Api(Error),
    Input(String),
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Api(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Output(error)
    }
}

/// The error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

fn client(common: &Common) -> Result<Client, Error> {
    let mut builder = ClientBuilder::from_env()?;
    if let Some(url) = &common.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = common.timeout {
        builder = builder.timeout(timeout);
    }
    builder.retry(RetryPolicy::new().max_retries(common.retries)).build()
}

async fn list(args: ListArgs) -> Result<Done, Failure> {
    let client = client(&args.common)?;
    let mut out = io::stdout().lock();
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
            printer.add(&mut out, items)?;
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
        printer.add(&mut out, items)?;
    }
    printer.finish(&mut out)?;
    out.flush()?;
    Ok(if deadline.is_some() && found > 0 { Done::ExpiringFound } else { Done::Ok })
}

async fn get(args: ItemArgs) -> Result<Done, Failure> {
    let client = client(&args.common)?;
    let certificate = client.get(&args.common.zone_id, &args.id).await?;
    print_one(args.common.output, &certificate)
}

async fn upload(args: UploadArgs) -> Result<Done, Failure> {
    let pem = read_certificate(&args.certificate_file)?;
    let client = client(&args.common)?;
    let zone = &args.common.zone_id;
    let certificate = if args.skip_local_checks {
        client.upload_unchecked(zone, &pem).await?
    } else {
        client.upload(zone, &pem).await?
    };
    print_one(args.common.output, &certificate)
}

async fn delete(args: ItemArgs) -> Result<Done, Failure> {
    let client = client(&args.common)?;
    let id = client.delete(&args.common.zone_id, &args.id).await?;
    let mut out = io::stdout().lock();
    match args.common.output {
        Output::Table => writeln!(out, "deleted {id}")?,
        Output::Json | Output::Jsonl => writeln!(out, "{}", serde_json::json!({ "id": id }))?,
    }
    out.flush()?;
    Ok(Done::Ok)
}

fn read_certificate(path: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if path == "-" {
        io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::read_to_string(path).map(|content| text = content)
    };
    read.map_err(|e| Failure::Input(format!("cannot read the certificate file {path}: {e}")))?;
    Ok(text)
}
