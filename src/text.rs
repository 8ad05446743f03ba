//! Text from a server, made safe to show: on one line, bounded, and unable to steer a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

/// `text` with every character that could steer a terminal or disguise what is shown escaped as
/// `\u{…}` (`\n`, `\r` and `\t` as themselves): control characters (C0, DEL, C1, so `ESC` and
/// its sequences that clear a screen or move the cursor), and the invisible formatting and
/// bidirectional controls (U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF) that can make
/// text read as something else. Borrowed when there is nothing to escape.
///
/// Every error message of this crate that carries a server's text is already escaped; use this
/// on certificate fields (`issuer`, `signature`...) before printing them to a terminal.
///
/// ```
/// use cloudflare_origin_trust_store::terminal_safe;
///
/// assert_eq!(terminal_safe("Example Root CA"), "Example Root CA");
/// assert_eq!(terminal_safe("evil\u{1b}[2J\nroot\u{202e}"), "evil\\u{1b}[2J\\nroot\\u{202e}");
/// ```
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `text` on one line for a message: whitespace runs collapsed to one space, [`terminal_safe`],
/// and at most `max` characters (then an ellipsis).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let safe = terminal_safe(&collapsed);
    if safe.chars().count() <= max {
        return safe.into_owned();
    }
    let mut out: String = safe.chars().take(max).collect();
    out.push('…');
    out
}

/// A wait as people read it: `1.5 s`, `300 ms`.
pub(crate) fn seconds(wait: Duration) -> String {
    if wait < Duration::from_secs(1) {
        format!("{} ms", wait.as_millis())
    } else {
        format!("{:.1} s", wait.as_secs_f64())
    }
}

/// `text` as one word of a POSIX shell command: as it is when it is made only of characters no
/// shell reads specially, else in single quotes (a `'` in it as `'\''`).
pub(crate) fn shell_quoted(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./+,:@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_quoted_leaves_plain_words_and_quotes_the_rest() {
        for (text, quoted) in [
            ("root.der", "root.der"),
            ("dir/r-1_a+b,c:d@e%f=g.pem", "dir/r-1_a+b,c:d@e%f=g.pem"),
            ("my root.der", "'my root.der'"),
            ("it's.der", r"'it'\''s.der'"),
            ("$(rm -rf ~).der", "'$(rm -rf ~).der'"),
            ("a;b", "'a;b'"),
            ("racine-é.der", "'racine-é.der'"),
            ("", "''"),
        ] {
            assert_eq!(super::shell_quoted(text), quoted, "{text}");
        }
    }

    use super::*;

    #[test]
    fn every_steering_character_is_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(terminal_safe("CN=Root, O=Ünïcode 例"), Cow::Borrowed(_)));
        for (raw, shown) in [
            ("\u{1b}[2J\u{1b}[H", "\\u{1b}[2J\\u{1b}[H"),
            ("a\u{7}b\u{0}c\u{7f}d\u{9b}e", "a\\u{7}b\\u{0}c\\u{7f}d\\u{9b}e"),
            ("line\r\nforged row\tx", "line\\r\\nforged row\\tx"),
            ("gnp.exe\u{202e}fdp", "gnp.exe\\u{202e}fdp"),
            ("zero\u{200b}width\u{feff}", "zero\\u{200b}width\\u{feff}"),
            ("\u{2066}isolate\u{2069}", "\\u{2066}isolate\\u{2069}"),
        ] {
            assert_eq!(terminal_safe(raw), shown, "{raw:?}");
            assert!(!terminal_safe(raw).chars().any(unsafe_char));
        }
    }

    #[test]
    fn one_line_collapses_escapes_and_bounds() {
        assert_eq!(one_line("  a \n\n b\t c  ", 100), "a b c");
        assert_eq!(one_line("\u{1b}]0;title\u{7}", 100), "\\u{1b}]0;title\\u{7}");
        assert_eq!(one_line(&"x".repeat(300), 10), format!("{}…", "x".repeat(10)));
    }
}
