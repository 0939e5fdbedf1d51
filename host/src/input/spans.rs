//! JSON pointer → source range index of one parsed document.

use std::collections::HashMap;

use crate::source::Range;

/// Where each JSON pointer of a document is in its source.
///
/// The range recorded for a pointer is the one a finding about it should underline:
/// * a scalar under a key: the whole `key: value` entry;
/// * a collection under a key: the key (`securityContext`);
/// * a scalar in a sequence: the scalar;
/// * a mapping in a sequence (a container): its `name` entry, else its first entry;
/// * the document root: its `kind` entry, else its first entry.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    ranges: HashMap<String, Range>,
}

impl SpanIndex {
    /// Record the range of a pointer.
    pub fn insert(&mut self, pointer: String, range: Range) {
        self.ranges.insert(pointer, range);
    }

    /// The range of a pointer, if recorded.
    #[must_use]
    pub fn get(&self, pointer: &str) -> Option<Range> {
        self.ranges.get(pointer).copied()
    }

    /// The range of a pointer, or of its nearest recorded ancestor (a finding about a missing
    /// field lands on the object that lacks it). The flag says whether the pointer itself was
    /// found.
    #[must_use]
    pub fn resolve(&self, pointer: &str) -> Option<(Range, bool)> {
        if let Some(r) = self.get(pointer) {
            return Some((r, true));
        }
        let mut p = pointer;
        while let Some(i) = p.rfind('/') {
            p = &p[..i];
            if let Some(r) = self.get(p) {
                return Some((r, false));
            }
        }
        None
    }

    /// Number of recorded pointers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether nothing is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}
