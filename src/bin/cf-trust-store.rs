//! `cf-trust-store`: read a Cloudflare zone's Custom Origin Trust Store from the command line.
//!
//! Credentials come from the environment (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and
//! `CLOUDFLARE_API_KEY`); the base URL from `--base-url`, else `CLOUDFLARE_BASE_URL`, else
//! Cloudflare's. Exit codes: 0 success, 1 API or network error, 2 usage or invalid input (nothing
//! was sent).

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use cloudflare_origin_trust_store::{
    Client, ClientBuilder, CustomTrustStore, Error, ListParams, Pagination, RetryPolicy,
};
use futures_util::TryStreamExt;

#[derive(Debug, Parser)]
#[command(name = "cf-trust-store", version, about = "Read a Cloudflare zone's Custom Origin Trust Store")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the certificates of a zone's trust store (one page, or every page with --all).
    List(ListArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The zone's id (32 characters).
    #[arg(long, env = "CLOUDFLARE_ZONE_ID", value_name = "ZONE")]
    zone_id: String,
    /// The page to list (1 or more); Cloudflare's default is 1.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    page: Option<u64>,
    /// Certificates per page (5 to 50); 50 with --all, else Cloudflare's default of 20.
    #[arg(long, value_name = "N")]
    per_page: Option<u64>,
    /// Walk every page.
    #[arg(long)]
    all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
struct Connection {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    /// A readable table: id, status, issuer, signature, expires_on.
    Table,
    /// One JSON array of certificate objects, with the API's field names.
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Api(error)) => {
            eprintln!("error: {}", chain(&error));
            ExitCode::from(if error.is_invalid_input() { 2 } else { 1 })
        }
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(error)) => {
            eprintln!("error: cannot write the output: {error}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Api(Error),
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

fn client(connection: &Connection) -> Result<Client, Error> {
    let mut builder = ClientBuilder::from_env()?;
    if let Some(url) = &connection.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = connection.timeout {
        builder = builder.timeout(timeout);
    }
    builder.retry(RetryPolicy::new().max_retries(connection.retries)).build()
}

async fn list(args: ListArgs) -> Result<(), Failure> {
    let client = client(&args.connection)?;
    let mut out = io::stdout().lock();
    let mut printer = Printer::new(args.output);
    if args.all {
        let mut pagination = Pagination::new();
        if let Some(per_page) = args.per_page {
            pagination = pagination.per_page(per_page);
        }
        let mut pages = client.pages(&args.zone_id, pagination)?;
        while let Some(page) = pages.try_next().await? {
            printer.add(&mut out, page.items)?;
        }
    } else {
        let mut params = ListParams::new();
        if let Some(page) = args.page {
            params = params.page(page);
        }
        if let Some(per_page) = args.per_page {
            params = params.per_page(per_page);
        }
        let page = client.list_page(&args.zone_id, &params).await?;
        printer.add(&mut out, page.items)?;
    }
    printer.finish(&mut out)?;
    out.flush()?;
    Ok(())
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
                serde_json::to_writer(&mut *out, item)?;
                out.write_all(b"\n")?;
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
            Output::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.held)?;
                out.write_all(b"\n")
            }
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
