//! The plugin's one built-in control. Every other control is a Gatekeeper constraint,
//! described from the settings or declared from the scanned files.

pub mod engine;
