//! A lock file between processes, so that of several processes needing the same answer at once
//! (a role's credentials, a refreshed SSO token) one fetches it and the others read what it
//! stored.
//!
//! The lock is a file created exclusively ([`Fs::create_new`]) holding the Unix time it was
//! taken, the holder's process id and its host name (`1700000000 4242 build-7`). While another
//! process holds it, the caller's "is the answer there yet?" check is polled every
//! [`LockTiming::poll`] for up to [`LockTiming::wait`], never longer. A lock is judged only by
//! what a skewed clock or a hostile file cannot stretch; it is taken over when:
//! - its holder's process is gone (same host, Linux: `/proc/PID`);
//! - it is older than [`LockTiming::stale`], or its time is in the future (a clock ahead of
//!   ours, or a made-up time: a time we cannot measure an age from is no reason to wait);
//! - its content is still not ours a poll later (a holder dies between create and write), or
//!   it is not a regular file at all (a FIFO, a link to a device): it is never read past
//!   [`ReadLimit::LOCK`] and never opened in a way that blocks.
//!
//! A lock taken over wrongly (a holder in another PID namespace of a host of the same name, a
//! clock of another host running ahead) costs one more fetch, never a wrong answer.
//!
//! Taking the lock never fails: when it cannot be had (waited long enough, a file system without
//! exclusive create, an unwritable directory) the caller goes on without it, as the AWS CLI
//! always does. The lock file is removed when the [`LockFile`] is dropped.
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use awscred_core::fs::{Fs, MemFs, ReadLimit};
//! use awscred_core::lock::{self, LockOutcome, LockTiming};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let fs: Arc<dyn Fs> = Arc::new(MemFs::default());
//! let answer = Path::new("/cache/k.json");
//! let lock_path = Path::new("/cache/k.json.lock");
//! let ready = || fs.read(answer, ReadLimit::CACHE_ENTRY).ok();
//! let LockOutcome::Locked(held) =
//!     lock::acquire(&fs, lock_path, LockTiming::default(), ready, tokio::time::sleep).await
//! else {
//!     panic!("a free lock is taken");
//! };
//! // Meanwhile, another process finds the lock held and the answer stored: it uses the answer.
//! fs.write_atomic(answer, b"42").unwrap();
//! let other = lock::acquire(&fs, lock_path, LockTiming::default(), ready, tokio::time::sleep).await;
//! assert!(matches!(other, LockOutcome::Ready(ref a) if a == b"42"));
//! drop(held);
//! assert!(fs.read(lock_path, ReadLimit::LOCK).is_err(), "dropping the lock removes the file");
//! # });
//! ```

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::fs::{Fs, ReadLimit, leftovers};

/// How long a process waits for another one fetching the same answer before fetching it itself.
pub const WAIT: Duration = Duration::from_secs(5);
/// How often a waiting process looks for the answer and at the lock.
pub const POLL: Duration = Duration::from_millis(50);
/// A lock file older than this was left by a process that died; it is taken over.
pub const STALE: Duration = Duration::from_secs(30);

/// The patience of [`acquire`]; [`WAIT`], [`POLL`] and [`STALE`] by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockTiming {
    /// How long to wait for a lock another process holds.
    pub wait: Duration,
    /// How often to look again meanwhile.
    pub poll: Duration,
    /// The age beyond which a lock is taken over.
    pub stale: Duration,
}

impl Default for LockTiming {
    fn default() -> Self {
        LockTiming {
            wait: WAIT,
            poll: POLL,
            stale: STALE,
        }
    }
}

/// What [`acquire`] ended with.
#[derive(Debug)]
#[non_exhaustive]
pub enum LockOutcome<T> {
    /// The caller's check found the answer (stored by another process): use it, fetch nothing.
    Ready(T),
    /// This process holds the lock until the [`LockFile`] is dropped: fetch and store.
    Locked(LockFile),
    /// No lock could be had: fetch and store anyway.
    Unlocked,
}

/// A held lock; dropping it removes the lock file.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    fs: Arc<dyn Fs>,
}

impl LockFile {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = self.fs.remove(&self.path);
    }
}

/// Takes the lock file `path`, or waits for the answer another process is fetching.
///
/// `ready` says whether the answer is already there (`Some`); it is called whenever the lock is
/// found held, and once more right after the lock is taken, since the holder may have stored
/// its answer between the caller's miss and now. `sleep` waits between polls (the caller's
/// runtime: `tokio::time::sleep`).
pub async fn acquire<T, R, S, F>(
    fs: &Arc<dyn Fs>,
    path: &Path,
    timing: LockTiming,
    mut ready: R,
    mut sleep: S,
) -> LockOutcome<T>
where
    R: FnMut() -> Option<T>,
    S: FnMut(Duration) -> F,
    F: Future<Output = ()>,
{
    let polls = timing.wait.as_millis() / timing.poll.as_millis().max(1);
    let me = Holder::this_process();
    // A lock whose content is not a time may be one its holder has created but not yet
    // written; only when it is still unreadable a poll later did the holder die in between.
    let mut torn_before = false;
    let mut gone_before = false;
    for poll in 0..=polls {
        let stamp = me.stamp(unix_secs(SystemTime::now()));
        match fs.create_new(path, stamp.as_bytes()) {
            Ok(()) => {
                let lock = LockFile {
                    path: path.to_path_buf(),
                    fs: fs.clone(),
                };
                return match ready() {
                    Some(answer) => LockOutcome::Ready(answer),
                    None => LockOutcome::Locked(lock),
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if let Some(answer) = ready() {
                    return LockOutcome::Ready(answer);
                }
                let state = held(fs.as_ref(), path);
                let stale = match &state {
                    Held::By(taken, holder) => {
                        let now = unix_secs(SystemTime::now());
                        *taken > now
                            || now > taken.saturating_add(timing.stale.as_secs())
                            || holder.as_ref().is_some_and(|h| h.is_gone(&me))
                    }
                    Held::Torn => torn_before,
                    Held::NotAFile => true,
                    Held::Gone => false,
                };
                torn_before = state == Held::Torn;
                if stale {
                    tracing::debug!(path = %path.display(), "taking over a stale lock");
                    let _ = fs.remove(path);
                    torn_before = false;
                    continue;
                }
                // Released between our attempt and our look: try again without waiting, once.
                // Gone twice running is a lock being deleted that cannot be created again yet
                // (Windows, until the holder's last handle closes): wait a poll then.
                let retry_at_once = state == Held::Gone && !gone_before;
                gone_before = state == Held::Gone;
                if !retry_at_once && poll < polls {
                    sleep(timing.poll).await;
                }
            }
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "going on without a lock");
                return LockOutcome::Unlocked;
            }
        }
    }
    tracing::debug!(path = %path.display(), "gave up waiting for the lock");
    LockOutcome::Unlocked
}

/// Who holds a lock: a process on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    pid: u32,
    host: String,
}

impl Holder {
    fn this_process() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
        }
    }

    fn stamp(&self, secs: u64) -> String {
        format!("{secs} {} {}", self.pid, self.host)
    }

    /// Whether the holder has ended: only a process of this host can be looked at.
    fn is_gone(&self, me: &Holder) -> bool {
        self.host == me.host
            && self.host != UNKNOWN_HOST
            && leftovers::process_alive(self.pid) == Some(false)
    }
}

const UNKNOWN_HOST: &str = "-";

/// This machine's name, from the kernel (Linux); `-` where it is not known, and then no
/// holder's liveness is judged.
fn host_name() -> String {
    crate::fs::read_regular(Path::new("/proc/sys/kernel/hostname"), ReadLimit::LOCK)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| UNKNOWN_HOST.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    /// Taken at this Unix time, by this holder when the lock says (older locks hold the time
    /// alone).
    By(u64, Option<Holder>),
    /// The content is not ours.
    Torn,
    /// Not a regular file (a FIFO, a link to a device): no process of ours made it.
    NotAFile,
    /// No longer there.
    Gone,
}

fn held(fs: &dyn Fs, path: &Path) -> Held {
    let bytes = match fs.read(path, ReadLimit::LOCK) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Held::Gone,
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => return Held::Torn,
        Err(_) => return Held::NotAFile,
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Held::Torn;
    };
    let mut fields = text.split_whitespace();
    let Some(taken) = fields.next().and_then(|t| t.parse::<u64>().ok()) else {
        return Held::Torn;
    };
    let holder = match (fields.next().map(str::parse::<u32>), fields.next()) {
        (Some(Ok(pid)), Some(host)) => Some(Holder {
            pid,
            host: host.to_owned(),
        }),
        _ => None,
    };
    Held::By(taken, holder)
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> LockTiming {
        LockTiming {
            wait: Duration::from_millis(40),
            poll: Duration::from_millis(2),
            stale: STALE,
        }
    }

    async fn sleep(d: Duration) {
        tokio::time::sleep(d).await;
    }

    #[tokio::test]
    async fn exclusive_released_on_drop_and_yields_to_a_stored_answer() {
        let mem = Arc::new(MemFs::default());
        let fs: Arc<dyn Fs> = mem.clone();
        let path = Path::new("/c/k.json.lock");
        let none = || None::<()>;
        let LockOutcome::Locked(held) = acquire(&fs, path, fast(), none, sleep).await else {
            panic!("a free lock is taken");
        };
        assert_eq!(held.path(), path);
        let content = String::from_utf8(fs.read(path, ReadLimit::LOCK).unwrap()).unwrap();
        let stamp: u64 = content.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(
            content.split(' ').nth(1),
            Some(std::process::id().to_string().as_str())
        );
        assert!(stamp.abs_diff(unix_secs(SystemTime::now())) < 5);
        // Held elsewhere, no answer: the waiter polls, then gives up without the lock.
        let checks = AtomicU32::new(0);
        let counting = || {
            checks.fetch_add(1, Ordering::SeqCst);
            None::<()>
        };
        assert!(matches!(
            acquire(&fs, path, fast(), counting, sleep).await,
            LockOutcome::Unlocked
        ));
        assert_eq!(
            checks.load(Ordering::SeqCst),
            21,
            "every 2 ms for 40 ms, and at once"
        );
        // Held elsewhere, and the answer is stored: used at once.
        assert!(matches!(
            acquire(&fs, path, fast(), || Some(7), sleep).await,
            LockOutcome::Ready(7)
        ));
        drop(held);
        assert!(
            fs.read(path, ReadLimit::LOCK).is_err(),
            "dropping the lock removes it"
        );
        // Taken, but the answer appeared between the caller's miss and now: the lock is let go.
        assert!(matches!(
            acquire(&fs, path, fast(), || Some(8), sleep).await,
            LockOutcome::Ready(8)
        ));
        assert!(mem.snapshot().is_empty(), "{mem:?}");
    }

    #[tokio::test]
    async fn a_waiter_gets_the_answer_the_holder_stores() {
        let fs: Arc<dyn Fs> = Arc::new(MemFs::default());
        let path = Path::new("/c/k.json.lock");
        let answer = Path::new("/c/k.json");
        let LockOutcome::Locked(held) = acquire(&fs, path, fast(), || None::<()>, sleep).await
        else {
            panic!("free");
        };
        let holder = {
            let fs = fs.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                fs.write_atomic(answer, b"done").unwrap();
                drop(held);
            })
        };
        let timing = LockTiming {
            wait: Duration::from_secs(5),
            ..fast()
        };
        let got = acquire(
            &fs,
            path,
            timing,
            || fs.read(answer, ReadLimit::CACHE_ENTRY).ok(),
            sleep,
        )
        .await;
        assert!(
            matches!(got, LockOutcome::Ready(ref a) if a == b"done"),
            "{got:?}"
        );
        holder.await.unwrap();
    }

    #[tokio::test]
    async fn dead_holders_locks_are_taken_over() {
        let mem = Arc::new(MemFs::default());
        let fs: Arc<dyn Fs> = mem.clone();
        let path = Path::new("/c/k.json.lock");
        let old = (unix_secs(SystemTime::now()) - 31).to_string();
        for stale in [&b"0"[..], old.as_bytes(), b"", b"not a time"] {
            mem.insert(path, stale);
            let LockOutcome::Locked(taken) = acquire(&fs, path, fast(), || None::<()>, sleep).await
            else {
                panic!("a stale lock ({stale:?}) is taken over");
            };
            assert_ne!(
                fs.read(path, ReadLimit::LOCK).unwrap(),
                stale,
                "the lock is ours now"
            );
            drop(taken);
        }
        // A time in the future (a skewed or made-up clock) gives no age to wait out; a holder
        // of this host that has ended holds nothing.
        let future = format!(
            "{} {} {}",
            unix_secs(SystemTime::now()) + 3600,
            std::process::id(),
            host_name()
        );
        let mut takeovers = vec![future];
        // Whether a holder of this host still runs is known where /proc tells (Linux): a
        // process started and reaped here stands for one that ended.
        if cfg!(target_os = "linux") {
            let mut ended = std::process::Command::new("true").spawn().unwrap();
            ended.wait().unwrap();
            takeovers.push(format!(
                "{} {} {}",
                unix_secs(SystemTime::now()),
                ended.id(),
                host_name()
            ));
        }
        for stale in &takeovers {
            mem.insert(path, stale.as_bytes());
            let LockOutcome::Locked(taken) = acquire(&fs, path, fast(), || None::<()>, sleep).await
            else {
                panic!("a stale lock ({stale:?}) is taken over");
            };
            drop(taken);
        }
        // A live holder elsewhere (another host) with a recent time is waited for.
        let elsewhere = format!("{} 1 another-host", unix_secs(SystemTime::now()));
        mem.insert(path, elsewhere.as_bytes());
        assert!(matches!(
            acquire(&fs, path, fast(), || None::<()>, sleep).await,
            LockOutcome::Unlocked
        ));
        // A recent lock is not stale.
        let recent = (unix_secs(SystemTime::now()) - 20).to_string();
        mem.insert(path, recent.as_bytes());
        assert!(matches!(
            acquire(&fs, path, fast(), || None::<()>, sleep).await,
            LockOutcome::Unlocked
        ));
        assert_eq!(
            fs.read(path, ReadLimit::LOCK).unwrap(),
            recent.as_bytes(),
            "left alone"
        );
    }

    #[tokio::test]
    async fn a_lock_being_written_is_not_taken_over_at_once() {
        // Created but not yet written: empty at the first look, a time at the next.
        #[derive(Debug)]
        struct Writing(MemFs, AtomicU32);
        impl Fs for Writing {
            fn read(&self, path: &Path, limit: ReadLimit) -> std::io::Result<Vec<u8>> {
                if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Ok(Vec::new());
                }
                self.0.read(path, limit)
            }
            fn write_atomic(&self, path: &Path, contents: &[u8]) -> std::io::Result<()> {
                self.0.write_atomic(path, contents)
            }
            fn remove(&self, path: &Path) -> std::io::Result<()> {
                self.0.remove(path)
            }
            fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
                self.0.list(dir)
            }
            fn create_new(&self, path: &Path, contents: &[u8]) -> std::io::Result<()> {
                self.0.create_new(path, contents)
            }
        }
        let path = Path::new("/c/k.json.lock");
        let now = unix_secs(SystemTime::now()).to_string();
        let writing = Arc::new(Writing(MemFs::default(), AtomicU32::new(0)));
        writing.0.insert(path, now.as_bytes());
        let fs: Arc<dyn Fs> = writing.clone();
        assert!(matches!(
            acquire(&fs, path, fast(), || None::<()>, sleep).await,
            LockOutcome::Unlocked
        ));
        assert_eq!(
            writing.0.read(path, ReadLimit::LOCK).unwrap(),
            now.as_bytes(),
            "the holder keeps it"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn special_files_at_the_lock_never_block_and_are_replaced() {
        let dir = std::env::temp_dir().join(format!("awscred-lock-special-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fs: Arc<dyn Fs> = Arc::new(crate::fs::RealFs);
        let path = dir.join("k.json.lock");
        let fifo = |p: &Path| {
            let made = std::process::Command::new("mkfifo")
                .arg(p)
                .status()
                .unwrap();
            assert!(made.success());
        };
        let fifo_target = dir.join("fifo");
        fifo(&fifo_target);
        type Make<'a> = Box<dyn Fn(&Path) + 'a>;
        let makers: Vec<(&str, Make)> = vec![
            ("a FIFO", Box::new(fifo)),
            (
                "a link to /dev/zero",
                Box::new(|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
            ),
            (
                "a link to a FIFO",
                Box::new(|p: &Path| std::os::unix::fs::symlink(&fifo_target, p).unwrap()),
            ),
            (
                "a huge file",
                Box::new(|p: &Path| std::fs::write(p, vec![b'9'; 1 << 20]).unwrap()),
            ),
        ];
        for (what, make) in makers {
            make(&path);
            let timing = LockTiming {
                wait: Duration::from_secs(60),
                ..fast()
            };
            let outcome = tokio::time::timeout(
                Duration::from_secs(20),
                acquire(&fs, &path, timing, || None::<()>, sleep),
            )
            .await
            .unwrap_or_else(|_| panic!("{what} at the lock blocked"));
            let LockOutcome::Locked(held) = outcome else {
                panic!("{what} at the lock is taken over: {outcome:?}");
            };
            assert!(
                std::fs::symlink_metadata(&path).unwrap().is_file(),
                "{what}"
            );
            drop(held);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn no_lock_without_exclusive_create() {
        #[derive(Debug)]
        struct Plain;
        impl Fs for Plain {
            fn read(&self, _: &Path, _: ReadLimit) -> std::io::Result<Vec<u8>> {
                Err(std::io::ErrorKind::NotFound.into())
            }
            fn write_atomic(&self, _: &Path, _: &[u8]) -> std::io::Result<()> {
                Ok(())
            }
            fn remove(&self, _: &Path) -> std::io::Result<()> {
                Ok(())
            }
            fn list(&self, _: &Path) -> std::io::Result<Vec<String>> {
                Ok(Vec::new())
            }
        }
        let fs: Arc<dyn Fs> = Arc::new(Plain);
        let checks = AtomicU32::new(0);
        let outcome = acquire(
            &fs,
            Path::new("/c/k.json.lock"),
            LockTiming::default(),
            || {
                checks.fetch_add(1, Ordering::SeqCst);
                None::<()>
            },
            sleep,
        )
        .await;
        assert!(matches!(outcome, LockOutcome::Unlocked));
        assert_eq!(checks.load(Ordering::SeqCst), 0, "no wait, no poll");
    }
}
