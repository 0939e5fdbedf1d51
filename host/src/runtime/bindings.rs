//! Host bindings for both worlds of `wit/plugin.wit`.

/// The `control-plugin` world.
#[allow(missing_docs, clippy::pedantic)]
pub mod control {
    wasmtime::component::bindgen!({
        world: "control-plugin",
        path: "../wit",
    });
}

/// The `waiver-plugin` world (shares the types of the control world).
#[allow(missing_docs, clippy::pedantic)]
pub mod waiver {
    wasmtime::component::bindgen!({
        world: "waiver-plugin",
        path: "../wit",
        with: {
            "stiglint:plugin/types": super::control::stiglint::plugin::types,
        },
    });
}

pub use control::stiglint::plugin::types as wit;
