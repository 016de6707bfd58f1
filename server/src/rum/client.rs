//! Who sent a beacon, without keeping who: the client's address cut to its network (`/24` for
//! IPv4, `/48` for IPv6) — the only form in which it is ever stored or used as a rate-limit key
//! — and whether the page's `Origin` may send beacons at all.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::{HeaderMap, header};

/// The network of `ip`: IPv4 (and IPv4-mapped IPv6) cut to `/24`, IPv6 to `/48`.
pub fn network(ip: IpAddr) -> (IpAddr, u8) {
    match ip {
        IpAddr::V4(v4) => (IpAddr::V4(v4_network(v4)), 24),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4_network(v4)), 24),
            None => {
                let s = v6.segments();
                (
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0)),
                    48,
                )
            }
        },
    }
}

fn v4_network(ip: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c, _] = ip.octets();
    Ipv4Addr::new(a, b, c, 0)
}

/// `203.0.113.0/24`, `2001:db8:1::/48`: what is stored.
pub fn network_text(ip: IpAddr) -> String {
    let (net, prefix) = network(ip);
    format!("{net}/{prefix}")
}

/// The client's address: the peer of the connection, or — only when the proxy in front is
/// trusted to set it — the first `X-Forwarded-For` value.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded: bool,
) -> Option<IpAddr> {
    if trust_forwarded
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        let first = first.trim();
        if let Ok(ip) = first.parse::<IpAddr>() {
            return Some(ip);
        }
        if let Ok(addr) = first.parse::<SocketAddr>() {
            return Some(addr.ip());
        }
    }
    peer.map(|addr| addr.ip())
}

/// Whether a beacon whose page has `origin` may be accepted.
///
/// `allowed` is the configured list: `*` accepts any origin; otherwise the origin must be one of
/// the list (compared without case and trailing `/`); an empty list means the server's own
/// origin only: the `Origin`'s host (and port) must be the request's `Host` (or, behind a
/// trusted proxy, `X-Forwarded-Host`).
pub fn origin_allowed(
    origin: &str,
    allowed: &[String],
    headers: &HeaderMap,
    trust_forwarded: bool,
) -> bool {
    let origin = origin.trim().trim_end_matches('/');
    if allowed.iter().any(|a| a == "*") {
        return true;
    }
    if !allowed.is_empty() {
        return allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin));
    }
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false; // "null" (sandboxed pages, file://) or garbage
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return false;
    }
    let forwarded = trust_forwarded
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    let host = forwarded
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    host.is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_cut_to_their_network() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(network_text(ip("203.0.113.77")), "203.0.113.0/24");
        assert_eq!(network_text(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1::/48");
        assert_eq!(network_text(ip("::ffff:198.51.100.9")), "198.51.100.0/24");
        assert_eq!(network(ip("127.0.0.1")), (ip("127.0.0.0"), 24));
    }

    #[test]
    fn forwarded_addresses_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.7, 10.0.0.1".parse().unwrap());
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(client_ip(&headers, Some(peer), false), Some(peer.ip()));
        assert_eq!(
            client_ip(&headers, Some(peer), true),
            Some("198.51.100.7".parse().unwrap())
        );
        headers.insert("x-forwarded-for", "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(
            client_ip(&headers, None, true),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(client_ip(&HeaderMap::new(), None, true), None);
    }

    #[test]
    fn origins_are_checked_against_the_host_or_the_list() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "app.example:8080".parse().unwrap());
        headers.insert("x-forwarded-host", "public.example".parse().unwrap());
        let own = |origin, trust| origin_allowed(origin, &[], &headers, trust);
        assert!(own("http://app.example:8080", false));
        assert!(own("https://APP.example:8080/", false));
        assert!(!own("http://app.example", false));
        assert!(!own("https://evil.example", false));
        assert!(!own("null", false));
        assert!(own("https://public.example", true));
        assert!(!own("http://app.example:8080", true));
        let list = vec!["https://a.example".to_string()];
        assert!(origin_allowed("https://a.example", &list, &headers, false));
        assert!(!origin_allowed(
            "http://app.example:8080",
            &list,
            &headers,
            false
        ));
        assert!(origin_allowed("null", &["*".to_string()], &headers, false));
    }
}
