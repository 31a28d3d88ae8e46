//! Writing an output folder all at once.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::OutputFile;

/// Writes `files` into `dir`, replacing what was there, or leaves `dir`
/// untouched on failure.
///
/// The files are written and synced into `<dir>.tmp-<pid>` beside it; then
/// an existing `dir` is renamed away, the new folder renamed into place, and
/// the old one removed. If the swap fails the old folder is put back.
pub fn write_folder(dir: &Path, files: &[OutputFile]) -> io::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let name = dir.file_name().ok_or_else(|| io::Error::other(format!("{} is not a folder name", dir.display())))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{}.tmp-{pid}", name.to_string_lossy()));
    let old = parent.join(format!(".{}.old-{pid}", name.to_string_lossy()));
    let _ = fs::remove_dir_all(&tmp);

    let result = (|| {
        fs::create_dir_all(&tmp)?;
        for f in files {
            let path = tmp.join(&f.path);
            if let Some(p) = path.parent() {
                fs::create_dir_all(p)?;
            }
            let mut file = fs::File::create(&path)?;
            file.write_all(&f.bytes)?;
            file.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }

    let had_old = dir.exists();
    if had_old && let Err(e) = fs::rename(dir, &old) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        if had_old {
            let _ = fs::rename(&old, dir);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if had_old {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_folder_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec()), OutputFile::new("sub/b.txt", b"2".to_vec())])
            .unwrap();
        write_folder(&dir, &[OutputFile::new("c.txt", b"3".to_vec())]).unwrap();
        assert!(!dir.join("a.txt").exists());
        assert_eq!(fs::read(dir.join("c.txt")).unwrap(), b"3");
        let leftovers: Vec<_> = fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        // A file path that cannot be created ("a.txt" is a file, not a folder).
        let err =
            write_folder(&dir, &[OutputFile::new("x.txt", b"2".to_vec()), OutputFile::new("x.txt/y", b"3".to_vec())]);
        assert!(err.is_err());
        assert_eq!(fs::read(dir.join("a.txt")).unwrap(), b"1");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
