//! `procMount_restricted` (restricted, v1.35+): containers' `securityContext.procMount` must be
//! unset or `Default`, whatever `hostUsers` says. Replaces `procMount` at the restricted level.
use super::check_proc_mount::{detail, eval, fix, message};
use super::{Check, Level, Versioned};

/// The check.
pub static CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    control: "STIGLINT-PSS-0008",
    versions: &[Versioned {
        min: 35,
        eval,
        exempt_windows: false,
    }],
    overrides: &["procMount"],
    reason: "procMount",
    detail,
    message,
    fix,
};
