//! Terraform's built-in functions that configurations use to compute settings. A function
//! stiglint does not evaluate (`file`, `templatefile`, `cidrsubnet`, `timestamp`...) yields an
//! unknown naming it, never a guess.

use std::collections::BTreeMap;

use base64::Engine as _;
use hcl_edit::expr::FuncCall;

use super::eval::{Env, Eval, EvalError, Evaluator, equal, error, over_budget, to_number};
use super::limits::{Budget, ELEMENT_BYTES};
use super::value::{Node, Origin, Val, as_string, from_json, type_name};

/// Call a function.
pub fn call(
    ev: &Evaluator<'_>,
    name: &str,
    call: &FuncCall,
    env: &Env,
    at: Option<Origin>,
) -> Eval {
    // `try` and `can` see errors, so they evaluate their arguments themselves.
    match name {
        "try" => {
            let mut last = None;
            for arg in call.args.iter() {
                match ev.eval(arg, env) {
                    Ok(v) => return Ok(v),
                    // A budget is not an error of these values: `try` does not hide it.
                    Err(e) if e.budget => return Err(e),
                    Err(e) => last = Some(e),
                }
            }
            return Err(last.unwrap_or_else(|| error("try() needs at least one argument", at)));
        }
        "can" => {
            let arg = call
                .args
                .iter()
                .next()
                .ok_or_else(|| error("can() needs one argument", at.clone()))?;
            return Ok(match ev.eval(arg, env) {
                Ok(v) => match v.val {
                    Val::Unknown(r) => Node::unknown(r, at),
                    _ => Node::new(Val::Bool(true), at),
                },
                Err(e) if e.budget => return Err(e),
                Err(_) => Node::new(Val::Bool(false), at),
            });
        }
        _ => {}
    }
    let mut args = call
        .args
        .iter()
        .map(|a| ev.eval(a, env))
        .collect::<Result<Vec<_>, _>>()?;
    if call.args.expand_final()
        && let Some(last) = args.pop()
    {
        match last.val {
            Val::List(items) => args.extend(items),
            Val::Unknown(r) => return Ok(Node::unknown(r, at)),
            other => {
                return Err(error(
                    format!("`...` needs a list, not {}", type_name(&other)),
                    last.at,
                ));
            }
        }
    }
    apply(name, args, at, ev.budget)
}

fn arity(
    name: &str,
    args: &[Node],
    n: usize,
    at: &Option<Origin>,
) -> Result<(), super::eval::EvalError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(error(
            format!("{name}() takes {n} argument(s), got {}", args.len()),
            at.clone(),
        ))
    }
}

fn list_of(node: &Node, what: &str) -> Result<Vec<Node>, super::eval::EvalError> {
    match &node.val {
        Val::List(items) => Ok(items.clone()),
        Val::Map(m) if what == "values" => Ok(m.values().cloned().collect()),
        other => Err(error(
            format!("{what} needs a list, not {}", type_name(other)),
            node.at.clone(),
        )),
    }
}

fn string_of(node: &Node, what: &str) -> Result<String, super::eval::EvalError> {
    as_string(&node.val).ok_or_else(|| {
        error(
            format!("{what} needs a string, not {}", type_name(&node.val)),
            node.at.clone(),
        )
    })
}

fn strings(node: &Node, what: &str) -> Result<Vec<String>, super::eval::EvalError> {
    list_of(node, what)?
        .iter()
        .map(|n| string_of(n, what))
        .collect()
}

#[allow(clippy::too_many_lines)] // one arm per function: a table, not logic
fn apply(name: &str, args: Vec<Node>, at: Option<Origin>, budget: &Budget) -> Eval {
    let ok = |val: Val| Ok(Node::new(val, at.clone()));
    // Functions that only move values around pass unknown elements through; every other
    // function is unknown as soon as an argument is.
    let structural = matches!(
        name,
        "concat"
            | "merge"
            | "coalesce"
            | "coalescelist"
            | "lookup"
            | "element"
            | "flatten"
            | "tolist"
            | "toset"
            | "tomap"
            | "one"
            | "compact"
            | "values"
            | "keys"
            | "length"
            | "slice"
            | "reverse"
            | "zipmap"
            | "nonsensitive"
            | "sensitive"
    );
    let unknown = if structural {
        args.iter().find_map(|a| a.unknown_reason().cloned())
    } else {
        args.iter().find_map(|a| a.first_unknown().cloned())
    };
    if let Some(r) = unknown {
        // A function's result may be null whatever its arguments.
        return Ok(Node::unknown(r.unset(), at));
    }
    match name {
        "concat" => {
            let mut out = Vec::new();
            for a in &args {
                out.extend(list_of(a, "concat()")?);
            }
            ok(Val::List(out))
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for a in &args {
                match &a.val {
                    Val::Map(m) => out.extend(m.clone()),
                    Val::Null => {}
                    other => {
                        return Err(error(
                            format!("merge() needs objects, not {}", type_name(other)),
                            a.at.clone(),
                        ));
                    }
                }
            }
            ok(Val::Map(out))
        }
        "lookup" => {
            if args.len() < 2 || args.len() > 3 {
                return Err(error("lookup() takes 2 or 3 arguments", at));
            }
            let key = string_of(&args[1], "lookup()")?;
            match &args[0].val {
                Val::Map(m) => match m.get(&key) {
                    Some(v) => Ok(v.clone()),
                    None => args.get(2).cloned().ok_or_else(|| {
                        error(
                            format!("lookup(): no key \"{key}\" and no default"),
                            at.clone(),
                        )
                    }),
                },
                other => Err(error(
                    format!("lookup() needs a map, not {}", type_name(other)),
                    args[0].at.clone(),
                )),
            }
        }
        "contains" => {
            arity(name, &args, 2, &at)?;
            let items = list_of(&args[0], "contains()")?;
            ok(Val::Bool(items.iter().any(|i| equal(&i.val, &args[1].val))))
        }
        // Both fail when nothing qualifies, as in Terraform (`try` catches that).
        "coalesce" => args
            .into_iter()
            .find(|a| !matches!(&a.val, Val::Null) && a.val != Val::Str(String::new()))
            .ok_or_else(|| error("coalesce(): no non-null, non-empty argument", at.clone())),
        "coalescelist" => args
            .into_iter()
            .find(|a| matches!(&a.val, Val::List(l) if !l.is_empty()))
            .ok_or_else(|| error("coalescelist(): no non-empty list", at.clone())),
        "tolist" | "toset" => {
            arity(name, &args, 1, &at)?;
            let mut items = list_of(&args[0], &format!("{name}()"))?;
            if name == "toset" {
                items = distinct(items);
            }
            ok(Val::List(items))
        }
        "tomap" | "nonsensitive" | "sensitive" => {
            arity(name, &args, 1, &at)?;
            Ok(args
                .into_iter()
                .next()
                .unwrap_or_else(|| Node::new(Val::Null, at.clone())))
        }
        "tostring" => {
            arity(name, &args, 1, &at)?;
            match &args[0].val {
                Val::Null => ok(Val::Null),
                v => ok(Val::Str(string_of(
                    &Node::new(v.clone(), args[0].at.clone()),
                    "tostring()",
                )?)),
            }
        }
        "tonumber" => {
            arity(name, &args, 1, &at)?;
            match &args[0].val {
                Val::Null => ok(Val::Null),
                v => to_number(v)
                    .map(|n| Node::new(Val::Num(n), at.clone()))
                    .ok_or_else(|| error("tonumber(): not a number", args[0].at.clone())),
            }
        }
        "tobool" => {
            arity(name, &args, 1, &at)?;
            match &args[0].val {
                Val::Null => ok(Val::Null),
                Val::Bool(b) => ok(Val::Bool(*b)),
                Val::Str(s) if s == "true" => ok(Val::Bool(true)),
                Val::Str(s) if s == "false" => ok(Val::Bool(false)),
                _ => Err(error("tobool(): not a bool", args[0].at.clone())),
            }
        }
        "length" => {
            arity(name, &args, 1, &at)?;
            #[allow(clippy::cast_precision_loss)] // lengths are small
            match &args[0].val {
                Val::List(l) => ok(Val::Num(l.len() as f64)),
                Val::Map(m) => ok(Val::Num(m.len() as f64)),
                Val::Str(s) => ok(Val::Num(s.chars().count() as f64)),
                other => Err(error(
                    format!("length() of a {}", type_name(other)),
                    args[0].at.clone(),
                )),
            }
        }
        "keys" => {
            arity(name, &args, 1, &at)?;
            match &args[0].val {
                Val::Map(m) => ok(Val::List(
                    m.keys()
                        .map(|k| Node::new(Val::Str(k.clone()), args[0].at.clone()))
                        .collect(),
                )),
                other => Err(error(format!("keys() of a {}", type_name(other)), at)),
            }
        }
        "values" => {
            arity(name, &args, 1, &at)?;
            ok(Val::List(list_of(&args[0], "values")?))
        }
        "element" => {
            arity(name, &args, 2, &at)?;
            let items = list_of(&args[0], "element()")?;
            if items.is_empty() {
                return Err(error("element() of an empty list", at));
            }
            let i = to_number(&args[1].val).unwrap_or(0.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // wrapped index
            let i = (i.max(0.0) as usize) % items.len();
            Ok(items[i].clone())
        }
        "index" => {
            arity(name, &args, 2, &at)?;
            let items = list_of(&args[0], "index()")?;
            #[allow(clippy::cast_precision_loss)] // list positions are small
            items
                .iter()
                .position(|i| equal(&i.val, &args[1].val))
                .map(|p| Node::new(Val::Num(p as f64), at.clone()))
                .ok_or_else(|| error("index(): value not in the list", at.clone()))
        }
        "one" => {
            arity(name, &args, 1, &at)?;
            let items = list_of(&args[0], "one()")?;
            match items.len() {
                0 => ok(Val::Null),
                1 => Ok(items[0].clone()),
                n => Err(error(format!("one() of a list of {n}"), at)),
            }
        }
        "flatten" => {
            fn flat(items: Vec<Node>, out: &mut Vec<Node>) {
                for i in items {
                    match i.val {
                        Val::List(inner) => flat(inner, out),
                        _ => out.push(i),
                    }
                }
            }
            arity(name, &args, 1, &at)?;
            let mut out = Vec::new();
            flat(list_of(&args[0], "flatten()")?, &mut out);
            ok(Val::List(out))
        }
        "distinct" => {
            arity(name, &args, 1, &at)?;
            ok(Val::List(distinct(list_of(&args[0], "distinct()")?)))
        }
        "compact" => {
            arity(name, &args, 1, &at)?;
            let items = list_of(&args[0], "compact()")?
                .into_iter()
                .filter(|i| !matches!(&i.val, Val::Null) && i.val != Val::Str(String::new()))
                .collect();
            ok(Val::List(items))
        }
        "reverse" => {
            arity(name, &args, 1, &at)?;
            let mut items = list_of(&args[0], "reverse()")?;
            items.reverse();
            ok(Val::List(items))
        }
        "sort" => {
            arity(name, &args, 1, &at)?;
            let mut items = strings(&args[0], "sort()")?;
            items.sort();
            ok(Val::List(
                items
                    .into_iter()
                    .map(|s| Node::new(Val::Str(s), at.clone()))
                    .collect(),
            ))
        }
        "slice" => {
            arity(name, &args, 3, &at)?;
            let items = list_of(&args[0], "slice()")?;
            let (Some(a), Some(b)) = (to_number(&args[1].val), to_number(&args[2].val)) else {
                return Err(error("slice() needs numbers", at));
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped below
            let (a, b) = (a.max(0.0) as usize, b.max(0.0) as usize);
            if a > b || b > items.len() {
                return Err(error("slice(): index out of range", at));
            }
            ok(Val::List(items[a..b].to_vec()))
        }
        "zipmap" => {
            arity(name, &args, 2, &at)?;
            let keys = strings(&args[0], "zipmap()")?;
            let values = list_of(&args[1], "zipmap()")?;
            ok(Val::Map(keys.into_iter().zip(values).collect()))
        }
        "anytrue" | "alltrue" => {
            arity(name, &args, 1, &at)?;
            let items = list_of(&args[0], &format!("{name}()"))?;
            let bools: Vec<bool> = items
                .iter()
                .map(|i| matches!(&i.val, Val::Bool(true)) || i.val == Val::Str("true".into()))
                .collect();
            ok(Val::Bool(if name == "anytrue" {
                bools.iter().any(|b| *b)
            } else {
                bools.iter().all(|b| *b)
            }))
        }
        "join" => {
            arity(name, &args, 2, &at)?;
            let sep = string_of(&args[0], "join()")?;
            let parts = strings(&args[1], "join()")?;
            // Measured before it is built: a separator repeated between many parts.
            let len = parts.iter().map(|p| p.len() as u64).sum::<u64>()
                + (sep.len() as u64) * (parts.len().saturating_sub(1) as u64);
            fits(budget, len, 1, &at)?;
            ok(Val::Str(parts.join(&sep)))
        }
        "split" => {
            arity(name, &args, 2, &at)?;
            let sep = string_of(&args[0], "split()")?;
            let s = string_of(&args[1], "split()")?;
            let parts = if sep.is_empty() {
                s.chars().count() + 2
            } else {
                s.matches(sep.as_str()).count() + 1
            };
            fits(budget, s.len() as u64, parts as u64 + 1, &at)?;
            ok(Val::List(
                s.split(sep.as_str())
                    .map(|p| Node::new(Val::Str(p.to_owned()), at.clone()))
                    .collect(),
            ))
        }
        "basename" | "dirname" | "abspath" => {
            arity(name, &args, 1, &at)?;
            let s = string_of(&args[0], &format!("{name}()"))?;
            let p = std::path::Path::new(&s);
            let out = match name {
                "basename" => p
                    .file_name()
                    .map_or(s.clone(), |n| n.to_string_lossy().into_owned()),
                "dirname" => p
                    .parent()
                    .map(|d| d.display().to_string())
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| ".".to_owned()),
                _ => s.clone(),
            };
            ok(Val::Str(out))
        }
        "lower" | "upper" | "trimspace" | "base64encode" | "base64decode" => {
            arity(name, &args, 1, &at)?;
            let s = string_of(&args[0], &format!("{name}()"))?;
            let out = match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_owned(),
                "base64encode" => base64::engine::general_purpose::STANDARD.encode(s),
                _ => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(s.trim())
                        .map_err(|e| error(format!("base64decode(): {e}"), args[0].at.clone()))?;
                    String::from_utf8(bytes)
                        .map_err(|_| error("base64decode(): not UTF-8", args[0].at.clone()))?
                }
            };
            ok(Val::Str(out))
        }
        "trimprefix" | "trimsuffix" | "startswith" | "endswith" | "trim" => {
            arity(name, &args, 2, &at)?;
            let s = string_of(&args[0], &format!("{name}()"))?;
            let p = string_of(&args[1], &format!("{name}()"))?;
            ok(match name {
                "trimprefix" => Val::Str(s.strip_prefix(p.as_str()).unwrap_or(&s).to_owned()),
                "trimsuffix" => Val::Str(s.strip_suffix(p.as_str()).unwrap_or(&s).to_owned()),
                "startswith" => Val::Bool(s.starts_with(p.as_str())),
                "endswith" => Val::Bool(s.ends_with(p.as_str())),
                _ => Val::Str(s.trim_matches(|c| p.contains(c)).to_owned()),
            })
        }
        "replace" => {
            arity(name, &args, 3, &at)?;
            let s = string_of(&args[0], "replace()")?;
            let from = string_of(&args[1], "replace()")?;
            let to = string_of(&args[2], "replace()")?;
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                return Ok(Node::unknown(
                    "replace() with a regular expression is not evaluated by stiglint",
                    at,
                ));
            }
            // Measured before it is built: every match replaced by a long string.
            let matches = if from.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(from.as_str()).count()
            };
            fits(
                budget,
                (s.len() as u64).saturating_add((matches as u64).saturating_mul(to.len() as u64)),
                1,
                &at,
            )?;
            ok(Val::Str(s.replace(&from, &to)))
        }
        "substr" => {
            arity(name, &args, 3, &at)?;
            let s = string_of(&args[0], "substr()")?;
            let (Some(off), Some(len)) = (to_number(&args[1].val), to_number(&args[2].val)) else {
                return Err(error("substr() needs numbers", at));
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped
            let chars: String = if len < 0.0 {
                s.chars().skip(off.max(0.0) as usize).collect()
            } else {
                s.chars()
                    .skip(off.max(0.0) as usize)
                    .take(len as usize)
                    .collect()
            };
            ok(Val::Str(chars))
        }
        "format" => {
            if args.is_empty() {
                return Err(error("format() needs a format string", at));
            }
            let spec = string_of(&args[0], "format()")?;
            format(&spec, &args[1..]).map_or_else(
                || {
                    Ok(Node::unknown(
                        "format() with this verb is not evaluated by stiglint",
                        at.clone(),
                    ))
                },
                |s| ok(Val::Str(s)),
            )
        }
        "min" | "max" | "sum" | "abs" | "ceil" | "floor" => {
            let nums: Vec<f64> = if name == "sum" {
                list_of(
                    args.first()
                        .ok_or_else(|| error("sum() needs a list", at.clone()))?,
                    "sum()",
                )?
                .iter()
                .map(|n| to_number(&n.val))
                .collect::<Option<_>>()
                .ok_or_else(|| error("sum() needs numbers", at.clone()))?
            } else {
                args.iter()
                    .map(|n| to_number(&n.val))
                    .collect::<Option<_>>()
                    .ok_or_else(|| error(format!("{name}() needs numbers"), at.clone()))?
            };
            let first = *nums
                .first()
                .ok_or_else(|| error(format!("{name}() needs a number"), at.clone()))?;
            ok(Val::Num(match name {
                "min" => nums.iter().copied().fold(f64::INFINITY, f64::min),
                "max" => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                "sum" => nums.iter().sum(),
                "abs" => first.abs(),
                "ceil" => first.ceil(),
                _ => first.floor(),
            }))
        }
        "range" => range(&args, at, budget),
        "jsonencode" => {
            arity(name, &args, 1, &at)?;
            ok(Val::Str(args[0].to_json().to_string()))
        }
        "jsondecode" => {
            arity(name, &args, 1, &at)?;
            let s = string_of(&args[0], "jsondecode()")?;
            let v: serde_json::Value = serde_json::from_str(&s)
                .map_err(|e| error(format!("jsondecode(): {e}"), args[0].at.clone()))?;
            Ok(from_json(&v, at))
        }
        "setunion" => {
            let mut all = Vec::new();
            for a in &args {
                all.extend(list_of(a, "setunion()")?);
            }
            ok(Val::List(distinct(all)))
        }
        other => Ok(Node::unknown(
            format!("{other}() is not evaluated by stiglint"),
            at,
        )),
    }
}

/// Refuse a result of `bytes` and `elements` over a per-value limit, before it is built.
fn fits(budget: &Budget, bytes: u64, elements: u64, at: &Option<Origin>) -> Result<(), EvalError> {
    budget
        .check_size(
            bytes.saturating_add(elements.saturating_mul(ELEMENT_BYTES)),
            elements,
        )
        .map_err(|e| over_budget(e, at.clone()))
}

/// The distinct elements of a list, first occurrence kept (hashed by their JSON form: a list
/// of 100,000 elements is not compared pairwise).
fn distinct(items: Vec<Node>) -> Vec<Node> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(canonical(&i.val)))
        .collect()
}

/// A value's identity for `distinct`: its JSON text, numbers by value (`1` and `1.0` are
/// one number), strings apart from numbers (`"1"` is not `1`, as `==` says).
fn canonical(v: &Val) -> String {
    Node::new(v.clone(), None).to_json().to_string()
}

/// Terraform's `range`: start defaults to 0, step to 1 or -1 towards the limit; the sequence
/// is refused on its 1025th number (Terraform's own limit), and when the step no longer moves
/// the number (a float too large for it).
fn range(args: &[Node], at: Option<Origin>, budget: &Budget) -> Eval {
    let n: Vec<f64> = args
        .iter()
        .map(|a| to_number(&a.val))
        .collect::<Option<_>>()
        .ok_or_else(|| error("range() needs numbers", at.clone()))?;
    let (start, limit, step) = match n.as_slice() {
        [l] => (0.0, *l, if *l >= 0.0 { 1.0 } else { -1.0 }),
        [s, l] => (*s, *l, if l >= s { 1.0 } else { -1.0 }),
        [s, l, st] => (*s, *l, *st),
        _ => return Err(error("range() takes 1 to 3 numbers", at)),
    };
    if !(start.is_finite() && limit.is_finite() && step.is_finite()) {
        return Err(error("range() needs finite numbers", at));
    }
    if step == 0.0 {
        return Err(error("range(): step must not be zero", at));
    }
    let max = budget.limits.range_elements;
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v < limit) || (step < 0.0 && v > limit) {
        if out.len() >= max {
            return Err(over_budget(
                super::limits::Exceeded::Value(format!(
                    "evaluation budget exceeded: range() would make more than {max} numbers (limit: range elements, Terraform's own)"
                )),
                at,
            ));
        }
        out.push(Node::new(Val::Num(v), at.clone()));
        let next = v + step;
        if next == v {
            return Err(over_budget(
                super::limits::Exceeded::Value(format!(
                    "range(): a step of {step} does not change {v} (the numbers are too large for it; stiglint computes with 64-bit floats)"
                )),
                at,
            ));
        }
        v = next;
    }
    Ok(Node::new(Val::List(out), at))
}

/// Terraform's `format` for the verbs configurations use (`%s`, `%d`, `%v`, `%q`, `%%`).
fn format(spec: &str, args: &[Node]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'v' | 'd' => out.push_str(&as_string(&args.next()?.val)?),
            'q' => out.push_str(&format!("{:?}", as_string(&args.next()?.val)?)),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::terraform::limits::Limits;

    fn nums(v: &[f64]) -> Vec<Node> {
        v.iter().map(|n| Node::new(Val::Num(*n), None)).collect()
    }

    fn numbers(node: &Node) -> Vec<f64> {
        match &node.val {
            Val::List(items) => items
                .iter()
                .map(|i| match i.val {
                    Val::Num(n) => n,
                    _ => f64::NAN,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn range_follows_terraform_and_stops_at_its_limit() {
        let budget = Budget::new(Limits::default());
        let r = |args: &[f64]| range(&nums(args), None, &budget);
        assert_eq!(numbers(&r(&[3.0]).expect("range")), vec![0.0, 1.0, 2.0]);
        // The default step goes towards the limit.
        assert_eq!(
            numbers(&r(&[3.0, 0.0]).expect("range")),
            vec![3.0, 2.0, 1.0]
        );
        assert_eq!(numbers(&r(&[0.0, 1.0, 0.25]).expect("range")).len(), 4);
        assert_eq!(numbers(&r(&[0.0, 5.0, -1.0]).expect("range")).len(), 0);
        assert_eq!(r(&[1024.0]).map(|n| numbers(&n).len()), Ok(1024));
        let e = r(&[1025.0]).expect_err("1025 numbers");
        assert!(
            e.budget && e.message.contains("limit: range elements"),
            "{e:?}"
        );
        let e = r(&[1e17, 1e17 + 1000.0]).expect_err("a step that does not advance");
        assert!(e.budget && e.message.contains("does not change"), "{e:?}");
        assert!(r(&[0.0, 1.0, 0.0]).is_err());
        assert!(r(&[f64::INFINITY]).is_err());
        let mixed = vec![
            Node::new(Val::Num(1.0), None),
            Node::new(Val::Bool(true), None),
        ];
        assert!(
            range(&mixed, None, &budget).is_err(),
            "not silently range(1)"
        );
    }

    #[test]
    fn distinct_keeps_first_occurrences_and_tells_strings_from_numbers() {
        let s = |t: &str| Node::new(Val::Str(t.to_owned()), None);
        let items = vec![
            s("a"),
            s("1"),
            Node::new(Val::Num(1.0), None),
            s("a"),
            s("1"),
        ];
        let out = distinct(items);
        assert_eq!(
            out.iter().map(|n| n.val.clone()).collect::<Vec<_>>(),
            vec![Val::Str("a".into()), Val::Str("1".into()), Val::Num(1.0)]
        );
        // 100,000 elements are not compared pairwise (this would take minutes).
        let many: Vec<Node> = (0..100_000)
            .map(|i| s(&format!("k{}", i % 50_000)))
            .collect();
        assert_eq!(distinct(many).len(), 50_000);
    }
}
