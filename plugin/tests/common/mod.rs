//! Helpers shared by the plugin's integration tests.
pub mod clap_host;
#[allow(dead_code)]
pub mod loudness;
