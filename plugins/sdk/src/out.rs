//! What a control answers with: findings, notes and facts.

use serde_json::Value;

/// One change of a fix, at a JSON pointer.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Set the value at the pointer (creating missing parents).
    Set(String, Value),
    /// Remove the value at the pointer.
    Remove(String),
}

/// A machine-applicable fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What it does, e.g. "Set runAsNonRoot: true".
    pub description: String,
    /// Its edits, in order.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix that sets one value.
    #[must_use]
    pub fn set(description: impl Into<String>, pointer: impl Into<String>, value: Value) -> Self {
        Self {
            description: description.into(),
            edits: vec![Edit::Set(pointer.into(), value)],
        }
    }

    /// A fix that removes one value.
    #[must_use]
    pub fn remove(description: impl Into<String>, pointer: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            edits: vec![Edit::Remove(pointer.into())],
        }
    }
}

/// Why a control gave no verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// Does not apply here (e.g. a removed feature on this Kubernetes version).
    NotApplicable,
    /// Needs a value that is not known statically.
    NotEvaluated,
    /// Only partly evaluated.
    Partial,
}

/// A related place in another (or the same) document.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    /// Document handle.
    pub document: u32,
    /// Pointer.
    pub pointer: String,
    /// What is there.
    pub message: String,
}

/// The most related places a finding keeps (the host keeps no more either); the rest are
/// counted in [`Finding::related_total`].
pub const MAX_RELATED: usize = 10;

/// A finding as the SDK collects it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Control ID.
    pub control: String,
    /// Document handle.
    pub document: u32,
    /// Pointer to the offending value, or to the object that lacks a field.
    pub pointer: String,
    /// Message without the control ID.
    pub message: String,
    /// Optional fix.
    pub fix: Option<Fix>,
    /// Related places (at most [`MAX_RELATED`]).
    pub related: Vec<Related>,
    /// How many related places were attached in all.
    pub related_total: u32,
    /// Overrides the control's enforcement for this finding.
    pub enforcement: Option<crate::catalogue::Enforcement>,
    /// Extra machine-readable properties (the `pss` record of a Pod Security check).
    pub properties: Option<serde_json::Map<String, Value>>,
}

/// A note as the SDK collects it.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// Control ID.
    pub control: String,
    /// Document handle, if any.
    pub document: Option<u32>,
    /// Pointer (may be empty).
    pub pointer: String,
    /// Kind.
    pub kind: NoteKind,
    /// Why.
    pub reason: String,
}

/// A fact a scan-scope control keeps from `check` for `finish`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// The document it is about.
    pub document: u32,
    /// The data.
    pub data: Value,
    /// Pointers into the document `finish` may report on (resolved by the host up front).
    pub pointers: Vec<String>,
    /// The groups the fact belongs to: `finish` sees one group at a time (empty: the
    /// control's one default group).
    pub groups: Vec<String>,
}

/// Collects what controls say. One `Out` per call; the SDK fills in control and document.
#[derive(Debug, Default)]
pub struct Out {
    pub(crate) control: String,
    pub(crate) document: u32,
    pub(crate) findings: Vec<Finding>,
    pub(crate) notes: Vec<Note>,
    pub(crate) facts: Vec<(String, Fact)>,
    /// Controls declared from the inputs (see [`Out::declare`]).
    pub(crate) declared: Vec<crate::catalogue::Meta>,
}

impl Out {
    /// A collector for the given control and document (used by the SDK and in tests).
    #[must_use]
    pub fn new(control: &str, document: u32) -> Self {
        Self {
            control: control.to_owned(),
            document,
            ..Self::default()
        }
    }

    #[cfg(feature = "control")]
    pub(crate) fn retarget(&mut self, control: &str, document: u32) {
        control.clone_into(&mut self.control);
        self.document = document;
    }

    /// Report a finding on the current document. Returns a builder to attach a fix or
    /// related places.
    pub fn finding(
        &mut self,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        let document = self.document;
        self.finding_in(document, pointer, message)
    }

    /// Report a finding on another document (from `finish`).
    pub fn finding_in(
        &mut self,
        document: u32,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        let control = self.control.clone();
        self.finding_for(&control, document, pointer, message)
    }

    /// Report a finding of a control declared from the inputs ([`Out::declare`]) on a
    /// document.
    pub fn finding_for(
        &mut self,
        control: &str,
        document: u32,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        self.findings.push(Finding {
            control: control.to_owned(),
            document,
            pointer: pointer.into(),
            message: message.into(),
            fix: None,
            related: Vec::new(),
            related_total: 0,
            enforcement: None,
            properties: None,
        });
        FindingBuilder {
            finding: self.findings.last_mut(),
        }
    }

    /// Declare a control known only from the inputs (one per Gatekeeper constraint): its ID
    /// must start with one of the plugin's `dynamic_prefixes`. Declaring the same ID twice
    /// keeps the first.
    pub fn declare(&mut self, meta: crate::catalogue::Meta) {
        if !self.declared.iter().any(|m| m.id == meta.id) {
            self.declared.push(meta);
        }
    }

    /// Controls declared so far (for tests).
    #[must_use]
    pub fn declared(&self) -> &[crate::catalogue::Meta] {
        &self.declared
    }

    /// Record a note about the current document.
    pub fn note(&mut self, kind: NoteKind, pointer: impl Into<String>, reason: impl Into<String>) {
        self.notes.push(Note {
            control: self.control.clone(),
            document: Some(self.document),
            pointer: pointer.into(),
            kind,
            reason: reason.into(),
        });
    }

    /// Record a note about the scan as a whole (no document).
    pub fn note_scan(&mut self, kind: NoteKind, reason: impl Into<String>) {
        self.notes.push(Note {
            control: self.control.clone(),
            document: None,
            pointer: String::new(),
            kind,
            reason: reason.into(),
        });
    }

    /// Record a note about another document (from `finish`, where there is no current one).
    pub fn note_in(
        &mut self,
        document: u32,
        kind: NoteKind,
        pointer: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.notes.push(Note {
            control: self.control.clone(),
            document: Some(document),
            pointer: pointer.into(),
            kind,
            reason: reason.into(),
        });
    }

    /// Keep a fact about the current document for `finish`.
    pub fn fact(&mut self, data: Value) {
        self.fact_at(&[], data);
    }

    /// Keep a fact about the current document for `finish`, naming the pointers `finish` may
    /// report on: the host resolves them while the document is parsed (any other pointer
    /// still works, at the cost of a second parse of the file).
    pub fn fact_at(&mut self, pointers: &[&str], data: Value) {
        self.fact_in(&[], pointers, data);
    }

    /// Keep a fact in the given groups (an image repository, a namespace): `finish` is called
    /// once per group with that group's facts only, so its memory follows the largest group,
    /// not the scan. A fact that must be seen with several groups names them all.
    pub fn fact_in(&mut self, groups: &[&str], pointers: &[&str], data: Value) {
        self.facts.push((
            self.control.clone(),
            Fact {
                document: self.document,
                data,
                pointers: pointers.iter().map(|p| (*p).to_owned()).collect(),
                groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            },
        ));
    }

    /// Findings so far (for tests).
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Notes so far (for tests).
    #[must_use]
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// Facts so far (for tests).
    #[must_use]
    pub fn facts(&self) -> Vec<Fact> {
        self.facts.iter().map(|(_, f)| f.clone()).collect()
    }
}

/// Attach details to the finding just reported: `out.finding(p, m).fix(f).related(d, p, m);`.
pub struct FindingBuilder<'a> {
    finding: Option<&'a mut Finding>,
}

impl FindingBuilder<'_> {
    /// Override the control's enforcement for this finding.
    pub fn enforcement(&mut self, enforcement: crate::catalogue::Enforcement) -> &mut Self {
        if let Some(f) = self.finding.as_deref_mut() {
            f.enforcement = Some(enforcement);
        }
        self
    }

    /// Set a machine-readable property of the finding (shown in the JSON and SARIF reports).
    pub fn property(&mut self, key: &str, value: Value) -> &mut Self {
        if let Some(f) = self.finding.as_deref_mut() {
            f.properties
                .get_or_insert_with(serde_json::Map::new)
                .insert(key.to_owned(), value);
        }
        self
    }

    /// Count related places that are not attached (a finding says "and N more"): cheaper than
    /// attaching places the host would drop anyway.
    pub fn more_related(&mut self, n: u32) -> &mut Self {
        if let Some(f) = self.finding.as_deref_mut() {
            f.related_total += n;
        }
        self
    }

    /// Attach a fix.
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        if let Some(f) = self.finding.as_deref_mut() {
            f.fix = Some(fix);
        }
        self
    }

    /// Attach a related place.
    pub fn related(
        &mut self,
        document: u32,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Self {
        if let Some(f) = self.finding.as_deref_mut() {
            f.related_total += 1;
            // Only the first few are kept: a finding's size must not grow with the input.
            if f.related.len() < MAX_RELATED {
                f.related.push(Related {
                    document,
                    pointer: pointer.into(),
                    message: message.into(),
                });
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_places_are_capped_and_counted() {
        let mut out = Out::new("X-1", 0);
        let mut b = out.finding("/a", "m");
        for i in 0..25 {
            b.related(i, "/b", "there");
        }
        let f = &out.findings()[0];
        assert_eq!(f.related.len(), MAX_RELATED);
        assert_eq!(f.related_total, 25);
    }

    #[test]
    fn note_in_names_its_document() {
        let mut out = Out::new("X-1", 0);
        out.note(NoteKind::NotEvaluated, "/a", "here");
        out.note_in(
            7,
            NoteKind::Partial,
            "/spec/containers/0/command/3",
            "there",
        );
        let notes = out.notes();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].document, Some(0));
        assert_eq!(
            notes[1],
            Note {
                control: "X-1".into(),
                document: Some(7),
                pointer: "/spec/containers/0/command/3".into(),
                kind: NoteKind::Partial,
                reason: "there".into(),
            }
        );
    }
}
