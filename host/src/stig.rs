//! The DISA Kubernetes STIG V2R4 rule list (the same data the SDK builds control metadata from)
//! and how this installation covers each rule.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::runtime::ControlMeta;

const RULES_CSV: &str = include_str!("../../plugins/sdk/data/rules_v2r4.csv");

/// One rule of the STIG.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Rule {
    /// `CNTR-K8-000150`.
    pub stig_id: String,
    /// `V-242376`.
    pub vuln_id: String,
    /// `SV-…_rule`.
    pub rule_id: String,
    /// `I`, `II`, `III`.
    pub cat: String,
    /// SRG requirement.
    pub srg: String,
    /// CCIs, `;`-separated.
    pub ccis: String,
    /// NIST SP 800-53, `;`-separated.
    pub nist_800_53: String,
    /// Summary.
    pub summary: String,
    /// Which artifact decides it (`a` workload, `b` static pod flag, `c` kubelet, `d`
    /// Terraform, `e` nothing a file can show), as the rule data says.
    pub artifact_class: String,
    /// The deciding field.
    pub field: String,
    /// What compliant means.
    pub compliant: String,
}

/// Every rule, parsed once (the data is compiled in and checked by the tests).
#[must_use]
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        csv::Reader::from_reader(RULES_CSV.as_bytes())
            .deserialize()
            .filter_map(Result::ok)
            .collect()
    })
}

/// How a rule is covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// A control with the rule's own ID checks it.
    Checked,
    /// Only seed controls that stand in for it check parts of it.
    StoodInFor,
    /// No file can decide it (host state, processes, file permissions): *Not Reviewed*.
    NotDecidableFromFiles,
    /// A file could decide it, but no loaded plugin checks it yet.
    NotImplemented,
}

/// A rule with its coverage by the loaded controls.
#[derive(Clone, Debug, Serialize)]
pub struct RuleStatus<'a> {
    /// The rule.
    #[serde(flatten)]
    pub rule: &'a Rule,
    /// Coverage.
    pub coverage: Coverage,
    /// The controls that check it (its own ID, or those standing in for it).
    pub controls: Vec<&'a str>,
}

/// The coverage of every rule by the given controls.
#[must_use]
pub fn coverage<'a>(controls: &[&'a ControlMeta]) -> Vec<RuleStatus<'a>> {
    rules()
        .iter()
        .map(|rule| {
            let own: Vec<&str> = controls
                .iter()
                .filter(|c| c.id == rule.stig_id)
                .map(|c| c.id.as_str())
                .collect();
            let standing_in: Vec<&str> = controls
                .iter()
                .filter(|c| {
                    c.id != rule.stig_id
                        && c.stig.as_ref().is_some_and(|s| s.stig_id == rule.stig_id)
                })
                .map(|c| c.id.as_str())
                .collect();
            let undecidable = rule.artifact_class.trim_start().starts_with('e');
            let coverage = if !own.is_empty() {
                Coverage::Checked
            } else if !standing_in.is_empty() {
                Coverage::StoodInFor
            } else if undecidable {
                Coverage::NotDecidableFromFiles
            } else {
                Coverage::NotImplemented
            };
            RuleStatus {
                rule,
                coverage,
                controls: own.into_iter().chain(standing_in).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_rules_of_v2r4() {
        let rules = super::rules();
        assert_eq!(rules.len(), 94);
        assert_eq!(
            rules
                .iter()
                .filter(|r| r.artifact_class.trim_start().starts_with('e'))
                .count(),
            29
        );
    }
}
