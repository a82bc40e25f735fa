//! The file system seam: the real one, and an in-memory one for tests, fuzzing and benchmarks.
//!
//! Every read is bounded and of regular files only ([`ReadLimit`], [`read_regular`]); every
//! write is atomic and private, and removes what dead writers left behind ([`leftovers`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod bounded;
pub mod leftovers;

pub use bounded::{ReadLimit, read_regular};

/// The file operations awscred performs. Paths are absolute; nothing else is assumed.
pub trait Fs: Send + Sync + fmt::Debug {
    /// Reads a whole regular file of at most `limit` bytes; see [`read_regular`] for the errors
    /// (a file past the limit is `ErrorKind::FileTooLarge`, one that is not a regular file
    /// `ErrorKind::InvalidInput`, both naming the path).
    fn read(&self, path: &Path, limit: ReadLimit) -> io::Result<Vec<u8>>;

    /// Replaces a file's contents atomically: the new contents are written to a temporary file
    /// beside it with mode 0600 and renamed over it, so a reader sees the old file or the new one,
    /// never a mix. Missing parent directories are created with mode 0700. Temporary files left
    /// in the directory by writers that died are removed ([`leftovers`]).
    fn write_atomic(&self, path: &Path, contents: &[u8]) -> io::Result<()>;

    /// Replaces a file the user owns (a config or credentials file) atomically, as
    /// [`Fs::write_atomic`] does, but keeps what the user chose for it: a symbolic link is
    /// followed (the file it points at is replaced, the link stays) and an existing file keeps
    /// its permission bits; a new file gets mode 0600. Anything at `path` that is not a regular
    /// file is refused (`ErrorKind::InvalidInput`), never replaced.
    fn replace(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        self.write_atomic(path, contents)
    }

    /// Removes a file. A file that does not exist is not an error.
    fn remove(&self, path: &Path) -> io::Result<()>;

    /// The names of the entries of a directory; an empty list when it does not exist.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;

    /// Creates `path` holding `contents` only if nothing is there yet (else
    /// `ErrorKind::AlreadyExists`), mode 0600, missing parents 0700: a lock file between
    /// processes. A file system without the operation answers `ErrorKind::Unsupported`, and
    /// callers then go without the lock.
    fn create_new(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        let _ = (path, contents);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// The operating system's file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl Fs for RealFs {
    fn read(&self, path: &Path, limit: ReadLimit) -> io::Result<Vec<u8>> {
        read_regular(path, limit)
    }

    fn write_atomic(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        write_atomic(path, contents, 0o600)
    }

    fn replace(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        let (target, mode) = match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => (path.to_path_buf(), 0o600),
            Err(e) => return Err(e),
            Ok(meta) if !meta.is_file() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a regular file", path.display()),
                ));
            }
            Ok(meta) => (std::fs::canonicalize(path)?, permission_bits(&meta)),
        };
        write_atomic(&target, contents, mode)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let entries = match std::fs::read_dir(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            other => other?,
        };
        let mut names = Vec::new();
        for entry in entries {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn create_new(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dirs(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(path)
            .map_err(exclusive_create_error)?
            .write_all(contents)
    }
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(_: &std::fs::Metadata) -> u32 {
    0o600
}

/// `mode` is the new file's permission bits (Unix only; the umask does not apply).
fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    create_private_dirs(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Unique per process and call, so concurrent writers never share a temporary file.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        if mode != 0o600 {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        file.write_all(contents)?;
        file.sync_all()?;
        replace_file(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    leftovers::remove_dead_writers_files(dir, std::time::SystemTime::now());
    result
}

/// Renames `from` over `to`, replacing it: a plain rename on Unix.
#[cfg(not(windows))]
fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

/// The error of an exclusive create, as is on Unix.
#[cfg(not(windows))]
fn exclusive_create_error(e: io::Error) -> io::Error {
    e
}

#[cfg(windows)]
use windows::{exclusive_create_error, replace_file};

/// What differs on Windows: a file another process holds open cannot be replaced for a moment,
/// and a file being deleted cannot be created again until its last handle closes.
#[cfg(windows)]
mod windows {
    use std::io;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// How long a replacement is retried while another process holds the file open. The
    /// readers (the AWS CLI, an SDK, awscred) hold cache and config files for a read's length.
    const REPLACE_PATIENCE: Duration = Duration::from_secs(2);

    /// `ERROR_ACCESS_DENIED`, `ERROR_SHARING_VIOLATION`, `ERROR_LOCK_VIOLATION`: what
    /// `MoveFileExW` answers while the target is open without `FILE_SHARE_DELETE` (Python opens
    /// files so) or is being deleted.
    fn is_busy(e: &io::Error) -> bool {
        matches!(e.raw_os_error(), Some(5 | 32 | 33))
    }

    /// Renames `from` over `to` (`MoveFileExW` with `MOVEFILE_REPLACE_EXISTING`, as
    /// `std::fs::rename` does on Windows), retried for up to [`REPLACE_PATIENCE`] while another
    /// process holds `to` open: the new contents replace the old whole, or not at all.
    pub(super) fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
        let deadline = Instant::now() + REPLACE_PATIENCE;
        let mut pause = Duration::from_millis(5);
        loop {
            match std::fs::rename(from, to) {
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    /// A lock file that another process is deleting still exists until its last handle closes;
    /// creating it meanwhile is refused with `ERROR_ACCESS_DENIED`. For the lock that is the same
    /// as "held": the caller looks again a poll later.
    pub(super) fn exclusive_create_error(e: io::Error) -> io::Error {
        if e.raw_os_error() == Some(5) {
            io::ErrorKind::AlreadyExists.into()
        } else {
            e
        }
    }
}

fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    // A file where the directory should be makes `mkdir` say "exists": reported as such, it
    // would read as "the file is already there" (to `create_new`, a lock held by another
    // process, waited for until the lock's bound) instead of "cannot be created".
    builder.create(dir).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            io::Error::other(format!("{} is not a directory", dir.display()))
        } else {
            e
        }
    })
}

/// An in-memory file system. Directories exist implicitly. `Debug` lists the paths, not the
/// contents (credential files hold secrets).
///
/// ```
/// use std::path::Path;
/// use awscred_core::fs::{Fs, MemFs};
/// let fs = MemFs::default().with_file("/home/.aws/config", "[default]\nregion = us-east-1\n");
/// use awscred_core::fs::ReadLimit;
/// assert!(fs.read(Path::new("/home/.aws/config"), ReadLimit::CONFIG).is_ok());
/// assert!(fs.read(Path::new("/home/.aws/credentials"), ReadLimit::CONFIG).is_err());
/// ```
#[derive(Default)]
pub struct MemFs(Mutex<BTreeMap<PathBuf, Vec<u8>>>);

impl fmt::Debug for MemFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MemFs")
            .field(&self.files().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl MemFs {
    /// Adds a file and returns the file system.
    pub fn with_file(self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.insert(path, contents);
        self
    }

    /// Adds or replaces a file.
    pub fn insert(&self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files().insert(path.into(), contents.into());
    }

    /// A copy of every file, for assertions.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        self.files().clone()
    }

    fn files(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, Vec<u8>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Fs for MemFs {
    fn read(&self, path: &Path, limit: ReadLimit) -> io::Result<Vec<u8>> {
        let files = self.files();
        let contents = files
            .get(path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        if contents.len() as u64 > limit.bytes() {
            return Err(limit.too_large(path));
        }
        Ok(contents.clone())
    }

    fn write_atomic(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        self.insert(path, contents);
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.files().remove(path);
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        Ok(self
            .files()
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect())
    }

    fn create_new(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        match self.files().entry(path.to_path_buf()) {
            std::collections::btree_map::Entry::Occupied(_) => {
                Err(io::ErrorKind::AlreadyExists.into())
            }
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(contents.to_vec());
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_is_private_and_replaces() {
        let dir = std::env::temp_dir().join(format!("awscred-fs-{}", std::process::id()));
        let path = dir.join("a/b/cache.json");
        RealFs.write_atomic(&path, b"one").unwrap();
        RealFs.write_atomic(&path, b"two").unwrap();
        assert_eq!(RealFs.read(&path, ReadLimit::LOCK).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(dir.join("a/b"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert_eq!(RealFs.list(&dir.join("a/b")).unwrap(), vec!["cache.json"]);
        RealFs.remove(&path).unwrap();
        RealFs.remove(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replace_keeps_mode_and_links_and_refuses_what_is_not_a_file() {
        let dir = std::env::temp_dir().join(format!("awscred-fs-replace-{}", std::process::id()));
        let path = dir.join("new/config");
        RealFs.replace(&path, b"one").unwrap();
        assert_eq!(RealFs.read(&path, ReadLimit::CONFIG).unwrap(), b"one");
        assert!(
            RealFs.replace(&dir, b"x").is_err(),
            "a directory is refused"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            RealFs.replace(&path, b"two").unwrap();
            assert_eq!(mode(&path), 0o640);
            let link = dir.join("link");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            RealFs.replace(&link, b"three").unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(RealFs.read(&path, ReadLimit::CONFIG).unwrap(), b"three");
            assert_eq!(mode(&path), 0o640);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
