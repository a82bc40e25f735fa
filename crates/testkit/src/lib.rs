//! Test support shared by the awscred crates: the Python reference tools (botocore, moto) in a
//! venv under the workspace, free loopback ports, temporary home directories, and loopback fakes
//! of the services that have no emulator.
//!
//! Nothing here reaches beyond 127.0.0.1.
//!
//! Not published (`publish = false`) and not a stable API: it changes with the tests that use it,
//! so its structs and enums are not `#[non_exhaustive]` as the published crates' are.

pub mod bench;
pub mod ecs_fake;
pub mod fake_http;
pub mod federation_fake;
pub mod hostile;
pub mod imds_fake;
#[cfg(unix)]
pub mod moto;
mod platform;
pub mod proxy_fake;
pub mod replay;
pub mod signin_fake;
pub mod sso_fake;

#[cfg(windows)]
pub use platform::run_batch_file;
pub use platform::{ClearEnv, HOME_VAR, credential_helper, suite_vars};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The workspace's top directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit sits two levels below the workspace")
        .to_path_buf()
}

/// `../shared/conformance/` beside the checkout.
pub fn conformance_dir() -> PathBuf {
    let dir = workspace_root().join("../shared/conformance");
    assert!(
        dir.is_dir(),
        "the cross-SDK suites are expected at {}",
        dir.display()
    );
    dir
}

/// The Python interpreter of the workspace's venv (`.venv/`), with the packages of
/// `tests/python-requirements.txt` installed (botocore, moto, awscrt). Created on first use;
/// `.ci/run` creates it up front. Unix only, like every test that needs it: the venvs are built
/// for the host that runs the tests, and the Windows tests run under Wine.
#[cfg(unix)]
pub fn python() -> PathBuf {
    venv_python(".venv", "tests/python-requirements.txt")
}

/// The Python interpreter of `.venv-awscli/`, with the AWS CLI v1 from PyPI and boto3
/// (`tests/python-requirements-awscli.txt`). A venv of its own because the CLI v1 brings its own
/// botocore, which must not replace the version the differential tests pin in `.venv/`. Its `aws`
/// command is `bin/aws` beside the interpreter. Unix only, like [`python`].
#[cfg(unix)]
pub fn awscli_python() -> PathBuf {
    venv_python(".venv-awscli", "tests/python-requirements-awscli.txt")
}

/// The interpreter of the venv `dir` (relative to the workspace root) with `requirements`
/// installed. The marker file holds the requirements it was installed from, so a changed list is
/// installed into an existing venv; a lock keeps concurrent test binaries from installing twice.
#[cfg(unix)]
fn venv_python(dir: &str, requirements: &str) -> PathBuf {
    let root = workspace_root();
    let venv = root.join(dir);
    let python = venv.join("bin/python");
    let ready = venv.join(".requirements-installed");
    let requirements = root.join(requirements);
    let wanted =
        std::fs::read(&requirements).unwrap_or_else(|e| panic!("{}: {e}", requirements.display()));
    let current = || std::fs::read(&ready).is_ok_and(|have| have == wanted);
    if current() {
        return python;
    }
    let _lock = DirLock::acquire(&root.join(format!("target/{dir}-lock")));
    if current() {
        return python;
    }
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "python3 -m venv failed");
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "-r"])
        .arg(&requirements)
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install failed");
    std::fs::write(&ready, &wanted).expect("venv marker");
    python
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates one.
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "awscred-{label}-{}-{n}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes a file below the directory, creating parents, and returns its path.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("parent dirs");
        std::fs::write(&path, contents).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A lock between processes: a directory that exists while the lock is held.
#[cfg(unix)]
struct DirLock(PathBuf);

#[cfg(unix)]
impl DirLock {
    fn acquire(path: &Path) -> DirLock {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let deadline = Instant::now() + std::time::Duration::from_secs(600);
        while std::fs::create_dir(path).is_err() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {}",
                path.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        DirLock(path.to_path_buf())
    }
}

#[cfg(unix)]
impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}
