//! Network policies of Kubernetes, Calico and Cilium, read for one question: does a policy put
//! every pod of a namespace into default deny for ingress, allowing nothing in? Used by
//! KUBER-L2-000110 (`controls/default_deny_ingress.rs`, whose documentation lists the shapes).
//!
//! Selectors are evaluated with three-valued logic against the labels known without the pods
//! themselves (the namespace's name, as Calico and Cilium label every endpoint with it): a
//! selector counts as "every pod" only when it is true whatever the pods' other labels are.

use stiglint_sdk::{Value, json};

/// The API groups of Calico's policies: the API server's and the CRDs' behind it.
const CALICO_GROUPS: &[&str] = &["projectcalico.org", "crd.projectcalico.org"];
/// The API group of Cilium's policies.
const CILIUM_GROUP: &str = "cilium.io";

/// What kind of network policy a document is, by API group and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// `networking.k8s.io` `NetworkPolicy` (also written without `apiVersion`, or with the
    /// old `extensions` group).
    Kubernetes,
    /// Calico `NetworkPolicy` (namespaced).
    Calico,
    /// Calico `GlobalNetworkPolicy` (every namespace its selectors pick).
    CalicoGlobal,
    /// `CiliumNetworkPolicy` (namespaced).
    Cilium,
    /// `CiliumClusterwideNetworkPolicy` (every namespace its selector picks).
    CiliumClusterwide,
}

impl Policy {
    /// The policy kind of a document, if it is one.
    #[must_use]
    pub fn of(group: &str, kind: &str) -> Option<Self> {
        let calico = CALICO_GROUPS.contains(&group);
        Some(match kind {
            "NetworkPolicy" if matches!(group, "" | "networking.k8s.io" | "extensions") => {
                Self::Kubernetes
            }
            "NetworkPolicy" if calico => Self::Calico,
            "GlobalNetworkPolicy" if calico => Self::CalicoGlobal,
            "CiliumNetworkPolicy" if group == CILIUM_GROUP => Self::Cilium,
            "CiliumClusterwideNetworkPolicy" if group == CILIUM_GROUP => Self::CiliumClusterwide,
            _ => return None,
        })
    }

    /// Every kind name this module reads (for the control's kind filter).
    pub const KINDS: &'static [&'static str] = &[
        "NetworkPolicy",
        "GlobalNetworkPolicy",
        "CiliumNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
    ];
}

/// The answer of a selector when some labels are unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    /// True whatever the unknown labels are.
    True,
    /// False whatever the unknown labels are.
    False,
    /// Depends on labels that are not known.
    Unknown,
}

impl Truth {
    fn of(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }

    fn not(self) -> Self {
        match self {
            Self::True => Self::False,
            Self::False => Self::True,
            Self::Unknown => Self::Unknown,
        }
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::False, _) | (_, Self::False) => Self::False,
            (Self::True, Self::True) => Self::True,
            _ => Self::Unknown,
        }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::False, Self::False) => Self::False,
            _ => Self::Unknown,
        }
    }
}

/// Labels known for every pod (or namespace) a selector is asked about; any other label is
/// unknown.
pub type Known<'a> = &'a [(&'a str, &'a str)];

fn known<'a>(labels: Known<'a>, key: &str) -> Option<&'a str> {
    labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

// ---------------------------------------------------------------------------------------------
// Calico selectors (docs.tigera.io, "Network policy" resource, "Selectors"): `all()`,
// `global()`, `k == "v"`, `k != "v"`, `has(k)`, `k in {"a", "b"}`, `k not in {...}`,
// `k contains "s"`, `k starts with "s"`, `k ends with "s"`, `!e`, `e && e`, `e || e`, `(e)`.

/// A parsed Calico selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expr {
    All,
    Global,
    Has(String),
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

/// Selectors nest at most this deep (a hostile input must not exhaust the stack).
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn blanks(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.blanks();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// A keyword followed by a non-label character.
    fn eat_word(&mut self, word: &str) -> bool {
        self.blanks();
        let Some(after) = self.rest().strip_prefix(word) else {
            return false;
        };
        if after.chars().next().is_some_and(is_label_char) {
            return false;
        }
        self.at += word.len();
        true
    }

    /// A function call `name(` (the parser stays put when it is not one).
    fn eat_call(&mut self, name: &str) -> bool {
        let start = self.at;
        if self.eat_word(name) && self.eat("(") {
            return true;
        }
        self.at = start;
        false
    }

    fn label(&mut self) -> Result<String, String> {
        self.blanks();
        let len = self
            .rest()
            .find(|c: char| !is_label_char(c))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(format!("a label expected at `{}`", self.rest()));
        }
        let label = self.rest()[..len].to_owned();
        self.at += len;
        Ok(label)
    }

    fn string(&mut self) -> Result<String, String> {
        self.blanks();
        let quote = self
            .rest()
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| format!("a quoted string expected at `{}`", self.rest()))?;
        let body = &self.rest()[1..];
        let end = body
            .find(quote)
            .ok_or_else(|| "an unterminated string".to_owned())?;
        let value = body[..end].to_owned();
        self.at += end + 2;
        Ok(value)
    }

    fn set(&mut self) -> Result<Vec<String>, String> {
        if !self.eat("{") {
            return Err(format!("`{{` expected at `{}`", self.rest()));
        }
        let mut values = Vec::new();
        if self.eat("}") {
            return Ok(values);
        }
        loop {
            values.push(self.string()?);
            if self.eat("}") {
                return Ok(values);
            }
            if !self.eat(",") {
                return Err(format!("`,` or `}}` expected at `{}`", self.rest()));
            }
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        let expr = if self.eat("!") {
            Expr::Not(Box::new(self.unary()?))
        } else if self.eat("(") {
            let inner = self.or()?;
            self.close()?;
            inner
        } else if self.eat_call("all") {
            self.close()?;
            Expr::All
        } else if self.eat_call("global") {
            self.close()?;
            Expr::Global
        } else if self.eat_call("has") {
            let label = self.label()?;
            self.close()?;
            Expr::Has(label)
        } else {
            self.comparison()?
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn close(&mut self) -> Result<(), String> {
        if self.eat(")") {
            Ok(())
        } else {
            Err(format!("`)` expected at `{}`", self.rest()))
        }
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let label = self.label()?;
        Ok(if self.eat("==") {
            Expr::Eq(label, self.string()?)
        } else if self.eat("!=") {
            Expr::Ne(label, self.string()?)
        } else if self.eat_word("in") {
            Expr::In(label, self.set()?)
        } else if self.eat_word("not") {
            if !self.eat_word("in") {
                return Err(format!("`in` expected at `{}`", self.rest()));
            }
            Expr::NotIn(label, self.set()?)
        } else if self.eat_word("contains") {
            Expr::Contains(label, self.string()?)
        } else if self.eat_word("starts") && self.eat_word("with") {
            Expr::StartsWith(label, self.string()?)
        } else if self.eat_word("ends") && self.eat_word("with") {
            Expr::EndsWith(label, self.string()?)
        } else {
            return Err(format!("an operator expected after `{label}`"));
        })
    }
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// Parse a Calico selector; empty (or blank) is `all()`.
fn parse(selector: &str) -> Result<Expr, String> {
    if selector.trim().is_empty() {
        return Ok(Expr::All);
    }
    let mut p = Parser {
        text: selector,
        at: 0,
        depth: 0,
    };
    let expr = p.or()?;
    p.blanks();
    if p.at < selector.len() {
        return Err(format!("unexpected `{}`", p.rest()));
    }
    Ok(expr)
}

fn eval(expr: &Expr, labels: Known<'_>) -> Truth {
    let with = |key: &str, test: &dyn Fn(&str) -> bool| match known(labels, key) {
        Some(v) => Truth::of(test(v)),
        None => Truth::Unknown,
    };
    match expr {
        Expr::All => Truth::True,
        // Matches resources outside namespaces (host endpoints, global sets), never a pod.
        Expr::Global => Truth::False,
        Expr::Has(k) => with(k, &|_| true),
        Expr::Eq(k, v) => with(k, &|x| x == v),
        Expr::Ne(k, v) => with(k, &|x| x != v),
        Expr::In(k, set) => with(k, &|x| set.iter().any(|v| v == x)),
        Expr::NotIn(k, set) => with(k, &|x| set.iter().all(|v| v != x)),
        Expr::Contains(k, v) => with(k, &|x| x.contains(v.as_str())),
        Expr::StartsWith(k, v) => with(k, &|x| x.starts_with(v.as_str())),
        Expr::EndsWith(k, v) => with(k, &|x| x.ends_with(v.as_str())),
        Expr::Not(e) => eval(e, labels).not(),
        Expr::And(a, b) => eval(a, labels).and(eval(b, labels)),
        Expr::Or(a, b) => eval(a, labels).or(eval(b, labels)),
    }
}

/// A Calico selector's answer for the given labels (a selector that does not parse: `None`;
/// Calico refuses such a policy).
#[must_use]
pub fn calico_selects(selector: &str, labels: Known<'_>) -> Option<Truth> {
    parse(selector).ok().map(|e| eval(&e, labels))
}

// ---------------------------------------------------------------------------------------------
// Kubernetes label selectors, as Cilium's `endpointSelector` uses them.

/// A Kubernetes label selector's answer (`matchLabels` and `matchExpressions`, all of them); `None`
/// when it is malformed. Cilium's source prefixes (`k8s:`, `any:`) are read off the keys.
#[must_use]
pub fn label_selects(selector: &Value, labels: Known<'_>) -> Option<Truth> {
    let key = |k: &str| {
        k.strip_prefix("k8s:")
            .or_else(|| k.strip_prefix("any:"))
            .unwrap_or(k)
            .to_owned()
    };
    let mut truth = Truth::True;
    match selector {
        Value::Null => return Some(truth),
        Value::Object(_) => {}
        _ => return None,
    }
    match selector.get("matchLabels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let t = match known(labels, &key(k)) {
                    Some(x) => Truth::of(v.as_str() == Some(x)),
                    None => Truth::Unknown,
                };
                truth = truth.and(t);
            }
        }
        Some(_) => return None,
    }
    match selector.get("matchExpressions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for e in list {
                let k = key(e.get("key").and_then(Value::as_str)?);
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let value = known(labels, &k);
                let t = match (e.get("operator").and_then(Value::as_str)?, value) {
                    (_, None) => Truth::Unknown,
                    ("In", Some(x)) => Truth::of(values.contains(&x)),
                    ("NotIn", Some(x)) => Truth::of(!values.contains(&x)),
                    ("Exists", Some(_)) => Truth::True,
                    ("DoesNotExist", Some(_)) => Truth::False,
                    _ => return None,
                };
                truth = truth.and(t);
            }
        }
        Some(_) => return None,
    }
    Some(truth)
}

// ---------------------------------------------------------------------------------------------
// The policies.

/// Empty: absent, null, `{}`/`[]`, or an object of empty values.
fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(|x| empty(Some(x))),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A Kubernetes `NetworkPolicy` that selects every pod of its namespace, applies to ingress
/// (`policyTypes` lists `Ingress`, or is absent) and has no ingress rule.
fn kubernetes_denies(spec: &Value) -> bool {
    let ingress_type = match spec.get("policyTypes").and_then(Value::as_array) {
        Some(types) if !types.is_empty() => types.iter().any(|t| t == "Ingress"),
        _ => true,
    };
    empty(spec.get("podSelector")) && ingress_type && empty(spec.get("ingress"))
}

/// A Calico policy's rules and types: applies to ingress and no ingress rule lets traffic in
/// (every rule's `action` is `Deny` or `Log`; `Allow` lets it in, `Pass` hands it to the next
/// tier and the namespace's profile, which allows).
fn calico_rules_deny(spec: &Value) -> bool {
    let ingress = list(spec.get("ingress"));
    let egress = list(spec.get("egress"));
    let applies = match spec.get("types").and_then(Value::as_array) {
        Some(types) if !types.is_empty() => types.iter().any(|t| t == "Ingress"),
        // Calico's default: Ingress, unless the policy has egress rules and no ingress rules.
        _ => !ingress.is_empty() || egress.is_empty(),
    };
    let special = ["doNotTrack", "preDNAT"]
        .iter()
        .any(|f| spec.get(*f) == Some(&Value::Bool(true)));
    applies
        && !special
        && ingress.iter().all(|r| {
            matches!(
                r.get("action").and_then(Value::as_str),
                Some("Deny" | "Log")
            )
        })
}

/// The peer fields of a Cilium ingress rule: any one present and not empty lets traffic in.
const CILIUM_PEERS: &[&str] = &[
    "fromEndpoints",
    "fromCIDR",
    "fromCIDRSet",
    "fromEntities",
    "fromGroups",
    "fromNodes",
];

/// A Cilium rule (`spec`, or one of `specs`): default deny at ingress and nothing let in.
///
/// Default deny: `enableDefaultDeny.ingress`, which defaults to true when the rule has
/// `ingress` or `ingressDeny` rules; Cilium enforces it only for a rule with at least one rule
/// in `ingress`, `ingressDeny`, `egress` or `egressDeny` (1.16 ignores a rule without any, 1.17
/// refuses it: cilium/cilium#35558). Nothing let in: every `ingress` rule names at least one
/// peer field and every peer field it names is an empty list (Cilium selects no peer from an
/// empty list; a rule without peers — `{}`, or only `toPorts` — lets every peer in).
fn cilium_rule_denies(rule: &Value) -> bool {
    let ingress = list(rule.get("ingress"));
    let deny_rules = list(rule.get("ingressDeny"));
    let some_rule = ["ingress", "ingressDeny", "egress", "egressDeny"]
        .iter()
        .any(|f| !list(rule.get(*f)).is_empty());
    let default_deny = match rule.pointer("/enableDefaultDeny/ingress") {
        Some(Value::Bool(b)) => *b,
        _ => !ingress.is_empty() || !deny_rules.is_empty(),
    };
    let lets_nothing_in = |r: &Value| {
        let present: Vec<&Value> = CILIUM_PEERS.iter().filter_map(|f| r.get(*f)).collect();
        !present.is_empty()
            && present
                .iter()
                .all(|v| v.as_array().is_some_and(Vec::is_empty))
    };
    some_rule
        && default_deny
        && rule.get("nodeSelector").is_none()
        && ingress.iter().all(lets_nothing_in)
}

/// The rules of a Cilium policy: `spec` and every item of `specs`.
fn cilium_rules(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.get("spec")
        .filter(|s| s.is_object())
        .into_iter()
        .chain(list(doc.get("specs")).iter().filter(|s| s.is_object()))
}

/// The labels Calico gives every pod of `namespace`, as its workload endpoint.
fn calico_pod_labels(namespace: &str) -> [(&str, &str); 2] {
    [
        ("projectcalico.org/namespace", namespace),
        ("projectcalico.org/orchestrator", "k8s"),
    ]
}

/// The labels of a namespace known from its name alone (Calico's and Kubernetes' own).
fn namespace_labels(namespace: &str) -> [(&str, &str); 2] {
    [
        ("projectcalico.org/name", namespace),
        ("kubernetes.io/metadata.name", namespace),
    ]
}

/// The label Cilium gives every endpoint with its pod's namespace.
fn cilium_pod_labels(namespace: &str) -> [(&str, &str); 1] {
    [("io.kubernetes.pod.namespace", namespace)]
}

fn calico_selects_all(spec: &Value, field: &str, labels: Known<'_>) -> bool {
    match spec.get(field) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => calico_selects(s, labels) == Some(Truth::True),
        Some(_) => false,
    }
}

/// Whether a namespaced policy (of `kind`) denies all ingress to every pod of `namespace`.
#[must_use]
pub fn namespaced_denies(kind: Policy, doc: &Value, namespace: &str) -> bool {
    let spec = doc.get("spec").unwrap_or(&Value::Null);
    match kind {
        Policy::Kubernetes => kubernetes_denies(spec),
        Policy::Calico => {
            calico_rules_deny(spec)
                && calico_selects_all(spec, "selector", &calico_pod_labels(namespace))
                && calico_selects_all(spec, "serviceAccountSelector", &[])
        }
        Policy::Cilium => cilium_rules(doc).any(|rule| {
            cilium_rule_denies(rule)
                && label_selects(
                    rule.get("endpointSelector").unwrap_or(&Value::Null),
                    &cilium_pod_labels(namespace),
                ) == Some(Truth::True)
        }),
        Policy::CalicoGlobal | Policy::CiliumClusterwide => false,
    }
}

/// What a cluster-wide policy keeps for the cross-document step: the selectors that decide
/// which namespaces it puts into default deny, when its rules deny (else `None`: it denies no
/// namespace).
#[must_use]
pub fn cluster_wide(kind: Policy, doc: &Value) -> Option<Value> {
    match kind {
        Policy::CalicoGlobal => {
            let spec = doc.get("spec").unwrap_or(&Value::Null);
            if !calico_rules_deny(spec) || !calico_selects_all(spec, "serviceAccountSelector", &[])
            {
                return None;
            }
            let text = |f: &str| spec.get(f).cloned().unwrap_or(Value::Null);
            Some(json!({
                "calico": {"selector": text("selector"), "namespaceSelector": text("namespaceSelector")}
            }))
        }
        Policy::CiliumClusterwide => {
            let selectors: Vec<Value> = cilium_rules(doc)
                .filter(|rule| cilium_rule_denies(rule))
                .map(|rule| rule.get("endpointSelector").cloned().unwrap_or(Value::Null))
                .collect();
            (!selectors.is_empty()).then(|| json!({"cilium": selectors}))
        }
        _ => None,
    }
}

/// Whether a cluster-wide policy ([`cluster_wide`]'s answer) puts every pod of `namespace` into
/// default deny for ingress.
#[must_use]
pub fn cluster_wide_covers(kept: &Value, namespace: &str) -> bool {
    if let Some(calico) = kept.get("calico") {
        return calico_selects_all(calico, "namespaceSelector", &namespace_labels(namespace))
            && calico_selects_all(calico, "selector", &calico_pod_labels(namespace));
    }
    list(kept.get("cilium"))
        .iter()
        .any(|s| label_selects(s, &cilium_pod_labels(namespace)) == Some(Truth::True))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calico(selector: &str, namespace: &str) -> Option<Truth> {
        calico_selects(selector, &calico_pod_labels(namespace))
    }

    #[test]
    fn calico_selectors_three_valued() {
        let documented = "projectcalico.org/namespace not in {'kube-system', 'calico-system', 'calico-apiserver'}";
        assert_eq!(calico(documented, "shop"), Some(Truth::True));
        assert_eq!(calico(documented, "kube-system"), Some(Truth::False));
        assert_eq!(calico("", "shop"), Some(Truth::True));
        assert_eq!(calico("all()", "shop"), Some(Truth::True));
        assert_eq!(calico("global()", "shop"), Some(Truth::False));
        assert_eq!(calico("app == 'web'", "shop"), Some(Truth::Unknown));
        assert_eq!(calico("has(app) || all()", "shop"), Some(Truth::True));
        assert_eq!(calico("has(app) && all()", "shop"), Some(Truth::Unknown));
        assert_eq!(calico("!has(app)", "shop"), Some(Truth::Unknown));
        assert_eq!(
            calico(
                "projectcalico.org/namespace == \"shop\" && !(x in {})",
                "shop"
            ),
            Some(Truth::Unknown)
        );
        assert_eq!(
            calico("projectcalico.org/namespace starts with 'sh'", "shop"),
            Some(Truth::True)
        );
        assert_eq!(
            calico("projectcalico.org/namespace != 'shop'", "shop"),
            Some(Truth::False)
        );
        assert_eq!(calico("app ==", "shop"), None);
        assert_eq!(calico("all() &&", "shop"), None);
        assert_eq!(calico(&"(".repeat(10_000), "shop"), None);
    }

    #[test]
    fn label_selectors_know_only_the_namespace() {
        let labels = cilium_pod_labels("shop");
        let sel = |v: Value| label_selects(&v, &labels);
        assert_eq!(sel(json!({})), Some(Truth::True));
        assert_eq!(sel(json!({"matchLabels": {}})), Some(Truth::True));
        assert_eq!(
            sel(json!({"matchLabels": {"app": "web"}})),
            Some(Truth::Unknown)
        );
        assert_eq!(
            sel(
                json!({"matchExpressions": [{"key": "io.kubernetes.pod.namespace", "operator": "NotIn", "values": ["kube-system"]}]})
            ),
            Some(Truth::True)
        );
        assert_eq!(
            sel(json!({"matchLabels": {"k8s:io.kubernetes.pod.namespace": "other"}})),
            Some(Truth::False)
        );
        assert_eq!(
            sel(json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})),
            Some(Truth::Unknown)
        );
        assert_eq!(sel(json!("x")), None);
    }

    #[test]
    fn cilium_rules() {
        let denies =
            |spec: Value| namespaced_denies(Policy::Cilium, &json!({"spec": spec}), "shop");
        assert!(denies(
            json!({"endpointSelector": {}, "ingress": [{"fromEntities": []}]})
        ));
        assert!(denies(
            json!({"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]})
        ));
        assert!(denies(json!({
            "endpointSelector": {},
            "enableDefaultDeny": {"ingress": true},
            "egress": [{"toEntities": ["kube-apiserver"]}]
        })));
        // Without any rule Cilium enforces nothing (1.16) or refuses the policy (1.17).
        assert!(!denies(
            json!({"endpointSelector": {}, "enableDefaultDeny": {"ingress": true}})
        ));
        // Allow everything: an empty rule, an empty endpoint selector among the peers.
        assert!(!denies(json!({"endpointSelector": {}, "ingress": [{}]})));
        assert!(!denies(
            json!({"endpointSelector": {}, "ingress": [{"fromEndpoints": [{}]}]})
        ));
        assert!(!denies(
            json!({"endpointSelector": {}, "ingress": [{"toPorts": [{"ports": [{"port": "80"}]}]}]})
        ));
        // No ingress section: not in default deny at ingress; or explicitly off.
        assert!(!denies(json!({"endpointSelector": {}, "ingress": []})));
        assert!(!denies(
            json!({"endpointSelector": {}, "egress": [{"toEntities": []}]})
        ));
        assert!(!denies(
            json!({"endpointSelector": {}, "enableDefaultDeny": {"ingress": false}, "ingressDeny": [{"fromEntities": ["world"]}]})
        ));
        // Some pods only.
        assert!(!denies(
            json!({"endpointSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"fromEntities": []}]})
        ));
    }
}
