//! Terraform plan JSON (`terraform show -json plan.out`), recognised by its content: each
//! resource to be created or updated becomes a document whose JSON is its planned values
//! (`resource_changes[].change.after`, or `planned_values` when there are no changes), with
//! the values Terraform will know only after apply (`after_unknown`) as unknowns.

use serde_json::{Map, Value};

use super::value::unknown_json;

/// One resource of a plan.
#[derive(Debug)]
pub struct PlanResource {
    /// Pointer of its values inside the plan document.
    pub prefix: String,
    /// `resource` or `data`.
    pub kind: String,
    /// `[type, name]`.
    pub labels: Vec<String>,
    /// Full address (`module.eks.aws_eks_cluster.this[0]`).
    pub address: String,
    /// The values; `None` when the plan destroys it (with the reason).
    pub value: Result<Value, String>,
}

/// Whether a JSON document is a Terraform plan (or state) in Terraform's JSON format.
#[must_use]
pub fn is_plan(v: &Value) -> bool {
    v.get("format_version").is_some()
        && v.get("terraform_version").is_some()
        && (v.get("resource_changes").is_some() || v.get("planned_values").is_some())
}

/// The resources of a plan.
#[must_use]
pub fn resources(plan: &Value) -> Vec<PlanResource> {
    let mut out = Vec::new();
    if let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) {
        for (i, rc) in changes.iter().enumerate() {
            let change = &rc["change"];
            let actions: Vec<&str> = change["actions"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let value = if actions == ["delete"] {
                Err("the plan destroys it".to_owned())
            } else if actions == ["no-op"] || actions == ["read"] || !change["after"].is_null() {
                Ok(merge_unknown(&change["after"], &change["after_unknown"]))
            } else {
                Err(format!("no planned values (actions {actions:?})"))
            };
            out.push(resource(
                rc,
                format!("/resource_changes/{i}/change/after"),
                value,
            ));
        }
        return out;
    }
    if let Some(root) = plan.pointer("/planned_values/root_module") {
        walk_module(root, "/planned_values/root_module", &mut out);
    }
    out
}

fn walk_module(module: &Value, at: &str, out: &mut Vec<PlanResource>) {
    if let Some(resources) = module.get("resources").and_then(Value::as_array) {
        for (i, r) in resources.iter().enumerate() {
            let value = Ok(r
                .get("values")
                .cloned()
                .unwrap_or(Value::Object(Map::new())));
            out.push(resource(r, format!("{at}/resources/{i}/values"), value));
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for (i, c) in children.iter().enumerate() {
            walk_module(c, &format!("{at}/child_modules/{i}"), out);
        }
    }
}

fn resource(r: &Value, prefix: String, value: Result<Value, String>) -> PlanResource {
    let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    PlanResource {
        prefix,
        kind: if r["mode"] == "data" {
            "data"
        } else {
            "resource"
        }
        .to_owned(),
        labels: vec![text("type"), text("name")],
        address: text("address"),
        value,
    }
}

/// `after` with every value `after_unknown` marks `true` replaced by an unknown.
fn merge_unknown(after: &Value, unknown: &Value) -> Value {
    const REASON: &str = "known only after apply (plan JSON after_unknown)";
    match (after, unknown) {
        (_, Value::Bool(true)) => unknown_json(REASON),
        (Value::Object(a), Value::Object(u)) => {
            let mut out = a.clone();
            for (k, uv) in u {
                let merged = merge_unknown(a.get(k).unwrap_or(&Value::Null), uv);
                if !merged.is_null() || a.contains_key(k) {
                    out.insert(k.clone(), merged);
                }
            }
            Value::Object(out)
        }
        (Value::Array(a), Value::Array(u)) => {
            let mut out: Vec<Value> = a.clone();
            for (i, uv) in u.iter().enumerate() {
                match out.get_mut(i) {
                    Some(slot) => *slot = merge_unknown(slot, uv),
                    None if *uv == Value::Bool(true) => out.push(unknown_json(REASON)),
                    None => {}
                }
            }
            Value::Array(out)
        }
        (Value::Null, Value::Object(u)) if !u.is_empty() => {
            merge_unknown(&Value::Object(Map::new()), unknown)
        }
        _ => after.clone(),
    }
}

/// An address without its instance keys (`module.a["x"].b.c[0]` → `module.a.b.c`).
#[must_use]
pub fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn after_unknown_becomes_unknown_and_deletes_are_skipped() {
        let plan = json!({
            "format_version": "1.2", "terraform_version": "1.9.0",
            "resource_changes": [
                {"address": "aws_eks_cluster.this", "mode": "managed", "type": "aws_eks_cluster", "name": "this",
                 "change": {"actions": ["create"],
                            "after": {"name": "x", "vpc_config": [{"endpoint_public_access": true, "subnet_ids": ["a"]}]},
                            "after_unknown": {"arn": true, "vpc_config": [{"cluster_security_group_id": true, "subnet_ids": [false]}]}}},
                {"address": "aws_kms_key.old", "mode": "managed", "type": "aws_kms_key", "name": "old",
                 "change": {"actions": ["delete"], "after": null, "after_unknown": {}}}
            ]
        });
        assert!(is_plan(&plan));
        let r = resources(&plan);
        assert_eq!(r.len(), 2);
        let v = r[0].value.as_ref().expect("values");
        assert_eq!(v["arn"]["$unknown"], REASON_FOR_TEST);
        assert_eq!(
            v["vpc_config"][0]["cluster_security_group_id"]["$unknown"],
            REASON_FOR_TEST
        );
        assert_eq!(v["vpc_config"][0]["endpoint_public_access"], true);
        assert_eq!(r[0].prefix, "/resource_changes/0/change/after");
        assert!(r[1].value.is_err());
        assert_eq!(strip_keys("module.a[\"x[1]\"].b.c[0]"), "module.a.b.c");
    }

    const REASON_FOR_TEST: &str = "known only after apply (plan JSON after_unknown)";
}
