//! A constraint's `spec.parameters` checked against its template's `openAPIV3Schema`, as the
//! API server checks a constraint CRD object: `type`, `properties`, `items`,
//! `additionalProperties` (a schema), `enum`, `required`, `nullable`, numeric and length
//! bounds, `pattern`; `x-kubernetes-preserve-unknown-fields` and `x-kubernetes-int-or-string`.
//! Errors read like the API server's: `spec.parameters.repos: Invalid value: "string": must be array`.

use serde_json::Value;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Validate `value` at `path` against `schema`; every error is pushed.
#[allow(clippy::too_many_lines)] // one arm per JSON type, as the API server's validator
pub fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    if value.is_null() {
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        if schema.contains_key("type") {
            errors.push(format!(
                "{path}: Invalid value: \"null\": {path} in body must be of type {}",
                schema
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("object")
            ));
        }
        return;
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    if let Some(want) = schema.get("type").and_then(Value::as_str) {
        let have = type_name(value);
        let ok = have == want
            || (want == "number" && have == "integer")
            || (int_or_string && (have == "integer" || have == "string"));
        if !ok {
            errors.push(format!(
                "{path}: Invalid value: \"{have}\": {path} in body must be of type {want}"
            ));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        errors.push(format!(
            "{path}: Unsupported value: {value}: supported values: {}",
            list.join(", ")
        ));
    }
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(r) {
                    errors.push(format!("{path}.{r}: Required value"));
                }
            }
            for (k, v) in map {
                let at = format!("{path}.{k}");
                if let Some(s) = properties.and_then(|p| p.get(k)) {
                    validate(s, v, &at, errors);
                } else if let Some(s) = schema.get("additionalProperties").filter(|s| s.is_object())
                {
                    validate(s, v, &at, errors);
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    validate(s, v, &format!("{path}[{i}]"), errors);
                }
            }
            let n = f64::from(u32::try_from(items.len()).unwrap_or(u32::MAX));
            bound(
                schema,
                "minItems",
                n,
                path,
                "must have at least {} items",
                |a, b| a >= b,
                errors,
            );
            bound(
                schema,
                "maxItems",
                n,
                path,
                "must have at most {} items",
                |a, b| a <= b,
                errors,
            );
        }
        Value::String(s) => {
            let n = f64::from(u32::try_from(s.chars().count()).unwrap_or(u32::MAX));
            bound(
                schema,
                "minLength",
                n,
                path,
                "should be at least {} chars long",
                |a, b| a >= b,
                errors,
            );
            bound(
                schema,
                "maxLength",
                n,
                path,
                "may not be more than {} bytes",
                |a, b| a <= b,
                errors,
            );
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(p) {
                    Ok(re) if !re.is_match(s) => errors.push(format!(
                        "{path}: Invalid value: {value}: {path} in body should match '{p}'"
                    )),
                    Ok(_) => {}
                    Err(e) => errors.push(format!(
                        "{path}: the schema's pattern {p:?} is invalid: {e}"
                    )),
                }
            }
        }
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                bound(
                    schema,
                    "minimum",
                    x,
                    path,
                    "should be greater than or equal to {}",
                    |a, b| a >= b,
                    errors,
                );
                bound(
                    schema,
                    "maximum",
                    x,
                    path,
                    "should be less than or equal to {}",
                    |a, b| a <= b,
                    errors,
                );
            }
        }
        _ => {}
    }
}

fn bound(
    schema: &serde_json::Map<String, Value>,
    key: &str,
    have: f64,
    path: &str,
    what: &str,
    ok: fn(f64, f64) -> bool,
    errors: &mut Vec<String>,
) {
    if let Some(limit) = schema.get(key).and_then(Value::as_f64)
        && !ok(have, limit)
    {
        errors.push(format!(
            "{path}: Invalid value: {have}: {}",
            what.replace("{}", &limit.to_string())
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_type_is_named_with_its_path() {
        let schema = json!({"type": "object", "properties": {"repos": {"type": "array", "items": {"type": "string"}}}});
        let mut errors = Vec::new();
        validate(
            &schema,
            &json!({"repos": "x"}),
            "spec.parameters",
            &mut errors,
        );
        assert_eq!(
            errors,
            [
                "spec.parameters.repos: Invalid value: \"string\": spec.parameters.repos in body must be of type array"
            ]
        );
        errors.clear();
        validate(
            &schema,
            &json!({"repos": ["a", 1]}),
            "spec.parameters",
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("spec.parameters.repos[1]"));
        errors.clear();
        validate(
            &schema,
            &json!({"repos": ["a"], "other": 1}),
            "spec.parameters",
            &mut errors,
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn enum_required_and_int_or_string() {
        let schema = json!({"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string", "enum": ["a", "b"]}, "cpu": {"x-kubernetes-int-or-string": true}}});
        let mut errors = Vec::new();
        validate(&schema, &json!({"mode": "c", "cpu": 2}), "p", &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.clear();
        validate(&schema, &json!({"cpu": "200m"}), "p", &mut errors);
        assert_eq!(errors, ["p.mode: Required value"]);
    }
}
