//! Does public DNS delegate a zone to the hosted zone we write ACM validation records into?
//! A minimal NS lookup over UDP, so a mis-delegated zone is reported instead of waiting for a
//! validation that can never happen. Plain DNS, no AWS: it sits beside `util`, below every
//! layer, and `providers::edge::certificates` asks it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// A `host:port` used instead of /etc/resolv.conf (tests, unusual networks).
pub const RESOLVER_ENV: &str = "IDRV5_GW_DNS_RESOLVER";
const TYPE_NS: u16 = 2;
const CLASS_IN: u16 = 1;
/// Real names need a handful of pointers; the cap is what keeps a pointer loop finite.
const MAX_JUMPS: usize = 32;

/// Name servers the public DNS gives for `zone` (e.g. "idrv5.example.com"), lowercased, without
/// the trailing dot, sorted and deduplicated; None when that cannot be known (no resolver,
/// timeout, SERVFAIL/NXDOMAIN/REFUSED, truncated or malformed answer). An empty list means the
/// resolver answered that the name has no NS records, i.e. it is not delegated at all.
pub async fn public_name_servers(zone: &str, timeout: Duration) -> Option<Vec<String>> {
    let deadline = Instant::now() + timeout;
    let servers = tokio::time::timeout_at(deadline, resolvers()).await.ok()?;
    let tried = servers.len().min(2);
    for (i, server) in servers.into_iter().take(tried).enumerate() {
        // Share what is left, so a dead first resolver still leaves time for the second.
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(ns) = query_ns(server, zone, left / (tried - i) as u32).await {
            return Some(ns);
        }
    }
    None
}

/// What we can say about the delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delegation {
    /// The public NS set and the hosted zone's name servers share at least one server.
    Matches,
    /// Public DNS delegates the zone elsewhere (an empty `public`: not delegated at all).
    Differs {
        public: Vec<String>,
        zone: Vec<String>,
    },
    /// Could not be checked (offline, private zone, emulator...).
    Unknown,
}

/// Compare; names are compared case-insensitively and without trailing dots.
pub fn verdict(zone_name_servers: &[String], public: Option<&[String]>) -> Delegation {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v
            .iter()
            .map(|s| normalize(s))
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let zone = norm(zone_name_servers);
    match public.map(norm) {
        // Without the hosted zone's own servers there is nothing to compare against.
        _ if zone.is_empty() => Delegation::Unknown,
        None => Delegation::Unknown,
        Some(p) if p.iter().any(|n| zone.contains(n)) => Delegation::Matches,
        Some(public) => Delegation::Differs { public, zone },
    }
}

/// One line for the user.
pub fn describe(zone: &str, d: &Delegation) -> String {
    let zone = normalize(zone);
    match d {
        Delegation::Matches => format!("public DNS delegates {zone} to the hosted zone"),
        Delegation::Unknown => {
            format!("could not check which name servers public DNS gives for {zone}")
        }
        Delegation::Differs { public, zone: ours } => {
            let first = if public.is_empty() {
                format!("public DNS has no NS records for {zone} (it is not delegated)")
            } else {
                format!("public DNS delegates {zone} to {}", public.join(", "))
            };
            format!(
                "{first}; the hosted zone's name servers are {}: validation records written there will never be seen by ACM",
                ours.join(", ")
            )
        }
    }
}

fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

async fn resolvers() -> Vec<SocketAddr> {
    if let Ok(v) = std::env::var(RESOLVER_ENV) {
        return tokio::net::lookup_host(v.trim())
            .await
            .map(|a| a.collect())
            .unwrap_or_default();
    }
    parse_resolv_conf(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default())
}

fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            // Scoped IPv6 addresses (fe80::1%eth0) do not parse and are skipped.
            let ip: IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(ip, 53))
        })
        .collect()
}

/// Ask one resolver for the NS set of `zone`.
async fn query_ns(resolver: SocketAddr, zone: &str, timeout: Duration) -> Option<Vec<String>> {
    let id: u16 = rand::random();
    let query = encode_query(id, zone)?;
    let local: IpAddr = match resolver {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let exchange = async {
        let sock = UdpSocket::bind((local, 0)).await.ok()?;
        // Connected: the kernel drops datagrams from anyone but the resolver.
        sock.connect(resolver).await.ok()?;
        sock.send(&query).await.ok()?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = sock.recv(&mut buf).await.ok()?;
            // A late answer to an earlier query carries another id: skip it and keep waiting.
            if n >= 2 && buf[..2] == id.to_be_bytes() {
                return parse_response(&buf[..n], id, zone);
            }
        }
    };
    tokio::time::timeout(timeout, exchange).await.ok().flatten()
}

fn encode_query(id: u16, zone: &str) -> Option<Vec<u8>> {
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD; one question
    let zone = normalize(zone);
    for label in zone.split('.').filter(|_| !zone.is_empty()) {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    if q.len() - 12 > 255 {
        return None;
    }
    q.extend_from_slice(&TYPE_NS.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    Some(q)
}

/// The NS names for `zone` in a response: from the answer section, else the authority section.
fn parse_response(msg: &[u8], id: u16, zone: &str) -> Option<Vec<String>> {
    let u16_at = |i: usize| {
        msg.get(i..i.checked_add(2)?)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let flags = u16_at(2)?;
    // Not a response, truncated (TC) or any RCODE but NOERROR: nothing we can trust.
    if u16_at(0)? != id || flags & 0x8000 == 0 || flags & 0x0200 != 0 || flags & 0x000f != 0 {
        return None;
    }
    let (qd, an, ns) = (u16_at(4)?, u16_at(6)?, u16_at(8)?);
    let mut pos = 12;
    for _ in 0..qd {
        pos = read_name(msg, pos)?.1 + 4;
    }
    (pos <= msg.len()).then_some(())?;
    let zone = normalize(zone);
    let mut found = [Vec::new(), Vec::new()];
    for (section, count) in [an, ns].into_iter().enumerate() {
        for _ in 0..count {
            let (owner, p) = read_name(msg, pos)?;
            let (rtype, class, rdlen) = (u16_at(p)?, u16_at(p + 2)?, u16_at(p + 8)? as usize);
            let rdata = p + 10;
            pos = rdata + rdlen;
            (pos <= msg.len()).then_some(())?;
            if rtype == TYPE_NS && class == CLASS_IN && owner == zone {
                let (name, end) = read_name(msg, rdata)?;
                (end <= pos).then_some(())?;
                found[section].push(name);
            }
        }
    }
    let [mut names, authority] = found;
    if names.is_empty() {
        names = authority;
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// A possibly compressed name at `pos`, lowercased; also the offset just past it in place.
fn read_name(msg: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let (mut name, mut end, mut jumps) = (String::new(), None, 0);
    loop {
        let len = *msg.get(pos)? as usize;
        match len & 0xc0 {
            0xc0 => {
                jumps += 1;
                if jumps > MAX_JUMPS {
                    return None;
                }
                end.get_or_insert(pos + 2);
                pos = (len & 0x3f) << 8 | *msg.get(pos + 1)? as usize;
            }
            0 if len == 0 => return Some((name, end.unwrap_or(pos + 1))),
            0 => {
                let label = msg.get(pos + 1..pos + 1 + len)?;
                if !name.is_empty() {
                    name.push('.');
                }
                name.extend(label.iter().map(|b| b.to_ascii_lowercase() as char));
                if name.len() > 255 {
                    return None;
                }
                pos += 1 + len;
            }
            _ => return None, // 0x40/0x80 label types are obsolete
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }
    const ZONE: &str = "idrv5.example.com";

    /// A response for NS idrv5.example.com: two NS answers using compression (one for another
    /// owner, to be ignored) and nothing else; every byte of it is needed to parse it.
    fn canned(id: u16) -> Vec<u8> {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0]);
        m.extend_from_slice(b"\x05IDRV5\x07example\x03com\x00\x00\x02\x00\x01"); // name at 12
        let rr = |m: &mut Vec<u8>, owner: &[u8], rdata: &[u8]| {
            m.extend_from_slice(owner);
            m.extend_from_slice(&[0, 2, 0, 1, 0, 0, 1, 0, 0, rdata.len() as u8]);
            m.extend_from_slice(rdata);
        };
        rr(&mut m, &[0xc0, 12], b"\x05NS-01\x03net\x00"); // rdata at 47, "net" at 53
        rr(&mut m, &[0xc0, 12], b"\x05ns-02\xc0\x35");
        rr(&mut m, &[0xc0, 18], b"\x05other\xc0\x35"); // owner example.com
        m
    }

    #[test]
    fn encodes_query() {
        let q = encode_query(0xbeef, "Idrv5.Example.com.").unwrap();
        let mut want = vec![0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(b"\x05idrv5\x07example\x03com\x00\x00\x02\x00\x01");
        assert_eq!(q, want);
        assert_eq!(encode_query(1, ".").unwrap()[12..], [0, 0, 2, 0, 1]);
        assert!(encode_query(1, "a..b").is_none());
        assert!(encode_query(1, &"x".repeat(64)).is_none());
        assert!(encode_query(1, &["abcdefghi"; 30].join(".")).is_none());
    }

    #[test]
    fn parses_compressed_answer() {
        let want = Some(names(&["ns-01.net", "ns-02.net"]));
        assert_eq!(parse_response(&canned(7), 7, "idrv5.EXAMPLE.com."), want);
        let other = Some(names(&["other.net"]));
        assert_eq!(parse_response(&canned(7), 7, "example.com"), other);
        assert_eq!(parse_response(&canned(7), 8, ZONE), None);
        for (byte, bits) in [(2, 0x80), (2, 0x02), (3, 0x03), (3, 0x02), (3, 0x05)] {
            let mut m = canned(7);
            m[byte] ^= bits; // QR cleared, TC set, NXDOMAIN, SERVFAIL, REFUSED
            assert_eq!(parse_response(&m, 7, ZONE), None, "{byte} {bits}");
        }
    }

    #[test]
    fn falls_back_to_authority_and_reports_no_delegation() {
        let mut m = canned(7);
        m[7] = 0; // answers become authority records
        m[9] = 3;
        assert_eq!(parse_response(&m, 7, ZONE).unwrap().len(), 2);
        m[9] = 0;
        m.truncate(35);
        assert_eq!(parse_response(&m, 7, ZONE), Some(vec![]));
    }

    #[test]
    fn malformed_input_never_panics() {
        let good = canned(7);
        for n in 0..good.len() {
            assert_eq!(parse_response(&good[..n], 7, ZONE), None, "len {n}");
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..20_000 {
            let mut m = good.clone();
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(0..m.len());
                m[i] = rng.gen();
            }
            let _ = parse_response(&m, 7, ZONE);
            // A valid-looking header, so random bytes get past the id and flag checks.
            let mut junk = vec![0, 7, 0x81, 0x80];
            junk.extend((0..rng.gen_range(0..80)).map(|_| rng.gen::<u8>()));
            let _ = parse_response(&junk, 7, "a");
        }
    }

    #[test]
    fn pointer_loops_end() {
        assert_eq!(read_name(&[0xc0, 0], 0), None);
        assert_eq!(read_name(&[0xc0, 2, 0xc0, 0], 0), None);
        assert_eq!(read_name(&[1, b'a', 0xc0, 0], 0), None); // grows the name each lap
        let mut m = canned(7);
        m[35] = 0xc0; // first answer's owner points at itself
        m[36] = 35;
        assert_eq!(parse_response(&m, 7, ZONE), None);
    }

    #[test]
    fn verdicts_and_descriptions() {
        let v = names;
        let ours = v(&["NS-1.awsdns.com.", "ns-2.awsdns.net"]);
        let one = v(&["ns-1.awsdns.com"]);
        assert_eq!(verdict(&ours, Some(&one)), Delegation::Matches);
        assert_eq!(verdict(&ours, None), Delegation::Unknown);
        assert_eq!(verdict(&[], Some(&v(&["a"]))), Delegation::Unknown);
        let d = verdict(&ours, Some(&v(&["b.example.", "a.example", "A.example"])));
        let want = Delegation::Differs {
            public: v(&["a.example", "b.example"]),
            zone: v(&["ns-1.awsdns.com", "ns-2.awsdns.net"]),
        };
        assert_eq!(d, want);
        assert_eq!(
            describe("Z.example.", &d),
            "public DNS delegates z.example to a.example, b.example; the hosted zone's name servers \
             are ns-1.awsdns.com, ns-2.awsdns.net: validation records written there will never be seen by ACM"
        );
        let none = verdict(&ours, Some(&[]));
        assert!(describe("z", &none).starts_with("public DNS has no NS records for z"));
        assert!(describe("z", &Delegation::Matches).contains("delegates z"));
    }

    #[test]
    fn reads_resolv_conf() {
        let text = "# c\nnameserver 10.0.0.2\nsearch x\nnameserver ::1\nnameserver fe80::1%eth0\n";
        let want: Vec<SocketAddr> =
            vec!["10.0.0.2:53".parse().unwrap(), "[::1]:53".parse().unwrap()];
        assert_eq!(parse_resolv_conf(text), want);
    }

    #[tokio::test]
    async fn asks_a_resolver_over_udp() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            let (n, peer) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(buf[2..n], encode_query(0, ZONE).unwrap()[2..]);
            let id = u16::from_be_bytes([buf[0], buf[1]]);
            let stale = canned(id.wrapping_add(1)); // must be skipped, not taken as the answer
            server.send_to(&stale, peer).await.unwrap();
            server.send_to(&canned(id), peer).await.unwrap();
        });
        let got = query_ns(addr, ZONE, Duration::from_secs(5)).await;
        assert_eq!(got, Some(names(&["ns-01.net", "ns-02.net"])));
    }

    #[tokio::test]
    async fn silent_resolver_times_out() {
        let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap(); // bound, never answers
        let start = Instant::now();
        let addr = silent.local_addr().unwrap();
        let got = query_ns(addr, ZONE, Duration::from_millis(300)).await;
        assert_eq!(got, None);
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
