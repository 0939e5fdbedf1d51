//! Precompiled plugin cache: compiling a component with cranelift costs 50–100 ms, loading a
//! precompiled one a fraction of a millisecond. A precompiled component is native code, so the
//! cache directory is a trust boundary (see [`crate::trust`]): every entry is sealed with a
//! keyed MAC (HMAC-SHA-256, key outside the cache directory) bound to its name — the plugin's
//! SHA-256 and the engine's compatibility hash — and an entry that does not verify (tampered,
//! truncated, swapped with another plugin's, written by another key, a symlink) is a miss:
//! compiled anew and overwritten, never loaded. A cache directory that is a symlink or writable
//! by others is not used at all (the run goes on uncached and says so).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::RuntimeError;
use crate::trust::CacheKey;

/// The largest cache entry read back (a precompiled built-in is a few MiB).
const MAX_ENTRY: u64 = 256 << 20;

/// Where precompiled plugins go: `$STIGLINT_CACHE_DIR`, else the user cache directory.
#[must_use]
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STIGLINT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "stiglint").map(|d| d.cache_dir().join("plugins"))
}

fn engine_key(engine: &Engine) -> String {
    let mut h = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    format!("{:016x}", h.finish())
}

/// How a component was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Provenance {
    /// Loaded precompiled from the cache (its entry verified).
    #[serde(rename = "hit")]
    Cached,
    /// Compiled now and written to the cache (there was no entry, or it did not verify).
    #[serde(rename = "miss")]
    Compiled,
    /// Compiled now; no cache in use (`--no-cache`).
    #[serde(rename = "off")]
    Uncached,
    /// Compiled now; the cache directory or its key was refused as unsafe (see
    /// [`Cache::refused`]).
    #[serde(rename = "refused")]
    Refused,
}

/// The precompiled cache of a runtime.
#[derive(Debug)]
pub enum Cache {
    /// No cache (`--no-cache`).
    Off,
    /// A cache directory that passed [`crate::trust::check_dir`], and the key its entries are
    /// sealed with.
    On {
        /// The directory.
        dir: PathBuf,
        /// The key.
        key: CacheKey,
    },
    /// A cache was asked for but cannot be trusted: why (the directory or the key file, and
    /// what is wrong with it). Plugins are compiled afresh.
    Refused(String),
}

impl Cache {
    /// Open the cache in `dir` with the key in `key_file` (created if need be), or refuse it.
    #[must_use]
    pub fn open(dir: &Path, key_file: Option<&Path>) -> Self {
        if let Err(e) = crate::trust::check_dir(dir) {
            return Self::Refused(e.to_string());
        }
        let key = match key_file {
            Some(path) => CacheKey::load_or_create(path),
            None => CacheKey::load_default(),
        };
        match key {
            Ok(key) => Self::On {
                dir: dir.to_path_buf(),
                key,
            },
            Err(e) => Self::Refused(e.to_string()),
        }
    }

    /// Why the cache is not used, if it was refused.
    #[must_use]
    pub fn refused(&self) -> Option<&str> {
        match self {
            Self::Refused(why) => Some(why),
            _ => None,
        }
    }
}

/// Compile a plugin, or load it precompiled from the cache when its entry verifies.
pub fn component(
    engine: &Engine,
    bytes: &[u8],
    sha256: &str,
    cache: &Cache,
) -> Result<(Component, Provenance), RuntimeError> {
    let (dir, key) = match cache {
        Cache::On { dir, key } => (dir, key),
        Cache::Off | Cache::Refused(_) => {
            let c = Component::new(engine, bytes)
                .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
            let how = if matches!(cache, Cache::Off) {
                Provenance::Uncached
            } else {
                Provenance::Refused
            };
            return Ok((c, how));
        }
    };
    let name = format!("{sha256}-{}.cwasm", engine_key(engine));
    let path = dir.join(&name);
    if let Some(sealed) = crate::trust::read_entry(&path, MAX_ENTRY)
        && let Some(payload) = key.open(&name, &sealed)
    {
        // SAFETY: the payload carries a valid MAC under a key only this user can read, bound
        // to this plugin's SHA-256 and this engine: it is what this engine's
        // `precompile_component` produced for these very bytes (wasmtime checks its header
        // against the engine again). It was read into memory before the check, so nothing can
        // change it between the check and the load.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize(engine, payload) };
        if let Ok(c) = loaded {
            return Ok((c, Provenance::Cached));
        }
    }
    // No entry, or one that does not verify: compile anew and overwrite it.
    let compiled = engine
        .precompile_component(bytes)
        .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
    // The cache is an optimisation: failing to write it must not fail the scan.
    let _ = crate::trust::write_entry(dir, &path, &key.seal(&name, &compiled));
    // SAFETY: the bytes were produced just now by this engine's `precompile_component`.
    #[allow(unsafe_code)]
    let c = unsafe { Component::deserialize(engine, &compiled) }
        .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
    Ok((c, Provenance::Compiled))
}
