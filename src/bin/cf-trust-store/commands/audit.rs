//! `audit`: many zones' trust stores at once, paced to the request budget; which certificates
//! expire soon.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use cloudflare_origin_trust_store::{
    Audit, CertificateStatus, CustomTrustStore, RetryPolicy, ZoneFilter, ZoneRef, ZoneReport,
};
use futures_util::TryStreamExt;

use super::{builder, given_zones};
use crate::args::{AuditArgs, Global, Output};
use crate::input::zones_file;
use crate::metrics::ZoneMetrics;
use crate::output::{AuditRow, Column, Line, Printer, Record, one_line};
use crate::progress::Progress;
use crate::{ExitStatus, Failure};

/// Cloudflare's rate-limit window, which `--budget` counts requests in.
const WINDOW: Duration = Duration::from_secs(300);

/// How many 429s one request of an audit waits out before its zone is reported as failed.
const RATE_LIMITED_RETRIES: u32 = 20;

/// Audits the zones given (or all of them): one report per zone, in order (as each is done with
/// `-o jsonl`). Exit 1 when any zone
/// failed (the others are still reported), else 3 when any certificate is expiring, else 0; 2
/// for invalid input (nothing sent).
pub(crate) async fn audit(global: &Global, args: AuditArgs) -> Result<ExitStatus, Failure> {
    crate::metrics::check(global, &args.metrics)?;
    let audit = what(global, &args)?;
    let started = Utc::now();
    let mut metrics = Vec::new();
    // A 429 the audit can wait out (Cloudflare's window is 5 minutes) is waited out, many times
    // over if it must (other tokens' jobs may share the limit); --retries 0 still disables retries.
    let rate_limited_retries = if global.retries == 0 { 0 } else { global.retries.max(RATE_LIMITED_RETRIES) };
    let retry = RetryPolicy::new()
        .max_retries(global.retries)
        .max_rate_limited_retries(rate_limited_retries)
        .max_retry_after(WINDOW);
    let client = builder(global)?.retry(retry).rate_budget(args.budget, WINDOW).build()?;
    let mut reports = client.audit(&audit)?;
    let progress = Progress::start(&client, "zones", global);
    let mut printer = Printer::new(global.output);
    let mut tally = Tally::default();
    let outcome = loop {
        let report = match reports.try_next().await {
            Ok(Some(report)) => report,
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        };
        if let Some(progress) = &progress {
            progress.set_total(reports.total(), "zones");
            progress.inc();
        }
        tally.add(&report);
        if global.output == Output::Prometheus {
            metrics.push(ZoneMetrics::of(&report));
        }
        if global.output == Output::Table && !args.by_zone {
            printer.add(ExpiringRow::of(&report, started))?;
        } else {
            printer.add([AuditRow::of(report)])?;
        }
    };
    drop(progress);
    let Tally { zones, certificates, expiring, expiring_zones, failed } = tally;
    let window = args.expiring_within;
    let mut summary = format!(
        "{zones} zone(s): {certificates} certificate(s), {expiring} expiring within {window} day(s) in {expiring_zones} zone(s), {failed} zone(s) failed; {} request(s)",
        client.requests_sent()
    );
    if outcome.is_err() {
        summary.push_str("; the zones could not all be listed: the audit is incomplete");
    }
    printer.add([Line(summary)])?;
    if global.output == Output::Table && !args.by_zone {
        printer.finish::<ExpiringRow>()?;
    } else {
        printer.finish::<AuditRow>()?;
    }
    if global.output == Output::Prometheus {
        crate::metrics::write(&args.metrics, &metrics, outcome.is_err(), started)?;
    }
    exit_status(outcome, &tally)
}

/// What an audit counted so far.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    zones: usize,
    certificates: usize,
    expiring: usize,
    expiring_zones: usize,
    failed: usize,
}

impl Tally {
    fn add(&mut self, report: &cloudflare_origin_trust_store::ZoneReport) {
        self.zones += 1;
        self.certificates += report.certificates.len();
        self.expiring += report.expiring.len();
        self.expiring_zones += usize::from(!report.expiring.is_empty());
        self.failed += usize::from(report.error.is_some());
    }
}

/// The exit status of an audit that ended with `outcome` (an error listing the zones ends it
/// early) and counted `tally`: 1 wins over 3.
fn exit_status(
    outcome: Result<(), cloudflare_origin_trust_store::Error>,
    tally: &Tally,
) -> Result<ExitStatus, Failure> {
    let Tally { zones, expiring, failed, .. } = *tally;
    match outcome {
        Err(error) => {
            let mut failure = Failure::from(error);
            failure.status = ExitStatus::Failure;
            let message = failure.message.take().unwrap_or_default();
            failure.message =
                Some(format!("listing the zones failed after {zones} zone(s) were audited: {message}"));
            Err(failure)
        }
        Ok(()) if zones == 0 => Err(Failure {
            status: ExitStatus::Failure,
            message: Some(
                "no zone is visible to these credentials (check --account-id, and that the token may read zones: \"Zone Read\")"
                    .into(),
            ),
        }),
        Ok(()) if failed > 0 => {
            let message = format!("{failed} of {zones} zone(s) could not be audited: see the error of each");
            crate::report::remember_kind("zones_failed", &message);
            Err(Failure { status: ExitStatus::Failure, message: Some(message) })
        }
        Ok(()) if expiring > 0 => Ok(ExitStatus::Expiring),
        Ok(()) => Ok(ExitStatus::Success),
    }
}

/// The audit the command line asks for: its zones, window, statuses and concurrency, checked.
fn what(global: &Global, args: &AuditArgs) -> Result<Audit, Failure> {
    let audit = if args.all_zones {
        if !global.zones.is_empty() || args.zones_file.is_some() {
            return Err(Failure::usage(
                "--all-zones audits every zone: give it without --zone-id, --zone or --zones-file".into(),
            ));
        }
        let mut filter = ZoneFilter::new();
        if let Some(account) = &args.account_id {
            filter = filter.account_id(account);
        }
        Audit::all_zones(filter)
    } else {
        let mut zones: Vec<ZoneRef> = global.zones.clone();
        if let Some(path) = &args.zones_file {
            zones.extend(zones_file(path)?);
        } else if zones.is_empty() {
            zones = given_zones(global)?;
        }
        if zones.is_empty() {
            return Err(Failure::usage(match &args.zones_file {
                Some(path) => format!("{} holds no zone", crate::input::zones_file_name(path)),
                None => "audit needs zones: give --zone-id ID or --zone NAME (repeatable), --zones-file FILE, or --all-zones"
                    .into(),
            }));
        }
        Audit::zones(zones)
    };
    let mut audit = audit
        .expiring_within(TimeDelta::days(args.expiring_within.into()))
        .concurrency(args.concurrency.into());
    if !args.status.is_empty() {
        audit = audit.statuses(args.status.iter().map(|status| CertificateStatus::from(status.as_str())));
    }
    // jsonl prints each zone as it is done; json and the table keep the order zones were given.
    if global.output == Output::Jsonl {
        audit = audit.in_completion_order();
    }
    Ok(audit)
}

/// A row of the audit's table: an expiring certificate, or a zone that could not be audited.
#[derive(serde::Serialize)]
struct ExpiringRow {
    zone: String,
    certificate: Option<CustomTrustStore>,
    error: Option<String>,
    now: DateTime<Utc>,
}

impl ExpiringRow {
    /// The rows of a zone's report: its expiring certificates, soonest first, or its error.
    fn of(report: &ZoneReport, now: DateTime<Utc>) -> Vec<Self> {
        let zone = report.zone_name.clone().or_else(|| report.zone_id.clone()).unwrap_or_else(|| "-".into());
        if let Some(error) = &report.error {
            return vec![Self { zone, certificate: None, error: Some(one_line(error)), now }];
        }
        let mut expiring = report.expiring.clone();
        expiring.sort_by_key(|c| c.expires_on);
        expiring
            .into_iter()
            .map(|certificate| Self { zone: zone.clone(), certificate: Some(certificate), error: None, now })
            .collect()
    }
}

impl Record for ExpiringRow {
    const COLUMNS: &'static [Column] = &[
        Column("ZONE", 40),
        Column("ID", 32),
        Column("EXPIRES", 10),
        Column("DAYS_LEFT", 9),
        Column("STATUS", 18),
        Column("SUBJECT", 200),
    ];

    fn cells(&self) -> Vec<String> {
        let Some(c) = &self.certificate else {
            let error = self.error.clone().unwrap_or_default();
            return vec![self.zone.clone(), "-".into(), "-".into(), "-".into(), "failed".into(), error];
        };
        // The subject's common name, else the whole subject, else the issuer the API names.
        let subject = c
            .details()
            .ok()
            .map(|d| crate::metrics::common_name(&d.subject).unwrap_or(d.subject))
            .unwrap_or_else(|| c.issuer.clone());
        vec![
            self.zone.clone(),
            c.id.clone(),
            c.expires_on.format("%Y-%m-%d").to_string(),
            c.days_until_expiry(self.now).to_string(),
            c.status.to_string(),
            subject,
        ]
    }
}
