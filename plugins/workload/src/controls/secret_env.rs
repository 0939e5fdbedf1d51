//! # CNTR-K8-001160: Secrets not injected as environment variables
//!
//! **What it checks.** Every container, init container and ephemeral container of every
//! pod-bearing object: no `env[].valueFrom.secretKeyRef` and no `envFrom[].secretRef`. Each
//! one is a finding, at the reference.
//!
//! **Why.** Environment variables leak: they are inherited by every child process, printed by
//! crash handlers and debug endpoints, visible in `/proc/<pid>/environ`, and shown by
//! `kubectl describe`. A secret mounted as a file stays readable only by the processes and
//! users its file mode allows, and is updated in place when the Secret changes.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     env:
//!       - name: DB_PASSWORD
//!         valueFrom:
//!           secretKeyRef: {name: db, key: password}   # finding
//!     envFrom:
//!       - secretRef: {name: api-keys}                 # finding
//! ```
//!
//! **Fix.** Mount the Secret as files and have the application read them:
//! ```yaml
//! volumes:
//!   - name: db
//!     secret: {secretName: db, defaultMode: 0400}
//! containers:
//!   - name: app
//!     volumeMounts:
//!       - {name: db, mountPath: /run/secrets/db, readOnly: true}
//! ```
//! or fetch the secret from a password vault at run time.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001160 (V-242415, CAT I): any pod, `Deployment`,
//! `StatefulSet` or `DaemonSet` that sets an `env:` variable from a `secretKeyRef` is a finding;
//! NIST SP 800-53 IA-5 (1) (c), IA-5 (1) (d).
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The entries of a list field of a container.
fn entries<'a>(c: &Container<'a>, field: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    c.value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// A string field of a reference, for messages.
fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or("?")
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001160")
            .pod_kinds()
            .remediation("Mount the Secret as a read-only volume, not as environment variables.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            for (i, var) in entries(&c, "env") {
                if let Some(r) = var
                    .pointer("/valueFrom/secretKeyRef")
                    .filter(|r| !r.is_null())
                {
                    out.finding(
                        c.pointer_to(&format!("env/{i}/valueFrom/secretKeyRef")),
                        format!(
                            "{} must not put secret '{}' (key '{}') in environment variable '{}': mount it as a file",
                            c.describe(),
                            text(r, "name"),
                            text(r, "key"),
                            text(var, "name"),
                        ),
                    );
                }
            }
            for (i, source) in entries(&c, "envFrom") {
                if let Some(r) = source.get("secretRef").filter(|r| !r.is_null()) {
                    out.finding(
                        c.pointer_to(&format!("envFrom/{i}/secretRef")),
                        format!(
                            "{} must not load secret '{}' into environment variables: mount it as files",
                            c.describe(),
                            text(r, "name"),
                        ),
                    );
                }
            }
        }
    }
}
