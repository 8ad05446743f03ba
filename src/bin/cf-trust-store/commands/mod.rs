//! What each subcommand does, one file each; here, what they share: the client and the zone.

mod fake_server;
mod item;
mod list;
mod meta;
mod sync;

use cloudflare_origin_trust_store::{Client, ClientBuilder, RetryPolicy};

use crate::args::{Cli, Command, Global};
use crate::{ExitStatus, Failure};

/// Runs the command line's subcommand.
pub(crate) async fn run(cli: Cli) -> Result<ExitStatus, Failure> {
    let global = &cli.global;
    match cli.command {
        Command::List(args) => list::list(global, args).await,
        Command::Get(args) => item::get(global, args).await,
        Command::Upload(args) => item::upload(global, args).await,
        Command::Delete(args) => item::delete(global, args).await,
        Command::Sync(args) => sync::sync(global, args).await,
        Command::Rotate(args) => sync::rotate(global, args).await,
        Command::FakeServer(args) => fake_server::serve(global, args).await,
        Command::Schema(args) => meta::schema(args),
        Command::Completions(args) => meta::completions(args),
        Command::Man => meta::man(),
    }
}

/// A client from the environment and the global options.
pub(crate) fn client(global: &Global) -> Result<Client, Failure> {
    let mut builder = ClientBuilder::from_env()?;
    if let Some(url) = &global.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = global.timeout {
        builder = builder.timeout(timeout);
    }
    Ok(builder.retry(RetryPolicy::new().max_retries(global.retries)).build()?)
}

/// The one zone a command works on.
pub(crate) fn zone(global: &Global, command: &str) -> Result<String, Failure> {
    match &global.zone_id[..] {
        [zone] => Ok(zone.clone()),
        [] => Err(Failure::usage(format!(
            "{command} needs a zone: give --zone-id ID (or set CLOUDFLARE_ZONE_ID)"
        ))),
        _ => Err(Failure::usage(format!(
            "{command} works on one zone; --zone-id was given {} times",
            global.zone_id.len()
        ))),
    }
}
