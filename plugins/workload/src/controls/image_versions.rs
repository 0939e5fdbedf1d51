//! # CNTR-K8-002700: No stale image versions left running
//!
//! **What it checks.** Across the whole scan: every image repository (normalised, so `nginx`
//! and `docker.io/library/nginx` are one repository) must be deployed in one version only. The
//! version is the digest when the reference has one, else the tag, else `latest`. When a
//! repository has two versions or more, every image field of it is a finding, with the image
//! fields of its other versions as related places (the first uses of three other versions, the
//! rest counted; the message names ten versions at most). The judgement runs one repository at a time. Containers, init containers and ephemeral
//! containers of every pod-bearing object count.
//!
//! **Why.** Two versions of one image usually mean an update that did not reach every
//! workload: the old version keeps its known vulnerabilities running. Removing old components
//! once the new version is installed is what the STIG asks for.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: app
//!           image: nginx:1.25   # finding: docker.io/library/nginx in 2 versions
//! ---
//! kind: Deployment
//! metadata: {name: admin}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: app
//!           image: docker.io/library/nginx:1.27   # finding
//! ```
//!
//! **Fix.** Move every workload to the current version of the image (pin it by digest to keep
//! it that way) and remove the old one.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002700 (V-242442, CAT II): if the images of the
//! running pods show several versions of the same image, this is a finding; NIST SP 800-53
//! SI-4 d.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use stiglint_sdk::k8s::ImageRef;
use stiglint_sdk::prelude::*;

/// Related places a finding names (the first uses of this many other versions).
const RELATED: usize = 3;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002700")
            .pod_kinds()
            .scan_scope()
            .remediation(
                "Deploy one version of each image: update the workloads still on an old one.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            if let Some(image) = c.image().filter(|i| !i.trim().is_empty()) {
                let r = ImageRef::parse(image);
                let pointer = c.pointer_to("image");
                let repo = r.name();
                out.fact_in(
                    &[&repo],
                    &[&pointer],
                    json!({"repo": repo, "version": r.version(), "pointer": pointer}),
                );
            }
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let text = |f: &Fact, key: &str| f.data[key].as_str().unwrap_or_default().to_owned();
        // Repository → its image fields (document, pointer, version), in scan order.
        let mut repos: BTreeMap<String, Vec<(u32, String, String)>> = BTreeMap::new();
        for f in facts {
            let entry = (f.document, text(f, "pointer"), text(f, "version"));
            repos.entry(text(f, "repo")).or_default().push(entry);
        }
        for (repo, uses) in &repos {
            let versions: BTreeSet<&str> = uses.iter().map(|u| u.2.as_str()).collect();
            if versions.len() < 2 {
                continue;
            }
            // The message names ten versions at most: it must not grow with the input.
            let mut list = versions
                .iter()
                .take(10)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if versions.len() > 10 {
                let _ = write!(list, ", and {} more", versions.len() - 10);
            }
            let msg = format!(
                "Image {repo} is deployed in {} versions ({list}): keep one",
                versions.len()
            );
            // Where each version is first used: the related places of every finding — the
            // first uses of up to RELATED other versions, the rest counted — so a finding's
            // size does not grow with the input (a repository used 100,000 times in 50
            // versions stays linear, and each answer small).
            let mut first: BTreeMap<&str, (u32, &str)> = BTreeMap::new();
            for (d, p, v) in uses {
                first.entry(v.as_str()).or_insert((*d, p.as_str()));
            }
            let shown: Vec<(&str, u32, &str, String)> = first
                .iter()
                .take(RELATED + 1)
                .map(|(v, (d, p))| (*v, *d, *p, format!("{repo} in version {v}")))
                .collect();
            let others = (first.len() - 1) as u32;
            for (document, pointer, version) in uses {
                let mut finding = out.finding_in(*document, pointer, msg.clone());
                let mut attached = 0;
                for (_, d, p, m) in shown.iter().filter(|(v, ..)| *v != version.as_str()) {
                    if attached == RELATED {
                        break;
                    }
                    finding.related(*d, *p, m.clone());
                    attached += 1;
                }
                finding.more_related(others - attached as u32);
            }
        }
    }
}
