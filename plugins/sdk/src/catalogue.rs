//! The DISA Kubernetes STIG V2R4 catalogue (from the official rule file, as a CSV) and the
//! [`Meta`] builder that turns a STIG ID into a control's full description.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The CSV of the 94 rules of the DISA Kubernetes STIG V2R4, one row a rule.
pub const RULES_CSV: &str = include_str!("../data/rules_v2r4.csv");

/// How bad a failed control is (CAT I = high, CAT II = medium, CAT III = low).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// CAT III.
    Low,
    /// CAT II.
    Medium,
    /// CAT I.
    High,
}

impl Severity {
    /// From a DISA category (`I`, `II`, `III`).
    #[must_use]
    pub fn from_cat(cat: &str) -> Option<Self> {
        match cat.trim() {
            "I" => Some(Self::High),
            "II" => Some(Self::Medium),
            "III" => Some(Self::Low),
            _ => None,
        }
    }

    /// The DISA category: `"CAT I"` (high), `"CAT II"` (medium) or `"CAT III"` (low).
    #[must_use]
    pub fn cat(self) -> &'static str {
        match self {
            Self::High => "CAT I",
            Self::Medium => "CAT II",
            Self::Low => "CAT III",
        }
    }
}

/// How much of the scan a control needs at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Each document alone; the host runs it on all cores.
    Document,
    /// Across documents: facts from `check`, verdicts from `finish`.
    Scan,
}

/// What a control's findings do to the run, beside their severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Enforcement {
    /// Counts for the exit code, `--fail-on` and admission.
    #[default]
    Deny,
    /// Reported, never fails a run (Pod Security `warn`, Gatekeeper `warn`).
    Warn,
    /// Reported, never fails a run (Pod Security `audit`, Gatekeeper `dryrun`).
    Audit,
}

/// One rule of the DISA Kubernetes STIG, as the CSV gives it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct StigRule {
    /// `CNTR-K8-000150`.
    pub stig_id: String,
    /// `V-242376`.
    pub vuln_id: String,
    /// `SV-242376r960759_rule`.
    pub rule_id: String,
    /// `I`, `II` or `III`.
    pub cat: String,
    /// The SRG requirement.
    pub srg: String,
    /// `;`-separated CCIs.
    pub ccis: String,
    /// `;`-separated NIST SP 800-53 controls.
    pub nist_800_53: String,
    /// One-line summary.
    pub summary: String,
    /// Which artifact decides it: `a` workload, `b` static pod flag, `c` kubelet, `d`
    /// Terraform, `e` nothing a file can show.
    pub artifact_class: String,
    /// The field that decides it.
    pub field: String,
    /// What a compliant value is.
    pub compliant: String,
}

impl StigRule {
    /// The CCIs as a list.
    #[must_use]
    pub fn cci_list(&self) -> Vec<String> {
        split_list(&self.ccis)
    }

    /// The NIST controls as a list.
    #[must_use]
    pub fn nist_list(&self) -> Vec<String> {
        split_list(&self.nist_800_53)
    }

    /// The severity from the CAT.
    #[must_use]
    pub fn severity(&self) -> Severity {
        Severity::from_cat(&self.cat).unwrap_or(Severity::Medium)
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every rule of the STIG, parsed once.
///
/// # Panics
/// Only if the CSV compiled into the SDK is malformed, which the SDK's tests rule out.
#[must_use]
pub fn rules() -> &'static [StigRule] {
    static RULES: OnceLock<Vec<StigRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        csv::Reader::from_reader(RULES_CSV.as_bytes())
            .deserialize()
            .collect::<Result<Vec<StigRule>, _>>()
            .expect("the bundled STIG CSV parses")
    })
}

/// Look a rule up by STIG ID (`CNTR-K8-000290`) or Vuln ID (`V-242383`).
#[must_use]
pub fn rule(id: &str) -> Option<&'static StigRule> {
    rules().iter().find(|r| r.stig_id == id || r.vuln_id == id)
}

/// A control's description, built from the catalogue where possible.
#[derive(Clone, Debug)]
pub struct Meta {
    /// Control ID.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// The DISA rule it is or stands in for.
    pub stig: Option<&'static StigRule>,
    /// NIST SP 800-53 controls.
    pub nist: Vec<String>,
    /// Formats it looks at (`k8s` by default).
    pub formats: Vec<crate::Format>,
    /// Kinds it looks at (empty: all).
    pub kinds: Vec<String>,
    /// Document or scan scope.
    pub scope: Scope,
    /// What its findings do to the run (default: deny).
    pub enforcement: Enforcement,
    /// It declares controls from the inputs ([`crate::Out::declare`]): it runs whenever the
    /// host selects one of the plugin's dynamic prefixes, whether or not its own ID is
    /// selected.
    pub declares: bool,
    /// It judges pod templates ([`Meta::pod_kinds`]): the SDK notes, for it, every pod template
    /// it cannot judge ([`crate::k8s::unjudged_pod_template`]), so none passes in silence.
    pub pods: bool,
    /// How to fix a finding.
    pub remediation: String,
    /// Documentation (Markdown) of a control declared from the inputs; a built-in control's
    /// documentation is its source file's doc comment instead.
    pub docs: String,
}

impl Meta {
    /// A control that *is* a DISA STIG rule: title, severity and references come from the
    /// catalogue.
    ///
    /// # Panics
    /// If the ID is not in the catalogue: a programming error the plugin's tests catch.
    #[must_use]
    pub fn stig(id: &str) -> Self {
        let rule =
            rule(id).unwrap_or_else(|| panic!("{id} is not a DISA Kubernetes STIG V2R4 rule"));
        Self {
            id: rule.stig_id.clone(),
            title: rule.summary.clone(),
            severity: rule.severity(),
            stig: Some(rule),
            nist: rule.nist_list(),
            formats: vec![crate::Format::K8s],
            kinds: Vec::new(),
            scope: Scope::Document,
            enforcement: Enforcement::Deny,
            declares: false,
            pods: false,
            remediation: String::new(),
            docs: String::new(),
        }
    }

    /// A seed control (`KUBER-L2-…`) with its own title and severity.
    #[must_use]
    pub fn seed(id: &str, title: &str, severity: Severity) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            severity,
            stig: None,
            nist: Vec::new(),
            formats: vec![crate::Format::K8s],
            kinds: Vec::new(),
            scope: Scope::Document,
            enforcement: Enforcement::Deny,
            declares: false,
            pods: false,
            remediation: String::new(),
            docs: String::new(),
        }
    }

    /// The DISA rule this control stands in for: its references (and NIST controls) are
    /// attached; the control keeps its own ID, title and severity.
    ///
    /// # Panics
    /// If the ID is not in the catalogue.
    #[must_use]
    pub fn stands_for(mut self, stig_id: &str) -> Self {
        let rule = rule(stig_id)
            .unwrap_or_else(|| panic!("{stig_id} is not a DISA Kubernetes STIG V2R4 rule"));
        self.stig = Some(rule);
        for n in rule.nist_list() {
            if !self.nist.contains(&n) {
                self.nist.push(n);
            }
        }
        self
    }

    /// Add NIST SP 800-53 controls.
    #[must_use]
    pub fn nist(mut self, controls: &[&str]) -> Self {
        self.nist.extend(controls.iter().map(|s| (*s).to_owned()));
        self
    }

    /// Restrict the control to these document kinds.
    #[must_use]
    pub fn kinds(mut self, kinds: &[&str]) -> Self {
        self.kinds = kinds.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Restrict the control to every pod-bearing kind (see [`crate::k8s::POD_KINDS`]) and mark
    /// it as judging pod templates: an object of another kind that carries a pod template, or
    /// an Argo Rollout whose pods come from a `workloadRef`, gets a note of this control
    /// (*not evaluated*, *partly evaluated* for the Rollout) instead of silence. A control
    /// that looks at more kinds calls [`Meta::kinds`] after this (the mark stays).
    #[must_use]
    pub fn pod_kinds(mut self) -> Self {
        self.pods = true;
        self.kinds(crate::k8s::POD_KINDS)
    }

    /// Set the formats.
    #[must_use]
    pub fn formats(mut self, formats: &[crate::Format]) -> Self {
        self.formats = formats.to_vec();
        self
    }

    /// Mark the control as cross-document.
    #[must_use]
    pub fn scan_scope(mut self) -> Self {
        self.scope = Scope::Scan;
        self
    }

    /// What its findings do to the run.
    #[must_use]
    pub fn enforcement(mut self, enforcement: Enforcement) -> Self {
        self.enforcement = enforcement;
        self
    }

    /// This control declares controls from the inputs (see [`Meta::declares`]).
    #[must_use]
    pub fn declares_controls(mut self) -> Self {
        self.declares = true;
        self
    }

    /// Documentation (Markdown), for a control declared from the inputs.
    #[must_use]
    pub fn docs(mut self, text: &str) -> Self {
        text.clone_into(&mut self.docs);
        self
    }

    /// How to fix a finding.
    #[must_use]
    pub fn remediation(mut self, text: &str) -> Self {
        text.clone_into(&mut self.remediation);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_rule_of_v2r4() {
        assert_eq!(rules().len(), 94);
        let r = rule("V-242383").expect("by vuln id");
        assert_eq!(r.stig_id, "CNTR-K8-000290");
        assert_eq!(r.severity(), Severity::High);
        assert_eq!(rule("CNTR-K8-001160").expect("by id").cci_list().len(), 2);
    }

    #[test]
    fn stands_for_keeps_own_identity() {
        let m = Meta::seed("KUBER-L2-000070", "Privileged", Severity::High)
            .stands_for("CNTR-K8-002011");
        assert_eq!(m.id, "KUBER-L2-000070");
        assert_eq!(m.stig.map(|r| r.vuln_id.as_str()), Some("V-254800"));
        assert!(!m.nist.is_empty());
    }
}
