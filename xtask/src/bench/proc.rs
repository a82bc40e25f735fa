//! Whole-process timing, and the black-holed IMDS endpoint.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A program the bench runs, and the environment it runs in (nothing else is inherited but
/// `PATH`, so the caller's own AWS variables and `~/.aws` can never leak in).
#[derive(Debug, Clone)]
pub(crate) struct Tool {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

/// One run of a [`Tool`].
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) elapsed: Duration,
    pub(crate) success: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// No run may take longer than this: a hung tool is killed and reported.
const RUN_LIMIT: Duration = Duration::from_secs(60);

impl Tool {
    pub(crate) fn new(program: impl Into<PathBuf>, args: &[&str]) -> Self {
        Tool {
            program: program.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
        }
    }

    pub(crate) fn env(mut self, vars: &[(String, String)]) -> Self {
        self.env.extend(vars.iter().cloned());
        self
    }

    /// Runs it once, timing from just before the spawn to the moment `waitpid` returns. Output
    /// goes to files rather than pipes and the time limit is kept by a thread started before
    /// the clock, so no helper thread is created or scheduled inside the timed span (on a
    /// loaded two-core machine that alone costs tenths of a millisecond).
    pub(crate) fn run(&self) -> Result<Run, String> {
        let out_path = scratch_file("stdout");
        let err_path = scratch_file("stderr");
        let create = |path: &PathBuf| {
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))
        };
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(create(&out_path)?)
            .stderr(create(&err_path)?);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let (pid_tx, pid_rx) = std::sync::mpsc::channel::<u32>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            let Ok(pid) = pid_rx.recv() else { return false };
            if done_rx.recv_timeout(RUN_LIMIT).is_err() {
                // Only the child this run started, by its id.
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                return true;
            }
            false
        });
        let start = Instant::now();
        let spawned = cmd.spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                drop(pid_tx);
                let _ = watchdog.join();
                return Err(format!("cannot run {}: {e}", self.program.display()));
            }
        };
        let _ = pid_tx.send(child.id());
        let status = child.wait();
        let elapsed = start.elapsed();
        let _ = done_tx.send(());
        let killed = watchdog.join().unwrap_or(false);
        let read = |path: &PathBuf| {
            let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned());
            let _ = std::fs::remove_file(path);
            text.unwrap_or_default()
        };
        let (stdout, stderr) = (read(&out_path), read(&err_path));
        if killed {
            return Err(format!(
                "{} did not finish within {RUN_LIMIT:?}",
                self.describe()
            ));
        }
        let status = status.map_err(|e| format!("waiting for {}: {e}", self.describe()))?;
        Ok(Run {
            elapsed,
            success: status.success(),
            stdout,
            stderr,
        })
    }

    pub(crate) fn describe(&self) -> String {
        let mut text = self.program.display().to_string();
        for arg in &self.args {
            text.push(' ');
            text.push_str(arg);
        }
        text
    }
}

/// A file for one run's output under the system's temporary directory.
fn scratch_file(stream: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "awscred-bench-{}-{}.{stream}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A loopback listener that accepts connections and never answers (nor closes them while it
/// lives): an instance metadata endpoint that hangs, as on a machine outside EC2 whose route to
/// 169.254.169.254 drops packets.
pub(crate) struct BlackHole {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BlackHole {
    pub(crate) fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("cannot listen on loopback: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let thread = {
            let (accepted, stop) = (accepted.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            held.lock().unwrap_or_else(|e| e.into_inner()).push(stream);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Ok(BlackHole {
            port,
            accepted,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Connections accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
