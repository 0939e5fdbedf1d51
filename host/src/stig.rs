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
    coverage_of(rules(), controls)
}

/// The coverage of these rules (the bundled V2R4, or an XCCDF's) by the given controls.
#[must_use]
pub fn coverage_of<'a>(rules: &'a [Rule], controls: &[&'a ControlMeta]) -> Vec<RuleStatus<'a>> {
    rules
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

/// A STIG benchmark for checklists: the bundled V2R4, or an official XCCDF (`--stig-file`).
#[derive(Clone, Debug)]
pub struct Benchmark {
    /// `Kubernetes_STIG`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Version (`2`).
    pub version: String,
    /// `Release: 4 ...`.
    pub release: String,
    /// The rules.
    pub rules: Vec<Rule>,
    /// Check text by STIG ID, when the XCCDF gave it.
    pub checks: std::collections::BTreeMap<String, String>,
}

/// Why an XCCDF file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct XccdfError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Benchmark {
    /// The bundled DISA Kubernetes STIG V2R4.
    #[must_use]
    pub fn bundled() -> Self {
        Self {
            id: "Kubernetes_STIG".to_owned(),
            title: "Kubernetes Security Technical Implementation Guide".to_owned(),
            version: "2".to_owned(),
            release: "Release: 4".to_owned(),
            rules: rules().to_vec(),
            checks: std::collections::BTreeMap::new(),
        }
    }

    /// An official XCCDF benchmark (`U_Kubernetes_STIG_V…_Manual-xccdf.xml`). A rule the
    /// bundled data knows keeps its artifact class (what decides it); a new one is marked as
    /// decided by nothing stiglint knows, so it is Not_Reviewed unless a control claims it.
    pub fn from_xccdf(path: &std::path::Path) -> Result<Self, XccdfError> {
        use quick_xml::Reader;
        use quick_xml::events::Event;
        let err = |message: String| XccdfError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let mut reader = Reader::from_str(&text);
        let mut b = Self {
            id: String::new(),
            title: String::new(),
            version: String::new(),
            release: String::new(),
            rules: Vec::new(),
            checks: std::collections::BTreeMap::new(),
        };
        let mut stack: Vec<String> = Vec::new();
        let mut rule: Option<Rule> = None;
        let mut group = (String::new(), String::new());
        let mut check = String::new();
        let mut release_info = false;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| err(format!("not XML at byte {}: {e}", reader.buffer_position())))?;
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let attr = |key: &str| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == key.as_bytes())
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .unwrap_or_default()
                    };
                    match name.as_str() {
                        "Benchmark" => b.id = attr("id"),
                        "Group" => group.0 = attr("id"),
                        "plain-text" => release_info = attr("id") == "release-info",
                        "Rule" => {
                            let cat = match attr("severity").as_str() {
                                "high" => "I",
                                "low" => "III",
                                _ => "II",
                            };
                            rule = Some(Rule {
                                stig_id: String::new(),
                                vuln_id: group.0.clone(),
                                rule_id: attr("id"),
                                cat: cat.to_owned(),
                                srg: group.1.clone(),
                                ccis: String::new(),
                                nist_800_53: String::new(),
                                summary: String::new(),
                                artifact_class: String::new(),
                                field: String::new(),
                                compliant: String::new(),
                            });
                            check.clear();
                        }
                        _ => {}
                    }
                    stack.push(name);
                }
                Event::End(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    if name == "Rule"
                        && let Some(mut r) = rule.take()
                    {
                        match rules().iter().find(|k| k.stig_id == r.stig_id) {
                            Some(known) => {
                                r.artifact_class.clone_from(&known.artifact_class);
                                r.field.clone_from(&known.field);
                                r.compliant.clone_from(&known.compliant);
                                r.nist_800_53.clone_from(&known.nist_800_53);
                            }
                            None => "e (new in this release)".clone_into(&mut r.artifact_class),
                        }
                        b.checks
                            .insert(r.stig_id.clone(), std::mem::take(&mut check));
                        b.rules.push(r);
                    }
                    stack.pop();
                }
                Event::Text(t) => {
                    let t = t.decode().map_err(|e| err(e.to_string()))?.into_owned();
                    let parent = stack.iter().rev().nth(1).map(String::as_str);
                    match (stack.last().map(String::as_str), parent, rule.as_mut()) {
                        (Some("title"), Some("Benchmark"), _) => b.title.push_str(&t),
                        (Some("version"), Some("Benchmark"), _) => b.version.push_str(&t),
                        (Some("plain-text"), _, _) if release_info => b.release.push_str(&t),
                        (Some("title"), Some("Group"), None) => group.1.push_str(&t),
                        (Some("version"), Some("Rule"), Some(r)) => r.stig_id.push_str(&t),
                        (Some("title"), Some("Rule"), Some(r)) => r.summary.push_str(&t),
                        (Some("ident"), Some("Rule"), Some(r)) => {
                            if !r.ccis.is_empty() {
                                r.ccis.push(';');
                            }
                            r.ccis.push_str(&t);
                        }
                        (Some("check-content"), _, Some(_)) => check.push_str(&t),
                        _ => {}
                    }
                }
                Event::GeneralRef(e) => {
                    // `&amp;` and friends inside check text.
                    let name: &[u8] = &e;
                    let ch = match name {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    };
                    if stack.last().map(String::as_str) == Some("check-content") {
                        check.push_str(ch);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if b.rules.is_empty() {
            return Err(err("no XCCDF Rule in it".to_owned()));
        }
        Ok(b)
    }
}
