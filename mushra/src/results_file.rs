//! Ratings in and out: CSV (one row per trial × stimulus, a header naming the columns) or JSON
//! (the same rows under `ratings`, tagged with the format and its version). A file is read
//! whole or refused, naming the file and, for CSV, the line.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rating::{Rating, RatingError};

/// What a JSON results file says it is.
pub const JSON_FORMAT: &str = "opus-roundtrip-mushra";
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct JsonResults {
    format: String,
    version: u32,
    ratings: Vec<Rating>,
}

/// Why a results file cannot be read: the file, and what is wrong with it.
#[derive(Debug)]
pub struct ResultsError {
    pub path: PathBuf,
    pub problem: ResultsProblem,
}

/// What is wrong with a results file.
#[derive(Debug)]
pub enum ResultsProblem {
    Unreadable(std::io::Error),
    /// Neither `.csv` nor `.json`.
    UnknownFormat,
    /// Not the rows a results file holds; `line` for CSV.
    Malformed {
        line: Option<u64>,
        message: String,
    },
    /// A JSON file of another format or a newer version.
    NotResults {
        format: String,
        version: u32,
    },
    /// A row that is whole but cannot be a rating.
    Invalid(RatingError),
    /// No ratings at all.
    Empty,
}

impl std::fmt::Display for ResultsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(error) => write!(f, "cannot be read: {error}"),
            Self::UnknownFormat => f.write_str("not a results file (MUSHRA results are .csv or .json)"),
            Self::Malformed { line: Some(line), message } => write!(f, "line {line}: {message}"),
            Self::Malformed { line: None, message } => f.write_str(message),
            Self::NotResults { format, version } => {
                write!(f, "a '{format}' file, version {version}; this reads '{JSON_FORMAT}' version {JSON_VERSION}")
            }
            Self::Invalid(error) => write!(f, "{error}"),
            Self::Empty => f.write_str("holds no ratings"),
        }
    }
}

impl std::fmt::Display for ResultsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for ResultsError {}

/// The ratings of a `.csv` or `.json` results file, each validated.
pub fn read_results(path: &Path) -> Result<Vec<Rating>, ResultsError> {
    read(path).map_err(|problem| ResultsError { path: path.to_owned(), problem })
}

fn read(path: &Path) -> Result<Vec<Rating>, ResultsProblem> {
    let extension = path.extension().and_then(|extension| extension.to_str()).map(str::to_ascii_lowercase);
    let open = || std::fs::File::open(path).map_err(ResultsProblem::Unreadable);
    let ratings = match extension.as_deref() {
        Some("csv") => read_csv(open()?)?,
        Some("json") => read_json(open()?)?,
        _ => return Err(ResultsProblem::UnknownFormat),
    };
    if ratings.is_empty() {
        return Err(ResultsProblem::Empty);
    }
    ratings.into_iter().map(|rating| rating.validated().map_err(ResultsProblem::Invalid)).collect()
}

fn read_csv(reader: impl Read) -> Result<Vec<Rating>, ResultsProblem> {
    csv::Reader::from_reader(reader)
        .deserialize()
        .map(|row| {
            row.map_err(|error| {
                let line = error.position().map(csv::Position::line);
                let message = match error.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                    _ => error.to_string(),
                };
                ResultsProblem::Malformed { line, message }
            })
        })
        .collect()
}

fn read_json(reader: impl Read) -> Result<Vec<Rating>, ResultsProblem> {
    let malformed = |error: serde_json::Error| ResultsProblem::Malformed {
        line: None,
        message: format!("{error} (a results file is {{\"format\", \"version\", \"ratings\": [...]}})"),
    };
    let results: JsonResults = serde_json::from_reader(std::io::BufReader::new(reader)).map_err(malformed)?;
    if results.format != JSON_FORMAT || results.version > JSON_VERSION {
        return Err(ResultsProblem::NotResults { format: results.format, version: results.version });
    }
    Ok(results.ratings)
}

/// Writes `ratings` as CSV, a header first.
pub fn write_csv(writer: impl Write, ratings: &[Rating]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(writer);
    for rating in ratings {
        writer.serialize(rating).map_err(std::io::Error::other)?;
    }
    writer.flush()
}

/// Writes `ratings` as JSON, tagged with the format and its version.
pub fn write_json(mut writer: impl Write, ratings: &[Rating]) -> std::io::Result<()> {
    let results = JsonResults { format: JSON_FORMAT.to_owned(), version: JSON_VERSION, ratings: ratings.to_vec() };
    serde_json::to_writer_pretty(&mut writer, &results)?;
    writer.write_all(b"\n")
}
