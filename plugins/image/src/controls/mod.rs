//! One control per file; `all()` lists them with their documentation.

pub mod add_remote_url;
pub mod base_not_pinned;
pub mod base_registry;
pub mod no_healthcheck;
pub mod package_cache;
pub mod root_user;
pub mod secret_build_args;
pub mod setuid_bits;
pub mod ssh_server;

stiglint_sdk::controls![
    root_user,
    base_not_pinned,
    base_registry,
    add_remote_url,
    setuid_bits,
    package_cache,
    secret_build_args,
    ssh_server,
    no_healthcheck,
];
