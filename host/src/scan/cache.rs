//! Per-file results, cached. A file's result is stored under a key of everything it was
//! computed from: the file's name and bytes, and a *fingerprint* of the rest (stiglint's
//! version, the interface, every plugin's hash and settings, the selected controls, the scan
//! context — today's date, `--k8s-version`, `--namespace` — and the loader's options).
//! Results that depend on other files (Terraform modules and plans, evaluated with their
//! variables and modules) and results with a plugin failure are never stored. Verdicts that
//! depend on other documents are not in a file's result at all: they come from the
//! cross-document phase, which runs over the cached facts every time.
//!
//! Two stores:
//! * **disk** (the CLI): `results/` beside the compiled-plugin cache. A cached result can hide
//!   a finding, so each entry is sealed with a keyed MAC ([`crate::trust`]) bound to its key;
//!   a truncated, corrupt, foreign or tampered entry is a miss. The directory is bounded in
//!   size: the least recently used entries go first.
//! * **memory** (the language server): results, and file texts by path: a file is read again
//!   only when its size, modification time or inode changed (an open buffer is hashed each
//!   time; the editor tells when it changed).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::input::{self, Input, Overlay};
use crate::problem::Problem;
use crate::source::{Origin, SourceFile};
use crate::trust::{self, CacheKey};

use super::judge::FileOutcome;

/// Default bound of the on-disk result cache.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The largest entry read back (bigger ones are never written either).
const MAX_ENTRY: u64 = 256 << 20;

/// Entries kept in memory before the least recently used are dropped.
const MEMORY_ENTRIES: usize = 50_000;

/// Where per-file results are kept.
pub struct ResultCache {
    store: Store,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.store {
            Store::Disk(d) => write!(f, "ResultCache(disk: {})", d.dir.display()),
            Store::Memory(_) => f.write_str("ResultCache(memory)"),
        }
    }
}

enum Store {
    Disk(Disk),
    Memory(Memory),
}

struct Disk {
    dir: PathBuf,
    key: CacheKey,
    max_bytes: u64,
    wrote: AtomicBool,
    hits: AtomicU64,
}

#[derive(Default)]
struct Memory {
    /// Results by key, with the tick they were last used.
    results: Mutex<rustc_hash::FxHashMap<String, (Arc<FileOutcome>, u64)>>,
    /// File texts by path, with the file's stamp and digest.
    texts: Mutex<rustc_hash::FxHashMap<PathBuf, Memo>>,
    tick: AtomicU64,
}

struct Memo {
    stamp: Stamp,
    source: Arc<SourceFile>,
    digest: String,
}

/// What tells a file on disk changed without reading it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

/// The cache key of a file's result.
#[must_use]
pub fn key(fingerprint: &str, name: &str, digest: &str) -> String {
    let mut h = Sha256::new();
    for part in [fingerprint, name, digest] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

impl ResultCache {
    /// The default directory: `$STIGLINT_CACHE_DIR/results`, else the user cache directory's
    /// `stiglint/results`.
    #[must_use]
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("STIGLINT_CACHE_DIR") {
            return Some(PathBuf::from(dir).join("results"));
        }
        directories::ProjectDirs::from("", "", "stiglint").map(|d| d.cache_dir().join("results"))
    }

    /// A disk cache in `dir`, sealed with `key`. Refused (an error: the caller scans without a
    /// result cache) when the directory is a symlink or writable by others.
    pub fn disk(dir: PathBuf, key: CacheKey, max_bytes: u64) -> Result<Self, trust::TrustError> {
        trust::check_dir(&dir)?;
        Ok(Self {
            store: Store::Disk(Disk {
                dir,
                key,
                max_bytes,
                wrote: AtomicBool::new(false),
                hits: AtomicU64::new(0),
            }),
        })
    }

    /// A cache in memory (the language server).
    #[must_use]
    pub fn memory() -> Self {
        Self {
            store: Store::Memory(Memory::default()),
        }
    }

    /// Results read back so far (disk store).
    #[must_use]
    pub fn hits(&self) -> u64 {
        match &self.store {
            Store::Disk(d) => d.hits.load(Ordering::Relaxed),
            Store::Memory(_) => 0,
        }
    }

    /// Read an input's text and its digest. The memory store reuses a file's text while its
    /// stamp is unchanged.
    pub fn read(
        &self,
        input: &Input,
        stdin: Option<&Arc<str>>,
        overlay: Option<&Overlay>,
        policy: &input::fs::Policy,
    ) -> Result<(Arc<SourceFile>, String), Problem> {
        let read = || {
            input::read_in(input, stdin, overlay, policy).map(|source| {
                let d = digest(&source.text);
                (source, d)
            })
        };
        let Store::Memory(memory) = &self.store else {
            return read();
        };
        let Origin::File(path) = &input.origin else {
            return read();
        };
        // An open buffer is hashed every time (it is small, and its text is at hand).
        let stamp = if overlay.is_some_and(|o| o.contains_key(&input::overlay_key(path))) {
            None
        } else {
            std::fs::metadata(path).ok().map(|m| Stamp {
                len: m.len(),
                modified: m.modified().ok(),
                inode: inode(&m),
            })
        };
        if let Some(stamp) = stamp {
            let texts = memory
                .texts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(memo) = texts.get(path)
                && memo.stamp == stamp
                && *memo.source.name == *input.name
            {
                return Ok((Arc::clone(&memo.source), memo.digest.clone()));
            }
        }
        let (source, d) = read()?;
        if let Some(stamp) = stamp {
            memory
                .texts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(
                    path.clone(),
                    Memo {
                        stamp,
                        source: Arc::clone(&source),
                        digest: d.clone(),
                    },
                );
        }
        Ok((source, d))
    }

    /// A stored result, if there is a valid one.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<FileOutcome> {
        match &self.store {
            Store::Memory(m) => {
                let tick = m.tick.fetch_add(1, Ordering::Relaxed);
                let mut results = m
                    .results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (outcome, used) = results.get_mut(key)?;
                *used = tick;
                Some((**outcome).clone())
            }
            Store::Disk(d) => {
                let path = d.path(key);
                let sealed = trust::read_entry(&path, MAX_ENTRY)?;
                let payload = d.key.open(key, &sealed)?;
                let outcome: FileOutcome = ciborium::from_reader(payload).ok()?;
                // Used: the eviction keeps it longer (best effort).
                if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(std::time::SystemTime::now());
                }
                d.hits.fetch_add(1, Ordering::Relaxed);
                Some(outcome)
            }
        }
    }

    /// Store a result (failing to store is not an error: the cache is an optimisation).
    pub fn put(&self, key: &str, outcome: &FileOutcome) {
        match &self.store {
            Store::Memory(m) => {
                let tick = m.tick.fetch_add(1, Ordering::Relaxed);
                let mut results = m
                    .results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if results.len() >= MEMORY_ENTRIES {
                    // Drop the least recently used tenth.
                    let mut ticks: Vec<u64> = results.values().map(|(_, t)| *t).collect();
                    ticks.sort_unstable();
                    let cut = ticks[ticks.len() / 10];
                    results.retain(|_, (_, t)| *t > cut);
                }
                results.insert(key.to_owned(), (Arc::new(outcome.clone()), tick));
            }
            Store::Disk(d) => {
                let mut payload = Vec::new();
                if ciborium::into_writer(outcome, &mut payload).is_err()
                    || payload.len() as u64 > MAX_ENTRY
                {
                    return;
                }
                let path = d.path(key);
                let Some(parent) = path.parent() else {
                    return;
                };
                if std::fs::create_dir_all(parent).is_ok() {
                    let sealed = d.key.seal(key, &payload);
                    if trust::write_entry_with(parent, &path, &sealed, false).is_ok() {
                        d.wrote.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// Forget what is known of a file (the language server, when the file changed or went).
    pub fn forget(&self, path: &Path) {
        if let Store::Memory(m) = &self.store {
            m.texts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(path);
        }
    }

    /// Keep the disk store within its bound: when this run wrote entries and the store is
    /// larger than its bound, remove the least recently used entries down to three quarters
    /// of it. Also removes temporary files a killed run left behind.
    pub fn evict(&self) {
        let Store::Disk(d) = &self.store else {
            return;
        };
        if !d.wrote.load(Ordering::Relaxed) {
            return;
        }
        let mut entries = Vec::new();
        let mut total = 0u64;
        let Ok(shards) = std::fs::read_dir(&d.dir) else {
            return;
        };
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for file in files.flatten() {
                let Ok(meta) = file.metadata() else { continue };
                let name = file.file_name();
                let stale_tmp = name.to_string_lossy().starts_with(".tmp-")
                    && meta
                        .modified()
                        .ok()
                        .and_then(|m| m.elapsed().ok())
                        .is_some_and(|age| age.as_secs() > 3600);
                if stale_tmp {
                    let _ = std::fs::remove_file(file.path());
                    continue;
                }
                total += meta.len();
                entries.push((meta.modified().ok(), meta.len(), file.path()));
            }
        }
        if total <= d.max_bytes {
            return;
        }
        entries.sort();
        let target = d.max_bytes / 4 * 3;
        for (_, len, path) in entries {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

impl Disk {
    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2.min(key.len())]).join(key)
    }
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use crate::source::{Position, Range};

    #[test]
    fn offsets_survive_the_cache_but_stay_out_of_reports() {
        let range = Range::new(
            Position {
                line: 3,
                column: 5,
                offset: 42,
            },
            Position {
                line: 3,
                column: 9,
                offset: 46,
            },
        );
        let mut bytes = Vec::new();
        ciborium::into_writer(&range, &mut bytes).expect("cbor");
        let back: Range = ciborium::from_reader(bytes.as_slice()).expect("cbor back");
        assert_eq!(back, range);
        let json = serde_json::to_string(&range).expect("json");
        assert!(!json.contains("offset"), "{json}");
    }

    #[test]
    fn keys_depend_on_every_part() {
        let k = super::key("fp", "a.yaml", "d1");
        assert_ne!(k, super::key("fp2", "a.yaml", "d1"));
        assert_ne!(k, super::key("fp", "b.yaml", "d1"));
        assert_ne!(k, super::key("fp", "a.yaml", "d2"));
        // Parts are length-prefixed: moving a boundary changes the key.
        assert_ne!(super::key("ab", "c", "d"), super::key("a", "bc", "d"));
    }
}
