//! Built container images, read without a daemon: an OCI image layout directory (`oci-layout`,
//! `index.json`, `blobs/<alg>/<hex>`, as umoci and `skopeo copy oci:` write it) or a
//! `docker save` / `skopeo copy docker-archive:` tarball (`manifest.json`, the config and one
//! tar per layer, possibly reached through the legacy `<id>/layer.tar` links).
//!
//! Layers are read as streams (gzip, zstd or plain tar, told apart by their first bytes), one
//! entry at a time, never unpacked to disk and never held whole in memory; OCI whiteouts
//! (`.wh.<name>`) and opaque whiteouts (`.wh..wh..opq`) are applied, so [`Image::files`] is the
//! final filesystem. Only the metadata of every file is kept (type, mode, owner, size, link
//! target, the layer that last wrote it), the text of a few small files the controls need
//! (`/etc/passwd`, `/etc/group`, `/etc/shadow`, `os-release`), and markers found in file
//! contents (a PEM or OpenSSH private key).
//!
//! Bounds: entries per image, bytes decompressed per image and the ratio of decompressed to
//! compressed bytes per layer (a decompression bomb is an error, not a hang); a tar path that
//! leaves the root (`../`) is an error; a missing or short blob is an error naming its digest.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file of the layout or archive could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The layout or archive is not what its format says.
    #[error("{0}")]
    Format(String),
    /// A blob the manifest names is missing.
    #[error("missing blob {digest} (expected at {path})")]
    MissingBlob {
        /// Its digest.
        digest: String,
        /// Where it should be.
        path: String,
    },
    /// A layer could not be read to its end.
    #[error("layer {digest}: {message}")]
    Layer {
        /// The layer's digest.
        digest: String,
        /// What went wrong.
        message: String,
    },
}

/// Bounds on what one image may make the reader do.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Entries over all layers.
    pub max_entries: usize,
    /// Bytes decompressed over all layers.
    pub max_bytes: u64,
    /// Decompressed bytes per compressed byte of a layer, past its first 64 MiB.
    pub max_ratio: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            max_entries: 2_000_000,
            max_bytes: 64 << 30,
            max_ratio: 200,
        }
    }
}

/// What a file in the image is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to another path of the image.
    Hardlink,
    /// A device, FIFO or socket.
    Other,
}

/// One file of the final filesystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// What it is.
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`0o4755`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes (regular files).
    pub size: u64,
    /// A link's target (as written for a symlink; an image path for a hard link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The index of the layer that last wrote it.
    pub layer: usize,
}

/// One layer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Layer {
    /// Digest of the blob (`sha256:…`), or the archive member for a docker archive.
    pub digest: String,
    /// The history entry that made it (`RUN …`), when the config says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// The parts of the image configuration the controls use.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Config {
    /// `User`.
    #[serde(default)]
    pub user: String,
    /// `Healthcheck.Test`, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Vec<String>>,
    /// `ExposedPorts` keys (`22/tcp`).
    #[serde(default)]
    pub exposed_ports: Vec<String>,
    /// `Env` (`NAME=value`).
    #[serde(default)]
    pub env: Vec<String>,
    /// `Labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// A read image.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Image {
    /// Its names (`org.opencontainers.image.ref.name`, `RepoTags`).
    pub names: Vec<String>,
    /// The manifest's digest (a layout) or the config's (an archive): what the image is.
    pub digest: String,
    /// The configuration.
    pub config: Config,
    /// The layers, bottom first.
    pub layers: Vec<Layer>,
    /// The final filesystem by absolute path (`/usr/bin/passwd`).
    pub files: BTreeMap<String, Entry>,
    /// The text of the small files the controls read, by path.
    pub contents: BTreeMap<String, String>,
    /// What was found inside files (`private-key`), by path.
    pub markers: BTreeMap<String, Vec<String>>,
}

/// Files whose text is kept (up to [`KEPT_TEXT`] bytes).
const KEPT: &[&str] = &[
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/os-release",
    "/usr/lib/os-release",
];

/// The most text kept of one file.
const KEPT_TEXT: u64 = 1 << 20;

/// Files larger than this are not searched for keys.
const SEARCHED: u64 = 1 << 20;

/// Whether a directory is an OCI image layout.
#[must_use]
pub fn is_layout(dir: &Path) -> bool {
    dir.join("oci-layout").is_file() && dir.join("index.json").is_file()
}

/// Whether a file is a `docker save` archive (a tar with a `manifest.json` among its first
/// members; only the names of the members are read).
#[must_use]
pub fn is_archive(path: &Path) -> bool {
    if path
        .extension()
        .is_none_or(|e| !e.eq_ignore_ascii_case("tar"))
    {
        return false;
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(BufReader::new(file));
    let Ok(entries) = archive.entries() else {
        return false;
    };
    entries
        .take(10_000)
        .flatten()
        .any(|e| e.path().is_ok_and(|p| p == Path::new("manifest.json")))
}

/// Read an OCI image layout (the first image of its index; of a multi-platform index, the
/// `linux/amd64` image, else the first).
///
/// # Errors
/// A missing or malformed file, a missing blob, a layer that cannot be read or breaks a bound.
pub fn read_layout(dir: &Path, bounds: Bounds) -> Result<Image, ImageError> {
    let index: serde_json::Value = read_json(&dir.join("index.json"))?;
    let (manifest_digest, names) = pick(dir, &index)?;
    let manifest: serde_json::Value = read_json(&blob_path(dir, &manifest_digest)?)?;
    let config_digest = manifest
        .pointer("/config/digest")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ImageError::Format(format!("manifest {manifest_digest} has no config")))?;
    let config: serde_json::Value = read_json(&blob_path(dir, config_digest)?)?;
    let digests: Vec<String> = manifest
        .get("layers")
        .and_then(serde_json::Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|l| l.get("digest")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut image = Image {
        names,
        digest: manifest_digest,
        config: config_of(&config),
        layers: layers_of(&config, &digests),
        ..Image::default()
    };
    let mut budget = Budget::new(bounds);
    for (i, digest) in digests.iter().enumerate() {
        let path = blob_path(dir, digest)?;
        let file = File::open(&path).map_err(|_| ImageError::MissingBlob {
            digest: digest.clone(),
            path: path.display().to_string(),
        })?;
        let size = file.metadata().map_or(0, |m| m.len());
        apply_layer(
            &mut image,
            i,
            digest,
            BufReader::new(file),
            size,
            &mut budget,
        )?;
    }
    Ok(image)
}

/// Read a `docker save` / `skopeo copy docker-archive:` tarball (its first image).
///
/// # Errors
/// As [`read_layout`].
pub fn read_archive(path: &Path, bounds: Bounds) -> Result<Image, ImageError> {
    let io = |source| ImageError::Io {
        path: path.display().to_string(),
        source,
    };
    // Where each member is: (offset of its data, size), and links between members.
    let mut members: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut links: BTreeMap<String, String> = BTreeMap::new();
    {
        let file = File::open(path).map_err(io)?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        for entry in archive.entries_with_seek().map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = normalize(&entry.path().map_err(io)?.to_string_lossy())
                .ok_or_else(|| ImageError::Format("a member leaves the archive".into()))?;
            match entry.header().entry_type() {
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    if let Ok(Some(target)) = entry.link_name() {
                        let base = Path::new(&name).parent().unwrap_or(Path::new("/"));
                        let joined = if entry.header().entry_type() == tar::EntryType::Link {
                            format!("/{}", target.display())
                        } else {
                            base.join(target).display().to_string()
                        };
                        if let Some(t) = normalize(&joined) {
                            links.insert(name, t);
                        }
                    }
                }
                _ => {
                    members.insert(name, (entry.raw_file_position(), entry.size()));
                }
            }
        }
    }
    let resolve = |name: &str| -> Option<(u64, u64)> {
        let mut at = normalize(&format!("/{name}"))?;
        for _ in 0..40 {
            if let Some(&m) = members.get(&at) {
                return Some(m);
            }
            at = links.get(&at)?.clone();
        }
        None
    };
    let mut file = File::open(path).map_err(io)?;
    let mut member = |name: &str| -> Result<Vec<u8>, ImageError> {
        let (offset, size) = resolve(name).ok_or_else(|| ImageError::MissingBlob {
            digest: name.to_owned(),
            path: format!("{}:{name}", path.display()),
        })?;
        if size > 64 << 20 {
            return Err(ImageError::Format(format!(
                "{name}: {size} bytes, too large for JSON"
            )));
        }
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut bytes = vec![0; usize::try_from(size).unwrap_or(0)];
        file.read_exact(&mut bytes).map_err(io)?;
        Ok(bytes)
    };
    let manifest: serde_json::Value = serde_json::from_slice(&member("manifest.json")?)
        .map_err(|e| ImageError::Format(format!("manifest.json: {e}")))?;
    let first = manifest
        .get(0)
        .ok_or_else(|| ImageError::Format("manifest.json lists no image".into()))?;
    let config_name = first
        .get("Config")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ImageError::Format("manifest.json: no Config".into()))?;
    let config: serde_json::Value = serde_json::from_slice(&member(config_name)?)
        .map_err(|e| ImageError::Format(format!("{config_name}: {e}")))?;
    let layer_names: Vec<String> = first
        .get("Layers")
        .and_then(serde_json::Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let names = first
        .get("RepoTags")
        .and_then(serde_json::Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // A layer's digest: its diff ID from the config (the archive's layers are uncompressed).
    let diff_ids: Vec<String> = config
        .pointer("/rootfs/diff_ids")
        .and_then(serde_json::Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let digests: Vec<String> = layer_names
        .iter()
        .enumerate()
        .map(|(i, n)| diff_ids.get(i).cloned().unwrap_or_else(|| n.clone()))
        .collect();
    let config_digest = config_name
        .trim_end_matches(".json")
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let mut image = Image {
        names,
        digest: format!("sha256:{config_digest}"),
        config: config_of(&config),
        layers: layers_of(&config, &digests),
        ..Image::default()
    };
    let mut budget = Budget::new(bounds);
    for (i, name) in layer_names.iter().enumerate() {
        let (offset, size) = resolve(name).ok_or_else(|| ImageError::MissingBlob {
            digest: digests[i].clone(),
            path: format!("{}:{name}", path.display()),
        })?;
        let mut f = File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        apply_layer(
            &mut image,
            i,
            &digests[i],
            BufReader::new(f).take(size),
            size,
            &mut budget,
        )?;
    }
    Ok(image)
}

/// The manifest to read from an index, and the image's names.
fn pick(dir: &Path, index: &serde_json::Value) -> Result<(String, Vec<String>), ImageError> {
    let manifests = index
        .get("manifests")
        .and_then(serde_json::Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ImageError::Format("index.json lists no manifest".into()))?;
    let chosen = manifests
        .iter()
        .find(|m| {
            m.pointer("/platform/os")
                .and_then(serde_json::Value::as_str)
                == Some("linux")
                && m.pointer("/platform/architecture")
                    .and_then(serde_json::Value::as_str)
                    == Some("amd64")
        })
        .unwrap_or(&manifests[0]);
    let digest = chosen
        .get("digest")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ImageError::Format("index.json: a manifest without a digest".into()))?
        .to_owned();
    let names: Vec<String> = manifests
        .iter()
        .filter_map(|m| {
            m.pointer("/annotations/org.opencontainers.image.ref.name")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let media = chosen
        .get("mediaType")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    if media.contains("index") || media.contains("manifest.list") {
        // A nested index (multi-platform): pick inside it.
        let nested: serde_json::Value = read_json(&blob_path(dir, &digest)?)?;
        let (digest, _) = pick(dir, &nested)?;
        return Ok((digest, names));
    }
    Ok((digest, names))
}

fn read_json(path: &Path) -> Result<serde_json::Value, ImageError> {
    let text = std::fs::read(path).map_err(|source| ImageError::Io {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&text)
        .map_err(|e| ImageError::Format(format!("{}: not JSON: {e}", path.display())))
}

/// `blobs/<alg>/<hex>` of a digest; a digest that is not `alg:hex` is an error (it must not
/// name a path outside the layout).
fn blob_path(dir: &Path, digest: &str) -> Result<PathBuf, ImageError> {
    let (alg, hex) = digest
        .split_once(':')
        .filter(|(a, h)| {
            !a.is_empty()
                && !h.is_empty()
                && a.bytes().all(|b| b.is_ascii_alphanumeric())
                && h.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .ok_or_else(|| ImageError::Format(format!("not a digest: {digest:?}")))?;
    let path = dir.join("blobs").join(alg).join(hex);
    if !path.is_file() {
        return Err(ImageError::MissingBlob {
            digest: digest.to_owned(),
            path: path.display().to_string(),
        });
    }
    Ok(path)
}

fn config_of(config: &serde_json::Value) -> Config {
    let c = config.get("config").cloned().unwrap_or_default();
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Config {
        user: c
            .get("User")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        healthcheck: c.pointer("/Healthcheck/Test").map(|t| strings(Some(t))),
        exposed_ports: c
            .get("ExposedPorts")
            .and_then(serde_json::Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
        env: strings(c.get("Env")),
        labels: c
            .get("Labels")
            .and_then(serde_json::Value::as_object)
            .map(|l| {
                l.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The layers with the history entries that made them (history entries with `empty_layer`
/// made none).
fn layers_of(config: &serde_json::Value, digests: &[String]) -> Vec<Layer> {
    let made: Vec<Option<String>> = config
        .get("history")
        .and_then(serde_json::Value::as_array)
        .map(|h| {
            h.iter()
                .filter(|e| e.get("empty_layer") != Some(&serde_json::Value::Bool(true)))
                .map(|e| {
                    e.get("created_by")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    digests
        .iter()
        .enumerate()
        .map(|(i, d)| Layer {
            digest: d.clone(),
            created_by: made.get(i).cloned().flatten(),
        })
        .collect()
}

/// What is left of the bounds.
struct Budget {
    bounds: Bounds,
    entries: usize,
    bytes: u64,
}

impl Budget {
    fn new(bounds: Bounds) -> Self {
        Self {
            bounds,
            entries: 0,
            bytes: 0,
        }
    }
}

/// Counts the bytes that come out of a decompressor and stops a bomb.
struct Counted<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(format!(
                "decompresses to more than {} bytes: a decompression bomb, or past the image's bound",
                self.limit
            )));
        }
        Ok(n)
    }
}

/// Read one layer (gzip, zstd or plain tar) onto the image's filesystem.
fn apply_layer<R: Read>(
    image: &mut Image,
    index: usize,
    digest: &str,
    mut reader: R,
    compressed: u64,
    budget: &mut Budget,
) -> Result<(), ImageError> {
    let fail = |message: String| ImageError::Layer {
        digest: digest.to_owned(),
        message,
    };
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match reader.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(fail(e.to_string())),
        }
    }
    let head = std::io::Cursor::new(magic[..got].to_vec()).chain(reader);
    let stream: Box<dyn Read> = if magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(head))
    } else if magic == [0x28, 0xb5, 0x2f, 0xfd] {
        Box::new(
            ruzstd::decoding::StreamingDecoder::new(head)
                .map_err(|e| fail(format!("not zstd: {e}")))?,
        )
    } else {
        Box::new(head)
    };
    let by_ratio = compressed
        .saturating_mul(budget.bounds.max_ratio)
        .saturating_add(64 << 20);
    let limit = by_ratio.min(budget.bounds.max_bytes.saturating_sub(budget.bytes));
    let mut counted = Counted {
        inner: stream,
        read: 0,
        limit,
    };
    let mut added: Vec<(String, Entry)> = Vec::new();
    let mut whiteouts: Vec<String> = Vec::new();
    let mut opaque: Vec<String> = Vec::new();
    {
        let mut archive = tar::Archive::new(&mut counted);
        let entries = archive.entries().map_err(|e| fail(e.to_string()))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| fail(format!("truncated or corrupt: {e}")))?;
            budget.entries += 1;
            if budget.entries > budget.bounds.max_entries {
                return Err(fail(format!(
                    "more than {} entries in the image",
                    budget.bounds.max_entries
                )));
            }
            let raw = entry
                .path()
                .map_err(|e| fail(e.to_string()))?
                .to_string_lossy()
                .into_owned();
            let path = normalize(&format!("/{raw}"))
                .ok_or_else(|| fail(format!("the path {raw:?} leaves the image's root")))?;
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
            if name == ".wh..wh..opq" {
                opaque.push(if dir.is_empty() {
                    "/".to_owned()
                } else {
                    dir.to_owned()
                });
                continue;
            }
            if let Some(hidden) = name.strip_prefix(".wh.") {
                whiteouts.push(format!("{dir}/{hidden}"));
                continue;
            }
            let header = entry.header();
            let kind = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Symlink => Kind::Symlink,
                tar::EntryType::Link => Kind::Hardlink,
                _ => Kind::Other,
            };
            let link = match kind {
                Kind::Symlink => entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|l| l.to_string_lossy().into_owned()),
                Kind::Hardlink => {
                    let target = entry
                        .link_name()
                        .ok()
                        .flatten()
                        .map(|l| l.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    Some(normalize(&format!("/{target}")).ok_or_else(|| {
                        fail(format!(
                            "the hard link {path} points outside the image: {target:?}"
                        ))
                    })?)
                }
                _ => None,
            };
            let size = entry.size();
            let mut e = Entry {
                kind,
                mode: header.mode().unwrap_or(0) & 0o7777,
                uid: header.uid().unwrap_or(0),
                gid: header.gid().unwrap_or(0),
                size,
                link,
                layer: index,
            };
            if kind == Kind::Hardlink
                && let Some(target) = e.link.as_ref().and_then(|t| {
                    added
                        .iter()
                        .rev()
                        .find(|(p, _)| p == t)
                        .map(|(_, e)| e)
                        .or_else(|| image.files.get(t))
                })
            {
                // A hard link is its target: the same mode and owner.
                e.mode = target.mode;
                e.uid = target.uid;
                e.gid = target.gid;
                e.size = target.size;
            }
            if kind == Kind::File {
                let keep = KEPT.contains(&path.as_str()) && size <= KEPT_TEXT;
                if keep || size <= SEARCHED {
                    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                    entry
                        .read_to_end(&mut bytes)
                        .map_err(|err| fail(format!("{path}: {err}")))?;
                    if let Some(marker) = marker(&bytes) {
                        image
                            .markers
                            .entry(path.clone())
                            .or_default()
                            .push(marker.to_owned());
                    } else {
                        image.markers.remove(&path);
                    }
                    if keep {
                        image
                            .contents
                            .insert(path.clone(), String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
            }
            added.push((path, e));
        }
    }
    budget.bytes += counted.read;
    // Whiteouts hide what lower layers hold, not what this layer adds.
    for dir in &opaque {
        let prefix = if dir == "/" {
            "/".to_owned()
        } else {
            format!("{dir}/")
        };
        let hidden: Vec<String> = image
            .files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        for p in hidden {
            forget(image, &p);
        }
    }
    for path in &whiteouts {
        let prefix = format!("{path}/");
        let hidden: Vec<String> = image
            .files
            .range(path.clone()..)
            .take_while(|(p, _)| *p == path || p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        for p in hidden {
            forget(image, &p);
        }
    }
    for (path, e) in added {
        if e.kind != Kind::File {
            image.markers.remove(&path);
            image.contents.remove(&path);
        }
        image.files.insert(path, e);
    }
    Ok(())
}

fn forget(image: &mut Image, path: &str) {
    image.files.remove(path);
    image.markers.remove(path);
    image.contents.remove(path);
}

/// What a file's bytes reveal: a private key.
fn marker(bytes: &[u8]) -> Option<&'static str> {
    let text = &bytes[..bytes.len().min(SEARCHED as usize)];
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    (has(b"-----BEGIN") && (has(b"PRIVATE KEY-----"))).then_some("private-key")
}

/// An absolute, lexically normal path (`/a/b`), or `None` when it climbs above the root.
#[must_use]
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// [`normalize`] as the kernel resolves a link: `..` at the root stays at the root.
fn clamped(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Image {
    /// A path with its symbolic links resolved inside the image (an absolute link target is
    /// the image's root, not the host's), or `None` for a loop (more than 40 links) or a
    /// dangling link.
    #[must_use]
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut todo: Vec<String> = normalize(path)?
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .rev()
            .collect();
        let mut done = String::new();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            let next = format!("{done}/{part}");
            match self.files.get(&next) {
                Some(Entry {
                    kind: Kind::Symlink,
                    link: Some(target),
                    ..
                }) => {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    let base = if target.starts_with('/') {
                        String::new()
                    } else {
                        done.clone()
                    };
                    let joined = clamped(&format!("{base}/{target}"));
                    for p in joined.split('/').filter(|p| !p.is_empty()).rev() {
                        todo.push(p.to_owned());
                    }
                    done = String::new();
                }
                Some(_) => done = next,
                None => return None,
            }
        }
        Some(if done.is_empty() {
            "/".to_owned()
        } else {
            done
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_inside_the_root() {
        assert_eq!(normalize("/a/./b//c/../d").as_deref(), Some("/a/b/d"));
        assert_eq!(normalize("etc/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(normalize("/a/../../etc/shadow"), None);
        assert_eq!(normalize("../x"), None);
    }

    fn entry(kind: Kind, link: Option<&str>) -> Entry {
        Entry {
            kind,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            link: link.map(str::to_owned),
            layer: 0,
        }
    }

    #[test]
    fn links_resolve_inside_the_image_and_loops_end() {
        let mut image = Image::default();
        for (p, e) in [
            ("/bin", entry(Kind::Symlink, Some("usr/bin"))),
            ("/usr", entry(Kind::Dir, None)),
            ("/usr/bin", entry(Kind::Dir, None)),
            ("/usr/bin/busybox", entry(Kind::File, None)),
            ("/usr/bin/sh", entry(Kind::Symlink, Some("/bin/busybox"))),
            ("/loop/a", entry(Kind::Symlink, Some("b"))),
            ("/loop", entry(Kind::Dir, None)),
            ("/loop/b", entry(Kind::Symlink, Some("a"))),
            ("/escape", entry(Kind::Symlink, Some("../../../etc"))),
        ] {
            image.files.insert(p.to_owned(), e);
        }
        assert_eq!(
            image.resolve("/bin/sh").as_deref(),
            Some("/usr/bin/busybox")
        );
        assert_eq!(image.resolve("/loop/a"), None);
        // `..` at the root stays at the root, as in the kernel.
        assert_eq!(image.resolve("/escape"), None);
    }
}
