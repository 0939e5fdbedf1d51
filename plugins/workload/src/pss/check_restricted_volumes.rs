//! `restrictedVolumes` (restricted, v1.0+): only `configMap`, `csi`, `downwardAPI`,
//! `emptyDir`, `ephemeral`, `persistentVolumeClaim`, `projected` and `secret` volumes (a
//! volume with no source is an `emptyDir` to the API server). Replaces `hostPathVolumes` at
//! the restricted level.
use super::{Check, Level, Place, Pod, Versioned, no_fix};
use stiglint_sdk::Value;

/// The volume sources restricted forbids (every in-tree source but the allowed ones).
const FORBIDDEN: &[&str] = &[
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "gitRepo",
    "glusterfs",
    "hostPath",
    "iscsi",
    "nfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
];

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let Some(volumes) = pod.spec.get("volumes").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, v) in volumes.iter().enumerate() {
        for source in FORBIDDEN {
            if v.get(*source).is_some_and(|s| !s.is_null()) {
                let name = v["name"].as_str().unwrap_or_default();
                out.push(pod.place(
                    &format!("volumes/{i}/{source}"),
                    format!("{name}\u{1f}{source}"),
                ));
            }
        }
    }
    out
}

fn parts(p: &Place) -> (&str, &str) {
    p.value.split_once('\u{1f}').unwrap_or((&p.value, ""))
}

fn message(p: &Place) -> String {
    let (name, source) = parts(p);
    format!("{} must not use a {source} volume ('{name}')", p.who)
}

fn detail(p: &Place) -> String {
    let (name, source) = parts(p);
    format!("volume \"{name}\" uses restricted volume type \"{source}\"")
}

/// The check.
pub static CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    control: "STIGLINT-PSS-0003",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &["hostPathVolumes"],
    reason: "restricted volume types",
    detail,
    message,
    fix: no_fix,
};
