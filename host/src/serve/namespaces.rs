//! Where a review's Namespace comes from. An AdmissionReview carries no Namespace object (a
//! Pod Security level is a label on the Namespace), so the webhook keeps them itself:
//!
//! * **in a cluster** (a service-account token and `KUBERNETES_SERVICE_HOST`), or with
//!   `--kube-api URL` (`kubectl proxy`): a List of `/api/v1/namespaces`, then a Watch from its
//!   `resourceVersion` (bookmarks on; a `410 Gone` or a closed stream lists again), read as the
//!   API server writes them: a List object, then one `WatchEvent` JSON object per line. A
//!   namespace not in the cache is fetched once by name before it counts as unknown;
//! * else from the Namespace manifests of `[serve] namespaces`;
//! * else none: the controls' default level applies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;
use tokio::io::{AsyncRead, AsyncWrite};

/// The service account's files in a pod.
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Why namespaces cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    /// A Namespace manifest is not readable or not valid.
    #[error("{path}: {message}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong (with the line where the parser tells it).
        message: String,
    },
    /// The API server cannot be reached or answered with an error.
    #[error("Kubernetes API {url}: {message}")]
    Api {
        /// The request's URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// The answer for a review's namespace.
#[derive(Clone, Debug)]
pub enum Lookup {
    /// The Namespace object, as JSON text.
    Found(Arc<str>),
    /// A source is configured and does not know it.
    Unknown,
    /// No source: the controls' default level applies.
    NoSource,
}

/// The namespaces known, by name, as JSON text.
#[derive(Default)]
pub struct Cache {
    map: RwLock<HashMap<String, Arc<str>>>,
    synced: AtomicBool,
}

impl Cache {
    fn get(&self, name: &str) -> Option<Arc<str>> {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    fn put(&self, ns: &Namespace) {
        let Some(name) = ns.metadata.name.clone() else {
            return;
        };
        if let Ok(text) = serde_json::to_string(ns) {
            self.map
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name, Arc::from(text));
        }
    }

    fn remove(&self, ns: &Namespace) {
        if let Some(name) = &ns.metadata.name {
            self.map
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(name);
        }
    }

    fn replace(&self, items: &[Namespace]) {
        let fresh: HashMap<String, Arc<str>> = items
            .iter()
            .filter_map(|ns| {
                Some((
                    ns.metadata.name.clone()?,
                    Arc::from(serde_json::to_string(ns).ok()?),
                ))
            })
            .collect();
        *self.map.write().unwrap_or_else(PoisonError::into_inner) = fresh;
    }

    /// Whether the first List has been read.
    #[must_use]
    pub fn synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }

    /// How many namespaces are known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The namespace source of a server.
pub enum Namespaces {
    /// Watched through the Kubernetes API.
    Cluster {
        /// The watch's cache.
        cache: Arc<Cache>,
        /// The API server.
        api: Arc<ApiServer>,
    },
    /// Read once from Namespace manifests.
    Manifests(HashMap<String, Arc<str>>),
    /// None.
    None,
}

impl Namespaces {
    /// One line for the startup log: which source is used.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Cluster { api, .. } => format!(
                "namespace labels (Pod Security levels): watched through the Kubernetes API at {}",
                api.base
            ),
            Self::Manifests(m) => format!(
                "namespace labels (Pod Security levels): {} Namespace manifest(s) from [serve] namespaces",
                m.len()
            ),
            Self::None => "namespace labels (Pod Security levels): no source (no service-account token, no --kube-api, no [serve] namespaces): the controls' default level applies".to_owned(),
        }
    }

    /// Whether the source is ready to answer (the watch has listed once).
    #[must_use]
    pub fn ready(&self) -> bool {
        match self {
            Self::Cluster { cache, .. } => cache.synced(),
            _ => true,
        }
    }

    /// The Namespace of a review.
    pub async fn lookup(&self, name: &str) -> Lookup {
        match self {
            Self::None => Lookup::NoSource,
            Self::Manifests(m) => m.get(name).cloned().map_or(Lookup::Unknown, Lookup::Found),
            Self::Cluster { cache, api } => {
                if let Some(found) = cache.get(name) {
                    return Lookup::Found(found);
                }
                // Created a moment ago and not yet seen by the watch: ask once.
                match api.get_namespace(name).await {
                    Ok(Some(ns)) => {
                        cache.put(&ns);
                        cache.get(name).map_or(Lookup::Unknown, Lookup::Found)
                    }
                    _ => Lookup::Unknown,
                }
            }
        }
    }
}

/// Read the Namespace manifests named in `[serve] namespaces` (files, or directories of
/// `.yaml`/`.yml`/`.json` files), relative to `base`.
pub fn read_manifests(
    paths: &[String],
    base: &Path,
) -> Result<HashMap<String, Arc<str>>, NamespaceError> {
    let mut out = HashMap::new();
    for p in paths {
        let path = base.join(p);
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| NamespaceError::Manifest {
                    path: path.clone(),
                    message: format!("cannot read the directory: {e}"),
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                })
                .collect();
            v.sort();
            v
        } else {
            vec![path.clone()]
        };
        let before = out.len();
        for file in &files {
            read_manifest(file, &mut out)?;
        }
        if out.len() == before {
            return Err(NamespaceError::Manifest {
                path,
                message: "no Namespace object in it ([serve] namespaces names Namespace manifests)"
                    .to_owned(),
            });
        }
    }
    Ok(out)
}

fn read_manifest(file: &Path, out: &mut HashMap<String, Arc<str>>) -> Result<(), NamespaceError> {
    use serde::Deserialize;
    let bad = |message: String| NamespaceError::Manifest {
        path: file.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(file).map_err(|e| bad(format!("cannot read: {e}")))?;
    for doc in serde_norway::Deserializer::from_str(&text) {
        let value = serde_json::Value::deserialize(doc).map_err(|e| bad(e.to_string()))?;
        let items = match value.get("kind").and_then(serde_json::Value::as_str) {
            Some("List" | "NamespaceList") => value
                .get("items")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![value],
        };
        for item in items {
            if item.get("kind").and_then(serde_json::Value::as_str) != Some("Namespace") {
                continue;
            }
            let ns: Namespace = serde_json::from_value(item)
                .map_err(|e| bad(format!("not a valid Namespace: {e}")))?;
            let name = ns
                .metadata
                .name
                .clone()
                .ok_or_else(|| bad("a Namespace without metadata.name".to_owned()))?;
            let text = serde_json::to_string(&ns).map_err(|e| bad(e.to_string()))?;
            out.insert(name, Arc::from(text));
        }
    }
    Ok(())
}

/// A Kubernetes API server, spoken to over HTTP/1.1 (TLS with the cluster's CA in a pod).
pub struct ApiServer {
    /// `https://10.96.0.1:443` or `http://127.0.0.1:8001`.
    pub base: String,
    host: String,
    port: u16,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
    token_file: Option<PathBuf>,
}

impl ApiServer {
    /// The API server of the pod this runs in, when it runs in one.
    pub fn in_cluster() -> Option<Result<Self, NamespaceError>> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").ok()?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".to_owned());
        let dir = Path::new(SERVICE_ACCOUNT);
        if !dir.join("token").is_file() {
            return None;
        }
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        Some(Self::new(
            &format!("https://{host}:{port}"),
            Some(dir.join("token")),
            Some(&dir.join("ca.crt")),
        ))
    }

    /// An API server by URL (`http://` for `kubectl proxy`, `https://` with a CA file), with
    /// an optional bearer token file (read again for every request: projected tokens rotate).
    pub fn new(
        url: &str,
        token_file: Option<PathBuf>,
        ca_file: Option<&Path>,
    ) -> Result<Self, NamespaceError> {
        let bad = |message: String| NamespaceError::Api {
            url: url.to_owned(),
            message,
        };
        let uri: hyper::Uri = url
            .trim_end_matches('/')
            .parse()
            .map_err(|e| bad(format!("not a URL: {e}")))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad("the URL must start with http:// or https://".to_owned())),
        };
        let host = uri
            .host()
            .ok_or_else(|| bad("the URL has no host".to_owned()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tls = if https {
            let mut roots = rustls::RootCertStore::empty();
            let ca = ca_file
                .ok_or_else(|| bad("https needs the cluster's CA certificate file".to_owned()))?;
            let pem = std::fs::read(ca)
                .map_err(|e| bad(format!("{}: cannot read: {e}", ca.display())))?;
            use rustls_pki_types::pem::PemObject;
            for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| bad(format!("{}: {e}", ca.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| bad(format!("{}: {e}", ca.display())))?;
            }
            let config = rustls::ClientConfig::builder_with_provider(super::tls::provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| bad(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = rustls_pki_types::ServerName::try_from(host.clone())
                .map_err(|e| bad(format!("{host}: {e}")))?;
            Some((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
        } else {
            None
        };
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            host,
            port,
            tls,
            token_file,
        })
    }

    async fn get(&self, path: &str) -> Result<hyper::Response<Incoming>, NamespaceError> {
        let url = format!("{}{path}", self.base);
        let bad = |message: String| NamespaceError::Api {
            url: url.clone(),
            message,
        };
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| bad(format!("cannot connect: {e}")))?;
        let token = match &self.token_file {
            Some(f) => Some(
                std::fs::read_to_string(f)
                    .map_err(|e| bad(format!("{}: cannot read the token: {e}", f.display())))?
                    .trim()
                    .to_owned(),
            ),
            None => None,
        };
        let mut request = hyper::Request::get(path)
            .header(hyper::header::HOST, format!("{}:{}", self.host, self.port))
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("stiglint/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(t) = token {
            request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let request = request
            .body(Empty::<Bytes>::new())
            .map_err(|e| bad(e.to_string()))?;
        let response = match &self.tls {
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| bad(format!("TLS: {e}")))?;
                send(tls, request).await
            }
            None => send(tcp, request).await,
        }
        .map_err(|e| bad(e.to_string()))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                .unwrap_or_default();
            return Err(bad(format!("HTTP {status}: {}", body.trim())));
        }
        Ok(response)
    }

    async fn get_namespace(&self, name: &str) -> Result<Option<Namespace>, NamespaceError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Ok(None);
        }
        let path = format!("/api/v1/namespaces/{name}");
        match self.get(&path).await {
            Ok(r) => {
                let body = r
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| NamespaceError::Api {
                        url: path.clone(),
                        message: e.to_string(),
                    })?;
                Ok(serde_json::from_slice(&body.to_bytes()).ok())
            }
            Err(_) => Ok(None),
        }
    }

    /// List every namespace into the cache (following `continue`); the List's
    /// `resourceVersion`.
    async fn list(&self, cache: &Cache) -> Result<String, NamespaceError> {
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        let version = loop {
            let path = match &next {
                Some(c) => format!("/api/v1/namespaces?limit=500&continue={}", encode(c)),
                None => "/api/v1/namespaces?limit=500".to_owned(),
            };
            let body = self
                .get(&path)
                .await?
                .into_body()
                .collect()
                .await
                .map_err(|e| NamespaceError::Api {
                    url: path.clone(),
                    message: e.to_string(),
                })?
                .to_bytes();
            let list: k8s_openapi::List<Namespace> =
                serde_json::from_slice(&body).map_err(|e| NamespaceError::Api {
                    url: path.clone(),
                    message: format!("not a NamespaceList: {e}"),
                })?;
            items.extend(list.items);
            match list.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => next = Some(c),
                None => break list.metadata.resource_version.unwrap_or_default(),
            }
        };
        cache.replace(&items);
        cache.synced.store(true, Ordering::Release);
        Ok(version)
    }

    /// Watch from `version` until the stream ends or the version is too old; the last
    /// version seen (`None`: list again).
    async fn watch(
        &self,
        cache: &Cache,
        version: String,
    ) -> Result<Option<String>, NamespaceError> {
        let path = format!(
            "/api/v1/namespaces?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion={}",
            encode(&version)
        );
        let mut body = self.get(&path).await?.into_body();
        let mut pending: Vec<u8> = Vec::new();
        let mut version = version;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| NamespaceError::Api {
                url: path.clone(),
                message: e.to_string(),
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            pending.extend_from_slice(&data);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let event: WatchEvent<Namespace> =
                    serde_json::from_slice(&line).map_err(|e| NamespaceError::Api {
                        url: path.clone(),
                        message: format!("not a watch event: {e}"),
                    })?;
                match event {
                    WatchEvent::Added(ns) | WatchEvent::Modified(ns) => {
                        if let Some(v) = &ns.metadata.resource_version {
                            version.clone_from(v);
                        }
                        cache.put(&ns);
                    }
                    WatchEvent::Deleted(ns) => {
                        if let Some(v) = &ns.metadata.resource_version {
                            version.clone_from(v);
                        }
                        cache.remove(&ns);
                    }
                    WatchEvent::Bookmark {
                        resource_version, ..
                    } => version = resource_version,
                    // 410 Gone (the version is too old) or another error: list again.
                    WatchEvent::ErrorStatus(_) | WatchEvent::ErrorOther(_) => return Ok(None),
                }
            }
        }
        Ok(Some(version))
    }

    /// List, then watch, for ever (reconnecting with a backoff); errors go to `log`.
    pub async fn run(self: Arc<Self>, cache: Arc<Cache>, log: Arc<dyn Fn(String) + Send + Sync>) {
        let mut backoff = Duration::from_millis(250);
        let mut version: Option<String> = None;
        loop {
            let step = match version.take() {
                None => self.list(&cache).await.map(Some),
                Some(v) => self.watch(&cache, v).await,
            };
            match step {
                Ok(v) => {
                    version = v;
                    backoff = Duration::from_millis(250);
                }
                Err(e) => {
                    log(format!(
                        "namespace watch: {e}; listing again in {} ms",
                        backoff.as_millis()
                    ));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }
}

/// Percent-encode a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn send<S>(
    io: S,
    request: hyper::Request<Empty<Bytes>>,
) -> Result<hyper::Response<Incoming>, hyper::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender.send_request(request).await
}
