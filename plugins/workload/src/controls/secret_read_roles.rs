//! # CNTR-K8-001163: Secret read access limited to need-to-know
//!
//! **What it checks.** Every rule of every `Role` and `ClusterRole` that lets its subjects read
//! Secrets: a rule whose `apiGroups` holds the core group `""` (or `*`), whose `resources`
//! holds `secrets` (or `*`) and whose `verbs` hold `get`, `list` or `watch` (or `*`). Each such
//! rule is one finding, at its `verbs`, unless the role is on the `allowed-roles` list. A rule
//! limited by `resourceNames` still grants read access to those Secrets and is still a finding
//! (its message says so). Rules are judged as written; an aggregated `ClusterRole` usually has
//! no rules of its own, and the roles aggregated into it are judged where they are defined.
//!
//! Setting (in `stiglint.toml`; unknown keys are errors):
//!
//! ```toml
//! [controls."CNTR-K8-001163"]
//! # default: [] (nothing is allowed without a documented requirement)
//! allowed-roles = ["cert-manager-controller-certificates", "vault/vault-agent"]
//! ```
//!
//! A plain name allows the `ClusterRole` of that name and every `Role` of that name; a
//! `namespace/name` entry allows only the `Role` in that namespace (a `Role` without
//! `metadata.namespace` is in the scan's namespace, else `default`). The default list is empty:
//! the check text accepts a grant only with "a documented organizational requirement", and the
//! list is where that documentation is recorded. Built-in roles (`system:` roles, the
//! aggregated `admin` and `edit`) are *not* allowed automatically: they are created by the API
//! server and rarely appear in manifests, and one that does (a copy, or an override) must be
//! justified like any other.
//!
//! **Why.** Reading a Secret is reading the credential in it: a subject that can `get` a
//! Secret, `list` all Secrets of a namespace or `watch` them holds every token, password and
//! key they contain. `list` and `watch` return the values, not just the names. Read access to
//! Secrets must be limited to the accounts that need it.
//!
//! **Example.**
//! ```yaml
//! kind: ClusterRole
//! metadata:
//!   name: monitoring-reader
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "secrets"]
//!     verbs: ["get", "list", "watch"]   # finding
//! ```
//!
//! **Fix.** Remove `secrets` (and `*`) from the rule, or split the rule so that `secrets` keeps
//! only the verbs the account needs (`create`/`update` do not disclose values), ideally
//! limited with `resourceNames`. When the grant is a documented requirement, add the role to
//! `allowed-roles`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001163 (V-274884, CAT II): any account with
//! read (`list`, `watch`, `get`) access to Secrets without a documented organizational
//! requirement is a finding; NIST SP 800-53 SC-28 (1).
use stiglint_sdk::k8s::list_settings;
use stiglint_sdk::{ScanContext, prelude::*};

const SETTING: &str = "allowed-roles";

/// The verbs that disclose a Secret's value.
const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    allowed: Vec<String>,
    scan: ScanContext,
}

/// The strings of a list field of a rule.
fn strings<'a>(rule: &'a Value, field: &str) -> Vec<&'a str> {
    rule.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

impl Rule {
    fn allowed(&self, doc: &Document) -> bool {
        let name = doc.name();
        self.allowed
            .iter()
            .any(|entry| match entry.split_once('/') {
                Some((namespace, role)) => {
                    doc.kind() == "Role"
                        && role == name
                        && namespace == doc.effective_namespace(&self.scan)
                }
                None => entry == name,
            })
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001163")
            .kinds(&["Role", "ClusterRole"])
            .remediation(
                "Remove get/list/watch on `secrets` from the role, or record the documented \
                 requirement in `allowed-roles`.",
            )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        if let Some(list) = list_settings(settings, &[SETTING])?.remove(SETTING) {
            if let Some(bad) = list.iter().find(|e| e.trim().is_empty()) {
                return Err(format!("`{SETTING}` holds an empty role name ('{bad}')"));
            }
            self.allowed = list;
        }
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if self.allowed(doc) {
            return;
        }
        let rules = doc.json.get("rules").and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            let groups = strings(rule, "apiGroups");
            let resources = strings(rule, "resources");
            let verbs = strings(rule, "verbs");
            let core = groups.iter().any(|g| g.is_empty() || *g == "*");
            let secrets = resources.iter().any(|r| *r == "secrets" || *r == "*");
            let granted: Vec<&str> = if verbs.contains(&"*") {
                vec!["*"]
            } else {
                READ_VERBS
                    .iter()
                    .copied()
                    .filter(|v| verbs.contains(v))
                    .collect()
            };
            if !core || !secrets || granted.is_empty() {
                continue;
            }
            let what = if resources.contains(&"secrets") {
                "secrets"
            } else {
                "every resource, secrets included,"
            };
            let names = strings(rule, "resourceNames");
            let limited = if names.is_empty() {
                String::new()
            } else {
                format!(" (limited to resourceNames {})", names.join(", "))
            };
            out.finding(
                format!("/rules/{i}/verbs"),
                format!(
                    "{} rule {i} grants {} on {what} in the core API group{limited}: remove it, \
                     or list the role in `{SETTING}` if the access is a documented requirement",
                    doc.describe(),
                    granted.join(", "),
                ),
            );
        }
    }
}
