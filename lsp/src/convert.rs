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

/// A protocol position of a stiglint position on a line of text.
#[must_use]
pub fn position(text: &str, line: u32, column: u32) -> Position {
    let line_text = text
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let utf16: usize = line_text
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
pub fn range(text: &str, r: stiglint::source::Range) -> Range {
    Range {
        start: position(text, r.start.line, r.start.column),
        end: position(text, r.end.line, r.end.column),
    }
}

/// The protocol position of a byte offset.
#[must_use]
pub fn position_of_offset(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
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
        let p = position(text, 2, 8);
        assert_eq!((p.line, p.character), (1, 8));
        assert_eq!(offset_of(text, p), "a: b\nnäme: 😀".len());
        assert_eq!(position_of_offset(text, offset_of(text, p)), p);
        let uri = uri_of(Path::new("/tmp/a b/x.yaml")).expect("uri");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/x.yaml");
        assert_eq!(path_of(&uri), Some(PathBuf::from("/tmp/a b/x.yaml")));
    }
}
