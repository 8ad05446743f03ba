//! Everything the CLI prints on standard output.

use std::io::{self, Write};

use cloudflare_origin_trust_store::CustomTrustStore;
use serde::Serialize;

use crate::args::Output;
use crate::{Done, Failure};

pub(crate) fn print_one(output: Output, certificate: &CustomTrustStore) -> Result<Done, Failure> {
    let mut out = io::stdout().lock();
    match output {
        Output::Table => write_table(&mut out, std::slice::from_ref(certificate))?,
        Output::Json => write_json(&mut out, certificate, true)?,
        Output::Jsonl => write_json(&mut out, certificate, false)?,
    }
    out.flush()?;
    Ok(Done::Ok)
}

pub(crate) fn write_json(out: &mut impl Write, value: &impl Serialize, pretty: bool) -> io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"\n")
}

/// Writes certificates in one format: `jsonl` as they come, the others once all have come.
pub(crate) struct Printer {
    output: Output,
    held: Vec<CustomTrustStore>,
}

impl Printer {
    pub(crate) fn new(output: Output) -> Self {
        Self { output, held: Vec::new() }
    }

    pub(crate) fn add(&mut self, out: &mut impl Write, items: Vec<CustomTrustStore>) -> io::Result<()> {
        if self.output == Output::Jsonl {
            for item in &items {
                write_json(out, item, false)?;
            }
            out.flush()
        } else {
            self.held.extend(items);
            Ok(())
        }
    }

    pub(crate) fn finish(self, out: &mut impl Write) -> io::Result<()> {
        match self.output {
            Output::Jsonl => Ok(()),
            Output::Json => write_json(out, &self.held, true),
            Output::Table => write_table(out, &self.held),
        }
    }
}

pub(crate) fn write_table(out: &mut impl Write, items: &[CustomTrustStore]) -> io::Result<()> {
    let header = ["ID", "STATUS", "ISSUER", "SIGNATURE", "EXPIRES_ON"].map(str::to_owned);
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.status.to_string(),
                c.issuer.clone(),
                c.signature.clone(),
                c.expires_on.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
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
