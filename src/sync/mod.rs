//! A trust store as code: the roots a zone should trust ([`DesiredRoot`]), the [`Plan`] that makes
//! its store match them (certificates matched by the SHA-256 fingerprint of their DER), and
//! applying it: uploads first, optionally waiting until they are active, then deletes.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::certificate::{CertificateDetails, CertificateProblem, checked_root_ca};
use crate::error::Error;
use crate::lifecycle::Polling;

mod files;

pub use files::{RootDir, RootFileError, SkippedFile};

/// A root CA a trust store should hold, checked locally ([`check_root_ca`](crate::check_root_ca))
/// when it is made, so that nothing is sent for a wrong file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DesiredRoot {
    /// What the certificate says (subject, fingerprint, validity...).
    pub details: CertificateDetails,
    /// Where it came from, when it came from a file.
    pub file: Option<String>,
    /// The clean PEM block, as it is uploaded.
    pub(crate) pem: String,
}

impl DesiredRoot {
    /// The root CA in `pem`, checked at `now`.
    pub fn from_pem(pem: &str, now: DateTime<Utc>) -> std::result::Result<Self, CertificateProblem> {
        let (details, pem) = checked_root_ca(pem, now)?;
        Ok(Self { details, file: None, pem })
    }

    /// The clean PEM block, as it is uploaded.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// [`DesiredRoot::from_pem`], checked now.
    pub fn from_pem_now(pem: &str) -> std::result::Result<Self, CertificateProblem> {
        Self::from_pem(pem, Utc::now())
    }

    /// The same, saying which file it came from.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

/// What [`Client::plan`](crate::Client::plan) does with a root the store holds that is not desired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Undesired {
    /// Keep it: the plan only uploads (the default).
    #[default]
    Keep,
    /// Delete it (a prune): the store ends holding exactly the desired roots.
    Delete,
}

/// What [`Client::apply`](crate::Client::apply) does between its uploads and its deletes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BeforeDeletes {
    /// Delete at once, while the new roots may still be `pending_deployment` (the default).
    #[default]
    DontWait,
    /// Wait until every uploaded root is `active`, polling so; one that never is fails its step,
    /// and then nothing is deleted.
    WaitUntilActive(Polling),
}

/// What a step of a plan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Upload a desired root the store lacks.
    Upload,
    /// Delete a root the store holds that is not desired (only when pruning).
    Delete,
    /// A desired root the store already holds.
    Unchanged,
}

/// One certificate in a plan: what is done with it, and (after [`Client::apply`](crate::Client::apply)) how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Step {
    /// `upload`, `delete` or `unchanged`.
    pub action: Action,
    /// The SHA-256 fingerprint of the certificate's DER, hex pairs separated by `:`.
    pub fingerprint: String,
    /// The certificate's subject.
    pub subject: String,
    /// When the certificate expires.
    pub expires_on: DateTime<Utc>,
    /// Its id in the store, when known (always for `delete` and `unchanged`; for `upload`, once
    /// uploaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The file it came from, for a desired root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// After applying, how it went; in JSON, its text: `done`, `skipped: <why>`, or the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub result: Option<Outcome>,
    #[serde(skip)]
    #[cfg_attr(feature = "schemars", schemars(skip))]
    pub(crate) pem: Option<String>,
}

impl Step {
    /// Whether applying this step failed (or it was skipped because another did).
    pub fn failed(&self) -> bool {
        self.result.as_ref().is_some_and(|result| *result != Outcome::Done)
    }
}

impl Step {
    /// The text of how it went (`done`, `skipped: <why>`, the error), once applied.
    pub fn result_text(&self) -> Option<String> {
        self.result.as_ref().map(ToString::to_string)
    }
}

/// How applying a step went. A failure keeps its [`Error`], so a caller can match its
/// [`kind`](Error::kind), read its [`ray_id`](Error::ray_id) or ask [`is_retryable`](Error::is_retryable).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Applied.
    Done,
    /// Not attempted, for this reason (an upload of the same plan failed, say).
    Skipped {
        /// Why.
        reason: String,
    },
    /// Attempted, and failed.
    Failed(Arc<Error>),
    /// Uploaded, but not active when waited for: nothing after it is deleted.
    NotActive(Arc<Error>),
}

impl Outcome {
    /// The error of a failed step.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Self::Failed(error) | Self::NotActive(error) => Some(error),
            Self::Done | Self::Skipped { .. } => None,
        }
    }

    pub(crate) fn failed(error: Error) -> Self {
        Self::Failed(Arc::new(error))
    }
}

impl fmt::Display for Outcome {
    /// The text the CLI prints: `done`, `skipped: <why>`, the error, `uploaded, but <the error>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Done => f.write_str("done"),
            Self::Skipped { reason } => write!(f, "skipped: {reason}"),
            Self::Failed(error) => write!(f, "{error}"),
            Self::NotActive(error) => write!(f, "uploaded, but {error}"),
        }
    }
}

/// Two outcomes are the same when they say the same (errors are compared by their text).
impl PartialEq for Outcome {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Outcome {}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What it takes to make a zone's trust store hold exactly the desired roots.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// The zone.
    pub zone_id: String,
    /// Uploads, then deletes, then unchanged ones.
    pub steps: Vec<Step>,
}

impl Plan {
    /// How many steps change the store (uploads and deletes).
    pub fn changes(&self) -> usize {
        self.steps.iter().filter(|step| step.action != Action::Unchanged).count()
    }

    /// How many steps failed or were skipped when the plan was applied.
    pub fn failures(&self) -> usize {
        self.steps.iter().filter(|step| step.failed()).count()
    }
}
