//! Typed settings of the Terraform controls: a table of known keys, each value checked, every
//! error naming the key.

use stiglint_sdk::Value;
// The generic readers are the SDK's; only the port list is this plugin's own.
pub(crate) use stiglint_sdk::settings::{boolean, string_list, table, whole_number};

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
