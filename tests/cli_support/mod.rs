//! What the CLI tests share: running the binary with a clean environment, files, assertions.
#![allow(dead_code, unused_imports)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use cloudflare_origin_trust_store::fake;

/// Runs the CLI with only the given environment (so no real credential from the caller's
/// environment can ever be used), off the runtime thread that serves the fake.
pub async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    command.env_clear().args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("the CLI runs")).await.unwrap()
}

/// Runs the CLI with `input` on its standard input.
pub async fn run_with_stdin(args: &[&str], env: &[(&str, &str)], input: String) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    command.env_clear().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the CLI runs");
        // The CLI may stop reading early (input over its limit): a closed pipe is fine here.
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        assert!(written.is_ok() || written.as_ref().unwrap_err().kind() == std::io::ErrorKind::BrokenPipe);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// Writes `content` to a file of its own under cargo's temporary directory for tests.
pub fn temp_file(name: &str, content: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

pub fn token_env() -> [(&'static str, &'static str); 1] {
    [("CLOUDFLARE_API_TOKEN", fake::TOKEN)]
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The CLI exited with `code` and printed exactly `message` on stderr.
#[track_caller]
pub fn assert_failed(output: &Output, code: i32, message: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    assert_eq!(stderr(output), message);
}

/// The CLI exited with `code` and printed exactly `message` on stderr (one line), then, as it
/// does with `-o json|jsonl`, the same error as a JSON object of this `kind`.
#[track_caller]
pub fn assert_failed_with_report(output: &Output, code: i32, message: &str, kind: &str) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    let text = stderr(output);
    let (line, report) = text.split_once('\n').unwrap_or_else(|| panic!("two lines: {text}"));
    assert_eq!(format!("{line}\n"), message);
    let report: serde_json::Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(report["error"]["kind"], kind, "{report}");
    assert_eq!(report["error"]["message"].as_str(), line.strip_prefix("error: "), "{report}");
}

/// The CLI with `args`, its standard output (or error) closed by the reader before it writes.
pub async fn run_with_closed(
    args: &[&str],
    env: &[(&str, &str)],
    close_stdout: bool,
) -> std::process::ExitStatus {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cf-trust-store"));
    // The stream left open goes nowhere, so that a full pipe never blocks the CLI.
    let (stdout, stderr) =
        if close_stdout { (Stdio::piped(), Stdio::null()) } else { (Stdio::null(), Stdio::piped()) };
    command.env_clear().args(args).stdout(stdout).stderr(stderr);
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        if close_stdout {
            drop(child.stdout.take());
        } else {
            drop(child.stderr.take());
        }
        child.wait().unwrap()
    })
    .await
    .unwrap()
}

/// Runs `args` on a pseudo-terminal (util-linux `script`), with `input` typed on it; returns
/// everything the terminal showed.
pub async fn run_on_terminal(args: &[&str], env: &[(&str, &str)], input: &str) -> (Option<i32>, String) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_cf-trust-store"))
        .chain(args.iter().copied())
        .map(|word| format!("'{}'", word.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command.env_clear().args(["-qec", &line, "/dev/null"]).stdin(Stdio::piped()).stdout(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = command.spawn().expect("script runs");
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let output = child.wait_with_output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"))
    })
    .await
    .unwrap()
}

/// Runs the CLI against `fake`: `args`, then `--zone-id` (the fake's zone) and `--base-url`, with
/// the fake's token in the environment.
pub async fn run_on(fake: &fake::FakeCloudflare, args: &[&str]) -> Output {
    let base = fake.base_url();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--zone-id", fake.zone_id(), "--base-url", &base]);
    run(&all, &token_env()).await
}
