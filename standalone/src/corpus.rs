//! A corpus for `batch`: the audio files under a folder, in a fixed order (by path), or the rows
//! of a manifest, in its order; and the contiguous share of them one shard takes.

use std::path::{Path, PathBuf};

use crate::error::{AppError, Result};
use crate::file_identity::resolved;
use crate::manifest::{self, Overrides};

/// Extensions of files taken into a corpus (case ignored). Not only WAV: a FLAC or MP3 in a
/// corpus becomes a result row that says what it is, rather than vanishing unnoticed.
const AUDIO_EXTENSIONS: [&str; 9] = ["wav", "wave", "flac", "mp3", "ogg", "opus", "oga", "aif", "aiff"];

/// One file of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusFile {
    pub path: PathBuf,
    /// Its path under the corpus folder, `/`-separated on every system: the name in results and
    /// the key of its settings draw. For a manifest's row, its output if the row gives one,
    /// else its input as written.
    pub relative: String,
    /// Where a manifest row puts its output under the output folder (`/`-separated).
    pub output: Option<String>,
    /// A manifest row's own settings.
    pub overrides: Overrides,
}

/// The corpus `input` names: a manifest's rows, or the audio files under a folder (see
/// [`scan`]).
pub fn load(input: &Path, output: &Path) -> Result<Vec<CorpusFile>> {
    if !(manifest::is_manifest(input) && input.is_file()) {
        return scan(input, output);
    }
    Ok(manifest::read(input)?
        .into_iter()
        .map(|row| CorpusFile { relative: row.name, path: row.input, output: row.output, overrides: row.overrides })
        .collect())
}

/// Which share of a corpus to take: shard `index` (from 0) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `I/N`, with `I` from 0 to N − 1 (as Slurm's `--array=0-…` and Kubernetes' indexed Jobs
    /// count).
    pub fn parse(text: &str) -> Result<Self, String> {
        let wrong = || format!("'{text}': write the shard as I/N, I from 0 to N-1 (e.g. 0/4)");
        let (index, count) = text.split_once('/').ok_or_else(wrong)?;
        let (index, count) = (index.trim().parse().map_err(|_| wrong())?, count.trim().parse().map_err(|_| wrong())?);
        if count == 0 || index >= count {
            return Err(wrong());
        }
        Ok(Self { index, count })
    }

    /// The whole corpus as one shard.
    pub const ALL: Self = Self { index: 0, count: 1 };

    /// This shard's files: a contiguous run of the ordered corpus, so that the shards' results,
    /// concatenated in shard order, are the results of the whole corpus.
    pub fn of<'a>(&self, files: &'a [CorpusFile]) -> &'a [CorpusFile] {
        let bound = |shard: usize| files.len() * shard / self.count;
        &files[bound(self.index)..bound(self.index + 1)]
    }
}

/// The audio files under `folder`, ordered by relative path; refuses an empty corpus and an
/// `output` folder inside it (the outputs would join the corpus on the next run).
pub fn scan(folder: &Path, output: &Path) -> Result<Vec<CorpusFile>> {
    if !folder.is_dir() {
        return Err(AppError::Usage(format!(
            "'{}' is neither a folder of audio files nor a manifest (.csv or .jsonl)",
            folder.display()
        )));
    }
    let (root, out) = (resolved(folder), resolved(output));
    if out.starts_with(&root) {
        return Err(AppError::Usage(format!(
            "the output folder '{}' is inside the corpus '{}'; write it elsewhere",
            output.display(),
            folder.display()
        )));
    }
    let mut files = Vec::new();
    // walkdir does not follow symbolic links by default, so a link cannot make it loop.
    for entry in walkdir::WalkDir::new(folder) {
        let entry = entry.map_err(|error| AppError::Usage(format!("cannot read the corpus: {error}")))?;
        let extension = entry.path().extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        if entry.file_type().is_dir() || !AUDIO_EXTENSIONS.contains(&extension.as_str()) {
            continue;
        }
        let relative = entry.path().strip_prefix(folder).unwrap_or(entry.path());
        let relative: Vec<String> =
            relative.components().map(|part| part.as_os_str().to_string_lossy().into()).collect();
        files.push(CorpusFile {
            path: entry.path().to_path_buf(),
            relative: relative.join("/"),
            output: None,
            overrides: Overrides::default(),
        });
    }
    if files.is_empty() {
        return Err(AppError::Usage(format!(
            "no audio files in '{}' (looked for {})",
            folder.display(),
            AUDIO_EXTENSIONS.join(", ")
        )));
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_corpus_into_contiguous_runs_that_cover_it_once() {
        let files: Vec<CorpusFile> = (0..10)
            .map(|n| CorpusFile {
                path: PathBuf::from(format!("{n}")),
                relative: format!("{n:02}.wav"),
                output: None,
                overrides: Overrides::default(),
            })
            .collect();
        for count in 1..=12 {
            let joined: Vec<CorpusFile> =
                (0..count).flat_map(|index| Shard { index, count }.of(&files).to_vec()).collect();
            assert_eq!(joined, files, "{count} shards");
        }
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["4/4", "1/0", "a/2", "3", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
