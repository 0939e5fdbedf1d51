//! The glue for the `waiver-plugin` world (feature `waiver`).

/// Bindings generated from `wit/plugin.wit`.
#[allow(
    missing_docs,
    clippy::pedantic,
    clippy::too_many_arguments,
    unsafe_code
)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "waiver-plugin",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "__export_waiver_plugin",
        default_bindings_module: "::stiglint_sdk::waiver::bindings",
    });
}
