//! kube-controller-manager, kube-scheduler and etcd flags, and feature gates.

pub mod scheduler_bind_address;

stiglint_sdk::controls![scheduler_bind_address];
