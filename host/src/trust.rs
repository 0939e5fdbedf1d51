//! Every cache is a trust boundary: a precompiled plugin is native code and a cached result can
//! hide a finding. Nothing is read back from a cache directory unless it carries a valid keyed
//! MAC (HMAC-SHA-256) whose key lives *outside* the cache directory, in a file only its owner
//! may read. An entry that fails the check — truncated, corrupt, tampered with, written by
//! another key, renamed, a symlink — is a miss, never an error and never a verdict.
//!
//! The key file is `$STIGLINT_KEY_FILE`, else `cache.key` in the user's configuration
//! directory (`~/.config/stiglint/cache.key` on Linux). It is created on first use with
//! 32 random bytes and mode 0600. Someone who can read it can forge cache entries: keep it out
//! of CI caches that jobs of untrusted pull requests can restore or save.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use hmac::{KeyInit as _, Mac as _};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Length of a MAC tag in bytes.
pub const TAG_LEN: usize = 32;

/// Why a key or a cache directory cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The key file cannot be read or created.
    #[error("cache key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file exists but is not a key this version wrote.
    #[error("cache key {0}: not a 32-byte key file")]
    Malformed(PathBuf),
    /// The key file or the cache directory may be written (or the key read) by others, or is a
    /// symlink.
    #[error("{path}: {what}")]
    Unsafe {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong with it.
        what: &'static str,
    },
}

/// The secret that authenticates cache entries.
#[derive(Clone)]
pub struct CacheKey([u8; 32]);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(..)")
    }
}

impl CacheKey {
    /// Where the key lives: `$STIGLINT_KEY_FILE`, else the user's configuration directory.
    #[must_use]
    pub fn default_path() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("STIGLINT_KEY_FILE") {
            return Some(PathBuf::from(path));
        }
        directories::ProjectDirs::from("", "", "stiglint").map(|d| d.config_dir().join("cache.key"))
    }

    /// A key from bytes (tests, and callers with their own key management).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Read the key at `path`, or create it (32 random bytes, mode 0600) if there is none.
    /// A key file that is a symlink, not owned by the user, or readable or writable by others
    /// is refused.
    pub fn load_or_create(path: &Path) -> Result<Self, TrustError> {
        let io = |source| TrustError::Io {
            path: path.to_path_buf(),
            source,
        };
        match read_key(path) {
            Ok(key) => return Ok(key),
            Err(TrustError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            }
            Err(e) => return Err(e),
        }
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| io(std::io::Error::other(format!("no randomness: {e}"))))?;
        // Written under a unique name, then linked into place: two processes starting at once
        // both end up with the one key that won the race.
        let tmp = dir.join(format!(".cache.key.{}.tmp", std::process::id()));
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp).map_err(io)?;
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(Self(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
            Err(e) => Err(io(e)),
        }
    }

    /// The key at the default path, created if need be.
    pub fn load_default() -> Result<Self, TrustError> {
        let path = Self::default_path().ok_or_else(|| TrustError::Io {
            path: PathBuf::from("cache.key"),
            source: std::io::Error::other("no home directory for the cache key"),
        })?;
        Self::load_or_create(&path)
    }

    /// The MAC of a named entry: the name is bound in, so an entry copied under another
    /// name does not verify.
    #[must_use]
    pub fn tag(&self, name: &str, payload: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.mac(name);
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }

    fn mac(&self, name: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(&(name.len() as u64).to_le_bytes());
        mac.update(name.as_bytes());
        mac
    }

    /// `tag ‖ payload`: what goes on disk.
    #[must_use]
    pub fn seal(&self, name: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(TAG_LEN + payload.len());
        out.extend_from_slice(&self.tag(name, payload));
        out.extend_from_slice(payload);
        out
    }

    /// The payload of a sealed entry if its tag is valid for `name` (checked in constant
    /// time), else `None`.
    #[must_use]
    pub fn open<'a>(&self, name: &str, sealed: &'a [u8]) -> Option<&'a [u8]> {
        if sealed.len() < TAG_LEN {
            return None;
        }
        let (tag, payload) = sealed.split_at(TAG_LEN);
        let mut mac = self.mac(name);
        mac.update(payload);
        mac.verify_slice(tag).ok().map(|()| payload)
    }
}

fn read_key(path: &Path) -> Result<CacheKey, TrustError> {
    let io = |source| TrustError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.file_type().is_symlink() {
        return Err(TrustError::Unsafe {
            path: path.to_path_buf(),
            what: "the cache key is a symlink",
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.mode() & 0o077 != 0 {
            return Err(TrustError::Unsafe {
                path: path.to_path_buf(),
                what: "the cache key may be read or written by others (chmod 600 it)",
            });
        }
        if meta.uid() != rustix_uid() {
            return Err(TrustError::Unsafe {
                path: path.to_path_buf(),
                what: "the cache key belongs to another user",
            });
        }
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(io)?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| TrustError::Malformed(path.to_path_buf()))?;
    Ok(CacheKey(key))
}

/// The effective user ID of this process.
#[cfg(unix)]
fn rustix_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Refuse a cache directory that is a symlink or that others may write into (an entry planted
/// there would at worst be a miss, but a directory others control can also swap entries while
/// they are read). Creates the directory (mode 0700) if it does not exist.
pub fn check_dir(dir: &Path) -> Result<(), TrustError> {
    let unsafe_dir = |what| TrustError::Unsafe {
        path: dir.to_path_buf(),
        what,
    };
    if std::fs::symlink_metadata(dir).is_err() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|source| TrustError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|source| TrustError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if meta.file_type().is_symlink() {
        return Err(unsafe_dir("the cache directory is a symlink"));
    }
    if !meta.is_dir() {
        return Err(unsafe_dir("the cache directory is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_dir(
                "the cache directory is writable by others (chmod go-w it)",
            ));
        }
        if meta.uid() != rustix_uid() {
            return Err(unsafe_dir("the cache directory belongs to another user"));
        }
    }
    Ok(())
}

/// Read a cache entry: a regular file, not a symlink (checked on the opened file, so a swap
/// between the check and the read is caught), at most `max` bytes. Anything else is `None`.
#[must_use]
pub fn read_entry(path: &Path, max: u64) -> Option<Vec<u8>> {
    let (mut file, meta) = open_entry(path)?;
    if meta.len() > max {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    std::io::Read::take(&mut file, max + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

/// Open a cache file that is a regular file (not a symlink, a FIFO or a device), the same file
/// before and after opening, with its metadata.
pub fn open_entry(path: &Path) -> Option<(File, std::fs::Metadata)> {
    let before = std::fs::symlink_metadata(path).ok()?;
    if !before.file_type().is_file() {
        return None;
    }
    let file = File::open(path).ok()?;
    let after = file.metadata().ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if (before.dev(), before.ino()) != (after.dev(), after.ino()) {
            return None;
        }
    }
    after.is_file().then_some((file, after))
}

/// Write a cache entry atomically (a unique temporary file, synced, renamed into place).
pub fn write_entry(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_entry_with(dir, path, bytes, true)
}

/// [`write_entry`], syncing the data to disk first or not: an entry lost or torn by a crash is
/// a miss (its MAC does not verify), so a cache of many small entries need not pay a sync for
/// each.
pub fn write_entry_with(dir: &Path, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        if sync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_verify_only_unchanged_and_under_their_name() {
        let key = CacheKey::from_bytes([7; 32]);
        let sealed = key.seal("a", b"payload");
        assert_eq!(key.open("a", &sealed), Some(&b"payload"[..]));
        assert_eq!(key.open("b", &sealed), None, "renamed entry");
        let mut tampered = sealed.clone();
        *tampered.last_mut().expect("not empty") ^= 1;
        assert_eq!(key.open("a", &tampered), None, "tampered payload");
        assert_eq!(key.open("a", &sealed[..10]), None, "truncated");
        let other = CacheKey::from_bytes([8; 32]);
        assert_eq!(other.open("a", &sealed), None, "another key");
    }

    #[test]
    fn key_is_created_owner_only_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/cache.key");
        let a = CacheKey::load_or_create(&path).expect("created");
        let b = CacheKey::load_or_create(&path).expect("read");
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                CacheKey::load_or_create(&path),
                Err(TrustError::Unsafe { .. })
            ));
        }
    }

    #[test]
    fn symlinked_and_world_writable_directories_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        check_dir(&real).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&real, &link).expect("symlink");
            assert!(check_dir(&link).is_err());
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o777)).expect("chmod");
            assert!(check_dir(&real).is_err());
        }
    }

    #[test]
    fn entries_are_read_only_as_regular_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("e");
        write_entry(dir.path(), &path, b"abc").expect("write");
        assert_eq!(read_entry(&path, 10).as_deref(), Some(&b"abc"[..]));
        assert_eq!(read_entry(&path, 2), None, "over the size bound");
        #[cfg(unix)]
        {
            let link = dir.path().join("l");
            std::os::unix::fs::symlink(&path, &link).expect("symlink");
            assert_eq!(read_entry(&link, 10), None);
        }
    }
}
