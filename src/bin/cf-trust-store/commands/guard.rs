//! The guards every write passes before it sends anything: what the change does to the zone's
//! trust (the switch between the store's roots and Cloudflare's default trust, a post-quantum
//! downgrade) and, when origins are given, whether each origin trusted now stays trusted.
//!
//! Cloudflare: "When a CA has been uploaded, Cloudflare will ignore all default publicly trusted
//! CAs and exclusively use the CA or CAs that have been uploaded" (developers.cloudflare.com,
//! `ssl/origin-configuration/custom-origin-trust-store`).

use std::io::{self, IsTerminal, Write};

use cloudflare_origin_trust_store::origin::{
    Change, OriginReport, Outcome, TrustSet, check_against, post_quantum_mix,
};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore, terminal_safe};

use super::ask;
use super::origins::{GuardOutcome, OriginRow, inputs, notes, with_dns_origins};
use crate::args::{Global, GuardArgs};
use crate::output::{Line, Printer};
use crate::{ExitStatus, Failure};

/// What the first root does, in Cloudflare's words.
pub(crate) const FIRST_ROOT: &str = "the store holds no root yet: once one is uploaded, Cloudflare \"will ignore all default publicly trusted CAs and exclusively use the CA or CAs that have been uploaded\", so origins with a publicly trusted or Cloudflare Origin CA certificate fail with 526 unless an uploaded root anchors them";

/// What removing the last root does.
pub(crate) const LAST_ROOT: &str = "this removes the store's last root: Cloudflare falls back to its default trust (publicly trusted CAs and Cloudflare's Origin CA), and origins whose certificates chain only to the removed root(s) fail with 526";

/// Checks `change` to `store` (zone `zone`) before anything is written: says (and on a terminal
/// asks about) the exclusivity switch, warns of a post-quantum downgrade, and with origins given
/// refuses a change that would make an origin trusted now untrusted (exit 5, the table printed),
/// unless `--force`. `yes` is the command's own `--yes`. Sends nothing.
pub(crate) async fn before_write(
    global: &Global,
    client: &cloudflare_origin_trust_store::Client,
    guard: &GuardArgs,
    yes: bool,
    zone: &str,
    store: &[CustomTrustStore],
    change: &Change,
) -> Result<(), Failure> {
    let defaults =
        if guard.targets.any() { Some(inputs(&guard.targets, guard.origin_concurrency)?) } else { None };
    let default_trust =
        defaults.as_ref().map_or_else(TrustSet::cloudflare_default, |(_, _, set)| set.clone());
    let after = TrustSet::after(store, change, &default_trust)?;
    if !global.quiet
        && let Some(mix) = (!after.is_default()).then(|| post_quantum_mix(after.roots())).flatten()
    {
        say(&format!("warning: zone {zone}: {mix}"));
    }
    switch(global, guard, yes, zone, store, &after)?;
    let Some((origins, options, _)) = defaults else { return Ok(()) };
    let origins = with_dns_origins(global, client, zone, &guard.targets, origins).await?;
    let now = TrustSet::from_store_with_defaults(store, &default_trust);
    let checks = check_against(&origins, &now, Some(&after), &options).await;
    let report = OriginReport::new(now, Some(after), checks);
    let losing = report.checks.iter().filter(|check| loses_trust(check)).count();
    if losing == 0 {
        if !global.quiet {
            say(&format!("{} origin(s) checked: none loses trust with this change", report.checks.len()));
        }
        return Ok(());
    }
    if !global.quiet {
        let _ = notes(&report);
    }
    let outcome = GuardOutcome { report };
    let mut printer = Printer::new(global.output);
    printer.add(outcome.report.checks.iter().map(|check| OriginRow::of(check.clone())))?;
    printer.add([Line(outcome.summary())])?;
    printer.finish::<OriginRow>()?;
    if guard.force {
        say(&format!(
            "warning: {losing} origin(s) trusted now would not be after this change (--force: going on)"
        ));
        return Ok(());
    }
    Err(Failure {
        status: ExitStatus::Untrusted,
        message: Some(format!(
            "{losing} origin(s) trusted now would not be after this change (or cannot be checked): nothing was written; add --force to make it anyway"
        )),
    })
}

/// Whether the change must not be made for this origin: it is trusted now and would not be
/// after, or it cannot be checked after (unreachable, or a signature that cannot be checked here).
fn loses_trust(check: &cloudflare_origin_trust_store::origin::OriginCheck) -> bool {
    let after = check.after.as_ref().unwrap_or(&check.now);
    let unchecked = matches!(after.outcome, Outcome::Unknown | Outcome::Unreachable);
    (check.now.is_trusted() && !after.is_trusted()) || unchecked
}

/// The switch between the store's roots and the default trust: said on stderr (unless `-q`) and
/// asked about on a terminal (unless `--force` or `--yes`); off a terminal it is a warning.
fn switch(
    global: &Global,
    guard: &GuardArgs,
    yes: bool,
    zone: &str,
    store: &[CustomTrustStore],
    after: &TrustSet,
) -> Result<(), Failure> {
    let held = store
        .iter()
        .filter(|c| !matches!(c.status, CertificateStatus::PendingDeletion | CertificateStatus::Deleted))
        .count();
    let what = match (held, after.is_default()) {
        (0, false) => FIRST_ROOT,
        (1.., true) => LAST_ROOT,
        _ => return Ok(()),
    };
    if global.quiet && (guard.force || yes || !io::stdin().is_terminal()) {
        return Ok(());
    }
    let message = format!("warning: zone {}: {what}", terminal_safe(zone));
    if guard.force || yes || !io::stdin().is_terminal() {
        say(&message);
        return Ok(());
    }
    if ask(&format!("{message}\nGo on? [y/N] ")) {
        Ok(())
    } else {
        Err(Failure { status: ExitStatus::Failure, message: Some("not changed: nothing was written".into()) })
    }
}

fn say(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}
