//! `stiglint serve`: the controls at admission, as a validating webhook over HTTPS.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use stiglint::serve::namespaces::{ApiServer, Cache, Namespaces, read_manifests};
use stiglint::serve::{self, ServeOptions};

use super::{CommonArgs, load_config, session_options};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "HOST:PORT", default_value = "0.0.0.0:8443")]
    pub(crate) addr: String,
    /// PEM certificate chain (reloaded when the file changes).
    #[arg(long, value_name = "FILE")]
    pub(crate) tls_cert: PathBuf,
    /// PEM private key (reloaded with the certificate).
    #[arg(long, value_name = "FILE")]
    pub(crate) tls_key: PathBuf,
    /// How often the certificate files are checked for a rotation, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub(crate) cert_reload_interval: u64,
    /// Largest request body (default: `[serve] max-body-size`, else 3 MiB).
    #[arg(long, value_name = "SIZE", value_parser = stiglint::config::parse_size)]
    pub(crate) max_body_size: Option<u64>,
    /// How long in-flight requests may take to finish after SIGTERM, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 4500)]
    pub(crate) drain_timeout_ms: u64,
    /// Kubernetes API server to watch namespaces on (`http://127.0.0.1:8001` for `kubectl
    /// proxy`); in a pod, the pod's API server and service account are used without it.
    #[arg(long, value_name = "URL")]
    pub(crate) kube_api: Option<String>,
    /// Bearer token file for `--kube-api` (read again for every request).
    #[arg(long, value_name = "FILE", requires = "kube_api")]
    pub(crate) kube_token_file: Option<PathBuf>,
    /// CA certificate of an `https://` `--kube-api`.
    #[arg(long, value_name = "FILE", requires = "kube_api")]
    pub(crate) kube_ca_file: Option<PathBuf>,
    /// Threads answering requests, and as many judging them (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub(crate) workers: Option<usize>,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Run it.
pub(crate) fn run(args: ServeArgs) -> Result<u8> {
    let config = load_config(&args.common, &[])?;
    let addr = serve::parse_addr(&args.addr).map_err(anyhow::Error::msg)?;
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    let namespaces = if let Some(url) = &args.kube_api {
        let api = ApiServer::new(
            url,
            args.kube_token_file.clone(),
            args.kube_ca_file.as_deref(),
        )?;
        Namespaces::Cluster {
            cache: Arc::new(Cache::default()),
            api: Arc::new(api),
        }
    } else if let Some(api) = ApiServer::in_cluster() {
        Namespaces::Cluster {
            cache: Arc::new(Cache::default()),
            api: Arc::new(api?),
        }
    } else if !config.serve.namespaces.is_empty() {
        Namespaces::Manifests(read_manifests(&config.serve.namespaces, &config.base_dir)?)
    } else {
        Namespaces::None
    };
    let max_body = args
        .max_body_size
        .or(config.serve.max_body_size.map(|s| s.0))
        .unwrap_or(serve::DEFAULT_MAX_BODY);
    let mut session = session_options(&args.common, config);
    session.today = stiglint::dates::today_utc();
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    let log: serve::Log = Arc::new(|line: String| {
        let _ = writeln!(anstream::stderr(), "stiglint serve: {line}");
    });
    serve::run(ServeOptions {
        listener,
        cert: args.tls_cert,
        key: args.tls_key,
        reload_interval: Duration::from_secs(args.cert_reload_interval.max(1)),
        max_body,
        drain: Duration::from_millis(args.drain_timeout_ms),
        session,
        namespaces,
        workers,
        log,
    })?;
    Ok(0)
}
