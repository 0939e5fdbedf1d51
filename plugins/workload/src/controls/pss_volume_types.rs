//! # STIGLINT-PSS-0003: hostPath and restricted volume types
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). The pod's
//! `volumes`: at baseline no `hostPath` volume (one finding at its `hostPath`); at restricted
//! only `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `persistentVolumeClaim`,
//! `projected` and `secret` volumes (a finding at any other in-tree source: `hostPath`, `nfs`,
//! `gitRepo`, `awsElasticBlockStore`, ...; a volume without a source is an `emptyDir` to the
//! API server).
//!
//! **Level and version.** The check applies where the namespace's level does: the
//! `pod-security.kubernetes.io/enforce`, `warn` and `audit` labels (and their `-version`) of
//! the scanned Namespace, in any file and any order; else a `PodSecurityConfiguration` (an
//! `AdmissionConfiguration` in the scan, or `pss-configuration` in `stiglint.toml`); else
//! `pss-default-level` / `pss-default-version` (default `baseline`, `latest`). `enforce`
//! findings deny; `warn` and `audit` findings have that enforcement and never fail a run. Every
//! finding carries `pss: {check, level, version}` in the JSON and SARIF properties, and
//! admission's wording as its second sentence.
//!
//! | level | policy versions | Pod Security check |
//! |---|---|---|
//! | baseline | v1.0 – latest | `hostPathVolumes` |
//! | restricted | v1.0 – latest | `restrictedVolumes` (replaces `hostPathVolumes`) |
//!
//! **Why.** A `hostPath` volume hands the container a piece of the node's file system (its
//! container runtime socket, its kubelet credentials); the other in-tree sources reach storage
//! outside the cluster's access control. The DISA Kubernetes STIG requires Pod Security
//! Admission to enforce the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this
//! control stands for that rule for this check.
//!
//! **Example.**
//! ```yaml
//! volumes:
//!   - name: docker
//!     hostPath:           # finding
//!       path: /var/run/docker.sock
//! ```
//!
//! **Fix.** Use a `persistentVolumeClaim`, `emptyDir`, `configMap`, `secret` or `projected`
//! volume instead.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0003",
    Meta::seed("STIGLINT-PSS-0003", "hostPath and restricted volume types", Severity::High)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation("Use a `persistentVolumeClaim`, `emptyDir`, `configMap`, `secret` or `projected` volume instead.")
);
