//! Cloudflare's published edge IP ranges, to tell an origin's address from Cloudflare's own.
//!
//! Vendored, not fetched: from <https://www.cloudflare.com/ips-v4> and
//! <https://www.cloudflare.com/ips-v6> (also <https://www.cloudflare.com/ips/> and the API's
//! `GET /ips`), as published since 2023 (15 IPv4 and 7 IPv6 ranges). Cloudflare rarely changes
//! them; a range added later is not known here, so a missing warning proves nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Cloudflare's IPv4 edge ranges, as (network, prefix length).
pub const CLOUDFLARE_IPV4_RANGES: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(173, 245, 48, 0), 20),
    (Ipv4Addr::new(103, 21, 244, 0), 22),
    (Ipv4Addr::new(103, 22, 200, 0), 22),
    (Ipv4Addr::new(103, 31, 4, 0), 22),
    (Ipv4Addr::new(141, 101, 64, 0), 18),
    (Ipv4Addr::new(108, 162, 192, 0), 18),
    (Ipv4Addr::new(190, 93, 240, 0), 20),
    (Ipv4Addr::new(188, 114, 96, 0), 20),
    (Ipv4Addr::new(197, 234, 240, 0), 22),
    (Ipv4Addr::new(198, 41, 128, 0), 17),
    (Ipv4Addr::new(162, 158, 0, 0), 15),
    (Ipv4Addr::new(104, 16, 0, 0), 13),
    (Ipv4Addr::new(104, 24, 0, 0), 14),
    (Ipv4Addr::new(172, 64, 0, 0), 13),
    (Ipv4Addr::new(131, 0, 72, 0), 22),
];

/// Cloudflare's IPv6 edge ranges, as (network, prefix length).
pub const CLOUDFLARE_IPV6_RANGES: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0x2400, 0xcb00, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2606, 0x4700, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2803, 0xf800, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0xb500, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0x8100, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2a06, 0x98c0, 0, 0, 0, 0, 0, 0), 29),
    (Ipv6Addr::new(0x2c0f, 0xf248, 0, 0, 0, 0, 0, 0), 32),
];

/// Whether `ip` is in Cloudflare's published edge ranges (an IPv4-mapped IPv6 address counts as
/// its IPv4 address): an address that answers for proxied hosts, not an origin.
///
/// ```
/// use cloudflare_origin_trust_store::origin::is_cloudflare_edge;
///
/// assert!(is_cloudflare_edge("104.16.132.229".parse().unwrap()));
/// assert!(is_cloudflare_edge("2606:4700::6810:84e5".parse().unwrap()));
/// assert!(!is_cloudflare_edge("192.0.2.1".parse().unwrap()));
/// ```
pub fn is_cloudflare_edge(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => v4_in(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => v4_in(v4),
            None => CLOUDFLARE_IPV6_RANGES.iter().any(|(network, prefix)| {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(ip) & mask == u128::from(*network) & mask
            }),
        },
    }
}

fn v4_in(ip: Ipv4Addr) -> bool {
    CLOUDFLARE_IPV4_RANGES.iter().any(|(network, prefix)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
        u32::from(ip) & mask == u32::from(*network) & mask
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_edges_are_inside_and_their_neighbours_outside() {
        let inside = ["173.245.48.0", "173.245.63.255", "131.0.75.255", "198.41.255.1"];
        let outside = ["173.245.47.255", "173.245.64.0", "131.0.76.0", "127.0.0.1", "10.0.0.1"];
        for ip in inside {
            assert!(is_cloudflare_edge(ip.parse().unwrap()), "{ip}");
        }
        for ip in outside {
            assert!(!is_cloudflare_edge(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_cloudflare_edge("2a06:98c7:ffff::1".parse().unwrap()));
        assert!(!is_cloudflare_edge("2a06:98c8::1".parse().unwrap()));
        assert!(is_cloudflare_edge("::ffff:104.16.0.1".parse().unwrap()));
        assert!(!is_cloudflare_edge("::1".parse().unwrap()));
    }

    #[test]
    fn every_range_is_a_network_address() {
        for (network, prefix) in CLOUDFLARE_IPV4_RANGES {
            assert_eq!(u32::from(*network) & !(u32::MAX << (32 - prefix)), 0, "{network}/{prefix}");
        }
        for (network, prefix) in CLOUDFLARE_IPV6_RANGES {
            assert_eq!(u128::from(*network) & !(u128::MAX << (128 - prefix)), 0, "{network}/{prefix}");
        }
    }
}
