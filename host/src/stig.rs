//! The DISA Kubernetes STIG V2R4 rule list (the same data the SDK builds control metadata from)
//! and how this installation covers each rule.

use serde::Serialize;

use crate::runtime::ControlMeta;
/// The rule data is the SDK's: the same CSV the plugins build their control metadata from.
pub use stiglint_sdk::catalogue::{StigRule as Rule, rules};

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
