//! Everything the CLI prints on standard output, through one [`Printer`] for every command and
//! format.

use std::io::{self, Write};

use cloudflare_origin_trust_store::CustomTrustStore;
use serde::Serialize;

use crate::args::Output;

/// Something the CLI prints: as JSON with the API's field names, or as a table row.
pub(crate) trait Record: Serialize {
    /// The table's header.
    const COLUMNS: &'static [&'static str];
    /// The cells of this record's table row, one per column.
    fn cells(&self) -> Vec<String>;
    /// A sentence that stands for this record in table output instead of a row (`deleted …`).
    fn sentence(&self) -> Option<String> {
        None
    }
}

impl Record for CustomTrustStore {
    const COLUMNS: &'static [&'static str] = &["ID", "STATUS", "ISSUER", "SIGNATURE", "EXPIRES_ON"];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.status.to_string(),
            self.issuer.clone(),
            self.signature.clone(),
            self.expires_on.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ]
    }
}

/// A deleted certificate's id.
#[derive(Serialize)]
pub(crate) struct Deleted {
    pub(crate) id: String,
}

impl Record for Deleted {
    const COLUMNS: &'static [&'static str] = &["ID"];

    fn cells(&self) -> Vec<String> {
        vec![self.id.clone()]
    }

    fn sentence(&self) -> Option<String> {
        Some(format!("deleted {}", self.id))
    }
}

/// Writes records to standard output in one format: `jsonl` as they come; `json` as one array
/// (several records) or one object (a single one); `table` with aligned columns once all have come.
pub(crate) struct Printer<R> {
    output: Output,
    held: Vec<R>,
}

impl<R: Record> Printer<R> {
    pub(crate) fn new(output: Output) -> Self {
        Self { output, held: Vec::new() }
    }

    /// Takes records in (printed at once for `jsonl`).
    pub(crate) fn add(&mut self, records: impl IntoIterator<Item = R>) -> io::Result<()> {
        if self.output != Output::Jsonl {
            self.held.extend(records);
            return Ok(());
        }
        let mut out = io::stdout().lock();
        for record in records {
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Prints what is held as a list.
    pub(crate) fn finish(self) -> io::Result<()> {
        let mut out = io::stdout().lock();
        match self.output {
            Output::Jsonl => {}
            Output::Json => {
                serde_json::to_writer_pretty(&mut out, &self.held)?;
                out.write_all(b"\n")?;
            }
            Output::Table => write_table(&mut out, &self.held)?,
        }
        out.flush()
    }

    /// Prints one record: an object in `json`, a sentence or a one-row table otherwise.
    pub(crate) fn one(output: Output, record: R) -> io::Result<()> {
        let mut out = io::stdout().lock();
        match (output, record.sentence()) {
            (Output::Json, _) => {
                serde_json::to_writer_pretty(&mut out, &record)?;
                out.write_all(b"\n")?;
            }
            (Output::Jsonl, _) => {
                serde_json::to_writer(&mut out, &record)?;
                out.write_all(b"\n")?;
            }
            (Output::Table, Some(sentence)) => writeln!(out, "{sentence}")?,
            (Output::Table, None) => write_table(&mut out, std::slice::from_ref(&record))?,
        }
        out.flush()
    }
}

fn write_table<R: Record>(out: &mut impl Write, records: &[R]) -> io::Result<()> {
    let header: Vec<String> = R::COLUMNS.iter().map(|c| c.to_string()).collect();
    let rows: Vec<Vec<String>> = records.iter().map(Record::cells).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
