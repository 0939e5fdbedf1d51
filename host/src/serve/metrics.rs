//! `GET /metrics`: Prometheus text exposition (format 0.0.4) of the webhook's requests and
//! their latency by outcome, the findings by control and decision, and plugin errors. Kept in
//! sorted maps: the same counts always print the same text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<&'static str, Histogram>,
    findings: BTreeMap<(String, &'static str), u64>,
    plugin_errors: BTreeMap<String, u64>,
}

/// The webhook's counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// One request answered, with its outcome (`allowed`, `denied`, `error`, `invalid`, ...).
    pub fn request(&self, outcome: &'static str, took: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let h = inner.requests.entry(outcome).or_default();
        let secs = took.as_secs_f64();
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// A finding of a control, with what it did (`deny`, `warn`, `waived`).
    pub fn finding(&self, control: &str, decision: &'static str) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner
            .findings
            .entry((control.to_owned(), decision))
            .or_default() += 1;
    }

    /// A plugin failed (trap, timeout, bad output) while judging a request.
    pub fn plugin_error(&self, plugin: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner.plugin_errors.entry(plugin.to_owned()).or_default() += 1;
    }

    /// The text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        out.push_str(
            "# HELP stiglint_admission_requests_total Admission reviews answered, by outcome.\n",
        );
        out.push_str("# TYPE stiglint_admission_requests_total counter\n");
        for (outcome, h) in &inner.requests {
            let _ = writeln!(
                out,
                "stiglint_admission_requests_total{{outcome=\"{outcome}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP stiglint_admission_request_duration_seconds Time from the request's body read to its answer, by outcome.\n");
        out.push_str("# TYPE stiglint_admission_request_duration_seconds histogram\n");
        for (outcome, h) in &inner.requests {
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "stiglint_admission_request_duration_seconds_bucket{{outcome=\"{outcome}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "stiglint_admission_request_duration_seconds_bucket{{outcome=\"{outcome}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "stiglint_admission_request_duration_seconds_sum{{outcome=\"{outcome}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "stiglint_admission_request_duration_seconds_count{{outcome=\"{outcome}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP stiglint_admission_findings_total Findings on admitted or refused objects, by control and decision (deny, warn, waived).\n");
        out.push_str("# TYPE stiglint_admission_findings_total counter\n");
        for ((control, decision), n) in &inner.findings {
            let _ = writeln!(
                out,
                "stiglint_admission_findings_total{{control=\"{}\",decision=\"{decision}\"}} {n}",
                escape(control)
            );
        }
        out.push_str("# HELP stiglint_plugin_errors_total Plugin failures (trap, timeout, bad output) while judging admission reviews.\n");
        out.push_str("# TYPE stiglint_plugin_errors_total counter\n");
        for (plugin, n) in &inner.plugin_errors {
            let _ = writeln!(
                out,
                "stiglint_plugin_errors_total{{plugin=\"{}\"}} {n}",
                escape(plugin)
            );
        }
        out
    }
}

/// A label value as the exposition format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_text_is_sorted() {
        let m = Metrics::default();
        m.request("denied", Duration::from_millis(3));
        m.request("allowed", Duration::from_micros(700));
        m.request("allowed", Duration::from_secs(20));
        m.finding("KUBER-L2-000020", "deny");
        m.plugin_error("loop \"x\"");
        let text = m.render();
        assert!(
            text.contains("stiglint_admission_requests_total{outcome=\"allowed\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{outcome=\"allowed\",le=\"0.0005\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{outcome=\"allowed\",le=\"0.001\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{outcome=\"allowed\",le=\"10\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{outcome=\"allowed\",le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(text.find("outcome=\"allowed\"") < text.find("outcome=\"denied\""));
        assert!(text.contains("{plugin=\"loop \\\"x\\\"\"} 1\n"), "{text}");
    }
}
