//! `-o prometheus`: what list and audit found, in Prometheus' text exposition format, with the
//! names and labels x509-certificate-exporter uses (so that alert rules written for it, such as
//! `(x509_cert_not_after - time()) < 28 * 86400` or `x509_cert_expired == 1`, work unchanged),
//! plus a health gauge per zone and the time of the run. `--output-file` writes it atomically for
//! node_exporter's textfile collector.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use cloudflare_origin_trust_store::{CustomTrustStore, ZoneReport};

use crate::Failure;
use crate::args::{Global, MetricsArgs, Output};

/// What one zone's metrics say: its certificates, or that it could not be read.
pub(crate) struct ZoneMetrics {
    pub(crate) zone_id: Option<String>,
    pub(crate) zone_name: Option<String>,
    pub(crate) certificates: Vec<CustomTrustStore>,
    /// Whether the zone's store was listed (every page of it).
    pub(crate) up: bool,
}

impl ZoneMetrics {
    pub(crate) fn of(report: &ZoneReport) -> Self {
        Self {
            zone_id: report.zone_id.clone(),
            zone_name: report.zone_name.clone(),
            certificates: report.certificates.clone(),
            up: report.error.is_none(),
        }
    }
}

/// Checks `--output-file` against the format before anything is sent.
pub(crate) fn check(global: &Global, args: &MetricsArgs) -> Result<(), Failure> {
    if args.output_file.is_some() && global.output != Output::Prometheus {
        return Err(Failure::usage("--output-file writes metrics: give it with -o prometheus".into()));
    }
    Ok(())
}

/// Writes the metrics of `zones`, and of the run (at `now`; `incomplete` when zones may be
/// missing because listing them failed), to standard output or atomically to `--output-file`.
pub(crate) fn write(
    args: &MetricsArgs,
    zones: &[ZoneMetrics],
    incomplete: bool,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let text = exposition(zones, incomplete, now);
    match &args.output_file {
        Some(path) => write_atomically(path, text.as_bytes()).map_err(|error| Failure {
            status: crate::ExitStatus::Failure,
            message: Some(format!("cannot write the metrics to {}: {error}", path.display())),
        }),
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
                _ => Ok(()),
            }
        }
    }
}

/// The text exposition format (version 0.0.4) of the zones' certificates and health.
pub(crate) fn exposition(zones: &[ZoneMetrics], incomplete: bool, now: DateTime<Utc>) -> String {
    let mut text = String::new();
    let certificates: Vec<(&ZoneMetrics, &CustomTrustStore, Labels)> = zones
        .iter()
        .flat_map(|zone| zone.certificates.iter().map(move |c| (zone, c, Labels::of(zone, c))))
        .collect();
    family(
        &mut text,
        "x509_cert_not_after",
        "The certificate's end of validity (its expires_on), in seconds since the epoch.",
    );
    for (_, certificate, labels) in &certificates {
        sample(&mut text, "x509_cert_not_after", &labels.text, certificate.expires_on.timestamp());
    }
    family(
        &mut text,
        "x509_cert_not_before",
        "The certificate's start of validity, in seconds since the epoch (none when its PEM does not parse).",
    );
    for (_, _, labels) in &certificates {
        if let Some(not_before) = labels.not_before {
            sample(&mut text, "x509_cert_not_before", &labels.text, not_before.timestamp());
        }
    }
    family(&mut text, "x509_cert_expired", "1 when the certificate's expires_on has passed, else 0.");
    for (_, certificate, labels) in &certificates {
        sample(&mut text, "x509_cert_expired", &labels.text, i64::from(certificate.expires_on <= now));
    }
    let failed = zones.iter().filter(|zone| !zone.up).count() + usize::from(incomplete);
    family(
        &mut text,
        "x509_read_errors",
        "Zones whose trust store could not be listed in this run (and 1 more when the zones could not all be listed).",
    );
    sample(&mut text, "x509_read_errors", "", failed as i64);
    family(
        &mut text,
        "cf_trust_store_zone_up",
        "1 when the zone's trust store was listed in this run, 0 when listing it failed.",
    );
    for zone in zones {
        sample(&mut text, "cf_trust_store_zone_up", &zone_labels(zone), i64::from(zone.up));
    }
    family(
        &mut text,
        "cf_trust_store_run_timestamp_seconds",
        "When this run listed the trust stores, in seconds since the epoch.",
    );
    sample(&mut text, "cf_trust_store_run_timestamp_seconds", "", now.timestamp());
    text
}

fn family(text: &mut String, name: &str, help: &str) {
    // HELP text escapes only the backslash and the line feed.
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} gauge\n");
}

fn sample(text: &mut String, name: &str, labels: &str, value: i64) {
    if labels.is_empty() {
        let _ = writeln!(text, "{name} {value}");
    } else {
        let _ = writeln!(text, "{name}{{{labels}}} {value}");
    }
}

/// A certificate's labels, written, and its start of validity from its PEM.
struct Labels {
    text: String,
    not_before: Option<DateTime<Utc>>,
}

impl Labels {
    fn of(zone: &ZoneMetrics, certificate: &CustomTrustStore) -> Self {
        let details = certificate.details().ok();
        let (subject, issuer, serial) = match &details {
            Some(d) => (common_name(&d.subject), common_name(&d.issuer), d.serial.replace(':', "")),
            None => (None, None, String::new()),
        };
        // The API's issuer names the issuer when the PEM does not.
        let issuer = issuer.unwrap_or_else(|| certificate.issuer.clone());
        let pairs = [
            ("id", certificate.id.clone()),
            ("subject_CN", subject.unwrap_or_default()),
            ("issuer_CN", issuer),
            ("serial_number", serial.to_ascii_lowercase()),
            ("status", certificate.status.to_string()),
        ];
        let mut text = zone_labels(zone);
        for (name, value) in pairs {
            let _ = write!(text, ",{name}=\"{}\"", label_value(&value));
        }
        Self { text, not_before: details.map(|d| d.not_before) }
    }
}

fn zone_labels(zone: &ZoneMetrics) -> String {
    format!(
        "zone_id=\"{}\",zone_name=\"{}\"",
        label_value(zone.zone_id.as_deref().unwrap_or_default()),
        label_value(zone.zone_name.as_deref().unwrap_or_default())
    )
}

/// A label value as the exposition format writes it: backslash, double quote and line feed
/// escaped.
pub(crate) fn label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The value of the first CN in a distinguished name as RFC 4514 writes it
/// (`CN=Example Root CA,O=Example`), its escapes undone (`\,`, `\"`, `\2C`...).
pub(crate) fn common_name(name: &str) -> Option<String> {
    let mut attributes = Vec::new();
    let (mut current, mut chars) = (String::new(), name.chars().peekable());
    // Split at the commas and pluses that are not escaped, keeping the escapes for later.
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                current.extend(chars.next());
            }
            ',' | '+' => attributes.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    attributes.push(current);
    let value = attributes.iter().find_map(|attribute| {
        let (kind, value) = attribute.split_once('=')?;
        kind.trim().eq_ignore_ascii_case("CN").then_some(value)
    })?;
    let mut bytes = Vec::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            continue;
        }
        let Some(next) = chars.next() else { break };
        let hex = next.to_digit(16).zip(chars.clone().next().and_then(|c| c.to_digit(16)));
        match hex {
            Some((high, low)) => {
                chars.next();
                bytes.push((high * 16 + low) as u8);
            }
            None => bytes.extend_from_slice(next.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never a part: a
/// temporary file beside it (a name the textfile collector skips, as it reads only `*.prom`),
/// synced, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| io::Error::other("the path names no file"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary: PathBuf = path.with_file_name(temporary_name);
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::{common_name, label_value};

    #[test]
    fn the_common_name_is_read_with_its_escapes_undone() {
        assert_eq!(common_name("CN=Example Root CA #0,O=Example").as_deref(), Some("Example Root CA #0"));
        assert_eq!(common_name("O=Acme\\, Inc.,CN=Acme\\, Root").as_deref(), Some("Acme, Root"));
        assert_eq!(common_name("cn=R\\C3\\A9seau+O=x").as_deref(), Some("Réseau"));
        assert_eq!(common_name("O=No Name"), None);
    }

    #[test]
    fn label_values_escape_backslash_quote_and_line_feed() {
        assert_eq!(label_value("a\\b\"c\nd}e"), "a\\\\b\\\"c\\nd}e");
    }
}
