//! # CNTR-K8-002600: API server request timeout set
//!
//! **What it checks.** The kube-apiserver static pod must run with `--request-timeout` set to a
//! duration greater than zero, written as Go writes durations (`60s`, `1m30s`, `300ms`; a bare `0`
//! is zero). The STIG check text makes a flag that is not configured a finding, so an absent flag
//! is reported at the container's `command`; zero, a negative duration or a value Go cannot read
//! (`300` without a unit) is reported at the flag.
//!
//! **Why.** Requests that never time out tie up API server resources: enough of them and the server
//! stops answering anyone.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --request-timeout=0s   # finding
//! ```
//!
//! **Fix.** Set `--request-timeout` to a duration greater than zero (upstream default `60s`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002600 (V-242438): the check greps the manifests
//! for `request-timeout`; set to `0`, or not configured, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002600")
            .kinds(&["Pod"])
            .remediation("Set `--request-timeout` to a duration greater than zero (e.g. `60s`) on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "request-timeout",
            WhenAbsent::Finding,
            |f| duration_seconds(f.text()).is_some_and(|s| s > 0.0),
            "to a duration greater than zero",
        );
    }
}

/// A Go duration (`1h2m3.5s`, `300ms`, `-1s`, `0`) in seconds; `None` if Go would reject it.
fn duration_seconds(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 8] = [
        ("ns", 1e-9),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("μs", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("m", 60.0),
        ("h", 3600.0),
    ];
    let text = text.trim();
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS.into_iter().find(|(u, _)| rest.starts_with(u))?;
        total += number * scale;
        rest = &rest[unit.len()..];
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn go_durations() {
        assert_eq!(duration_seconds("60s"), Some(60.0));
        assert_eq!(duration_seconds("1m30s"), Some(90.0));
        assert_eq!(duration_seconds("1h"), Some(3600.0));
        assert_eq!(duration_seconds("300ms"), Some(0.3));
        assert_eq!(duration_seconds("0"), Some(0.0));
        assert_eq!(duration_seconds("0s"), Some(0.0));
        assert_eq!(duration_seconds("-1s"), Some(-1.0));
        assert_eq!(duration_seconds("300"), None);
        assert_eq!(duration_seconds(""), None);
        assert_eq!(duration_seconds("true"), None);
    }
}
