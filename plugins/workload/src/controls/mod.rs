//! One control per file; `all()` lists them with their documentation.

pub mod approved_registry;
pub mod credential_literals;
pub mod dashboard;
pub mod default_deny_ingress;
pub mod default_namespaces;
pub mod host_namespaces;
pub mod image_versions;
pub mod privileged;
pub mod privileged_host_ports;
pub mod psp_non_root;
pub mod pss_app_armor;
pub mod pss_capabilities;
pub mod pss_host_ports;
pub mod pss_host_probes;
pub mod pss_privilege_escalation;
pub mod pss_proc_mount;
pub mod pss_se_linux;
pub mod pss_seccomp;
pub mod pss_sysctls;
pub mod pss_volume_types;
pub mod pss_windows_host_process;
pub mod resource_limits;
pub mod run_as_non_root;
pub mod secret_env;
pub mod secret_read_roles;
pub mod system_namespaces;
pub mod vulnerable_images;

stiglint_sdk::controls![
    approved_registry,
    run_as_non_root,
    host_namespaces,
    privileged,
    resource_limits,
    default_deny_ingress,
    default_namespaces,
    dashboard,
    privileged_host_ports,
    secret_env,
    system_namespaces,
    image_versions,
    secret_read_roles,
    credential_literals,
    psp_non_root,
    vulnerable_images,
    pss_windows_host_process,
    pss_capabilities,
    pss_volume_types,
    pss_host_ports,
    pss_host_probes,
    pss_app_armor,
    pss_se_linux,
    pss_proc_mount,
    pss_seccomp,
    pss_sysctls,
    pss_privilege_escalation,
];
