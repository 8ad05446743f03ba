//! `check-origins`: will the zone's origins be trusted by its store now, and after a change? And
//! the pieces the guards of the commands that change a store share (see `guard.rs`).

use std::io::{self, Read, Write};

use chrono::Utc;
use cloudflare_origin_trust_store::origin::{
    AnchorSource, Change, CheckOptions, MAX_BUNDLE_BYTES, MAX_CHAIN_BYTES, Origin, OriginChain, OriginCheck,
    OriginReport, PlannedRoot, ProbeLimits, TrustSet, Verdict, post_quantum_mix,
};
use cloudflare_origin_trust_store::terminal_safe;
use serde::Serialize;

use super::{client, one_zone, zone_id};
use crate::args::{CheckOriginsArgs, Global, OriginTargets};
use crate::input::certificate_text;
use crate::output::{Column, Line, Printer, Record};
use crate::{ExitStatus, Failure};

/// Checks the origins against the store now and, with `--after-*`, after that change; prints a
/// row per origin. Exit 0 when every origin is trusted (now, and after), 5 when any is not, 2 for
/// invalid input (refused before any request), 1 when the store cannot be listed.
pub(crate) async fn check_origins(global: &Global, args: CheckOriginsArgs) -> Result<ExitStatus, Failure> {
    let zone = one_zone(global, "check-origins")?;
    let (origins, options, _) = inputs(&args.origins.targets, args.origins.concurrency)?;
    let change = change_of(&args, global.verbose > 0)?;
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    let origins = with_dns_origins(global, &client, &zone, &args.origins.targets, origins).await?;
    let report = client.check_origins_with(&zone, &origins, &change, &options).await?;
    if !global.quiet {
        notes(&report)?;
    }
    let guard = GuardOutcome { report };
    let mut printer = Printer::new(global.output);
    let rows = guard.report.checks.iter().map(|check| OriginRow::of(check.clone()));
    printer.add(rows)?;
    printer.add([Line(guard.summary())])?;
    printer.finish::<OriginRow>()?;
    Ok(if guard.passed() { ExitStatus::Success } else { ExitStatus::Untrusted })
}

/// What a check of origins found.
pub(crate) struct GuardOutcome {
    pub(crate) report: OriginReport,
}

impl GuardOutcome {
    /// Whether every origin is trusted now and after the change.
    pub(crate) fn passed(&self) -> bool {
        self.report.checks.iter().all(OriginCheck::passed)
    }

    pub(crate) fn summary(&self) -> String {
        let checks = &self.report.checks;
        let trusted_now = checks.iter().filter(|c| c.now.is_trusted()).count();
        let mut line = format!("{} origin(s): {trusted_now} trusted now", checks.len());
        if self.report.after.is_some() {
            let after = checks.iter().filter(|c| c.after.as_ref().is_some_and(Verdict::is_trusted)).count();
            line.push_str(&format!(", {after} after the change"));
        }
        line
    }
}

/// The origins and options of `targets`, with `concurrency`: every file read and checked,
/// nothing sent. Also the default trust the options hold (`--default-trust`, or Cloudflare's).
pub(crate) fn inputs(
    targets: &OriginTargets,
    concurrency: u16,
) -> Result<(Vec<Origin>, CheckOptions, TrustSet), Failure> {
    let mut origins = targets.origin.clone();
    if let Some(path) = &targets.origins_file {
        origins.extend(origins_file(path)?);
    }
    let limits = ProbeLimits::new().timeout(targets.probe_timeout);
    let mut options = CheckOptions::new().concurrency(concurrency.into()).limits(limits);
    for (host, path) in &targets.chain {
        let text = read_text(path, MAX_CHAIN_BYTES, "chain file")?;
        let chain = OriginChain::from_pem(host, &text).map_err(|e| usage_in("the chain file", path, &e))?;
        if !origins.iter().any(|origin| origin.host() == host) {
            origins.push(Origin::new(host)?);
        }
        options = options.chain(chain);
    }
    let mut defaults = TrustSet::cloudflare_default();
    if let Some(path) = &targets.default_trust {
        let text = read_text(path, MAX_BUNDLE_BYTES, "default trust file")?;
        defaults =
            TrustSet::from_pem_bundle(&text).map_err(|e| usage_in("the default trust file", path, &e))?;
        options = options.default_trust(defaults.clone());
    }
    if origins.is_empty() && !targets.origins_from_dns {
        return Err(Failure::usage(
            "check-origins needs origins: give --origin HOST[:PORT][@ADDR[:PORT]], --origins-file FILE, --chain HOST=FILE or --origins-from-dns"
                .into(),
        ));
    }
    Ok((origins, options, defaults))
}

/// `origins`, with `--origins-from-dns`, and those of zone `zone`'s proxied DNS records (one
/// List DNS Records walk); each record that cannot be probed is said on stderr (unless `-q`).
/// A failure (exit 1) when no origin is left to check: a check of nothing passes no gate.
pub(crate) async fn with_dns_origins(
    global: &Global,
    client: &cloudflare_origin_trust_store::Client,
    zone: &str,
    targets: &OriginTargets,
    mut origins: Vec<Origin>,
) -> Result<Vec<Origin>, Failure> {
    if !targets.origins_from_dns {
        return Ok(origins);
    }
    let found = client.origins_from_dns(zone, targets.dns_origin_port).await?;
    if !global.quiet {
        let mut stderr = io::stderr().lock();
        for record in &found.not_probeable {
            let _ = writeln!(
                stderr,
                "note: DNS record {} ({}) is not probed: {}",
                terminal_safe(&record.name),
                terminal_safe(&record.record_type),
                terminal_safe(&record.reason)
            );
        }
    }
    for origin in found.origins {
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.is_empty() {
        return Err(Failure {
            status: ExitStatus::Failure,
            message: Some(format!(
                "zone {zone}'s proxied DNS records give no origin to check ({} not probeable); give origins with --origin or --origins-file",
                found.not_probeable.len()
            )),
        });
    }
    Ok(origins)
}

fn usage_in(what: &str, path: &str, error: &dyn std::fmt::Display) -> Failure {
    Failure::usage(format!("{what} {}: {error}", terminal_safe(path)))
}

/// The change of `--after-upload`, `--after-delete` or `--after-dir`.
fn change_of(args: &CheckOriginsArgs, verbose: bool) -> Result<Change, Failure> {
    let now = Utc::now();
    if let Some(dir) = &args.after_dir {
        // DIR is read as `sync --dir` reads it, so the check is of what the sync would upload.
        let mut roots = Vec::new();
        for desired in super::sync::desired_roots(dir, verbose)? {
            let root = PlannedRoot::from_pem(desired.pem(), now)
                .map_err(|problem| Failure::usage(problem.to_string()))?;
            roots.push(match desired.file {
                Some(file) => root.with_file(file),
                None => root,
            });
        }
        return Ok(Change::Sync { roots, prune: args.prune });
    }
    let mut upload = Vec::new();
    for path in &args.after_upload {
        let text = certificate_text(path)?;
        let root = PlannedRoot::from_pem(&text, now)
            .map_err(|problem| Failure::usage(format!("{}: {problem}", crate::input::shown(path))))?;
        upload.push(root.with_file(path.clone()));
    }
    let delete = args.after_delete.clone();
    Ok(match (upload.is_empty(), delete.is_empty()) {
        (true, true) => Change::None,
        (false, true) => Change::Upload(upload),
        (true, false) => Change::Delete(delete),
        (false, false) => Change::Edit { upload, delete },
    })
}

/// The largest origins file read (1 MiB: some 20,000 origins).
const MAX_ORIGINS_FILE_BYTES: usize = 1 << 20;

/// The origins of a file, one a line; blank lines and `#` comments skipped.
fn origins_file(path: &str) -> Result<Vec<Origin>, Failure> {
    let text = read_text(path, MAX_ORIGINS_FILE_BYTES, "origins file")?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut origins = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if !entry.is_empty() {
            let origin = entry
                .parse()
                .map_err(|e| usage_in("the origins file", &format!("{path}, line {number}"), &e))?;
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// The UTF-8 text of a regular file (or `-`, standard input) of at most `limit` bytes, else a
/// usage failure naming it. A FIFO or a device is refused before it is opened (it could block or
/// never end).
fn read_text(path: &str, limit: usize, what: &str) -> Result<String, Failure> {
    let shown =
        if path == "-" { "standard input".to_owned() } else { format!("the {what} {}", terminal_safe(path)) };
    let failed = |reason: String| Failure::usage(format!("cannot read {shown}: {reason}"));
    let mut bytes = Vec::new();
    let take = limit as u64 + 1;
    if path == "-" {
        io::stdin().lock().take(take).read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
    } else {
        let metadata = std::fs::metadata(path).map_err(|e| failed(e.to_string()))?;
        if !metadata.is_file() {
            return Err(failed(
                "it is not a regular file; give a file, or `-` with the data on standard input".into(),
            ));
        }
        let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
        file.take(take).read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
    }
    if bytes.len() > limit {
        return Err(failed(format!("it is over {} KiB", limit >> 10)));
    }
    String::from_utf8(bytes).map_err(|_| failed("it is not UTF-8 text".into()))
}

/// What is worth saying beside the rows, on stderr: the trust sets and the post-quantum lint.
pub(crate) fn notes(report: &OriginReport) -> io::Result<()> {
    let mut lines = Vec::new();
    let describe = |set: &TrustSet| {
        if set.is_default() {
            format!(
                "the default trust ({} roots: public CAs and Cloudflare's Origin CA, or --default-trust)",
                set.roots().len()
            )
        } else {
            format!("the store's {} usable root(s)", set.roots().len())
        }
    };
    lines.push(format!("now: {}", describe(&report.now)));
    if let Some(after) = &report.after {
        lines.push(format!("after the change: {}", describe(after)));
        if let Some(mix) = (!after.is_default()).then(|| post_quantum_mix(after.roots())).flatten() {
            lines.push(format!("warning: {mix}"));
        }
    }
    for root in report.now.pending() {
        let status = root.status.as_ref().map(ToString::to_string).unwrap_or_default();
        let id = root.id.clone().unwrap_or_default();
        lines.push(format!("root {id} is {status}: not counted now, counted after a change"));
    }
    if report.now.is_default() && !report.now.pending().is_empty() {
        lines.push("once the pending root(s) are active, the default trust no longer applies".into());
    }
    for unusable in report.now.unusable() {
        lines.push(format!("certificate {} cannot anchor a chain here: {}", unusable.id, unusable.reason));
    }
    for check in &report.checks {
        for warning in &check.warnings {
            lines.push(format!("warning: {}: {warning}", check.origin));
        }
    }
    let mut err = io::stderr().lock();
    for line in lines {
        writeln!(err, "{}", terminal_safe(&line))?;
    }
    Ok(())
}

/// An origin's verdicts, as check-origins prints each: the library's [`OriginCheck`], and
/// whether it passed.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct OriginRow {
    #[serde(flatten)]
    pub(crate) check: OriginCheck,
    /// Whether the origin is trusted now, and after the change when one was given.
    pub(crate) passed: bool,
}

impl OriginRow {
    pub(crate) fn of(check: OriginCheck) -> Self {
        Self { passed: check.passed(), check }
    }
}

impl Record for OriginRow {
    const COLUMNS: &'static [Column] = &[
        Column("HOST", 32),
        Column("ADDRESS", 24),
        Column("LEAF_EXPIRES", 12),
        Column("DAYS", 5),
        Column("NOW", 11),
        Column("AFTER", 11),
        Column("ANCHOR", 34),
        Column("REASON", 200),
    ];

    fn cells(&self) -> Vec<String> {
        let check = &self.check;
        let address = match &check.chain {
            Some(cloudflare_origin_trust_store::origin::ChainSource::Handshake { address, .. }) => {
                address.to_string()
            }
            Some(_) => "pem".to_owned(),
            None => check.origin.address().map_or_else(|| "-".to_owned(), ToString::to_string),
        };
        let (expires, days) = match &check.leaf {
            Some(leaf) => (
                leaf.not_after.format("%Y-%m-%d").to_string(),
                (leaf.not_after - Utc::now()).num_days().to_string(),
            ),
            None => ("-".into(), "-".into()),
        };
        let outcome = |verdict: &Verdict| {
            serde_json::to_value(verdict.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        // The verdict that decides: now's when it fails, else the one after the change if any.
        let (deciding, prefix) = match &check.after {
            Some(after) if check.now.is_trusted() => (after, "after: "),
            _ => (&check.now, ""),
        };
        vec![
            check.host.clone(),
            address,
            expires,
            days,
            outcome(&check.now),
            check.after.as_ref().map_or_else(|| "-".to_owned(), outcome),
            deciding.anchor.as_ref().map_or_else(|| "-".to_owned(), anchor_cell),
            format!("{prefix}{}", deciding.detail),
        ]
    }
}

fn anchor_cell(root: &cloudflare_origin_trust_store::origin::TrustRoot) -> String {
    match (root.source, &root.id, &root.file) {
        (AnchorSource::Store, Some(id), _) => id.clone(),
        (AnchorSource::Upload, _, Some(file)) => format!("upload {file}"),
        (AnchorSource::PublicCa, _, _) => "public CA".into(),
        (AnchorSource::OriginCa, _, _) => "Origin CA".into(),
        (AnchorSource::Bundle, _, _) => "default trust bundle".into(),
        _ => root.subject.clone(),
    }
}
