//! The expression evaluator: Terraform's expression language over hcl-edit's syntax tree, with
//! unknown values and origins.
//!
//! What it knows: literals, templates (interpolation, `%{if}`, `%{for}`, heredocs), operators,
//! conditionals, `for` expressions, splats, indexing, and the references a module makes —
//! `var.*`, `local.*`, `module.<name>.<output>`, resource and data attributes that are set in
//! the configuration, `count.index`, `each.key`/`each.value`, `path.*`, `terraform.workspace`
//! and the iterators of `for` and `dynamic`. Anything else (an attribute AWS computes, a data
//! source's result, a variable without a value) is *unknown*, with the reason; an operation on
//! an unknown is unknown. Errors (an undeclared reference, a type error) are errors, reported
//! by the caller, and `try`/`can` catch them as Terraform does.

use std::collections::BTreeMap;
use std::rc::Rc;

use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use super::functions;
use super::limits::{Budget, ELEMENT_BYTES, Exceeded};
use super::value::{Node, Origin, Reason, Val, as_string, type_name};

/// An evaluation error (not an unknown: something Terraform itself would reject).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub at: Option<Origin>,
    /// Whether the configuration itself is wrong (an undeclared reference: `terraform
    /// validate` rejects it) rather than these values (a function that fails on a module's
    /// defaults, which `terraform plan` would reject only for these inputs).
    pub invalid: bool,
    /// An evaluation budget is exceeded: always reported, never caught by `try` or `can`.
    pub budget: bool,
    /// A budget error already reported once for this evaluation (the evaluated bytes stay
    /// spent): not reported again.
    pub repeat: bool,
}

/// The result of evaluating an expression.
pub type Eval = Result<Node, EvalError>;

/// An error of these values.
pub fn error(message: impl Into<String>, at: Option<Origin>) -> EvalError {
    EvalError {
        message: message.into(),
        at,
        invalid: false,
        budget: false,
        repeat: false,
    }
}

/// An evaluation budget exceeded.
pub fn over_budget(exceeded: Exceeded, at: Option<Origin>) -> EvalError {
    let (message, repeat) = match exceeded {
        Exceeded::Value(m) => (m, false),
        Exceeded::Spent { first, message } => (message, !first),
    };
    EvalError {
        message,
        at,
        invalid: false,
        budget: true,
        repeat,
    }
}

/// An error of the configuration itself.
pub fn invalid(message: impl Into<String>, at: Option<Origin>) -> EvalError {
    EvalError {
        message: message.into(),
        at,
        invalid: true,
        budget: false,
        repeat: false,
    }
}

/// What the evaluator asks of the module it evaluates in: the references only a module can
/// resolve.
pub trait Resolve {
    /// The file index of the expressions being evaluated (for origins).
    fn file(&self) -> u32;
    /// A root reference: `var.x`, `local.x`, `module.x...`, `aws_x.y...`, `data.x.y...`,
    /// `path.module`... `ops` are the traversal operators after the root name; the resolver
    /// consumes what it needs and returns how many it used.
    fn reference(
        &self,
        root: &str,
        ops: &[&TraversalOperator],
        env: &Env,
        at: Option<Origin>,
    ) -> Result<(Node, usize), EvalError>;
}

/// Local names in scope: `count`, `each`, `for` variables, `dynamic` iterators. A scope
/// shares its outer scopes (adding a binding copies no value).
#[derive(Clone, Default)]
pub struct Env {
    head: Option<Rc<Binding>>,
}

struct Binding {
    name: String,
    value: Node,
    outer: Option<Rc<Binding>>,
}

impl Env {
    /// A new scope with one more binding.
    #[must_use]
    pub fn with(&self, name: &str, value: Node) -> Env {
        Env {
            head: Some(Rc::new(Binding {
                name: name.to_owned(),
                value,
                outer: self.head.clone(),
            })),
        }
    }

    /// A binding.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Node> {
        let mut at = self.head.as_deref();
        while let Some(b) = at {
            if b.name == name {
                return Some(&b.value);
            }
            at = b.outer.as_deref();
        }
        None
    }
}

/// Evaluates expressions of one file of a module.
pub struct Evaluator<'a> {
    /// The module's references.
    pub resolve: &'a dyn Resolve,
    /// The evaluation's budget.
    pub budget: &'a Budget,
}

impl Evaluator<'_> {
    fn origin(&self, span: Option<std::ops::Range<usize>>) -> Option<Origin> {
        span.map(|span| Origin {
            file: self.resolve.file(),
            span,
        })
    }

    /// Account for a value an expression built: its size against the budget.
    pub fn built(&self, node: Node) -> Eval {
        match self.budget.value(&node) {
            Ok(()) => Ok(node),
            Err(e) => Err(over_budget(e, node.at.clone())),
        }
    }

    /// Account for `n` bytes of work at `at`.
    pub fn charge(&self, n: u64, at: Option<&Origin>) -> Result<(), EvalError> {
        self.budget
            .charge(n)
            .map_err(|e| over_budget(e, at.cloned()))
    }

    /// Evaluate an expression.
    pub fn eval(&self, expr: &Expression, env: &Env) -> Eval {
        let v = self.eval_unmetered(expr, env)?;
        // What builds a new value is measured; references are measured where they copy.
        match expr {
            Expression::Array(_)
            | Expression::Object(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_)
            | Expression::FuncCall(_)
            | Expression::ForExpr(_) => self.built(v),
            _ => Ok(v),
        }
    }

    fn eval_unmetered(&self, expr: &Expression, env: &Env) -> Eval {
        let at = self.origin(expr.span());
        match expr {
            Expression::Null(_) => Ok(Node::new(Val::Null, at)),
            Expression::Bool(b) => Ok(Node::new(Val::Bool(*b.value()), at)),
            Expression::Number(n) => Ok(Node::new(Val::Num(n.value().as_f64().unwrap_or(0.0)), at)),
            Expression::String(s) => Ok(Node::new(Val::Str(s.value().clone()), at)),
            Expression::Array(a) => {
                let mut size = Size::default();
                let items = a
                    .iter()
                    .map(|e| {
                        let v = self.eval(e, env)?;
                        self.grows(&mut size, &v, at.as_ref())?;
                        Ok(v)
                    })
                    .collect::<Result<Vec<_>, EvalError>>()?;
                Ok(Node::new(Val::List(items), at))
            }
            Expression::Object(o) => {
                let mut map = BTreeMap::new();
                let mut size = Size::default();
                for (key, value) in o {
                    let k = match key {
                        ObjectKey::Ident(i) => i.value().as_str().to_owned(),
                        ObjectKey::Expression(Expression::Variable(v)) => {
                            v.value().as_str().to_owned()
                        }
                        ObjectKey::Expression(e) => {
                            let k = self.eval(e, env)?;
                            match &k.val {
                                Val::Unknown(r) => return Ok(Node::unknown(r.clone(), at)),
                                v => as_string(v).ok_or_else(|| {
                                    error(
                                        format!(
                                            "an object key must be a string, not {}",
                                            type_name(v)
                                        ),
                                        k.at.clone(),
                                    )
                                })?,
                            }
                        }
                    };
                    let v = self.eval(value.expr(), env)?;
                    size.bytes += k.len() as u64;
                    self.grows(&mut size, &v, at.as_ref())?;
                    map.insert(k, v);
                }
                Ok(Node::new(Val::Map(map), at))
            }
            Expression::StringTemplate(t) => self.template(t, env, at),
            // The parser has already stripped a `<<-` heredoc's indentation.
            Expression::HeredocTemplate(h) => self.template(&h.template, env, at),
            Expression::Parenthesis(p) => self.eval(p.inner(), env),
            Expression::Variable(v) => self.variable(v.value().as_str(), &[], env, at),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, env)?;
                match cond.val {
                    Val::Bool(true) => self.eval(&c.true_expr, env),
                    Val::Bool(false) => self.eval(&c.false_expr, env),
                    // Either branch may be the result, null included.
                    Val::Unknown(r) => Ok(Node::unknown(r.unset(), at)),
                    other => Err(error(
                        format!("a condition must be a bool, not {}", type_name(&other)),
                        cond.at,
                    )),
                }
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                functions::call(self, name, call, env, at)
            }
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                if let Expression::Variable(v) = &t.expr {
                    self.variable(v.value().as_str(), &ops, env, at)
                } else {
                    let base = self.eval(&t.expr, env)?;
                    self.traverse(base, &ops, env, at)
                }
            }
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr, env)?;
                match (op.operator.value(), v.val) {
                    (_, Val::Unknown(r)) => Ok(Node::unknown(r, at)),
                    (UnaryOperator::Not, Val::Bool(b)) => Ok(Node::new(Val::Bool(!b), at)),
                    (UnaryOperator::Neg, Val::Num(n)) => Ok(Node::new(Val::Num(-n), at)),
                    (o, other) => Err(error(
                        format!("cannot apply {o:?} to {}", type_name(&other)),
                        at,
                    )),
                }
            }
            Expression::BinaryOp(op) => self.binary(op, env, at),
            Expression::ForExpr(f) => self.for_expr(f, env, at),
        }
    }

    fn variable(
        &self,
        root: &str,
        ops: &[&TraversalOperator],
        env: &Env,
        at: Option<Origin>,
    ) -> Eval {
        if let Some(bound) = env.get(root) {
            let node = self.built(bound.clone())?;
            return self.traverse(node, ops, env, at);
        }
        let (node, used) = self.resolve.reference(root, ops, env, at.clone())?;
        // A reference copies the value it names.
        let node = match self.budget.value(&node) {
            Ok(()) => node,
            Err(e) => return Err(over_budget(e, at)),
        };
        self.traverse(node, &ops[used..], env, at)
    }

    /// Apply traversal operators to a value.
    pub fn traverse(
        &self,
        mut node: Node,
        ops: &[&TraversalOperator],
        env: &Env,
        at: Option<Origin>,
    ) -> Eval {
        for (i, op) in ops.iter().enumerate() {
            if let Val::Unknown(r) = &node.val {
                // An attribute or element of an unknown value may be null.
                return Ok(Node::unknown(r.unset(), at));
            }
            node = match op {
                TraversalOperator::GetAttr(name) => get_attr(&node, name.value().as_str())?,
                TraversalOperator::Index(e) => {
                    let key = self.eval(e, env)?;
                    index(&node, &key)?
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = Node::new(Val::Num(*n.value() as f64), None);
                    index(&node, &key)?
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    let items = match node.val {
                        Val::List(items) => items,
                        Val::Null => Vec::new(),
                        other => vec![Node::new(other, node.at.clone())],
                    };
                    let out = items
                        .into_iter()
                        .map(|item| self.traverse(item, rest, env, at.clone()))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(Node::new(Val::List(out), at));
                }
            };
        }
        Ok(node)
    }

    fn binary(&self, op: &hcl_edit::expr::BinaryOp, env: &Env, at: Option<Origin>) -> Eval {
        let operator = *op.operator.value();
        let lhs = self.eval(&op.lhs_expr, env)?;
        // `&&` and `||` on a known left side that decides alone.
        match (operator, &lhs.val) {
            (BinaryOperator::And, Val::Bool(false)) => return Ok(Node::new(Val::Bool(false), at)),
            (BinaryOperator::Or, Val::Bool(true)) => return Ok(Node::new(Val::Bool(true), at)),
            _ => {}
        }
        let rhs = self.eval(&op.rhs_expr, env)?;
        if let Some(r) = lhs.unknown_reason().or(rhs.unknown_reason()) {
            return Ok(Node::unknown(r.clone(), at));
        }
        let val = match operator {
            BinaryOperator::Eq => Val::Bool(equal(&lhs.val, &rhs.val)),
            BinaryOperator::NotEq => Val::Bool(!equal(&lhs.val, &rhs.val)),
            BinaryOperator::And | BinaryOperator::Or => match (&lhs.val, &rhs.val) {
                (Val::Bool(a), Val::Bool(b)) => Val::Bool(if operator == BinaryOperator::And {
                    *a && *b
                } else {
                    *a || *b
                }),
                (a, b) => {
                    return Err(error(
                        format!(
                            "{operator:?} needs bools, not {} and {}",
                            type_name(a),
                            type_name(b)
                        ),
                        at,
                    ));
                }
            },
            _ => {
                let (Some(a), Some(b)) = (to_number(&lhs.val), to_number(&rhs.val)) else {
                    return Err(error(
                        format!(
                            "{operator:?} needs numbers, not {} and {}",
                            type_name(&lhs.val),
                            type_name(&rhs.val)
                        ),
                        at,
                    ));
                };
                match operator {
                    BinaryOperator::Less => Val::Bool(a < b),
                    BinaryOperator::LessEq => Val::Bool(a <= b),
                    BinaryOperator::Greater => Val::Bool(a > b),
                    BinaryOperator::GreaterEq => Val::Bool(a >= b),
                    BinaryOperator::Plus => Val::Num(a + b),
                    BinaryOperator::Minus => Val::Num(a - b),
                    BinaryOperator::Mul => Val::Num(a * b),
                    BinaryOperator::Div => Val::Num(a / b),
                    _ => Val::Num(a % b),
                }
            }
        };
        Ok(Node::new(val, at))
    }

    fn for_expr(&self, f: &hcl_edit::expr::ForExpr, env: &Env, at: Option<Origin>) -> Eval {
        let collection = self.eval(&f.intro.collection_expr, env)?;
        let pairs = match elements(collection.val) {
            Ok(pairs) => pairs,
            Err(Val::Unknown(r)) => return Ok(Node::unknown(r, at)),
            Err(Val::Null) => return Err(error("cannot iterate over null", collection.at)),
            Err(other) => {
                return Err(error(
                    format!("cannot iterate over {}", type_name(&other)),
                    collection.at,
                ));
            }
        };
        let value_var = f.intro.value_var.value().as_str();
        let key_var = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_owned());
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Node> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Node>> = BTreeMap::new();
        // The result's size so far: refused as soon as it is over a per-value limit, before
        // the next element is built.
        let mut size = Size::default();
        for (k, v) in pairs {
            self.charge(ELEMENT_BYTES, at.as_ref())?;
            let mut scope = env.with(value_var, v);
            if let Some(kv) = &key_var {
                scope = scope.with(kv, k);
            }
            if let Some(cond) = &f.cond {
                let c = self.eval(&cond.expr, &scope)?;
                match c.val {
                    Val::Bool(true) => {}
                    Val::Bool(false) => continue,
                    Val::Unknown(r) => return Ok(Node::unknown(r, at)),
                    other => {
                        return Err(error(
                            format!("a for condition must be a bool, not {}", type_name(&other)),
                            c.at,
                        ));
                    }
                }
            }
            let value = self.eval(&f.value_expr, &scope)?;
            self.grows(&mut size, &value, at.as_ref())?;
            match &f.key_expr {
                None => list.push(value),
                Some(key_expr) => {
                    let key = self.eval(key_expr, &scope)?;
                    let key = match &key.val {
                        Val::Unknown(r) => return Ok(Node::unknown(r.clone(), at)),
                        v => as_string(v).ok_or_else(|| {
                            error(
                                format!("a for key must be a string, not {}", type_name(v)),
                                key.at.clone(),
                            )
                        })?,
                    };
                    if f.grouping {
                        groups.entry(key).or_default().push(value);
                    } else {
                        map.insert(key, value);
                    }
                }
            }
        }
        if f.key_expr.is_none() {
            return Ok(Node::new(Val::List(list), at));
        }
        if f.grouping {
            map = groups
                .into_iter()
                .map(|(k, v)| (k, Node::new(Val::List(v), at.clone())))
                .collect();
        }
        Ok(Node::new(Val::Map(map), at))
    }

    fn template(&self, t: &Template, env: &Env, at: Option<Origin>) -> Eval {
        // A template that is a single interpolation keeps the value's type (`"${var.list}"`).
        let elements: Vec<&Element> = t.iter().collect();
        // It also keeps the value's origin (a variable's default, a module argument).
        if let [Element::Interpolation(i)] = elements.as_slice() {
            return self.eval(&i.expr, env);
        }
        let mut out = String::new();
        if let Some(r) = self.render(t, env, &mut out)? {
            return Ok(Node::unknown(r, at));
        }
        Ok(Node::new(Val::Str(out), at))
    }

    /// Render a template into `out`; `Some(reason)` when a part is unknown.
    fn render(
        &self,
        t: &Template,
        env: &Env,
        out: &mut String,
    ) -> Result<Option<Reason>, EvalError> {
        for element in t.iter() {
            match element {
                Element::Literal(s) => {
                    self.grow(out, s.value(), t)?;
                }
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr, env)?;
                    match &v.val {
                        Val::Unknown(r) => return Ok(Some(r.clone())),
                        Val::Null => {
                            return Err(error("cannot interpolate null into a string", v.at));
                        }
                        other => {
                            let s = as_string(other).ok_or_else(|| {
                                error(
                                    format!(
                                        "cannot interpolate a {} into a string",
                                        type_name(other)
                                    ),
                                    v.at.clone(),
                                )
                            })?;
                            self.grow(out, &s, t)?;
                        }
                    }
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let c = self.eval(&ifd.if_expr.cond_expr, env)?;
                        let branch = match c.val {
                            Val::Bool(true) => Some(&ifd.if_expr.template),
                            Val::Bool(false) => ifd.else_expr.as_ref().map(|e| &e.template),
                            Val::Unknown(r) => return Ok(Some(r)),
                            other => {
                                return Err(error(
                                    format!(
                                        "an if condition must be a bool, not {}",
                                        type_name(&other)
                                    ),
                                    c.at,
                                ));
                            }
                        };
                        if let Some(b) = branch
                            && let Some(r) = self.render(b, env, out)?
                        {
                            return Ok(Some(r));
                        }
                    }
                    Directive::For(ford) => {
                        let fe = &ford.for_expr;
                        let c = self.eval(&fe.collection_expr, env)?;
                        let pairs = match elements(c.val) {
                            Ok(pairs) => pairs,
                            Err(Val::Unknown(r)) => return Ok(Some(r)),
                            Err(other) => {
                                return Err(error(
                                    format!("cannot iterate over {}", type_name(&other)),
                                    c.at,
                                ));
                            }
                        };
                        for (k, v) in pairs {
                            self.charge(ELEMENT_BYTES, self.origin(t.span()).as_ref())?;
                            let mut scope = env.with(fe.value_var.value().as_str(), v);
                            if let Some(kv) = &fe.key_var {
                                scope = scope.with(kv.value().as_str(), k);
                            }
                            if let Some(r) = self.render(&fe.template, &scope, out)? {
                                return Ok(Some(r));
                            }
                        }
                    }
                },
            }
        }
        Ok(None)
    }
}

/// The size of a collection being built.
#[derive(Default)]
struct Size {
    bytes: u64,
    elements: u64,
}

impl Evaluator<'_> {
    /// Add an element to a collection being built, refused as soon as the collection is over
    /// a per-value limit (before the next element is built).
    fn grows(&self, size: &mut Size, item: &Node, at: Option<&Origin>) -> Result<(), EvalError> {
        let (b, n) = self
            .budget
            .measure(item)
            .map_err(|e| over_budget(e, at.cloned()))?;
        size.bytes += b;
        size.elements += n;
        self.budget
            .check_size(size.bytes, size.elements)
            .map_err(|e| over_budget(e, at.cloned()))
    }

    /// Append to a rendered template, refused when the string would be over a per-value limit.
    fn grow(&self, out: &mut String, s: &str, t: &Template) -> Result<(), EvalError> {
        let len = (out.len() + s.len()) as u64;
        self.budget
            .check_size(len + ELEMENT_BYTES, 1)
            .map_err(|e| over_budget(e, self.origin(t.span())))?;
        out.push_str(s);
        Ok(())
    }
}

/// What iterating over a collection gives: `(index, item)` of a list, `(key, value)` of a map
/// (keys in order). Anything else is handed back for the caller to judge.
pub fn elements(val: Val) -> Result<Vec<(Node, Node)>, Val> {
    match val {
        #[allow(clippy::cast_precision_loss)] // list positions are small
        Val::List(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Node::new(Val::Num(i as f64), None), v))
            .collect()),
        Val::Map(m) => Ok(m
            .into_iter()
            .map(|(k, v)| (Node::new(Val::Str(k), None), v))
            .collect()),
        other => Err(other),
    }
}

/// `a.b` on a value.
pub fn get_attr(node: &Node, name: &str) -> Eval {
    match &node.val {
        Val::Map(m) => m.get(name).cloned().ok_or_else(|| {
            error(
                format!("this object has no attribute \"{name}\""),
                node.at.clone(),
            )
        }),
        Val::Unknown(r) => Ok(Node::unknown(r.unset(), node.at.clone())),
        Val::Null => Err(error(
            format!("attempt to get attribute \"{name}\" from a null value"),
            node.at.clone(),
        )),
        other => Err(error(
            format!("cannot get attribute \"{name}\" of a {}", type_name(other)),
            node.at.clone(),
        )),
    }
}

/// `a[k]` on a value.
pub fn index(node: &Node, key: &Node) -> Eval {
    if let Some(r) = key.unknown_reason() {
        return Ok(Node::unknown(r.clone(), node.at.clone()));
    }
    match &node.val {
        Val::List(items) => {
            let i = to_number(&key.val)
                .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                .ok_or_else(|| error("a list index must be a whole number", key.at.clone()))?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
            items.get(i as usize).cloned().ok_or_else(|| {
                error(
                    format!("index {i} is out of range for a list of {}", items.len()),
                    key.at.clone(),
                )
            })
        }
        Val::Map(m) => {
            let k = as_string(&key.val)
                .ok_or_else(|| error("a map key must be a string", key.at.clone()))?;
            m.get(&k)
                .cloned()
                .ok_or_else(|| error(format!("the map has no element \"{k}\""), key.at.clone()))
        }
        Val::Unknown(r) => Ok(Node::unknown(r.unset(), node.at.clone())),
        other => Err(error(
            format!("cannot index a {}", type_name(other)),
            node.at.clone(),
        )),
    }
}

/// Terraform's `==`: same type and value (numbers compare by value, strings exactly).
#[must_use]
pub fn equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(&p.val, &q.val))
        }
        (Val::Map(x), Val::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && equal(&v1.val, &v2.val))
        }
        _ => a == b,
    }
}

/// A number, also from a numeric string (Terraform converts).
#[must_use]
pub fn to_number(v: &Val) -> Option<f64> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}
