//! Values of options that clap cannot check alone: durations as people write them, the names of
//! environment variables.

use std::time::Duration;

/// A duration as people write it: `30s`, `5m`, `1h30m`, `500ms` (humantime's units), or a plain
/// number of seconds (`30`, `1.5`). Clap names the option in front of the message.
pub(crate) fn parse_duration(raw: &str) -> Result<Duration, String> {
    const FORMS: &str = "give seconds (30, 1.5) or a number with a unit (500ms, 30s, 5m, 1h30m)";
    let duration = match raw.trim().parse::<f64>() {
        Ok(secs) if secs.is_nan() || secs <= 0.0 => return Err(format!("must be greater than 0; {FORMS}")),
        Ok(secs) => Duration::try_from_secs_f64(secs).map_err(|_| format!("{raw} seconds is too long"))?,
        Err(_) => humantime::parse_duration(raw.trim())
            .map_err(|error| format!("{raw:?} is not a duration ({error}); {FORMS}"))?,
    };
    if duration.is_zero() {
        return Err(format!("must be greater than 0; {FORMS}"));
    }
    Ok(duration)
}

/// The name of an environment variable: not empty, without `=` or a NUL byte.
pub(crate) fn variable_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err("give the name of an environment variable, such as CF_API_TOKEN".into());
    }
    Ok(name.to_owned())
}
