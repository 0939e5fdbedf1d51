//! `stiglint serve` end to end: the real binary over HTTPS on loopback, with AdmissionReview
//! request fixtures written as JSON files (`tests/data/admission/`) in the shape of the
//! Kubernetes "Dynamic Admission Control" page's example request (`requestKind`,
//! `requestResource`, `userInfo`, `options`, `dryRun`) with objects as the API server stores
//! them (`managedFields`, defaults, `creationTimestamp: null` in templates, the injected
//! `kube-api-access-*` volume). The server's own types only read the responses.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube_core::DynamicObject;
use kube_core::admission::{AdmissionResponse, AdmissionReview};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

fn data(name: &str) -> PathBuf {
    common::repo_root().join("tests/data/admission").join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).expect("fixture")
}

/// A CA and a server certificate for `localhost` / 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki(name: &str) -> Pki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} CA"));
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA");
    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} webhook"));
    let cert = params.signed_by(&key, &ca).expect("server cert");
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Write a file the way a Secret volume changes: a new file renamed over the old one.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    roots: Vec<String>,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let p = pki("first");
        std::fs::write(dir.join("tls.crt"), &p.cert_pem).expect("cert");
        std::fs::write(dir.join("tls.key"), &p.key_pem).expect("key");
        let mut cmd = common::stiglint();
        cmd.arg("serve")
            .args(["--addr", "127.0.0.1:0", "--cert-reload-interval", "1"])
            .arg("--tls-cert")
            .arg(dir.join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.join("tls.key"))
            .args(args)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("stiglint serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(port) = line
                        .strip_prefix("stiglint serve: listening on https://127.0.0.1:")
                        .and_then(|p| p.parse::<u16>().ok())
                    {
                        let _ = tx.send(port);
                    }
                    log.lock().expect("log").push(line);
                }
            });
        }
        let port = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no listening line: {:?}", log.lock().expect("log")));
        Self {
            child,
            port,
            log,
            roots: vec![p.ca_pem],
            _dir: tmp,
            dir,
        }
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(r) = self.try_request("GET", "/readyz", b"")
                && r.status == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not ready: {:?}",
                self.log.lock().expect("log")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    fn connect(&self) -> Conn {
        Conn::open(self.port, &self.roots).expect("connect")
    }

    fn try_request(&self, method: &str, path: &str, body: &[u8]) -> std::io::Result<Reply> {
        Conn::open(self.port, &self.roots)?.request(method, path, body)
    }

    fn request(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        self.try_request(method, path, body).expect("request")
    }

    fn review(&self, fixture_name: &str) -> AdmissionResponse {
        let r = self.request("POST", "/validate?timeout=10s", &fixture(fixture_name));
        assert_eq!(r.status, 200, "{fixture_name}: {}", r.body);
        response(&r.body)
    }

    fn terminate(&self) {
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        )
        .expect("SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn response(body: &str) -> AdmissionResponse {
    let review: AdmissionReview<DynamicObject> = serde_json::from_str(body).expect("a review");
    assert_eq!(review.types.kind, "AdmissionReview");
    assert_eq!(review.types.api_version, "admission.k8s.io/v1");
    review.response.expect("a response")
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

/// One TLS connection speaking HTTP/1.1 (keep-alive).
struct Conn {
    tls: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

impl Conn {
    fn open(port: u16, roots: &[String]) -> std::io::Result<Self> {
        let mut store = rustls::RootCertStore::empty();
        for pem in roots {
            for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                store.add(c.expect("pem")).expect("root");
            }
        }
        let mut config =
            rustls::ClientConfig::builder_with_provider(stiglint::serve::tls::provider())
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_root_certificates(store)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name).map_err(std::io::Error::other)?;
        let tcp = TcpStream::connect(("127.0.0.1", port))?;
        tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        tls.flush()?;
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        Ok(Self { tls })
    }

    fn peer_certificate(&self) -> Vec<u8> {
        self.tls
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .expect("a peer certificate")
            .to_vec()
    }

    fn head(&mut self, method: &str, path: &str, length: usize) -> std::io::Result<()> {
        write!(
            self.tls,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    }

    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> std::io::Result<Reply> {
        self.head(method, path, body.len())?;
        self.tls.write_all(body)?;
        self.tls.flush()?;
        self.reply()
    }

    fn reply(&mut self) -> std::io::Result<Reply> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            self.tls.read_exact(&mut byte)?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .expect("a content-length");
        let mut body = vec![0; length];
        self.tls.read_exact(&mut body)?;
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

fn config_args() -> Vec<String> {
    vec![
        "--config".to_owned(),
        data("stiglint.toml").display().to_string(),
    ]
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn allow_deny_warnings_waivers_and_the_operations() {
    let c = config_args();
    let server = Server::start(&args(&c));
    // Healthy before ready; ready once the plugins are loaded.
    assert_eq!(server.request("GET", "/healthz", b"").status, 200);
    server.wait_ready();
    let log = server.log();
    for line in [
        "namespace labels (Pod Security levels): 2 Namespace manifest(s) from [serve] namespaces",
        "not run at admission: KUBER-L2-000110 (needs the repository's ",
        "not run at admission: KUBER-L2-000030 (needs the repository's TrivyReport)",
        "not run at admission: CNTR-K8-002700 (relates objects of the repository to each other)",
        "waiver not applicable at admission: KUBER-L2-000080",
        "requests are denied by open `deny` findings at or above high",
    ] {
        assert!(log.contains(line), "{line}\n{log}");
    }

    // allow: a compliant Deployment as stored (managedFields, defaults, status: {}).
    let r = server.review("create-allowed.json");
    assert!(r.allowed, "{r:?}");
    assert_eq!(r.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(r.warnings, None, "{r:?}");
    assert!(r.audit_annotations.is_empty());

    // Server-set fields: a Pod with the injected token volume, tolerations and status.
    let r = server.review("create-pod-as-stored.json");
    assert!(r.allowed && r.warnings.is_none(), "{r:?}");

    // deny: a privileged container, CAT I.
    let r = server.review("create-denied.json");
    assert!(!r.allowed);
    assert_eq!(r.uid, "0c7f6a52-1d1e-4b8e-9a36-9e8f2d5a4b11");
    assert_eq!(r.result.code, 403);
    assert_eq!(
        r.result.message,
        "stiglint denied Deployment team-a/web: KUBER-L2-000070 (CAT I, high) at /spec/template/spec/containers/0/securityContext/privileged: Container 'web' must not run privileged. It violates PodSecurity \"restricted:v1.33\": privileged (container \"web\" must not set securityContext.privileged=true)."
    );
    // The namespace's Pod Security level (team-a: enforce restricted v1.33) applies: its CAT II
    // checks come back as warnings under `deny = "high"`.
    let warnings = r.warnings.expect("warnings");
    assert!(
        warnings.iter().any(|w| w.starts_with("STIGLINT-PSS-0011 (CAT II) at /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation")),
        "{warnings:?}"
    );

    // dryRun is judged the same.
    let r = server.review("create-denied-dry-run.json");
    assert!(!r.allowed);
    assert!(r.result.message.contains("KUBER-L2-000070"), "{r:?}");

    // warnings: CAT II findings under `deny = "high"`.
    let r = server.review("create-warnings.json");
    assert!(r.allowed, "{r:?}");
    let warnings = r.warnings.expect("warnings");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .any(|w| w
                .starts_with("STIGLINT-PSS-0009 (CAT II) at /spec/template/spec/containers/0:")),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.starts_with(
        "KUBER-L2-000080 (CAT II) at /spec/template/spec/containers/0/resources: Container 'web' must set resources.limits"
    )), "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "KUBER-L2-000020 (CAT II) at /spec/template/spec/securityContext/runAsUser"
        )),
        "{warnings:?}"
    );

    // waived: admitted, recorded in the audit annotations.
    let r = server.review("create-waived.json");
    assert!(r.allowed, "{r:?}");
    assert_eq!(r.warnings, None);
    let audit = r
        .audit_annotations
        .get("waived.KUBER-L2-000060")
        .expect("audit annotation");
    assert!(audit.starts_with("control=KUBER-L2-000060; at=/spec/template/spec/hostNetwork; ticket=SEC-1042; approver=alice@example.com; expires=2099-12-31; waiver="), "{audit}");

    // An expired waiver does not admit.
    let r = server.review("create-waiver-expired.json");
    assert!(!r.allowed, "{r:?}");
    assert!(
        r.result
            .message
            .contains("KUBER-L2-000060 (CAT I, high) at /spec/template/spec/hostNetwork"),
        "{r:?}"
    );
    assert!(r.audit_annotations.is_empty());

    // UPDATE is judged on `object`.
    assert!(!server.review("update-denied.json").allowed);
    assert!(server.review("update-allowed.json").allowed);

    // DELETE is admitted without judging (its oldObject is privileged).
    let r = server.review("delete.json");
    assert!(r.allowed && r.warnings.is_none(), "{r:?}");
    assert_eq!(r.uid, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e");

    // The Pod Security checks read namespace labels: a namespace no source knows follows
    // `on-error`; team-b (enforce baseline, warn restricted) admits a restricted-compliant Pod.
    assert!(
        log.contains("namespace labels are read by: ") && log.contains("STIGLINT-PSS-0001"),
        "{log}"
    );
    let r = server.review("create-pod-in-ghost.json");
    assert!(!r.allowed && r.result.code == 500, "{r:?}");
    let r = server.review("create-pod-in-team-b.json");
    assert!(r.allowed && r.warnings.is_none(), "{r:?}");

    // The metrics count what happened.
    let m = server.request("GET", "/metrics", b"");
    assert_eq!(m.status, 200);
    for line in [
        "stiglint_admission_requests_total{outcome=\"allowed\"} 6",
        "stiglint_admission_requests_total{outcome=\"error-denied\"} 1",
        "stiglint_admission_requests_total{outcome=\"denied\"} 4",
        "stiglint_admission_requests_total{outcome=\"skipped\"} 1",
        "stiglint_admission_findings_total{control=\"KUBER-L2-000070\",decision=\"deny\"} 3",
        "stiglint_admission_findings_total{control=\"KUBER-L2-000060\",decision=\"waived\"} 1",
        "stiglint_admission_request_duration_seconds_count{outcome=\"denied\"} 4",
    ] {
        assert!(m.body.contains(line), "{line}\n{}", m.body);
    }
}

#[test]
fn a_control_that_reads_the_namespace_gets_it_as_a_second_document() {
    // A scan-scope control that relates objects only to their Namespace (the shape of a Pod
    // Security check) runs at admission; the Namespace comes from `[serve] namespaces`.
    let plugin = common::test_plugin("namespace-level").display().to_string();
    let mut c = config_args();
    c.extend(["--plugin".to_owned(), plugin]);
    let server = Server::start(&args(&c));
    server.wait_ready();
    let log = server.log();
    assert!(
        !log.contains("not run at admission: TEST-NSLEVEL-000001"),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("namespace labels are read by: ")
                && l.contains("TEST-NSLEVEL-000001")),
        "{log}"
    );
    let r = server.review("create-allowed.json");
    assert!(r.allowed, "{r:?}");
    assert_eq!(
        r.warnings,
        Some(vec!["TEST-NSLEVEL-000001 (CAT III, warn) at /metadata/name: namespace Pod Security level: restricted".to_owned()])
    );
    let r = server.review("create-pod-in-team-b.json");
    assert_eq!(
        r.warnings,
        Some(vec!["TEST-NSLEVEL-000001 (CAT III, warn) at /metadata/name: namespace Pod Security level: baseline".to_owned()])
    );
    // A namespace no source knows: on-error (deny).
    let r = server.review("create-pod-in-ghost.json");
    assert!(!r.allowed);
    assert_eq!(r.result.code, 500);
    assert_eq!(
        r.result.message,
        "stiglint could not judge Pod ghost/web-7d9c6b5f4-x2x7q: namespace 'ghost' is not known (its Pod Security labels cannot be read) (refused: [serve] on-error = \"deny\")"
    );
}

#[test]
fn malformed_and_oversized_bodies_are_refused_and_the_server_keeps_serving() {
    let mut c = config_args();
    c.extend(["--max-body-size".to_owned(), "64K".to_owned()]);
    let server = Server::start(&args(&c));
    server.wait_ready();
    let mut conn = server.connect();
    let r = conn
        .request("POST", "/validate", b"{not json")
        .expect("reply");
    assert_eq!(r.status, 400);
    assert!(r.body.starts_with("not an AdmissionReview: "), "{}", r.body);
    // JSON, but a Deployment, not an AdmissionReview.
    let r = server.request(
        "POST",
        "/validate",
        br#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // An AdmissionReview of another version.
    let r = server.request(
        "POST",
        "/validate",
        br#"{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"x"}}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // 100 KiB over a 64 KiB limit: refused from its Content-Length (as kube-apiserver sends
    // one), before a byte of the body is read.
    let mut big = server.connect();
    big.head("POST", "/validate", 100 << 10).expect("head");
    big.tls.flush().expect("flush");
    let r = big.reply().expect("reply");
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.body, "request body larger than 65536 bytes\n");
    // The same connection still judges.
    let r = conn
        .request("POST", "/validate", &fixture("create-denied.json"))
        .expect("reply");
    assert_eq!(r.status, 200);
    assert!(!response(&r.body).allowed);
    let m = server.request("GET", "/metrics", b"").body;
    assert!(
        m.contains("stiglint_admission_requests_total{outcome=\"invalid\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("stiglint_admission_requests_total{outcome=\"too-large\"} 1"),
        "{m}"
    );
    assert_eq!(server.request("GET", "/nowhere", b"").status, 404);
    assert_eq!(server.request("GET", "/validate", b"").status, 405);
}

#[test]
fn a_plugin_timeout_follows_on_error_and_the_request_timeout_is_honoured() {
    let plugin = common::test_plugin("loop").display().to_string();
    let mut c = config_args();
    c.extend([
        "--plugin".to_owned(),
        plugin.clone(),
        "--plugin-timeout-ms".to_owned(),
        "300".to_owned(),
    ]);
    let server = Server::start(&args(&c));
    server.wait_ready();
    let r = server.review("create-allowed.json");
    assert!(!r.allowed, "{r:?}");
    assert_eq!(r.result.code, 500);
    assert!(
        r.result
            .message
            .starts_with("stiglint could not judge Deployment team-a/web: plugin error: "),
        "{r:?}"
    );
    assert!(r.result.message.contains("test-loop"), "{r:?}");
    assert!(
        r.result
            .message
            .ends_with("(refused: [serve] on-error = \"deny\")"),
        "{r:?}"
    );
    // A finding that denies still denies, and names the plugin error too.
    let r = server.review("create-denied.json");
    assert!(!r.allowed && r.result.code == 403, "{r:?}");
    assert!(
        r.result.message.contains("KUBER-L2-000070") && r.result.message.contains("test-loop"),
        "{r:?}"
    );
    let m = server.request("GET", "/metrics", b"").body;
    let errors: u32 = m
        .lines()
        .find_map(|l| l.strip_prefix("stiglint_plugin_errors_total{plugin=\"test-loop\"} "))
        .and_then(|n| n.parse().ok())
        .expect("plugin errors counted");
    assert!(errors >= 2, "{m}");

    // on-error = "allow": admitted, with a warning that says why.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(data("stiglint.toml"))
        .expect("config")
        .replace(
            "deny = \"high\"\n",
            "deny = \"high\"\non-error = \"allow\"\n",
        )
        .replace(
            "namespaces.yaml",
            &data("namespaces.yaml").display().to_string(),
        );
    std::fs::write(dir.path().join("stiglint.toml"), text).expect("write");
    let config = dir.path().join("stiglint.toml").display().to_string();
    let allow = Server::start(&[
        "--config",
        &config,
        "--plugin",
        &plugin,
        "--plugin-timeout-ms",
        "5000",
    ]);
    allow.wait_ready();
    let started = Instant::now();
    let r = allow.request(
        "POST",
        "/validate?timeout=1s",
        &fixture("create-allowed.json"),
    );
    let took = started.elapsed();
    let r = response(&r.body);
    assert!(r.allowed, "{r:?}");
    let w = r.warnings.expect("a warning");
    assert!(
        w[0].contains("not judged within the request's timeout of 1000 ms"),
        "{w:?}"
    );
    assert!(
        w[0].contains("admitted: [serve] on-error = \"allow\""),
        "{w:?}"
    );
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[test]
fn certificates_rotate_without_dropping_connections() {
    let c = config_args();
    let mut server = Server::start(&args(&c));
    let second = pki("second");
    server.roots.push(second.ca_pem.clone());
    server.wait_ready();
    let mut old = server.connect();
    let first_cert = old.peer_certificate();
    assert_eq!(
        old.request("GET", "/healthz", b"").expect("reply").status,
        200
    );

    replace(&server.dir.join("tls.key"), &second.key_pem);
    replace(&server.dir.join("tls.crt"), &second.cert_pem);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("certificate reloaded") {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let new = server.connect();
    let second_der = CertificateDer::from_pem_slice(second.cert_pem.as_bytes()).expect("pem");
    assert_eq!(new.peer_certificate(), second_der.to_vec());
    assert_ne!(new.peer_certificate(), first_cert);
    // The connection made before the rotation still serves, with its certificate.
    let r = old
        .request("POST", "/validate", &fixture("create-denied.json"))
        .expect("old connection still open");
    assert_eq!(r.status, 200);
    assert_eq!(old.peer_certificate(), first_cert);

    // A broken pair is not taken: the second certificate stays in use.
    replace(&server.dir.join("tls.crt"), "not a certificate");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        server.log().contains("certificate not reloaded"),
        "{}",
        server.log()
    );
    assert_eq!(server.connect().peer_certificate(), second_der.to_vec());
}

#[test]
fn sigterm_drains_in_flight_requests_and_exits_zero() {
    let c = config_args();
    let mut server = Server::start(&args(&c));
    server.wait_ready();
    let body = fixture("create-denied.json");
    let mut conn = server.connect();
    // A request in flight: its head and half its body are sent.
    conn.head("POST", "/validate", body.len()).expect("head");
    conn.tls.write_all(&body[..body.len() / 2]).expect("half");
    conn.tls.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    server.terminate();
    std::thread::sleep(Duration::from_millis(300));
    // Not ready any more, and no new connection is accepted.
    assert!(
        server
            .try_request("GET", "/readyz", b"")
            .map_or(true, |r| r.status == 503)
    );
    conn.tls.write_all(&body[body.len() / 2..]).expect("rest");
    conn.tls.flush().expect("flush");
    let r = conn.reply().expect("the in-flight request is answered");
    assert_eq!(r.status, 200);
    assert!(!response(&r.body).allowed);
    drop(conn);
    let status = loop {
        if let Some(s) = server.child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(server.log().contains("drained"), "{}", server.log());
}

/// A Kubernetes API stand-in: answers the namespace List with the recorded List JSON (after
/// a delay), a Watch with the recorded events (one JSON object per line, chunked, then held
/// open), a GET of an unknown namespace with 404.
fn fake_api(listed: Arc<AtomicBool>, paths: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let listed = Arc::clone(&listed);
            let paths = Arc::clone(&paths);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                reader.read_line(&mut line).expect("request line");
                let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                let mut auth = String::new();
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).expect("header");
                    if h.to_ascii_lowercase().starts_with("authorization:") {
                        auth = h.trim().to_owned();
                    }
                    if h == "\r\n" || h.is_empty() {
                        break;
                    }
                }
                paths.lock().expect("paths").push(format!("{path} {auth}"));
                if path.starts_with("/api/v1/namespaces?limit=500") {
                    std::thread::sleep(Duration::from_millis(800));
                    let body = std::fs::read(data("watch/namespace-list.json")).expect("list");
                    write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).expect("write");
                    stream.write_all(&body).expect("write");
                    listed.store(true, Ordering::SeqCst);
                } else if path.starts_with("/api/v1/namespaces?watch=1") {
                    write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").expect("write");
                    let events =
                        std::fs::read_to_string(data("watch/watch-events.jsonl")).expect("events");
                    for e in events.lines() {
                        let chunk = format!("{e}\n");
                        write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len()).expect("write");
                        stream.flush().expect("flush");
                    }
                    std::thread::sleep(Duration::from_secs(120));
                } else {
                    let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"ghost\" not found","reason":"NotFound","details":{"name":"ghost","kind":"namespaces"},"code":404}"#;
                    write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).expect("write");
                    stream.write_all(body).expect("write");
                }
            });
        }
    });
    port
}

#[test]
fn namespaces_come_from_a_watch_on_the_kubernetes_api() {
    let listed = Arc::new(AtomicBool::new(false));
    let paths = Arc::new(Mutex::new(Vec::new()));
    let port = fake_api(Arc::clone(&listed), Arc::clone(&paths));
    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    std::fs::write(&token, "test-token\n").expect("token");
    // The same configuration without `[serve] namespaces`: the API is the source.
    let text = std::fs::read_to_string(data("stiglint.toml"))
        .expect("config")
        .replace("namespaces = [\"namespaces.yaml\"]\n", "");
    std::fs::write(dir.path().join("stiglint.toml"), text).expect("write");
    let config = dir.path().join("stiglint.toml").display().to_string();
    let url = format!("http://127.0.0.1:{port}");
    let plugin = common::test_plugin("namespace-level").display().to_string();
    let server = Server::start(&[
        "--config",
        &config,
        "--kube-api",
        &url,
        "--kube-token-file",
        &token.display().to_string(),
        "--plugin",
        &plugin,
    ]);
    server.wait_ready();
    // Ready only once the List was read.
    assert!(listed.load(Ordering::SeqCst));
    assert!(
        server
            .log()
            .contains(&format!("watched through the Kubernetes API at {url}")),
        "{}",
        server.log()
    );
    // From the List.
    let level = |fixture: &str| {
        let r = server.review(fixture);
        assert!(r.allowed, "{r:?}");
        r.warnings.unwrap_or_default().join(" ")
    };
    assert!(level("create-allowed.json").ends_with("level: restricted"));
    let team_b = level("create-pod-in-team-b.json");
    assert!(
        team_b.ends_with("level: baseline") || team_b.ends_with("level: restricted"),
        "{team_b}"
    );
    // Added by the watch.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = server.review("create-pod-in-team-new.json");
        if r.allowed {
            break;
        }
        assert!(Instant::now() < deadline, "{r:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Relabelled by the watch (MODIFIED): baseline → restricted.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !level("create-pod-in-team-b.json").ends_with("level: restricted") {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(level("create-pod-in-team-new.json").ends_with("level: restricted"));
    // Unknown to the List, the watch and a GET by name: on-error.
    let r = server.review("create-pod-in-ghost.json");
    assert!(
        !r.allowed && r.result.message.contains("namespace 'ghost' is not known"),
        "{r:?}"
    );
    let seen = paths.lock().expect("paths").clone();
    assert!(
        seen[0].starts_with("/api/v1/namespaces?limit=500 authorization: Bearer test-token"),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|p| p.starts_with("/api/v1/namespaces?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=1043 ")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|p| p.starts_with("/api/v1/namespaces/ghost ")),
        "{seen:?}"
    );
}

#[test]
fn http2_as_kube_apiserver_speaks_it() {
    // kube-apiserver calls webhooks over HTTP/2 when the server offers it by ALPN.
    use http_body_util::{BodyExt, Full};
    let c = config_args();
    let server = Server::start(&args(&c));
    server.wait_ready();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (alpn, status, body) = runtime.block_on(async {
        let mut store = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(server.roots[0].as_bytes()) {
            store.add(c.expect("pem")).expect("root");
        }
        let mut config =
            rustls::ClientConfig::builder_with_provider(stiglint::serve::tls::provider())
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_root_certificates(store)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .expect("connect");
        let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .expect("handshake");
        let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let (mut sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tls),
        )
        .await
        .expect("h2 handshake");
        tokio::spawn(connection);
        let request = hyper::Request::post("https://localhost/validate?timeout=10s")
            .header("content-type", "application/json")
            .body(Full::new(bytes::Bytes::from(fixture("create-denied.json"))))
            .expect("request");
        let response = sender.send_request(request).await.expect("response");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (alpn, status, String::from_utf8_lossy(&body).into_owned())
    });
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(status, 200);
    let r = response(&body);
    assert!(!r.allowed);
    assert!(r.result.message.contains("KUBER-L2-000070"), "{r:?}");
}

#[test]
fn a_waiver_plugin_waives_at_admission_and_fails_closed() {
    // The grant plugin waives every KUBER-L2-000070 finding (until 2099-12-31).
    let grant = common::test_plugin("grant").display().to_string();
    let mut c = config_args();
    c.extend(["--plugin".to_owned(), grant]);
    let server = Server::start(&args(&c));
    server.wait_ready();
    let r = server.review("create-denied.json");
    assert!(r.allowed, "{r:?}");
    let audit = r
        .audit_annotations
        .get("waived.KUBER-L2-000070")
        .expect("audit annotation");
    assert!(
        audit.starts_with("control=KUBER-L2-000070; at=/spec/template/spec/containers/0/securityContext/privileged; ")
            && audit.ends_with("waiver=waiver plugin 'test-waiver-grant'"),
        "{audit}"
    );

    // A waiver plugin that panics: no waiver is honoured, the finding denies and the plugin
    // is named.
    let panic = common::test_plugin("panic").display().to_string();
    let mut c = config_args();
    c.extend(["--plugin".to_owned(), panic]);
    let server = Server::start(&args(&c));
    server.wait_ready();
    let r = server.review("create-waived.json");
    assert!(!r.allowed, "{r:?}");
    assert!(r.result.message.contains("KUBER-L2-000060"), "{r:?}");
    assert!(r.result.message.contains("test-waiver-panic"), "{r:?}");
    assert!(r.audit_annotations.is_empty(), "{r:?}");
}
