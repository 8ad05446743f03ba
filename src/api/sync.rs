//! `impl Client` for a trust store as code: plans and applying them.

use crate::api::client::Client;
use crate::certificate::CertificateDetails;
use crate::error::{ErrorKind, Result};
use crate::id::checked_zone_id;
use crate::id::{canonical_zone_id, same_id};
use crate::model::{CertificateStatus, CustomTrustStore};
use crate::sync::Outcome;
use crate::sync::{Action, BeforeDeletes, DesiredRoot, Plan, Step, Undesired};

impl Client {
    /// The plan that makes zone `zone_id`'s trust store hold `desired`: lists the store and
    /// matches certificates by the SHA-256 fingerprint of their DER (from the PEM each listed
    /// certificate carries). Desired roots the store lacks are uploaded; roots it holds that are
    /// not desired are deleted only with [`Undesired::Delete`]; certificates already `pending_deletion` or
    /// `deleted` are ignored. Sends only the list requests.
    ///
    /// A listed certificate whose PEM does not parse cannot be matched, so the plan is refused
    /// ([`ErrorKind::Unmatchable`](crate::ErrorKind::Unmatchable)) rather than risk deleting or doubling a root.
    pub async fn plan(&self, zone_id: &str, desired: &[DesiredRoot], undesired: Undesired) -> Result<Plan> {
        let prune = undesired == Undesired::Delete;
        let zone_id = canonical_zone_id(zone_id);
        let listed = self.collect_all(&zone_id).await?;
        let mut steps = Vec::new();
        let mut held: Vec<(String, CertificateDetails)> = Vec::new();
        for certificate in listed {
            if matches!(certificate.status, CertificateStatus::PendingDeletion | CertificateStatus::Deleted) {
                continue;
            }
            let details = certificate
                .details()
                .map_err(|problem| ErrorKind::Unmatchable { id: certificate.id.clone(), problem })?;
            // Ids are compared as Cloudflare does, whatever their case: the same root listed
            // twice is held once; two roots under one id make a prune unsafe.
            match held.iter().find(|(id, _)| same_id(id, &certificate.id)) {
                Some((_, twin)) if twin.sha256_fingerprint == details.sha256_fingerprint => continue,
                Some((first, _)) if prune => {
                    return Err(
                        ErrorKind::AmbiguousId { first: first.clone(), second: certificate.id }.into()
                    );
                }
                _ => held.push((certificate.id, details)),
            }
        }
        for root in desired {
            let found = held
                .iter()
                .find(|(_, details)| details.sha256_fingerprint == root.details.sha256_fingerprint);
            let action = if found.is_some() { Action::Unchanged } else { Action::Upload };
            steps.push(step(
                action,
                &root.details,
                found.map(|(id, _)| id.clone()),
                root.file.clone(),
                Some(root.pem.clone()),
            ));
        }
        if prune {
            for (id, details) in &held {
                if !desired.iter().any(|root| root.details.sha256_fingerprint == details.sha256_fingerprint) {
                    // A delete that could not be sent would fail only after the uploads: refused
                    // now, before anything is written.
                    if let Err(error) = crate::id::checked_certificate_id(id) {
                        let detail =
                            format!("names certificate {}, which cannot be deleted: {error}", shown_id(id));
                        return Err(ErrorKind::UntrustedAnswer { operation: "list", detail }.into());
                    }
                    steps.push(step(Action::Delete, details, Some(id.clone()), None, None));
                }
            }
        }
        steps.sort_by_key(|step| match step.action {
            Action::Upload => 0,
            Action::Delete => 1,
            Action::Unchanged => 2,
        });
        Ok(Plan { zone_id, steps })
    }

    /// Applies `plan`: every upload, then (with [`BeforeDeletes::WaitUntilActive`]) waits until
    /// each uploaded root is `active`, then every delete. Each step gets its result; a failure does not stop the other
    /// uploads, but it skips every delete (a root is never taken away while its replacement is
    /// not in place), and nothing already applied is undone. Returns the plan with its results:
    /// see [`Plan::failures`].
    ///
    /// An upload's answer must describe the root uploaded: one whose id is that of a root this
    /// plan deletes or keeps, or the id another upload of the same apply returned (in any case),
    /// or whose certificate is another one, fails the upload's step (and so skips every delete):
    /// no root is deleted on the word of an answer that may name it by mistake.
    pub async fn apply(&self, mut plan: Plan, before_deletes: BeforeDeletes) -> Plan {
        let zone = plan.zone_id.clone();
        // Ids this apply must never delete: the roots it keeps, then those its uploads return.
        let mut kept: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| step.action == Action::Unchanged)
            .filter_map(|step| step.id.clone())
            .collect();
        let deleted: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| step.action == Action::Delete)
            .filter_map(|step| step.id.clone())
            .collect();
        for step in plan.steps.iter_mut().filter(|step| step.action == Action::Upload) {
            // The PEM was checked when the root was desired: sent as it is, not checked again.
            let pem = step.pem.take().unwrap_or_default();
            let uploaded = match checked_zone_id(&zone) {
                Ok(checked) => self.send_upload(checked, pem).await,
                Err(error) => Err(error),
            };
            step.result =
                Some(match uploaded.and_then(|uploaded| checked_answer(uploaded, &kept, &deleted)) {
                    Ok(uploaded) => {
                        kept.push(uploaded.id.clone());
                        step.id = Some(uploaded.id);
                        Outcome::Done
                    }
                    Err(error) => Outcome::failed(error),
                });
        }
        if let BeforeDeletes::WaitUntilActive(polling) = before_deletes {
            for step in plan.steps.iter_mut().filter(|step| step.action == Action::Upload && !step.failed()) {
                let id = step.id.clone().unwrap_or_default();
                if let Err(error) = self.wait_until_active_with(&zone, &id, polling).await {
                    step.result = Some(Outcome::NotActive(std::sync::Arc::new(error)));
                }
            }
        }
        let failed = plan.failures();
        for step in plan.steps.iter_mut().filter(|step| step.action == Action::Delete) {
            let id = step.id.clone().unwrap_or_default();
            let skipped = if failed > 0 {
                Some(format!("{failed} upload(s) did not complete"))
            } else {
                kept.iter()
                    .any(|keep| same_id(keep, &id))
                    .then(|| format!("{id} is also the id of a root this plan keeps"))
            };
            step.result = Some(match skipped {
                Some(reason) => Outcome::Skipped { reason },
                None => match self.delete(&zone, &id).await {
                    Ok(_) => Outcome::Done,
                    Err(error) => Outcome::failed(error),
                },
            });
        }
        plan
    }
}

/// `uploaded`, unless its id is that of a root the plan keeps or deletes (or that another upload
/// returned): [`ErrorKind::UntrustedAnswer`](crate::ErrorKind::UntrustedAnswer). (An answer describing another certificate is refused
/// by every upload: see `send_upload`.)
fn checked_answer(
    uploaded: CustomTrustStore,
    kept: &[String],
    deleted: &[String],
) -> Result<CustomTrustStore> {
    let what = if deleted.iter().any(|other| same_id(other, &uploaded.id)) {
        "deletes"
    } else if kept.iter().any(|other| same_id(other, &uploaded.id)) {
        "keeps"
    } else {
        return Ok(uploaded);
    };
    let detail = format!("names certificate {}, a root this plan {what}", shown_id(&uploaded.id));
    Err(ErrorKind::UntrustedAnswer { operation: "upload", detail }.into())
}

fn step(
    action: Action,
    details: &CertificateDetails,
    id: Option<String>,
    file: Option<String>,
    pem: Option<String>,
) -> Step {
    Step {
        action,
        fingerprint: details.sha256_fingerprint.clone(),
        subject: details.subject.clone(),
        expires_on: details.not_after,
        id,
        file,
        result: None,
        pem,
    }
}

/// An id from a server as a message shows it: quoted, escaped, at most 64 characters.
fn shown_id(id: &str) -> String {
    format!("{:?}", crate::text::one_line(id, 64))
}
