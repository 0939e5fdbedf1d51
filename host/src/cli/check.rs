//! `stiglint check` (the default command): render what needs rendering (Helm, Kustomize),
//! scan, apply fixes, write the reports, and say with the exit code whether the run passes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use stiglint::report::{self, ReportOptions};
use stiglint::runtime::Severity;
use stiglint::session::Session;

use super::{CommonArgs, SeverityArg, load_config, session_options, write_file};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum OutputFormat {
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
pub(crate) struct FormatSpec {
    format: OutputFormat,
    path: Option<PathBuf>,
}

pub(crate) fn parse_format(s: &str) -> std::result::Result<FormatSpec, String> {
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
pub(crate) enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone, Default)]
pub(crate) struct CheckArgs {
    /// Files or directories to check (`-` reads standard input). Default: `.`.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format, repeatable as FORMAT=FILE for several reports in one run:
    /// `--format sarif=out.sarif --format junit=out.xml` (text, json, sarif, junit, github,
    /// gitlab).
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_format)]
    pub(crate) format: Vec<FormatSpec>,
    /// Write the report to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Run only these controls (IDs, Vuln IDs or ID prefixes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub(crate) select: Option<Vec<String>>,
    /// Do not run these controls.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub(crate) ignore: Vec<String>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<SeverityArg>,
    /// Namespace objects without `metadata.namespace` are deployed to.
    #[arg(long)]
    pub(crate) namespace: Option<String>,
    /// Kubernetes version the manifests target (e.g. 1.31).
    #[arg(long, value_name = "VERSION")]
    k8s_version: Option<String>,
    /// Today's date for date-dependent rules (YYYY-MM-DD; default: the clock).
    #[arg(long, value_name = "DATE")]
    pub(crate) today: Option<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) color: ColorChoice,
    /// Show what plugins logged.
    #[arg(long, short)]
    pub(crate) verbose: bool,
    /// Walk directories without honouring `.gitignore` and `.ignore` files.
    #[arg(long)]
    pub(crate) no_ignore: bool,
    /// A Trivy image report (`trivy image --format json`, schema 2) for KUBER-L2-000030.
    /// Repeatable. (Reports among the checked paths are recognised by content too.)
    #[arg(long = "trivy-report", value_name = "FILE")]
    pub(crate) trivy_reports: Vec<PathBuf>,
    /// Set a Terraform root module variable (`NAME=VALUE`; the value is HCL, or a plain
    /// string). Repeatable; wins over variable files.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub(crate) vars: Vec<(String, String)>,
    /// A Terraform variable file (`.tfvars`) for the root modules, read after
    /// `terraform.tfvars` and `*.auto.tfvars`. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub(crate) var_files: Vec<PathBuf>,
    /// Where the `.tf` sources of a Terraform plan JSON are, so findings point at their lines
    /// (default: the plan's own directory, when it holds `.tf` files).
    #[arg(long, value_name = "DIR")]
    pub(crate) source_dir: Option<PathBuf>,
    /// Only the reviewed waiver file counts: ignore `# stiglint:waive` comments.
    #[arg(long)]
    pub(crate) no_inline_waivers: bool,
    /// Apply the fixes of open findings to the files (atomically, indentation kept), then
    /// report what is left.
    #[arg(long, conflicts_with = "diff")]
    pub(crate) fix: bool,
    /// Show the fixes of open findings as a unified diff; change nothing.
    #[arg(long)]
    pub(crate) diff: bool,
    /// Fail the run when a file is skipped (nothing in it was checked).
    #[arg(long)]
    pub(crate) fail_on_skip: bool,
    /// Fail the run when a waiver covers no finding (a stale exception).
    #[arg(long)]
    pub(crate) fail_on_unused_waivers: bool,
    /// Write the run's evidence record into this directory, one file per run named by its UTC
    /// time.
    #[arg(long, value_name = "DIR")]
    pub(crate) evidence_dir: Option<PathBuf>,
    /// Render this Helm chart with `helm template` and check the output (needs helm).
    #[arg(long, value_name = "CHART")]
    pub(crate) helm: Option<PathBuf>,
    /// The Helm chart the checked output was rendered from: findings name its template files
    /// (`# Source: <chart>/templates/x.yaml` → `DIR/templates/x.yaml`).
    #[arg(long, value_name = "DIR")]
    pub(crate) chart_dir: Option<PathBuf>,
    /// Values files for `--helm` (repeatable).
    #[arg(long = "values", value_name = "FILE", requires = "helm")]
    pub(crate) values: Vec<PathBuf>,
    /// Render this kustomization with `kubectl kustomize` (or `kustomize build`) and check the
    /// output.
    #[arg(long, value_name = "DIR")]
    pub(crate) kustomize: Option<PathBuf>,
    /// An official DISA Kubernetes STIG XCCDF file (a newer release) for the checklists
    /// (default: the bundled V2R4).
    #[arg(long, value_name = "XCCDF")]
    pub(crate) stig_file: Option<PathBuf>,
    /// The asset (host name) a STIG Viewer checklist is for.
    #[arg(long, value_name = "HOST")]
    pub(crate) asset: Option<String>,
    /// Fail the run when a control cannot decide (a Terraform value not known before apply,
    /// an image without a Trivy report), as for a finding.
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Run the first of these programs that is installed and return what it printed; fail (never
/// skip) when none is, or when it fails.
pub(crate) fn render(candidates: &[(&str, Vec<std::ffi::OsString>)], flag: &str) -> Result<String> {
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
pub(crate) struct Bar(indicatif::ProgressBar);

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
pub(crate) fn parse_var(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got '{s}'")),
    }
}

/// Run it.
pub(crate) fn run(args: CheckArgs) -> Result<u8> {
    let config = load_config(&args.common, &args.paths)?;
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let today = super::today(args.today.as_ref())?;
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
    if let Some(warning) = &session.cache_warning {
        let _ = writeln!(anstream::stderr(), "warning: {warning}");
    }

    let Inputs {
        paths,
        stdin,
        overlay,
        chart_dir: chart_dir_default,
    } = inputs(&args)?;
    let mut result = session.scan_with(&paths, stdin.as_ref(), overlay.as_ref());
    if args.diff {
        let (diff, _) = fixes(&result)?;
        std::io::stdout().lock().write_all(diff.as_bytes())?;
        return Ok(if diff.is_empty() { 0 } else { 1 });
    }
    if args.fix {
        let (changed, unwritten) = apply_fixes(&result)?;
        if changed {
            result = session.scan_with(&paths, stdin.as_ref(), overlay.as_ref());
        }
        result.problems.extend(unwritten);
    }
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    if args.verbose
        && let Some(cache) = session.result_cache()
    {
        let _ = writeln!(
            anstream::stderr(),
            "result cache: {} of {} files from the cache",
            cache.hits(),
            result.files.len()
        );
    }
    let strict = args.strict || config_strict;

    let specs = report_specs(&args)?;
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
    let mut clock = stiglint::scan::Clock::new();
    write_reports(&args, &result, &options, specs)?;
    clock.lap("report");
    if args.verbose {
        let laps: Vec<String> = result
            .timings
            .iter()
            .chain(&clock.laps)
            .map(|(phase, took)| format!("{phase} {:.0} ms", took.as_secs_f64() * 1e3))
            .collect();
        let _ = writeln!(anstream::stderr(), "timings: {}", laps.join(", "));
    }
    // The process ends here: freeing hundreds of thousands of findings one by one only costs
    // time (the operating system takes the memory back at once).
    std::mem::forget(result);
    Ok(code)
}

/// The reports asked for: `--format` (repeatable, `FORMAT=FILE`) and `-o`; text on standard
/// output by default.
fn report_specs(args: &CheckArgs) -> Result<Vec<FormatSpec>> {
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
    Ok(specs)
}

/// Write every report (and the evidence record), each to its file or standard output; a
/// summary of errors goes to standard error when no text report is on standard output.
fn write_reports(
    args: &CheckArgs,
    result: &stiglint::scan::ScanResult,
    options: &ReportOptions,
    mut specs: Vec<FormatSpec>,
) -> Result<()> {
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
                OutputFormat::Text => report::text::write(result, &file_options, out)?,
                OutputFormat::Json => report::json::write(result, &file_options, out)?,
                OutputFormat::Sarif => report::sarif::write(result, &file_options, out)?,
                OutputFormat::Junit => report::junit::write(result, &file_options, out)?,
                OutputFormat::Github => report::github::write(result, &file_options, out)?,
                OutputFormat::Gitlab => report::gitlab::write(result, &file_options, out)?,
                OutputFormat::Ckl => {
                    report::checklist::write_ckl(result, &file_options, &benchmark, out)?;
                }
                OutputFormat::Cklb => {
                    report::checklist::write_cklb(result, &file_options, &benchmark, out)?;
                }
                OutputFormat::Evidence => {
                    report::evidence::write(result, &file_options, &timestamp, out)?;
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
        report::text::write_problems(result, &mut summary)?;
        anstream::stderr().write_all(&summary).ok();
    }
    Ok(())
}

/// What a check reads: the paths, standard input, and what Helm or Kustomize rendered (as
/// buffers over files that do not exist), with the chart whose templates findings name.
struct Inputs {
    paths: Vec<PathBuf>,
    stdin: Option<Arc<str>>,
    overlay: Option<stiglint::input::Overlay>,
    chart_dir: Option<PathBuf>,
}

/// The paths to check, standard input if named, and the charts and kustomizations rendered by
/// the real tools (each scanned as a file of its own).
fn inputs(args: &CheckArgs) -> Result<Inputs> {
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
    let mut chart_dir: Option<PathBuf> = None;
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
            chart_dir = Some(chart.clone());
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
    Ok(Inputs {
        paths,
        stdin,
        overlay,
        chart_dir,
    })
}

/// Write the fixes of the open findings into their files (mode, owner and group kept; a file
/// that cannot be fixed safely is said and left alone): whether any file changed, and the
/// files that could not be written.
fn apply_fixes(
    result: &stiglint::scan::ScanResult,
) -> Result<(bool, Vec<stiglint::problem::Problem>)> {
    let (_, mut changed) = fixes(result)?;
    let mut unwritten = Vec::new();
    // Only next to the files read (a skipped link that leaves the repository is not).
    for f in &result.files {
        if matches!(f.status, stiglint::scan::FileStatus::Skipped { .. }) {
            continue;
        }
        if let Ok(Some(temp)) = stiglint::fix::remove_stale_temp(Path::new(&f.name)) {
            let _ = writeln!(anstream::stderr(), "removed {}", temp.display());
        }
    }
    // A file read under two names (a link and its target) is written once.
    let mut written: std::collections::BTreeMap<PathBuf, String> =
        std::collections::BTreeMap::new();
    changed.retain(|(path, text, _)| {
        if let Some(first) = std::fs::canonicalize(path)
            .ok()
            .and_then(|t| written.get(&t))
        {
            let _ = writeln!(anstream::stderr(), "{path}: fixed as {first}");
            return false;
        }
        let original = result.source(path).map_or("", |s| &*s.text);
        match stiglint::fix::write_fixed(Path::new(path), original, text) {
            Ok(target) => {
                written.insert(target, path.clone());
                true
            }
            Err(e) if e.is_refusal() => {
                let _ = writeln!(anstream::stderr(), "{path}: not fixed: {e}");
                false
            }
            Err(e) => {
                unwritten.push(
                    stiglint::problem::Problem::new(
                        stiglint::problem::ProblemKind::Io,
                        format!("not fixed: cannot write the fixed file: {e}"),
                    )
                    .in_file(path.as_str()),
                );
                false
            }
        }
    });
    for (path, _, n) in &changed {
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
    Ok((!changed.is_empty(), unwritten))
}

/// A file the fixes change: its name, its new text, how many findings they fix in it.
pub(crate) type FixedFile = (String, String, usize);

/// The fixes of a scan's open findings: a unified diff, and each changed file's new text with
/// the number of findings fixed in it.
pub(crate) fn fixes(result: &stiglint::scan::ScanResult) -> Result<(String, Vec<FixedFile>)> {
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
        // One fix after the other, each placed on the text the previous ones left; a refused
        // one is said, and its finding stays open.
        let stiglint::fix::FileFixes {
            text,
            fixed,
            refused,
        } = stiglint::fix::fix_file(source, &findings);
        for (i, why) in refused {
            let f = findings[i];
            let line = f.location.range.start.line;
            let _ = writeln!(
                anstream::stderr(),
                "{file}:{line}: {}: not fixed: {why}",
                f.control
            );
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
