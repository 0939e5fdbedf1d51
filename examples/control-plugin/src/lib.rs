//! An organisation's own stiglint controls, built as a WebAssembly component:
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2
//! stiglint check --plugin target/wasm32-wasip2/release/org_controls.wasm k8s/
//! ```

mod controls;

stiglint_sdk::control_plugin!(
    name: "org-controls",
    description: "Example organisation controls",
    controls: controls::all,
);
