//! Between stiglint's positions (1-based lines, code-point columns, byte offsets) and the
//! protocol's (0-based lines, UTF-16 columns), and between file paths and `file://` URIs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, Uri};

/// The path of a `file://` URI.
#[must_use]
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path.
#[must_use]
pub fn uri_of(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    Uri::from_str(&s).ok()
}

/// Where each line of a text starts: positions in O(log n) instead of a scan from the start
/// of the text for every diagnostic.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of a text.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The text of a 1-based line, without its line break.
    fn line<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let Some(&start) = self.starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end = self
            .starts
            .get(line as usize)
            .map_or(text.len(), |next| next - 1);
        text.get(start..end).unwrap_or("").trim_end_matches('\r')
    }

    /// A protocol position of a stiglint position.
    #[must_use]
    pub fn position(&self, text: &str, line: u32, column: u32) -> Position {
        let utf16: usize = self
            .line(text, line)
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(char::len_utf16)
            .sum();
        Position {
            line: line.saturating_sub(1),
            character: u32::try_from(utf16).unwrap_or(u32::MAX),
        }
    }

    /// A protocol range of a stiglint range.
    #[must_use]
    pub fn range(&self, text: &str, r: stiglint::source::Range) -> Range {
        Range {
            start: self.position(text, r.start.line, r.start.column),
            end: self.position(text, r.end.line, r.end.column),
        }
    }

    /// The protocol position of a byte offset.
    #[must_use]
    pub fn position_of_offset(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let character: usize = text
            .get(start..offset)
            .unwrap_or("")
            .chars()
            .map(char::len_utf16)
            .sum();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }
}

/// The byte offset of a protocol position.
#[must_use]
pub fn offset_of(text: &str, p: Position) -> usize {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == p.line as usize {
            let mut units = 0;
            for (b, c) in line.char_indices() {
                if units >= p.character as usize || c == '\n' {
                    return offset + b;
                }
                units += c.len_utf16();
            }
            return offset + line.trim_end_matches('\n').len();
        }
        offset += line.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_and_uris() {
        let text = "a: b\nnäme: 😀x\n";
        let p = LineIndex::new(text).position(text, 2, 8);
        assert_eq!((p.line, p.character), (1, 8));
        assert_eq!(offset_of(text, p), "a: b\nnäme: 😀".len());
        let lines = LineIndex::new(text);
        assert_eq!(lines.position_of_offset(text, offset_of(text, p)), p);
        // CRLF line ends are not part of a line; past the end is the end.
        let crlf = "a: b\r\nc: d\r\n";
        let lines = LineIndex::new(crlf);
        assert_eq!(lines.position(crlf, 2, 99).character, 4);
        assert_eq!(lines.position_of_offset(crlf, 6).line, 1);
        let uri = uri_of(Path::new("/tmp/a b/x.yaml")).expect("uri");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/x.yaml");
        assert_eq!(path_of(&uri), Some(PathBuf::from("/tmp/a b/x.yaml")));
    }
}
