//! `stiglint serve`: the controls at admission, as a Kubernetes validating webhook.
//!
//! * [`decision`]: one `AdmissionReview` through the engine (the session `stiglint check` uses,
//!   over in-memory documents) and the decision: deny, warnings, audit annotations;
//! * [`namespaces`]: the review's Namespace (labels: Pod Security levels) from a watch on the
//!   Kubernetes API, or from Namespace manifests;
//! * [`tls`]: the certificate, reloaded when its files change;
//! * [`metrics`]: `GET /metrics`.
//!
//! The server (this module) speaks HTTP/1.1 and HTTP/2 over rustls with hyper on tokio:
//! `POST /validate`, `GET /healthz`, `GET /readyz` (ready once every plugin is loaded and the
//! namespace cache has listed), `GET /metrics`. The library never prints: what the server has
//! to say goes to the `log` function it is given.

pub mod decision;
pub mod metrics;
pub mod namespaces;
pub mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use kube_core::DynamicObject;
use kube_core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};

use crate::config::OnError;
use crate::session::SessionOptions;
use decision::{Judge, Verdict};
use metrics::Metrics;
use namespaces::{Lookup, Namespaces};

/// etcd's default object size limit: the largest body kube-apiserver would send.
pub const DEFAULT_MAX_BODY: u64 = 3 << 20;

/// The budget of a review when the request names none (kube-apiserver's default
/// `timeoutSeconds`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server writes to its log.
pub type Log = Arc<dyn Fn(String) + Send + Sync>;

/// How to serve.
pub struct ServeOptions {
    /// The listener, bound by the caller (`--addr`).
    pub listener: std::net::TcpListener,
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// How often the certificate files are read for a rotation.
    pub reload_interval: Duration,
    /// Largest request body.
    pub max_body: u64,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub drain: Duration,
    /// The session's options (configuration, plugins, limits).
    pub session: SessionOptions,
    /// Where namespaces come from.
    pub namespaces: Namespaces,
    /// Worker threads of the async runtime.
    pub workers: usize,
    /// The log.
    pub log: Log,
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The certificate or key.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The engine could not start.
    #[error(transparent)]
    Judge(#[from] decision::JudgeError),
    /// The runtime, the listener or a signal handler.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

struct State {
    judge: OnceLock<Arc<Judge>>,
    namespaces: Namespaces,
    metrics: Metrics,
    max_body: u64,
    draining: AtomicBool,
}

/// Serve until SIGTERM or SIGINT, then drain: stop accepting, let in-flight requests finish
/// (at most `drain`), and return.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.workers.max(1))
        .enable_all()
        .build()?;
    let result = runtime.block_on(serve(options));
    // A plugin call still running after the drain (its own deadline stops it) does not hold
    // the exit up.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let log = options.log.clone();
    let certs = Arc::new(tls::Reloading::open(&options.cert, &options.key)?);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(certs.server_config()?));
    options.listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(options.listener)?;
    let state = Arc::new(State {
        judge: OnceLock::new(),
        namespaces: options.namespaces,
        metrics: Metrics::default(),
        max_body: options.max_body,
        draining: AtomicBool::new(false),
    });
    log(format!("listening on https://{}", listener.local_addr()?));
    log(state.namespaces.describe());
    if let Namespaces::Cluster { cache, api } = &state.namespaces {
        tokio::spawn(Arc::clone(api).run(Arc::clone(cache), log.clone()));
    }

    // Plugins load while /healthz already answers; /readyz waits for them.
    let session = options.session;
    let threads = options.workers;
    let loading = tokio::task::spawn_blocking(move || Judge::new(session, threads));

    // Certificate rotation.
    {
        let certs = Arc::clone(&certs);
        let log = log.clone();
        let every = options.reload_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            let mut failing = false;
            loop {
                tick.tick().await;
                let c = Arc::clone(&certs);
                match tokio::task::spawn_blocking(move || c.reload_if_changed()).await {
                    Ok(Ok(true)) => {
                        failing = false;
                        log("certificate reloaded".to_owned());
                    }
                    Ok(Ok(false)) => failing = false,
                    Ok(Err(e)) if !failing => {
                        failing = true;
                        log(format!(
                            "certificate not reloaded (the previous one stays in use): {e}"
                        ));
                    }
                    _ => {}
                }
            }
        });
    }

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut loading = Some(loading);
    loop {
        tokio::select! {
            loaded = async {
                match loading.as_mut() {
                    Some(l) => l.await,
                    None => std::future::pending().await,
                }
            }, if loading.is_some() => {
                loading = None;
                let judge = match loaded {
                    Ok(j) => j?,
                    Err(e) => return Err(std::io::Error::other(format!("loading the plugins: {e}")).into()),
                };
                ready_report(&judge, &log);
                let judge = Arc::new(judge);
                let _ = state.judge.set(Arc::clone(&judge));
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(60));
                    loop {
                        tick.tick().await;
                        let j = Arc::clone(&judge);
                        let _ = tokio::task::spawn_blocking(move || j.new_day(&crate::dates::today_utc())).await;
                    }
                });
            }
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = Arc::clone(&state);
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(route(&state, req).await) }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = watcher.watch(builder.serve_connection(TokioIo::new(tls), service)).await;
                });
            }
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    state.draining.store(true, Ordering::Release);
    drop(listener);
    log(format!("draining {} connection(s)", graceful.count()));
    tokio::select! {
        () = graceful.shutdown() => log("drained".to_owned()),
        () = tokio::time::sleep(options.drain) => log("drain timed out: closing the remaining connections".to_owned()),
    }
    Ok(())
}

fn ready_report(judge: &Judge, log: &Log) {
    let session = judge.session();
    log(format!(
        "ready: {} plugin(s), {} control(s) at admission; requests are denied by open `deny` findings at or above {}; on error: {}",
        session.plugins.len(),
        session.selected.len(),
        judge.deny.name(),
        match judge.on_error {
            OnError::Deny => "deny",
            OnError::Allow => "allow",
        }
    ));
    let readers = &judge.namespace_readers;
    if readers.is_empty() {
        log(
            "no control at admission reads namespace labels (a Pod Security check would)"
                .to_owned(),
        );
    } else {
        log(format!(
            "namespace labels are read by: {}",
            readers.join(", ")
        ));
    }
    for (id, why) in &judge.not_at_admission {
        log(format!("not run at admission: {id} ({why})"));
    }
    for w in &judge.waivers_not_applicable {
        log(format!("waiver not applicable at admission: {w}"));
    }
    log("inline waivers (comments in files) do not apply at admission".to_owned());
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn route(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            if state.draining.load(Ordering::Acquire) {
                text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
            } else if state.judge.get().is_none() {
                text(StatusCode::SERVICE_UNAVAILABLE, "loading plugins\n")
            } else if !state.namespaces.ready() {
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "namespace cache not synced\n",
                )
            } else {
                text(StatusCode::OK, "ok\n")
            }
        }
        (&Method::GET, "/metrics") => {
            let mut r = text(StatusCode::OK, state.metrics.render());
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        (&Method::POST, "/validate") => validate(state, req).await,
        (_, "/healthz" | "/readyz" | "/metrics" | "/validate") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// `?timeout=10s` as kube-apiserver sends it (a Go duration: `10s`, `500ms`, `1m30s`).
fn parse_timeout(query: Option<&str>) -> Option<Duration> {
    let value = query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("timeout="))?;
    let mut total = Duration::ZERO;
    let mut rest = value;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit..];
        total += Duration::try_from_secs_f64(n * scale).ok()?;
    }
    Some(total)
}

fn json(status: StatusCode, review: &AdmissionReview<DynamicObject>) -> Response<Full<Bytes>> {
    // Through a `Value`: its maps are sorted, so the same answer is always the same bytes.
    let body = serde_json::to_value(review)
        .and_then(|v| serde_json::to_vec(&v))
        .unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

async fn validate(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let budget = parse_timeout(req.uri().query()).unwrap_or(DEFAULT_TIMEOUT);
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {} bytes\n", state.max_body),
        )
    };
    if declared.is_some_and(|n| n > state.max_body) {
        state.metrics.request("too-large", started.elapsed());
        return too_large();
    }
    let limit = usize::try_from(state.max_body).unwrap_or(usize::MAX);
    let body = match Limited::new(req.into_body(), limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                state.metrics.request("too-large", started.elapsed());
                return too_large();
            }
            state.metrics.request("invalid", started.elapsed());
            return text(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}\n"),
            );
        }
    };
    let Some(judge) = state.judge.get() else {
        state.metrics.request("not-ready", started.elapsed());
        return text(StatusCode::SERVICE_UNAVAILABLE, "loading plugins\n");
    };
    let request = match parse_review(&body) {
        Ok(r) => r,
        Err(message) => {
            state.metrics.request("invalid", started.elapsed());
            return text(StatusCode::BAD_REQUEST, format!("{message}\n"));
        }
    };
    let (response, outcome) = decide(state, judge, &request, budget).await;
    state.metrics.request(outcome, started.elapsed());
    json(StatusCode::OK, &response.into_review())
}

fn parse_review(body: &[u8]) -> Result<AdmissionRequest<DynamicObject>, String> {
    let review: AdmissionReview<DynamicObject> =
        serde_json::from_slice(body).map_err(|e| format!("not an AdmissionReview: {e}"))?;
    if review.types.kind != "AdmissionReview" {
        return Err(format!(
            "not an AdmissionReview: kind is '{}'",
            review.types.kind
        ));
    }
    if !matches!(
        review.types.api_version.as_str(),
        "admission.k8s.io/v1" | "admission.k8s.io/v1beta1"
    ) {
        return Err(format!(
            "AdmissionReview apiVersion '{}' is not admission.k8s.io/v1",
            review.types.api_version
        ));
    }
    let request: AdmissionRequest<DynamicObject> = review
        .try_into()
        .map_err(|_| "an AdmissionReview without a request".to_owned())?;
    if matches!(request.operation, Operation::Create | Operation::Update)
        && request.object.is_none()
    {
        return Err(format!(
            "a {:?} request without an object",
            request.operation
        ));
    }
    Ok(request)
}

/// The answer when the request cannot be judged, by `[serve] on-error`.
fn cannot_judge(
    judge: &Judge,
    response: AdmissionResponse,
    subject: &str,
    why: &str,
) -> (AdmissionResponse, &'static str) {
    match judge.on_error {
        OnError::Deny => {
            let mut r = response.deny(format!(
                "stiglint could not judge {subject}: {why} (refused: [serve] on-error = \"deny\")"
            ));
            r.result.code = 500;
            r.result.reason = "InternalError".to_owned();
            (r, "error-denied")
        }
        OnError::Allow => {
            let mut r = response;
            r.warnings = Some(vec![truncate_warning(format!(
                "stiglint could not judge {subject}: {why} (admitted: [serve] on-error = \"allow\")"
            ))]);
            (r, "error-allowed")
        }
    }
}

fn truncate_warning(mut s: String) -> String {
    if s.len() > 256 {
        let mut end = 255;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

async fn decide(
    state: &State,
    judge: &Arc<Judge>,
    request: &AdmissionRequest<DynamicObject>,
    budget: Duration,
) -> (AdmissionResponse, &'static str) {
    let response = AdmissionResponse::from(request);
    let (Operation::Create | Operation::Update, Some(object)) =
        (&request.operation, &request.object)
    else {
        // DELETE and CONNECT are admitted without judging.
        return (response, "skipped");
    };
    let kind = object
        .types
        .as_ref()
        .map_or(request.kind.kind.as_str(), |t| t.kind.as_str());
    let namespace = request
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(object.metadata.namespace.as_deref());
    let name = object
        .metadata
        .name
        .as_deref()
        .unwrap_or(request.name.as_str());
    let subject = decision::subject(kind, namespace, name);
    // The object as it will be stored: the namespace of the request when the object leaves it
    // out (a `kubectl apply` without `-n`).
    let mut object = object.clone();
    if object.metadata.namespace.is_none() {
        object.metadata.namespace = request.namespace.clone().filter(|n| !n.is_empty());
    }
    let Ok(object_json) = serde_json::to_string_pretty(&object) else {
        return cannot_judge(
            judge,
            response,
            &subject,
            "the object cannot be written as JSON",
        );
    };
    // Only a control that relates an object to its Namespace reads it: without one, the
    // namespace is not looked up (and an unknown one does not matter).
    let ns_json = match namespace {
        Some(ns) if kind != "Namespace" && !judge.namespace_readers.is_empty() => {
            match state.namespaces.lookup(ns).await {
                Lookup::Found(text) => Some(text),
                Lookup::NoSource => None,
                Lookup::Unknown => {
                    return cannot_judge(
                        judge,
                        response,
                        &subject,
                        &format!(
                            "namespace '{ns}' is not known (its Pod Security labels cannot be read)"
                        ),
                    );
                }
            }
        }
        _ => None,
    };
    let task = judge.spawn(request.uid.clone(), object_json, ns_json);
    let margin = Duration::from_millis(50);
    let verdict: Verdict =
        match tokio::time::timeout(budget.saturating_sub(margin).max(margin), task).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                return cannot_judge(
                    judge,
                    response,
                    &subject,
                    &format!("the engine failed ({e})"),
                );
            }
            Err(_) => {
                return cannot_judge(
                    judge,
                    response,
                    &subject,
                    &format!(
                        "not judged within the request's timeout of {} ms",
                        budget.as_millis()
                    ),
                );
            }
        };
    for p in &verdict.errors {
        if let Some(plugin) = &p.plugin {
            state.metrics.plugin_error(plugin);
        } else if p.kind == crate::problem::ProblemKind::Plugin {
            state.metrics.plugin_error("(unknown)");
        }
    }
    for d in &verdict.deny {
        state.metrics.finding(&d.control, "deny");
    }
    for w in &verdict.warn {
        state.metrics.finding(&w.control, "warn");
    }
    for w in &verdict.waived {
        state.metrics.finding(&w.item.control, "waived");
    }
    let mut response = response;
    let warnings: Vec<String> = verdict.warn.iter().map(decision::warning).collect();
    if !warnings.is_empty() {
        response.warnings = Some(warnings);
    }
    response.audit_annotations = decision::audit_annotations(&verdict.waived)
        .into_iter()
        .collect();
    if !verdict.deny.is_empty() {
        let mut message = decision::denial_message(&subject, &verdict.deny);
        for p in &verdict.errors {
            message.push(' ');
            message.push_str(&decision::problem_line(p));
            message.push('.');
        }
        let mut r = response.deny(message);
        r.result.code = 403;
        r.result.reason = "Forbidden".to_owned();
        return (r, "denied");
    }
    if !verdict.errors.is_empty() {
        let why: Vec<String> = verdict.errors.iter().map(decision::problem_line).collect();
        let (mut r, outcome) = cannot_judge(judge, response.clone(), &subject, &why.join("; "));
        r.audit_annotations = response.audit_annotations;
        if r.allowed {
            let mut w = response.warnings.unwrap_or_default();
            w.extend(r.warnings.take().unwrap_or_default());
            r.warnings = Some(w);
        }
        return (r, outcome);
    }
    (response, "allowed")
}

/// The socket address `--addr` names.
pub fn parse_addr(addr: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .map_err(|e| format!("--addr {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("--addr {addr}: no address"))
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;
    use std::time::Duration;

    #[test]
    fn go_durations_of_the_timeout_parameter() {
        assert_eq!(
            parse_timeout(Some("timeout=10s")),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_timeout(Some("a=b&timeout=1m30s")),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_timeout(Some("timeout=500ms")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_timeout(Some("timeout=10")), None);
        assert_eq!(parse_timeout(None), None);
    }
}
