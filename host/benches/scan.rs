//! `cargo bench`: the host's hot paths, each against a baseline measured in the same run.
//!
//! * `yaml/*`: our span-aware loader vs saphyr's bare event parser on the same bytes (the floor
//!   any YAML front end pays).
//! * `scan/*`: a whole in-process scan (load, JSON view, sandboxed wasm controls, spans) of one
//!   Deployment and of a 1,000-document file, against the loader alone on the same input.
//! * `dockerfile/*`: a 1,000-line Dockerfile (four stages, continued `RUN`s, heredocs, `ENV`s)
//!   scanned with every control, against the parser alone on the same bytes.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stiglint::config::Config;
use stiglint::session::{Session, SessionOptions};
use stiglint::source::{Origin, SourceFile};

const DEPLOYMENT: &str = r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: app
          image: registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27.0
          ports:
            - containerPort: 8080
          env:
            - name: MODE
              value: production
            - name: PASSWORD
              valueFrom:
                secretKeyRef:
                  name: web
                  key: password
          resources:
            limits:
              cpu: 500m
              memory: 512Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
        - name: sidecar
          image: envoyproxy/envoy:v1.30.0
          securityContext:
            privileged: true
";

fn many(n: usize) -> String {
    (0..n)
        .map(|i| {
            DEPLOYMENT.replace(
                "name: web\n  namespace",
                &format!("name: web-{i}\n  namespace"),
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn source(text: &str) -> Arc<SourceFile> {
    Arc::new(SourceFile::new(
        Origin::Stdin,
        "bench.yaml",
        Arc::from(text),
    ))
}

fn yaml(c: &mut Criterion) {
    let text = many(100);
    let mut g = c.benchmark_group("yaml");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("baseline: saphyr events", |b| {
        b.iter(|| saphyr_parser::Parser::new_from_str(&text).count());
    });
    g.bench_function("stiglint loader (JSON view + spans)", |b| {
        b.iter(|| {
            stiglint::input::load(source(&text), 100_000)
                .documents
                .len()
        });
    });
    g.finish();
}

fn scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = dir.path().join("one.yaml");
    let big = dir.path().join("big.yaml");
    std::fs::write(&one, DEPLOYMENT).expect("write");
    let big_text = many(1000);
    std::fs::write(&big, &big_text).expect("write");
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-cache");
    let options = SessionOptions {
        config: Config::default(),
        today: "2026-11-22".into(),
        cache_dir: Some(cache),
        // Every iteration judges the file: the per-file result cache would answer instead.
        no_result_cache: true,
        ..SessionOptions::default()
    };
    let session = Session::new(options.clone()).expect("session");
    let cached = Session::new(SessionOptions {
        no_result_cache: false,
        memory_results: true,
        ..options
    })
    .expect("session");

    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline: load one Deployment", |b| {
        b.iter(|| {
            stiglint::input::load(source(DEPLOYMENT), 100_000)
                .documents
                .len()
        });
    });
    g.bench_function("scan one Deployment (all controls)", |b| {
        b.iter(|| {
            session
                .scan(std::slice::from_ref(&one), None)
                .findings
                .len()
        });
    });
    g.throughput(Throughput::Elements(1000));
    g.sample_size(10);
    g.bench_function("baseline: load 1,000 Deployments", |b| {
        b.iter(|| {
            stiglint::input::load(source(&big_text), 100_000)
                .documents
                .len()
        });
    });
    g.bench_function("scan 1,000 Deployments (all controls)", |b| {
        b.iter(|| {
            session
                .scan(std::slice::from_ref(&big), None)
                .findings
                .len()
        });
    });
    g.bench_function(
        "scan 1,000 Deployments, result cached (cross-document phase only)",
        |b| {
            b.iter(|| cached.scan(std::slice::from_ref(&big), None).findings.len());
        },
    );
    g.finish();
}

/// A Dockerfile of about `lines` lines: stages of continued `RUN`s, `ENV`s, `COPY`s and
/// heredocs, the shapes a big real one has.
fn dockerfile(lines: usize) -> String {
    let mut out = String::from(
        "# syntax=docker/dockerfile:1\nARG BASE=registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4\n",
    );
    let mut stage = 0;
    while out.lines().count() < lines {
        out.push_str(&format!("FROM ${{BASE}} AS stage{stage}\n"));
        for i in 0..40 {
            out.push_str(&format!(
                "ENV VAR_{i}=value-{i} PATH=/opt/{i}/bin:$PATH\nRUN dnf install -y pkg-{i} \\\n    && chmod 0755 /opt/{i} \\\n    && dnf clean all\nCOPY --chown=1001:0 --chmod=0644 files/{i} /etc/app/{i}\n"
            ));
            if i % 10 == 0 {
                out.push_str("RUN <<EOT\nset -e\necho building\nEOT\n");
            }
        }
        stage += 1;
    }
    out.push_str("USER 1001\nHEALTHCHECK CMD [\"/probe\"]\n");
    out
}

fn dockerfiles(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    let text = dockerfile(1000);
    std::fs::write(&path, &text).expect("write");
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-cache");
    let session = Session::new(SessionOptions {
        config: Config::default(),
        today: "2026-11-22".into(),
        cache_dir: Some(cache),
        no_result_cache: true,
        ..SessionOptions::default()
    })
    .expect("session");
    let file = Arc::new(SourceFile::new(
        Origin::Stdin,
        "Dockerfile",
        Arc::from(text.as_str()),
    ));
    let mut g = c.benchmark_group("dockerfile");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("baseline: parse a 1,000-line Dockerfile", |b| {
        b.iter(|| stiglint::input::dockerfile::parse(&file).problems.len());
    });
    g.bench_function("scan a 1,000-line Dockerfile (all controls)", |b| {
        b.iter(|| {
            session
                .scan(std::slice::from_ref(&path), None)
                .findings
                .len()
        });
    });
    g.finish();
}

criterion_group!(benches, yaml, scan, dockerfiles);
criterion_main!(benches);
