//! Kubernetes manifests: which parsed documents are Kubernetes objects, `*List` flattening and
//! the kind hints a plugin gets for free.

use serde_json::Value;

use super::Hints;

/// A Kubernetes object found in a parsed document.
#[derive(Debug)]
pub struct Object {
    /// The object.
    pub value: Value,
    /// Pointer of the object within its YAML document (`""`, or `/items/3` in a List).
    pub prefix: String,
    /// Hints.
    pub hints: Hints,
}

/// Why a parsed document is not scanned as a Kubernetes object.
pub type SkipReason = String;

fn str_field<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

fn hints(v: &Value) -> Hints {
    let meta = v.get("metadata");
    Hints {
        api_version: str_field(v, "apiVersion").map(str::to_owned),
        kind: str_field(v, "kind").map(str::to_owned),
        namespace: meta
            .and_then(|m| str_field(m, "namespace"))
            .map(str::to_owned),
        name: meta.and_then(|m| str_field(m, "name")).map(str::to_owned),
        labels: Vec::new(),
    }
}

/// Split a parsed document into Kubernetes objects (a `List` or `*List` becomes its items).
pub fn objects(value: Value) -> Result<Vec<Object>, SkipReason> {
    if !value.is_object() {
        return Err("not a Kubernetes object (the document is not a mapping)".to_owned());
    }
    let (Some(_), Some(kind)) = (str_field(&value, "apiVersion"), str_field(&value, "kind")) else {
        return Err("not a Kubernetes object (no apiVersion and kind)".to_owned());
    };
    if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
        let Value::Object(mut map) = value else {
            return Ok(Vec::new());
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            if str_field(&item, "apiVersion").is_some() && str_field(&item, "kind").is_some() {
                out.push(Object {
                    hints: hints(&item),
                    value: item,
                    prefix: format!("/items/{i}"),
                });
            }
        }
        return Ok(out);
    }
    Ok(vec![Object {
        hints: hints(&value),
        value,
        prefix: String::new(),
    }])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn lists_flatten_and_others_skip() {
        let objs = super::objects(json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n"}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}
        ]}))
        .expect("objects");
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].prefix, "/items/1");
        assert_eq!(objs[0].hints.namespace.as_deref(), Some("n"));
        assert!(super::objects(json!({"key": "value"})).is_err());
        assert!(super::objects(json!("text")).is_err());
    }
}
