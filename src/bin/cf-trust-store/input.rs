//! Reading an input file (a certificate, a list of zones): a regular file or standard input, never
//! more than a limit, never a FIFO or a device that could block or never end.

use std::io::{self, Read};
use std::path::Path;

use cloudflare_origin_trust_store::{
    MAX_CERTIFICATE_BYTES, ZoneRef, pem_text, read_regular_file, terminal_safe,
};

use crate::Failure;

/// The PEM text of `path` (`-` for standard input), or a usage failure (exit 2) naming the file and
/// what is wrong with it.
pub(crate) fn certificate_text(path: &str) -> Result<String, Failure> {
    let bytes = read_bounded(Path::new(path), MAX_CERTIFICATE_BYTES as u64)
        .map_err(|reason| Failure::usage(format!("cannot read {}: {reason}", shown(path))))?;
    pem_text(&bytes)
        .map(str::to_owned)
        .map_err(|problem| Failure::usage(format!("{}: {}", shown(path), problem.for_file(Path::new(path)))))
}

/// The largest zones file read (8 MiB: some 200,000 zone names).
const MAX_ZONES_FILE_BYTES: u64 = 8 << 20;

/// The zones of a zones file (`-` for standard input): one id or name a line, blank lines and
/// `#` comments skipped, each checked; a usage failure names the file and line of a bad one.
pub(crate) fn zones_file(path: &str) -> Result<Vec<ZoneRef>, Failure> {
    let name = || zones_file_name(path);
    let bytes = read_bounded(Path::new(path), MAX_ZONES_FILE_BYTES)
        .map_err(|reason| Failure::usage(format!("cannot read {}: {reason}", name())))?;
    if bytes.len() as u64 > MAX_ZONES_FILE_BYTES {
        return Err(Failure::usage(format!("{} is over {} MiB", name(), MAX_ZONES_FILE_BYTES >> 20)));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Failure::usage(format!("{} is not UTF-8 text ({e})", name())))?;
    // A byte order mark, as Windows editors write one, is not part of the first zone.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut zones = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let zone = ZoneRef::parse(entry);
        zone.check().map_err(|e| Failure::usage(format!("{}, line {number}: {e}", name())))?;
        zones.push(zone);
    }
    Ok(zones)
}

/// A zones file's name as a message shows it.
pub(crate) fn zones_file_name(path: &str) -> String {
    if path == "-" { "standard input".to_owned() } else { format!("the zones file {}", terminal_safe(path)) }
}

/// The file's name as a message shows it.
pub(crate) fn shown(path: &str) -> String {
    if path == "-" {
        "standard input".to_owned()
    } else {
        format!("the certificate file {}", terminal_safe(path))
    }
}

/// At most `limit` + 1 bytes (so that a larger input is seen as such) of a regular file
/// ([`read_regular_file`]: never a FIFO or a device), or of standard input.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin().lock().take(limit + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        return Ok(bytes);
    }
    read_regular_file(path, limit).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidInput => format!("{e}; give a file, or `-` with the data on standard input"),
        _ => e.to_string(),
    })
}
