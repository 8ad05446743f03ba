//! An origin as a user writes it: `HOST[:PORT]` or `HOST@ADDR[:PORT]`, parsed strictly.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::text::terminal_safe;

/// The port Cloudflare connects to unless told otherwise.
pub const DEFAULT_PORT: u16 = 443;

/// The longest origin accepted, in bytes: a 253-character host name, `@`, a 253-character address
/// name and a port fit with room to spare.
const MAX_LEN: usize = 520;

/// What the `HOST[:PORT]@ADDR[:PORT]` forms allow, for messages.
const EXPECTED: &str = "expected HOST[:PORT] or HOST@ADDR[:PORT] (HOST a DNS name such as www.example.com; ADDR an IPv4 address, an IPv6 address in brackets, or a DNS name; PORT 1 to 65535, 443 by default)";

/// An origin: the host name Cloudflare sends as SNI (and the certificate must name), and where to
/// reach it.
///
/// Written `HOST[:PORT]` (HOST resolved normally) or `HOST@ADDR[:PORT]` (connect to ADDR, send
/// HOST as SNI); `HOST:PORT@ADDR` is accepted too, the port given once. IPv6 addresses go in
/// brackets (`www.example.com@[2001:db8::1]:8443`).
///
/// A host that is proxied through Cloudflare (orange cloud) resolves to Cloudflare's edge, not
/// to the origin: the certificate seen there is Cloudflare's edge certificate, which says nothing
/// about what Cloudflare finds at the origin. Give the origin's own address with `HOST@ADDR`; a
/// check warns when the address reached is in Cloudflare's published edge ranges
/// ([`is_cloudflare_edge`](crate::origin::is_cloudflare_edge)).
///
/// ```
/// use cloudflare_origin_trust_store::origin::Origin;
///
/// let origin: Origin = "www.example.com@[2001:db8::1]:8443".parse()?;
/// assert_eq!(origin.host(), "www.example.com");
/// assert_eq!(origin.port(), 8443);
/// assert_eq!(origin.to_string(), "www.example.com@[2001:db8::1]:8443");
/// assert!("www.example..com".parse::<Origin>().is_err());
/// # Ok::<(), cloudflare_origin_trust_store::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    host: String,
    address: Option<Address>,
    port: u16,
}

/// Where to connect, when it is not the host name itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IP address.
    Ip(IpAddr),
    /// A DNS name, resolved normally.
    Name(String),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Self::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

impl Origin {
    /// `host` on port 443, resolved normally; `host` is checked as [`FromStr`] checks it.
    pub fn new(host: &str) -> Result<Self> {
        let value = host;
        let host = checked_host(host).map_err(|reason| invalid(value, &reason))?;
        Ok(Self { host, address: None, port: DEFAULT_PORT })
    }

    /// The same origin, reached at `address` instead of by resolving its name.
    pub fn at(mut self, address: IpAddr) -> Self {
        self.address = Some(Address::Ip(address));
        self
    }

    /// The same origin on `port`, which must not be 0.
    pub fn with_port(mut self, port: u16) -> Result<Self> {
        if port == 0 {
            return Err(Error::invalid("origin", "port 0 is not a port; give 1 to 65535"));
        }
        self.port = port;
        Ok(self)
    }

    /// The host name: sent as SNI, and what the certificate must name (lowercase).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Where to connect when it is not the host name.
    pub fn address(&self) -> Option<&Address> {
        self.address.as_ref()
    }

    /// The port (443 unless given).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What is resolved and connected to: the address when given, else the host name.
    pub(crate) fn connect_name(&self) -> String {
        match &self.address {
            Some(Address::Ip(ip)) => ip.to_string(),
            Some(Address::Name(name)) => name.clone(),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)?;
        if let Some(address) = &self.address {
            write!(f, "@{address}")?;
        }
        if self.port != DEFAULT_PORT || self.address.is_none() {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Origin {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Origin".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "The origin as HOST:PORT, or HOST@ADDR[:PORT] when an address was given."
        })
    }
}

impl FromStr for Origin {
    type Err = Error;

    /// Parses `HOST[:PORT]`, `HOST@ADDR[:PORT]` or `HOST:PORT@ADDR`. Refused, with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming the value and what is
    /// allowed: empty input, whitespace or control characters anywhere, a non-ASCII or malformed
    /// host (empty labels as in `..`, labels over 63 characters or starting or ending with `-`,
    /// characters other than letters, digits, `-` and `.`), an IP address or wildcard as HOST, an
    /// unbracketed IPv6 address, a port that is 0, over 65535 or not digits, a port given twice.
    fn from_str(value: &str) -> Result<Self> {
        parse(value).map_err(|reason| invalid(value, &reason))
    }
}

fn invalid(value: &str, reason: &str) -> Error {
    Error::invalid("origin", format!("{}; {EXPECTED}", described(value, reason)))
}

/// `"value": reason`, the value escaped and cut at 80 characters.
pub(super) fn described(value: &str, reason: &str) -> String {
    let shown: String = value.chars().take(80).collect();
    let cut = if shown.len() < value.len() { "…" } else { "" };
    format!("{:?}{cut}: {reason}", terminal_safe(&shown))
}

/// `value` as an origin, or why it is not one (without the syntax [`FromStr`] appends).
pub(super) fn parse(value: &str) -> std::result::Result<Origin, String> {
    if value.is_empty() {
        return Err("it is empty".into());
    }
    if value.len() > MAX_LEN {
        return Err(format!("it is over {MAX_LEN} bytes"));
    }
    if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it holds {}, which no origin has", describe(c)));
    }
    let (left, right) = match value.split_once('@') {
        Some((_, right)) if right.contains('@') => return Err("it holds more than one `@`".into()),
        Some((left, right)) => (left, Some(right)),
        None => (value, None),
    };
    let (host, host_port) = split_host_port(left)?;
    let host = checked_host(host)?;
    let (address, address_port) = match right {
        None => (None, None),
        Some(right) => {
            let (address, port) = split_address_port(right)?;
            (Some(address), port)
        }
    };
    let port = match (host_port, address_port) {
        (Some(_), Some(_)) => return Err("the port is given twice; give it once".into()),
        (Some(port), None) | (None, Some(port)) => port,
        (None, None) => DEFAULT_PORT,
    };
    Ok(Origin { host, address, port })
}

fn describe(c: char) -> String {
    if c == ' ' { "a space".into() } else { format!("the character {:?}", c) }
}

/// `HOST` and its port, if any; an IPv6 literal as HOST is refused with a pointer to `@`.
fn split_host_port(left: &str) -> std::result::Result<(&str, Option<u16>), String> {
    if left.starts_with('[') {
        return Err(only_names());
    }
    match left.split_once(':') {
        Some((_, rest)) if rest.contains(':') => Err(only_names()),
        Some((host, port)) => Ok((host, Some(checked_port(port)?))),
        None => Ok((left, None)),
    }
}

fn only_names() -> String {
    "HOST must be the host name Cloudflare connects with, not an address; give an address as HOST@ADDR".into()
}

/// `ADDR` and its port, if any.
fn split_address_port(right: &str) -> std::result::Result<(Address, Option<u16>), String> {
    if right.is_empty() {
        return Err("nothing follows `@`; give the address to connect to".into());
    }
    if let Some(inner) = right.strip_prefix('[') {
        let (ip, rest) = inner.split_once(']').ok_or("`[` without a closing `]`")?;
        let ip: Ipv6Addr = ip.parse().map_err(|_| format!("[{ip}] is not an IPv6 address"))?;
        let port = match rest {
            "" => None,
            rest => match rest.strip_prefix(':') {
                Some(port) => Some(checked_port(port)?),
                None => return Err("after `]` only `:PORT` may follow".into()),
            },
        };
        return Ok((Address::Ip(IpAddr::V6(ip)), port));
    }
    if right.matches(':').count() > 1 {
        return Err(format!("an IPv6 address goes in brackets: [{right}]"));
    }
    let (address, port) = match right.split_once(':') {
        Some((address, port)) => (address, Some(checked_port(port)?)),
        None => (right, None),
    };
    if let Ok(ip) = address.parse::<Ipv4Addr>() {
        return Ok((Address::Ip(IpAddr::V4(ip)), port));
    }
    let name = checked_name(address).map_err(|reason| format!("ADDR {reason}"))?;
    Ok((Address::Name(name), port))
}

fn checked_port(port: &str) -> std::result::Result<u16, String> {
    if port.is_empty() {
        return Err("`:` is not followed by a port".into());
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
        return Err(format!("port {port:?} is not a number from 1 to 65535"));
    }
    match port.parse::<u32>() {
        Ok(0) => Err("port 0 is not a port; give 1 to 65535".into()),
        Ok(port) if port <= u32::from(u16::MAX) => Ok(port as u16),
        _ => Err(format!("port {port} is over 65535")),
    }
}

/// The host name, lowercase, or why it is not one Cloudflare could connect with.
pub(crate) fn checked_host(host: &str) -> std::result::Result<String, String> {
    if host.parse::<IpAddr>().is_ok() {
        return Err(only_names());
    }
    if host.contains('*') {
        return Err(
            "HOST is a wildcard; give a name Cloudflare connects with, such as www.example.com".into()
        );
    }
    checked_name(host).map_err(|reason| format!("HOST {reason}"))
}

/// A DNS name: ASCII letters, digits and `-` in labels of 1 to 63 characters, separated by `.`,
/// 253 characters at most, the last label not all digits.
fn checked_name(name: &str) -> std::result::Result<String, String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if !name.is_ascii() {
        return Err(format!(
            "{:?} is not ASCII; give an internationalized name in its xn-- (punycode) form",
            terminal_safe(name)
        ));
    }
    if name.len() > 253 {
        return Err("is over 253 characters".into());
    }
    if name.ends_with('.') {
        return Err(format!("{name:?} ends with `.`; give it without the trailing dot"));
    }
    let labels: Vec<&str> = name.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(format!("{name:?} has an empty label (`..`, or a leading `.`)"));
        }
        if label.len() > 63 {
            return Err(format!("{name:?} has a label over 63 characters"));
        }
        if let Some(c) = label.chars().find(|c| !c.is_ascii_alphanumeric() && *c != '-') {
            return Err(format!("{name:?} holds {c:?}; a name holds only letters, digits, `-` and `.`"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("{name:?} has a label that starts or ends with `-`"));
        }
    }
    if labels.last().is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("{name:?} is neither a name (its last label is all digits) nor an IPv4 address"));
    }
    Ok(name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_shown_when_it_is_not_443_or_no_address_is_given() {
        let origin: Origin = "WWW.Example.com".parse().unwrap();
        assert_eq!(origin.to_string(), "www.example.com:443");
        let origin: Origin = "a.example@192.0.2.1".parse().unwrap();
        assert_eq!(origin.to_string(), "a.example@192.0.2.1");
        let origin: Origin = "a.example:8443@origin.internal".parse().unwrap();
        assert_eq!(origin.to_string(), "a.example@origin.internal:8443");
    }
}
