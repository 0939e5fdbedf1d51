//! The one policy for every file stiglint reads as input: manifests, `.tf` files, variable
//! files, the files of local modules, the `.tf` sources of a plan, standard input.
//!
//! * A symbolic link is followed when its target is a regular file or a directory inside the
//!   repository being scanned: the enclosing git work tree (the nearest directory above with
//!   a `.git`), else the scan root (the directory named on the command line, or the directory
//!   of a file named there). Any other link is *skipped*, with its reason ("symlink leaves the
//!   repository"), and so is anything under `/proc`, `/sys` or `/dev` ("not a regular file").
//!   A pull request cannot make stiglint read (and print in a code frame) a file outside the
//!   repository.
//! * What is not a regular file (a FIFO, a socket, a device) is refused without being opened
//!   for a blocking read: an error naming the file.
//! * Every file (and standard input) is read with a bound, [`Policy::max_file_size`]
//!   (`--max-file-size`, `max-file-size` in `stiglint.toml`, default [`DEFAULT_MAX_FILE_SIZE`]).

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The default per-file input size cap: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// Why a path is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Listed as skipped with this reason (`--fail-on-skip` and `--strict` fail on it).
    Skipped(String),
    /// An error with this message (the run exits 2).
    Failed(String),
}

/// What a path is once the policy allows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (perhaps through a link).
    File,
    /// A directory (perhaps through a link).
    Dir,
}

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The system said no.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// A FIFO, socket or device.
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    /// Larger than the cap.
    #[error(
        "larger than the input size cap of {limit} bytes ({size}); raise it with \
         --max-file-size or max-file-size in stiglint.toml"
    )]
    TooLarge {
        /// Its size (or "more than the cap" when read from a stream).
        size: String,
        /// The cap.
        limit: u64,
    },
    /// Not UTF-8.
    #[error("not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
}

/// A directory in its two forms: as written (absolute, lexically normalised) and canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Root {
    lexical: PathBuf,
    canonical: PathBuf,
}

/// The input policy of a scan.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The scan roots (the directories named on the command line, the directories of files
    /// named there): where a link may lead when there is no git work tree.
    roots: Vec<Root>,
    /// Per-file input size cap in bytes.
    pub max_file_size: u64,
    /// YAML alias expansion spent in the scan so far (its clones share it).
    pub aliases: Arc<std::sync::atomic::AtomicUsize>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            roots: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            aliases: Arc::default(),
        }
    }
}

/// Absolute and lexically normalised (`..` pops, `.` goes), without touching the file system.
#[must_use]
pub fn lexical(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Under `/proc`, `/sys` or `/dev`: pseudo files that stat as regular files (or are devices).
fn special(path: &Path) -> Option<&'static str> {
    ["/proc", "/sys", "/dev"]
        .into_iter()
        .find(|p| path.starts_with(p))
}

fn kind_name(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = t;
    "not a file or directory"
}

/// The nearest directory at or above `dir` (lexical) holding a `.git`.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

impl Policy {
    /// The same policy with the scan's alias budget afresh (for another scan).
    #[must_use]
    pub fn for_scan(&self) -> Self {
        Self {
            aliases: Arc::default(),
            ..self.clone()
        }
    }

    /// The policy of a scan of `paths` (`-` is standard input) with a size cap.
    #[must_use]
    pub fn new(paths: &[PathBuf], max_file_size: u64) -> Self {
        let mut roots = Vec::new();
        for p in paths.iter().filter(|p| p.as_os_str() != "-") {
            let lex = lexical(p);
            // A directory named on the command line is a root; a file's directory is one.
            let dir = match p.symlink_metadata() {
                Ok(m) if m.is_dir() => lex,
                _ => match lex.parent() {
                    Some(d) => d.to_path_buf(),
                    None => continue,
                },
            };
            if let Ok(canonical) = dir.canonicalize() {
                let root = Root {
                    lexical: dir,
                    canonical,
                };
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        Self {
            roots,
            max_file_size,
            aliases: Arc::default(),
        }
    }

    /// The repository a path (as written) belongs to: the git work tree above it, else the
    /// scan root it is under, else its own directory.
    fn repository(&self, location: &Path) -> Option<PathBuf> {
        let dir = location.parent()?;
        let lexical_root = git_root(dir).or_else(|| {
            self.roots
                .iter()
                .filter(|r| dir.starts_with(&r.lexical))
                .map(|r| r.lexical.clone())
                .max_by_key(|r| std::cmp::Reverse(r.components().count()))
        });
        if let Some(root) = lexical_root {
            return root.canonicalize().ok();
        }
        // Written as its canonical form (a root reached through a link above it).
        if let Some(r) = self
            .roots
            .iter()
            .filter(|r| dir.starts_with(&r.canonical))
            .min_by_key(|r| r.canonical.components().count())
        {
            return Some(r.canonical.clone());
        }
        dir.canonicalize().ok()
    }

    /// Whether a path may be read, and what it is. Links are judged by where they lead.
    pub fn check(&self, path: &Path) -> Result<Kind, Refusal> {
        let location = lexical(path);
        if let Some(s) = special(&location) {
            return Err(Refusal::Skipped(format!("not a regular file (under {s})")));
        }
        let meta = path
            .symlink_metadata()
            .map_err(|e| Refusal::Failed(format!("cannot read: {e}")))?;
        let canonical = match path.canonicalize() {
            Ok(c) => c,
            Err(e) if meta.is_symlink() => {
                return Err(Refusal::Skipped(format!("broken symlink: {e}")));
            }
            Err(e) => return Err(Refusal::Failed(format!("cannot read: {e}"))),
        };
        // As the link says (`/proc/self/environ`), not as it resolves today (`/proc/4242/...`).
        let shown = if meta.is_symlink() {
            std::fs::read_link(path).unwrap_or_else(|_| canonical.clone())
        } else {
            canonical.clone()
        };
        if let Some(s) = special(&canonical) {
            return Err(Refusal::Skipped(format!(
                "not a regular file (a link to {} under {s})",
                shown.display()
            )));
        }
        // A link anywhere on the way (the path's own, or a directory's) must stay in the
        // repository.
        if canonical != location {
            let inside = self
                .repository(&location)
                .is_some_and(|root| canonical.starts_with(root));
            if !inside {
                return Err(Refusal::Skipped(format!(
                    "symlink leaves the repository (to {})",
                    shown.display()
                )));
            }
        }
        let meta = if meta.is_symlink() {
            std::fs::metadata(&canonical)
                .map_err(|e| Refusal::Failed(format!("cannot read: {e}")))?
        } else {
            meta
        };
        if meta.is_dir() {
            Ok(Kind::Dir)
        } else if meta.is_file() {
            Ok(Kind::File)
        } else {
            Err(Refusal::Failed(format!(
                "not a regular file ({})",
                kind_name(meta.file_type())
            )))
        }
    }

    /// Read a file as UTF-8 text: opened without blocking (a FIFO cannot hang the scan),
    /// refused unless regular, and read with the size cap.
    pub fn read(&self, path: &Path) -> Result<String, ReadError> {
        let (file, len) = self.open(path)?;
        read_bounded(file, self.max_file_size, len)
    }

    /// Open a regular file for a streaming read under the same rules as [`Policy::read`]
    /// (the cap is checked against its size).
    pub fn open(&self, path: &Path) -> Result<(std::fs::File, u64), ReadError> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(ReadError::NotRegular(kind_name(meta.file_type())));
        }
        if meta.len() > self.max_file_size {
            return Err(ReadError::TooLarge {
                size: format!("{} bytes", meta.len()),
                limit: self.max_file_size,
            });
        }
        Ok((file, meta.len()))
    }

    /// Standard input, read once per process with the cap (later calls get the same text).
    pub fn stdin(&self) -> Result<Arc<str>, String> {
        static STDIN: std::sync::OnceLock<Result<Arc<str>, String>> = std::sync::OnceLock::new();
        STDIN
            .get_or_init(|| {
                read_bounded(std::io::stdin().lock(), self.max_file_size, 0)
                    .map(Arc::from)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// Read at most `limit` bytes as UTF-8; more is [`ReadError::TooLarge`].
pub fn read_bounded(reader: impl Read, limit: u64, hint: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::with_capacity(usize::try_from(hint.min(limit)).unwrap_or(0));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: "more".to_owned(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_inside_are_followed_and_links_outside_are_skipped() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.yaml"), "a: 1\n").expect("write");
        let repo = tempfile::tempdir().expect("tempdir");
        let r = repo.path();
        std::fs::create_dir(r.join(".git")).expect("git");
        std::fs::create_dir_all(r.join("base")).expect("dir");
        std::fs::create_dir_all(r.join("app")).expect("dir");
        std::fs::write(r.join("base/x.yaml"), "a: 1\n").expect("write");
        std::os::unix::fs::symlink("../base/x.yaml", r.join("app/x.yaml")).expect("link");
        std::os::unix::fs::symlink(outside.path().join("secret.yaml"), r.join("app/s.yaml"))
            .expect("link");
        std::os::unix::fs::symlink("/proc/self/environ", r.join("app/e.yaml")).expect("link");
        std::os::unix::fs::symlink("../base", r.join("app/base")).expect("link");
        let policy = Policy::new(&[r.join("app")], DEFAULT_MAX_FILE_SIZE);
        assert_eq!(policy.check(&r.join("app/x.yaml")), Ok(Kind::File));
        assert_eq!(policy.check(&r.join("app/base")), Ok(Kind::Dir));
        assert!(matches!(
            policy.check(&r.join("app/s.yaml")),
            Err(Refusal::Skipped(m)) if m.starts_with("symlink leaves the repository")
        ));
        assert!(matches!(
            policy.check(&r.join("app/e.yaml")),
            Err(Refusal::Skipped(m)) if m.starts_with("not a regular file")
        ));
        // Without a git work tree, the scan root is the repository.
        std::fs::remove_dir(r.join(".git")).expect("rm");
        let policy = Policy::new(&[r.join("app")], DEFAULT_MAX_FILE_SIZE);
        assert!(matches!(
            policy.check(&r.join("app/x.yaml")),
            Err(Refusal::Skipped(m)) if m.starts_with("symlink leaves the repository")
        ));
        let policy = Policy::new(&[r.to_path_buf()], DEFAULT_MAX_FILE_SIZE);
        assert_eq!(policy.check(&r.join("app/x.yaml")), Ok(Kind::File));
    }

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.yaml");
        std::fs::write(&p, "a: 1\n".repeat(100)).expect("write");
        let policy = Policy {
            max_file_size: 100,
            ..Policy::default()
        };
        let e = policy.read(&p).expect_err("too large");
        assert!(e.to_string().contains("--max-file-size"), "{e}");
        assert!(matches!(
            read_bounded(&b"abcdef"[..], 5, 0),
            Err(ReadError::TooLarge { .. })
        ));
        assert_eq!(read_bounded(&b"abcde"[..], 5, 0).expect("fits"), "abcde");
    }
}
