//! Terraform values as the evaluator computes them: JSON-like, with *unknown* as a value of its
//! own, and each value remembering where in the sources it came from.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

/// Where a value was written: a file of the module set and a byte range in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Index into the loader's file table.
    pub file: u32,
    /// Byte range.
    pub span: std::ops::Range<usize>,
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub val: Val,
    /// Its origin (`None` for values the evaluator made up, such as defaults of AWS).
    pub at: Option<Origin>,
    /// For an argument of a document's block: the argument itself (`key = expression`), where
    /// the value is *used*; findings are reported there, with [`Node::at`] (and the origins
    /// inside the value) as where it was written.
    pub used: Option<Origin>,
    /// The places a value passed through on its way from where it was written to where it
    /// is used, the written end first: a local's definition, a variable's declaration, a
    /// module call's argument.
    pub via: Vec<Origin>,
}

/// A Terraform value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `null`.
    Null,
    /// A bool.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A list, tuple or set.
    List(Vec<Node>),
    /// A map or object (Terraform orders their keys lexically).
    Map(BTreeMap<String, Node>),
    /// Not known before `terraform apply` (or not knowable here), with the reason.
    Unknown(Reason),
}

/// Why a value is unknown, and whether it is nonetheless *set*: a reference to a managed
/// resource's attribute (`aws_kms_key.logs.arn`) is known only after apply, but it is written
/// and not null — a presence check is satisfied by it, only a value check is undecidable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    text: Arc<str>,
    set: bool,
}

impl Reason {
    /// A reason for a value that is set (not null) though unknown.
    #[must_use]
    pub fn set(text: impl Into<Arc<str>>) -> Self {
        Self {
            text: text.into(),
            set: true,
        }
    }

    /// Whether the value is known to be set (not null).
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.set
    }

    /// The same reason for a value that may be null (derived from the set one: an attribute
    /// of it, a conditional's or a function's result).
    #[must_use]
    pub fn unset(&self) -> Self {
        Self {
            text: Arc::clone(&self.text),
            set: false,
        }
    }
}

impl std::ops::Deref for Reason {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Self {
            text: text.into(),
            set: false,
        }
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        Self {
            text: text.into(),
            set: false,
        }
    }
}

impl From<Arc<str>> for Reason {
    fn from(text: Arc<str>) -> Self {
        Self { text, set: false }
    }
}

impl Node {
    /// A value with an origin.
    #[must_use]
    pub fn new(val: Val, at: Option<Origin>) -> Self {
        Self {
            val,
            at,
            used: None,
            via: Vec::new(),
        }
    }

    /// An unknown value.
    #[must_use]
    pub fn unknown(reason: impl Into<Reason>, at: Option<Origin>) -> Self {
        Self {
            val: Val::Unknown(reason.into()),
            at,
            used: None,
            via: Vec::new(),
        }
    }

    /// The same value, having passed through `hop` (unless it was written there).
    #[must_use]
    pub fn through(mut self, hop: Option<Origin>) -> Self {
        if let Some(hop) = hop
            && !self.at.as_ref().is_some_and(|o| {
                o.file == hop.file && hop.span.start <= o.span.start && o.span.end <= hop.span.end
            })
            && self.via.last() != Some(&hop)
        {
            self.via.push(hop);
        }
        self
    }

    /// The same value with another origin.
    #[must_use]
    pub fn at(mut self, at: Option<Origin>) -> Self {
        self.at = at;
        self
    }

    /// The reason, if unknown.
    #[must_use]
    pub fn unknown_reason(&self) -> Option<&Reason> {
        match &self.val {
            Val::Unknown(r) => Some(r),
            _ => None,
        }
    }

    /// The first unknown anywhere inside (a collection with an unknown element is not fully
    /// known).
    #[must_use]
    pub fn first_unknown(&self) -> Option<&Reason> {
        match &self.val {
            Val::Unknown(r) => Some(r),
            Val::List(items) => items.iter().find_map(Node::first_unknown),
            Val::Map(m) => m.values().find_map(Node::first_unknown),
            _ => None,
        }
    }

    /// The JSON view (unknowns as `{"$unknown": reason}`).
    #[must_use]
    pub fn to_json(&self) -> Value {
        match &self.val {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => number(*n),
            Val::Str(s) => Value::String(s.clone()),
            Val::List(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Val::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Val::Unknown(r) if r.is_set() => unknown_set_json(r),
            Val::Unknown(r) => unknown_json(r),
        }
    }
}

/// `{"$unknown": reason}`.
#[must_use]
pub fn unknown_json(reason: &str) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("$unknown".to_owned(), Value::String(reason.to_owned()));
    Value::Object(m)
}

/// Whether a JSON value is an unknown: `{"$unknown": reason}`, perhaps with `"$set": true`
/// or `"$absent": true`.
#[must_use]
pub fn is_unknown_json(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.get("$unknown").is_some_and(Value::is_string)
            && m.iter().all(|(k, x)| {
                k == "$unknown" || ((k == "$set" || k == "$absent") && *x == Value::Bool(true))
            })
    })
}

/// `{"$unknown": reason, "$set": true}`: unknown, but set (not null).
#[must_use]
pub fn unknown_set_json(reason: &str) -> Value {
    let mut v = unknown_json(reason);
    if let Value::Object(m) = &mut v {
        m.insert("$set".to_owned(), Value::Bool(true));
    }
    v
}

/// `{"$unknown": reason, "$absent": true}`: unknown, and not written in the configuration (a
/// plan's value the provider computes; a control may apply the provider's default to an
/// attribute it knows).
#[must_use]
pub fn unknown_absent_json(reason: &str) -> Value {
    let mut v = unknown_json(reason);
    if let Value::Object(m) = &mut v {
        m.insert("$absent".to_owned(), Value::Bool(true));
    }
    v
}

/// A JSON number: integral values as integers.
#[must_use]
pub fn number(n: f64) -> Value {
    // Integral and within i64: printed without a fraction, as Terraform does.
    #[allow(clippy::cast_possible_truncation)] // checked: integral and in range
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// A JSON value (a tfvars file, `--var`, plan JSON) as a Terraform value.
#[must_use]
pub fn from_json(v: &Value, at: Option<Origin>) -> Node {
    let val = match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Val::Str(s.clone()),
        Value::Array(a) => Val::List(a.iter().map(|x| from_json(x, at.clone())).collect()),
        Value::Object(m) => Val::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), from_json(x, at.clone())))
                .collect(),
        ),
    };
    Node::new(val, at)
}

/// Terraform's string form of a primitive (`tostring`, template interpolation).
#[must_use]
pub fn as_string(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.clone()),
        Val::Bool(b) => Some(b.to_string()),
        Val::Num(n) => Some(number(*n).to_string()),
        _ => None,
    }
}

/// A type name for messages.
#[must_use]
pub fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "bool",
        Val::Num(_) => "number",
        Val::Str(_) => "string",
        Val::List(_) => "list",
        Val::Map(_) => "object",
        Val::Unknown(_) => "unknown",
    }
}
