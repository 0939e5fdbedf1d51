//! The object under review, as Gatekeeper hands it to a template: `input.review` shaped as the
//! `AdmissionRequest` (`kind`, `name`, `namespace`, `operation`, `object`, `namespaceObject`),
//! from a plain object (operation `CREATE`) or from a whole `AdmissionReview`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::matching::{Subject, labels_of};
use crate::policy::group_of;

/// One object under review.
pub struct Review {
    /// `input.review`, without `namespaceObject` (added per evaluation when known).
    pub request: Value,
    /// Where the object sits in its document (`""`, or `/request/object`).
    pub prefix: &'static str,
    /// Group, kind, name, namespace.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Name (or generateName).
    pub name: String,
    /// Namespace of the request (`""`: none).
    pub namespace: String,
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Whether a document is an `AdmissionReview`.
#[must_use]
pub fn is_admission_review(obj: &Value) -> bool {
    text(obj, "kind") == "AdmissionReview"
        && group_of(text(obj, "apiVersion")) == "admission.k8s.io"
}

impl Review {
    /// The review of a document: a plain object, or the request of an `AdmissionReview`.
    /// `default_namespace` is given to a namespaced object without one (the pipeline's
    /// `--namespace`).
    #[must_use]
    pub fn of(doc: &Value, default_namespace: Option<&str>, namespaced: bool) -> Self {
        if is_admission_review(doc) {
            let mut request = doc.get("request").cloned().unwrap_or_else(|| json!({}));
            let operation = text(&request, "operation").to_owned();
            // As Gatekeeper's webhook: a DELETE is judged on the old object.
            if operation == "DELETE"
                && request.get("object").is_none_or(Value::is_null)
                && let Some(old) = request.get("oldObject").cloned()
                && let Some(m) = request.as_object_mut()
            {
                m.insert("object".to_owned(), old);
            }
            let object = request.get("object").cloned().unwrap_or(Value::Null);
            let kind_v = request.get("kind").cloned().unwrap_or(Value::Null);
            // A request without `kind` (gatekeeper-library's update.yaml samples) is matched
            // by its object's apiVersion and kind.
            let group = if kind_v.is_object() {
                text(&kind_v, "group").to_owned()
            } else {
                group_of(text(&object, "apiVersion")).to_owned()
            };
            let kind = if text(&kind_v, "kind").is_empty() {
                text(&object, "kind").to_owned()
            } else {
                text(&kind_v, "kind").to_owned()
            };
            let mut name = text(&request, "name").to_owned();
            if name.is_empty() {
                object_name(&object).clone_into(&mut name);
            }
            let mut namespace = text(&request, "namespace").to_owned();
            if namespace.is_empty() {
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .clone_into(&mut namespace);
            }
            return Self {
                request,
                prefix: "/request/object",
                group,
                kind,
                name,
                namespace,
            };
        }
        let api_version = text(doc, "apiVersion");
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let kind = text(doc, "kind").to_owned();
        let name = object_name(doc).to_owned();
        let mut namespace = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if namespace.is_empty()
            && namespaced
            && let Some(d) = default_namespace
        {
            d.clone_into(&mut namespace);
        }
        let mut request = Map::new();
        request.insert(
            "kind".to_owned(),
            json!({"group": group, "version": version, "kind": kind}),
        );
        // The request's name is the object's name: absent for an object created with only
        // `generateName` (the matchers still see `generateName`).
        if let Some(n) = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        {
            request.insert("name".to_owned(), json!(n));
        }
        if !namespace.is_empty() {
            request.insert("namespace".to_owned(), json!(namespace));
        }
        request.insert("operation".to_owned(), json!("CREATE"));
        request.insert("object".to_owned(), doc.clone());
        Self {
            request: Value::Object(request),
            prefix: "",
            group: group.to_owned(),
            kind,
            name,
            namespace,
        }
    }

    /// The object under review.
    #[must_use]
    pub fn object(&self) -> &Value {
        self.request.get("object").unwrap_or(&Value::Null)
    }

    /// What the matchers see.
    #[must_use]
    pub fn subject<'a>(&'a self, namespaces: &BTreeMap<String, Value>) -> Subject<'a> {
        Subject {
            group: &self.group,
            kind: &self.kind,
            name: &self.name,
            namespace: &self.namespace,
            labels: labels_of(self.object()),
            namespace_labels: namespaces.get(&self.namespace).map(labels_of),
        }
    }

    /// `input.review` (with `namespaceObject` when the Namespace is known) as regorus's value:
    /// converted once per object, shared by every constraint.
    pub fn rego_review(
        &self,
        namespaces: &BTreeMap<String, Value>,
    ) -> Result<regorus::Value, String> {
        match namespaces.get(&self.namespace) {
            Some(ns) => {
                let mut review = self.request.clone();
                if let Some(m) = review.as_object_mut() {
                    m.insert("namespaceObject".to_owned(), ns.clone());
                }
                crate::policy::to_rego(&review)
            }
            None => crate::policy::to_rego(&self.request),
        }
    }
}

fn object_name(object: &Value) -> &str {
    let meta = object.get("metadata").unwrap_or(&Value::Null);
    let name = text(meta, "name");
    if name.is_empty() {
        text(meta, "generateName")
    } else {
        name
    }
}
