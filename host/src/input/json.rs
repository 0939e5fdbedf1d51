//! JSON manifests. JSON is YAML, so the YAML loader gives them their JSON view and positions;
//! this module first holds a `.json` file to JSON's own grammar (an empty file, a trailing
//! comma or a comment is an error in JSON, not in YAML), with serde_json's line and column.

use super::yaml::ParseError;
use crate::source::SourceFile;

/// Whether a file is read as JSON (by its name).
#[must_use]
pub fn is_json(file: &SourceFile) -> bool {
    std::path::Path::new(&*file.name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The first JSON syntax error of a file, if any.
#[must_use]
pub fn syntax_error(file: &SourceFile) -> Option<ParseError> {
    let e = serde_json::from_str::<serde::de::IgnoredAny>(&file.text).err()?;
    let line = e.line().max(1) as u32;
    let column = e.column().saturating_sub(1) as u32;
    let message = if file.text.trim().is_empty() {
        "not valid JSON: the file is empty".to_owned()
    } else {
        format!("not valid JSON: {e}")
    };
    Some(ParseError {
        position: file.position(line, column),
        message,
    })
}

#[cfg(test)]
mod tests {
    use crate::source::{Origin, SourceFile};

    #[test]
    fn json_errors_have_positions() {
        let f = SourceFile::new(Origin::Stdin, "x.json", "{\n  \"a\": 1,\n}\n".into());
        assert!(super::is_json(&f));
        let e = super::syntax_error(&f).expect("trailing comma");
        assert_eq!(e.position.line, 3);
        let empty = SourceFile::new(Origin::Stdin, "e.json", "".into());
        assert_eq!(
            super::syntax_error(&empty).expect("empty").message,
            "not valid JSON: the file is empty"
        );
    }
}
