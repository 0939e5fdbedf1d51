//! # CNTR-K8-000320: API server insecure (HTTP) port disabled
//!
//! **What it checks.** On a kube-apiserver static pod older than Kubernetes 1.24, `--insecure-port`
//! must be set to `0`. The STIG check text makes a flag that is not configured a finding too
//! (older releases listened on port 8080 by default), so an absent flag is reported at the
//! container's `command`. The flag was removed in Kubernetes 1.24 (no insecure port exists any more): on 1.24
//! or later (the image tag's version, else the scan's `--k8s-version`) the rule reports nothing and
//! records a not-applicable note. With no version known the check applies.
//!
//! **Why.** Requests to the insecure port bypass authentication and authorization entirely: anyone
//! who reaches it on the control-plane host has full control of the cluster.
//!
//! **Example.**
//! ```yaml
//! image: registry.k8s.io/kube-apiserver:v1.23.17
//! command:
//!   - kube-apiserver
//!   - --insecure-port=8080   # finding
//! ```
//!
//! **Fix.** Set `--insecure-port=0` in `/etc/kubernetes/manifests/kube-apiserver.yaml` (on 1.24 or
//! later, remove the flag: the API server no longer accepts it).
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000320 (V-242386): the check greps the manifests
//! for `insecure-port`; not set to `0` or not configured is a finding; its note says the flag is
//! deprecated, can only be `0`, and is removed in v1.24.
use stiglint_sdk::controlplane::{Component, StaticPod, WhenAbsent, check_flag};
use stiglint_sdk::{ScanContext, prelude::*};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000320")
            .kinds(&["Pod"])
            .remediation(
                "Set `--insecure-port=0` on kube-apiserver before 1.24; remove the flag on 1.24 or later.",
            )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        match settings {
            Value::Null => {}
            Value::Object(map) if map.is_empty() => {}
            _ => return Err("this control takes no settings".to_owned()),
        }
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(pod) = StaticPod::of(doc).filter(|p| p.component == Component::ApiServer) else {
            return;
        };
        if super::removed_in_1_24(&pod, &self.scan, out, "insecure-port") {
            return;
        }
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "insecure-port",
            WhenAbsent::Finding,
            |f| f.text().trim() == "0",
            "to 0",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;
    use stiglint_sdk::{Hints, ScanContext, prelude::*};

    fn untagged_apiserver() -> Document {
        Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints {
                kind: Some("Pod".into()),
                ..Hints::default()
            },
            json: json!({"spec": {"containers": [{"name": "a", "image": "kube-apiserver",
                "command": ["kube-apiserver", "--secure-port=6443"]}]}}),
        }
    }

    fn findings(k8s_version: Option<&str>) -> usize {
        let mut rule = Rule::default();
        let scan = ScanContext {
            k8s_version: k8s_version.map(str::to_owned),
            ..ScanContext::default()
        };
        rule.configure(&Value::Null, &scan).expect("configure");
        let mut out = Out::new("CNTR-K8-000320", 0);
        rule.check(&untagged_apiserver(), &mut out);
        out.findings().len()
    }

    #[test]
    fn scan_version_decides_without_an_image_tag() {
        assert_eq!(findings(Some("1.29")), 0, "removed in 1.24: a note only");
        assert_eq!(findings(Some("1.23")), 1);
        assert_eq!(findings(None), 1, "no version known: the check applies");
    }
}
