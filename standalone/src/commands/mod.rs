//! One file per subcommand.

pub mod batch;
pub mod demo;
pub mod live;
pub mod mushra_report;
pub mod render;
pub mod report;
