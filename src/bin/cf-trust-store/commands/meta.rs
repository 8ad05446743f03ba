//! About the CLI itself: the JSON Schema of its output and shell completions (the manual pages
//! are in `man.rs`).

use std::io::{self, Write};

use super::sync::PlanRow;
use crate::args::{Cli, CompletionsArgs, SchemaArgs, SchemaOf};
use crate::output::{AuditRow, Detailed};
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
    clap_complete::generate(args.shell, &mut Cli::built(), BIN, &mut script);
    if args.shell == clap_complete::Shell::Bash {
        script = bash_case_labels_fixed(&String::from_utf8(script).expect("clap_complete writes UTF-8"))
            .into_bytes();
    }
    write_out(&script)
}

const BIN: &str = "cf-trust-store";

/// clap_complete's bash script (4.6) names the state of a subcommand two ways when the binary's
/// name has a hyphen: the loop over the words sets `cmd="cf__trust__store__subcmd__list"`, but the
/// arms that complete it read `cf__subcmd__trust__subcmd__store__subcmd__list)`, so nothing below
/// the top level completes (flags of a subcommand, their values). The arms are written as the loop
/// sets them.
fn bash_case_labels_fixed(script: &str) -> String {
    script.replace(&BIN.replace('-', "__subcmd__"), &BIN.replace('-', "__"))
}

/// Writes to standard output; a reader that closed it (`| head`) is fine.
pub(crate) fn write_out(bytes: &[u8]) -> Result<ExitStatus, Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(ExitStatus::Success),
    }
}
