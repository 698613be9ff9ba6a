//! Opus Roundtrip's standalone app, as a library the `opus-roundtrip` binary, its tests and its
//! benchmark share.
//!
//! - [`cli`]: the command line; [`commands`]: one module per subcommand (`live`, `render`,
//!   `report`, `demo`, `batch`).
//! - [`corpus`], [`manifest`], [`augment`], [`results_table`]: `batch`'s files, per-file settings
//!   and results.
//! - [`render`]: a file through the engine, latency removed; [`stats`]: what it measured.
//! - [`audio_file`] ([`wav`] or [`flac`]), [`ogg_opus`]: the files; [`output_file`]: outputs written whole or not at all.
//! - [`plot`], [`spectrogram`]: the report's picture.
//! - [`devices`]: the audio devices `live` can use; [`progress`], [`units`], [`error`].

pub mod analysis;
pub mod audibility;
pub mod audio_file;
pub mod augment;
pub mod cli;
pub mod commands;
pub mod corpus;
pub mod devices;
pub mod error;
pub mod file_identity;
pub mod flac;
pub mod interrupt;
pub mod manifest;
pub mod mushra_chart;
pub mod ogg_opus;
pub mod output_file;
pub mod perceptual;
pub mod plot;
pub mod progress;
pub mod render;
pub mod results_table;
pub mod riff;
pub mod settings_text;
pub mod spectrogram;
pub mod stats;
pub mod units;
pub mod wav;

use clap::{Args, FromArgMatches, Parser};

use cli::{Cli, Command, DemoArgs};
use error::AppError;

/// Parses `args` (program name first) and runs the command; returns the exit code.
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` print and succeed; usage errors print and exit 2.
            let _ = err.print();
            return err.exit_code();
        }
    };
    let result = match &cli.command {
        None => default_demo_args().and_then(|args| commands::demo::run(&args)),
        Some(Command::Live(args)) => commands::live::run(args),
        Some(Command::Render(args)) => commands::render::run(args),
        Some(Command::Report(args)) => commands::report::run(args),
        Some(Command::Demo(args)) => commands::demo::run(args),
        Some(Command::Batch(args)) => commands::batch::run(args),
        Some(Command::MushraReport(args)) => commands::mushra_report::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(err) => report_error(&err),
    }
}

/// `demo` with its defaults, for a bare `opus-roundtrip`.
fn default_demo_args() -> Result<DemoArgs, AppError> {
    let matches = DemoArgs::augment_args(clap::Command::new("demo")).get_matches_from(["demo"]);
    DemoArgs::from_arg_matches(&matches).map_err(|err| AppError::Internal(err.to_string()))
}

fn report_error(err: &AppError) -> i32 {
    eprintln!("opus-roundtrip: error: {err}");
    err.exit_code()
}
