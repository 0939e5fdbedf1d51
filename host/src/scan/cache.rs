//! Per-file results, cached. A file's result is stored under a key of everything it was
//! computed from: the file's name and bytes, and a *fingerprint* of the rest (stiglint's
//! version and build, the interface, every plugin's hash and settings, the selected controls, the scan
//! context — today's date, `--k8s-version`, `--namespace` — and the loader's options).
//! Terraform results depend on other files (a module's variables, tfvars, the modules it
//! calls): they are stored together as one unit with what they were read from
//! ([`super::terraform`]). Plans (judged with their `.tf` sources) and results with a plugin
//! failure are never stored. The cross-document phase's verdicts are kept too, under the
//! identities of the files their facts came from ([`super::cross`]). Verdicts that
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

use super::cross::Verdict;
use super::judge::FileOutcome;
use super::terraform::Unit;

/// Default bound of the on-disk result cache.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The largest entry read back (bigger ones are never written either).
const MAX_ENTRY: u64 = 256 << 20;

/// Entries kept in memory before the least recently used are dropped.
const MEMORY_ENTRIES: usize = 50_000;

/// Terraform units kept in memory.
const MEMORY_UNITS: usize = 4;

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
    results: Recent<FileOutcome>,
    /// The last Terraform units, newest last.
    units: Mutex<Vec<(String, Arc<Unit>)>>,
    /// Cross-document verdicts by group key, with the tick they were last used.
    verdicts: Recent<Verdict>,
    /// File texts by path, with the file's stamp and digest.
    texts: Mutex<rustc_hash::FxHashMap<PathBuf, Memo>>,
    tick: AtomicU64,
}

/// Values by key, each with the tick it was last used: past [`MEMORY_ENTRIES`], the least
/// recently used tenth is dropped.
struct Recent<T>(Mutex<rustc_hash::FxHashMap<String, (Arc<T>, u64)>>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<T> Recent<T> {
    fn get(&self, key: &str, clock: &AtomicU64) -> Option<Arc<T>> {
        let tick = clock.fetch_add(1, Ordering::Relaxed);
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (value, used) = map.get_mut(key)?;
        *used = tick;
        Some(Arc::clone(value))
    }

    fn put(&self, key: &str, value: Arc<T>, clock: &AtomicU64) {
        let tick = clock.fetch_add(1, Ordering::Relaxed);
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MEMORY_ENTRIES {
            let mut ticks: Vec<u64> = map.values().map(|(_, t)| *t).collect();
            ticks.sort_unstable();
            let cut = ticks[ticks.len() / 10];
            map.retain(|_, (_, t)| *t > cut);
        }
        map.insert(key.to_owned(), (value, tick));
    }
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
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A text's digest (SHA-256, hex).
#[must_use]
pub fn digest(text: &str) -> String {
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
        match &input.origin {
            Origin::File(path) => self.memo(path, &input.name, overlay, read),
            Origin::Stdin => read(),
        }
    }

    /// The digest of a file's text (an editor's buffer, else the disk, through the input
    /// policy), or why it cannot be read.
    pub fn digest_path(
        &self,
        path: &Path,
        overlay: Option<&Overlay>,
        policy: &input::fs::Policy,
    ) -> Result<String, String> {
        let input = Input {
            origin: Origin::File(path.to_path_buf()),
            name: path.display().to_string(),
        };
        self.read(&input, None, overlay, policy)
            .map(|(_, d)| d)
            .map_err(|p| p.message)
    }

    /// `read` a file, or (the memory store) reuse its text while its stamp is unchanged.
    fn memo(
        &self,
        path: &Path,
        name: &str,
        overlay: Option<&Overlay>,
        read: impl FnOnce() -> Result<(Arc<SourceFile>, String), Problem>,
    ) -> Result<(Arc<SourceFile>, String), Problem> {
        let Store::Memory(memory) = &self.store else {
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
                && *memo.source.name == *name
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
                    path.to_path_buf(),
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
    pub fn get(&self, key: &str) -> Option<Arc<FileOutcome>> {
        match &self.store {
            Store::Memory(m) => m.results.get(key, &m.tick),
            Store::Disk(d) => {
                let outcome = d.load(key).map(Arc::new);
                if outcome.is_some() {
                    d.hits.fetch_add(1, Ordering::Relaxed);
                }
                outcome
            }
        }
    }

    /// Store a result (failing to store is not an error: the cache is an optimisation).
    pub fn put(&self, key: &str, outcome: &Arc<FileOutcome>) {
        match &self.store {
            Store::Memory(m) => m.results.put(key, Arc::clone(outcome), &m.tick),
            Store::Disk(d) => d.store(key, &**outcome),
        }
    }

    /// Count results taken from elsewhere than [`ResultCache::get`] (a Terraform unit's).
    pub fn count_hits(&self, n: usize) {
        if let Store::Disk(d) = &self.store {
            d.hits.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// A stored Terraform unit, if there is a valid one (its dependencies are checked by the
    /// caller).
    #[must_use]
    pub fn get_unit(&self, key: &str) -> Option<Unit> {
        match &self.store {
            Store::Memory(m) => m
                .units
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, u)| (**u).clone()),
            Store::Disk(d) => d.load(key),
        }
    }

    /// Store a Terraform unit.
    pub fn put_unit(&self, key: &str, unit: &Unit) {
        match &self.store {
            Store::Memory(m) => {
                let mut units = m
                    .units
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                units.retain(|(k, _)| k != key);
                // A workspace has one set of Terraform inputs at a time; a few are kept for
                // switching back and forth.
                if units.len() >= MEMORY_UNITS {
                    units.remove(0);
                }
                units.push((key.to_owned(), Arc::new(unit.clone())));
            }
            Store::Disk(d) => d.store(key, unit),
        }
    }

    /// Whether it keeps cross-document verdicts a group at a time (the memory store).
    #[must_use]
    pub fn keeps_verdicts(&self) -> bool {
        matches!(self.store, Store::Memory(_))
    }

    /// Whether it keeps whole cross-document phases (the disk store).
    #[must_use]
    pub fn keeps_phases(&self) -> bool {
        matches!(self.store, Store::Disk(_))
    }

    /// A cross-document group's verdict (the memory store keeps them one group at a time: an
    /// edit reruns only the groups its facts are in).
    #[must_use]
    pub fn get_verdict(&self, key: &str) -> Option<Arc<Verdict>> {
        let Store::Memory(m) = &self.store else {
            return None;
        };
        m.verdicts.get(key, &m.tick)
    }

    /// Keep a group's verdict (the memory store).
    pub fn put_verdict(&self, key: &str, verdict: Arc<Verdict>) {
        if let Store::Memory(m) = &self.store {
            m.verdicts.put(key, verdict, &m.tick);
        }
    }

    /// Every group's verdict of a whole cross-document phase (the disk store keeps them in one
    /// entry: a run with nothing changed reads it at once).
    #[must_use]
    pub fn get_phase(&self, key: &str) -> Option<Vec<Verdict>> {
        let Store::Disk(d) = &self.store else {
            return None;
        };
        d.load(key)
    }

    /// Store a whole cross-document phase (the disk store).
    pub fn put_phase(&self, key: &str, verdicts: &[Verdict]) {
        if let Store::Disk(d) = &self.store {
            d.store(key, &verdicts);
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

    /// An entry, if it is there, sealed with this key and well formed.
    fn load<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let path = self.path(key);
        let sealed = trust::read_entry(&path, MAX_ENTRY)?;
        let payload = self.key.open(key, &sealed)?;
        let value: T = ciborium::from_reader(payload).ok()?;
        // Used: the eviction keeps it longer (best effort).
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        Some(value)
    }

    /// Seal and write an entry (failing to is not an error: the cache is an optimisation).
    fn store<T: serde::Serialize>(&self, key: &str, value: &T) {
        let mut payload = Vec::new();
        if ciborium::into_writer(value, &mut payload).is_err() || payload.len() as u64 > MAX_ENTRY {
            return;
        }
        let path = self.path(key);
        let Some(parent) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(parent).is_ok() {
            let sealed = self.key.seal(key, &payload);
            if trust::write_entry_with(parent, &path, &sealed, false).is_ok() {
                self.wrote.store(true, Ordering::Relaxed);
            }
        }
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
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(super::hex(&[]), "");
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
