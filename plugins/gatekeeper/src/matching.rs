//! A constraint's `spec.match`, with Gatekeeper's semantics (its `pkg/mutation/match`): every
//! matcher that is set must match; `kinds` ignores the version and takes `*`; `namespaces`,
//! `excludedNamespaces` and `name` take a prefix (`kube-*`) or suffix (`*-system`) glob; a
//! `namespaceSelector` on a namespaced object whose Namespace is unknown is an error.

use std::collections::BTreeMap;

use serde_json::Value;

/// What the matchers look at of one object under review.
pub struct Subject<'a> {
    /// API group (`""` for the core group).
    pub group: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// `metadata.name`, or `metadata.generateName` when there is no name.
    pub name: &'a str,
    /// The namespace the request is for (`""` when none: cluster-scoped, or unknown).
    pub namespace: &'a str,
    /// The object's labels.
    pub labels: BTreeMap<String, String>,
    /// The labels of its Namespace object, when known.
    pub namespace_labels: Option<BTreeMap<String, String>>,
}

impl Subject<'_> {
    fn is_namespace(&self) -> bool {
        self.kind == "Namespace" && self.group.is_empty()
    }
}

/// The labels of an object (`metadata.labels`; values that are not strings are ignored, as the
/// API server would refuse them).
#[must_use]
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Gatekeeper's `util.Wildcard`: exact, `prefix*` or `*suffix`.
#[must_use]
pub fn wildcard(pattern: &str, candidate: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return candidate.starts_with(prefix);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return candidate.ends_with(suffix);
    }
    pattern == candidate
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether `spec.match` admits the subject. `Err` names what is wrong (a bad selector, a
/// `namespaceSelector` for a namespaced object whose Namespace is not known).
pub fn matches(spec_match: &Value, s: &Subject<'_>) -> Result<bool, String> {
    if spec_match.is_null() {
        return Ok(true);
    }
    // kinds
    if let Some(kinds) = spec_match.get("kinds").and_then(Value::as_array)
        && !kinds.is_empty()
    {
        let any = kinds.iter().any(|kk| {
            let ks = strings(kk.get("kinds"));
            let gs = strings(kk.get("apiGroups"));
            (ks.is_empty() || ks.contains(&"*") || ks.contains(&s.kind))
                && (gs.is_empty() || gs.contains(&"*") || gs.contains(&s.group))
        });
        if !any {
            return Ok(false);
        }
    }
    // scope
    let has_namespace = !s.namespace.is_empty();
    match spec_match.get("scope").and_then(Value::as_str) {
        Some("Cluster") if !s.is_namespace() && has_namespace => return Ok(false),
        Some("Namespaced") if s.is_namespace() || !has_namespace => return Ok(false),
        _ => {}
    }
    let namespace = if s.is_namespace() {
        s.name
    } else {
        s.namespace
    };
    let applies_ns = s.is_namespace() || has_namespace;
    // namespaces
    let listed = strings(spec_match.get("namespaces"));
    if !listed.is_empty() && applies_ns && !listed.iter().any(|n| wildcard(n, namespace)) {
        return Ok(false);
    }
    // excludedNamespaces
    let excluded = strings(spec_match.get("excludedNamespaces"));
    if applies_ns && excluded.iter().any(|n| wildcard(n, namespace)) {
        return Ok(false);
    }
    // labelSelector
    if let Some(sel) = spec_match.get("labelSelector").filter(|v| !v.is_null())
        && !selector_matches(sel, &s.labels).map_err(|e| format!("match.labelSelector: {e}"))?
    {
        return Ok(false);
    }
    // namespaceSelector
    if let Some(sel) = spec_match.get("namespaceSelector").filter(|v| !v.is_null()) {
        let what = |e| format!("match.namespaceSelector: {e}");
        if s.is_namespace() {
            if !selector_matches(sel, &s.labels).map_err(what)? {
                return Ok(false);
            }
        } else if has_namespace {
            let Some(labels) = &s.namespace_labels else {
                return Err(format!(
                    "match.namespaceSelector needs the Namespace '{}' of this object, and it is not among the scanned objects",
                    s.namespace
                ));
            };
            if !selector_matches(sel, labels).map_err(what)? {
                return Ok(false);
            }
        }
        // A cluster-scoped object that is not a Namespace matches.
    }
    // name
    if let Some(name) = spec_match.get("name").and_then(Value::as_str)
        && !name.is_empty()
        && !wildcard(name, s.name)
    {
        return Ok(false);
    }
    Ok(true)
}

/// A Kubernetes `LabelSelector` (`matchLabels` and `matchExpressions`, all of them must hold).
pub fn selector_matches(
    selector: &Value,
    labels: &BTreeMap<String, String>,
) -> Result<bool, String> {
    if let Some(ml) = selector.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in ml {
            let v = v
                .as_str()
                .ok_or_else(|| format!("matchLabels.{k} is not a string"))?;
            if labels.get(k).map(String::as_str) != Some(v) {
                return Ok(false);
            }
        }
    }
    for (i, e) in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let key = e
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("matchExpressions[{i}] has no key"))?;
        let values = strings(e.get("values"));
        let have = labels.get(key).map(String::as_str);
        let op = e.get("operator").and_then(Value::as_str).unwrap_or("");
        let ok = match op {
            "In" => {
                if values.is_empty() {
                    return Err(format!("matchExpressions[{i}]: operator In needs values"));
                }
                have.is_some_and(|h| values.contains(&h))
            }
            "NotIn" => {
                if values.is_empty() {
                    return Err(format!(
                        "matchExpressions[{i}]: operator NotIn needs values"
                    ));
                }
                have.is_none_or(|h| !values.contains(&h))
            }
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            other => {
                return Err(format!(
                    "matchExpressions[{i}]: {other:?} is not a valid operator (In, NotIn, Exists, DoesNotExist)"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod<'a>(ns: &'a str, name: &'a str) -> Subject<'a> {
        Subject {
            group: "",
            kind: "Pod",
            name,
            namespace: ns,
            labels: BTreeMap::new(),
            namespace_labels: None,
        }
    }

    #[test]
    fn globs_are_prefix_or_suffix() {
        assert!(wildcard("kube-*", "kube-system"));
        assert!(wildcard("*-system", "gatekeeper-system"));
        assert!(!wildcard("kube-*", "default"));
        assert!(!wildcard("kube", "kube-system"));
    }

    #[test]
    fn kinds_ignore_version_and_take_star() {
        let m = json!({"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]});
        let mut s = pod("a", "x");
        assert_eq!(matches(&m, &s), Ok(false));
        s.group = "apps";
        s.kind = "Deployment";
        assert_eq!(matches(&m, &s), Ok(true));
        let star = json!({"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]});
        assert_eq!(matches(&star, &pod("a", "x")), Ok(true));
    }

    #[test]
    fn namespace_selector_without_namespace_is_an_error() {
        let m = json!({"namespaceSelector": {"matchLabels": {"team": "a"}}});
        assert!(matches(&m, &pod("a", "x")).is_err());
        // Cluster-scoped objects match.
        let mut node = pod("", "n");
        node.kind = "Node";
        assert_eq!(matches(&m, &node), Ok(true));
    }

    #[test]
    fn expressions() {
        let labels: BTreeMap<String, String> = [("a".to_owned(), "1".to_owned())].into();
        let sel = json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}, {"key": "b", "operator": "DoesNotExist"}]});
        assert_eq!(selector_matches(&sel, &labels), Ok(true));
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Has"}]});
        assert!(selector_matches(&bad, &labels).is_err());
    }
}
