//! What each subcommand does, one file each; here, what they share: the client and the zone.

mod audit;
mod fake_server;
mod guard;
mod item;
mod list;
mod list_prometheus;
mod man;
mod meta;
pub(crate) mod origins;
mod sync;

use cloudflare_origin_trust_store::{Client, ClientBuilder, Credentials, RetryPolicy, ZoneRef};

use crate::args::{Cli, Command, Global, Output};
use crate::{ExitStatus, Failure};

/// Runs the command line's subcommand.
pub(crate) async fn run(cli: Cli) -> Result<ExitStatus, Failure> {
    let global = &cli.global;
    if global.output == Output::Prometheus && !matches!(cli.command, Command::List(_) | Command::Audit(_)) {
        return Err(Failure::usage("-o prometheus is for list and audit".into()));
    }
    match cli.command {
        Command::List(args) => list::list(global, args).await,
        Command::Get(args) => item::get(global, args).await,
        Command::Upload(args) => item::upload(global, args).await,
        Command::Delete(args) => item::delete(global, args).await,
        Command::Sync(args) => sync::sync(global, args).await,
        Command::Rotate(args) => sync::rotate(global, args).await,
        Command::Audit(args) => audit::audit(global, args).await,
        Command::CheckOrigins(args) => origins::check_origins(global, args).await,
        Command::FakeServer(args) => fake_server::serve(global, args).await,
        Command::Schema(args) => meta::schema(args),
        Command::Completions(args) => meta::completions(args),
        Command::Man(args) => man::man(args),
    }
}

/// A client from the environment and the global options.
pub(crate) fn client(global: &Global) -> Result<Client, Failure> {
    Ok(builder(global)?.build()?)
}

/// A client builder from the environment and the global options.
pub(crate) fn builder(global: &Global) -> Result<ClientBuilder, Failure> {
    let mut builder = match &global.token_env {
        Some(variable) => token_builder(variable)?,
        None => ClientBuilder::from_env().map_err(|error| {
            let mut failure = Failure::from(error);
            if let (Some(message), Some(hint)) = (&mut failure.message, other_tools_token()) {
                message.push_str(&format!("; {hint}"));
            }
            failure
        })?,
    };
    if let Some(url) = &global.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = global.timeout {
        builder = builder.timeout(timeout);
    }
    Ok(builder.retry(RetryPolicy::new().max_retries(global.retries)))
}

/// The name flarectl and older wrangler read the token from.
const ENV_OTHER_TOOLS_TOKEN: &str = "CF_API_TOKEN";

/// What to say when the credentials are missing but the token is where other Cloudflare tools
/// read it.
fn other_tools_token() -> Option<String> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    (set(ENV_OTHER_TOOLS_TOKEN) && !set(Credentials::ENV_API_TOKEN)).then(|| {
        format!(
            "{ENV_OTHER_TOOLS_TOKEN} is set (the name flarectl and older wrangler read), but this tool reads {}: \
             set that, or give --token-env {ENV_OTHER_TOOLS_TOKEN}",
            Credentials::ENV_API_TOKEN
        )
    })
}

/// A builder whose token is read from `variable` (`--token-env`); the base URL still comes from
/// the environment.
fn token_builder(variable: &str) -> Result<ClientBuilder, Failure> {
    let token = match std::env::var_os(variable) {
        None => return Err(Failure::usage(format!("--token-env {variable}: {variable} is not set"))),
        Some(value) if value.is_empty() => {
            return Err(Failure::usage(format!("--token-env {variable}: {variable} is set but empty")));
        }
        Some(value) => value.into_string().map_err(|_| {
            Failure::usage(format!(
                "--token-env {variable}: {variable} is not valid UTF-8 (a stray byte?); fix it"
            ))
        })?,
    };
    let mut builder = ClientBuilder::default().credentials(Credentials::token(token));
    match std::env::var(ClientBuilder::ENV_BASE_URL) {
        Ok(url) if !url.is_empty() => builder = builder.base_url(url),
        Ok(_) | Err(std::env::VarError::NotPresent) => {}
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Failure::usage(format!(
                "{} is set but is not valid UTF-8 (a stray byte?); fix or unset it",
                ClientBuilder::ENV_BASE_URL
            )));
        }
    }
    Ok(builder)
}

/// The zones of the command line (`--zone-id` and `--zone`, in the order given), else the one of
/// `CLOUDFLARE_ZONE_ID`, else none; ids as requests send them ([`ZoneRef::canonical`]).
pub(crate) fn given_zones(global: &Global) -> Result<Vec<ZoneRef>, Failure> {
    if !global.zones.is_empty() {
        return global.zones.iter().cloned().map(|zone| checked(zone.canonical())).collect();
    }
    match std::env::var(ENV_ZONE_ID) {
        Ok(id) if !id.trim().is_empty() => Ok(vec![checked(ZoneRef::Id(id).canonical())?]),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Vec::new()),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::usage(format!(
            "{ENV_ZONE_ID} is set but is not valid UTF-8 (a stray byte?); fix or unset it"
        ))),
    }
}

const ENV_ZONE_ID: &str = "CLOUDFLARE_ZONE_ID";

/// `zone`, checked as a request would check it; a zone id that is a domain name is told to go by
/// `--zone`, the CLI's way of going by name.
fn checked(zone: ZoneRef) -> Result<ZoneRef, Failure> {
    let Err(error) = zone.check() else { return Ok(zone) };
    let mut failure = Failure::from(error);
    if let (ZoneRef::Id(id), Some(message)) = (&zone, &mut failure.message) {
        let by_name = format!("give --zone {id}");
        *message = message.replace("use Client::zone_id or the CLI's --zone", &by_name);
    }
    Err(failure)
}

/// The one zone a command works on, as given (checked before anything is sent).
pub(crate) fn one_zone(global: &Global, command: &str) -> Result<ZoneRef, Failure> {
    let zones = given_zones(global)?;
    match <[ZoneRef; 1]>::try_from(zones) {
        Ok([zone]) => Ok(zone),
        Err(zones) if zones.is_empty() => Err(Failure::usage(format!(
            "{command} needs a zone: give --zone-id ID or --zone NAME (or set {ENV_ZONE_ID})"
        ))),
        Err(zones) => Err(Failure::usage(format!(
            "{command} works on one zone; {} were given (--zone-id and --zone)",
            zones.len()
        ))),
    }
}

/// The id of a zone: as given, or its name resolved with one List Zones request.
pub(crate) async fn zone_id(client: &Client, zone: ZoneRef) -> Result<String, Failure> {
    match zone {
        ZoneRef::Id(id) => Ok(id),
        ZoneRef::Name(name) => Ok(client.zone_id(&name).await?),
    }
}

/// Asks `question` on standard error and reads one line (at most 1 KiB) of standard input;
/// whether the answer is yes (`y` or `yes`, in any case).
pub(crate) fn ask(question: &str) -> bool {
    use std::io::{BufRead, Write};
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::Read::take(std::io::stdin().lock(), 1024).read_line(&mut answer);
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
