//! Output files that appear whole or not at all: written under a temporary name in the target's
//! folder and renamed into place on success, so a failed or interrupted run leaves nothing
//! half-written behind (the temporary file is deleted when the writer is dropped).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{AppError, Result};

/// Deletes what a killed run left of `target`: its temporary files (a run that ends, even in an
/// error, deletes its own). Call only where no other run writes `target` at the same time.
pub fn remove_partials_of(target: &Path) {
    let (Some(folder), Some(name)) = (target.parent(), target.file_name()) else { return };
    let prefix = format!(".{}.", name.to_string_lossy());
    // Exactly `target`'s: `.x.wav.` also begins the temporary files of `x.wav.wav`.
    let length = prefix.len() + RANDOM_CHARACTERS + PARTIAL_SUFFIX.len();
    let Ok(entries) = std::fs::read_dir(if folder.as_os_str().is_empty() { Path::new(".") } else { folder }) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.len() == length && file_name.starts_with(&prefix) && file_name.ends_with(PARTIAL_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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
    /// `target` is a folder.
    pub fn create(target: &Path) -> Result<Self> {
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
