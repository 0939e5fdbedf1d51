//! The evaluation budgets of Terraform: every limit in one place, with its default.
//!
//! A configuration under review is untrusted input. Its expressions can ask for values that
//! grow exponentially (`join` over `range(1000)` of a local that is itself such a join), loops
//! that never end (`range` with a step that does not advance a float), or fan-outs of modules
//! and instances that no real configuration has. Each limit below turns such a configuration
//! into an error naming the block and the limit, and the rest of the scan goes on.
//!
//! What is counted:
//! * the *size of a value*: bytes of its strings and map keys plus a fixed cost per element,
//!   and its number of elements (every list item, map entry and scalar counts one);
//! * the *evaluated bytes* of a root module's evaluation (the module and the local modules it
//!   calls): the size of every value an expression builds or copies (a reference, a `for`
//!   iteration, a function's result), which bounds both the memory and the time the
//!   evaluation takes;
//! * `range` lengths, `count`/`for_each` instances of one block (and `dynamic` blocks), module
//!   call depth and module instances in total.

use std::cell::Cell;

use super::value::{Node, Val};

/// The limits of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one value (strings, map keys, and [`ELEMENT_BYTES`] per element).
    pub value_bytes: u64,
    /// Elements of one value (list items, map entries and scalars, nested ones included).
    pub value_elements: u64,
    /// Bytes of values built or copied while evaluating one root module and its modules.
    pub evaluated_bytes: u64,
    /// Elements `range()` makes (Terraform's own limit).
    pub range_elements: usize,
    /// Instances one `count`/`for_each` block (or `dynamic` block) makes.
    pub block_instances: usize,
    /// Local module calls followed in a chain (a module calling a module ...).
    pub module_depth: usize,
    /// References being evaluated inside one another (`local.a` whose value names `local.b`
    /// whose value names ...): each is a level of the evaluator's stack.
    pub reference_depth: usize,
    /// The parse cost of a file's objects: the sum, over its object expressions, of their
    /// number of entries squared (the HCL parser compares each object key with the keys before it,
    /// so one object of 100,000 keys costs 10^10 comparisons, minutes). One object of 10,000
    /// entries (about 0.3 s in a release build), or a hundred of 1,000, is the default.
    pub object_cost: u64,
    /// Module instances (followed local module calls, every `for_each` key counted) of one
    /// root module.
    pub module_instances: usize,
}

/// What one element of a value costs in [`Limits::value_bytes`], besides its text: about the
/// memory an evaluated value takes per element.
pub const ELEMENT_BYTES: u64 = 64;

/// The defaults (documented in the README's Terraform section).
pub const DEFAULT_LIMITS: Limits = Limits {
    value_bytes: 16 * 1024 * 1024,
    value_elements: 100_000,
    evaluated_bytes: 256 * 1024 * 1024,
    range_elements: 1024,
    block_instances: 10_000,
    module_depth: 8,
    reference_depth: 128,
    object_cost: 100_000_000,
    module_instances: 1_000,
};

impl Default for Limits {
    fn default() -> Self {
        DEFAULT_LIMITS
    }
}

/// Why a budget refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// One value is too large (the message says which limit).
    Value(String),
    /// The evaluation's bytes are spent; `first` is true only the first time.
    Spent {
        /// Whether this is the first refusal (later ones are not reported again).
        first: bool,
        /// The message.
        message: String,
    },
}

/// The budget of one root module's evaluation.
#[derive(Debug, Default)]
pub struct Budget {
    /// The limits.
    pub limits: Limits,
    used: Cell<u64>,
    modules: Cell<usize>,
    spent: Cell<bool>,
    nesting: Cell<usize>,
}

/// A byte count for messages: `4 MiB`, `1536 bytes`.
#[must_use]
pub fn bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

impl Budget {
    /// A budget with these limits.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Whether the evaluated bytes are spent (everything evaluated after that is refused).
    #[must_use]
    pub fn spent(&self) -> bool {
        self.spent.get()
    }

    /// Account for a value built or copied: its size against the per-value limits, then
    /// against the evaluation's bytes.
    pub fn value(&self, node: &Node) -> Result<(), Exceeded> {
        let (bytes, _) = self.measure(node)?;
        self.charge(bytes)
    }

    /// Account for `n` bytes of work (a loop iteration, a copy measured elsewhere).
    pub fn charge(&self, n: u64) -> Result<(), Exceeded> {
        if self.spent.get() {
            return Err(self.spent_error(false));
        }
        let used = self.used.get().saturating_add(n);
        self.used.set(used);
        if used > self.limits.evaluated_bytes {
            self.spent.set(true);
            return Err(self.spent_error(true));
        }
        Ok(())
    }

    fn spent_error(&self, first: bool) -> Exceeded {
        Exceeded::Spent {
            first,
            message: format!(
                "evaluation budget exceeded: this module's expressions built or copied more than {} of values (limit: evaluated bytes per root module); the rest of the module is not evaluated",
                bytes(self.limits.evaluated_bytes)
            ),
        }
    }

    /// The size of a value, `(bytes, elements)`, refused as soon as it is over a per-value
    /// limit (the walk stops there).
    pub fn measure(&self, node: &Node) -> Result<(u64, u64), Exceeded> {
        let mut bytes = 0u64;
        let mut elements = 0u64;
        let mut stack: Vec<&Node> = vec![node];
        while let Some(n) = stack.pop() {
            elements += 1;
            bytes += ELEMENT_BYTES;
            match &n.val {
                Val::Str(s) => bytes += s.len() as u64,
                Val::Unknown(r) => bytes += r.len() as u64,
                Val::List(items) => stack.extend(items),
                Val::Map(m) => {
                    for (k, v) in m {
                        bytes += k.len() as u64;
                        stack.push(v);
                    }
                }
                Val::Null | Val::Bool(_) | Val::Num(_) => {}
            }
            self.check_size(bytes, elements)?;
        }
        Ok((bytes, elements))
    }

    /// Refuse a size over a per-value limit.
    pub fn check_size(&self, bytes: u64, elements: u64) -> Result<(), Exceeded> {
        if bytes > self.limits.value_bytes {
            return Err(Exceeded::Value(format!(
                "evaluation budget exceeded: a value larger than {} (limit: bytes per value)",
                self::bytes(self.limits.value_bytes)
            )));
        }
        if elements > self.limits.value_elements {
            return Err(Exceeded::Value(format!(
                "evaluation budget exceeded: a value with more than {} elements (limit: elements per value)",
                self.limits.value_elements
            )));
        }
        Ok(())
    }

    /// Enter the evaluation of a reference; refused past the reference depth. Every
    /// successful call is paired with [`Budget::leave`].
    pub fn enter(&self) -> Result<(), Exceeded> {
        let n = self.nesting.get() + 1;
        if n > self.limits.reference_depth {
            return Err(Exceeded::Value(format!(
                "evaluation budget exceeded: references nested more than {} deep (limit: reference depth)",
                self.limits.reference_depth
            )));
        }
        self.nesting.set(n);
        Ok(())
    }

    /// Leave the evaluation of a reference.
    pub fn leave(&self) {
        self.nesting.set(self.nesting.get().saturating_sub(1));
    }

    /// The evaluated bytes so far.
    #[must_use]
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// Count one more module instance; refused past the limit, with a message the first time
    /// only (the calls after it are not followed either).
    pub fn module_instance(&self) -> Result<(), Option<String>> {
        let n = self.modules.get().saturating_add(1);
        self.modules.set(n);
        if n > self.limits.module_instances {
            return Err((n == self.limits.module_instances + 1).then(|| {
                format!(
                    "evaluation budget exceeded: more than {} module instances in this root module (limit: module instances); this call and the calls after it are not followed",
                    self.limits.module_instances
                )
            }));
        }
        Ok(())
    }
}

/// Where a file's objects cost too much to parse: `(line of the largest object's `{`, its
/// entries, message)`. The text is scanned, not parsed: strings, heredocs, comments and
/// template interpolations are followed; an object's entries are the lines or commas with
/// something on them between its braces. A block's body (`{` after a header, not after `=`)
/// is not an object.
#[must_use]
pub fn object_cost(text: &str, limits: &Limits) -> Option<(usize, u64, String)> {
    enum Frame {
        /// Code inside `{`, `[`, `(`, an interpolation, or the file: what closes it, whether
        /// it is a brace group (counted), its entries and whether the current one has content.
        Code {
            close: u8,
            counted: bool,
            /// A body (the file's, a block's): its `{` after an `=` opens an object, any
            /// other opens a block's body.
            body: bool,
            /// The current entry has an `=`.
            eq: bool,
            line: usize,
            entries: u64,
            content: bool,
        },
        Str,
        Heredoc(Vec<u8>),
    }
    let b = text.as_bytes();
    let mut stack = vec![Frame::Code {
        close: 0,
        counted: false,
        body: true,
        eq: false,
        line: 1,
        entries: 0,
        content: false,
    }];
    let (mut i, mut line) = (0usize, 1usize);
    let mut cost = 0u64;
    let mut worst = (0usize, 0u64);
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let at_line_start = line_start;
        line_start = false;
        if c == b'\n' {
            line += 1;
            line_start = true;
        }
        let Some(top) = stack.last_mut() else { break };
        match top {
            Frame::Str => match c {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                }
                b'$' | b'%' if next == c && b.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if next == b'{' => {
                    i += 1;
                    stack.push(Frame::Code {
                        close: b'}',
                        counted: false,
                        body: false,
                        eq: false,
                        line,
                        entries: 0,
                        content: false,
                    });
                }
                _ => {}
            },
            Frame::Heredoc(marker) => {
                if at_line_start {
                    let end = b[i..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(b.len(), |p| i + p);
                    if b[i..end].trim_ascii() == marker.as_slice() {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                match c {
                    b'$' | b'%' if next == c && b.get(i + 2) == Some(&b'{') => i += 2,
                    b'$' | b'%' if next == b'{' => {
                        i += 1;
                        stack.push(Frame::Code {
                            close: b'}',
                            counted: false,
                            body: false,
                            eq: false,
                            line,
                            entries: 0,
                            content: false,
                        });
                    }
                    _ => {}
                }
            }
            Frame::Code {
                close,
                counted,
                body,
                eq,
                line: opened,
                entries,
                content,
            } => match c {
                b'#' => {
                    i = b[i..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(b.len(), |p| i + p);
                    continue;
                }
                b'/' if next == b'/' => {
                    i = b[i..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(b.len(), |p| i + p);
                    continue;
                }
                b'/' if next == b'*' => {
                    let end = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                    line += b[i..end].iter().filter(|&&x| x == b'\n').count();
                    i = end;
                    continue;
                }
                b'\n' | b',' => {
                    if *counted && *content {
                        *entries += 1;
                    }
                    *content = false;
                    *eq = false;
                }
                b'=' => {
                    *content = true;
                    *eq = true;
                }
                b'"' => {
                    *content = true;
                    stack.push(Frame::Str);
                }
                b'<' if next == b'<' => {
                    *content = true;
                    let mut j = i + 2;
                    if b.get(j) == Some(&b'-') {
                        j += 1;
                    }
                    let start = j;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    if j > start {
                        let marker = b[start..j].to_vec();
                        // The body starts on the next line.
                        let eol = b[j..]
                            .iter()
                            .position(|&x| x == b'\n')
                            .map_or(b.len(), |p| j + p);
                        stack.push(Frame::Heredoc(marker));
                        i = eol;
                        continue;
                    }
                }
                b'{' | b'[' | b'(' => {
                    *content = true;
                    // A block's body (a header without `=`) is a list, not an object.
                    let block = c == b'{' && *body && !*eq;
                    let (close, counted) = match c {
                        b'{' => (b'}', !block),
                        b'[' => (b']', false),
                        _ => (b')', false),
                    };
                    stack.push(Frame::Code {
                        close,
                        counted,
                        body: block,
                        eq: false,
                        line,
                        entries: 0,
                        content: false,
                    });
                }
                b'}' | b']' | b')' if c == *close => {
                    if *counted {
                        let n = *entries + u64::from(*content);
                        cost = cost.saturating_add(n.saturating_mul(n));
                        if n > worst.1 {
                            worst = (*opened, n);
                        }
                    }
                    stack.pop();
                }
                b' ' | b'\t' | b'\r' => {}
                _ => *content = true,
            },
        }
        if cost > limits.object_cost {
            break;
        }
        i += 1;
    }
    (cost > limits.object_cost).then(|| {
        (
            worst.0,
            worst.1,
            format!(
                "evaluation budget exceeded: objects too large to parse (the largest, here, has {} entries; the sum of their entries squared is over {}) (limit: object parse cost)",
                worst.1, limits.object_cost
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_over_a_limit_is_refused_and_spent_bytes_stay_spent() {
        let budget = Budget::new(Limits {
            value_bytes: 400,
            value_elements: 3,
            evaluated_bytes: 150,
            ..DEFAULT_LIMITS
        });
        let s = |t: &str| Node::new(Val::Str(t.to_owned()), None);
        assert_eq!(budget.measure(&s("abc")), Ok((67, 1)));
        let list = Node::new(Val::List(vec![s("a"), s("b"), s("c")]), None);
        assert!(
            matches!(budget.measure(&list), Err(Exceeded::Value(m)) if m.contains("elements per value"))
        );
        let big = s(&"x".repeat(500));
        assert!(
            matches!(budget.measure(&big), Err(Exceeded::Value(m)) if m.contains("bytes per value"))
        );
        assert_eq!(budget.value(&s("abc")), Ok(()));
        assert_eq!(budget.value(&s("abc")), Ok(()));
        assert!(matches!(
            budget.value(&s("abc")),
            Err(Exceeded::Spent { first: true, .. })
        ));
        assert!(matches!(
            budget.charge(1),
            Err(Exceeded::Spent { first: false, .. })
        ));
        assert!(budget.spent());
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    #[test]
    fn large_objects_are_found_through_strings_heredocs_and_comments() {
        let limits = Limits {
            object_cost: 100,
            ..DEFAULT_LIMITS
        };
        let entries =
            |n: usize| -> String { (0..n).map(|i| format!("  k{i} = \"v{i}\"\n")).collect() };
        // 10 entries: 100, at the limit (the `locals` block's body is not an object).
        let ok = format!("locals {{\n  m = {{\n{}  }}\n}}\n", entries(10));
        assert_eq!(object_cost(&ok, &limits), None, "{ok}");
        let big = format!(
            "# {{ not a brace\nlocals {{\n  s = \"}} ${{ {{a = 1}} }}\"\n  h = <<-EOT\n  }} {{\n  EOT\n  m = {{\n{}  }}\n}}\n",
            entries(11)
        );
        let (line, n, message) = object_cost(&big, &limits).expect("over");
        assert_eq!((line, n), (7, 11), "{big}");
        assert!(message.contains("limit: object parse cost"));
        // Commas separate entries too; a list's items are not an object's.
        let commas = format!(
            "x = {{ {} }}\n",
            (0..11)
                .map(|i| format!("k{i} = {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(object_cost(&commas, &limits).is_some());
        let list = format!(
            "x = [{}]\n",
            (0..1000)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",\n")
        );
        assert_eq!(object_cost(&list, &limits), None);
    }
}
