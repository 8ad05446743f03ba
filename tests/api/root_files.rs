//! `DesiredRoot::from_file` and `from_dir`: the rules `sync --dir` reads a directory with, as a
//! library call, each refusal naming its file.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use cloudflare_origin_trust_store::{CertificateProblem, DesiredRoot, RootFileError};

use crate::common::certs;

fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("root-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn root(name: &str) -> String {
    certs::self_signed(&certs::params(name, true, 2020, 2060)).0.pem()
}

#[test]
fn from_file_reads_one_root_with_its_name_and_names_the_file_of_every_refusal() {
    let dir = scratch("file");
    std::fs::write(dir.join("good.pem"), root("File Root")).unwrap();
    let good = DesiredRoot::from_file(dir.join("good.pem")).unwrap();
    assert_eq!(good.file.as_deref(), Some("good.pem"));
    assert_eq!(good.details.subject, "CN=File Root");

    let der =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/roots/rsa2048.der")).unwrap();
    std::fs::write(dir.join("root.der"), &der).unwrap();
    let refused = DesiredRoot::from_file(dir.join("root.der")).unwrap_err();
    assert!(matches!(
        refused,
        RootFileError::Certificate { problem: CertificateProblem::Der { certificate: true }, .. }
    ));
    let path = dir.join("root.der").display().to_string();
    assert!(
        refused.to_string().ends_with(&format!("-in {path} -out {}", path.replace(".der", ".pem"))),
        "{refused}"
    );

    let (leaf, _) = certs::self_signed(&certs::params("leaf.example.test", false, 2020, 2060));
    std::fs::write(dir.join("leaf.crt"), leaf.pem()).unwrap();
    let refused = DesiredRoot::from_file(dir.join("leaf.crt")).unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "the certificate file {}: certificate is not a CA: CN=leaf.example.test lacks basicConstraints CA=true",
            dir.join("leaf.crt").display()
        )
    );

    assert!(Command::new("mkfifo").arg(dir.join("pipe.pem")).status().unwrap().success());
    for (path, reason) in [
        (dir.join("pipe.pem"), "it is a FIFO (named pipe)"),
        (PathBuf::from("/dev/zero"), "it is not a regular file (a device or a socket?)"),
        (dir.clone(), "it is a directory"),
        (dir.join("missing.pem"), "No such file or directory"),
    ] {
        let refused = DesiredRoot::from_file(&path).unwrap_err();
        assert!(matches!(refused, RootFileError::Unreadable { .. }), "{path:?}: {refused:?}");
        assert!(refused.to_string().contains(reason), "{refused}");
    }
    std::fs::write(dir.join("big.pem"), "A".repeat(2 << 20)).unwrap();
    let refused = DesiredRoot::from_file(dir.join("big.pem")).unwrap_err();
    assert!(matches!(
        refused,
        RootFileError::Certificate { problem: CertificateProblem::TooLarge { .. }, .. }
    ));
}

#[test]
fn from_dir_reads_visible_regular_files_in_name_order_and_says_what_it_skipped() {
    let dir = scratch("dir");
    std::fs::write(dir.join("b.CRT"), root("Second Root")).unwrap();
    std::fs::write(dir.join("a.pem"), root("First Root")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a root").unwrap();
    std::fs::write(dir.join(".hidden.pem"), root("Hidden Root")).unwrap();
    std::fs::create_dir(dir.join("sub.pem")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("out.pem")).unwrap();
    std::os::unix::fs::symlink(dir.join("a.pem"), dir.join("c-link.pem")).unwrap();
    // A name that is not UTF-8 is read, and shown with the bytes replaced.
    let odd = dir.join(std::ffi::OsStr::from_bytes(b"d-\xff.pem"));
    std::fs::write(&odd, root("Odd Name Root")).unwrap();

    let refused = DesiredRoot::from_dir(&dir).unwrap_err();
    assert_eq!(
        refused,
        RootFileError::Duplicate { first: dir.join("a.pem"), second: dir.join("c-link.pem") }
    );
    assert_eq!(refused.to_string(), "a.pem and c-link.pem hold the same certificate; keep one");

    std::fs::remove_file(dir.join("c-link.pem")).unwrap();
    let read = DesiredRoot::from_dir(&dir).unwrap();
    let subjects: Vec<&str> = read.roots.iter().map(|r| r.details.subject.as_str()).collect();
    assert_eq!(subjects, ["CN=First Root", "CN=Second Root", "CN=Odd Name Root"]);
    assert_eq!(read.roots[2].file.as_deref(), Some("d-\u{fffd}.pem"));
    let skipped: Vec<(String, &str)> = read
        .skipped
        .iter()
        .map(|s| (s.path.file_name().unwrap().to_string_lossy().into_owned(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (".hidden.pem".to_owned(), "a hidden file"),
            ("out.pem".to_owned(), "a link to a file outside the directory (or in a subdirectory of it)"),
            ("sub.pem".to_owned(), "a directory"),
        ]
    );

    let missing = DesiredRoot::from_dir(dir.join("nowhere")).unwrap_err();
    assert!(matches!(missing, RootFileError::Directory { .. }));
    assert!(missing.to_string().starts_with("cannot read the directory "), "{missing}");
}
