//! One certificate: `get`, `upload`, `delete`.

use std::io::{self, IsTerminal, Write};

use chrono::Utc;
use cloudflare_origin_trust_store::origin::{Change, PlannedRoot};
use cloudflare_origin_trust_store::{Client, Error, SelfSignature, held_root, terminal_safe};

use super::guard::before_write;
use super::{ask, client, one_zone, zone_id};
use crate::args::{DeleteArgs, Global, ItemArgs, UploadArgs};
use crate::input::certificate_text;
use crate::output::{Deleted, Detailed, Printer};
use crate::{ExitStatus, Failure};

pub(crate) async fn get(global: &Global, args: ItemArgs) -> Result<ExitStatus, Failure> {
    let zone = one_zone(global, "get")?;
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    let certificate = client.get(&zone, args.id()).await?;
    Printer::new(global.output).one(Detailed::of(certificate))?;
    Ok(ExitStatus::Success)
}

/// The failure of `error`, about the certificate of `file`: its line starts with the file's name.
fn named(file: &str, error: Error) -> Failure {
    let mut failure = Failure::from(error);
    failure.message = failure.message.map(|line| format!("{}: {line}", crate::input::shown(file)));
    failure
}

pub(crate) async fn upload(global: &Global, args: UploadArgs) -> Result<ExitStatus, Failure> {
    let pem = certificate_text(&args.certificate_file)?;
    let zone = one_zone(global, "upload")?;
    // The local checks come before anything is sent, a zone name's lookup included.
    if !args.skip_local_checks {
        let details = cloudflare_origin_trust_store::check_root_ca(&pem, Utc::now())
            .map_err(|problem| named(&args.certificate_file, Error::from(problem)))?;
        if details.self_signature == SelfSignature::Unverifiable && !global.quiet {
            let _ = writeln!(
                io::stderr(),
                "note: the self-signature ({}) cannot be verified locally; Cloudflare checks it",
                terminal_safe(&details.signature_algorithm)
            );
        }
    }
    // Exactly one CERTIFICATE block and nothing else, checked before anything is sent (with
    // --skip-local-checks too): matching it against the store needs no more than that.
    held_root(&[], &pem).map_err(|error| named(&args.certificate_file, error))?;
    // Origin checks need a root the local checks can read.
    let planned = PlannedRoot::from_pem(&pem, Utc::now());
    if let (Err(problem), true) = (&planned, args.guard.targets.any()) {
        return Err(Failure::usage(format!(
            "origin checks need a root CA the local checks can read: {problem}"
        )));
    }
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    let store = client.collect_all(&zone).await?;
    // A root the store already holds is not sent again (Cloudflare would refuse it): the
    // certificate holding it is the answer, and `--wait` waits for that one.
    let held = held_root(&store, &pem)?.cloned();
    if held.is_none()
        && let Ok(root) = planned
    {
        before_write(global, &client, &args.guard, false, &zone, &store, &Change::Upload(vec![root])).await?;
    }
    let certificate = match held {
        Some(held) => {
            if !global.quiet {
                let _ = writeln!(
                    io::stderr(),
                    "{} is already in the trust store as {} ({}); nothing was uploaded",
                    crate::input::shown(&args.certificate_file),
                    terminal_safe(&held.id),
                    terminal_safe(held.status.as_str())
                );
            }
            held
        }
        None if args.skip_local_checks => client.upload_unchecked(&zone, &pem).await?,
        None => client.upload(&zone, &pem).await?,
    };
    let certificate = if args.wait {
        client.wait_until_active(&zone, &certificate.id, args.wait_args.wait_timeout).await?
    } else {
        certificate
    };
    Printer::new(global.output).one(certificate)?;
    Ok(ExitStatus::Success)
}

/// Deletes one certificate. Origins chaining to it stop being trusted, so on a terminal it asks
/// first (showing the certificate's subject and expiry); off a terminal it needs `--yes`.
pub(crate) async fn delete(global: &Global, args: DeleteArgs) -> Result<ExitStatus, Failure> {
    let zone = one_zone(global, "delete")?;
    let id = args.item.id();
    let interactive = io::stdin().is_terminal();
    if !args.yes && !interactive {
        return Err(Failure::usage(format!(
            "delete is destructive (origins chaining to the root stop being trusted) and standard input \
             is not a terminal to confirm it: add --yes to delete {}",
            terminal_safe(id)
        )));
    }
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    // The guards need the store as it is; an id it does not list is left for the delete to
    // answer (404).
    let store = client.collect_all(&zone).await?;
    if let Some(listed) = store.iter().find(|c| c.id.eq_ignore_ascii_case(id)) {
        let change = Change::Delete(vec![listed.id.clone()]);
        before_write(global, &client, &args.guard, args.yes, &zone, &store, &change).await?;
    }
    if !args.yes && !confirmed(&client, &zone, id).await? {
        return Err(Failure {
            status: ExitStatus::Failure,
            message: Some(format!("{} not deleted", terminal_safe(id))),
        });
    }
    let id = client.delete(&zone, id).await?;
    Printer::new(global.output).one(Deleted { id })?;
    Ok(ExitStatus::Success)
}

/// Shows the certificate and asks on the terminal; whether the answer is yes.
async fn confirmed(client: &Client, zone: &str, id: &str) -> Result<bool, Failure> {
    let certificate = client.get(zone, id).await?;
    let subject = certificate.details().map(|d| d.subject).unwrap_or_else(|_| certificate.issuer.clone());
    let expires = certificate.expires_on.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let days = certificate.days_until_expiry(Utc::now());
    Ok(ask(&format!(
        "Delete {} ({}, {}, expires {expires}, in {days} days) from zone {zone}?\n\
         Origins whose certificates chain to it will no longer be trusted. [y/N] ",
        terminal_safe(&certificate.id),
        terminal_safe(&subject),
        terminal_safe(certificate.status.as_str()),
    )))
}
