//! One control per file.

stiglint_sdk::controls![privileged];
