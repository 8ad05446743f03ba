//! A progress bar on stderr for a long job (an audit), only when stderr is a terminal and `-q` was
//! not given: zones done of the total, requests sent, and any rate-limit wait. While it shows,
//! every other line for stderr goes through [`eprintln()`], and every write to stdout through
//! [`suspend()`], so the bar and the lines never mix.

use std::io::{self, IsTerminal, Write};
use std::sync::{Mutex, Once};
use std::time::Duration;

use cloudflare_origin_trust_store::Client;
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::Global;

/// The bar showing now, if any.
static SHOWING: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn showing() -> Option<ProgressBar> {
    SHOWING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

/// Writes a line to stderr (ignoring a closed stderr) without breaking a bar that shows.
pub(crate) fn eprintln(line: &str) {
    suspend(|| {
        let _ = writeln!(io::stderr(), "{line}");
    });
}

/// Runs `write` (to stdout or stderr) with the bar, if one shows, cleared, and draws it again
/// after, so that what is written never lands on the bar's line.
pub(crate) fn suspend<R>(write: impl FnOnce() -> R) -> R {
    match showing() {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// Whether a bar shows now (it tells about rate-limit waits itself).
pub(crate) fn is_showing() -> bool {
    showing().is_some()
}

/// The bar of one job; dropping it clears it.
pub(crate) struct Progress {
    bar: ProgressBar,
    client: Client,
    ticker: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// A bar for `unit` (zones), when stderr is a terminal, and neither `-q` nor a log of debug
    /// events (`-vv`, `RUST_LOG`, which write their own lines) was asked for.
    pub(crate) fn start(client: &Client, unit: &'static str, global: &Global) -> Option<Self> {
        let rust_log = std::env::var_os("RUST_LOG").is_some_and(|value| !value.is_empty());
        if global.quiet || global.verbose > 1 || rust_log || !io::stderr().is_terminal() {
            return None;
        }
        clear_on_interrupt();
        let bar = ProgressBar::new_spinner();
        bar.set_style(style(unit, false));
        bar.enable_steady_tick(Duration::from_millis(200));
        *SHOWING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(bar.clone());
        let (polled, shown) = (client.clone(), bar.clone());
        let ticker = tokio::spawn(async move {
            loop {
                shown.set_message(status(&polled));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Some(Self { bar, client: client.clone(), ticker })
    }

    /// The total, once known.
    pub(crate) fn set_total(&self, total: Option<u64>, unit: &'static str) {
        if let Some(total) = total
            && self.bar.length() != Some(total)
        {
            self.bar.set_length(total);
            self.bar.set_style(style(unit, true));
        }
    }

    /// One more done.
    pub(crate) fn inc(&self) {
        self.bar.set_message(status(&self.client));
        self.bar.inc(1);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.ticker.abort();
        *SHOWING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        self.bar.finish_and_clear();
    }
}

/// From the first bar on, Ctrl-C clears the bar that shows (else its last line would stay on the
/// terminal, the process killed mid-draw), says so, and exits with 130 (128 + SIGINT, as a shell
/// reports a process Ctrl-C stopped).
fn clear_on_interrupt() {
    static WATCHING: Once = Once::new();
    WATCHING.call_once(|| {
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                if let Some(bar) = showing() {
                    bar.finish_and_clear();
                }
                let _ = writeln!(io::stderr(), "interrupted");
                std::process::exit(130);
            }
        });
    });
}

fn style(unit: &'static str, with_total: bool) -> ProgressStyle {
    let template = if with_total {
        format!("{{spinner}} {unit} {{pos}}/{{len}} [{{bar:30}}] {{msg}}")
    } else {
        format!("{{spinner}} {unit} {{pos}} {{msg}}")
    };
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
}

/// `120 requests`, and `· rate limit: next request in 12s` while requests are held back.
fn status(client: &Client) -> String {
    let mut message = format!("· {} requests", client.requests_sent());
    if let Some(pause) = client.rate_limit_pause().filter(|pause| *pause >= Duration::from_millis(500)) {
        message.push_str(&format!(" · rate limit: next request in {}s", pause.as_secs_f64().ceil() as u64));
    }
    message
}
