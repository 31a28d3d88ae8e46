//! Writing an output folder all at once, and never over a user's files.
//!
//! An output folder is recognised by its marker file, [`MARKER`]. plgsim
//! writes into a path only if it does not exist, is an empty folder, or is a
//! folder with the marker; anything else (a file, a folder of someone else's
//! files, the current folder or one that contains it, `/`) is refused before
//! a byte is written ([`check_folder`], which the CLI also calls before it
//! simulates).
//!
//! The files are written and synced into `.<name>.plgsim-tmp-<pid>` beside
//! the target, whose marker stays locked while its writer lives. The new
//! folder then takes the old one's place in one atomic exchange
//! (`renameat2(RENAME_EXCHANGE)` on Linux, `renamex_np(RENAME_SWAP)` on
//! macOS), and the old contents, now under the temporary name, are removed.
//! A process killed at any moment therefore leaves the previous results
//! under their own name, and at most a temporary folder whose marker nobody
//! holds: the next write into the same place removes it. Where the exchange
//! is not available the old folder is renamed aside (`.<name>.plgsim-old-<pid>`)
//! first; if the process dies between the two renames, the next write puts
//! it back before anything else.

use std::ffi::OsStr;
use std::fs::{self, File, TryLockError};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::OutputFile;

/// The marker file of a folder plgsim wrote.
pub const MARKER: &str = ".plgsim";

const MARKER_TEXT: &[u8] = b"This folder was written by plgsim. plgsim replaces it whole when it writes \
here again; it refuses any other non-empty folder.\n";

/// A temporary folder without a marker (its writer died between creating
/// it and its marker) is left alone for this long, in case a writer is
/// between the two.
const UNMARKED_GRACE: Duration = Duration::from_secs(60);

/// Why results cannot be written to a path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The path names no folder that could be replaced (`/`, `..`, empty).
    #[error("{} names no folder plgsim can write: give a folder name, e.g. --out output/mine", .0.display())]
    NoName(PathBuf),
    /// The path is a file (or something else that is not a folder).
    #[error("{} is not a folder; plgsim writes its results into a folder and will not replace a file", .0.display())]
    NotAFolder(PathBuf),
    /// The path is the current folder or one of its parents.
    #[error(
        "{} is the current folder or contains it; plgsim replaces its output folder whole, so it \
         writes only into a folder of its own: name a new one, e.g. --out output/mine",
        .0.display()
    )]
    ContainsCurrentFolder(PathBuf),
    /// A non-empty folder that plgsim did not write.
    #[error(
        "{} is not empty and was not written by plgsim (it has no {MARKER} file); plgsim \
         replaces its output folder whole, so it will not write there: name a new or empty \
         folder with --out",
        .0.display()
    )]
    NotOurs(PathBuf),
    /// Reading or writing the file system failed.
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    /// Whether the path was refused (bad input, exit 2) rather than the
    /// write failing.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, OutputError::Io { .. })
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Checks that results may be written to `dir`, and returns the folder
/// they will go to: `dir` made absolute, with symbolic links resolved (a
/// link to a plgsim folder is followed, and stays a link).
pub fn check_folder(dir: &Path) -> Result<PathBuf, OutputError> {
    if dir.as_os_str().is_empty() {
        return Err(OutputError::NoName(dir.to_path_buf()));
    }
    let cwd = std::env::current_dir().map_err(io_err(dir))?;
    let target = resolve(&cwd.join(dir)).ok_or_else(|| OutputError::NoName(dir.to_path_buf()))?;
    if target.parent().is_none() || target.file_name().is_none() {
        return Err(OutputError::NoName(dir.to_path_buf()));
    }
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    if cwd.starts_with(&target) {
        return Err(OutputError::ContainsCurrentFolder(dir.to_path_buf()));
    }
    match fs::metadata(&target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(target),
        Err(e) => Err(io_err(dir)(e)),
        Ok(meta) if !meta.is_dir() => Err(OutputError::NotAFolder(dir.to_path_buf())),
        Ok(_) => {
            if is_ours(&target) || is_empty(&target).map_err(io_err(dir))? {
                Ok(target)
            } else {
                Err(OutputError::NotOurs(dir.to_path_buf()))
            }
        }
    }
}

/// `path` (absolute) with its existing part canonicalised and the rest
/// appended; `None` when the rest climbs with `..` (it cannot be resolved
/// without the folders it names).
fn resolve(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for c in rest.iter().rev() {
                out.push(c);
            }
            return Some(out);
        }
        let last = existing.components().next_back()?;
        match last {
            Component::Normal(name) => rest.push(name.to_os_string()),
            Component::CurDir => {}
            _ => return None,
        }
        if !existing.pop() {
            return None;
        }
    }
}

fn is_ours(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

fn is_empty(dir: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(dir)?.next().is_none())
}

/// Writes `files` into `dir`, replacing what plgsim wrote there before, or
/// leaves `dir` as it was on failure. Refuses what [`check_folder`] refuses.
pub fn write_folder(dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    let target = check_folder(dir)?;
    let parent = target.parent().expect("checked").to_path_buf();
    let name = target.file_name().expect("checked").to_os_string();
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    recover(&parent, &name).map_err(io_err(&parent))?;

    let pid = std::process::id();
    let tmp = parent.join(debris_name(&name, "tmp", pid));
    if tmp.exists() {
        // Left by a dead process that had our process id.
        fs::remove_dir_all(&tmp).map_err(io_err(&tmp))?;
    }
    fs::create_dir(&tmp).map_err(io_err(&tmp))?;
    let written = fill(&tmp, files);
    let lock = match written {
        Ok(lock) => lock,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(io_err(&target)(e));
        }
    };
    // The folder may have changed while the files were written.
    if let Err(e) = check_folder(dir) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let swapped = swap_into_place(&parent, &name, &tmp, &target);
    drop(lock);
    if let Err(e) = swapped {
        let _ = fs::remove_dir_all(&tmp);
        return Err(io_err(&target)(e));
    }
    Ok(())
}

/// Writes the marker (locked: the returned handle holds the lock) and the
/// files into `tmp`, each synced.
fn fill(tmp: &Path, files: &[OutputFile]) -> io::Result<File> {
    let mut marker = File::create_new(tmp.join(MARKER))?;
    marker.lock()?;
    marker.write_all(MARKER_TEXT)?;
    marker.sync_all()?;
    for f in files {
        let path = tmp.join(&f.path);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        let mut file = File::create_new(&path)?;
        file.write_all(&f.bytes)?;
        file.sync_all()?;
    }
    sync_dir(tmp);
    Ok(marker)
}

/// Puts the complete folder `tmp` at `target` and removes what was there.
fn swap_into_place(parent: &Path, name: &OsStr, tmp: &Path, target: &Path) -> io::Result<()> {
    match fs::rename(tmp, target) {
        Ok(()) => {
            sync_dir(parent);
            return Ok(());
        }
        // A non-empty folder is there: exchange below.
        Err(e) if target.is_dir() => drop(e),
        Err(e) => return Err(e),
    }
    match exchange(tmp, target) {
        Ok(()) => {
            sync_dir(parent);
            // `tmp` now holds the previous results. The new ones are in
            // place: a failed removal is debris for the next write.
            let _ = remove(tmp);
            Ok(())
        }
        Err(e) if exchange_unsupported(&e) => {
            let old = parent.join(debris_name(name, "old", std::process::id()));
            fs::rename(target, &old)?;
            if let Err(e) = fs::rename(tmp, target) {
                fs::rename(&old, target)?;
                return Err(e);
            }
            sync_dir(parent);
            let _ = remove(&old);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Removes a folder plgsim wrote, its marker last: a removal cut short
/// leaves a folder that is still recognisably abandoned debris.
fn remove(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() { fs::remove_dir_all(entry.path()) } else { fs::remove_file(entry.path()) }?;
    }
    match fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::remove_dir(dir)
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The exchange is not implemented by this system or file system.
fn exchange_unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported || matches!(e.raw_os_error(), Some(22 | 38 | 95))
}

fn sync_dir(dir: &Path) {
    // Durability of the renames; not every platform can open a folder.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn debris_name(name: &OsStr, kind: &str, pid: u32) -> String {
    format!(".{}.plgsim-{kind}-{pid}", name.to_string_lossy())
}

/// Cleans up after writers into `parent/name` that died: a previous
/// folder renamed aside is put back if `name` is missing, and temporary
/// folders nobody holds are removed.
fn recover(parent: &Path, name: &OsStr) -> io::Result<()> {
    let prefix = format!(".{}.plgsim-", name.to_string_lossy());
    let mut debris = Vec::new();
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else { continue };
        let Some((kind, pid)) = rest.split_once('-') else { continue };
        if !matches!(kind, "tmp" | "old") || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            debris.push((kind == "old", pid.parse::<u32>().ok(), entry.path()));
        }
    }
    let target = parent.join(name);
    for (old, pid, path) in debris {
        if !abandoned(&path, pid) {
            continue;
        }
        if old && !target.exists() {
            // Killed between renaming the previous results aside and
            // putting the new ones in place.
            fs::rename(&path, &target)?;
        } else {
            remove(&path)?;
        }
    }
    Ok(())
}

/// Whether no live process is writing into `dir`: its marker is not locked
/// (or, without a marker, the process named by the folder is gone, or the
/// folder is older than a writer needs to make its marker).
fn abandoned(dir: &Path, pid: Option<u32>) -> bool {
    match File::open(dir.join(MARKER)) {
        Ok(f) => match f.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(_)) => false,
        },
        Err(_)
            if pid.is_some_and(|p| Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{p}")).exists()) =>
        {
            true
        }
        Err(_) => fs::symlink_metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|t| SystemTime::now().duration_since(t).unwrap_or_default() > UNMARKED_GRACE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_its_own_folder_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec()), OutputFile::new("sub/b.txt", b"2".to_vec())])
            .unwrap();
        write_folder(&dir, &[OutputFile::new("c.txt", b"3".to_vec())]).unwrap();
        assert!(!dir.join("a.txt").exists());
        assert_eq!(fs::read(dir.join("c.txt")).unwrap(), b"3");
        assert_eq!(names(&dir), [MARKER, "c.txt"]);
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        // A file path that cannot be created ("x.txt" is a file, not a folder).
        let err =
            write_folder(&dir, &[OutputFile::new("x.txt", b"2".to_vec()), OutputFile::new("x.txt/y", b"3".to_vec())]);
        assert!(matches!(err, Err(OutputError::Io { .. })));
        assert_eq!(fs::read(dir.join("a.txt")).unwrap(), b"1");
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_folder_of_user_files_is_refused_and_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("docs");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("thesis.tex"), b"years of work").unwrap();
        let err = write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap_err();
        assert!(matches!(err, OutputError::NotOurs(_)) && err.is_refusal(), "{err}");
        assert_eq!(names(&dir), ["thesis.tex"]);
        assert_eq!(names(root.path()), ["docs"]);
    }

    #[test]
    fn a_file_is_refused_and_kept() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("notes.txt");
        fs::write(&file, b"mine").unwrap();
        let err = write_folder(&file, &[]).unwrap_err();
        assert!(matches!(err, OutputError::NotAFolder(_)), "{err}");
        assert_eq!(fs::read(&file).unwrap(), b"mine");
    }

    #[test]
    fn the_root_and_parents_of_the_current_folder_are_refused() {
        for p in ["/", ".", "..", "", "../..", "./."] {
            let err = check_folder(Path::new(p)).unwrap_err();
            assert!(err.is_refusal(), "{p}: {err}");
        }
    }

    #[test]
    fn an_empty_folder_is_used() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("empty");
        fs::create_dir(&dir).unwrap();
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        assert_eq!(names(&dir), [MARKER, "a.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_user_folder_is_refused_and_a_link_to_ours_is_followed() {
        let root = tempfile::tempdir().unwrap();
        let user = root.path().join("user");
        fs::create_dir(&user).unwrap();
        fs::write(user.join("keep.txt"), b"mine").unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&user, &link).unwrap();
        assert!(matches!(write_folder(&link, &[]), Err(OutputError::NotOurs(_))));
        assert_eq!(names(&user), ["keep.txt"]);

        let ours = root.path().join("ours");
        write_folder(&ours, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        let link2 = root.path().join("link2");
        std::os::unix::fs::symlink(&ours, &link2).unwrap();
        write_folder(&link2, &[OutputFile::new("b.txt", b"2".to_vec())]).unwrap();
        assert!(fs::symlink_metadata(&link2).unwrap().file_type().is_symlink());
        assert_eq!(names(&ours), [MARKER, "b.txt"]);
    }

    #[test]
    fn debris_of_dead_writers_is_cleaned_up_and_a_live_one_is_not() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        // A dead writer's temporary folder: its marker is not locked.
        let dead = root.path().join(".out.plgsim-tmp-999999");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join(MARKER), MARKER_TEXT).unwrap();
        // A live writer's: its marker is locked (by this process, through
        // another handle).
        let live = root.path().join(".out.plgsim-tmp-999998");
        fs::create_dir(&live).unwrap();
        let held = File::create(live.join(MARKER)).unwrap();
        held.lock().unwrap();
        // Someone else's folder with a similar name.
        let other = root.path().join(".out.plgsim-notes");
        fs::create_dir(&other).unwrap();
        write_folder(&dir, &[OutputFile::new("b.txt", b"2".to_vec())]).unwrap();
        assert_eq!(names(root.path()), [".out.plgsim-notes", ".out.plgsim-tmp-999998", "out"]);
        drop(held);
        write_folder(&dir, &[OutputFile::new("c.txt", b"3".to_vec())]).unwrap();
        assert_eq!(names(root.path()), [".out.plgsim-notes", "out"]);
    }

    #[test]
    fn previous_results_renamed_aside_by_a_dead_writer_are_put_back() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_folder(&dir, &[OutputFile::new("a.txt", b"1".to_vec())]).unwrap();
        fs::rename(&dir, root.path().join(".out.plgsim-old-999999")).unwrap();
        write_folder(&dir, &[OutputFile::new("b.txt", b"2".to_vec())]).unwrap();
        assert_eq!(names(&dir), [MARKER, "b.txt"]);
        assert_eq!(names(root.path()), ["out"]);
        // And a check alone finds them again under their name.
        fs::rename(&dir, root.path().join(".out.plgsim-old-999999")).unwrap();
        recover(root.path(), OsStr::new("out")).unwrap();
        assert_eq!(names(&dir), [MARKER, "b.txt"]);
    }
}
