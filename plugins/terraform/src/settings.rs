//! Typed settings of the Terraform controls: a table of known keys, each value checked, every
//! error naming the key.

use stiglint_sdk::Value;

/// The entries of a settings table whose keys are all among `keys`.
pub(crate) fn table<'a>(
    settings: &'a Value,
    keys: &[&str],
) -> Result<Vec<(&'a str, &'a Value)>, String> {
    let map = match settings {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => return Err("the settings must be a table".to_owned()),
    };
    let mut out = Vec::new();
    for (key, value) in map {
        if !keys.contains(&key.as_str()) {
            return Err(if keys.is_empty() {
                format!("unknown setting `{key}`: this control takes no settings")
            } else {
                format!("unknown setting `{key}` (expected {})", keys.join(", "))
            });
        }
        out.push((key.as_str(), value));
    }
    Ok(out)
}

/// `key = true | false`.
pub(crate) fn boolean(key: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("`{key}` must be true or false"))
}

/// `key = <whole number, 0 or more>`.
pub(crate) fn whole_number(key: &str, value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| format!("`{key}` must be a whole number, 0 or more"))
}

/// `key = [<port>, ...]`.
pub(crate) fn ports(key: &str, value: &Value) -> Result<Vec<u16>, String> {
    let err = || format!("`{key}` must be a list of port numbers (0-65535), e.g. {key} = [443]");
    value
        .as_array()
        .ok_or_else(err)?
        .iter()
        .map(|p| {
            p.as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(err)
        })
        .collect()
}
