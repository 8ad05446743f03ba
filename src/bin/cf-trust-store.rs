//! `cf-trust-store`: read and manage a Cloudflare zone's Custom Origin Trust Store.
//!
//! Credentials come from the environment (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and
//! `CLOUDFLARE_API_KEY`); the base URL from `--base-url`, else `CLOUDFLARE_BASE_URL`, else
//! Cloudflare's. Exit codes: 0 success, 1 API or network error, 2 usage or invalid input (nothing
//! was sent), 3 when `list --expiring-within` found certificates.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use cloudflare_origin_trust_store::{
    Client, ClientBuilder, CustomTrustStore, Error, ListParams, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(
    name = "cf-trust-store",
    version,
    about = "Read and manage a Cloudflare zone's Custom Origin Trust Store",
    after_help = "Credentials: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (the token wins \
                  when both are set).\nExit codes: 0 success, 1 API or network error, 2 usage or invalid input \
                  (nothing sent), 3 expiring certificates found."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the certificates of a zone's trust store (one page, or every page with --all).
    List(ListArgs),
    /// Show one certificate.
    Get(ItemArgs),
    /// Upload a root CA certificate (PEM), after checking it locally.
    Upload(UploadArgs),
    /// Delete one certificate; prints the deleted id.
    Delete(ItemArgs),
}

#[derive(Debug, Args)]
struct Common {
    /// The zone's id (32 characters).
    #[arg(long, env = "CLOUDFLARE_ZONE_ID", value_name = "ZONE")]
    zone_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// The API's base URL (overrides CLOUDFLARE_BASE_URL); must be https except on loopback.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Timeout of each request, in seconds (fractions allowed).
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    timeout: Option<Duration>,
    /// Retries of a failed request (connection errors, timeouts, 408, 429, 5xx); 0 disables them.
    #[arg(long, value_name = "N", default_value_t = cloudflare_origin_trust_store::DEFAULT_MAX_RETRIES)]
    retries: u32,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The page to list (1 or more); Cloudflare's default is 1.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    page: Option<u64>,
    /// Certificates per page (5 to 50); 50 with --all, else Cloudflare's default of 20.
    #[arg(long, value_name = "N")]
    per_page: Option<u64>,
    /// Walk every page.
    #[arg(long)]
    all: bool,
    /// Pages fetched at once when walking every page (1 fetches one at a time).
    #[arg(long, value_name = "N", default_value_t = cloudflare_origin_trust_store::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Only certificates whose expires_on is within DAYS from now (expired ones included); walks
    /// every page unless --page is given, and exits 3 when any are found.
    #[arg(long, value_name = "DAYS")]
    expiring_within: Option<u32>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ItemArgs {
    /// The certificate's id.
    #[arg(long, value_name = "ID")]
    id: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct UploadArgs {
    /// The PEM file holding one root CA certificate; `-` reads standard input.
    #[arg(long, value_name = "PATH")]
    certificate_file: String,
    /// Send the file as it is, without the local root-CA checks (Cloudflare still checks it).
    #[arg(long)]
    skip_local_checks: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    /// A readable table.
    Table,
    /// JSON with the API's field names: an array for list, an object otherwise.
    Json,
    /// One JSON object per line, written as pages arrive.
    Jsonl,
}

fn parse_timeout(raw: &str) -> Result<Duration, String> {
    let secs: f64 = raw.parse().map_err(|_| format!("{raw:?} is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("must be greater than 0, got {raw}"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{raw} seconds is too long"))
}

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

fn print_one(output: Output, certificate: &CustomTrustStore) -> Result<Done, Failure> {
    let mut out = io::stdout().lock();
    match output {
        Output::Table => write_table(&mut out, std::slice::from_ref(certificate))?,
        Output::Json => write_json(&mut out, certificate, true)?,
        Output::Jsonl => write_json(&mut out, certificate, false)?,
    }
    out.flush()?;
    Ok(Done::Ok)
}

fn write_json(out: &mut impl Write, value: &impl Serialize, pretty: bool) -> io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"\n")
}

/// Writes certificates in one format: `jsonl` as they come, the others once all have come.
struct Printer {
    output: Output,
    held: Vec<CustomTrustStore>,
}

impl Printer {
    fn new(output: Output) -> Self {
        Self { output, held: Vec::new() }
    }

    fn add(&mut self, out: &mut impl Write, items: Vec<CustomTrustStore>) -> io::Result<()> {
        if self.output == Output::Jsonl {
            for item in &items {
                write_json(out, item, false)?;
            }
            out.flush()
        } else {
            self.held.extend(items);
            Ok(())
        }
    }

    fn finish(self, out: &mut impl Write) -> io::Result<()> {
        match self.output {
            Output::Jsonl => Ok(()),
            Output::Json => write_json(out, &self.held, true),
            Output::Table => write_table(out, &self.held),
        }
    }
}

fn write_table(out: &mut impl Write, items: &[CustomTrustStore]) -> io::Result<()> {
    let header = ["ID", "STATUS", "ISSUER", "SIGNATURE", "EXPIRES_ON"].map(str::to_owned);
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.status.to_string(),
                c.issuer.clone(),
                c.signature.clone(),
                c.expires_on.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
