//! `sysctls` (baseline, v1.0+): the pod's `securityContext.sysctls` may name only the safe,
//! namespaced ones; the list grows with the policy version (v1.27, v1.29, v1.32, v1.37).
use super::{Check, Level, Place, Pod, Versioned, no_fix};
use stiglint_sdk::Value;

const V1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const V1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const V1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const V1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const V1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn places(pod: &Pod<'_>, allowed: &[&[&str]]) -> Vec<Place> {
    let Some(sysctls) = pod.sc("sysctls").and_then(Value::as_array) else {
        return Vec::new();
    };
    sysctls
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = s["name"].as_str().unwrap_or_default();
            (!allowed.iter().any(|set| set.contains(&name)))
                .then(|| pod.place(&format!("securityContext/sysctls/{i}/name"), name))
        })
        .collect()
}

fn eval_1_0(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, &[V1_0])
}
fn eval_1_27(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, &[V1_0, V1_27])
}
fn eval_1_29(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, &[V1_0, V1_27, V1_29])
}
fn eval_1_32(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, &[V1_0, V1_27, V1_29, V1_32])
}
fn eval_1_37(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, &[V1_0, V1_27, V1_29, V1_32, V1_37])
}

fn message(p: &Place) -> String {
    format!("{} must not set the unsafe sysctl {}", p.who, p.value)
}

fn detail(p: &Place) -> String {
    p.value.clone()
}

/// The check.
pub static CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0010",
    versions: &[
        Versioned {
            min: 0,
            eval: eval_1_0,
            exempt_windows: false,
        },
        Versioned {
            min: 27,
            eval: eval_1_27,
            exempt_windows: false,
        },
        Versioned {
            min: 29,
            eval: eval_1_29,
            exempt_windows: false,
        },
        Versioned {
            min: 32,
            eval: eval_1_32,
            exempt_windows: false,
        },
        Versioned {
            min: 37,
            eval: eval_1_37,
            exempt_windows: false,
        },
    ],
    overrides: &[],
    reason: "forbidden sysctls",
    detail,
    message,
    fix: no_fix,
};
