//! Output files that appear whole or not at all: written under a temporary name in the target's
//! folder and renamed into place on success, so a failed or interrupted run leaves nothing
//! half-written behind (the temporary file is deleted when the writer is dropped).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{AppError, Result};
use crate::file_identity::is_standard_stream;

/// Deletes what a killed run left of `targets`: their temporary files (a run that ends, even in
/// an error, deletes its own). Each folder is read once however many targets it holds, so a
/// flat corpus of N files costs N directory entries, not N². Call only where no other run writes
/// the targets at the same time.
pub fn remove_partials_of<'a>(targets: impl IntoIterator<Item = &'a Path>) {
    let mut by_folder: HashMap<&Path, HashSet<String>> = HashMap::new();
    for target in targets {
        if let (Some(folder), Some(name)) = (target.parent(), target.file_name()) {
            by_folder.entry(folder).or_default().insert(name.to_string_lossy().into_owned());
        }
    }
    for (folder, names) in by_folder {
        let Ok(entries) = std::fs::read_dir(if folder.as_os_str().is_empty() { Path::new(".") } else { folder }) else {
            continue;
        };
        for entry in entries.flatten() {
            if partial_target(&entry.file_name().to_string_lossy()).is_some_and(|target| names.contains(target)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The target whose temporary file `file_name` is (`.NAME.XXXXXX.partial` → `NAME`), if it is
/// one: exactly, so that `x.wav`'s are not taken for `x.wav.wav`'s.
fn partial_target(file_name: &str) -> Option<&str> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(PARTIAL_SUFFIX)?;
    let cut = inner.len().checked_sub(RANDOM_CHARACTERS + 1)?;
    (cut > 0 && inner.is_char_boundary(cut) && inner[cut..].starts_with('.')).then(|| &inner[..cut])
}

/// The end of every temporary file's name.
const PARTIAL_SUFFIX: &str = ".partial";

/// The random characters in a temporary file's name, between its target's name and the suffix.
const RANDOM_CHARACTERS: usize = 6;

/// A file being written; [`OutputFile::commit`] puts it in place.
#[derive(Debug)]
pub struct OutputFile {
    temporary: NamedTempFile,
    target: PathBuf,
}

impl OutputFile {
    /// Starts writing `target`. Fails if its folder does not exist or cannot be written, or
    /// `target` is a folder. `-` is standard output: the file is written in the system's
    /// temporary folder and copied out whole on [`OutputFile::commit`] (a WAV header states the
    /// length, known only at the end, and a failed run then writes nothing).
    pub fn create(target: &Path) -> Result<Self> {
        if is_standard_stream(target) {
            let temporary = NamedTempFile::new().map_err(|err| AppError::output(target, err))?;
            return Ok(Self { temporary, target: target.to_path_buf() });
        }
        if target.is_dir() {
            return Err(AppError::output(target, "it is a folder; give a file name"));
        }
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(AppError::output(target, format!("folder '{}' does not exist", folder.display())));
        }
        let name = target.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).rand_bytes(RANDOM_CHARACTERS).suffix(PARTIAL_SUFFIX);
        // Temporary files are private (0600) by default; the result is an ordinary file, so ask
        // for what `File::create` gives (0666 less the umask).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temporary = builder.tempfile_in(folder).map_err(|err| AppError::output(target, err))?;
        Ok(Self { temporary, target: target.to_path_buf() })
    }

    /// A buffered writer onto the temporary file.
    pub fn writer(&mut self) -> BufWriter<&mut File> {
        BufWriter::new(self.temporary.as_file_mut())
    }

    /// A second handle onto the temporary file (same offset), for writers that own theirs.
    pub fn handle(&self) -> std::io::Result<File> {
        self.temporary.as_file().try_clone()
    }

    /// The path being written.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the file into place. Readers see the old file or the whole new one, never a part.
    /// No `fsync`: that would guard against power loss, not against a failed run, and costs
    /// more than a tenth of a render's time on some disks.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        if is_standard_stream(&target) {
            let fail = |err| AppError::output(&target, err);
            let mut file = self.temporary.reopen().map_err(fail)?;
            let mut stdout = std::io::stdout().lock();
            return std::io::copy(&mut file, &mut stdout).and_then(|_| stdout.flush()).map(drop).map_err(fail);
        }
        self.temporary.persist(&target).map_err(|err| AppError::output(&target, err.error))?;
        Ok(())
    }
}

/// Writes `bytes` to `target` whole or not at all.
pub fn write_all(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OutputFile::create(target)?;
    let mut writer = file.writer();
    writer.write_all(bytes).and_then(|()| writer.flush()).map_err(|err| AppError::output(target, err))?;
    drop(writer);
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_is_known_as_its_targets_exactly() {
        assert_eq!(partial_target(".x.wav.Ab3dE9.partial"), Some("x.wav"));
        assert_eq!(partial_target(".x.wav.wav.Ab3dE9.partial"), Some("x.wav.wav"));
        for other in ["x.wav", ".x.wav.partial", ".Ab3dE9.partial", ".x.wav-Ab3dE9.partial", "..Ab3dE9.partial"] {
            assert_eq!(partial_target(other), None, "{other}");
        }
    }
}
