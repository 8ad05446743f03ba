//! Completion scripts, loaded by the shells they are for and asked what they complete.

use cloudflare_origin_trust_store::CertificateStatus;

use crate::cli_support::{run, stderr, temp_file};
use crate::tools::{self, available, text};

async fn script(shell: &str) -> String {
    let output = run(&["completions", shell], &[]).await;
    assert!(output.status.success(), "{shell}: {}", stderr(&output));
    temp_file(&format!("completion.{shell}"), &String::from_utf8(output.stdout).unwrap())
}

/// What bash offers for `line` (the cursor at its end), as a shell does it: the script sourced,
/// the function `complete -p` names called with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT.
fn bash_offers(script: &str, line: &str) -> Vec<String> {
    let driver = r#"
source "$1" || exit 97
spec=$(complete -p cf-trust-store) || exit 98
function=$(sed -E 's/.* -F ([^ ]+) .*/\1/' <<<"$spec")
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
prev=
(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}
COMPREPLY=()
"$function" cf-trust-store "${COMP_WORDS[COMP_CWORD]}" "$prev"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let output = tools::run("bash", &["--norc", "--noprofile", "-c", driver, "bash", script, line]);
    assert!(output.status.success(), "{line:?}: {}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "{line:?}");
    text(&output.stdout).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[tokio::test]
async fn bash_completes_subcommands_their_flags_and_the_values_of_those_flags() {
    let script = script("bash").await;
    assert_eq!(bash_offers(&script, "cf-trust-store li"), ["list"]);
    assert_eq!(bash_offers(&script, "cf-trust-store list --st"), ["--status"]);
    assert_eq!(bash_offers(&script, "cf-trust-store list --status "), CertificateStatus::KNOWN);
    assert_eq!(bash_offers(&script, "cf-trust-store audit --expiring-w"), ["--expiring-within"]);
    // A subcommand with a hyphen in its name, and a global option's values below the top level.
    assert_eq!(bash_offers(&script, "cf-trust-store fake-server --cert"), ["--certificates"]);
    let formats = bash_offers(&script, "cf-trust-store list -o ");
    assert_eq!(formats[..3], ["table", "json", "jsonl"], "{formats:?}");
    let shells = bash_offers(&script, "cf-trust-store completions ");
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
}

#[tokio::test]
async fn fish_loads_its_script_and_completes_below_the_top_level() {
    if !available("fish") {
        return;
    }
    let script = script("fish").await;
    let offers = |line: &str| {
        let command = format!("source '{script}'; and complete -C '{line}'");
        let output = tools::run("fish", &["--no-config", "-c", &command]);
        assert!(output.status.success(), "{line:?}: {}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "", "{line:?}");
        // `complete -C` prints a candidate a line, then a tab and its description.
        text(&output.stdout).lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(offers("cf-trust-store list --st"), ["--status"]);
    let mut statuses = offers("cf-trust-store list --status ");
    statuses.sort();
    let mut known = CertificateStatus::KNOWN.to_vec();
    known.sort();
    assert_eq!(statuses, known);
}

#[tokio::test]
async fn zsh_loads_its_script_and_registers_the_completion_function() {
    if !available("zsh") {
        return;
    }
    let script = script("zsh").await;
    let dump = temp_file("zcompdump", "");
    let command = format!(
        "autoload -Uz compinit && compinit -u -d '{dump}' && source '{script}' && print -r -- ${{_comps[cf-trust-store]}}"
    );
    let output = tools::run("zsh", &["-f", "-c", &command]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    assert_eq!(text(&output.stdout), "_cf-trust-store\n");
}
