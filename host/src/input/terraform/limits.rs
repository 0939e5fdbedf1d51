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
