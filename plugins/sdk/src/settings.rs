//! Typed reading of a settings table (a control's `[controls."<ID>"]` or a plugin's
//! `[plugin-settings.<name>]`, which arrive as JSON objects): known keys only, every value
//! checked, every error naming the key.
//!
//! ```
//! use stiglint_sdk::{json, settings};
//!
//! let table = json!({"max-days": 30, "approvers": ["alice@example.org"]});
//! let mut max_days = 90;
//! let mut approvers = None;
//! for (key, value) in settings::table(&table, &["max-days", "approvers"]).unwrap() {
//!     match key {
//!         "max-days" => max_days = settings::whole_number(key, value).unwrap(),
//!         _ => approvers = Some(settings::string_list(key, value).unwrap()),
//!     }
//! }
//! assert_eq!(max_days, 30);
//! assert_eq!(approvers, Some(vec!["alice@example.org".to_owned()]));
//!
//! let err = settings::table(&json!({"max-day": 30}), &["max-days", "approvers"]).unwrap_err();
//! assert_eq!(err, "unknown setting `max-day` (expected max-days, approvers)");
//! ```

use serde_json::Value;

/// The entries of a settings table, in key order, when every key is among `keys`. `null` (no
/// settings) is an empty table. A key not in `keys` is an error naming it, never ignored
/// (`keys` empty: no settings are accepted); so is a value that is not a table.
pub fn table<'a>(settings: &'a Value, keys: &[&str]) -> Result<Vec<(&'a str, &'a Value)>, String> {
    let map = match settings {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => return Err("the settings must be a table".to_owned()),
    };
    let mut out = Vec::new();
    for (key, value) in map {
        if !keys.contains(&key.as_str()) {
            return Err(if keys.is_empty() {
                format!("unknown setting `{key}`: no settings are accepted")
            } else {
                format!("unknown setting `{key}` (expected {})", keys.join(", "))
            });
        }
        out.push((key.as_str(), value));
    }
    Ok(out)
}

/// `key = true | false`.
pub fn boolean(key: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("`{key}` must be true or false"))
}

/// `key = <whole number, 0 or more>`.
pub fn whole_number(key: &str, value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| format!("`{key}` must be a whole number, 0 or more, e.g. {key} = 90"))
}

/// `key = "text"`.
pub fn string(key: &str, value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("`{key}` must be a string, e.g. {key} = \"...\""))
}

/// `key = ["text", ...]` (an empty list is allowed).
pub fn string_list(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let err = || format!("`{key}` must be a list of strings, e.g. {key} = [\"...\"]");
    value
        .as_array()
        .ok_or_else(err)?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(err))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_accepts_known_keys_and_null() {
        let v = json!({"a": 1, "b": true});
        let entries = table(&v, &["a", "b"]).expect("known keys");
        assert_eq!(entries, vec![("a", &json!(1)), ("b", &json!(true))]);
        assert!(table(&Value::Null, &[]).expect("null").is_empty());
        assert!(table(&json!({}), &[]).expect("empty").is_empty());
    }

    #[test]
    fn table_names_the_unknown_key() {
        assert_eq!(
            table(&json!({"c": 1}), &["a", "b"]).expect_err("unknown"),
            "unknown setting `c` (expected a, b)"
        );
        assert_eq!(
            table(&json!({"c": 1}), &[]).expect_err("none accepted"),
            "unknown setting `c`: no settings are accepted"
        );
        assert_eq!(
            table(&json!([1]), &["a"]).expect_err("not a table"),
            "the settings must be a table"
        );
    }

    #[test]
    fn values_are_checked_and_errors_name_the_key() {
        assert_eq!(whole_number("n", &json!(90)), Ok(90));
        assert_eq!(
            whole_number("n", &json!(-1)),
            Err("`n` must be a whole number, 0 or more, e.g. n = 90".to_owned())
        );
        assert!(whole_number("n", &json!(1.5)).is_err());
        assert!(whole_number("n", &json!("90")).is_err());
        assert_eq!(boolean("b", &json!(false)), Ok(false));
        assert!(
            boolean("b", &json!(0))
                .expect_err("not a bool")
                .contains("`b`")
        );
        assert_eq!(string("s", &json!("x")), Ok("x".to_owned()));
        assert!(
            string("s", &json!(1))
                .expect_err("not a string")
                .contains("`s`")
        );
        assert_eq!(
            string_list("l", &json!(["x", "y"])),
            Ok(vec!["x".to_owned(), "y".to_owned()])
        );
        assert_eq!(string_list("l", &json!([])), Ok(vec![]));
        assert_eq!(
            string_list("l", &json!(["x", 1])),
            Err("`l` must be a list of strings, e.g. l = [\"...\"]".to_owned())
        );
        assert!(string_list("l", &json!("x")).is_err());
    }
}
