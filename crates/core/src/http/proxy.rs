//! Which proxy, if any, a request goes through: `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`.
//!
//! Written here rather than taken from hyper-util's `proxy::matcher`, which brings `ipnet` and
//! `base64` for a few dozen lines of logic. The semantics are the ones that matcher and Python's
//! `urllib` (through which botocore, and so the CLI, decides) share:
//! - the lower-case spelling of each variable wins, an empty value counts as unset;
//! - a proxy value without a scheme is an `http://` one; its userinfo (percent-decoded) becomes
//!   `Proxy-Authorization: Basic …`; a value that does not parse means no proxy;
//! - `NO_PROXY` is a comma-separated list: `*` (everything), domain names matching themselves and
//!   their subdomains (a leading dot changes nothing), IP addresses and CIDR blocks, any of them
//!   with an optional `:port` that must then equal the URL's explicit port (urllib compares
//!   `host:port` as the URL spells it);
//! - loopback destinations never go through a proxy;
//! - an IPv4-mapped IPv6 address (`[::ffff:127.0.0.1]`) is the IPv4 address it maps to, for the
//!   loopback rule and `NO_PROXY` alike.

use std::fmt;
use std::net::IpAddr;

use ::http::Uri;

use crate::encoding::{base64_into, percent_decode};

use crate::{Env, Secret};

/// The proxy settings of one client.
pub(super) struct Proxies {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: Vec<NoProxyEntry>,
}

impl Proxies {
    /// The settings `env` holds.
    pub(super) fn from_env(env: &Env) -> Self {
        let first = |names: [&str; 2]| names.iter().find_map(|n| env.non_empty_var(n));
        Proxies {
            http: first(["http_proxy", "HTTP_PROXY"]).and_then(|v| Proxy::parse(&v)),
            https: first(["https_proxy", "HTTPS_PROXY"]).and_then(|v| Proxy::parse(&v)),
            no_proxy: first(["no_proxy", "NO_PROXY"])
                .map(|v| parse_no_proxy(&v))
                .unwrap_or_default(),
        }
    }

    /// The proxy a request for `uri` goes through, if any.
    pub(super) fn intercept(&self, uri: &Uri) -> Option<&Proxy> {
        let proxy = match uri.scheme_str()? {
            "http" => self.http.as_ref()?,
            "https" => self.https.as_ref()?,
            _ => return None,
        };
        let host = uri.host()?;
        if is_loopback(host) {
            return None;
        }
        let host = bare_host(host);
        // An IPv4-mapped address (`::ffff:10.0.0.1`) is the IPv4 address for every rule.
        let ip = host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
        let port = uri.port_u16();
        if self.no_proxy.iter().any(|e| e.matches(host, ip, port)) {
            return None;
        }
        Some(proxy)
    }
}

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Proxy's Debug leaves the credentials out.
        f.debug_struct("Proxies")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// One proxy: where it is and the credentials its URL carried.
#[derive(Clone)]
pub(super) struct Proxy {
    /// `scheme://host[:port]/`, without the userinfo.
    uri: Uri,
    /// The whole `Proxy-Authorization` value (`Basic …`).
    authorization: Option<Secret>,
}

impl Proxy {
    /// Parses a `*_PROXY` value; `None` when it is not a usable URL (the request then goes
    /// direct, as hyper-util's matcher did).
    fn parse(value: &str) -> Option<Proxy> {
        let uri = value.trim().parse::<Uri>().ok()?;
        let (scheme, httpish) = match uri.scheme_str() {
            None => ("http", true),
            Some(s @ ("http" | "https")) => (s, true),
            // Kept so that the connector can say why it cannot use them.
            Some(s @ ("socks4" | "socks4a" | "socks5" | "socks5h")) => (s, false),
            Some(_) => return None,
        };
        let authority = uri.authority()?.as_str();
        let (userinfo, host_port) = match authority.split_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let uri = Uri::builder()
            .scheme(scheme)
            .authority(host_port)
            .path_and_query("/")
            .build()
            .ok()?;
        let authorization = userinfo.filter(|_| httpish).map(|userinfo| {
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => (user, password),
                None => (userinfo, ""),
            };
            let mut plain = zeroize::Zeroizing::new(percent_decode(user));
            plain.push(b':');
            plain.extend_from_slice(&percent_decode(password));
            // Invalid UTF-8 is replaced, as hyper-util's `decode_utf8_lossy` did.
            let plain = zeroize::Zeroizing::new(String::from_utf8_lossy(&plain).into_owned());
            let mut value = String::from("Basic ");
            base64_into(plain.as_bytes(), &mut value);
            Secret::new(value)
        });
        Some(Proxy { uri, authorization })
    }

    /// `scheme://host[:port]/`, without credentials.
    pub(super) fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The `Proxy-Authorization` value, when the proxy URL had credentials.
    pub(super) fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("uri", &self.uri)
            .field("authorization", &self.authorization.is_some())
            .finish()
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyEntry {
    /// `*`: no request is proxied.
    All,
    /// A domain (lower case, without leading dots) and its subdomains.
    Domain(String, Option<u16>),
    /// An address, or a CIDR block (`prefix` bits), compared with IP-literal hosts only.
    Net(IpAddr, u8, Option<u16>),
}

impl NoProxyEntry {
    fn matches(&self, host: &str, ip: Option<IpAddr>, port: Option<u16>) -> bool {
        let port_ok = |want: &Option<u16>| want.is_none() || *want == port;
        match self {
            NoProxyEntry::All => true,
            NoProxyEntry::Domain(name, want) => {
                ip.is_none() && port_ok(want) && domain_matches(host, name)
            }
            NoProxyEntry::Net(net, prefix, want) => {
                port_ok(want) && ip.is_some_and(|ip| in_net(ip, *net, *prefix))
            }
        }
    }
}

fn parse_no_proxy(list: &str) -> Vec<NoProxyEntry> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter_map(parse_no_proxy_entry)
        .collect()
}

/// `None` for an entry that can never match (an empty name, a bad prefix length or port).
fn parse_no_proxy_entry(entry: &str) -> Option<NoProxyEntry> {
    if entry == "*" {
        return Some(NoProxyEntry::All);
    }
    if let Some((addr, prefix)) = entry.split_once('/') {
        let addr = bare_host(addr).parse::<IpAddr>().ok()?;
        let prefix = prefix.parse::<u8>().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        return (prefix <= max).then_some(NoProxyEntry::Net(addr, prefix, None));
    }
    let (name, port) = split_port(entry)?;
    let name = bare_host(name);
    if let Ok(ip) = name.parse::<IpAddr>() {
        let full = if ip.is_ipv4() { 32 } else { 128 };
        return Some(NoProxyEntry::Net(ip, full, port));
    }
    let name = name.trim_start_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(NoProxyEntry::Domain(name, port))
}

/// Splits an optional `:port` off a `NO_PROXY` entry; a bare IPv6 address has no port.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if entry.parse::<IpAddr>().is_ok() {
        return Some((entry, None));
    }
    match entry.rsplit_once(':') {
        // `[v6]:port`, or `name:port` where the name has no colon of its own.
        Some((name, port)) if name.ends_with(']') || !name.contains(':') => {
            Some((name, Some(port.parse::<u16>().ok()?)))
        }
        _ => Some((entry, None)),
    }
}

fn domain_matches(host: &str, name: &str) -> bool {
    let host = host.as_bytes();
    let name = name.as_bytes();
    if host.len() < name.len() {
        return false;
    }
    let (head, tail) = host.split_at(host.len() - name.len());
    tail.eq_ignore_ascii_case(name) && (head.is_empty() || head.ends_with(b"."))
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        // An IPv4-mapped IPv6 host is not matched against IPv4 entries, as in hyper-util.
        _ => false,
    }
}

/// A host without the brackets of an IPv6 literal.
pub(super) fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// Loopback hosts: `127.0.0.0/8`, `::1`, `localhost` and its subdomains, and the IPv4-mapped
/// `::ffff:127.0.0.0/104`.
pub(super) fn is_loopback(host: &str) -> bool {
    let bare = bare_host(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip.to_canonical().is_loopback();
    }
    let lower = bare.to_ascii_lowercase();
    lower == "localhost" || lower.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_mapped_addresses_are_their_ipv4_address() {
        let env = Env::from_vars([
            ("HTTP_PROXY", "http://proxy.example:3128"),
            ("NO_PROXY", "10.0.0.0/8,192.0.2.7"),
        ]);
        let proxies = Proxies::from_env(&env);
        let proxied = |uri: &str| proxies.intercept(&uri.parse().unwrap()).is_some();
        for direct in [
            "http://[::ffff:127.0.0.1]:9/creds",
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:10.1.2.3]/",
            "http://[::ffff:192.0.2.7]/",
        ] {
            assert!(!proxied(direct), "{direct}");
        }
        assert!(proxied("http://[::ffff:192.0.2.8]/"));
        assert!(is_loopback("[::ffff:127.0.0.1]"));
        assert!(!is_loopback("[::ffff:10.0.0.1]"));
    }

    fn proxies(vars: &[(&str, &str)]) -> Proxies {
        Proxies::from_env(&Env::from_vars(vars.iter().copied()))
    }

    fn via(p: &Proxies, uri: &str) -> Option<String> {
        p.intercept(&uri.parse().expect("uri"))
            .map(|p| p.uri().to_string())
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64_into(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded, "{plain:?}");
        }
        let mut out = String::new();
        base64_into(&[0xfb, 0xff, 0xbf], &mut out);
        assert_eq!(out, "+/+/");
    }

    #[test]
    fn percent_decoding_leaves_stray_percent_signs() {
        assert_eq!(percent_decode("a%40b%3Ac"), b"a@b:c");
        assert_eq!(percent_decode("100%"), b"100%");
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
        assert_eq!(percent_decode("%e2%82%ac"), "€".as_bytes());
    }

    #[test]
    fn proxy_urls_and_their_credentials() {
        let p = Proxy::parse("http://user%40corp:p%3Ass@proxy.internal:3128").expect("proxy");
        assert_eq!(p.uri().to_string(), "http://proxy.internal:3128/");
        // base64("user@corp:p:ss")
        assert_eq!(
            p.authorization().map(Secret::expose),
            Some("Basic dXNlckBjb3JwOnA6c3M=")
        );
        let debug = format!("{p:?}");
        assert!(
            !debug.contains("dXNl") && !debug.contains("user"),
            "{debug}"
        );

        // A user without a password is `user:`.
        let p = Proxy::parse("http://user@proxy").expect("proxy");
        assert_eq!(
            p.authorization().map(Secret::expose),
            Some("Basic dXNlcjo=")
        );
        // No scheme: http.
        let p = Proxy::parse("proxy.internal:8080").expect("proxy");
        assert_eq!(p.uri().to_string(), "http://proxy.internal:8080/");
        assert!(p.authorization().is_none());
        // https and socks proxies are kept (the connector refuses them with a reason), socks
        // credentials are not turned into a Basic header.
        assert_eq!(
            Proxy::parse("https://proxy:443").map(|p| p.uri().to_string()),
            Some("https://proxy:443/".into())
        );
        let socks = Proxy::parse("socks5://u:p@proxy:1080").expect("socks");
        assert!(socks.authorization().is_none());
        // Unusable values mean no proxy.
        for bad in ["ftp://proxy:21", "not a url", "http://"] {
            assert!(Proxy::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn lower_case_spellings_win_and_empty_values_are_unset() {
        let p = proxies(&[
            ("http_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://upper:1"),
            ("https_proxy", ""),
            ("HTTPS_PROXY", "http://upper:2"),
            ("no_proxy", "lower.example"),
            ("NO_PROXY", "upper.example"),
        ]);
        assert_eq!(
            via(&p, "http://a.example/").as_deref(),
            Some("http://lower:1/")
        );
        assert_eq!(
            via(&p, "https://a.example/").as_deref(),
            Some("http://upper:2/")
        );
        assert_eq!(via(&p, "https://lower.example/"), None);
        assert!(via(&p, "https://upper.example/").is_some());
        // A scheme with no proxy set goes direct.
        let p = proxies(&[("HTTPS_PROXY", "http://p:1")]);
        assert_eq!(via(&p, "http://a.example/"), None);
        assert!(via(&p, "https://a.example/").is_some());
    }

    #[test]
    fn no_proxy_domains_match_themselves_and_subdomains() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", " example.com , .Corp.Internal,,"),
        ]);
        for direct in [
            "https://example.com/",
            "https://EXAMPLE.com:8443/",
            "https://a.b.example.com/",
            "https://corp.internal/",
            "https://x.corp.internal/",
        ] {
            assert_eq!(via(&p, direct), None, "{direct}");
        }
        for proxied in [
            "https://badexample.com/",
            "https://example.com.evil/",
            "https://internal/",
            "https://10.0.0.1/",
        ] {
            assert!(via(&p, proxied).is_some(), "{proxied}");
        }
    }

    #[test]
    fn no_proxy_ports_must_match_the_explicit_port() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "example.com:8443,10.1.2.3:443,[fd00::1]:8080,bad:port",
            ),
        ]);
        assert_eq!(via(&p, "https://example.com:8443/"), None);
        assert_eq!(via(&p, "https://a.example.com:8443/"), None);
        assert!(via(&p, "https://example.com/").is_some());
        assert!(via(&p, "https://example.com:9443/").is_some());
        assert_eq!(via(&p, "https://10.1.2.3:443/"), None);
        // urllib compares the URL as written: no explicit port, no match.
        assert!(via(&p, "https://10.1.2.3/").is_some());
        assert_eq!(via(&p, "https://[fd00::1]:8080/"), None);
        assert!(via(&p, "https://[fd00::1]:8081/").is_some());
        assert!(via(&p, "https://bad/").is_some());
    }

    #[test]
    fn no_proxy_addresses_and_cidr_blocks() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "169.254.169.254,10.0.0.0/8,fd00:ec2::/32,::2,192.168.1.0/33,[fd01::1]",
            ),
        ]);
        for direct in [
            "https://169.254.169.254/",
            "https://10.200.3.4/",
            "https://[fd00:ec2::254]/",
            "https://[::2]/",
            "https://[fd01::1]/",
        ] {
            assert_eq!(via(&p, direct), None, "{direct}");
        }
        for proxied in [
            "https://169.254.169.253/",
            "https://11.0.0.1/",
            "https://[fd01:ec2::254]/",
            // The bad prefix length never matches.
            "https://192.168.1.1/",
            // Addresses are not compared with names.
            "https://10.example/",
        ] {
            assert!(via(&p, proxied).is_some(), "{proxied}");
        }
        assert!(in_net(
            "1.2.3.4".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
            0
        ));
        assert!(in_net("::5".parse().unwrap(), "::".parse().unwrap(), 0));
        assert!(!in_net(
            "1.2.3.4".parse().unwrap(),
            "1.2.3.5".parse().unwrap(),
            32
        ));
    }

    #[test]
    fn a_star_entry_turns_proxies_off_and_loopback_is_never_proxied() {
        let p = proxies(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "x.example, *")]);
        assert_eq!(via(&p, "https://sts.amazonaws.com/"), None);
        let p = proxies(&[("HTTP_PROXY", "http://p:1")]);
        for host in [
            "127.0.0.1:8080",
            "127.9.9.9",
            "[::1]:1",
            "localhost",
            "LOCALHOST:80",
            "a.localhost",
        ] {
            assert_eq!(via(&p, &format!("http://{host}/")), None, "{host}");
        }
        for host in ["169.254.169.254", "localhost.example", "[fd00:ec2::254]"] {
            assert!(via(&p, &format!("http://{host}/")).is_some(), "{host}");
        }
    }
}
