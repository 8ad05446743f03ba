//! Trust store as code: `sync` (a directory of roots to one or more zones) and `rotate`.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use chrono::Utc;
use cloudflare_origin_trust_store::origin::{Change, PlannedRoot};
use cloudflare_origin_trust_store::{
    Action, BeforeDeletes, DesiredRoot, ErrorKind, Plan, Polling, Step, Undesired, terminal_safe,
};
use futures_util::StreamExt;
use serde::Serialize;

use super::guard::before_write;
use super::{ask, client, given_zones, one_zone, zone_id};
use crate::args::{Global, RotateArgs, SyncArgs};
use crate::input::certificate_text;
use crate::output::{Column, Line, Printer, Record, fit};
use crate::{ExitStatus, Failure};

/// Makes each zone's trust store hold exactly the roots of `--dir`: plans every zone (reads
/// only), asks before a plan that deletes roots (off a terminal, `--yes` is required: exit 2,
/// nothing changed), then applies each plan unless `--dry-run` and prints it. A plan that uploads
/// and deletes waits until its uploads are active before deleting, unless `--no-wait`. Exit 0 in
/// sync or applied; 4 with `--dry-run` when changes are pending; 2 for invalid input (nothing
/// sent); 1 when applying (or planning a zone) failed, or the prune was declined.
pub(crate) async fn sync(global: &Global, args: SyncArgs) -> Result<ExitStatus, Failure> {
    let zones = given_zones(global)?;
    if zones.is_empty() {
        return Err(Failure::usage(
            "sync needs a zone: give --zone-id ID or --zone NAME (both repeatable), or set CLOUDFLARE_ZONE_ID"
                .into(),
        ));
    }
    for zone in &zones {
        zone.check()?;
    }
    let desired = desired_roots(&args.dir, global.verbose > 0)?;
    if desired.is_empty() && args.prune && !args.allow_empty {
        return Err(Failure::usage(format!(
            "{} holds no *.pem or *.crt file, and --prune would delete every root of the zone; add --allow-empty if that is what you want",
            terminal_safe(&args.dir.display().to_string())
        )));
    }
    let client = client(global)?;
    // Every name resolved before anything changes: a name that does not resolve stops the sync.
    let mut zone_ids = Vec::with_capacity(zones.len());
    for zone in zones {
        let id = zone_id(&client, zone).await?;
        // One zone, however its id is spelt, is planned and applied once.
        if !zone_ids.iter().any(|known: &String| known.eq_ignore_ascii_case(&id)) {
            zone_ids.push(id);
        }
    }
    let planned = plan_all(&client, &args, &desired, zone_ids).await;
    if !args.dry_run {
        for (zone, plan) in &planned {
            if let Ok(plan) = plan {
                guard(global, &client, &args, &desired, zone, plan).await?;
            }
        }
    }
    if !args.dry_run && !args.yes {
        confirm_deletes(&planned)?;
    }
    apply_all(global, &client, &args, planned).await
}

/// A zone and its plan (or why it could not be planned).
type Planned = (String, Result<Plan, cloudflare_origin_trust_store::Error>);

/// Every zone planned (reads only) before any is changed, so that what the plans delete is shown
/// (and confirmed) first.
async fn plan_all(
    client: &cloudflare_origin_trust_store::Client,
    args: &SyncArgs,
    desired: &[DesiredRoot],
    zone_ids: Vec<String>,
) -> Vec<Planned> {
    futures_util::stream::iter(zone_ids)
        .map(|zone| async move {
            let undesired = if args.prune { Undesired::Delete } else { Undesired::Keep };
            let plan = client.plan(&zone, desired, undesired).await;
            (zone, plan)
        })
        .buffered(usize::from(args.concurrency))
        .collect()
        .await
}

/// Applies each plan that changes something (unless `--dry-run`), printing each as it is done;
/// the exit status says how it went.
async fn apply_all(
    global: &Global,
    client: &cloudflare_origin_trust_store::Client,
    args: &SyncArgs,
    planned: Vec<Planned>,
) -> Result<ExitStatus, Failure> {
    let mut outcomes = futures_util::stream::iter(planned)
        .map(|(zone, plan)| async move {
            match plan {
                Ok(plan) if !args.dry_run && plan.changes() > 0 => {
                    let before_deletes = before_deletes(args, &plan);
                    (zone, Ok(client.apply(plan, before_deletes).await))
                }
                other => (zone, other),
            }
        })
        .buffered(usize::from(args.concurrency));
    let mut printer = Printer::new(global.output);
    let (mut pending, mut failed) = (0, false);
    while let Some((zone, outcome)) = outcomes.next().await {
        match outcome {
            Ok(plan) => {
                pending += plan.changes();
                failed |= plan.failures() > 0;
                printer.add([Line(heading(&plan, args.dry_run))])?;
                printer.add(plan.steps.into_iter().map(|step| PlanRow { zone_id: zone.clone(), step }))?;
            }
            Err(error) => {
                failed = true;
                let ray = error.ray_id().map(|ray| format!(" [cf-ray {ray}]")).unwrap_or_default();
                let _ = writeln!(
                    io::stderr(),
                    "error: zone {}: {}{ray}",
                    terminal_safe(&zone),
                    terminal_safe(&error.to_string())
                );
            }
        }
    }
    printer.finish::<PlanRow>()?;
    Ok(match (failed, args.dry_run && pending > 0) {
        (true, _) => ExitStatus::Failure,
        (false, true) => ExitStatus::ChangesPending,
        (false, false) => ExitStatus::Success,
    })
}

/// The guards of one zone's plan ([`before_write`]): run when origins are given, or when the plan
/// switches the zone between its roots and the default trust (a first upload, a last delete).
async fn guard(
    global: &Global,
    client: &cloudflare_origin_trust_store::Client,
    args: &SyncArgs,
    desired: &[DesiredRoot],
    zone: &str,
    plan: &Plan,
) -> Result<(), Failure> {
    let count = |action| plan.steps.iter().filter(|step| step.action == action).count();
    let (held, kept) =
        (count(Action::Unchanged) + count(Action::Delete), count(Action::Unchanged) + count(Action::Upload));
    let switches = (held == 0) != (kept == 0);
    if plan.changes() == 0 || !(switches || args.guard.targets.any()) {
        return Ok(());
    }
    let now = Utc::now();
    let mut upload = Vec::new();
    for step in plan.steps.iter().filter(|step| step.action == Action::Upload) {
        let Some(root) = desired.iter().find(|root| root.details.sha256_fingerprint == step.fingerprint)
        else {
            continue;
        };
        upload.push(
            PlannedRoot::from_pem(root.pem(), now).map_err(|problem| Failure::usage(problem.to_string()))?,
        );
    }
    let delete = plan
        .steps
        .iter()
        .filter(|step| step.action == Action::Delete)
        .filter_map(|step| step.id.clone())
        .collect();
    let store = client.collect_all(zone).await?;
    before_write(global, client, &args.guard, args.yes, zone, &store, &Change::Edit { upload, delete }).await
}

/// How a plan's uploads are waited for: with `--wait`, or when the plan also deletes (a root is
/// not taken away while its replacement is still pending), unless `--no-wait`.
fn before_deletes(args: &SyncArgs, plan: &Plan) -> BeforeDeletes {
    let has = |action| plan.steps.iter().any(|step| step.action == action);
    let wait = args.wait || (has(Action::Upload) && has(Action::Delete));
    match wait && !args.no_wait {
        true => BeforeDeletes::WaitUntilActive(Polling::new(args.wait_args.wait_timeout)),
        false => BeforeDeletes::DontWait,
    }
}

/// Shows the roots the plans delete and asks on the terminal; off a terminal, a plan that
/// deletes needs `--yes` (a usage failure, exit 2: nothing was changed, only listed).
fn confirm_deletes(planned: &[Planned]) -> Result<(), Failure> {
    let deletes: Vec<String> = planned
        .iter()
        .filter_map(|(zone, plan)| Some((zone, plan.as_ref().ok()?)))
        .flat_map(|(zone, plan)| {
            plan.steps.iter().filter(|step| step.action == Action::Delete).map(move |step| {
                format!(
                    "  - zone {zone}: {}  {}  expires {}",
                    terminal_safe(step.id.as_deref().unwrap_or_default()),
                    terminal_safe(&step.subject),
                    step.expires_on.format("%Y-%m-%d")
                )
            })
        })
        .collect();
    if deletes.is_empty() {
        return Ok(());
    }
    let what = format!(
        "the plan deletes {} root(s); origins whose certificates chain to them will no longer be trusted:\n{}",
        deletes.len(),
        deletes.join("\n")
    );
    if !io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "{what}\nstandard input is not a terminal to confirm it: add --yes to apply the plan (nothing was changed; the trust stores were only listed)"
        )));
    }
    if ask(&format!("{what}\nApply the plan? [y/N] ")) {
        Ok(())
    } else {
        Err(Failure {
            status: ExitStatus::Failure,
            message: Some("plan not applied: nothing was changed".into()),
        })
    }
}

fn heading(plan: &Plan, dry_run: bool) -> String {
    let count = |action| plan.steps.iter().filter(|step| step.action == action).count();
    use Action::{Delete, Unchanged, Upload};
    let state = match (plan.changes(), dry_run, plan.failures()) {
        (0, _, _) => "in sync".to_owned(),
        (_, true, _) => "changes pending (dry run)".to_owned(),
        (_, false, 0) => "applied".to_owned(),
        (_, false, failures) => format!("{failures} step(s) failed or skipped"),
    };
    format!(
        "zone {}: {} to upload, {} to delete, {} unchanged: {state}",
        plan.zone_id,
        count(Upload),
        count(Delete),
        count(Unchanged)
    )
}

/// The roots of `dir`, read by [`DesiredRoot::from_dir`]; with `-v`, each entry passed over is
/// said on stderr. Any problem is a usage failure naming the file: nothing is sent.
pub(crate) fn desired_roots(dir: &Path, verbose: bool) -> Result<Vec<DesiredRoot>, Failure> {
    let read = DesiredRoot::from_dir(dir).map_err(|e| Failure::usage(e.to_string()))?;
    if verbose {
        for skipped in &read.skipped {
            let shown = terminal_safe(&skipped.path.to_string_lossy()).into_owned();
            let _ = writeln!(io::stderr(), "skipped {shown}: {}", skipped.reason);
        }
    }
    Ok(read.roots)
}

/// Replaces a root: uploads the new one, waits until it is active, deletes the old one. If the
/// new one never becomes active, the old one stays, and the exit is 1.
pub(crate) async fn rotate(global: &Global, args: RotateArgs) -> Result<ExitStatus, Failure> {
    let zone = one_zone(global, "rotate")?;
    if args.new == args.old {
        return Err(Failure::usage(format!(
            "--new {} is the --old id; give the PEM file of the root that replaces it",
            terminal_safe(&args.new)
        )));
    }
    let pem = certificate_text(&args.new)?;
    let new = PlannedRoot::from_pem(&pem, Utc::now())
        .map_err(|problem| Failure::usage(format!("{}: {problem}", crate::input::shown(&args.new))))?;
    let client = client(global)?;
    let zone = zone_id(&client, zone).await?;
    if args.guard.targets.any() {
        // An old id the store does not list is left for the rotation to answer (404).
        let store = client.collect_all(&zone).await?;
        if let Some(old) = store.iter().find(|c| c.id.eq_ignore_ascii_case(&args.old)) {
            let change = Change::Rotate { old: old.id.clone(), new };
            before_write(global, &client, &args.guard, false, &zone, &store, &change).await?;
        }
    }
    match client.rotate(&zone, &args.old, &pem, Polling::new(args.wait_args.wait_timeout)).await {
        Ok(rotation) => {
            if !global.quiet {
                let _ = writeln!(
                    io::stderr(),
                    "{} is active; deleted {}",
                    terminal_safe(&rotation.new.id),
                    terminal_safe(&rotation.old_id)
                );
            }
            Printer::new(global.output).one(rotation.new)?;
            Ok(ExitStatus::Success)
        }
        Err(error) => {
            // The old root stays: say so, unless the error says it already.
            let said = matches!(error.kind(), ErrorKind::SameRoot { .. });
            let mut failure = Failure::from(error);
            if failure.status == ExitStatus::Failure && !said {
                let message = failure.message.take().unwrap_or_default();
                failure.message = Some(format!("{message}; {} was not deleted", terminal_safe(&args.old)));
            }
            Err(failure)
        }
    }
}

/// A step of a sync's plan, for one zone: `+` upload, `-` delete, `=` unchanged, in a table.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct PlanRow {
    /// The zone.
    pub(crate) zone_id: String,
    #[serde(flatten)]
    pub(crate) step: Step,
}

impl Record for PlanRow {
    const COLUMNS: &'static [Column] = &[];

    fn cells(&self) -> Vec<String> {
        Vec::new()
    }

    fn sentence(&self) -> Option<String> {
        let step = &self.step;
        let sign = match step.action {
            Action::Upload => '+',
            Action::Delete => '-',
            _ => '=',
        };
        // On a terminal, the fingerprint's first 8 bytes (enough to tell roots apart; a row stays
        // within 150 columns for a 64-character subject); piped, all 32, for scripts.
        let fingerprint = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            fit(&step.fingerprint, 24)
        } else {
            step.fingerprint.clone()
        };
        let mut line = format!(
            "{sign} {}  {fingerprint}  expires {}",
            fit(&terminal_safe(&step.subject), 64),
            step.expires_on.format("%Y-%m-%d")
        );
        let result = step.result_text();
        for extra in [&step.file, &step.id, &result].into_iter().flatten() {
            line.push_str(&format!("  {}", fit(&terminal_safe(extra), 200)));
        }
        Some(line)
    }
}
