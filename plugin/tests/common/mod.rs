//! Helpers shared by the plugin's integration tests.
pub mod clap_host;
