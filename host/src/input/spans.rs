//! JSON pointer → source range index of one parsed document.
//!
//! The index is a tree kept in one vector in document order (a node's children come after it),
//! with map keys in one string arena: building it costs a push per node, no allocation per
//! node and no hashing. Looking a pointer up walks it token by token; findings are few, nodes
//! are many, so that is the right way round.

use crate::source::Range;

/// A node's key in its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Key {
    /// The root.
    Root,
    /// An index into a sequence.
    Index(u32),
    /// A map key: a slice of the key arena.
    Name { start: u32, len: u32 },
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Node {
    parent: u32,
    key: Key,
    range: Range,
    /// 0: the document's own file; `n`: `files[n - 1]` (a Terraform value that comes from
    /// another file of the module, or from the module call that set it).
    file: u32,
}

/// Where each JSON pointer of a document is in its source.
///
/// The range recorded for a node is the one a finding about it should underline:
/// * a scalar under a key: the whole `key: value` entry;
/// * a collection under a key: the key (`securityContext`);
/// * a scalar in a sequence: the scalar;
/// * a mapping in a sequence (a container): its `name` entry, else its first entry;
/// * the document root: its `kind` entry, else its first entry.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct SpanIndex {
    nodes: Vec<Node>,
    keys: String,
    files: Vec<std::sync::Arc<str>>,
}

/// Handle of a node.
pub type NodeId = u32;

impl SpanIndex {
    /// Add the root node.
    pub fn root(&mut self, range: Range) -> NodeId {
        self.push(u32::MAX, Key::Root, range)
    }

    /// Add a sequence item of `parent`.
    pub fn item(&mut self, parent: NodeId, index: usize, range: Range) -> NodeId {
        self.push(parent, Key::Index(index as u32), range)
    }

    /// Add a map entry of `parent`.
    pub fn entry(&mut self, parent: NodeId, key: &str, range: Range) -> NodeId {
        let start = self.keys.len() as u32;
        self.keys.push_str(key);
        self.push(
            parent,
            Key::Name {
                start,
                len: key.len() as u32,
            },
            range,
        )
    }

    /// Set a node's range once it is known (a collection's range is known at its end).
    pub fn set_range(&mut self, node: NodeId, range: Range) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.range = range;
        }
    }

    fn push(&mut self, parent: u32, key: Key, range: Range) -> NodeId {
        self.nodes.push(Node {
            parent,
            key,
            range,
            file: 0,
        });
        (self.nodes.len() - 1) as u32
    }

    /// Say that a node's range is in another file than the document's.
    pub fn set_file(&mut self, node: NodeId, name: &std::sync::Arc<str>) {
        let index = match self.files.iter().position(|f| f == name) {
            Some(i) => i,
            None => {
                self.files.push(std::sync::Arc::clone(name));
                self.files.len() - 1
            }
        };
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.file = index as u32 + 1;
        }
    }

    /// The same index with every range of the document's own file said to be in `name`
    /// (an index made for one file, used for a document of another).
    #[must_use]
    pub fn in_file(mut self, name: &std::sync::Arc<str>) -> Self {
        let index = match self.files.iter().position(|f| f == name) {
            Some(i) => i,
            None => {
                self.files.push(std::sync::Arc::clone(name));
                self.files.len() - 1
            }
        } as u32
            + 1;
        for n in &mut self.nodes {
            if n.file == 0 {
                n.file = index;
            }
        }
        self
    }

    /// Like [`SpanIndex::resolve`], and the file the range is in when it is not the
    /// document's own.
    #[must_use]
    pub fn resolve_in(&self, pointer: &str) -> Option<(Range, bool, Option<&std::sync::Arc<str>>)> {
        let (node, exact) = self.find(pointer)?;
        let n = &self.nodes[node as usize];
        let file = n
            .file
            .checked_sub(1)
            .and_then(|i| self.files.get(i as usize));
        Some((n.range, exact, file))
    }

    fn key_matches(&self, key: Key, token: &str) -> bool {
        match key {
            Key::Root => false,
            Key::Index(i) => token.parse::<u32>().is_ok_and(|t| t == i),
            Key::Name { start, len } => &self.keys[start as usize..(start + len) as usize] == token,
        }
    }

    /// The child of `parent` under `token` (the last one, as with duplicate keys the last
    /// value wins).
    fn child(&self, parent: NodeId, token: &str) -> Option<NodeId> {
        let after = parent as usize + 1;
        self.nodes
            .get(after..)?
            .iter()
            .rposition(|n| n.parent == parent && self.key_matches(n.key, token))
            .map(|i| (after + i) as u32)
    }

    /// The range of a pointer, if recorded.
    #[must_use]
    pub fn get(&self, pointer: &str) -> Option<Range> {
        self.resolve(pointer)
            .filter(|(_, exact)| *exact)
            .map(|(r, _)| r)
    }

    /// The range of a pointer, or of its nearest recorded ancestor (a finding about a missing
    /// field lands on the object that lacks it). The flag says whether the pointer itself was
    /// found.
    #[must_use]
    pub fn resolve(&self, pointer: &str) -> Option<(Range, bool)> {
        self.find(pointer)
            .map(|(node, exact)| (self.nodes[node as usize].range, exact))
    }

    fn find(&self, pointer: &str) -> Option<(NodeId, bool)> {
        let mut node = if self.nodes.is_empty() {
            return None;
        } else {
            0
        };
        if !pointer.is_empty() {
            for raw in pointer.strip_prefix('/').unwrap_or(pointer).split('/') {
                let token = if raw.contains('~') {
                    std::borrow::Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
                } else {
                    std::borrow::Cow::Borrowed(raw)
                };
                match self.child(node, &token) {
                    Some(c) => node = c,
                    None => return Some((node, false)),
                }
            }
        }
        Some((node, true))
    }

    /// The same index for text that starts at `at` in a larger file (a piece read out of a
    /// stream): every range moves down `at.line - 1` lines and by `at.offset` bytes, and
    /// those on the piece's first line right by `at.column - 1` columns.
    #[must_use]
    pub fn shifted(mut self, at: crate::source::Position) -> Self {
        let shift = |p: &mut crate::source::Position| {
            if p.line <= 1 {
                p.column += at.column.saturating_sub(1);
            }
            p.line += at.line.saturating_sub(1);
            p.offset = p.offset.saturating_add(at.offset);
        };
        for n in &mut self.nodes {
            shift(&mut n.range.start);
            shift(&mut n.range.end);
        }
        self
    }

    /// The same index nested under a path (`["resource_changes", "3"]`: numeric tokens are
    /// sequence items), the path's nodes all ranged as the old root.
    #[must_use]
    pub fn under(self, path: &[&str]) -> Self {
        if path.is_empty() || self.nodes.is_empty() {
            return self;
        }
        let range = self.nodes[0].range;
        let mut out = SpanIndex {
            nodes: Vec::with_capacity(self.nodes.len() + path.len()),
            keys: String::new(),
            files: self.files,
        };
        let mut parent = out.root(range);
        for token in &path[..path.len() - 1] {
            parent = match token.parse::<usize>() {
                Ok(i) => out.item(parent, i, range),
                Err(_) => out.entry(parent, token, range),
            };
        }
        let last = path[path.len() - 1];
        let base = out.nodes.len() as u32;
        let key_base = {
            let key = match last.parse::<u32>() {
                Ok(i) => Key::Index(i),
                Err(_) => {
                    let start = out.keys.len() as u32;
                    out.keys.push_str(last);
                    Key::Name {
                        start,
                        len: last.len() as u32,
                    }
                }
            };
            out.nodes.push(Node {
                parent,
                key,
                range,
                file: self.nodes[0].file,
            });
            out.keys.len() as u32
        };
        out.keys.push_str(&self.keys);
        for n in self.nodes.into_iter().skip(1) {
            out.nodes.push(Node {
                // Old node `i` is now `base + i` (the old root is the path's last node).
                parent: n.parent + base,
                key: match n.key {
                    Key::Name { start, len } => Key::Name {
                        start: start + key_base,
                        len,
                    },
                    other => other,
                },
                range: n.range,
                file: n.file,
            });
        }
        out
    }

    /// Number of recorded nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Position;

    fn r(line: u32) -> Range {
        let p = Position {
            line,
            column: 1,
            offset: 0,
        };
        Range::new(p, p)
    }

    #[test]
    fn walks_pointers_and_falls_back_to_ancestors() {
        let mut s = SpanIndex::default();
        let root = s.root(r(1));
        let spec = s.entry(root, "spec", r(2));
        let list = s.entry(spec, "containers", r(3));
        let c0 = s.item(list, 0, r(4));
        s.entry(c0, "name", r(4));
        s.entry(c0, "a/b~c", r(5));
        s.entry(root, "kind", r(9));
        assert_eq!(s.get("/spec/containers/0/name"), Some(r(4)));
        assert_eq!(s.get("/spec/containers/0/a~1b~0c"), Some(r(5)));
        assert_eq!(s.get("/kind"), Some(r(9)));
        assert_eq!(s.get(""), Some(r(1)));
        assert_eq!(
            s.resolve("/spec/containers/0/securityContext/x"),
            Some((r(4), false))
        );
        assert_eq!(s.resolve("/spec/containers/7"), Some((r(3), false)));
        assert_eq!(s.get("/spec/containers/x"), None);
    }

    #[test]
    fn nested_and_shifted() {
        let mut s = SpanIndex::default();
        let root = s.root(r(1));
        let a = s.entry(root, "after", r(2));
        s.entry(a, "x", r(3));
        let s = s
            .shifted(Position {
                line: 10,
                column: 5,
                offset: 100,
            })
            .under(&["resource_changes", "3"]);
        assert_eq!(
            s.get("/resource_changes/3/after/x").map(|r| r.start.line),
            Some(12)
        );
        let first = s.get("/resource_changes/3").expect("root");
        assert_eq!(
            (first.start.line, first.start.column, first.start.offset),
            (10, 5, 100)
        );
        assert_eq!(s.get("/resource_changes").map(|r| r.start.line), Some(10));
        assert_eq!(
            s.resolve("/resource_changes/3/after/y")
                .map(|(r, e)| (r.start.line, e)),
            Some((11, false))
        );
    }
}
