//! Where pollcast may send requests of its own (webhook deliveries): a URL is checked before
//! it is stored and again before each delivery, and the address checked is the address
//! connected to, so a name that resolves somewhere harmless at creation and to an internal
//! address later (DNS rebinding) gains nothing. Refused unless the operator allows them:
//! loopback, private, link-local (cloud metadata included), CGNAT, multicast, reserved and
//! documentation ranges, in IPv4, IPv6 and IPv4 inside IPv6.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;
use url::Url;

/// What the operator allows beyond public `https` targets.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    pub allow_http: bool,
    /// Non-public ranges a target may still resolve into (`--webhook-allow-private`).
    pub allow: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("is not an absolute URL")]
    NotUrl,
    #[error("must use https")]
    NotHttps,
    #[error("must use http or https")]
    Scheme,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("has no host")]
    NoHost,
    #[error("names a host that does not resolve")]
    Unresolved,
    #[error("resolves to a private, loopback, link-local or otherwise non-public address")]
    Forbidden,
}

impl TargetPolicy {
    pub fn new(allow_http: bool, allow: &[String]) -> Self {
        let allow = allow
            .iter()
            .filter_map(|c| {
                c.parse::<IpNet>()
                    .ok()
                    .or_else(|| c.parse::<IpAddr>().ok().map(IpNet::from))
            })
            .collect();
        Self { allow_http, allow }
    }

    /// Checks a URL's form (not where it leads).
    pub fn parse(&self, raw: &str) -> Result<Url, TargetError> {
        let url = Url::parse(raw.trim()).map_err(|_| TargetError::NotUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err(TargetError::NotHttps),
            _ => return Err(TargetError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        if url.host().is_none() {
            return Err(TargetError::NoHost);
        }
        Ok(url)
    }

    /// Whether a request may go to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        permitted(ip, &|ip| self.allow.iter().any(|net| net.contains(&ip)))
    }

    /// The addresses `url` leads to, all of them permitted; connect to one of these (not to
    /// the name again).
    pub async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, TargetError> {
        let port = url.port_or_known_default().ok_or(TargetError::NoHost)?;
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| TargetError::Unresolved)?
                .collect(),
            None => return Err(TargetError::NoHost),
        };
        if addrs.is_empty() {
            return Err(TargetError::Unresolved);
        }
        // One forbidden address is enough to refuse: a name must not mix public and internal.
        if addrs.iter().any(|a| !self.permits(a.ip())) {
            return Err(TargetError::Forbidden);
        }
        Ok(addrs)
    }

    /// [`Self::parse`] then [`Self::resolve`].
    pub async fn check(&self, raw: &str) -> Result<(Url, Vec<SocketAddr>), TargetError> {
        let url = self.parse(raw)?;
        let addrs = self.resolve(&url).await?;
        Ok((url, addrs))
    }
}

/// The IPv4 addresses an IPv6 address carries and leads to: mapped `::ffff:a.b.c.d` and NAT64
/// `64:ff9b::a.b.c.d` (the IPv4 it is), 6to4 `2002:aabb:ccdd::/48` (its relay's IPv4) and
/// Teredo `2001:0::/32` (its server's IPv4, and its client's, stored inverted). Empty for any
/// other address.
fn embedded_v4(v6: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(mapped) = v6.to_ipv4_mapped() {
        vec![mapped]
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        vec![v4(s[6], s[7])]
    } else if s[0] == 0x2002 {
        vec![v4(s[1], s[2])]
    } else if s[0] == 0x2001 && s[1] == 0 {
        vec![v4(s[2], s[3]), v4(!s[6], !s[7])]
    } else {
        Vec::new()
    }
}

/// Whether `ip` is an ordinary public unicast address; an IPv6 address that carries IPv4
/// addresses is public only if each of them is.
pub fn is_public(ip: IpAddr) -> bool {
    permitted(ip, &|_| false)
}

/// Whether `ip` is public or `allowed`; an IPv6 address that carries IPv4 addresses is
/// permitted when it is allowed itself or each IPv4 it carries is public or allowed.
fn permitted(ip: IpAddr, allowed: &dyn Fn(IpAddr) -> bool) -> bool {
    if allowed(ip) {
        return true;
    }
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let carried = embedded_v4(v6);
            if carried.is_empty() {
                is_public_v6(v6)
            } else {
                carried
                    .into_iter()
                    .all(|v4| is_public_v4(v4) || allowed(IpAddr::V4(v4)))
            }
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives here
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..=127).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..=19).contains(&b)) // benchmarking 198.18/15
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (fd00:ec2::254 metadata too)
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
        // Local-use NAT64 (RFC 8215): where the IPv4 sits depends on the operator's prefix
        // length, so what it leads to cannot be told; never public.
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
        || s[..5] == [0, 0, 0, 0, 0]) // IPv4-compatible and other ::/80 forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_unicast_addresses_are_public() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "::127.0.0.1",
            // 6to4 of 127.0.0.1, 10.0.0.1, 169.254.169.254
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2002:a9fe:a9fe::1",
            // Teredo: server 8.8.8.8, client 127.0.0.1 (inverted); server 10.0.0.1
            "2001:0:808:808::80ff:fffe",
            "2001:0:a00:1::f7f7:f7f7",
            // Local-use NAT64, whatever it carries
            "64:ff9b:1::808:808",
            "64:ff9b:1:7f00:1::",
        ] {
            assert!(!is_public(ip(bad)), "{bad}");
        }
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "100.128.0.1",
            "64:ff9b::808:808",
            "2002:808:808::1",
            // Teredo: server 8.8.8.8, client 1.1.1.1 (inverted)
            "2001:0:808:808::fefe:fefe",
        ] {
            assert!(is_public(ip(good)), "{good}");
        }
    }

    #[test]
    fn urls_are_https_without_credentials_unless_allowed() {
        let strict = TargetPolicy::default();
        assert_eq!(
            strict.parse("http://example.com/h").unwrap_err(),
            TargetError::NotHttps
        );
        assert_eq!(
            strict.parse("ftp://example.com/").unwrap_err(),
            TargetError::Scheme
        );
        assert_eq!(
            strict.parse("https://u:p@example.com/").unwrap_err(),
            TargetError::Credentials
        );
        assert_eq!(strict.parse("not a url").unwrap_err(), TargetError::NotUrl);
        assert_eq!(
            strict.parse("javascript:alert(1)").unwrap_err(),
            TargetError::Scheme
        );
        assert!(strict.parse("https://example.com/hook?x=1").is_ok());
        let lax = TargetPolicy::new(true, &["127.0.0.0/8".into()]);
        assert!(lax.parse("http://127.0.0.1:9/").is_ok());
        assert!(lax.permits(ip("127.0.0.1")) && !lax.permits(ip("10.0.0.1")));
        assert!(lax.permits(ip("::ffff:127.0.0.1")));
        assert!(lax.permits(ip("2002:7f00:1::")) && !lax.permits(ip("2002:a00:1::")));
    }

    #[tokio::test]
    async fn names_are_checked_where_they_resolve() {
        let strict = TargetPolicy::default();
        let url = strict.parse("https://localhost:8443/hook").unwrap();
        assert_eq!(
            strict.resolve(&url).await.unwrap_err(),
            TargetError::Forbidden
        );
        let url = strict.parse("https://[::1]/").unwrap();
        assert_eq!(
            strict.resolve(&url).await.unwrap_err(),
            TargetError::Forbidden
        );
        let url = strict
            .parse("https://169.254.169.254/latest/meta-data")
            .unwrap();
        assert_eq!(
            strict.resolve(&url).await.unwrap_err(),
            TargetError::Forbidden
        );
        let lax = TargetPolicy::new(false, &["127.0.0.1".into(), "::1".into()]);
        assert!(lax.resolve(&url).await.is_err());
        let local = lax.parse("https://localhost:8443/").unwrap();
        assert!(lax.resolve(&local).await.is_ok());
    }
}
