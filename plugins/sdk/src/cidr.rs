//! CIDR blocks as address ranges, not strings.
//!
//! `0.0.0.0/0`, `0.0.0.0/00`, `::0/0` and `0000:0000:0000:0000:0000:0000:0000:0000/0` are the
//! same block; `["0.0.0.0/1", "128.0.0.0/1"]` is the whole IPv4 internet. A block is parsed
//! with the standard library's address parsers and its host bits are cleared, as AWS does
//! (`1.1.1.1/1` is `0.0.0.0/1`).
//!
//! **"Anywhere".** A block, or the union of a list, is *anywhere* when it covers at least half
//! of the public IPv4 space — all of IPv4 without RFC 1918 (`10.0.0.0/8`, `172.16.0.0/12`,
//! `192.168.0.0/16`), shared address space (`100.64.0.0/10`, RFC 6598), loopback
//! (`127.0.0.0/8`), link-local (`169.254.0.0/16`) and multicast (`224.0.0.0/4`) — or at least
//! half of IPv6 global unicast (`2000::/3`, RFC 4291 §2.4).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// A CIDR block: its family, first and last address (as integers) and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// IPv4 or IPv6.
    pub family: Family,
    /// First address.
    pub start: u128,
    /// Last address (inclusive).
    pub end: u128,
    /// Prefix length.
    pub prefix: u8,
}

/// IPv4 ranges that are not public (first, last).
const V4_NOT_PUBLIC: [(u128, u128); 7] = [
    v4_block(10, 0, 8),
    v4_block(100, 64, 10),
    v4_block(127, 0, 8),
    v4_block(169, 254, 16),
    v4_block(172, 16, 12),
    v4_block(192, 168, 16),
    v4_block(224, 0, 4),
];

/// IPv6 global unicast, `2000::/3`.
const V6_GLOBAL: (u128, u128) = (0x2000 << 112, (0x4000 << 112) - 1);

const fn v4_block(a: u128, b: u128, prefix: u32) -> (u128, u128) {
    let start = (a << 24) | (b << 16);
    (start, start + (1 << (32 - prefix)) - 1)
}

impl Cidr {
    /// Parse `address/prefix` (host bits set are cleared). The error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let Some((addr, prefix)) = t.split_once('/') else {
            return Err(format!("`{text}` is not a CIDR block (no /prefix)"));
        };
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
            return Err(format!("`{text}` has no valid prefix length"));
        }
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| format!("`{text}` has no valid prefix length"))?;
        let (family, bits, value) = if let Ok(a) = addr.parse::<Ipv4Addr>() {
            (Family::V4, 32u8, u128::from(u32::from(a)))
        } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
            (Family::V6, 128u8, u128::from(a))
        } else {
            return Err(format!(
                "`{text}` is not a CIDR block (`{addr}` is not an IP address)"
            ));
        };
        if prefix > bits {
            return Err(format!("`{text}` has a prefix longer than {bits} bits"));
        }
        let host_bits = u32::from(bits - prefix);
        let size_mask: u128 = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let start = value & !size_mask;
        Ok(Self {
            family,
            start,
            end: start | size_mask,
            prefix,
        })
    }

    /// How many public addresses it covers (see the module documentation).
    #[must_use]
    pub fn public_size(&self) -> u128 {
        public_size(&[(self.start, self.end)], self.family)
    }

    /// Whether it holds any public address.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.public_size() > 0
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.family {
            #[allow(clippy::cast_possible_truncation)] // an IPv4 start fits in 32 bits
            Family::V4 => write!(f, "{}/{}", Ipv4Addr::from(self.start as u32), self.prefix),
            Family::V6 => write!(f, "{}/{}", Ipv6Addr::from(self.start), self.prefix),
        }
    }
}

/// Sorted, merged (first, last) ranges.
fn merged(mut ranges: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    ranges.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The size of the overlap of two inclusive ranges.
fn overlap(a: (u128, u128), b: (u128, u128)) -> u128 {
    let (s, e) = (a.0.max(b.0), a.1.min(b.1));
    if s > e { 0 } else { (e - s).saturating_add(1) }
}

/// Public addresses in the union of `ranges` (all of one family).
fn public_size(ranges: &[(u128, u128)], family: Family) -> u128 {
    let ranges = merged(ranges.to_vec());
    match family {
        Family::V4 => ranges
            .iter()
            .map(|r| {
                let all = overlap(*r, (0, u128::from(u32::MAX)));
                all - V4_NOT_PUBLIC.iter().map(|x| overlap(*r, *x)).sum::<u128>()
            })
            .sum(),
        Family::V6 => ranges.iter().map(|r| overlap(*r, V6_GLOBAL)).sum(),
    }
}

/// All public addresses of a family.
fn public_total(family: Family) -> u128 {
    public_size(&[(0, u128::MAX)], family)
}

/// Whether the union of `cidrs` is "anywhere": at least half of the public IPv4 space, or of
/// IPv6 global unicast.
#[must_use]
pub fn covers_anywhere(cidrs: &[Cidr]) -> bool {
    [Family::V4, Family::V6].into_iter().any(|family| {
        let ranges: Vec<(u128, u128)> = cidrs
            .iter()
            .filter(|c| c.family == family)
            .map(|c| (c.start, c.end))
            .collect();
        !ranges.is_empty() && public_size(&ranges, family) >= public_total(family).div_ceil(2)
    })
}

/// Whether `cidr` holds public addresses that none of `allowed` holds.
#[must_use]
pub fn outside(cidr: &Cidr, allowed: &[Cidr]) -> bool {
    let own = cidr.public_size();
    if own == 0 {
        return false;
    }
    let inside: Vec<(u128, u128)> = allowed
        .iter()
        .filter(|a| a.family == cidr.family)
        .filter_map(|a| {
            let (s, e) = (a.start.max(cidr.start), a.end.min(cidr.end));
            (s <= e).then_some((s, e))
        })
        .collect();
    public_size(&inside, cidr.family) < own
}

/// Whether one CIDR text means "anywhere" on its own (false for text that is not a CIDR).
#[must_use]
pub fn is_anywhere(text: &str) -> bool {
    Cidr::parse(text).is_ok_and(|c| covers_anywhere(&[c]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(texts: &[&str]) -> Vec<Cidr> {
        texts
            .iter()
            .map(|t| Cidr::parse(t).expect("a CIDR"))
            .collect()
    }

    #[test]
    fn every_spelling_of_anywhere() {
        for t in [
            "0.0.0.0/0",
            "0.0.0.0/00",
            " 0.0.0.0/0 ",
            "::/0",
            "::0/0",
            "0::/0",
            "0:0:0:0:0:0:0:0/0",
            "0000:0000:0000:0000:0000:0000:0000:0000/0",
            "1.1.1.1/1",
            "2000::/3",
            "2001:db8::/2",
            "3fff::/4",
        ] {
            assert!(is_anywhere(t), "{t}");
        }
        for t in [
            "10.0.0.0/8",
            "203.0.113.0/24",
            "128.0.0.0/1",
            "2001:db8::/32",
            "fc00::/7",
            "4000::/2",
            "not-a-cidr",
            "0.0.0.0",
        ] {
            assert!(!is_anywhere(t), "{t}");
        }
    }

    #[test]
    fn unions_cover_the_internet() {
        assert!(covers_anywhere(&all(&["0.0.0.0/1", "128.0.0.0/1"])));
        assert!(covers_anywhere(&all(&[
            "128.0.0.0/2",
            "192.0.0.0/2",
            "64.0.0.0/2"
        ])));
        assert!(!covers_anywhere(&all(&["10.0.0.0/8", "192.168.0.0/16"])));
        assert!(!covers_anywhere(&all(&["128.0.0.0/2", "::/3"])));
        assert!(covers_anywhere(&all(&["2000::/4", "3000::/4"])));
        assert!(!covers_anywhere(&[]));
    }

    #[test]
    fn host_bits_are_cleared_and_errors_say_why() {
        let c = Cidr::parse("1.1.1.1/1").expect("cidr");
        assert_eq!(c.to_string(), "0.0.0.0/1");
        let c = Cidr::parse("2001:db8::1/32").expect("cidr");
        assert_eq!(c.to_string(), "2001:db8::/32");
        assert!(
            Cidr::parse("1.2.3.4/33")
                .expect_err("invalid")
                .contains("longer than 32")
        );
        assert!(
            Cidr::parse("1.2.3.4")
                .expect_err("invalid")
                .contains("no /prefix")
        );
        assert!(
            Cidr::parse("1.2.3/8")
                .expect_err("invalid")
                .contains("not an IP address")
        );
        assert!(
            Cidr::parse("1.2.3.4/-1")
                .expect_err("invalid")
                .contains("prefix")
        );
    }

    #[test]
    fn public_and_allowed() {
        let admin = all(&["203.0.113.0/24", "2001:db8::/32"]);
        assert!(!outside(&Cidr::parse("203.0.113.8/29").expect("c"), &admin));
        assert!(outside(&Cidr::parse("198.51.100.0/24").expect("c"), &admin));
        assert!(outside(&Cidr::parse("203.0.112.0/23").expect("c"), &admin));
        // Private space is never "outside": it is not public.
        assert!(!outside(&Cidr::parse("10.1.0.0/16").expect("c"), &admin));
        assert!(!Cidr::parse("192.168.1.0/24").expect("c").is_public());
        assert!(Cidr::parse("8.8.8.8/32").expect("c").is_public());
    }
}
