//! The programs beside the CLI that a test drives: shells, groff, promtool.

use std::process::{Command, Output, Stdio};

/// Whether `program` can be run; when it cannot, the test says so and is skipped, except in CI
/// (`CI` set), which must install it (see `.ci/run`).
pub fn available(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{program} is not installed: .ci/run must install it");
        eprintln!("skipped: {program} is not installed");
    }
    found
}

/// Runs `program` with `args`, in an environment of only `PATH` and a `HOME` of its own.
pub fn run(program: &str, args: &[&str]) -> Output {
    let home = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    Command::new(program)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
