//! One control per file.

pub mod image_digest;

stiglint_sdk::controls![image_digest];
