//! One file per subcommand.

pub mod batch;
pub mod demo;
pub mod live;
pub mod render;
pub mod report;
