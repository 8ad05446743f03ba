//! Reading a file a user names, safely: only a regular file, and never more than a limit.

use std::io::{self, Read};
use std::path::Path;

/// At most `limit` + 1 bytes (so that a larger file is seen as such) of the regular file `path`.
/// What is not a regular file is refused before it is opened, with an
/// [`io::ErrorKind::InvalidInput`] error saying what it is (`it is a FIFO (named pipe)`): opening a
/// FIFO blocks until a writer comes, and a device such as `/dev/zero` never ends.
///
/// ```
/// use cloudflare_origin_trust_store::read_regular_file;
///
/// let refused = read_regular_file("/dev/zero".as_ref(), 1024).unwrap_err();
/// assert_eq!(refused.to_string(), "it is not a regular file (a device or a socket?)");
/// ```
pub fn read_regular_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if is_fifo(&kind) {
            "a FIFO (named pipe)"
        } else {
            "not a regular file (a device or a socket?)"
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
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
