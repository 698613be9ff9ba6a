//! Whether two paths name one file, so that no output ever replaces an input or another output.
//!
//! Spellings are not enough: `../bad/v.wav` from inside `bad/`, `o/../v.wav`, a symbolic link
//! and a hard link all name `v.wav`. A path is compared twice: resolved (links, `.` and `..`
//! followed as far as the path exists, since an output's folder may not exist yet), and, where
//! the file exists, by the file itself (device and inode on Unix, volume and file index on
//! Windows), which also catches hard links. The second comparison is the `same-file` crate's:
//! it is the maintained, portable form of that test.

use std::path::{Component, Path, PathBuf};

use same_file::Handle;

use crate::error::{AppError, Result};

/// `path` with links, `.` and `..` resolved as far as it exists (an output folder may not yet),
/// in lower case where the file system ignores case. Each existing prefix is resolved by the
/// system, so that `link/..` goes where the link's target's parent is; past the first missing
/// name no link can follow, and `..` just drops the name before it.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut full = PathBuf::new();
    let mut exists = true;
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if !exists => {
                full.pop();
                exists = full.exists();
            }
            // A drive or the root is taken as written: a lone `C:` would resolve to that drive's
            // current folder.
            Component::Prefix(_) | Component::RootDir => full.push(component),
            other => {
                full.push(other);
                if exists {
                    match full.canonicalize() {
                        Ok(canonical) => full = canonical,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    if cfg!(any(windows, target_os = "macos")) { PathBuf::from(full.to_string_lossy().to_lowercase()) } else { full }
}

/// One file as named by a path: its resolved path, and the open file where it exists.
#[derive(Debug)]
pub struct FileIdentity {
    resolved: PathBuf,
    /// Held open, so that the file compared is the one the path names while the check runs.
    handle: Option<Handle>,
}

impl FileIdentity {
    /// The file `path` names (standard input and output, `-`, name no file and match nothing).
    pub fn of(path: &Path) -> Self {
        Self { resolved: resolved(path), handle: Handle::from_path(path).ok() }
    }

    /// Whether both name the same file.
    pub fn is(&self, other: &Self) -> bool {
        self.resolved == other.resolved || matches!((&self.handle, &other.handle), (Some(a), Some(b)) if a == b)
    }
}

/// The files a command reads and writes, checked before any work: an output may be neither an
/// input nor another output.
#[derive(Debug, Default)]
pub struct FilePlan {
    /// What each input is called in a refusal ("the input"), and the file.
    read: Vec<(String, FileIdentity)>,
    written: Vec<FileIdentity>,
    /// Whether an output already goes to standard output.
    writes_standard_output: bool,
}

impl FilePlan {
    /// A plan that reads nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file read, called `role` in a refusal ("the input", "the trace"). `-` (standard
    /// input) is no file and is skipped.
    pub fn reads(mut self, role: &str, path: &Path) -> Self {
        if !is_standard_stream(path) {
            self.read.push((role.to_owned(), FileIdentity::of(path)));
        }
        self
    }

    /// Adds a file written; refuses (a usage error, exit 2) one that is a file read or already
    /// written. `-` (standard output) may take one output.
    pub fn writes(&mut self, path: &Path) -> Result<()> {
        if is_standard_stream(path) {
            if std::mem::replace(&mut self.writes_standard_output, true) {
                return Err(AppError::Usage("only one output can go to standard output (-)".to_owned()));
            }
            return Ok(());
        }
        let identity = FileIdentity::of(path);
        let refuse = |what: &str| {
            Err(AppError::Usage(format!("'{}' would overwrite {what}; give each output its own name", path.display())))
        };
        if let Some((role, _)) = self.read.iter().find(|(_, read)| read.is(&identity)) {
            return refuse(role);
        }
        if self.written.iter().any(|written| written.is(&identity)) {
            return refuse("another output");
        }
        self.written.push(identity);
        Ok(())
    }
}

/// The device and inode of the file at `path`, where it exists (Unix): a key that a corpus of
/// many files can hold without keeping each open, as [`FileIdentity`] does. Elsewhere `None`,
/// and a batch compares resolved paths only.
pub fn device_and_inode(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|metadata| (metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// `-`: standard input or output, as in sox and ffmpeg.
pub fn is_standard_stream(path: &Path) -> bool {
    path.as_os_str() == "-"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_reading(input: &Path) -> FilePlan {
        FilePlan::new().reads("the input", input)
    }

    #[test]
    fn every_spelling_of_the_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad");
        std::fs::create_dir_all(bad.join("o")).unwrap();
        let input = bad.join("v.wav");
        std::fs::write(&input, b"RIFF").unwrap();
        let spellings = [
            bad.join("../bad/v.wav"),
            bad.join("o/../v.wav"),
            bad.join("./v.wav"),
            bad.join("missing/../v.wav"),
            input.clone(),
        ];
        for spelling in &spellings {
            let refused = plan_reading(&input).writes(spelling);
            assert!(matches!(refused, Err(AppError::Usage(ref m)) if m.contains("the input")), "{spelling:?}");
        }
        assert!(plan_reading(&input).writes(&bad.join("w.wav")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn links_to_the_input_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("v.wav");
        std::fs::write(&input, b"RIFF").unwrap();
        let (hard, soft) = (dir.path().join("hard.wav"), dir.path().join("soft.wav"));
        std::fs::hard_link(&input, &hard).unwrap();
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        for link in [&hard, &soft] {
            assert!(plan_reading(&input).writes(link).is_err(), "{link:?}");
        }
        // Read through a link, written under its real name: the same file.
        assert!(plan_reading(&hard).writes(&input).is_err());
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused_and_the_standard_streams_are_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = plan_reading(Path::new("-"));
        plan.writes(&dir.path().join("a.wav")).unwrap();
        let again = plan.writes(&dir.path().join("x/../a.wav"));
        assert!(matches!(again, Err(AppError::Usage(ref m)) if m.contains("another output")));
        plan.writes(Path::new("-")).unwrap();
        assert!(plan.writes(Path::new("-")).is_err(), "two outputs to standard output");
    }
}
