//! Source files and positions: 1-based lines, 1-based character columns, byte offsets.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A position in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in Unicode code points.
    pub column: u32,
    /// 0-based byte offset: not in reports (human-readable formats), kept in the result
    /// cache (a binary format).
    #[serde(default)]
    pub offset: u32,
}

impl Serialize for Position {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let human = serializer.is_human_readable();
        let mut s = serializer.serialize_struct("Position", if human { 2 } else { 3 })?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        if !human {
            s.serialize_field("offset", &self.offset)?;
        }
        s.end()
    }
}

/// A range in a source file (end exclusive).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Range {
    /// First character.
    pub start: Position,
    /// One past the last character.
    pub end: Position,
}

impl Range {
    /// A range from `start` to `end`.
    #[must_use]
    pub fn new(start: Position, end: Position) -> Self {
        Self { start, end }
    }

    /// The smallest range covering both.
    #[must_use]
    pub fn cover(self, other: Range) -> Range {
        Range {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Where the bytes of a file came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// A loaded source file: its text and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Where it came from.
    pub origin: Origin,
    /// How reports name it (the path as given, relative where possible).
    pub name: Arc<str>,
    /// The text.
    pub text: Arc<str>,
    line_starts: Vec<u32>,
    /// Whether the text contains a string, for the strings asked about (looked up once per
    /// text: the language server asks about every unchanged file on every keystroke).
    found: std::sync::Mutex<Vec<(&'static str, bool)>>,
}

impl SourceFile {
    /// Whether the text contains `needle` (remembered: a text does not change).
    #[must_use]
    pub fn contains(&self, needle: &'static str) -> bool {
        let mut found = self
            .found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(&(_, yes)) = found.iter().find(|(n, _)| *n == needle) {
            return yes;
        }
        let yes = self.text.contains(needle);
        found.push((needle, yes));
        yes
    }

    /// A source file from its text.
    #[must_use]
    pub fn new(origin: Origin, name: impl Into<Arc<str>>, text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        Self {
            found: std::sync::Mutex::default(),
            origin,
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of a 1-based line, without its line break.
    #[must_use]
    pub fn line_text(&self, line: u32) -> &str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    /// The position of a 1-based line and a 0-based character column.
    #[must_use]
    pub fn position(&self, line: u32, char_col: u32) -> Position {
        let i = (line as usize).saturating_sub(1);
        let start = self
            .line_starts
            .get(i)
            .copied()
            .unwrap_or(self.text.len() as u32);
        let text = self.line_text(line);
        let byte_col = text
            .char_indices()
            .nth(char_col as usize)
            .map_or(text.len(), |(b, _)| b);
        Position {
            line,
            column: char_col + 1,
            offset: start + byte_col as u32,
        }
    }

    /// The position of a byte offset.
    #[must_use]
    pub fn position_of_offset(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line_index] as usize;
        let column = self.text[start..offset].chars().count() as u32 + 1;
        Position {
            line: line_index as u32 + 1,
            column,
            offset: offset as u32,
        }
    }

    /// The 1-based line on which a byte offset lies.
    #[must_use]
    pub fn line_of(&self, offset: usize) -> u32 {
        self.position_of_offset(offset).line
    }

    /// Byte offset where a 1-based line starts.
    #[must_use]
    pub fn line_start(&self, line: u32) -> usize {
        self.line_starts
            .get((line as usize).saturating_sub(1))
            .map_or(self.text.len(), |&s| s as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_bytes() {
        let f = SourceFile::new(Origin::Stdin, "-", "a: b\nnäme: x\n".into());
        assert_eq!(f.line_count(), 3);
        assert_eq!(f.line_text(2), "näme: x");
        let p = f.position(2, 6);
        assert_eq!((p.line, p.column, p.offset), (2, 7, 12));
        assert_eq!(f.position_of_offset(12), p);
    }
}
