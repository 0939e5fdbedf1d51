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
//! * **disk** (the CLI): `results/` beside the compiled-plugin cache. A run's new entries go
//!   into one *pack* file (see [`Pack`]): creating a file per entry cost a cold scan of the
//!   corpus's 6,112 files three times the scan itself in the kernel. A cached result can hide a
//!   finding, so each entry is sealed with a keyed MAC ([`crate::trust`]) bound to its key; a
//!   truncated, corrupt, foreign or tampered entry is a miss. The directory is bounded in size
//!   and in packs: the least recently used packs go first.
//! * **memory** (the language server): results, and file texts by path: a file is read again
//!   only when its size, modification time or inode changed (an open buffer is hashed each
//!   time; the editor tells when it changed).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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

/// Packs kept at most (each run that wrote leaves one; reading the cache opens them all).
const MAX_PACKS: usize = 48;

/// A pack being written is closed, and another begun, past this size.
const PACK_SPILL: u64 = 64 << 20;

/// A run that read its hits from this many packs or more writes them again into its own pack,
/// so that the next run opens one.
const COMPACT_FROM: usize = 6;

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
    /// The packs on disk and their entries, read at the first lookup.
    packs: OnceLock<Packs>,
    /// The pack this run is writing.
    writer: Mutex<Option<PackWriter>>,
    /// The keys read back, with where they were (for compaction).
    read: Mutex<Vec<(String, usize)>>,
}

/// A pack: the entries of one run in one file.
///
/// ```text
/// entry*                      each sealed under its key (crate::trust), back to back
/// index                       per entry: key length (u16 LE), key, offset (u64 LE), length (u64 LE)
/// index offset (u64 LE), entries (u32 LE), "stglpk01"
/// ```
///
/// The index is not trusted: an entry read from a wrong offset does not verify under its key,
/// and is a miss.
struct Pack;

impl Pack {
    const MAGIC: &'static [u8; 8] = b"stglpk01";
    const FOOTER: u64 = 8 + 4 + 8;
    const SUFFIX: &'static str = "pack";
}

/// The packs of the directory, oldest first, and where each key's newest entry is.
#[derive(Default)]
struct Packs {
    files: Vec<(PathBuf, std::fs::File, u64)>,
    entries: rustc_hash::FxHashMap<String, (usize, u64, u64)>,
}

/// A pack being written: a temporary file, renamed into place when the run ends.
struct PackWriter {
    tmp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    len: u64,
    index: Vec<(String, u64, u64)>,
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
                packs: OnceLock::new(),
                writer: Mutex::new(None),
                read: Mutex::new(Vec::new()),
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

    /// The end of a run (the disk store): the pack it wrote is put in place (with the entries
    /// it read, when they came from many packs), the packs it read are marked used, and the
    /// store is kept within its bounds — the least recently used packs go first, down to three
    /// quarters of the size bound. Also removes temporary files a killed run left behind.
    pub fn finish(&self) {
        let Store::Disk(d) = &self.store else {
            return;
        };
        // Hits copied into this run's pack leave their old packs unused: they age out.
        if !d.compact()
            && let Some(packs) = d.packs.get()
        {
            let read = std::mem::take(
                &mut *d
                    .read
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            let mut used: Vec<usize> = read.iter().map(|(_, p)| *p).collect();
            used.sort_unstable();
            used.dedup();
            for p in used {
                // Used: the eviction keeps it longer (best effort).
                let _ = packs.files[p].1.set_modified(std::time::SystemTime::now());
            }
        }
        d.read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        d.close_pack();
        if d.wrote.load(Ordering::Relaxed) {
            d.evict();
        }
    }
}

impl Disk {
    /// An entry, if one is there, sealed with this key and well formed.
    fn load<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let packs = self.packs.get_or_init(|| Packs::open(&self.dir));
        let &(p, offset, len) = packs.entries.get(key)?;
        let (_, file, size) = &packs.files[p];
        if len > MAX_ENTRY || offset.checked_add(len)? > *size {
            return None;
        }
        let mut sealed = vec![0; usize::try_from(len).ok()?];
        read_at(file, &mut sealed, offset).ok()?;
        let payload = self.key.open(key, &sealed)?;
        let value: T = rmp_serde::from_slice(payload).ok()?;
        self.read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((key.to_owned(), p));
        Some(value)
    }

    /// Seal an entry and add it to this run's pack (failing to is not an error: the cache is
    /// an optimisation).
    fn store<T: serde::Serialize>(&self, key: &str, value: &T) {
        // MessagePack with field names (fields skipped when empty stay readable).
        let Ok(payload) = rmp_serde::to_vec_named(value) else {
            return;
        };
        if payload.len() as u64 > MAX_ENTRY {
            return;
        }
        self.append(key, &self.key.seal(key, &payload));
    }

    /// Append a sealed entry to this run's pack, beginning one if needed.
    fn append(&self, key: &str, sealed: &[u8]) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if writer.is_none() {
            *writer = PackWriter::begin(&self.dir);
        }
        let Some(w) = writer.as_mut() else {
            return;
        };
        if w.file.write_all(sealed).is_err() {
            // A pack that cannot be written is dropped whole.
            let _ = std::fs::remove_file(&w.tmp);
            *writer = None;
            return;
        }
        w.index.push((key.to_owned(), w.len, sealed.len() as u64));
        w.len += sealed.len() as u64;
        if w.len > PACK_SPILL {
            drop(writer);
            self.close_pack();
        }
    }

    /// Put the pack being written in place.
    fn close_pack(&self) {
        let Some(w) = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return;
        };
        if w.finish(&self.dir).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    /// When this run's hits came from many packs, copy them into its own pack (whether it
    /// did): the next run then reads one file, and the old packs age out.
    fn compact(&self) -> bool {
        let Some(packs) = self.packs.get() else {
            return false;
        };
        let read = std::mem::take(
            &mut *self
                .read
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut from: Vec<usize> = read.iter().map(|(_, p)| *p).collect();
        from.sort_unstable();
        from.dedup();
        let compact = from.len() >= COMPACT_FROM;
        if compact {
            for (key, _) in &read {
                let Some(&(p, offset, len)) = packs.entries.get(key) else {
                    continue;
                };
                let mut sealed = vec![0; usize::try_from(len).unwrap_or(0)];
                if read_at(&packs.files[p].1, &mut sealed, offset).is_ok() {
                    self.append(key, &sealed);
                }
            }
        }
        *self
            .read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = read;
        compact
    }

    /// Keep the store within its bounds (size and number of packs).
    fn evict(&self) {
        let Ok(items) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut packs = Vec::new();
        let mut total = 0u64;
        for item in items.flatten() {
            let Ok(meta) = item.path().symlink_metadata() else {
                continue;
            };
            let name = item.file_name();
            let name = name.to_string_lossy();
            let age = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .unwrap_or_default();
            if meta.is_dir() && name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                // The layout before packs: one file per entry in 256 directories.
                let _ = std::fs::remove_dir_all(item.path());
            } else if name.starts_with(".tmp-") {
                if age.as_secs() > 3600 {
                    let _ = std::fs::remove_file(item.path());
                }
            } else if meta.is_file()
                && Path::new(&*name)
                    .extension()
                    .is_some_and(|e| e == Pack::SUFFIX)
            {
                total += meta.len();
                packs.push((meta.modified().ok(), meta.len(), item.path()));
            }
        }
        if total <= self.max_bytes && packs.len() <= MAX_PACKS {
            return;
        }
        packs.sort();
        let (size_target, count_target) = (self.max_bytes / 4 * 3, MAX_PACKS / 4 * 3);
        let mut count = packs.len();
        for (_, len, path) in packs {
            if total <= size_target && count <= count_target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
                count -= 1;
            }
        }
    }
}

impl Packs {
    /// Every pack of the directory with its index (a pack that cannot be read is left out).
    fn open(dir: &Path) -> Self {
        let mut found = Vec::new();
        for item in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = item.path();
            if path.extension().is_none_or(|e| e != Pack::SUFFIX) {
                continue;
            }
            if let Some((file, meta)) = trust::open_entry(&path) {
                found.push((meta.modified().ok(), path, file, meta.len()));
            }
        }
        // Oldest first: a key in several packs is read from the newest.
        found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let mut packs = Self::default();
        for (_, path, file, size) in found {
            let Some(index) = Pack::index(&file, size) else {
                continue;
            };
            let p = packs.files.len();
            for (key, offset, len) in index {
                packs.entries.insert(key, (p, offset, len));
            }
            packs.files.push((path, file, size));
        }
        packs
    }
}

impl Pack {
    /// A pack's index: (key, offset, length) of each entry, or `None` when it is malformed.
    fn index(file: &std::fs::File, size: u64) -> Option<Vec<(String, u64, u64)>> {
        let footer_at = size.checked_sub(Self::FOOTER)?;
        let mut footer = [0u8; 20];
        read_at(file, &mut footer, footer_at).ok()?;
        if &footer[12..] != Self::MAGIC {
            return None;
        }
        let index_at = u64::from_le_bytes(footer[..8].try_into().ok()?);
        let count = u32::from_le_bytes(footer[8..12].try_into().ok()?);
        let index_len = footer_at.checked_sub(index_at)?;
        if index_len > MAX_ENTRY {
            return None;
        }
        let mut bytes = vec![0; usize::try_from(index_len).ok()?];
        read_at(file, &mut bytes, index_at).ok()?;
        let mut rest = bytes.as_slice();
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let mut out = Vec::with_capacity(count.min(1 << 20) as usize);
        for _ in 0..count {
            let key_len = u16::from_le_bytes(take(2)?.try_into().ok()?);
            let key = std::str::from_utf8(take(usize::from(key_len))?)
                .ok()?
                .to_owned();
            let offset = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let len = u64::from_le_bytes(take(8)?.try_into().ok()?);
            if offset.checked_add(len)? > index_at {
                return None;
            }
            out.push((key, offset, len));
        }
        Some(out)
    }
}

impl PackWriter {
    /// A new pack under a temporary name in `dir`, owner-only.
    fn begin(dir: &Path) -> Option<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir).ok()?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&tmp).ok()?;
        Some(Self {
            tmp,
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            len: 0,
            index: Vec::new(),
        })
    }

    /// Write the index and footer, and rename the pack into place under a random name.
    fn finish(mut self, dir: &Path) -> std::io::Result<()> {
        let result = (|| {
            if self.index.is_empty() {
                return Err(std::io::Error::other("empty pack"));
            }
            let mut index = Vec::new();
            for (key, offset, len) in &self.index {
                let key_len = u16::try_from(key.len()).map_err(std::io::Error::other)?;
                index.extend_from_slice(&key_len.to_le_bytes());
                index.extend_from_slice(key.as_bytes());
                index.extend_from_slice(&offset.to_le_bytes());
                index.extend_from_slice(&len.to_le_bytes());
            }
            let count = u32::try_from(self.index.len()).map_err(std::io::Error::other)?;
            self.file.write_all(&index)?;
            self.file.write_all(&self.len.to_le_bytes())?;
            self.file.write_all(&count.to_le_bytes())?;
            self.file.write_all(Pack::MAGIC)?;
            self.file.flush()?;
            let mut name = [0u8; 16];
            getrandom::fill(&mut name).map_err(|e| std::io::Error::other(e.to_string()))?;
            std::fs::rename(
                &self.tmp,
                dir.join(format!("{}.{}", hex(&name), Pack::SUFFIX)),
            )
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }
}

/// Read exactly `buf.len()` bytes at `offset`.
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Read exactly `buf.len()` bytes at `offset`.
#[cfg(windows)]
fn read_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
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
        let bytes = rmp_serde::to_vec_named(&range).expect("msgpack");
        let back: Range = rmp_serde::from_slice(&bytes).expect("msgpack back");
        assert_eq!(back, range);
        let json = serde_json::to_string(&range).expect("json");
        assert!(!json.contains("offset"), "{json}");
    }

    /// A disk store in a fresh directory, and its `Disk`.
    fn disk(dir: &std::path::Path, max_bytes: u64) -> super::ResultCache {
        let results = dir.join("results");
        std::fs::create_dir_all(&results).expect("mkdir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
        }
        super::ResultCache::disk(
            results,
            crate::trust::CacheKey::from_bytes([3; 32]),
            max_bytes,
        )
        .expect("disk store")
    }

    fn of(cache: &super::ResultCache) -> &super::Disk {
        match &cache.store {
            super::Store::Disk(d) => d,
            super::Store::Memory(_) => unreachable!("a disk store"),
        }
    }

    fn packs(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir.join("results"))
            .expect("read_dir")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
            .count()
    }

    #[test]
    fn a_run_writes_one_pack_and_the_next_reads_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = disk(dir.path(), 1 << 30);
        for i in 0..100 {
            of(&first).store(&format!("k{i}"), &format!("value {i}"));
        }
        first.finish();
        assert_eq!(packs(dir.path()), 1);
        let second = disk(dir.path(), 1 << 30);
        for i in 0..100 {
            assert_eq!(
                of(&second).load::<String>(&format!("k{i}")),
                Some(format!("value {i}"))
            );
        }
        assert_eq!(of(&second).load::<String>("absent"), None);
        // An entry read under another key's name does not verify.
        let d = of(&second);
        let packs_read = d.packs.get().expect("read");
        let (p, offset, len) = packs_read.entries["k1"];
        let mut sealed = vec![0; usize::try_from(len).expect("usize")];
        super::read_at(&packs_read.files[p].1, &mut sealed, offset).expect("read");
        assert!(d.key.open("k2", &sealed).is_none());
    }

    #[test]
    fn packs_are_bounded_in_number_and_hits_from_many_packs_are_compacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        for run in 0..super::MAX_PACKS + 5 {
            let cache = disk(dir.path(), 1 << 30);
            of(&cache).store(&format!("run {run}"), &run);
            cache.finish();
        }
        let kept = packs(dir.path());
        assert!(kept <= super::MAX_PACKS, "{kept} packs");
        assert!(kept >= super::MAX_PACKS / 4 * 3, "{kept} packs");
        // The newest runs' entries survive; a run that reads from many packs writes its hits
        // into one, and the run after it reads them all from that one.
        let newest = super::MAX_PACKS + 4;
        let reader = disk(dir.path(), 1 << 30);
        for run in newest - 9..=newest {
            assert_eq!(of(&reader).load::<usize>(&format!("run {run}")), Some(run));
        }
        reader.finish();
        let after = disk(dir.path(), 1 << 30);
        for run in newest - 9..=newest {
            assert_eq!(of(&after).load::<usize>(&format!("run {run}")), Some(run));
        }
        let from: std::collections::BTreeSet<usize> = of(&after)
            .read
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(from.len(), 1, "read from one pack: {from:?}");
    }

    #[test]
    fn the_size_bound_drops_the_least_recently_used_packs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = "x".repeat(100_000);
        for run in 0..10 {
            let cache = disk(dir.path(), 500_000);
            of(&cache).store(&format!("run {run}"), &big);
            cache.finish();
            // Distinct modification times.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let total: u64 = std::fs::read_dir(dir.path().join("results"))
            .expect("read_dir")
            .flatten()
            .map(|e| e.metadata().expect("meta").len())
            .sum();
        assert!(total <= 500_000, "{total} bytes");
        let cache = disk(dir.path(), 500_000);
        assert!(
            of(&cache).load::<String>("run 9").is_some(),
            "the newest stays"
        );
        assert!(
            of(&cache).load::<String>("run 0").is_none(),
            "the oldest went"
        );
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
