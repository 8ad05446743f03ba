//! `man`: the manual pages, one per command, each with its ENVIRONMENT and EXIT STATUS.

use std::path::Path;

use super::meta::write_out;
use crate::args::{Cli, ManArgs};
use crate::{ExitStatus, Failure};

/// The environment variables the CLI reads, and what for.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "CLOUDFLARE_API_TOKEN",
        "The API token (the preferred credentials); --token-env names another variable to read it from.",
    ),
    (
        "CLOUDFLARE_EMAIL",
        "With CLOUDFLARE_API_KEY, the account email of the Global API key; used only when no token is set.",
    ),
    ("CLOUDFLARE_API_KEY", "The Global API key, with CLOUDFLARE_EMAIL."),
    (
        "CF_API_TOKEN",
        "Not read (it is flarectl's and older wrangler's name): when it alone is set, the error says so; give --token-env CF_API_TOKEN to use it.",
    ),
    ("CLOUDFLARE_BASE_URL", "The API's base URL, unless --base-url is given; https except on loopback."),
    ("CLOUDFLARE_ZONE_ID", "The zone, when neither --zone-id nor --zone is given."),
    ("RUST_LOG", "A tracing filter for what is logged on stderr; overrides -v and -vv."),
];

/// The exit statuses, and the commands that can end with each (every command when empty).
const EXIT_STATUS: &[(u8, &str, &[&str])] = &[
    (0, "Success.", &[]),
    (
        1,
        "An API, network or output error (sync: applying failed; audit: a zone failed, which wins over 3).",
        &[],
    ),
    (
        2,
        "Usage or invalid input: nothing was changed (nothing sent, or for a sync plan that deletes without --yes off a terminal, only the lists read).",
        &[],
    ),
    (3, "Expiring certificates were found (list --expiring-within, audit).", &["list", "audit"]),
    (4, "Changes are pending (sync --dry-run).", &["sync"]),
    (
        5,
        "An origin would not be trusted (check-origins), or a change would make an origin trusted now untrusted, or uncheckable: nothing was written (without --force).",
        &["check-origins", "upload", "delete", "rotate", "sync"],
    ),
    (130, "Interrupted by Ctrl-C while a progress bar showed (the bar is cleared first).", &["audit"]),
];

const BIN: &str = "cf-trust-store";

/// `man` prints the main page; `man --dir DIR` writes every page into DIR.
pub(crate) fn man(args: ManArgs) -> Result<ExitStatus, Failure> {
    let pages = pages()?;
    let Some(dir) = args.dir else {
        return write_out(&pages[0].1);
    };
    let failed = |error: std::io::Error, path: &Path| Failure {
        status: ExitStatus::Failure,
        message: Some(format!("cannot write {}: {error}", path.display())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(e, &dir))?;
    for (name, page) in pages {
        let path = dir.join(name);
        std::fs::write(&path, page).map_err(|e| failed(e, &path))?;
    }
    Ok(ExitStatus::Success)
}

/// Every page, the main one first: its file name and its roff.
fn pages() -> Result<Vec<(String, Vec<u8>)>, Failure> {
    // `help` is the same as -h: no page of its own. The version is in each page's footer.
    let mut command = Cli::built().disable_help_subcommand(true).after_help(None::<&str>);
    command.build();
    let mut pages = vec![page(command.clone().version(None::<&str>), None)?];
    for sub in command.get_subcommands() {
        pages.push(page(sub.clone(), Some(sub.get_name()))?);
    }
    Ok(pages)
}

/// The page of the main command (`sub` none), whose SUBCOMMANDS name the others, or of one
/// subcommand.
fn page(command: clap::Command, sub: Option<&str>) -> Result<(String, Vec<u8>), Failure> {
    let man = clap_mangen::Man::new(command).source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")));
    let file_name = man.get_filename();
    let mut roff = Vec::new();
    man.render(&mut roff)?;
    let mut text = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning, commands) in EXIT_STATUS {
        if commands.is_empty() || sub.is_none_or(|sub| commands.contains(&sub)) {
            text.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escaped(meaning)));
        }
    }
    text.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        text.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escaped(name), escaped(meaning)));
    }
    if sub.is_some() {
        text.push_str(&format!(".SH \"SEE ALSO\"\n\\fB{}\\fR(1)\n", escaped(BIN)));
    }
    let mut page = String::from_utf8(roff).expect("clap_mangen writes UTF-8");
    page.push_str(&text);
    Ok((file_name, ascii(&page).into_bytes()))
}

/// The page with every character beyond ASCII written as groff's `\[uXXXX]`, so that it reads
/// the same whatever encoding a formatter assumes (groff without preconv reads Latin-1).
fn ascii(page: &str) -> String {
    let mut text = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            text.push(c);
        } else {
            text.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    text
}

/// Text as roff reads it literally: backslashes and hyphens escaped, no control character at the
/// start of a line.
fn escaped(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with(['.', '\'']) { format!("\\&{text}") } else { text }
}
