//! A manifest for `batch`: a CSV or JSON-lines file that lists the inputs, optionally each one's
//! output, and any setting a row should have instead of the command line's. Every row is read
//! and checked before any work starts, and a fault names its line.
//!
//! Columns (CSV header, or JSON keys): `input` (required; relative to the manifest's folder),
//! `output` (relative to the output folder; required for an input outside the manifest's
//! folder), and the settings `bitrate`, `frame`, `loss`, `burst`, `dred` (one value, a list or a
//! range, as the flags take them), `application`, `loss_model`, `fec`, `expect_loss`, `complexity`,
//! `decoder_complexity`. An empty cell, or JSON `null`, leaves the flag's value.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{Choice, LossModel};

use crate::augment::{self, Spec};
use crate::error::{AppError, Result};

/// The settings a row sets; `None` leaves the command line's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub bitrate: Option<Spec<i32>>,
    pub frame: Option<Spec<FrameDuration>>,
    pub loss: Option<Spec<f32>>,
    pub burst: Option<Spec<f32>>,
    pub dred: Option<Spec<u16>>,
    pub application: Option<Application>,
    pub loss_model: Option<LossModel>,
    pub fec: Option<bool>,
    pub expect_loss: Option<f32>,
    pub complexity: Option<u8>,
    pub decoder_complexity: Option<u8>,
}

/// One row of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The input, as found from the manifest's folder.
    pub input: PathBuf,
    /// The output under the output folder, `/`-separated, if the row gives one.
    pub output: Option<String>,
    /// The row's name in results and the key of its draw: its output if given, else its input
    /// (`/`-separated).
    pub name: String,
    pub overrides: Overrides,
}

/// The columns a manifest may have.
const COLUMNS: [&str; 13] = [
    "input",
    "output",
    "bitrate",
    "frame",
    "loss",
    "burst",
    "dred",
    "application",
    "loss_model",
    "fec",
    "expect_loss",
    "complexity",
    "decoder_complexity",
];

/// Whether `path` names a manifest rather than a folder.
pub fn is_manifest(path: &Path) -> bool {
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    matches!(extension.as_str(), "csv" | "jsonl" | "ndjson")
}

/// Reads every row of the manifest at `path` (CSV if it ends in `.csv`, JSON lines otherwise).
pub fn read(path: &Path) -> Result<Vec<Row>> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| AppError::Usage(format!("cannot read the manifest '{}': {error}", path.display())))?;
    // Spreadsheets save CSV with a byte-order mark; editors now and then a JSON-lines file too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let csv = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    let cells = if csv { csv_cells(text) } else { json_cells(text) };
    let folder = path.parent().unwrap_or(Path::new(""));
    let rows = cells
        .map_err(|error| AppError::Usage(format!("manifest '{}': {error}", path.display())))?
        .into_iter()
        .map(|(line, cells)| {
            row(folder, &cells)
                .map_err(|error| AppError::Usage(format!("manifest '{}', line {line}: {error}", path.display())))
        })
        .collect::<Result<Vec<Row>>>()?;
    if rows.is_empty() {
        return Err(AppError::Usage(format!("the manifest '{}' lists no files", path.display())));
    }
    Ok(rows)
}

/// A row's cells by column, with the line it is on.
type Cells = (usize, BTreeMap<String, String>);

fn csv_cells(text: &str) -> Result<Vec<Cells>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|error| error.to_string())?.iter().map(str::to_lowercase).collect();
    if let Some(unknown) = header.iter().find(|column| !COLUMNS.contains(&column.as_str())) {
        return Err(unknown_column(unknown));
    }
    if let Some((index, twice)) = header.iter().enumerate().find(|(index, column)| header[..*index].contains(column)) {
        return Err(format!("the column '{twice}' comes twice (the {} column too)", ordinal(index + 1)));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| error.to_string())?;
        let line = record.position().map_or(0, |position| position.line() as usize);
        let cells = header
            .iter()
            .zip(record.iter())
            .filter(|(_, value)| !value.is_empty())
            .map(|(column, value)| (column.clone(), value.to_owned()))
            .collect::<BTreeMap<_, _>>();
        // A row of empty cells (`,,,`, as spreadsheets save a blank row) lists nothing.
        if !cells.is_empty() {
            rows.push((line, cells));
        }
    }
    Ok(rows)
}

fn json_cells(text: &str) -> Result<Vec<Cells>, String> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |what: String| format!("line {line_number}: {what}");
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|error| fail(format!("not a JSON object ({error})")))?;
        let mut cells = BTreeMap::new();
        for (key, value) in object {
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(number) => number.to_string(),
                serde_json::Value::Bool(flag) => flag.to_string(),
                _ => return Err(fail(format!("'{key}' is a list or an object; give it as text"))),
            };
            if cells.insert(key.to_lowercase(), text).is_some() {
                return Err(fail(format!("'{key}' comes twice")));
            }
        }
        rows.push((line_number, cells));
    }
    Ok(rows)
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn unknown_column(column: &str) -> String {
    format!("unknown column '{column}'; a manifest has {}", COLUMNS.join(", "))
}

/// One row from its cells.
fn row(folder: &Path, cells: &BTreeMap<String, String>) -> Result<Row, String> {
    if let Some(unknown) = cells.keys().find(|column| !COLUMNS.contains(&column.as_str())) {
        return Err(unknown_column(unknown));
    }
    let written_input = cells.get("input").cloned().ok_or("no input")?;
    let input = folder.join(&written_input);
    if !input.is_file() {
        return Err(format!("the input '{}' does not exist", input.display()));
    }
    let output = match cells.get("output") {
        Some(output) => Some(relative_under(output).ok_or_else(|| {
            format!("the output '{output}' must be a relative path inside the output folder, without '..'")
        })?),
        None => None,
    };
    if let Some(extension) = output.as_deref().and_then(|output| Path::new(output).extension()) {
        let extension = extension.to_string_lossy().to_lowercase();
        if !matches!(extension.as_str(), "wav" | "wave" | "flac") {
            return Err(format!("the output must be a .wav or .flac name, not .{extension}"));
        }
    }
    let name = match (&output, relative_under(&written_input)) {
        (Some(output), _) => output.clone(),
        (None, Some(input)) => input,
        (None, None) => {
            return Err(format!(
                "the input '{written_input}' is outside the manifest's folder: give the row an output"
            ));
        }
    };
    let get = |column: &str| cells.get(column).map(String::as_str);
    let overrides = Overrides {
        bitrate: get("bitrate").map(|text| parsed("bitrate", augment::bitrate(text))).transpose()?,
        frame: get("frame").map(|text| parsed("frame", augment::frame(text))).transpose()?,
        loss: get("loss").map(|text| parsed("loss", augment::loss(text))).transpose()?,
        burst: get("burst").map(|text| parsed("burst", augment::burst(text))).transpose()?,
        dred: get("dred").map(|text| parsed("dred", augment::dred(text))).transpose()?,
        application: get("application")
            .map(|text| {
                Application::from_key(text)
                    .ok_or_else(|| format!("application: '{text}' is none of {}", Application::KEYS.join(", ")))
            })
            .transpose()?,
        loss_model: get("loss_model")
            .map(|text| {
                LossModel::from_key(text)
                    .ok_or_else(|| format!("loss_model: '{text}' is none of {}", LossModel::KEYS.join(", ")))
            })
            .transpose()?,
        fec: get("fec").map(|text| parsed("fec", yes_or_no(text))).transpose()?,
        expect_loss: get("expect_loss")
            .map(|text| parsed("expect_loss", crate::units::parse_percent(text)))
            .transpose()?,
        complexity: get("complexity").map(|text| parsed("complexity", complexity(text))).transpose()?,
        decoder_complexity: get("decoder_complexity")
            .map(|text| parsed("decoder_complexity", complexity(text)))
            .transpose()?,
    };
    Ok(Row { input, output, name, overrides })
}

/// `value`, its error prefixed with the column's name.
fn parsed<T>(column: &str, value: Result<T, String>) -> Result<T, String> {
    value.map_err(|error| format!("{column}: {error}"))
}

/// `path` as `/`-separated parts if it is relative and stays inside its folder.
fn relative_under(path: &str) -> Option<String> {
    let parts: Vec<String> = Path::new(path)
        .components()
        .filter(|part| *part != Component::CurDir)
        .map(|part| match part {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn yes_or_no(text: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

fn complexity(text: &str) -> Result<u8, String> {
    let max = roundtrip_engine::settings::MAX_COMPLEXITY;
    text.parse::<u8>().ok().filter(|value| *value <= max).ok_or_else(|| format!("'{text}' is not 0 to {max}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_their_folder() {
        assert_eq!(relative_under("a/./b.wav").as_deref(), Some("a/b.wav"));
        for outside in ["../a.wav", "/data/a.wav", "a/../../b.wav", "", "."] {
            assert_eq!(relative_under(outside), None, "{outside}");
        }
        assert_eq!(yes_or_no("Yes"), Ok(true));
        assert!(complexity("11").is_err());
    }
}
