//! Waiver records: a reviewed, expiring exception, where it was written, and what became of it
//! for a finding. Part of a finding's result; the waivers phase (`crate::waivers`) decides them.

use std::sync::Arc;

use globset::Glob;
use serde::{Deserialize, Serialize};

use crate::runtime::bindings::wit;

/// What a waiver covers besides its control: every selector given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Glob on the file path (relative to the configuration's directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Kubernetes kind, or Terraform resource type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Namespace (objects without one: the scan's default namespace, else `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Object name (glob).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Container name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Terraform address (glob: `module.eks.*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Scope {
    fn is_empty(&self) -> bool {
        *self == Scope::default()
    }
}

/// Where a waiver was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Origin {
    /// A `[[waivers]]` entry.
    File {
        /// The file.
        path: String,
        /// Its line.
        line: u32,
    },
    /// A `# stiglint:waive` comment.
    Inline {
        /// The file.
        file: Arc<str>,
        /// Its line.
        line: u32,
        /// First and last line it covers.
        #[serde(skip)]
        covers: (u32, u32),
    },
    /// Granted by a waiver plugin (a struct variant: an internally tagged enum cannot carry a
    /// bare string, and every report serialises the record).
    Plugin {
        /// The plugin's name.
        name: String,
    },
}

impl Origin {
    /// `file:line`, or `plugin <name>`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Origin::File { path, line } => format!("{path}:{line}"),
            Origin::Inline { file, line, .. } => format!("{file}:{line}"),
            Origin::Plugin { name } => format!("waiver plugin '{name}'"),
        }
    }

    /// `external` (a waiver file or a plugin) or `inSource` (SARIF's suppression kinds).
    #[must_use]
    pub fn in_source(&self) -> bool {
        matches!(self, Origin::Inline { .. })
    }
}

/// A waiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The control: its ID, Vuln ID, or the STIG ID a seed control stands in for.
    pub control: String,
    /// What it covers.
    #[serde(skip_serializing_if = "Scope::is_empty")]
    pub scope: Scope,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_on: Option<String>,
    /// Last day it is valid.
    pub expires: String,
    /// Tracking ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Where it was written.
    pub origin: Origin,
}

impl Record {
    /// The required fields: `(field, what is wrong)` of the first that is not right.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.justification.trim().is_empty() {
            return Err(("justification", "a waiver needs a justification".to_owned()));
        }
        if self.approved_by.trim().is_empty() {
            return Err(("approved-by", "a waiver needs an approver".to_owned()));
        }
        if !crate::dates::is_date(&self.expires) {
            return Err((
                "expires",
                if self.expires.is_empty() {
                    "a waiver needs an expiry date (YYYY-MM-DD)".to_owned()
                } else {
                    format!("'{}' is not a date (YYYY-MM-DD)", self.expires)
                },
            ));
        }
        if let Some(on) = &self.approved_on
            && !crate::dates::is_date(on)
        {
            return Err(("approved-on", format!("'{on}' is not a date (YYYY-MM-DD)")));
        }
        Ok(())
    }

    pub(crate) fn to_wit(&self) -> wit::Waiver {
        wit::Waiver {
            control: self.control.clone(),
            justification: self.justification.clone(),
            approved_by: self.approved_by.clone(),
            approved_on: self.approved_on.clone(),
            expires: self.expires.clone(),
            ticket: self.ticket.clone(),
            origin: match &self.origin {
                Origin::File { .. } => "file".to_owned(),
                Origin::Inline { .. } => "inline".to_owned(),
                Origin::Plugin { name } => format!("plugin:{name}"),
            },
        }
    }
}

/// A `[[waivers]]` entry as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    control: Option<String>,
    path: Option<String>,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    container: Option<String>,
    address: Option<String>,
    justification: Option<String>,
    #[serde(alias = "approved_by")]
    approved_by: Option<String>,
    #[serde(alias = "approved_on")]
    approved_on: Option<String>,
    expires: Option<String>,
    ticket: Option<String>,
}

impl Entry {
    /// The record, or `(field, what is wrong)`.
    pub fn record(&self, path: &str, line: u32) -> Result<Record, (&'static str, String)> {
        let control = self
            .control
            .clone()
            .filter(|c| !c.trim().is_empty())
            .ok_or(("control", "a waiver names the control it waives".to_owned()))?;
        let scope = Scope {
            path: self.path.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            container: self.container.clone(),
            address: self.address.clone(),
        };
        if scope.is_empty() {
            return Err((
                "path",
                "a waiver needs a scope: at least one of path, kind, namespace, name, container, address"
                    .to_owned(),
            ));
        }
        for (field, glob) in [
            ("path", &scope.path),
            ("name", &scope.name),
            ("address", &scope.address),
        ] {
            if let Some(g) = glob
                && let Err(e) = Glob::new(g)
            {
                return Err((field, format!("not a glob: {e}")));
            }
        }
        let record = Record {
            control,
            scope,
            justification: self.justification.clone().unwrap_or_default(),
            approved_by: self.approved_by.clone().unwrap_or_default(),
            approved_on: self.approved_on.clone(),
            expires: self.expires.clone().unwrap_or_default(),
            ticket: self.ticket.clone(),
            origin: Origin::File {
                path: path.to_owned(),
                line,
            },
        };
        record.validate()?;
        Ok(record)
    }
}

/// What became of the waiver of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The finding is waived.
    Waived,
    /// The waiver ran out: the finding is open.
    Expired,
    /// A waiver plugin refused it (or failed): the finding is open.
    Rejected,
}

/// The waiver of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// What became of it.
    pub verdict: Verdict,
    /// Why, when it did not waive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The record.
    pub record: Record,
}

/// A waiver's standing in the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Covers findings and is valid.
    Active,
    /// Valid, but expires within the warning period.
    Expiring,
    /// Past its expiry date.
    Expired,
    /// Refused by a waiver plugin for every finding it claimed.
    Rejected,
    /// Covers no finding of this scan.
    Unused,
}

/// One waiver of the register.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterEntry {
    /// Standing.
    pub status: Status,
    /// Findings it covers (claimed), waived or not.
    pub findings: usize,
    /// Days until it expires (negative: since it expired).
    pub days_left: i64,
    /// The record.
    pub record: Record,
}
