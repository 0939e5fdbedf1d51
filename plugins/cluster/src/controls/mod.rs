//! The controls, grouped by what they read; one control per file.

pub mod apiserver;
pub mod components;
pub mod files;
pub mod kubelet;

/// Every control of this plugin, with its documentation.
#[must_use]
pub fn all() -> Vec<stiglint_sdk::Registered> {
    let mut all = apiserver::all();
    all.extend(components::all());
    all.extend(kubelet::all());
    all.extend(files::all());
    all
}
