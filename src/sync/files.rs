//! Desired roots read from files: one file ([`DesiredRoot::from_file`]) or every `*.pem` and
//! `*.crt` file of a directory ([`DesiredRoot::from_dir`]), with the rules the CLI's `sync` keeps.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::DesiredRoot;
use crate::certificate::{CertificateProblem, MAX_CERTIFICATE_BYTES, pem_text};
use crate::input::read_regular_file;
use crate::text::terminal_safe;

/// The roots of a directory, and the entries passed over (with why), for a caller that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RootDir {
    /// One root a file, in file-name order.
    pub roots: Vec<DesiredRoot>,
    /// The `*.pem` and `*.crt` entries that were not read.
    pub skipped: Vec<SkippedFile>,
}

/// A `*.pem` or `*.crt` entry of a directory that is not read as a root.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedFile {
    /// The entry.
    pub path: PathBuf,
    /// Why: `a hidden file`, `a directory`, `a link to nothing`...
    pub reason: &'static str,
}

/// Why a file or a directory of roots cannot be used. Every message names the path (escaped for
/// a terminal); nothing is sent for any of them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootFileError {
    /// The directory cannot be listed.
    Directory {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The file cannot be read, or is not a regular file (a FIFO or a device is never opened:
    /// one could block, the other never end; see [`read_regular_file`]).
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is read, but what it holds is not one usable root CA.
    Certificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: CertificateProblem,
    },
    /// Two files of the directory hold the same certificate.
    Duplicate {
        /// The file read first.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
}

impl fmt::Display for RootFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directory { path, reason } => {
                write!(f, "cannot read the directory {}: {reason}", shown(path))
            }
            Self::Unreadable { path, reason } => {
                write!(f, "cannot read the certificate file {}: {reason}", shown(path))
            }
            Self::Certificate { path, problem } => {
                write!(f, "the certificate file {}: {}", shown(path), problem.for_file(path))
            }
            Self::Duplicate { first, second } => {
                write!(
                    f,
                    "{} and {} hold the same certificate; keep one",
                    file_name(first),
                    file_name(second)
                )
            }
        }
    }
}

impl std::error::Error for RootFileError {}

impl DesiredRoot {
    /// The root CA in the file at `path`, checked now ([`DesiredRoot::from_pem`]), with the
    /// file's name: a regular file of at most [`MAX_CERTIFICATE_BYTES`], PEM (DER is refused,
    /// saying how to convert it).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, RootFileError> {
        Self::from_file_at(path.as_ref(), Utc::now())
    }

    /// Every `*.pem` and `*.crt` file of the directory `dir` (not its subdirectories; the
    /// extension in any case), in name order, each a root CA checked now. Two files holding the
    /// same certificate are refused.
    ///
    /// Only regular files inside `dir` are read: a hidden file (`.name`), a subdirectory, a FIFO
    /// or device, and a symbolic link to anything but a visible file directly in `dir` are
    /// skipped ([`RootDir::skipped`]); a link to such a file is followed. Names need not be UTF-8.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<RootDir, RootFileError> {
        let dir = dir.as_ref();
        let unreadable =
            |e: std::io::Error| RootFileError::Directory { path: dir.to_owned(), reason: e.to_string() };
        let inside = std::fs::canonicalize(dir).map_err(unreadable)?;
        let (mut files, mut skipped) = (Vec::new(), Vec::new());
        for entry in std::fs::read_dir(dir).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("pem") || e.eq_ignore_ascii_case("crt"));
            if !wanted {
                continue;
            }
            match skipped_because(&path, &inside) {
                Some(reason) => skipped.push(SkippedFile { path, reason }),
                None => files.push(path),
            }
        }
        files.sort();
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let now = Utc::now();
        let mut roots: Vec<(PathBuf, DesiredRoot)> = Vec::new();
        for path in files {
            let root = Self::from_file_at(&path, now)?;
            let fingerprint = &root.details.sha256_fingerprint;
            if let Some((first, _)) = roots.iter().find(|(_, r)| &r.details.sha256_fingerprint == fingerprint)
            {
                return Err(RootFileError::Duplicate { first: first.clone(), second: path });
            }
            roots.push((path, root));
        }
        Ok(RootDir { roots: roots.into_iter().map(|(_, root)| root).collect(), skipped })
    }

    fn from_file_at(path: &Path, now: DateTime<Utc>) -> Result<Self, RootFileError> {
        let unreadable =
            |e: std::io::Error| RootFileError::Unreadable { path: path.to_owned(), reason: e.to_string() };
        let bytes = read_regular_file(path, MAX_CERTIFICATE_BYTES as u64).map_err(unreadable)?;
        let certificate = |problem| RootFileError::Certificate { path: path.to_owned(), problem };
        let text = pem_text(&bytes).map_err(certificate)?;
        let root = Self::from_pem(text, now).map_err(certificate)?;
        Ok(root.with_file(path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default()))
    }
}

/// Why `path`, an entry of the directory whose canonical path is `inside`, is not read as a
/// root; `None` when it is a regular file inside it (through a link or not).
fn skipped_because(path: &Path, inside: &Path) -> Option<&'static str> {
    let hidden = |path: &Path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
    if hidden(path) {
        return Some("a hidden file");
    }
    let linked = std::fs::symlink_metadata(path).ok()?.file_type().is_symlink();
    let Ok(target) = std::fs::canonicalize(path) else {
        return Some("a link to nothing");
    };
    if linked && target.parent() != Some(inside) {
        return Some("a link to a file outside the directory (or in a subdirectory of it)");
    }
    if linked && hidden(&target) {
        return Some("a link to a hidden file");
    }
    match std::fs::metadata(&target) {
        Ok(metadata) if metadata.is_file() => None,
        Ok(metadata) if metadata.is_dir() => Some("a directory"),
        Ok(_) => Some("not a regular file (a FIFO, a device or a socket)"),
        Err(_) => Some("it cannot be read"),
    }
}

fn shown(path: &Path) -> String {
    terminal_safe(&path.to_string_lossy()).into_owned()
}

fn file_name(path: &Path) -> String {
    shown(path.file_name().map(Path::new).unwrap_or(path))
}
