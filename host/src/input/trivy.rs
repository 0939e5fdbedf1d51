//! Trivy vulnerability reports (`trivy image --format json`, `SchemaVersion` 2), recognised by
//! content. The plugin gets the report's JSON as it is (format `trivy`, kind hint
//! `TrivyReport`, name hint the `ArtifactName`); the KUBER-L2-000030 control matches it to the
//! workloads' images.

use serde_json::Value;

use super::Hints;

/// The hints of a Trivy report, if the document is one.
#[must_use]
pub fn hints(value: &Value) -> Option<Hints> {
    let schema = value.get("SchemaVersion").and_then(Value::as_u64)?;
    let artifact = value.get("ArtifactName").and_then(Value::as_str)?;
    (schema == 2).then(|| Hints {
        api_version: Some("trivy/v2".to_owned()),
        kind: Some("TrivyReport".to_owned()),
        name: Some(artifact.to_owned()),
        ..Hints::default()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn recognises_schema_2_reports_only() {
        let h =
            super::hints(&json!({"SchemaVersion": 2, "ArtifactName": "nginx:1.25", "Results": []}))
                .expect("a report");
        assert_eq!(h.kind.as_deref(), Some("TrivyReport"));
        assert_eq!(h.name.as_deref(), Some("nginx:1.25"));
        assert!(super::hints(&json!({"SchemaVersion": 1, "ArtifactName": "x"})).is_none());
        assert!(super::hints(&json!({"apiVersion": "v1", "kind": "Pod"})).is_none());
    }
}
