//! The webhook's certificate, reloaded when its files change (cert-manager rotates the Secret
//! behind a mounted volume by swapping a symbolic link, so the files are polled by content,
//! not watched by inode). A new handshake gets the new certificate; connections already
//! established keep theirs and are never dropped.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rustls::crypto::ring;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// rustls's `ring` provider. rustls 0.23.48 marks it deprecated because `ring` has no
/// post-quantum key exchange; it is kept because it builds without a C and assembly toolchain
/// of its own (aws-lc-rs needs cmake and takes minutes more in CI's clean build). Classical
/// ECDHE (X25519, P-256) protects the API server's calls to the webhook.
#[must_use]
#[allow(deprecated)]
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// A certificate or key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read or holds no PEM item of the kind wanted.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The certificate chain and key in use, and the digest of the files they came from.
#[derive(Debug)]
pub struct Reloading {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    digest: Mutex<[u8; 32]>,
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::File {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })
}

fn digest(cert: &[u8], key: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(cert);
    h.update([0]);
    h.update(key);
    h.finalize().into()
}

fn parse(
    cert_path: &Path,
    cert: &[u8],
    key_path: &Path,
    key: &[u8],
) -> Result<CertifiedKey, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::File {
            path: cert_path.to_path_buf(),
            message: format!("not a PEM certificate chain: {e}"),
        })?;
    if chain.is_empty() {
        return Err(TlsError::File {
            path: cert_path.to_path_buf(),
            message: "no CERTIFICATE in the file".to_owned(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| TlsError::File {
        path: key_path.to_path_buf(),
        message: format!("no usable private key (PKCS#8, PKCS#1 or SEC1 PEM): {e}"),
    })?;
    let signing = ring::sign::any_supported_type(&key).map_err(|e| TlsError::File {
        path: key_path.to_path_buf(),
        message: format!("unsupported private key: {e}"),
    })?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|e| TlsError::File {
        path: key_path.to_path_buf(),
        message: format!(
            "the key does not belong to the certificate in {}: {e}",
            cert_path.display()
        ),
    })?;
    Ok(certified)
}

impl Reloading {
    /// Read the certificate chain and key (an error names the file at fault).
    pub fn open(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let (c, k) = (read(cert)?, read(key)?);
        let certified = parse(cert, &c, key, &k)?;
        Ok(Self {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: RwLock::new(Arc::new(certified)),
            digest: Mutex::new(digest(&c, &k)),
        })
    }

    /// Read the files again; swap the certificate in when they changed and are valid. `Ok(true)`
    /// when a new certificate is in use; an error leaves the old one in use (a half-written
    /// pair during a rotation is tried again at the next poll).
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let (c, k) = (read(&self.cert)?, read(&self.key)?);
        let d = digest(&c, &k);
        let mut last = self.digest.lock().unwrap_or_else(PoisonError::into_inner);
        if *last == d {
            return Ok(false);
        }
        let certified = parse(&self.cert, &c, &self.key, &k)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(certified);
        *last = d;
        Ok(true)
    }

    /// A rustls server configuration that asks this resolver on every handshake (HTTP/2 and
    /// HTTP/1.1 offered by ALPN).
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, TlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}
