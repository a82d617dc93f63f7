//! Output files written whole or not at all, and the checks that let a long run find an
//! unwritable or wrong output location before it starts rather than after.
//!
//! An [`OutputFile`] is written under a temporary name beside its destination and renamed into
//! place by [`OutputFile::commit`]: an interrupted run leaves the previous file (or none), never
//! half a file, and a reader never sees a partial write.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::ReportError;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |error| ReportError::Io { path: path.display().to_string(), error }
}

/// A file being written under a temporary name beside `path`; [`OutputFile::commit`] renames it
/// into place, and dropping it uncommitted removes it.
pub struct OutputFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Creates the temporary file now (so a folder that cannot be written is found before any
    /// work), creating missing parent folders.
    pub fn create(path: &Path) -> Result<Self, ReportError> {
        let temp = temp_path(path);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let file = File::create(&temp).map_err(io_error(path))?;
        Ok(OutputFile { path: path.to_path_buf(), temp, writer: Some(BufWriter::new(file)) })
    }

    /// Where the file goes once committed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file, for writers that take a path: write it there, then commit.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The writer of the temporary file.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("an OutputFile is written before it is committed")
    }

    /// Flushes the temporary file and renames it to the destination.
    pub fn commit(mut self) -> Result<(), ReportError> {
        if let Some(mut w) = self.writer.take() {
            w.flush().map_err(io_error(&self.path))?;
        }
        std::fs::rename(&self.temp, &self.path).map_err(io_error(&self.path))
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        // Uncommitted (an error or a panic on the way): leave no temporary file behind. After a
        // commit the temporary name no longer exists and this does nothing.
        self.writer.take();
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// `.NAME.tmp-PID` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or("output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` through an [`OutputFile`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut out = OutputFile::create(path)?;
    out.writer().write_all(bytes).map_err(io_error(path))?;
    out.commit()
}

/// Writes `path` by calling `write` on a temporary path beside it, then renaming.
pub fn write_through_temp(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut out = OutputFile::create(path)?;
    // The writer is dropped so that `write` may recreate the file by its path.
    out.writer.take();
    write(out.temp_path())?;
    out.commit()
}

/// Checks, before a run, that files can be created in `dir` (creating it if missing), by
/// creating and removing a probe file.
pub fn check_output_dir(dir: &Path) -> Result<(), ReportError> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let probe = OutputFile::create(&dir.join(".write-probe"))?;
    drop(probe);
    Ok(())
}

/// Whether `a` and `b` name the same file: equal canonical paths (a path that does not exist
/// yet is compared through its canonical parent).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (canonical(a), canonical(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn canonical(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(p.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("eot-files-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn an_uncommitted_file_leaves_the_old_one_and_no_temporary() {
        let d = dir("commit");
        let path = d.join("out.csv");
        std::fs::write(&path, "old").unwrap();
        {
            let mut out = OutputFile::create(&path).unwrap();
            out.writer().write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "a temporary file was left");
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn same_file_sees_through_relative_and_dotted_paths() {
        let d = dir("same");
        let a = d.join("a.csv");
        std::fs::write(&a, "x").unwrap();
        assert!(same_file(&a, &d.join(".").join("a.csv")));
        assert!(!same_file(&a, &d.join("b.csv")));
        assert!(same_file(
            &d.join("new.csv"),
            &d.join("..").join(d.file_name().unwrap()).join("new.csv")
        ));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_unwritable_folder_is_found_before_any_work() {
        assert!(check_output_dir(Path::new("/proc/eot-no-such-folder")).is_err());
        let d = dir("probe");
        check_output_dir(&d.join("sub")).unwrap();
        assert_eq!(std::fs::read_dir(d.join("sub")).unwrap().count(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
