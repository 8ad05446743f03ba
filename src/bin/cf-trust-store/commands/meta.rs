//! About the CLI itself: the JSON Schema of its output, shell completions and the manual page.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, SchemaArgs, SchemaOf};
use crate::output::{AuditRow, Detailed, PlanRow};
use crate::{ExitStatus, Failure};

/// The JSON Schema (2020-12) of one object `--output json|jsonl` prints: `-o json` prints an array
/// of them for a list, one object otherwise; `-o jsonl` one a line.
pub(crate) fn schema(args: SchemaArgs) -> Result<ExitStatus, Failure> {
    let schema = match args.of {
        SchemaOf::List => schemars::schema_for!(cloudflare_origin_trust_store::CustomTrustStore),
        SchemaOf::Get => schemars::schema_for!(Detailed),
        SchemaOf::Sync => schemars::schema_for!(PlanRow),
        SchemaOf::Audit => schemars::schema_for!(AuditRow),
        SchemaOf::CheckOrigins => schemars::schema_for!(super::origins::OriginRow),
    };
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    write_out(text.as_bytes())
}

pub(crate) fn completions(args: CompletionsArgs) -> Result<ExitStatus, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cf-trust-store", &mut script);
    write_out(&script)
}

/// The manual page in roff: the command, then a section for each subcommand.
pub(crate) fn man() -> Result<ExitStatus, Failure> {
    let command = Cli::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render(&mut page)?;
    for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
        let name = format!("cf-trust-store-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).bin_name(format!("cf-trust-store {}", sub.get_name()));
        let section = clap_mangen::Man::new(sub).title(name.to_uppercase());
        section.render_name_section(&mut page)?;
        section.render_synopsis_section(&mut page)?;
        section.render_description_section(&mut page)?;
        section.render_options_section(&mut page)?;
    }
    write_out(&page)
}

/// Writes to standard output; a reader that closed it (`| head`) is fine.
fn write_out(bytes: &[u8]) -> Result<ExitStatus, Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(ExitStatus::Success),
    }
}
