//! Reading a certificate file: a regular file or standard input, never more than
//! [`MAX_CERTIFICATE_BYTES`], never a FIFO or a device that could block or never end.

use std::io::{self, Read};
use std::path::Path;

use cloudflare_origin_trust_store::{MAX_CERTIFICATE_BYTES, pem_text};

use crate::Failure;

/// The PEM text of `path` (`-` for standard input), or a usage failure (exit 2) naming the file and
/// what is wrong with it.
pub(crate) fn certificate_text(path: &str) -> Result<String, Failure> {
    let bytes = read_bounded(path)
        .map_err(|reason| Failure::usage(format!("cannot read {}: {reason}", shown(path))))?;
    pem_text(&bytes)
        .map(str::to_owned)
        .map_err(|problem| Failure::usage(format!("{}: {problem}", shown(path))))
}

/// The file's name as a message shows it.
pub(crate) fn shown(path: &str) -> String {
    if path == "-" {
        "standard input".to_owned()
    } else {
        format!("the certificate file {}", cloudflare_origin_trust_store::terminal_safe(path))
    }
}

/// At most [`MAX_CERTIFICATE_BYTES`] + 1 bytes (so that a larger input is seen as such) of a
/// regular file, or of standard input.
fn read_bounded(path: &str) -> Result<Vec<u8>, String> {
    let limit = MAX_CERTIFICATE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if path == "-" {
        io::stdin().lock().take(limit).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        return Ok(bytes);
    }
    // Checked before opening: opening a FIFO blocks until a writer comes, and a device such as
    // /dev/zero never ends.
    let kind = std::fs::metadata(Path::new(path)).map_err(|e| e.to_string())?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if is_fifo(&kind) {
            "a FIFO (named pipe)"
        } else {
            "not a regular file (a device or a socket?)"
        };
        return Err(format!("it is {what}; give a file, or `-` with the data on standard input"));
    }
    std::fs::File::open(path)
        .and_then(|file| file.take(limit).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(unix)]
fn is_fifo(kind: &std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(kind)
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::FileType) -> bool {
    false
}
