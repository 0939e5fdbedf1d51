//! The `stiglint` command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use stiglint::config::Config;
use stiglint::report::{self, ReportOptions};
use stiglint::runtime::{Limits, Severity};
use stiglint::session::{Session, SessionOptions};

/// mimalloc: the scan allocates many small values on every core; glibc's allocator spent a
/// fifth of the time of a 100,000-document scan in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Check Kubernetes manifests and Helm output against DISA STIG controls.
///
/// Exit status: 0 no open findings at or above the threshold, 1 open findings, 2 an error
/// (bad input, bad configuration, a plugin failure).
#[derive(Debug, Parser)]
#[command(
    name = "stiglint",
    version,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files, directories or standard input (`-`). The default command.
    Check(Box<CheckArgs>),
    /// List the controls of the loaded plugins.
    Controls(ControlsArgs),
    /// Show a control's documentation.
    Explain(ExplainArgs),
    /// The waiver register: every waiver with its standing (active, expiring, expired,
    /// rejected, unused), what it covers and who approved it.
    Waivers(WaiversArgs),
}

#[derive(Debug, Args)]
struct WaiversArgs {
    /// Files or directories the waivers apply to (`-` reads standard input). Default: `.`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: RegisterFormat,
    /// Write the register to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Today's date (YYYY-MM-DD; default: the clock).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Namespace objects without `metadata.namespace` are deployed to.
    #[arg(long)]
    namespace: Option<String>,
    /// Only the reviewed waiver file counts: ignore `# stiglint:waive` comments.
    #[arg(long)]
    no_inline_waivers: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RegisterFormat {
    /// Aligned columns, for people.
    Table,
    /// JSON, for tools.
    Json,
    /// CSV, for the security controls tracking system.
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Code frames and a summary, for people.
    Text,
    /// The versioned stiglint JSON report.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: a test case per control and object (GitLab, Jenkins).
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// A STIG Viewer 2 checklist (XML) of every rule of the DISA Kubernetes STIG.
    Ckl,
    /// A STIG Viewer 3 checklist (JSON).
    Cklb,
    /// The evidence record of the run (UTC time, tool, plugins and inputs with SHA-256).
    Evidence,
}

/// `--format FORMAT` or `--format FORMAT=FILE`.
#[derive(Debug, Clone)]
struct FormatSpec {
    format: OutputFormat,
    path: Option<PathBuf>,
}

fn parse_format(s: &str) -> std::result::Result<FormatSpec, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some(_) => return Err(format!("'{s}': a file name must follow '='")),
        None => (s, None),
    };
    let format = <OutputFormat as ValueEnum>::from_str(name, true).map_err(|_| {
        format!(
            "unknown format '{name}' (text, json, sarif, junit, github, gitlab, ckl, cklb, evidence)"
        )
    })?;
    Ok(FormatSpec { format, path })
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

/// Options every command shares: where plugins and configuration come from.
#[derive(Debug, Args, Clone, Default)]
struct CommonArgs {
    /// Configuration file (default: `stiglint.toml` in the working directory or above).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Ignore any `stiglint.toml`.
    #[arg(long, global = true, conflicts_with = "config")]
    no_config: bool,
    /// Load another plugin (a `.wasm` component). Repeatable.
    #[arg(long = "plugin", value_name = "PATH.wasm", global = true)]
    plugins: Vec<PathBuf>,
    /// Run only the `--plugin`s, not the built-in controls.
    #[arg(long, global = true)]
    no_builtin_plugins: bool,
    /// Compile plugins afresh instead of using the precompiled cache.
    #[arg(long, global = true)]
    no_cache: bool,
    /// Wall-clock budget of one plugin call, in milliseconds.
    #[arg(long, value_name = "MS", global = true)]
    plugin_timeout_ms: Option<u64>,
    /// Memory cap of one plugin instance, in MiB.
    #[arg(long, value_name = "MIB", global = true)]
    plugin_memory_mb: Option<usize>,
    /// Largest input file (and standard input) read, in bytes or with a unit (`64M`, `1G`);
    /// default 64 MiB. A larger file is an error.
    #[arg(long, value_name = "SIZE", global = true, value_parser = stiglint::config::parse_size)]
    max_file_size: Option<u64>,
}

#[derive(Debug, Args, Clone, Default)]
struct CheckArgs {
    /// Files or directories to check (`-` reads standard input). Default: `.`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format, repeatable as FORMAT=FILE for several reports in one run:
    /// `--format sarif=out.sarif --format junit=out.xml` (text, json, sarif, junit, github,
    /// gitlab).
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_format)]
    format: Vec<FormatSpec>,
    /// Write the report to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Run only these controls (IDs, Vuln IDs or ID prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    select: Option<Vec<String>>,
    /// Do not run these controls.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    ignore: Vec<String>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<SeverityArg>,
    /// Namespace objects without `metadata.namespace` are deployed to.
    #[arg(long)]
    namespace: Option<String>,
    /// Kubernetes version the manifests target (e.g. 1.31).
    #[arg(long, value_name = "VERSION")]
    k8s_version: Option<String>,
    /// Today's date for date-dependent rules (YYYY-MM-DD; default: the clock).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Show what plugins logged.
    #[arg(long, short)]
    verbose: bool,
    /// Walk directories without honouring `.gitignore` and `.ignore` files.
    #[arg(long)]
    no_ignore: bool,
    /// A Trivy image report (`trivy image --format json`, schema 2) for KUBER-L2-000030.
    /// Repeatable. (Reports among the checked paths are recognised by content too.)
    #[arg(long = "trivy-report", value_name = "FILE")]
    trivy_reports: Vec<PathBuf>,
    /// Set a Terraform root module variable (`NAME=VALUE`; the value is HCL, or a plain
    /// string). Repeatable; wins over variable files.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// A Terraform variable file (`.tfvars`) for the root modules, read after
    /// `terraform.tfvars` and `*.auto.tfvars`. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Where the `.tf` sources of a Terraform plan JSON are, so findings point at their lines
    /// (default: the plan's own directory, when it holds `.tf` files).
    #[arg(long, value_name = "DIR")]
    source_dir: Option<PathBuf>,
    /// Only the reviewed waiver file counts: ignore `# stiglint:waive` comments.
    #[arg(long)]
    no_inline_waivers: bool,
    /// Apply the fixes of open findings to the files (atomically, indentation kept), then
    /// report what is left.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Show the fixes of open findings as a unified diff; change nothing.
    #[arg(long)]
    diff: bool,
    /// Fail the run when a file is skipped (nothing in it was checked).
    #[arg(long)]
    fail_on_skip: bool,
    /// Fail the run when a waiver covers no finding (a stale exception).
    #[arg(long)]
    fail_on_unused_waivers: bool,
    /// Write the run's evidence record into this directory, one file per run named by its UTC
    /// time.
    #[arg(long, value_name = "DIR")]
    evidence_dir: Option<PathBuf>,
    /// Render this Helm chart with `helm template` and check the output (needs helm).
    #[arg(long, value_name = "CHART")]
    helm: Option<PathBuf>,
    /// The Helm chart the checked output was rendered from: findings name its template files
    /// (`# Source: <chart>/templates/x.yaml` → `DIR/templates/x.yaml`).
    #[arg(long, value_name = "DIR")]
    chart_dir: Option<PathBuf>,
    /// Values files for `--helm` (repeatable).
    #[arg(long = "values", value_name = "FILE", requires = "helm")]
    values: Vec<PathBuf>,
    /// Render this kustomization with `kubectl kustomize` (or `kustomize build`) and check the
    /// output.
    #[arg(long, value_name = "DIR")]
    kustomize: Option<PathBuf>,
    /// An official DISA Kubernetes STIG XCCDF file (a newer release) for the checklists
    /// (default: the bundled V2R4).
    #[arg(long, value_name = "XCCDF")]
    stig_file: Option<PathBuf>,
    /// The asset (host name) a STIG Viewer checklist is for.
    #[arg(long, value_name = "HOST")]
    asset: Option<String>,
    /// Fail the run when a control cannot decide (a Terraform value not known before apply,
    /// an image without a Trivy report), as for a finding.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeverityArg {
    Low,
    Medium,
    High,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
        }
    }
}

#[derive(Debug, Args)]
struct ControlsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
    /// Also list every rule of the DISA Kubernetes STIG V2R4 with how it is covered (checked,
    /// stood in for, not decidable from files, not implemented).
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// Control ID (or Vuln ID).
    id: String,
    #[command(flatten)]
    common: CommonArgs,
}

/// No transparent huge pages for this process: mimalloc asks for them, and the kernel then
/// zeroes 2 MiB at every first touch, which doubled the peak memory of small scans and spent a
/// fifth of their time in page faults. Best effort: where `prctl` refuses, nothing changes.
fn tune_memory() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    tune_memory();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => check(cli.check),
        Some(Command::Check(args)) => check(*args),
        Some(Command::Controls(args)) => controls(&args),
        Some(Command::Explain(args)) => explain(&args),
        Some(Command::Waivers(args)) => waivers(&args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `--config`, else the nearest `stiglint.toml` above the working directory, else the nearest
/// one above the first path checked.
fn load_config(common: &CommonArgs, paths: &[PathBuf]) -> Result<Config> {
    if common.no_config {
        return Ok(Config::default());
    }
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let path = common
        .config
        .clone()
        .or_else(|| Config::find(&cwd))
        .or_else(|| {
            paths
                .iter()
                .filter(|p| p.as_os_str() != "-")
                .find_map(|p| Config::find(&cwd.join(p)))
        });
    match path {
        Some(p) => Ok(Config::read(&p)?),
        None => Ok(Config::default()),
    }
}

fn session_options(common: &CommonArgs, config: Config) -> SessionOptions {
    let limits =
        (common.plugin_timeout_ms.is_some() || common.plugin_memory_mb.is_some()).then(|| {
            let d = Limits::default();
            Limits {
                timeout: common.plugin_timeout_ms.map_or_else(
                    || {
                        config
                            .limits
                            .timeout_ms
                            .map_or(d.timeout, std::time::Duration::from_millis)
                    },
                    std::time::Duration::from_millis,
                ),
                memory: common
                    .plugin_memory_mb
                    .or(config.limits.memory_mb)
                    .map_or(d.memory, |m| m << 20),
            }
        });
    SessionOptions {
        config,
        extra_plugins: common.plugins.clone(),
        no_cache: common.no_cache,
        no_builtin: common.no_builtin_plugins,
        limits,
        max_file_size: common.max_file_size,
        today: stiglint::dates::today_utc(),
        ..SessionOptions::default()
    }
}

/// Run the first of these programs that is installed and return what it printed; fail (never
/// skip) when none is, or when it fails.
fn render(candidates: &[(&str, Vec<std::ffi::OsString>)], flag: &str) -> Result<String> {
    for (program, args) in candidates {
        let out = match std::process::Command::new(program).args(args).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => bail!("{flag}: cannot run {program}: {e}"),
        };
        if !out.status.success() {
            bail!(
                "{flag}: {program} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        return String::from_utf8(out.stdout)
            .with_context(|| format!("{flag}: {program} printed non-UTF-8"));
    }
    let names: Vec<&str> = candidates.iter().map(|(p, _)| *p).collect();
    bail!(
        "{flag} needs {} on PATH; none is installed, and stiglint does not skip a chart it cannot render",
        names.join(" or ")
    )
}

/// A progress bar on standard error for long scans: only on a terminal, never in CI
/// (`CI` set), and only after half a second (short scans show nothing).
#[derive(Debug)]
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn wanted() -> bool {
        std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
    }
}

impl stiglint::scan::Progress for Bar {
    fn start(&self, inputs: usize) {
        self.0.set_length(inputs as u64);
    }

    fn advance(&self) {
        if self.0.elapsed() > std::time::Duration::from_millis(500) && self.0.is_hidden() {
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.0.inc(1);
    }
}

/// `NAME=VALUE` of `--var`.
fn parse_var(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got '{s}'")),
    }
}

fn check(args: CheckArgs) -> Result<u8> {
    let config = load_config(&args.common, &args.paths)?;
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let today = match &args.today {
        Some(d) if stiglint::dates::is_date(d) => d.clone(),
        Some(d) => bail!("--today {d}: not a date (YYYY-MM-DD)"),
        None => stiglint::dates::today_utc(),
    };
    let config_strict = config.strict;
    let config_path = config.path.clone();
    let mut options = session_options(&args.common, config);
    options.select.clone_from(&args.select);
    options.ignore.clone_from(&args.ignore);
    options.namespace.clone_from(&args.namespace);
    options.k8s_version.clone_from(&args.k8s_version);
    options.today = today;
    options.no_ignore = args.no_ignore;
    options.plan_sources.clone_from(&args.source_dir);
    options.no_inline_waivers = args.no_inline_waivers;
    let bar = Bar::wanted().then(|| {
        let bar = indicatif::ProgressBar::hidden().with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        std::sync::Arc::new(Bar(bar))
    });
    options.progress = bar
        .clone()
        .map(|b| b as std::sync::Arc<dyn stiglint::scan::Progress + Send + Sync>);
    options.terraform = stiglint::input::terraform::Variables {
        files: args.var_files.clone(),
        values: args.vars.clone(),
    };
    let session = Session::new(options)?;

    let rendering = args.helm.is_some() || args.kustomize.is_some();
    let mut paths = if args.paths.is_empty() && !rendering {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    paths.extend(args.trivy_reports.iter().cloned());
    // Standard input is read by the scan, with the input size cap.
    let stdin: Option<Arc<str>> = None;
    // Helm charts and kustomizations rendered by the real tools, scanned as files of their own.
    let mut chart_dir_default: Option<PathBuf> = None;
    let mut overlay = stiglint::input::Overlay::new();
    if let Some(chart) = &args.helm {
        let mut cmd = vec!["template".into(), chart.clone().into_os_string()];
        for v in &args.values {
            cmd.push("--values".into());
            cmd.push(v.clone().into_os_string());
        }
        let text = render(&[("helm", cmd)], "--helm")?;
        // Findings name the chart's own template files.
        if args.chart_dir.is_none() {
            chart_dir_default = Some(chart.clone());
        }
        let path = chart.join("helm-template.rendered.yaml");
        overlay.insert(stiglint::input::overlay_key(&path), Arc::from(text));
        paths.push(path);
    }
    if let Some(dir) = &args.kustomize {
        let text = render(
            &[
                (
                    "kubectl",
                    vec!["kustomize".into(), dir.clone().into_os_string()],
                ),
                (
                    "kustomize",
                    vec!["build".into(), dir.clone().into_os_string()],
                ),
            ],
            "--kustomize",
        )?;
        let path = dir.join("kustomize.rendered.yaml");
        overlay.insert(stiglint::input::overlay_key(&path), Arc::from(text));
        paths.push(path);
    }
    let overlay = (!overlay.is_empty()).then_some(overlay);
    let mut result = session.scan_with(&paths, stdin.as_ref(), overlay.as_ref());
    if args.diff {
        let (diff, _) = fixes(&result)?;
        std::io::stdout().lock().write_all(diff.as_bytes())?;
        return Ok(if diff.is_empty() { 0 } else { 1 });
    }
    if args.fix {
        let (_, changed) = fixes(&result)?;
        for (path, text, n) in &changed {
            write_file(Path::new(path), |out| {
                out.write_all(text.as_bytes())?;
                out.flush()
            })?;
            let _ = writeln!(
                anstream::stderr(),
                "fixed {} in {path}",
                if *n == 1 {
                    "1 finding".to_owned()
                } else {
                    format!("{n} findings")
                }
            );
        }
        if !changed.is_empty() {
            result = session.scan_with(&paths, stdin.as_ref(), overlay.as_ref());
        }
    }
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    let strict = args.strict || config_strict;

    let mut specs = args.format.clone();
    if specs.is_empty() {
        specs.push(FormatSpec {
            format: OutputFormat::Text,
            path: None,
        });
    }
    // `-o FILE` names the file of the one report without its own.
    if let Some(out) = &args.output {
        let unnamed: Vec<&mut FormatSpec> = specs.iter_mut().filter(|s| s.path.is_none()).collect();
        if unnamed.len() > 1 {
            bail!("-o names one report's file; give the others FORMAT=FILE");
        }
        for s in unnamed {
            s.path = Some(out.clone());
        }
    }
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        bail!("only one report can go to standard output; give the others FORMAT=FILE");
    }
    let to_terminal = specs.iter().any(|s| s.path.is_none()) && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let options = ReportOptions {
        fail_on,
        color,
        verbose: args.verbose,
        strict,
        fail_on_unused_waivers: args.fail_on_unused_waivers,
        asset: args.asset.clone(),
        config: config_path.clone(),
        fail_on_skip: args.fail_on_skip,
        chart_dir: args.chart_dir.clone().or_else(|| chart_dir_default.clone()),
    };
    let code = report::exit_code(&result, &options);
    let timestamp = stiglint::dates::now_utc();
    let benchmark = match &args.stig_file {
        Some(path) => stiglint::stig::Benchmark::from_xccdf(path)?,
        None => stiglint::stig::Benchmark::bundled(),
    };
    if let Some(dir) = &args.evidence_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        specs.push(FormatSpec {
            format: OutputFormat::Evidence,
            path: Some(dir.join(format!(
                "stiglint-evidence-{}.json",
                timestamp.replace(':', "")
            ))),
        });
    }
    for spec in &specs {
        let file_options = ReportOptions {
            color: options.color && spec.path.is_none(),
            ..options.clone()
        };
        let write = |out: &mut dyn Write| -> std::io::Result<()> {
            match spec.format {
                OutputFormat::Text => report::text::write(&result, &file_options, out)?,
                OutputFormat::Json => report::json::write(&result, &file_options, out)?,
                OutputFormat::Sarif => report::sarif::write(&result, &file_options, out)?,
                OutputFormat::Junit => report::junit::write(&result, &file_options, out)?,
                OutputFormat::Github => report::github::write(&result, &file_options, out)?,
                OutputFormat::Gitlab => report::gitlab::write(&result, &file_options, out)?,
                OutputFormat::Ckl => {
                    report::checklist::write_ckl(&result, &file_options, &benchmark, out)?;
                }
                OutputFormat::Cklb => {
                    report::checklist::write_cklb(&result, &file_options, &benchmark, out)?;
                }
                OutputFormat::Evidence => {
                    report::evidence::write(&result, &file_options, &timestamp, out)?;
                }
            }
            out.flush()
        };
        match &spec.path {
            Some(path) => write_file(path, write)?,
            None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))
                .context("cannot write the report")?,
        }
    }
    let text_on_stdout = specs
        .iter()
        .any(|s| s.path.is_none() && matches!(s.format, OutputFormat::Text));
    if !text_on_stdout {
        // Machine-readable reports go to their file or stdout; people still see the verdict.
        let mut summary = Vec::new();
        report::text::write_problems(&result, &mut summary)?;
        anstream::stderr().write_all(&summary).ok();
    }
    // The process ends here: freeing hundreds of thousands of findings one by one only costs
    // time (the operating system takes the memory back at once).
    std::mem::forget(result);
    Ok(code)
}

/// Stream a report into a file: devices and pipes (`-o /dev/stdout`) in place, regular files
/// through a temporary file and a rename, so a reader never sees half a report.
fn write_file(path: &Path, write: impl Fn(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let in_place = path.exists() && !path.is_file();
    let target = if in_place {
        path.to_path_buf()
    } else {
        path.with_extension("stiglint-tmp")
    };
    let file = std::fs::File::create(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    write(&mut std::io::BufWriter::new(file))
        .with_context(|| format!("cannot write {}", target.display()))?;
    if !in_place {
        std::fs::rename(&target, path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn controls(args: &ControlsArgs) -> Result<u8> {
    let config = load_config(&args.common, &[])?;
    let session = Session::new(session_options(&args.common, config))?;
    let mut out = Vec::new();
    let controls = session.controls();
    let rules = args.all.then(|| stiglint::stig::coverage(&controls));
    match args.format {
        ListFormat::Table => report::catalogue::write_table(&controls, rules.as_deref(), &mut out)?,
        ListFormat::Json => report::catalogue::write_json(&controls, rules.as_deref(), &mut out)?,
    }
    std::io::stdout().lock().write_all(&out)?;
    for p in &session.problems {
        let _ = writeln!(anstream::stderr(), "error: {}", p.headline());
    }
    Ok(if session.problems.is_empty() { 0 } else { 2 })
}

/// A file the fixes change: its name, its new text, how many findings they fix in it.
type FixedFile = (String, String, usize);

/// The fixes of a scan's open findings: a unified diff, and each changed file's new text with
/// the number of findings fixed in it.
fn fixes(result: &stiglint::scan::ScanResult) -> Result<(String, Vec<FixedFile>)> {
    let mut by_file: std::collections::BTreeMap<&str, Vec<&stiglint::scan::Finding>> =
        std::collections::BTreeMap::new();
    for f in &result.findings {
        if f.fix.is_some() && f.status == stiglint::scan::FindingStatus::Open {
            by_file.entry(&f.location.file).or_default().push(f);
        }
    }
    let mut diff = String::new();
    let mut changed = Vec::new();
    for (file, findings) in by_file {
        let Some(source) = result.source(file) else {
            continue;
        };
        if file == "<stdin>" {
            continue;
        }
        // One fix after the other, each placed on the text the previous ones left.
        let mut text = source.text.to_string();
        let mut fixed = 0;
        for f in findings {
            let Some(doc) = stiglint::fix::document_index(source, f) else {
                continue;
            };
            if let Some(new) = stiglint::fix::apply_fix(source, &text, f, doc) {
                text = new;
                fixed += 1;
            }
        }
        if fixed == 0 {
            continue;
        }
        diff.push_str(
            &similar::TextDiff::from_lines(&*source.text, &text)
                .unified_diff()
                .header(&format!("a/{file}"), &format!("b/{file}"))
                .to_string(),
        );
        changed.push((file.to_owned(), text, fixed));
    }
    Ok((diff, changed))
}

fn waivers(args: &WaiversArgs) -> Result<u8> {
    let config = load_config(&args.common, &args.paths)?;
    let mut options = session_options(&args.common, config);
    options.today = match &args.today {
        Some(d) if stiglint::dates::is_date(d) => d.clone(),
        Some(d) => bail!("--today {d}: not a date (YYYY-MM-DD)"),
        None => stiglint::dates::today_utc(),
    };
    options.namespace.clone_from(&args.namespace);
    options.no_inline_waivers = args.no_inline_waivers;
    let session = Session::new(options)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // Standard input is read by the scan, with the input size cap.
    let stdin: Option<Arc<str>> = None;
    let result = session.scan(&paths, stdin.as_ref());
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            RegisterFormat::Table => report::register::write_table(&result.waivers, out)?,
            RegisterFormat::Json => report::register::write_json(&result.waivers, out)?,
            RegisterFormat::Csv => report::register::write_csv(&result.waivers, out)?,
        }
        out.flush()
    };
    match &args.output {
        Some(path) => write_file(path, write)?,
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))
            .context("cannot write the register")?,
    }
    let mut summary = Vec::new();
    report::text::write_problems(&result, &mut summary)?;
    anstream::stderr().write_all(&summary).ok();
    std::mem::forget(result);
    Ok(if summary.is_empty() { 0 } else { 2 })
}

fn explain(args: &ExplainArgs) -> Result<u8> {
    let config = load_config(&args.common, &[])?;
    let session = Session::new(session_options(&args.common, config))?;
    let Some(control) = session.control(&args.id) else {
        bail!("unknown control '{}' (see `stiglint controls`)", args.id);
    };
    let mut out = Vec::new();
    report::catalogue::write_explain(control, &mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(0)
}
