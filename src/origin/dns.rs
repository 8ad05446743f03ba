//! Origins found in a zone's DNS: each proxied `A`, `AAAA` or `CNAME` record is a name Cloudflare
//! answers for and a place it connects to, so an origin `NAME@CONTENT:PORT`.

use std::net::IpAddr;

use serde::Serialize;

use super::address::Origin;
use crate::model::DnsRecord;

/// What a zone's proxied DNS records say about its origins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DnsOrigins {
    /// One origin a distinct (name, content) of a proxied `A`, `AAAA` or `CNAME` record, in name
    /// order: the record's name as SNI, its content as where to connect.
    pub origins: Vec<Origin>,
    /// The proxied records that cannot be probed, and why (a wildcard name, say).
    pub not_probeable: Vec<NotProbeable>,
}

/// A proxied DNS record that gives no origin to probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NotProbeable {
    /// The record's name, as listed.
    pub name: String,
    /// Its type (`A`, `AAAA`, `CNAME`...).
    pub record_type: String,
    /// Why it is not probed.
    pub reason: String,
}

/// The origins of `records` (records that are not proxied are passed over: Cloudflare does not
/// connect to them), each on `port`. A wildcard name (`*.example.com`) has no one host name to
/// send as SNI, a name or content that is not a valid host or address cannot be reached, and a
/// proxied record of another type has no origin: each is listed in
/// [`DnsOrigins::not_probeable`].
///
/// ```
/// use cloudflare_origin_trust_store::origin::origins_from_dns_records;
///
/// let found = origins_from_dns_records(&[], 443);
/// assert!(found.origins.is_empty() && found.not_probeable.is_empty());
/// ```
pub fn origins_from_dns_records(records: &[DnsRecord], port: u16) -> DnsOrigins {
    let mut found = DnsOrigins::default();
    for record in records.iter().filter(|record| record.proxied) {
        match origin_of(record, port) {
            Ok(origin) => found.origins.push(origin),
            Err(reason) => found.not_probeable.push(NotProbeable {
                name: record.name.clone(),
                record_type: record.type_.clone(),
                reason,
            }),
        }
    }
    found.origins.sort_by_key(|origin| (origin.host().to_owned(), origin.to_string()));
    found.origins.dedup();
    found.not_probeable.sort_by(|a, b| (&a.name, &a.record_type).cmp(&(&b.name, &b.record_type)));
    found
}

fn origin_of(record: &DnsRecord, port: u16) -> Result<Origin, String> {
    let name = record.name.trim_end_matches('.');
    if name.split('.').any(|label| label == "*") {
        return Err(
            "a wildcard name: no one host name to send as SNI; give one of its names with --origin".into()
        );
    }
    let content = record.content.trim().trim_end_matches('.');
    let address = match record.type_.to_ascii_uppercase().as_str() {
        "A" => match content.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => ip.to_string(),
            _ => return Err(format!("an A record whose content {content:?} is not an IPv4 address")),
        },
        "AAAA" => match content.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
            _ => return Err(format!("an AAAA record whose content {content:?} is not an IPv6 address")),
        },
        "CNAME" => content.to_owned(),
        other => {
            return Err(format!("a proxied {other:?} record: only A, AAAA and CNAME records have an origin"));
        }
    };
    // What is wrong with the name or content, without the syntax a user types origins in.
    let written = format!("{name}@{address}:{port}");
    super::address::parse(&written)
        .map_err(|reason| format!("cannot be probed: {}", super::address::described(&written, &reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(type_: &str, name: &str, content: &str, proxied: bool) -> DnsRecord {
        DnsRecord {
            id: format!("{name}-{type_}"),
            name: name.into(),
            type_: type_.into(),
            content: content.into(),
            proxied,
        }
    }

    #[test]
    fn proxied_a_aaaa_and_cname_records_are_origins_and_the_rest_say_why_not() {
        let records = [
            record("A", "www.example.com", "192.0.2.10", true),
            record("A", "www.example.com", "192.0.2.11", true),
            record("A", "www.example.com", "192.0.2.10", true),
            record("AAAA", "v6.example.com", "2001:db8::1", true),
            record("CNAME", "app.example.com", "app.example.herokudns.com.", true),
            record("A", "grey.example.com", "192.0.2.20", false),
            record("MX", "example.com", "mail.example.com", false),
            record("A", "*.example.com", "192.0.2.30", true),
            record("CNAME", "*.dev.example.com", "dev.example.net", true),
            record("A", "bad.example.com", "not-an-ip", true),
            record("AAAA", "bad6.example.com", "192.0.2.1", true),
            record("A", "under_score.example.com", "192.0.2.40", true),
            record("A", "spaced name.example.com", "192.0.2.41", true),
            record("A", "bidi\u{202e}.example.com", "192.0.2.42", true),
            record("CNAME", "../x.example.com", "y.example.com", true),
            record("HTTPS", "svc.example.com", "1 . alpn=h2", true),
        ];
        let found = origins_from_dns_records(&records, 443);
        let origins: Vec<String> = found.origins.iter().map(ToString::to_string).collect();
        assert_eq!(
            origins,
            [
                "app.example.com@app.example.herokudns.com",
                "v6.example.com@[2001:db8::1]",
                "www.example.com@192.0.2.10",
                "www.example.com@192.0.2.11",
            ]
        );
        let not: Vec<(&str, &str)> =
            found.not_probeable.iter().map(|n| (n.name.as_str(), n.reason.as_str())).collect();
        assert_eq!(not.len(), 9, "{not:#?}");
        for (name, reason) in &not {
            if name.contains('*') {
                assert!(reason.starts_with("a wildcard name"), "{name}: {reason}");
            }
        }
        assert!(not.contains(&(
            "bad.example.com",
            "an A record whose content \"not-an-ip\" is not an IPv4 address"
        )));
        assert!(not.contains(&(
            "bad6.example.com",
            "an AAAA record whose content \"192.0.2.1\" is not an IPv6 address"
        )));
        assert!(not.iter().any(|(name, reason)| *name == "svc.example.com" && reason.contains("only A, AAAA and CNAME")));
        for name in [
            "under_score.example.com",
            "spaced name.example.com",
            "bidi\u{202e}.example.com",
            "../x.example.com",
        ] {
            assert!(
                not.iter().any(|(n, r)| *n == name
                    && r.starts_with("cannot be probed: ")
                    && !r.contains("expected HOST")),
                "{name}: {not:#?}"
            );
        }
        let on_8443 = origins_from_dns_records(&records[..1], 8443);
        assert_eq!(on_8443.origins[0].to_string(), "www.example.com@192.0.2.10:8443");
    }
}
