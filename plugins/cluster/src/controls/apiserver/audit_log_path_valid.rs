//! # CNTR-K8-003320: Audit log path valid
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-log-path` set to a
//! valid location for a log file: an absolute path (`/var/log/kubernetes/audit/audit.log`) that
//! does not end in `/` (a directory) and holds no blank. The STIG check text makes a flag that is
//! not set a finding, so an absent flag is reported at the container's `command`; an empty value, a
//! relative path, a directory or `-` (standard output, which is not a path) is reported at the
//! flag. (CNTR-K8-000610 only asks that the flag be set.)
//!
//! **Why.** A relative path lands wherever the API server happens to run from, usually inside the
//! container's writable layer, where the audit trail is lost with the container.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --audit-log-path=audit.log   # finding: relative path
//! ```
//!
//! **Fix.** Set `--audit-log-path` to an absolute file path on a host directory mounted into the
//! pod (e.g. `/var/log/kubernetes/audit/audit.log`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-003320 (V-242465): the check greps the manifests
//! for `audit-log-path`; not set, or not set to a valid path, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-003320").kinds(&["Pod"]).remediation(
            "Set `--audit-log-path` to an absolute file path (e.g. `/var/log/kubernetes/audit/audit.log`) on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "audit-log-path",
            WhenAbsent::Finding,
            |f| f.value.as_deref().is_some_and(valid_log_path),
            "to an absolute file path",
        );
    }
}

/// An absolute path to a file: `/` first, not `/` last, no blanks or NULs.
fn valid_log_path(path: &str) -> bool {
    path.len() > 1
        && path.starts_with('/')
        && !path.ends_with('/')
        && !path.contains(|c: char| c.is_whitespace() || c == '\0')
}

#[cfg(test)]
mod tests {
    use super::valid_log_path;

    #[test]
    fn absolute_file_paths_only() {
        assert!(valid_log_path("/var/log/kubernetes/audit/audit.log"));
        for bad in [
            "",
            "-",
            "/",
            "audit.log",
            "./audit.log",
            "/var/log/audit/",
            "/var/log/a b.log",
        ] {
            assert!(!valid_log_path(bad), "{bad}");
        }
    }
}
