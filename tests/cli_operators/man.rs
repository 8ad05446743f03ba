//! Manual pages: one per command, each read by groff without a warning and by `man`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cli_support::{run, stderr};
use crate::tools::{self, available, text};

const SUBCOMMANDS: [&str; 12] = [
    "list",
    "get",
    "upload",
    "delete",
    "sync",
    "rotate",
    "audit",
    "check-origins",
    "fake-server",
    "schema",
    "completions",
    "man",
];

/// The pages `man --dir` writes into a directory of the test's own.
async fn pages(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("man-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = run(&["man", "--dir", dir.to_str().unwrap()], &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    dir
}

/// The sections of a roff page, in order (`.SH NAME`, `.SH "EXIT STATUS"`...).
fn sections(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix(".SH "))
        .map(|name| name.trim_matches('"').to_owned())
        .collect()
}

/// The page as `man` shows it, in plain text, neither hyphenated nor justified.
fn shown(path: &Path) -> String {
    let output = std::process::Command::new("man")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MANWIDTH", "200")
        .args(["--nh", "--nj", "-l"])
        .arg(path)
        .output()
        .expect("man runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "{}", path.display());
    text(&output.stdout)
}

#[tokio::test]
async fn man_dir_writes_one_page_per_command_with_environment_and_exit_status() {
    let dir = pages("sections").await;
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut expected: BTreeSet<String> =
        SUBCOMMANDS.iter().map(|sub| format!("cf-trust-store-{sub}.1")).collect();
    expected.insert("cf-trust-store.1".into());
    assert_eq!(written, expected);

    for name in &written {
        let page = std::fs::read_to_string(dir.join(name)).unwrap();
        let sections = sections(&page);
        assert_eq!(sections.iter().filter(|s| *s == "NAME").count(), 1, "{name}: {sections:?}");
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT"] {
            assert!(sections.iter().any(|s| s == section), "{name} lacks {section}: {sections:?}");
        }
        assert!(!sections.iter().any(|s| s == "EXTRA"), "{name}: {sections:?}");
        assert!(page.is_ascii(), "{name}: characters beyond ASCII are written as groff escapes");
    }
    let main = std::fs::read_to_string(dir.join("cf-trust-store.1")).unwrap();
    // The global options have a section of their own, before the subcommands.
    assert_eq!(sections(&main)[3..6], ["OPTIONS", "GLOBAL OPTIONS", "SUBCOMMANDS"]);
    let fake_server = std::fs::read_to_string(dir.join("cf-trust-store-fake-server.1")).unwrap();
    let options = &fake_server
        [fake_server.find(".SH OPTIONS").unwrap()..fake_server.find(".SH \"EXIT STATUS\"").unwrap()];
    for refused in ["zone\\-id", "base\\-url", "token\\-env", "retries"] {
        assert!(!options.contains(refused), "fake-server documents no option it refuses: {options}");
    }
    assert!(options.contains("quiet"), "{options}");
    // `man` alone prints the main page.
    let output = run(&["man"], &[]).await;
    assert_eq!(String::from_utf8(output.stdout).unwrap(), main);
}

#[tokio::test]
async fn groff_reads_every_page_without_a_warning() {
    if !available("groff") {
        return;
    }
    let dir = pages("groff").await;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let output = tools::run("groff", &["-man", "-ww", "-z", path.to_str().unwrap()]);
        assert!(output.status.success(), "{}", path.display());
        assert_eq!(text(&output.stderr), "", "{}", path.display());
    }
}

#[tokio::test]
async fn man_shows_each_page_and_every_page_it_names_exists() {
    if !available("man") {
        return;
    }
    let dir = pages("shown").await;
    let main = shown(&dir.join("cf-trust-store.1"));
    assert!(main.contains("\nEXIT STATUS\n") && main.contains("\nENVIRONMENT\n"), "{main}");
    for variable in [
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL",
        "CLOUDFLARE_API_KEY",
        "CLOUDFLARE_BASE_URL",
        "CLOUDFLARE_ZONE_ID",
        "CF_API_TOKEN",
    ] {
        assert!(main.contains(&format!("\n       {variable}\n")), "{variable}: {main}");
    }
    assert!(main.contains("       4      Changes are pending (sync --dry-run)."), "{main}");
    // Each page a page names, `cf-trust-store-X(1)`, is one of those written.
    let named: BTreeSet<&str> = main
        .match_indices("cf-trust-store-")
        .filter_map(|(at, _)| main[at..].split_once("(1)").map(|(name, _)| name))
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    assert_eq!(named.len(), SUBCOMMANDS.len(), "{named:?}");
    for name in named {
        assert!(dir.join(format!("{name}.1")).exists(), "{name}(1) is named but not written");
    }

    let list = shown(&dir.join("cf-trust-store-list.1"));
    assert!(list.starts_with("cf-trust-store-list(1)"), "{list}");
    assert!(list.contains("cf-trust-store-list - List the certificates"), "{list}");
    assert!(list.contains("       --status <STATUS>") && list.contains("       --zone-id <ID>"), "{list}");
    assert!(list.contains("       3      Expiring certificates were found"), "{list}");
    assert!(!list.contains("Changes are pending"), "sync's status is not list's: {list}");
    assert!(list.contains("SEE ALSO\n       cf-trust-store(1)"), "{list}");
}
