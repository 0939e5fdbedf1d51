//! Errors met during a scan that are not findings: unreadable files, documents that do not
//! parse, plugins that fail. Each one makes the run exit 2; none stops the rest of the scan.

use serde::{Deserialize, Serialize};

use crate::source::Range;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A path could not be read.
    Io,
    /// A document does not parse.
    Parse,
    /// A plugin trapped, timed out, ran out of memory or answered nonsense.
    Plugin,
    /// The configuration is wrong.
    Config,
}

/// One error of a scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Kind.
    pub kind: ProblemKind,
    /// The file it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where in the file, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    /// The plugin it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem of the given kind.
    #[must_use]
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            file: None,
            range: None,
            plugin: None,
            message: message.into(),
        }
    }

    /// Attach the file.
    #[must_use]
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Attach the range.
    #[must_use]
    pub fn at(mut self, range: Range) -> Self {
        self.range = Some(range);
        self
    }

    /// Attach the plugin.
    #[must_use]
    pub fn from_plugin(mut self, plugin: impl Into<String>) -> Self {
        self.plugin = Some(plugin.into());
        self
    }

    /// Where a report puts the problem: its range, or, for a problem about a whole file
    /// (unreadable, not a regular file, ...), line 1 column 1 of the file. `None` when it is
    /// about no file (a plugin that fails to load).
    #[must_use]
    pub fn location_range(&self) -> Option<Range> {
        self.file.as_ref()?;
        Some(self.range.unwrap_or_else(|| {
            let start = crate::source::Position {
                line: 1,
                column: 1,
                offset: 0,
            };
            Range::new(start, start)
        }))
    }

    /// `file:line:col: message` (or the parts that are known).
    #[must_use]
    pub fn headline(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.file {
            s.push_str(f);
            if let Some(r) = &self.range {
                s.push_str(&format!(":{}:{}", r.start.line, r.start.column));
            }
            s.push_str(": ");
        }
        if let Some(p) = &self.plugin {
            s.push_str(&format!("plugin '{p}': "));
        }
        s.push_str(&self.message);
        s
    }

    /// Sort key: file, position, message.
    #[must_use]
    pub fn sort_key(&self) -> (Option<&str>, Option<Range>, ProblemKind, &str) {
        (
            self.file.as_deref(),
            self.range,
            self.kind,
            self.message.as_str(),
        )
    }
}
