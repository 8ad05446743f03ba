//! Everything the CLI prints on standard output, through one [`Printer`] for every command and
//! format. Records are written as they come (a table with fixed column widths, a JSON array
//! opened at the first and closed at the end), so nothing a server sends is held to be printed
//! later; text from the server goes through [`terminal_safe`] in table output (JSON is escaped by
//! construction).

use std::io::{self, Write};

use chrono::Utc;
use cloudflare_origin_trust_store::{CertificateDetails, CustomTrustStore, Error, ZoneReport, terminal_safe};
use serde::Serialize;

use crate::args::Output;

/// A table column: its header and its width (the last column is cut at its width too).
pub(crate) struct Column(pub(crate) &'static str, pub(crate) usize);

/// Something the CLI prints: as JSON with the API's field names, or as a table row.
pub(crate) trait Record: Serialize {
    /// The table's columns.
    const COLUMNS: &'static [Column];
    /// The cells of this record's table row, one per column (raw: the printer escapes and cuts).
    fn cells(&self) -> Vec<String>;
    /// Text that stands for this record in table output instead of a row (`deleted …`, or a
    /// field a line); escaped by whoever makes it.
    fn sentence(&self) -> Option<String> {
        None
    }
    /// Whether JSON output shows this record (a table's summary line is for people only).
    const IN_JSON: bool = true;
}

impl Record for CustomTrustStore {
    const COLUMNS: &'static [Column] = &[
        Column("ID", 32),
        Column("STATUS", 18),
        Column("EXPIRES_ON", 20),
        Column("DAYS_LEFT", 9),
        Column("SIGNATURE", 15),
        Column("ISSUER", 64),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.status.to_string(),
            self.expires_on.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.days_until_expiry(Utc::now()).to_string(),
            self.signature.clone(),
            self.issuer.clone(),
        ]
    }
}

/// A certificate as `get` prints it: the API's fields, and `details`, what its PEM says.
// In table output, a field a line (`Record::sentence`).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Detailed {
    #[serde(flatten)]
    pub(crate) certificate: CustomTrustStore,
    /// What the certificate's PEM says; null when it does not parse.
    pub(crate) details: Option<CertificateDetails>,
}

impl Detailed {
    pub(crate) fn of(certificate: CustomTrustStore) -> Self {
        let details = certificate.details().ok();
        Self { certificate, details }
    }
}

impl Record for Detailed {
    const COLUMNS: &'static [Column] = CustomTrustStore::COLUMNS;

    fn cells(&self) -> Vec<String> {
        self.certificate.cells()
    }

    fn sentence(&self) -> Option<String> {
        let c = &self.certificate;
        let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut fields = vec![
            ("ID", c.id.clone()),
            ("STATUS", c.status.to_string()),
            ("ISSUER", c.issuer.clone()),
            ("SIGNATURE", c.signature.clone()),
            ("EXPIRES_ON", time(c.expires_on)),
            ("DAYS_LEFT", c.days_until_expiry(Utc::now()).to_string()),
            ("UPLOADED_ON", time(c.uploaded_on)),
            ("UPDATED_AT", time(c.updated_at)),
        ];
        match &self.details {
            Some(d) => fields.extend([
                ("SUBJECT", d.subject.clone()),
                ("ISSUER_DN", d.issuer.clone()),
                ("SERIAL", d.serial.clone()),
                ("SHA256", d.sha256_fingerprint.clone()),
                ("NOT_BEFORE", time(d.not_before)),
                ("NOT_AFTER", time(d.not_after)),
            ]),
            None => fields.push(("DETAILS", "the certificate's PEM does not parse".into())),
        }
        let lines: Vec<String> = fields
            .into_iter()
            .map(|(name, value)| format!("{name:<12} {}", fit(&terminal_safe(&value), 200)))
            .collect();
        Some(lines.join("\n"))
    }
}

/// A zone's report in an audit.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct AuditRow {
    /// The zone's id; null only when a zone given by name could not be resolved.
    pub(crate) zone_id: Option<String>,
    /// The zone's name; null when it is not known (a zone given by id).
    pub(crate) zone_name: Option<String>,
    /// How many certificates the zone's trust store holds (0 when `error` is set).
    pub(crate) certificates: usize,
    /// The certificates expiring within the audit's window, with the API's field names.
    pub(crate) expiring: Vec<CustomTrustStore>,
    /// Why the zone could not be audited, in one line; null when it was.
    pub(crate) error: Option<String>,
}

impl AuditRow {
    pub(crate) fn of(report: ZoneReport) -> Self {
        Self {
            zone_id: report.zone_id,
            zone_name: report.zone_name,
            certificates: report.certificates.len(),
            expiring: report.expiring,
            error: report.error.as_ref().map(one_line),
        }
    }
}

/// An error as one line, with the Ray ID Cloudflare's support asks for.
pub(crate) fn one_line(error: &Error) -> String {
    let mut line = error.to_string().replace(['\n', '\r'], " ");
    if let Some(ray_id) = error.ray_id() {
        line.push_str(&format!(" [cf-ray {ray_id}]"));
    }
    line
}

impl Record for AuditRow {
    const COLUMNS: &'static [Column] = &[
        Column("ZONE_ID", 32),
        Column("ZONE_NAME", 40),
        Column("CERTIFICATES", 12),
        Column("EXPIRING", 8),
        Column("FIRST_EXPIRY", 12),
        Column("ERROR", 200),
    ];

    fn cells(&self) -> Vec<String> {
        let first = self.expiring.iter().map(|c| c.expires_on).min();
        vec![
            self.zone_id.clone().unwrap_or_else(|| "-".into()),
            self.zone_name.clone().unwrap_or_else(|| "-".into()),
            if self.error.is_some() { "-".into() } else { self.certificates.to_string() },
            if self.error.is_some() { "-".into() } else { self.expiring.len().to_string() },
            first.map_or_else(|| "-".into(), |at| at.format("%Y-%m-%d").to_string()),
            self.error.clone().unwrap_or_default(),
        ]
    }
}

/// A line for people, in table output only: a zone's plan heading, an audit's summary.
#[derive(Serialize)]
pub(crate) struct Line(pub(crate) String);

impl Record for Line {
    const COLUMNS: &'static [Column] = &[];
    const IN_JSON: bool = false;

    fn cells(&self) -> Vec<String> {
        Vec::new()
    }

    fn sentence(&self) -> Option<String> {
        Some(terminal_safe(&self.0).into_owned())
    }
}

/// A deleted certificate's id.
#[derive(Serialize)]
pub(crate) struct Deleted {
    pub(crate) id: String,
}

impl Record for Deleted {
    const COLUMNS: &'static [Column] = &[Column("ID", 32)];

    fn cells(&self) -> Vec<String> {
        vec![self.id.clone()]
    }

    fn sentence(&self) -> Option<String> {
        Some(format!("deleted {}", terminal_safe(&self.id)))
    }
}

/// Writes records to standard output in one format, as they come: `jsonl` one object a line;
/// `json` one array (or one object for a single record); `table` a header, then a row each.
///
/// When standard output is closed by its reader (`| head`), the printer says so with
/// [`Printer::closed`] and writes nothing more; the command decides whether to go on.
pub(crate) struct Printer {
    output: Output,
    out: io::Stdout,
    started: bool,
    closed: bool,
}

impl Printer {
    pub(crate) fn new(output: Output) -> Self {
        Self { output, out: io::stdout(), started: false, closed: false }
    }

    /// Whether the reader closed standard output.
    pub(crate) fn closed(&self) -> bool {
        self.closed
    }

    /// Prints records of a list.
    pub(crate) fn add<R: Record>(&mut self, records: impl IntoIterator<Item = R>) -> io::Result<()> {
        if self.output == Output::Prometheus {
            // Metrics are written at the end, from everything found (see `metrics.rs`).
            return Ok(());
        }
        let mut text = String::new();
        for record in records {
            if self.output != Output::Table && !R::IN_JSON {
                continue;
            }
            match self.output {
                Output::Jsonl => text.push_str(&format!("{}\n", json(&record, false))),
                Output::Json => {
                    text.push_str(if self.started { ",\n" } else { "[\n" });
                    for line in json(&record, true).lines() {
                        text.push_str(&format!("  {line}\n"));
                    }
                    text.pop();
                }
                Output::Prometheus => {}
                Output::Table => match record.sentence() {
                    Some(sentence) => text.push_str(&format!("{sentence}\n")),
                    None => {
                        if !self.started {
                            text.push_str(&row(R::COLUMNS, R::COLUMNS.iter().map(|c| c.0.to_owned())));
                        }
                        text.push_str(&row(R::COLUMNS, record.cells()));
                    }
                },
            }
            self.started = true;
        }
        self.write(&text)
    }

    /// Ends a list: closes the JSON array, or prints the table's header when there was no row.
    pub(crate) fn finish<R: Record>(mut self) -> io::Result<()> {
        let text = match (self.output, self.started) {
            (Output::Json, true) => "\n]\n".to_owned(),
            (Output::Json, false) => "[]\n".to_owned(),
            (Output::Table, false) if !R::COLUMNS.is_empty() => {
                row(R::COLUMNS, R::COLUMNS.iter().map(|c| c.0.to_owned()))
            }
            _ => String::new(),
        };
        self.write(&text)
    }

    /// Prints one record: an object in `json`, a sentence or a one-row table otherwise.
    pub(crate) fn one<R: Record>(mut self, record: R) -> io::Result<()> {
        let text = match (self.output, record.sentence()) {
            (Output::Json, _) => format!("{}\n", json(&record, true)),
            (Output::Jsonl, _) => format!("{}\n", json(&record, false)),
            (Output::Prometheus, _) => String::new(),
            (Output::Table, Some(sentence)) => format!("{sentence}\n"),
            (Output::Table, None) => {
                row(R::COLUMNS, R::COLUMNS.iter().map(|c| c.0.to_owned())) + &row(R::COLUMNS, record.cells())
            }
        };
        self.write(&text)
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        if self.closed || text.is_empty() {
            return Ok(());
        }
        // A progress bar on the same terminal is cleared first and drawn again after.
        let written = crate::progress::suspend(|| {
            let mut out = self.out.lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        });
        match written {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// A record as JSON, every character that could steer a terminal written as a `\uXXXX` escape:
/// serde_json escapes the C0 controls, and this the rest of what `terminal_safe` escapes (DEL,
/// C1 controls such as U+009B, a CSI, and the invisible and bidirectional controls). Those can
/// only stand inside strings, so the JSON means the same.
pub(crate) fn json(record: &impl Serialize, pretty: bool) -> String {
    let text = if pretty { serde_json::to_string_pretty(record) } else { serde_json::to_string(record) };
    let text = text.expect("the CLI's records serialize");
    if !text.chars().any(steers) {
        return text;
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if steers(c) {
            escaped.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// What serde_json leaves raw but a terminal obeys or hides (see `terminal_safe`).
fn steers(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// One table line: each cell escaped, cut to its column's width, padded (but the last).
fn row(columns: &[Column], cells: impl IntoIterator<Item = String>) -> String {
    let mut line = String::new();
    let count = columns.len();
    for (i, (cell, Column(_, width))) in cells.into_iter().zip(columns).enumerate() {
        let cell = fit(&terminal_safe(&cell), *width);
        if i + 1 == count {
            line.push_str(&cell);
        } else {
            line.push_str(&format!("{cell:<width$}  "));
        }
    }
    line.push('\n');
    line
}

/// `cell` in at most `width` characters: cut with an ellipsis when longer.
pub(crate) fn fit(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_owned();
    }
    let mut cut: String = cell.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
