//! # CNTR-K8-000960: User pods do not use privileged (<1024) host ports
//!
//! **What it checks.** Every `ports[].hostPort` of every container, init container and
//! ephemeral container of every pod-bearing object outside the system namespaces
//! (`kube-system`, `kube-public`, `kube-node-lease`; an object without `metadata.namespace` is
//! in the scan's namespace, else in `default`) must be unset or at least 1024.
//!
//! **Why.** Ports below 1024 are the node's privileged ports: SSH, DNS, HTTP(S) and the like.
//! A user pod that binds one on the host can hijack or shadow a node service, and ties the
//! workload to its node. Only the platform's own components may need them.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     ports:
//!       - containerPort: 8080
//!         hostPort: 80       # finding
//!       - containerPort: 8443
//!         hostPort: 8443     # fine
//! ```
//!
//! **Fix.** Remove `hostPort` and expose the workload through a Service (`ClusterIP`,
//! `NodePort` or `LoadBalancer`), or map it to a host port of 1024 or above.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000960 (V-242414, CAT II): the ports of every
//! pod outside the system namespaces are reviewed and any host-privileged port is a finding;
//! NIST SP 800-53 CM-7 b.
use stiglint_sdk::k8s::{SYSTEM_NAMESPACES, list_settings};
use stiglint_sdk::{ScanContext, prelude::*};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000960").pod_kinds().remediation(
            "Remove the `hostPort` below 1024 and expose the workload through a Service.",
        )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if SYSTEM_NAMESPACES.contains(&doc.effective_namespace(&self.scan)) {
            return;
        }
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            let ports = c
                .value
                .get("ports")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (i, port) in ports.iter().enumerate() {
                let Some(host_port) = port.get("hostPort").and_then(Value::as_i64) else {
                    continue;
                };
                if (1..1024).contains(&host_port) {
                    out.finding(
                        c.pointer_to(&format!("ports/{i}/hostPort")),
                        format!(
                            "{} must not use privileged host port {host_port}",
                            c.describe()
                        ),
                    );
                }
            }
        }
    }
}
