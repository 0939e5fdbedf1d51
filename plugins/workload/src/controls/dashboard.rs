//! # CNTR-K8-000420: Kubernetes Dashboard not deployed
//!
//! **What it checks.** No pod-bearing object may deploy the Kubernetes Dashboard. An object is
//! the Dashboard when a container image's repository (normalised: `kubernetesui/dashboard` is
//! `docker.io/kubernetesui/dashboard`) contains `kubernetesui/dashboard` (so the v7 images
//! `dashboard-web`, `dashboard-api` and `dashboard-auth` count) or `kubernetes-dashboard`, or when the object's labels or its pod template's labels have
//! `k8s-app: kubernetes-dashboard`. One finding per object: at the image when the image gives
//! it away, else at the label.
//!
//! **Why.** The Dashboard is a web front end to the Kubernetes API. Exposed, or run with a
//! privileged service account as many installations do, it hands full control of the cluster
//! to whoever reaches it, outside the audited `kubectl` path and its access controls.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata:
//!   name: kubernetes-dashboard
//! spec:
//!   template:
//!     metadata:
//!       labels:
//!         k8s-app: kubernetes-dashboard
//!     spec:
//!       containers:
//!         - name: kubernetes-dashboard
//!           image: kubernetesui/dashboard:v2.7.0   # finding
//! ```
//!
//! **Fix.** Remove the Dashboard's objects from the manifests
//! (`kubectl delete deployment kubernetes-dashboard --namespace=kube-system` on a live
//! cluster); use `kubectl` with RBAC and audit logging to operate the cluster.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000420 (V-242395, CAT II): `kubectl get pods
//! --all-namespaces -l k8s-app=kubernetes-dashboard` must return nothing; NIST SP 800-53 AC-3.
use stiglint_sdk::k8s::ImageRef;
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

fn is_dashboard_image(image: &str) -> bool {
    let name = ImageRef::parse(image).name();
    name.contains("kubernetesui/dashboard") || name.contains("kubernetes-dashboard")
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000420")
            .pod_kinds()
            .remediation("Remove the Kubernetes Dashboard from the manifests.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(pod) = doc.pod() else {
            return;
        };
        if let Some(c) = pod
            .containers()
            .find(|c| c.image().is_some_and(is_dashboard_image))
        {
            let image = c.image().unwrap_or_default();
            let msg = format!(
                "{} must not deploy the Kubernetes Dashboard (image '{image}')",
                doc.describe()
            );
            out.finding(c.pointer_to("image"), msg);
            return;
        }
        // The object's labels, then those of its pod template (`/spec/template`)
        let template = pod.pointer.strip_suffix("/spec").unwrap_or_default();
        for labels in [
            "/metadata/labels".to_owned(),
            format!("{template}/metadata/labels"),
        ] {
            let at = format!("{labels}/k8s-app");
            if doc.json.pointer(&at).and_then(Value::as_str) == Some("kubernetes-dashboard") {
                let msg = format!(
                    "{} must not deploy the Kubernetes Dashboard (label k8s-app: kubernetes-dashboard)",
                    doc.describe()
                );
                out.finding(at, msg);
                return;
            }
        }
    }
}
