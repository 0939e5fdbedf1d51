//! Terraform modules: a directory's `.tf` files parsed together, instantiated with input
//! values (a root module's tfvars and `--var`s, or a module call's arguments), and turned into
//! one document per `resource`, `data` and `module` block.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};

use super::eval::{Env, Eval, EvalError, Evaluator, Resolve, invalid, over_budget};
use super::limits::{Budget, Exceeded, Limits};
use super::value::{Node, Origin, Reason, Val};
use crate::source::SourceFile;

/// One parsed `.tf` (or `.tfvars`) file.
pub struct TfFile {
    /// Its text.
    pub source: Arc<SourceFile>,
    /// Its syntax tree; `None` when it cannot be read or does not parse.
    pub body: Option<Body>,
    /// Why not (with the position of a syntax error).
    pub error: Option<crate::problem::Problem>,
}

/// Where a block is: file and index in the file's body.
#[derive(Clone, Copy, Debug)]
pub struct BlockRef {
    /// File index.
    pub file: u32,
    /// Index of the block in the file's body.
    pub index: usize,
}

/// An attribute inside a block: file, block index, attribute name.
#[derive(Clone, Debug)]
struct AttrRef {
    file: u32,
    index: usize,
    key: String,
}

/// A module directory's declarations.
#[derive(Default)]
pub struct ModuleSrc {
    /// The directory.
    pub dir: PathBuf,
    /// Its `.tf` files (indices into the loader's table).
    pub files: Vec<u32>,
    variables: BTreeMap<String, BlockRef>,
    locals: BTreeMap<String, AttrRef>,
    outputs: BTreeMap<String, BlockRef>,
    /// `resource`, `data` and `module` blocks in source order.
    pub blocks: Vec<BlockRef>,
    /// Declarations that were already made (name, the duplicate).
    pub duplicates: Vec<(String, BlockRef)>,
    /// Resource, data and module blocks whose address was already declared: Terraform's
    /// error message, the duplicate (which is not judged).
    pub duplicate_blocks: Vec<(String, BlockRef)>,
}

/// All files and modules of a scan's Terraform.
#[derive(Default)]
pub struct Loader {
    /// Every file read.
    pub files: Vec<TfFile>,
    /// Module directories by path.
    pub modules: HashMap<PathBuf, ModuleSrc>,
}

impl Loader {
    /// The block a reference names.
    #[must_use]
    pub fn block(&self, r: BlockRef) -> Option<&Block> {
        match self
            .files
            .get(r.file as usize)?
            .body
            .as_ref()?
            .get(r.index)?
        {
            Structure::Block(b) => Some(b),
            Structure::Attribute(_) => None,
        }
    }

    fn attr(&self, r: &AttrRef) -> Option<&hcl_edit::structure::Attribute> {
        self.block(BlockRef {
            file: r.file,
            index: r.index,
        })?
        .body
        .get_attribute(&r.key)
    }

    /// Register a parsed file; returns its index.
    pub fn add_file(&mut self, file: TfFile) -> u32 {
        self.files.push(file);
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// Index a module directory from its (already added) files.
    pub fn add_module(&mut self, dir: PathBuf, files: Vec<u32>) {
        let mut m = ModuleSrc {
            dir: dir.clone(),
            files: files.clone(),
            ..ModuleSrc::default()
        };
        let mut addresses: BTreeMap<String, BlockRef> = BTreeMap::new();
        for file in files {
            let Some(body) = self.files[file as usize].body.as_ref() else {
                continue;
            };
            for (index, s) in body.iter().enumerate() {
                let Structure::Block(b) = s else { continue };
                let r = BlockRef { file, index };
                let label = |i: usize| b.labels.get(i).map(|l| l.as_str().to_owned());
                let mut declare = |map: &mut BTreeMap<String, BlockRef>, name: Option<String>| {
                    if let Some(name) = name {
                        match map.entry(name) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                m.duplicates.push((e.key().clone(), r));
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(r);
                            }
                        }
                    }
                };
                match b.ident.value().as_str() {
                    "variable" => declare(&mut m.variables, label(0)),
                    "output" => declare(&mut m.outputs, label(0)),
                    "locals" => {
                        for a in b.body.attributes() {
                            let key = a.key.value().as_str().to_owned();
                            if m.locals.contains_key(&key) {
                                m.duplicates.push((format!("local.{key}"), r));
                            } else {
                                m.locals.insert(key.clone(), AttrRef { file, index, key });
                            }
                        }
                    }
                    kind @ ("resource" | "data" | "module") => {
                        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                        let address = format!("{kind}.{}", labels.join("."));
                        match addresses.entry(address) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                let message =
                                    duplicate_message(kind, &labels, &self.where_is(*e.get()));
                                m.duplicate_blocks.push((message, r));
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(r);
                                m.blocks.push(r);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        self.modules.insert(dir, m);
    }

    /// `file:line,column` of a block's header, as Terraform names a declaration.
    fn where_is(&self, r: BlockRef) -> String {
        let source = &self.files[r.file as usize].source;
        match self.block(r).and_then(Span::span) {
            Some(span) => {
                let p = source.position_of_offset(span.start);
                format!("{}:{},{}", source.name, p.line, p.column)
            }
            None => source.name.to_string(),
        }
    }

    /// The directory a local module call points at, if its source is a local path.
    #[must_use]
    pub fn local_source(&self, from: &Path, block: &Block) -> Option<PathBuf> {
        let source = literal_string(block.body.get_attribute("source")?.value.clone())?;
        local_path(from, &source)
    }
}

/// The directory a module source names, when it is a path on this machine: as Terraform
/// resolves a local source, lexically (`..` removes the previous name, without following
/// links), relative to the calling module's directory, with `\` read as `/`. Terraform's
/// local sources start with `./` or `../` (or `.\`, `..\`); an absolute path is copied from
/// the same directory by `terraform init`, so it is followed too. Anything else (registry,
/// git, URLs) is not a local path.
#[must_use]
pub fn local_path(from: &Path, source: &str) -> Option<PathBuf> {
    let relative = ["./", "../", ".\\", "..\\"]
        .iter()
        .any(|p| source.starts_with(p));
    if relative {
        let source = source.replace('\\', "/");
        Some(normalize(&from.join(source)))
    } else if Path::new(source).is_absolute() {
        Some(normalize(Path::new(source)))
    } else {
        None
    }
}

fn literal_string(e: Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

/// `a/b/../c` → `a/c`, without touching the file system (as Go's `path.Clean`, which
/// Terraform uses): `..` removes the name before it; leading `..`s of a relative path stay
/// (`../../m`), and `/..` is `/`. The current directory is the empty path.
#[must_use]
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                // Above the root is the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                // Leading `..`s of a relative path are kept.
                Some(Component::ParentDir | Component::CurDir) | None => parts.push(c),
            },
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// A document a module instance produced.
pub struct TfDoc {
    /// File whose document it is in the scan's accounting: where the block is, or for a
    /// followed module's blocks, the file of the top-level module call.
    pub owner: u32,
    /// The block.
    pub block: BlockRef,
    /// `resource`, `data` or `module`.
    pub kind: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Address.
    pub address: String,
    /// The evaluated arguments; `None` when the block creates nothing (count 0).
    pub value: Option<Node>,
    /// Why nothing is created.
    pub skipped: Option<String>,
    /// For a block of a followed module: the module call in the owner file that made it.
    pub via: Option<BlockRef>,
}

/// An evaluation error in a file.
pub struct TfError {
    /// What.
    pub error: EvalError,
    /// The file of the block being evaluated when no origin is known.
    pub file: u32,
    /// The root module's file whose module call led here (`None` in the root module): an
    /// error in a followed module's file is that file's call's error too.
    pub owner: Option<u32>,
}

/// A module with its input values.
pub struct Instance<'l> {
    loader: &'l Loader,
    module: &'l ModuleSrc,
    /// `""` for a root, `module.eks.` for a child.
    prefix: String,
    inputs: BTreeMap<String, Node>,
    depth: usize,
    locals: RefCell<HashMap<String, Eval>>,
    busy: RefCell<HashSet<String>>,
    children: RefCell<HashMap<String, Option<Rc<Instance<'l>>>>>,
    /// Configured attributes of this module's resources and data sources, and its outputs,
    /// once evaluated (each is evaluated once, as Terraform does: a chain of references that
    /// each name the previous one twice is not evaluated 2^n times).
    evaluated: RefCell<HashMap<String, Eval>>,
    /// Errors met while evaluating (deduplicated by the caller).
    pub errors: Rc<RefCell<Vec<TfError>>>,
    /// Module directories on the way here (cycle guard); the first is the root's.
    path: Vec<PathBuf>,
    /// The evaluation budget of the root module, shared by its module instances.
    budget: Rc<Budget>,
    /// The root module's file holding the module call that led here.
    owner: Option<u32>,
    /// The block being evaluated (`resource aws_s3_bucket.b`), for budget errors.
    current: RefCell<Option<String>>,
}

/// The resolver for expressions of one file of an instance.
struct FileScope<'i, 'l> {
    inst: &'i Instance<'l>,
    file: u32,
}

impl<'l> Instance<'l> {
    /// A module instance.
    #[must_use]
    pub fn new(
        loader: &'l Loader,
        module: &'l ModuleSrc,
        prefix: String,
        inputs: BTreeMap<String, Node>,
        limits: Limits,
    ) -> Self {
        Self {
            loader,
            module,
            prefix,
            inputs,
            depth: 0,
            locals: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            children: RefCell::new(HashMap::new()),
            evaluated: RefCell::new(HashMap::new()),
            errors: Rc::new(RefCell::new(Vec::new())),
            path: vec![module.dir.clone()],
            budget: Rc::new(Budget::new(limits)),
            owner: None,
            current: RefCell::new(None),
        }
    }

    fn eval_in(&self, file: u32, expr: &Expression, env: &Env) -> Eval {
        let scope = FileScope { inst: self, file };
        Evaluator {
            resolve: &scope,
            budget: &self.budget,
        }
        .eval(expr, env)
    }

    /// [`Self::eval_in`] for the value a reference names (a local, an attribute, an output):
    /// one level deeper, refused past the reference depth.
    fn eval_nested(&self, file: u32, expr: &Expression, env: &Env) -> Eval {
        let at = expr.span().map(|span| Origin { file, span });
        self.budget.enter().map_err(|e| over_budget(e, at))?;
        let v = self.eval_in(file, expr, env);
        self.budget.leave();
        v
    }

    /// Record an error (deduplicated by the caller).
    fn record(&self, error: EvalError, file: u32) {
        self.errors.borrow_mut().push(TfError {
            error,
            file,
            owner: self.owner,
        });
    }

    /// Record a budget exceeded at `at`, naming the block being evaluated.
    fn over_budget(&self, message: String, at: Option<Origin>, file: u32) {
        let e = over_budget(Exceeded::Value(message), at);
        self.record(self.in_block(e), file);
    }

    /// A budget error's message names the block being evaluated.
    fn in_block(&self, mut e: EvalError) -> EvalError {
        if e.budget
            && let Some(block) = self.current.borrow().as_deref()
        {
            e.message = format!("{} (while evaluating {block})", e.message);
        }
        e
    }

    /// Evaluate, turning an error into an unknown (and recording it).
    fn eval_or_unknown(&self, file: u32, expr: &Expression, env: &Env) -> Node {
        match self.eval_in(file, expr, env) {
            Ok(n) => n,
            Err(e) => {
                // An invalid configuration is reported; a value that fails for these inputs
                // (a module's defaults that `terraform plan` would refuse) is only unknown.
                let reason = format!("cannot be evaluated: {}", e.message);
                let at = e.at.clone();
                // A budget exceeded is reported (once, when the evaluated bytes are spent).
                if e.invalid || (e.budget && !e.repeat) {
                    self.record(self.in_block(e), file);
                }
                Node::unknown(reason, at)
            }
        }
    }

    fn var(&self, name: &str, at: Option<Origin>) -> Eval {
        let Some(decl) = self.module.variables.get(name) else {
            return Err(invalid(
                format!("reference to undeclared input variable \"{name}\""),
                at,
            ));
        };
        let block = self.loader.block(*decl);
        let default = block.and_then(|b| b.body.get_attribute("default"));
        let nullable = block
            .and_then(|b| b.body.get_attribute("nullable"))
            .is_none_or(|a| !matches!(&a.value, Expression::Bool(b) if !*b.value()));
        let ty = block
            .and_then(|b| b.body.get_attribute("type"))
            .map(|a| &a.value);
        let convert = |v: Node| match ty {
            Some(t) => self.convert(decl.file, v, t),
            None => v,
        };
        if let Some(v) = self.inputs.get(name) {
            // A null input to a non-nullable variable takes the default.
            if !(matches!(v.val, Val::Null) && !nullable && default.is_some()) {
                // Set elsewhere (tfvars, --var, a module call): it passes the declaration.
                return Ok(convert(v.clone()).through(block.and_then(|b| header(b, decl.file))));
            }
        }
        match default {
            Some(a) => Ok(convert(self.eval_or_unknown(
                decl.file,
                &a.value,
                &Env::default(),
            ))),
            None => Ok(Node::unknown(
                format!(
                    "var.{name} has no value (no default, not set by tfvars, --var or the module call)"
                ),
                at,
            )),
        }
    }

    /// Convert a value to a variable's type constraint as Terraform does where it matters to
    /// evaluation: the attributes an `object` type declares `optional` are added (null, or their
    /// default) to the values that lack them, through `map`, `list`, `set` and nested objects;
    /// `bool` and `number` accept their string forms.
    fn convert(&self, file: u32, v: Node, ty: &Expression) -> Node {
        if matches!(v.val, Val::Null | Val::Unknown(_)) {
            return v;
        }
        match ty {
            Expression::Variable(name) => match (name.value().as_str(), &v.val) {
                ("bool", Val::Str(s)) if s == "true" || s == "false" => {
                    Node::new(Val::Bool(s == "true"), v.at)
                }
                ("string", Val::Num(_) | Val::Bool(_)) => Node::new(
                    Val::Str(super::value::as_string(&v.val).unwrap_or_default()),
                    v.at,
                ),
                ("number", Val::Str(s)) => match s.trim().parse::<f64>() {
                    Ok(n) => Node::new(Val::Num(n), v.at),
                    Err(_) => v,
                },
                _ => v,
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                let arg = call.args.iter().next();
                match (name, arg) {
                    ("optional", Some(inner)) => self.convert(file, v, inner),
                    ("list" | "set", Some(inner)) => match v.val {
                        Val::List(items) => Node::new(
                            Val::List(
                                items
                                    .into_iter()
                                    .map(|i| self.convert(file, i, inner))
                                    .collect(),
                            ),
                            v.at,
                        ),
                        other => Node::new(other, v.at),
                    },
                    ("map", Some(inner)) => match v.val {
                        Val::Map(m) => Node::new(
                            Val::Map(
                                m.into_iter()
                                    .map(|(k, x)| (k, self.convert(file, x, inner)))
                                    .collect(),
                            ),
                            v.at,
                        ),
                        other => Node::new(other, v.at),
                    },
                    ("object", Some(Expression::Object(fields))) => match v.val {
                        Val::Map(mut m) => {
                            for (key, field) in fields {
                                let key = match key {
                                    hcl_edit::expr::ObjectKey::Ident(i) => {
                                        i.value().as_str().to_owned()
                                    }
                                    hcl_edit::expr::ObjectKey::Expression(e) => match e {
                                        Expression::Variable(i) => i.value().as_str().to_owned(),
                                        Expression::String(s) => s.value().clone(),
                                        _ => continue,
                                    },
                                };
                                let fty = field.expr();
                                let value = match m.remove(&key) {
                                    Some(x) => self.convert(file, x, fty),
                                    None => match fty {
                                        Expression::FuncCall(c)
                                            if c.name.name.value().as_str() == "optional" =>
                                        {
                                            let default = c.args.iter().nth(1).map_or_else(
                                                || Node::new(Val::Null, None),
                                                |d| self.eval_or_unknown(file, d, &Env::default()),
                                            );
                                            match c.args.iter().next() {
                                                Some(inner) => self.convert(file, default, inner),
                                                None => default,
                                            }
                                        }
                                        _ => continue,
                                    },
                                };
                                m.insert(key, value);
                            }
                            Node::new(Val::Map(m), v.at)
                        }
                        other => Node::new(other, v.at),
                    },
                    _ => v,
                }
            }
            _ => v,
        }
    }

    fn local(&self, name: &str, at: Option<Origin>) -> Eval {
        if let Some(done) = self.locals.borrow().get(name) {
            return done.clone();
        }
        let Some(r) = self.module.locals.get(name) else {
            return Err(invalid(
                format!("reference to undeclared local value \"{name}\""),
                at,
            ));
        };
        if !self.busy.borrow_mut().insert(format!("local.{name}")) {
            return Err(invalid(format!("local.{name} refers to itself"), at));
        }
        let result = match self.loader.attr(r) {
            Some(a) => self
                .eval_nested(r.file, &a.value, &Env::default())
                .map(|v| v.through(a.span().map(|span| Origin { file: r.file, span }))),
            None => Ok(Node::unknown("local value not found", at)),
        };
        self.busy.borrow_mut().remove(&format!("local.{name}"));
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), result.clone());
        result
    }

    fn find_block(&self, kind: &str, labels: &[&str]) -> Option<BlockRef> {
        self.module.blocks.iter().copied().find(|r| {
            self.loader.block(*r).is_some_and(|b| {
                b.ident.value().as_str() == kind
                    && b.labels.len() == labels.len()
                    && b.labels.iter().zip(labels).all(|(l, x)| l.as_str() == *x)
            })
        })
    }

    /// `type.name.attr` of a resource or data source: the configured value, else unknown.
    fn block_attr(
        &self,
        kind: &str,
        labels: &[&str],
        ops: &[&TraversalOperator],
        at: Option<Origin>,
    ) -> Result<(Node, usize), EvalError> {
        let address = if kind == "data" {
            format!("data.{}", labels.join("."))
        } else {
            labels.join(".")
        };
        let Some(r) = self.find_block(kind, labels) else {
            return Err(invalid(
                format!("reference to undeclared {kind} {address}"),
                at,
            ));
        };
        let block = self.loader.block(r);
        let repeated = block.is_some_and(|b| {
            b.body.get_attribute("count").is_some() || b.body.get_attribute("for_each").is_some()
        });
        let mut used = 0;
        let mut splat = false;
        if repeated {
            match ops.first() {
                Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => used = 1,
                Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) => {
                    used = 1;
                    splat = true;
                }
                _ => {}
            }
        }
        let Some(TraversalOperator::GetAttr(attr)) = ops.get(used) else {
            return Ok((
                Node::unknown(
                    format!("{address} as a whole is known only after apply"),
                    at,
                ),
                used,
            ));
        };
        let attr = attr.value().as_str();
        used += 1;
        let key = format!("{address}.{attr}");
        let env = repeated_env();
        let done = self.evaluated.borrow().get(&key).cloned();
        let value = match (block.and_then(|b| b.body.get_attribute(attr)), done) {
            (Some(_), Some(done)) => done?,
            (Some(a), None) => {
                if !self.busy.borrow_mut().insert(key.clone()) {
                    return Err(invalid(format!("{key} refers to itself"), at));
                }
                let v = self.eval_nested(r.file, &a.value, &env);
                self.busy.borrow_mut().remove(&key);
                self.evaluated.borrow_mut().insert(key, v.clone());
                v?
            }
            (None, _) => {
                let what = if kind == "data" {
                    "is read when Terraform plans"
                } else {
                    "is known only after apply"
                };
                // A managed resource's attribute is set once applied; a data source's may
                // be null.
                let reason = format!("{key} {what}");
                if kind == "data" {
                    Node::unknown(reason, at.clone())
                } else {
                    Node::unknown(Reason::set(reason), at.clone())
                }
            }
        };
        let value = if splat {
            Node::new(Val::List(vec![value]), at)
        } else {
            value
        };
        Ok((value, used))
    }

    /// The child instance of a `module` block, if its source is followed.
    fn child(&self, name: &str) -> Option<Rc<Instance<'l>>> {
        if let Some(c) = self.children.borrow().get(name) {
            return c.clone();
        }
        let child = self.find_block("module", &[name]).and_then(|r| {
            let block = self.loader.block(r)?;
            let env = repeated_env();
            self.instantiate_child(r, block, &format!("{}module.{name}.", self.prefix), &env)
        });
        let child = child.map(Rc::new);
        self.children
            .borrow_mut()
            .insert(name.to_owned(), child.clone());
        child
    }

    fn instantiate_child(
        &self,
        r: BlockRef,
        block: &Block,
        prefix: &str,
        env: &Env,
    ) -> Option<Instance<'l>> {
        let dir = self.loader.local_source(&self.module.dir, block)?;
        let source_at = block
            .body
            .get_attribute("source")
            .and_then(|a| a.span())
            .map(|span| Origin { file: r.file, span });
        let shown = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        };
        let module = self
            .loader
            .modules
            .get(&dir)
            .filter(|m| !m.files.is_empty());
        let Some(module) = module else {
            let why = if !dir.exists() {
                "does not exist"
            } else if !dir.is_dir() {
                "is not a directory"
            } else {
                "holds no .tf files"
            };
            self.record(
                invalid(
                    format!(
                        "the local module {} {why}: module \"{}\" is not followed",
                        shown.display(),
                        block.labels.first().map_or("", |l| l.as_str())
                    ),
                    source_at,
                ),
                r.file,
            );
            return None;
        };
        if self.path.contains(&dir) {
            self.record(
                invalid(
                    format!(
                        "module call cycle: {} is already being evaluated on the way here; not followed",
                        shown.display()
                    ),
                    source_at,
                ),
                r.file,
            );
            return None;
        }
        let header = header(block, r.file);
        if self.depth >= self.budget.limits.module_depth {
            self.over_budget(
                format!(
                    "evaluation budget exceeded: module calls nested more than {} deep (limit: module depth); not followed",
                    self.budget.limits.module_depth
                ),
                header,
                r.file,
            );
            return None;
        }
        if let Err(message) = self.budget.module_instance() {
            if let Some(message) = message {
                self.over_budget(message, header, r.file);
            }
            return None;
        }
        let mut inputs = BTreeMap::new();
        for a in block.body.attributes() {
            let key = a.key.value().as_str();
            if matches!(
                key,
                "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
            ) {
                continue;
            }
            let mut v = self.eval_or_unknown(r.file, &a.value, env);
            if v.at.is_none() || same_span(v.at.as_ref(), a.value.span(), r.file) {
                v.at = a.span().map(|span| Origin { file: r.file, span });
            }
            let v = v.through(a.span().map(|span| Origin { file: r.file, span }));
            inputs.insert(key.to_owned(), v);
        }
        let mut path = self.path.clone();
        path.push(dir);
        Some(Instance {
            loader: self.loader,
            module,
            prefix: prefix.to_owned(),
            inputs,
            depth: self.depth + 1,
            locals: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            children: RefCell::new(HashMap::new()),
            evaluated: RefCell::new(HashMap::new()),
            errors: Rc::clone(&self.errors),
            path,
            budget: Rc::clone(&self.budget),
            owner: self.owner.or(Some(r.file)),
            current: RefCell::new(None),
        })
    }

    fn module_output(
        &self,
        name: &str,
        ops: &[&TraversalOperator],
        at: Option<Origin>,
    ) -> Result<(Node, usize), EvalError> {
        let Some(r) = self.find_block("module", &[name]) else {
            return Err(invalid(
                format!("reference to undeclared module \"{name}\""),
                at,
            ));
        };
        let repeated = self.loader.block(r).is_some_and(|b| {
            b.body.get_attribute("count").is_some() || b.body.get_attribute("for_each").is_some()
        });
        let mut used = 0;
        if repeated
            && matches!(
                ops.first(),
                Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
            )
        {
            used = 1;
        }
        let Some(TraversalOperator::GetAttr(output)) = ops.get(used) else {
            return Ok((
                Node::unknown(format!("module.{name} as a whole is not evaluated"), at),
                used,
            ));
        };
        let output = output.value().as_str();
        used += 1;
        let Some(child) = self.child(name) else {
            return Ok((
                Node::unknown(
                    format!(
                        "module.{name}.{output} comes from a module stiglint does not follow (not a local path)"
                    ),
                    at,
                ),
                used,
            ));
        };
        let Some(decl) = child.module.outputs.get(output) else {
            return Err(invalid(
                format!("module.{name} has no output \"{output}\""),
                at,
            ));
        };
        let key = format!("output.{output}");
        if let Some(done) = child.evaluated.borrow().get(&key) {
            return Ok((done.clone()?, used));
        }
        let value = match child
            .loader
            .block(*decl)
            .and_then(|b| b.body.get_attribute("value"))
        {
            Some(a) => child.eval_or_unknown(decl.file, &a.value, &Env::default()),
            None => Node::unknown(format!("module.{name}.{output} has no value"), at),
        };
        child.evaluated.borrow_mut().insert(key, Ok(value.clone()));
        Ok((value, used))
    }

    /// Every document of this instance (and of the local modules it calls).
    pub fn documents(&self, owner: Option<(u32, BlockRef)>, out: &mut Vec<TfDoc>) {
        for r in &self.module.blocks {
            let Some(block) = self.loader.block(*r) else {
                continue;
            };
            let kind = block.ident.value().as_str().to_owned();
            let labels: Vec<String> = block.labels.iter().map(|l| l.as_str().to_owned()).collect();
            let base = match kind.as_str() {
                "data" => format!("{}data.{}", self.prefix, labels.join(".")),
                "module" => format!("{}module.{}", self.prefix, labels.join(".")),
                _ => format!("{}{}", self.prefix, labels.join(".")),
            };
            let via = owner.map(|(_, call)| call);
            let owner_file = owner.map_or(r.file, |(f, _)| f);
            *self.current.borrow_mut() = Some(format!("{kind} {}", labels.join(".")));
            for (suffix, env, mut skipped) in self.instances(r.file, block) {
                let address = format!("{base}{suffix}");
                let mut value = skipped
                    .is_none()
                    .then(|| self.block_value(r.file, block, &env));
                // The document as a whole is one value: within the per-value limits.
                if let Some(v) = &value
                    && let Err(Exceeded::Value(message)) = self.budget.measure(v)
                {
                    self.over_budget(
                        format!("{message}: the block's evaluated arguments"),
                        header(block, r.file),
                        r.file,
                    );
                    value = None;
                    skipped = Some("not judged: its evaluated arguments are over the evaluation budget (see the error)".to_owned());
                }
                out.push(TfDoc {
                    owner: owner_file,
                    via,
                    block: *r,
                    kind: kind.clone(),
                    labels: labels.clone(),
                    address: address.clone(),
                    value,
                    skipped: skipped.clone(),
                });
                if kind == "module" && skipped.is_none() {
                    let prefix = format!("{address}.");
                    if let Some(child) = self.instantiate_child(*r, block, &prefix, &env) {
                        child.documents(Some(owner.unwrap_or((r.file, *r))), out);
                    }
                }
            }
            *self.current.borrow_mut() = None;
        }
    }

    /// The instances a block makes: (address suffix, scope, why none when count is 0).
    fn instances(&self, file: u32, block: &Block) -> Vec<(String, Env, Option<String>)> {
        if let Some(count) = block.body.get_attribute("count") {
            let n = self.eval_or_unknown(file, &count.value, &Env::default());
            return match n.val {
                Val::Num(x) if x <= 0.0 => vec![(
                    String::new(),
                    Env::default(),
                    Some("count = 0: creates nothing".to_owned()),
                )],
                Val::Num(x) if (x - 1.0).abs() < f64::EPSILON => vec![(
                    "[0]".to_owned(),
                    Env::default().with("count", map_node(&[("index", Val::Num(0.0))])),
                    None,
                )],
                Val::Num(x) => vec![(
                    String::new(),
                    Env::default().with(
                        "count",
                        map_node(&[(
                            "index",
                            Val::Unknown(format!("count.index: one of {x} instances").into()),
                        )]),
                    ),
                    None,
                )],
                _ => vec![(String::new(), repeated_env(), None)],
            };
        }
        if let Some(each) = block.body.get_attribute("for_each") {
            if let Some(ty) = self.list_typed(&each.value, 0) {
                // Terraform refuses it at plan: judging it would judge what cannot apply.
                self.record(
                    invalid(
                        format!(
                            "Invalid for_each argument: the given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {ty}"
                        ),
                        each.value.span().map(|span| Origin { file, span }),
                    ),
                    file,
                );
                return vec![(
                    String::new(),
                    Env::default(),
                    Some("not judged: its for_each is invalid (see the error)".to_owned()),
                )];
            }
            let v = self.eval_or_unknown(file, &each.value, &Env::default());
            let pairs: Vec<(String, Node)> = match v.val {
                Val::Map(m) => m.into_iter().collect(),
                Val::List(items) => items
                    .into_iter()
                    .filter_map(|i| super::value::as_string(&i.val).map(|k| (k, i)))
                    .collect(),
                _ => return vec![(String::new(), repeated_env(), None)],
            };
            let max = self.budget.limits.block_instances;
            if pairs.len() > max {
                self.over_budget(
                    format!(
                        "evaluation budget exceeded: for_each makes {} instances, more than {max} (limit: instances per block); the block is judged once with each.key and each.value unknown",
                        pairs.len()
                    ),
                    each.span().map(|span| Origin { file, span }),
                    file,
                );
                return vec![(String::new(), repeated_env(), None)];
            }
            if pairs.is_empty() {
                return vec![(
                    String::new(),
                    Env::default(),
                    Some("for_each is empty: creates nothing".to_owned()),
                )];
            }
            return pairs
                .into_iter()
                .map(|(k, v)| {
                    let each = Node::new(
                        Val::Map(BTreeMap::from([
                            ("key".to_owned(), Node::new(Val::Str(k.clone()), None)),
                            ("value".to_owned(), v),
                        ])),
                        None,
                    );
                    (format!("[{k:?}]"), Env::default().with("each", each), None)
                })
                .collect();
        }
        vec![(String::new(), Env::default(), None)]
    }

    /// The type of a `for_each` expression that is a list or tuple by its form, which
    /// Terraform refuses: a `[...]` literal, a `[for ...]` expression, a function that returns
    /// a list, a variable declared `list(...)` / `tuple(...)` (or untyped, with a list as its
    /// value), a local or a conditional whose expressions are such. `toset(...)`, sets and
    /// maps pass; anything not known by its form (a resource's attribute) is not judged here.
    fn list_typed(&self, expr: &Expression, depth: usize) -> Option<&'static str> {
        // Locals naming locals: a chain this long is not followed (its type stays unknown).
        if depth > 32 {
            return None;
        }
        const LIST_FUNCTIONS: [&str; 15] = [
            "concat",
            "split",
            "keys",
            "values",
            "compact",
            "flatten",
            "distinct",
            "sort",
            "tolist",
            "range",
            "reverse",
            "slice",
            "chunklist",
            "formatlist",
            "matchkeys",
        ];
        match expr {
            Expression::Array(_) => Some("tuple"),
            Expression::ForExpr(f) if f.key_expr.is_none() => Some("tuple"),
            Expression::Parenthesis(p) => self.list_typed(p.inner(), depth + 1),
            Expression::FuncCall(call)
                if call.name.namespace.is_empty()
                    && LIST_FUNCTIONS.contains(&call.name.name.value().as_str()) =>
            {
                Some("list")
            }
            Expression::Conditional(c) => {
                let a = self.list_typed(&c.true_expr, depth + 1)?;
                self.list_typed(&c.false_expr, depth + 1).map(|_| a)
            }
            Expression::Traversal(t) => {
                let Expression::Variable(v) = &t.expr else {
                    return None;
                };
                let [op] = t.operators.as_slice() else {
                    return None;
                };
                let TraversalOperator::GetAttr(name) = op.value() else {
                    return None;
                };
                let name = name.value().as_str();
                match v.value().as_str() {
                    "var" => {
                        let decl = self.module.variables.get(name)?;
                        let declared = self.loader.block(*decl)?.body.get_attribute("type");
                        let text = declared
                            .and_then(|ty| {
                                let span = ty.value.span()?;
                                self.loader.files[decl.file as usize].source.text.get(span)
                            })
                            .map_or("any", str::trim_start);
                        if text.starts_with("list") {
                            Some("list")
                        } else if text.starts_with("tuple") {
                            Some("tuple")
                        } else if text.starts_with("any") {
                            // Untyped: the value keeps its own type, and a list written in
                            // HCL (a default, a tfvars value) is a tuple.
                            match self.var(name, None) {
                                Ok(Node {
                                    val: Val::List(_), ..
                                }) => Some("tuple"),
                                _ => None,
                            }
                        } else {
                            None
                        }
                    }
                    "local" => {
                        let r = self.module.locals.get(name)?;
                        let a = self.loader.attr(r)?;
                        self.list_typed(&a.value, depth + 1)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A block body's arguments and nested blocks as a value.
    fn block_value(&self, file: u32, block: &Block, env: &Env) -> Node {
        let mut map = BTreeMap::new();
        for s in block.body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.value().as_str();
                    if matches!(
                        key,
                        "count" | "for_each" | "depends_on" | "provider" | "providers"
                    ) {
                        continue;
                    }
                    let mut v = self.eval_or_unknown(file, &a.value, env);
                    if v.at.is_none() || same_span(v.at.as_ref(), a.value.span(), file) {
                        v.at = a.span().map(|span| Origin { file, span });
                    }
                    v.used = a.span().map(|span| Origin { file, span });
                    map.insert(key.to_owned(), v);
                }
                Structure::Block(b) => {
                    let ident = b.ident.value().as_str();
                    if matches!(ident, "lifecycle" | "provisioner" | "connection") {
                        continue;
                    }
                    if ident == "dynamic" {
                        let Some(name) = b.labels.first().map(|l| l.as_str().to_owned()) else {
                            continue;
                        };
                        let items = self.dynamic(file, b, &name, env);
                        append(
                            &mut map,
                            name,
                            items,
                            b.span().map(|span| Origin { file, span }),
                        );
                        continue;
                    }
                    let v = self.block_value(file, b, env);
                    append(
                        &mut map,
                        ident.to_owned(),
                        Ok(vec![v]),
                        b.span().map(|span| Origin { file, span }),
                    );
                }
            }
        }
        Node::new(Val::Map(map), header(block, file))
    }

    /// The blocks a `dynamic` block makes, or an unknown.
    fn dynamic(&self, file: u32, b: &Block, name: &str, env: &Env) -> Result<Vec<Node>, Node> {
        let at = b.span().map(|span| Origin { file, span });
        let Some(each) = b.body.get_attribute("for_each") else {
            return Ok(Vec::new());
        };
        let iterator = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                Expression::Variable(v) => Some(v.value().as_str().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| name.to_owned());
        let Some(content) = b.body.get_blocks("content").next() else {
            return Ok(Vec::new());
        };
        let coll = self.eval_or_unknown(file, &each.value, env);
        let pairs = match super::eval::elements(coll.val) {
            Ok(pairs) if pairs.len() > self.budget.limits.block_instances => {
                let message = format!(
                    "evaluation budget exceeded: dynamic \"{name}\" makes {} blocks, more than {} (limit: instances per block)",
                    pairs.len(),
                    self.budget.limits.block_instances
                );
                self.over_budget(message.clone(), at.clone(), file);
                return Err(Node::unknown(message, at));
            }
            Ok(pairs) => pairs,
            Err(Val::Unknown(r)) => return Err(Node::unknown(r, at)),
            Err(Val::Null) => Vec::new(),
            Err(_) => {
                return Err(Node::unknown(
                    format!("dynamic \"{name}\": for_each is not a collection"),
                    at,
                ));
            }
        };
        Ok(pairs
            .into_iter()
            .map(|(k, v)| {
                let it = Node::new(
                    Val::Map(BTreeMap::from([
                        ("key".to_owned(), k),
                        ("value".to_owned(), v),
                    ])),
                    None,
                );
                let mut node = self.block_value(file, content, &env.with(&iterator, it));
                node.at.clone_from(&at);
                node
            })
            .collect())
    }
}

/// Add nested blocks under their type (a list; an unknown replaces it).
fn append(
    map: &mut BTreeMap<String, Node>,
    key: String,
    items: Result<Vec<Node>, Node>,
    at: Option<Origin>,
) {
    match items {
        Err(unknown) => {
            map.insert(key, unknown);
        }
        Ok(items) => {
            let entry = map
                .entry(key)
                .or_insert_with(|| Node::new(Val::List(Vec::new()), at));
            if let Val::List(list) = &mut entry.val {
                list.extend(items);
            }
        }
    }
}

/// The origin of a block's header (its identifier and labels).
fn header(block: &Block, file: u32) -> Option<Origin> {
    block.span().map(|span| Origin { file, span })
}

fn same_span(at: Option<&Origin>, span: Option<std::ops::Range<usize>>, file: u32) -> bool {
    match (at, span) {
        (Some(o), Some(s)) => o.file == file && o.span == s,
        _ => false,
    }
}

fn map_node(entries: &[(&str, Val)]) -> Node {
    Node::new(
        Val::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Node::new(v.clone(), None)))
                .collect(),
        ),
        None,
    )
}

/// `count` and `each` of a block whose repetition is not known, or when another block refers
/// to one of its instances.
fn repeated_env() -> Env {
    let unknown = |what: &str| {
        Val::Unknown(format!("{what} is not known: the repetition is not known statically").into())
    };
    Env::default()
        .with("count", map_node(&[("index", unknown("count.index"))]))
        .with(
            "each",
            map_node(&[
                ("key", unknown("each.key")),
                ("value", unknown("each.value")),
            ]),
        )
}

impl Resolve for FileScope<'_, '_> {
    fn file(&self) -> u32 {
        self.file
    }

    fn reference(
        &self,
        root: &str,
        ops: &[&TraversalOperator],
        _env: &Env,
        at: Option<Origin>,
    ) -> Result<(Node, usize), EvalError> {
        let inst = self.inst;
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
            _ => None,
        };
        match root {
            "var" => {
                let name =
                    attr(0).ok_or_else(|| invalid("var must be followed by a name", at.clone()))?;
                Ok((inst.var(name, at)?, 1))
            }
            "local" => {
                let name = attr(0)
                    .ok_or_else(|| invalid("local must be followed by a name", at.clone()))?;
                Ok((inst.local(name, at)?, 1))
            }
            "module" => {
                let name = attr(0)
                    .ok_or_else(|| invalid("module must be followed by a name", at.clone()))?;
                let (v, used) = inst.module_output(name, &ops[1..], at)?;
                Ok((v, used + 1))
            }
            "data" => {
                let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                    return Err(invalid("data must be followed by a type and a name", at));
                };
                let (v, used) = inst.block_attr("data", &[t, n], &ops[2..], at)?;
                Ok((v, used + 2))
            }
            "path" => {
                let what = attr(0).unwrap_or("");
                // Terraform's `.` for the current directory.
                let shown = |p: &Path| {
                    if p.as_os_str().is_empty() {
                        ".".to_owned()
                    } else {
                        p.display().to_string()
                    }
                };
                let dir = shown(&inst.module.dir);
                let root = inst.path.first().map_or_else(|| dir.clone(), |p| shown(p));
                let v = match what {
                    "module" => dir,
                    // Terraform runs in the root module's directory.
                    "root" | "cwd" => root,
                    other => return Err(invalid(format!("unknown path.{other}"), at)),
                };
                Ok((Node::new(Val::Str(v), at), 1))
            }
            "terraform" => Ok((Node::new(Val::Str("default".to_owned()), at), 1)),
            "count" | "each" | "self" => Ok((
                Node::unknown(format!("{root} is not available here"), at),
                0,
            )),
            resource_type => {
                let Some(name) = attr(0) else {
                    return Err(invalid(
                        format!(
                            "unknown reference \"{resource_type}\" (Terraform has no such variable)"
                        ),
                        at,
                    ));
                };
                let (v, used) =
                    inst.block_attr("resource", &[resource_type, name], &ops[1..], at)?;
                Ok((v, used + 1))
            }
        }
    }
}

/// Terraform's error for a second block with the same address (`configs` package,
/// `checkResourceNames` / module call checks).
fn duplicate_message(kind: &str, labels: &[&str], first: &str) -> String {
    match (kind, labels) {
        ("module", [name, ..]) => format!(
            "Duplicate module call: a module call named \"{name}\" was already defined at {first}. Module calls must have unique names within a module."
        ),
        ("data", [ty, name, ..]) => format!(
            "Duplicate data \"{ty}\" configuration: a {ty} data resource named \"{name}\" was already declared at {first}. Resource names must be unique per type in each module."
        ),
        (_, [ty, name, ..]) => format!(
            "Duplicate resource \"{ty}\" configuration: a {ty} resource named \"{name}\" was already declared at {first}. Resource names must be unique per type in each module."
        ),
        _ => format!("Duplicate {kind} block: already declared at {first}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical_and_keeps_leading_parents() {
        let n = |p: &str| normalize(Path::new(p));
        // The bug: `..` popped the `..` it had just pushed.
        assert_eq!(n("../../modules/eks"), PathBuf::from("../../modules/eks"));
        assert_eq!(n("./../../a/./b/../c"), PathBuf::from("../../a/c"));
        assert_eq!(
            n("infra/live/prod/../../modules/eks"),
            PathBuf::from("infra/modules/eks")
        );
        assert_eq!(n("a/.."), PathBuf::new());
        assert_eq!(n("a/../.."), PathBuf::from(".."));
        assert_eq!(n("/a/../../b"), PathBuf::from("/b"));
        assert_eq!(n("/.."), PathBuf::from("/"));
    }

    #[test]
    fn local_module_sources_resolve_as_terraform_resolves_them() {
        let from = Path::new("");
        let l = |from: &Path, s: &str| local_path(from, s);
        assert_eq!(
            l(from, "../../modules/eks"),
            Some(PathBuf::from("../../modules/eks"))
        );
        assert_eq!(
            l(Path::new("infra/live/prod"), "../../modules/eks"),
            Some(PathBuf::from("infra/modules/eks"))
        );
        assert_eq!(l(from, "./m"), Some(PathBuf::from("m")));
        assert_eq!(l(Path::new("x"), "./"), Some(PathBuf::from("x")));
        assert_eq!(
            l(Path::new("a/b"), "..\\c\\d"),
            Some(PathBuf::from("a/c/d"))
        );
        assert_eq!(
            l(Path::new("a"), "/opt/m/../n"),
            Some(PathBuf::from("/opt/n"))
        );
        // Registry, git and URL sources are not paths here.
        assert_eq!(l(from, "terraform-aws-modules/eks/aws"), None);
        assert_eq!(l(from, "git::https://example.com/m.git"), None);
        assert_eq!(l(from, "modules/eks"), None);
    }
}
