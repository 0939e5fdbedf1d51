//! Precompiled plugin cache: compiling a component with cranelift costs 50–100 ms, loading a
//! precompiled one a fraction of a millisecond. Entries are keyed by the plugin's SHA-256 and
//! the engine's compatibility hash, written atomically, and never trusted across engines.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::RuntimeError;

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
    /// Loaded precompiled from the cache.
    #[serde(rename = "hit")]
    Cached,
    /// Compiled now and written to the cache.
    #[serde(rename = "miss")]
    Compiled,
    /// Compiled now; no cache in use (`--no-cache`).
    #[serde(rename = "off")]
    Uncached,
}

/// Compile a plugin, or load it precompiled from `dir`.
pub fn component(
    engine: &Engine,
    bytes: &[u8],
    sha256: &str,
    dir: Option<&Path>,
) -> Result<(Component, Provenance), RuntimeError> {
    let Some(dir) = dir else {
        let c =
            Component::new(engine, bytes).map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
        return Ok((c, Provenance::Uncached));
    };
    let path = dir.join(format!("{sha256}-{}.cwasm", engine_key(engine)));
    if path.is_file() {
        // SAFETY: the file was written by `precompile_component` of an engine with the same
        // compatibility hash (it is in the file name, and wasmtime checks its header again),
        // into the user's own cache directory, with an atomic rename. Anyone who can write
        // there can already replace the stiglint binary itself.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        if let Ok(c) = loaded {
            return Ok((c, Provenance::Cached));
        }
        // A stale or damaged entry: compile anew and overwrite it.
    }
    let compiled = engine
        .precompile_component(bytes)
        .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
    // The cache is an optimisation: failing to write it must not fail the scan.
    let _ = write_atomically(dir, &path, &compiled);
    // SAFETY: the bytes were produced just now by this engine's `precompile_component`.
    #[allow(unsafe_code)]
    let c = unsafe { Component::deserialize(engine, &compiled) }
        .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
    Ok((c, Provenance::Compiled))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
