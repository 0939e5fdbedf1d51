//! The subcommands, one file each, and what they share: the configuration, the session's
//! options, the options every command takes, writing a report file.

pub mod check;
pub mod controls;
pub mod explain;
pub mod serve;
pub mod verify;
pub mod waivers;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use stiglint::config::Config;
use stiglint::runtime::{Limits, Severity};
use stiglint::session::SessionOptions;

/// Options every command shares: where plugins and configuration come from.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct CommonArgs {
    /// Configuration file (default: `stiglint.toml` in the working directory or above).
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Ignore any `stiglint.toml`.
    #[arg(long, global = true, conflicts_with = "config")]
    pub(crate) no_config: bool,
    /// Load another plugin (a `.wasm` component). Repeatable.
    #[arg(long = "plugin", value_name = "PATH.wasm", global = true)]
    pub(crate) plugins: Vec<PathBuf>,
    /// A Gatekeeper ConstraintTemplate or constraint file, or a directory of them, for the
    /// built-in `gatekeeper` plugin (each constraint becomes the control
    /// `GK-<Kind>/<name>`). Repeatable; adds to `[plugin-settings.gatekeeper] policies`.
    #[arg(long = "policy", value_name = "PATH", global = true)]
    pub(crate) policies: Vec<PathBuf>,
    /// Run only the `--plugin`s, not the built-in controls.
    #[arg(long, global = true)]
    pub(crate) no_builtin_plugins: bool,
    /// Use no cache at all: compile plugins afresh and judge every file afresh (the
    /// precompiled-plugin cache and the per-file result cache are both bypassed).
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,
    /// Judge every file afresh (the per-file result cache is bypassed; the precompiled-plugin
    /// cache is still used).
    #[arg(long, global = true)]
    pub(crate) no_result_cache: bool,
    /// Largest input file (and standard input) read, in bytes or with a unit (`64M`, `1G`);
    /// default 64 MiB. A larger file is an error.
    #[arg(long, value_name = "SIZE", global = true, value_parser = stiglint::config::parse_size)]
    pub(crate) max_file_size: Option<u64>,
    /// Wall-clock budget of one plugin call, in milliseconds.
    #[arg(long, value_name = "MS", global = true)]
    pub(crate) plugin_timeout_ms: Option<u64>,
    /// Memory cap of one plugin instance, in MiB.
    #[arg(long, value_name = "MIB", global = true)]
    pub(crate) plugin_memory_mb: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SeverityArg {
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

/// `--config`, else the nearest `stiglint.toml` above the working directory, else the nearest
/// one above the first path checked.
pub(crate) fn load_config(common: &CommonArgs, paths: &[PathBuf]) -> Result<Config> {
    let mut config = find_config(common, paths)?;
    config.add_policies(&common.policies)?;
    Ok(config)
}

fn find_config(common: &CommonArgs, paths: &[PathBuf]) -> Result<Config> {
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

pub(crate) fn session_options(common: &CommonArgs, config: Config) -> SessionOptions {
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
                facts: config.limits.facts_mb.map_or(d.facts, |m| m << 20),
            }
        });
    SessionOptions {
        config,
        extra_plugins: common.plugins.clone(),
        no_cache: common.no_cache,
        no_result_cache: common.no_result_cache,
        max_file_size: common.max_file_size,
        no_builtin: common.no_builtin_plugins,
        limits,
        today: stiglint::dates::today_utc(),
        ..SessionOptions::default()
    }
}

/// Stream a report into a file: devices and pipes (`-o /dev/stdout`) in place, regular files
/// through a temporary file and a rename, so a reader never sees half a report.
pub(crate) fn write_file(
    path: &Path,
    write: impl Fn(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
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

/// Today's date: `--today` checked, else the clock.
pub(crate) fn today(given: Option<&String>) -> Result<String> {
    match given {
        Some(d) if stiglint::dates::is_date(d) => Ok(d.clone()),
        Some(d) => anyhow::bail!("--today {d}: not a date (YYYY-MM-DD)"),
        None => Ok(stiglint::dates::today_utc()),
    }
}
