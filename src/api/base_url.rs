//! The base URL a client sends to: parsed and checked once, never repeating a user name or
//! password in an error, and plain `http` only to a loopback address.

use std::net::IpAddr;

use crate::error::{Error, Result};

/// Parses and checks a base URL; returns it without a trailing slash. Its errors never repeat a
/// user name or password the URL holds.
pub(crate) fn checked_base_url(raw: &str) -> Result<String> {
    let shown = redacted(raw);
    let raw = &*shown;
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| Error::config(format!("base URL {raw:?} is not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("base URL must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!("base URL {raw:?} must not have a query or fragment")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::config(format!(
                "base URL {raw:?} uses plain http, which would send the credentials unencrypted; \
                 use https (http is allowed only for 127.0.0.0/8, ::1 and localhost)"
            )));
        }
        other => {
            return Err(Error::config(format!("base URL {raw:?} has scheme {other:?}; use https")));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `raw` with anything between the scheme and the last `@` (a user name and password, however
/// malformed) replaced by `***`.
pub(crate) fn redacted(raw: &str) -> std::borrow::Cow<'_, str> {
    let Some(at) = raw.rfind('@') else { return raw.into() };
    let start = raw.find("://").map_or(0, |i| i + 3).min(at);
    format!("{}***{}", &raw[..start], &raw[at..]).into()
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
