//! Inline waivers: one syntax for YAML (also inside Helm templates, whose comments survive
//! rendering) and HCL —
//!
//! ```text
//! # stiglint:waive <ID> expires=YYYY-MM-DD approved-by="Name" [approved-on=YYYY-MM-DD] [ticket=X] -- <justification>
//! ```
//!
//! on the finding's line or the line above it; in YAML, at the top of a document (before its
//! first key) it covers the whole document.

use std::sync::Arc;

use super::{Origin, Record, Scope};
use crate::source::SourceFile;

/// The marker that starts an inline waiver.
pub const MARKER: &str = "stiglint:waive";

/// An inline waiver that is not well formed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineError {
    /// 1-based line.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// Every inline waiver of a file: records with their lines covered, and malformed ones.
#[must_use]
pub fn scan(source: &Arc<SourceFile>) -> (Vec<Record>, Vec<InlineError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    if !source.contains(MARKER) {
        return (records, errors);
    }
    let yaml = !source.name.ends_with(".tf");
    let lines: Vec<&str> = source.text.lines().collect();
    for (i, text) in lines.iter().enumerate() {
        let Some(comment_at) = comment_start(text) else {
            continue;
        };
        let comment = &text[comment_at..];
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match parse(&comment[at + MARKER.len()..]) {
            Ok(mut record) => {
                let whole_line_comment = text[..comment_at].trim().is_empty();
                let (first, last) = if yaml && whole_line_comment && top_of_document(&lines, i) {
                    (line, document_end(&lines, i))
                } else {
                    (line, line + 1)
                };
                record.origin = Origin::Inline {
                    file: Arc::clone(&source.name),
                    line,
                    covers: (first, last),
                };
                records.push(record);
            }
            Err(message) => errors.push(InlineError { line, message }),
        }
    }
    (records, errors)
}

/// Where a `#` comment starts on a line (not inside a quoted string).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q && prev != '\\' => quote = None,
            (None, '#') if i == 0 || prev.is_whitespace() => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Whether only comments, blank lines and `---` come before line `i` in its YAML document.
fn top_of_document(lines: &[&str], i: usize) -> bool {
    for l in lines[..i].iter().rev() {
        let t = l.trim();
        if t.starts_with("---") {
            return true;
        }
        if !(t.is_empty() || t.starts_with('#')) {
            return false;
        }
    }
    true
}

/// The last line of the YAML document line `i` is in.
fn document_end(lines: &[&str], i: usize) -> u32 {
    let end = lines[i + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with("---") && !l.starts_with(' '))
        .map_or(lines.len(), |p| i + 1 + p);
    u32::try_from(end).unwrap_or(u32::MAX)
}

/// Parse what follows the marker.
fn parse(rest: &str) -> Result<Record, String> {
    let (head, justification) = match rest.split_once("--") {
        Some((h, j)) => (h, j.trim()),
        None => (rest, ""),
    };
    let mut tokens = Tokens { s: head.trim() };
    let control = tokens
        .next()
        .filter(|t| !t.contains('='))
        .ok_or("an inline waiver names its control first: `stiglint:waive <ID> ...`")?;
    let mut record = Record {
        control,
        scope: Scope::default(),
        justification: justification.to_owned(),
        approved_by: String::new(),
        approved_on: None,
        expires: String::new(),
        ticket: None,
        origin: Origin::Plugin {
            name: String::new(),
        },
    };
    for token in tokens.by_ref() {
        let Some((key, value)) = token.split_once('=') else {
            return Err(format!("`{token}` is not key=value"));
        };
        let value = value.trim_matches('"').to_owned();
        match key {
            "expires" => record.expires = value,
            "approved-by" | "approved_by" => record.approved_by = value,
            "approved-on" | "approved_on" => record.approved_on = Some(value),
            "ticket" => record.ticket = Some(value),
            other => {
                return Err(format!(
                    "unknown key `{other}` (expires, approved-by, approved-on, ticket)"
                ));
            }
        }
    }
    record
        .validate()
        .map_err(|(field, why)| format!("{field}: {why}"))?;
    Ok(record)
}

/// Whitespace-separated tokens; `key="a b"` is one token.
struct Tokens<'a> {
    s: &'a str,
}

impl Iterator for Tokens<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.s = self.s.trim_start();
        if self.s.is_empty() {
            return None;
        }
        let mut quoted = false;
        let end = self
            .s
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c.is_whitespace() && !quoted
            })
            .map_or(self.s.len(), |(i, _)| i);
        let token = self.s[..end].to_owned();
        self.s = &self.s[end..];
        Some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Origin as FileOrigin;

    fn file(name: &str, text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile::new(FileOrigin::Stdin, name, Arc::from(text)))
    }

    #[test]
    fn parses_lines_and_documents() {
        let text = "# stiglint:waive KUBER-L2-000020 expires=2027-01-31 approved-by=\"Jane Doe (ISSM)\" ticket=RISK-1 -- legacy image runs as root\napiVersion: v1\nkind: Pod\n---\nkind: Pod\nspec:\n  hostNetwork: true # stiglint:waive KUBER-L2-000060 expires=2027-01-01 approved-by=ops -- node agent\n";
        let (records, errors) = scan(&file("a.yaml", text));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].approved_by, "Jane Doe (ISSM)");
        assert_eq!(records[0].justification, "legacy image runs as root");
        assert!(matches!(
            records[0].origin,
            Origin::Inline { covers: (1, 3), .. }
        ));
        assert!(matches!(
            records[1].origin,
            Origin::Inline { covers: (7, 8), .. }
        ));
    }

    #[test]
    fn malformed_waivers_name_what_is_missing() {
        let (records, errors) = scan(&file(
            "main.tf",
            "# stiglint:waive KUBER-L2-000120 approved-by=ops -- reason\n# stiglint:waive expires=2027-01-01\n",
        ));
        assert!(records.is_empty());
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("expires"), "{errors:?}");
        assert!(
            errors[1].message.contains("names its control first"),
            "{errors:?}"
        );
        // Not a comment: a string that mentions the marker.
        let (records, errors) = scan(&file("x.tf", "a = \"# stiglint:waive X\"\n"));
        assert!(records.is_empty() && errors.is_empty());
    }
}
