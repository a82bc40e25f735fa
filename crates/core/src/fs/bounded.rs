//! The one reader of files: regular files only, never more than a stated number of bytes.
//!
//! A path that should hold a small file can hold anything: `/dev/zero` (endless), a FIFO (a
//! read that never ends, or an open that never returns), a directory, a 2 GB log. Every file
//! awscred reads goes through [`read_regular`], which opens without blocking, checks the type
//! on the open handle (so the file cannot be swapped between the check and the read), and reads
//! at most one byte past its [`ReadLimit`].

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How much of one kind of file awscred reads, and the kind's name for errors.
///
/// ```
/// use awscred_core::fs::ReadLimit;
/// assert_eq!(ReadLimit::CONFIG.bytes(), 16 * 1024 * 1024);
/// assert!(ReadLimit::TOKEN.bytes() < ReadLimit::CACHE_ENTRY.bytes());
/// assert_eq!(ReadLimit::CONFIG.to_string(), "16 MiB");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimit {
    bytes: u64,
    kind: &'static str,
}

impl ReadLimit {
    /// A config or credentials file: 16 MiB. Real ones are a few kilobytes; the limit keeps a
    /// mistaken path (a log, a disk image) from being read and parsed. The CLI has none.
    pub const CONFIG: ReadLimit = ReadLimit::new(16 * 1024 * 1024, "config or credentials file");
    /// A token file: the web-identity token (`AWS_WEB_IDENTITY_TOKEN_FILE`,
    /// `web_identity_token_file`) and the container authorization token
    /// (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`): 64 KiB. STS takes web-identity tokens of at
    /// most 20,000 characters; EKS and ECS tokens are one or two kilobytes.
    pub const TOKEN: ReadLimit = ReadLimit::new(64 * 1024, "token file");
    /// A cache entry: an SSO token (`~/.aws/sso/cache`), a console login session
    /// (`~/.aws/login/cache`), a role's credentials (`~/.aws/cli/cache`): 256 KiB. Real ones are
    /// a few kilobytes (the largest, a login session, holds a PEM key and two tokens).
    pub const CACHE_ENTRY: ReadLimit = ReadLimit::new(256 * 1024, "cache file");
    /// A certificate bundle (`AWS_CA_BUNDLE`, `ca_bundle`): 4 MiB. A system's whole bundle is
    /// about 200 KiB.
    pub const CA_BUNDLE: ReadLimit = ReadLimit::new(4 * 1024 * 1024, "certificate bundle");
    /// A lock file ([`crate::lock`]): 1 KiB; ours hold a time, a process id and a host name.
    pub const LOCK: ReadLimit = ReadLimit::new(1024, "lock file");

    /// A limit of `bytes` for files called `kind` in errors ("token file").
    pub const fn new(bytes: u64, kind: &'static str) -> ReadLimit {
        ReadLimit { bytes, kind }
    }

    /// The most bytes read.
    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// What the files are, for errors.
    pub const fn kind(self) -> &'static str {
        self.kind
    }

    /// The error for a file past the limit: `ErrorKind::FileTooLarge`, naming the path and the
    /// limit.
    pub fn too_large(self, path: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "{} is larger than {self}, the limit for a {}",
                path.display(),
                self.kind
            ),
        )
    }
}

impl std::fmt::Display for ReadLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const KIB: u64 = 1024;
        match self.bytes {
            b if b >= KIB * KIB && b % (KIB * KIB) == 0 => write!(f, "{} MiB", b / (KIB * KIB)),
            b if b >= KIB && b % KIB == 0 => write!(f, "{} KiB", b / KIB),
            b => write!(f, "{b} bytes"),
        }
    }
}

/// Reads the regular file at `path`, at most `limit` bytes.
///
/// Errors: the open's own (`NotFound` for a missing file, also when a parent is a file, as the
/// CLI sees it); `InvalidInput` naming the path and
/// what it is when it is not a regular file (a FIFO, a device, a directory, a socket), returned
/// at once; `FileTooLarge` naming the path and the limit when it holds more than `limit`.
pub fn read_regular(path: &Path, limit: ReadLimit) -> io::Result<Vec<u8>> {
    let file = match open_nonblocking(path) {
        Ok(file) => file,
        // A parent that is a file (`HOME=/dev/null`): the file is not there, as Python's
        // `os.path.isfile` and the CLI see it.
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: a parent is not a directory", path.display()),
            ));
        }
        // A socket cannot be opened at all (ENXIO): say what is there rather than "No such
        // device or address". `metadata` is a `stat`, which never blocks.
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(match std::fs::metadata(path) {
                Ok(meta) if !meta.is_file() => not_regular(path, &meta),
                _ => e,
            });
        }
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    // O_NONBLOCK means nothing to a regular file's reads: no need to clear it. The capacity
    // covers every usual file without asking its size (one system call fewer).
    let mut contents = Vec::with_capacity(16 * 1024);
    file.take(limit.bytes.saturating_add(1))
        .read_to_end(&mut contents)?;
    if contents.len() as u64 > limit.bytes {
        return Err(limit.too_large(path));
    }
    Ok(contents)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Without O_NONBLOCK, opening a FIFO waits for a writer, forever; O_NOCTTY keeps a terminal
    // device from becoming the controlling terminal.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(open_flags::O_NONBLOCK | open_flags::O_NOCTTY)
        .open(path)
}

/// The two `<fcntl.h>` flags [`open_nonblocking`] needs. On the Linux architectures that use the
/// kernel's generic values they are written here, so that the `env,profile` build does not take
/// the `libc` crate for two constants of a frozen ABI; elsewhere (macOS, the BSDs, Linux on MIPS,
/// SPARC, Alpha, PA-RISC, whose values differ) they come from `libc`. A test checks both sources
/// agree on the build's target.
#[cfg(unix)]
mod open_flags {
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ))]
    mod values {
        pub(crate) const O_NONBLOCK: i32 = 0o4000;
        pub(crate) const O_NOCTTY: i32 = 0o400;
    }

    #[cfg(not(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    )))]
    mod values {
        pub(crate) const O_NONBLOCK: i32 = libc::O_NONBLOCK;
        pub(crate) const O_NOCTTY: i32 = libc::O_NOCTTY;
    }

    pub(crate) use values::{O_NOCTTY, O_NONBLOCK};

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_flags_are_the_platforms() {
            assert_eq!(super::O_NONBLOCK, libc::O_NONBLOCK);
            assert_eq!(super::O_NOCTTY, libc::O_NOCTTY);
        }
    }
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    // Windows opens named pipes and devices without waiting; the type is checked on the handle.
    File::open(path)
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {}, not a regular file",
            path.display(),
            describe(meta.file_type())
        ),
    )
}

fn describe(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("awscred-read-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let dir = dir("limit");
        let path = dir.join("token");
        let limit = ReadLimit::new(8, "token file");
        std::fs::write(&path, b"12345678").unwrap();
        assert_eq!(read_regular(&path, limit).unwrap(), b"12345678");
        std::fs::write(&path, b"123456789").unwrap();
        let e = read_regular(&path, limit).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            e.to_string(),
            format!(
                "{} is larger than 8 bytes, the limit for a token file",
                path.display()
            )
        );
        let missing = read_regular(&dir.join("missing"), limit).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let under_a_file = read_regular(&path.join(".aws/config"), limit).unwrap_err();
        assert_eq!(
            under_a_file.kind(),
            io::ErrorKind::NotFound,
            "{under_a_file}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_what_is_not_a_regular_file_at_once() {
        let dir = dir("special");
        let e = read_regular(&dir, ReadLimit::CONFIG).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(
            e.to_string()
                .ends_with("is a directory, not a regular file"),
            "{e}"
        );
        #[cfg(unix)]
        {
            let zero = read_regular(Path::new("/dev/zero"), ReadLimit::CONFIG).unwrap_err();
            assert_eq!(
                zero.to_string(),
                "/dev/zero is a character device, not a regular file"
            );
            // A FIFO without a writer: opening it for reading would wait forever.
            let fifo = dir.join("fifo");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap();
            assert!(made.success());
            let e = read_regular(&fifo, ReadLimit::TOKEN).unwrap_err();
            assert!(
                e.to_string().ends_with("is a FIFO, not a regular file"),
                "{e}"
            );
            // A symbolic link is followed: what it points at is judged.
            let link = dir.join("link");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = read_regular(&link, ReadLimit::LOCK).unwrap_err();
            assert!(
                e.to_string()
                    .ends_with("is a character device, not a regular file"),
                "{e}"
            );
            // A socket cannot even be opened.
            let socket = dir.join("socket");
            let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
            let e = read_regular(&socket, ReadLimit::CONFIG).unwrap_err();
            assert!(
                e.to_string().ends_with("is a socket, not a regular file"),
                "{e}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn limits_read_as_the_errors_say_them() {
        assert_eq!(ReadLimit::TOKEN.to_string(), "64 KiB");
        assert_eq!(ReadLimit::CACHE_ENTRY.to_string(), "256 KiB");
        assert_eq!(ReadLimit::LOCK.to_string(), "1 KiB");
        assert_eq!(ReadLimit::new(1500, "x").to_string(), "1500 bytes");
    }
}
