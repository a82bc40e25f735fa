//! Temporary files of writers that died between write and rename.
//!
//! [`super::Fs::write_atomic`] of [`super::RealFs`] writes `.NAME.PID.N.tmp` beside `NAME` and renames it over
//! `NAME`. A writer killed in between (kill -9, a power cut) leaves the temporary file behind,
//! holding a complete cache entry: credentials or tokens. Each write removes the ones its
//! directory holds from writers that are gone: on Linux, whose process no longer runs and which
//! are older than [`GRACE`] (a live writer finishes in milliseconds); where liveness cannot be
//! told, older than [`UNKNOWN_GRACE`].
//!
//! Not done: creating the file unnamed (`O_TMPFILE`) and linking it into place. `linkat` cannot
//! replace an existing file, so it would still need a named temporary to rename from, and it
//! exists on Linux only.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// The age past which a dead writer's temporary file is removed.
pub const GRACE: Duration = Duration::from_secs(5);
/// The age past which a temporary file is removed where a writer's liveness cannot be told.
pub const UNKNOWN_GRACE: Duration = Duration::from_secs(120);

/// The writer's process id in a temporary file's name `.NAME.PID.N.tmp`, if it is one.
pub(crate) fn temp_writer(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = stem.rsplitn(3, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    let target = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && !target.is_empty())
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether process `pid` runs on this host: `None` where that cannot be told (no `/proc`).
pub(crate) fn process_alive(pid: u32) -> Option<bool> {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new("/proc").join(pid.to_string()).exists())
}

/// Removes the temporary files of writers that are gone from `dir`; failures are ignored (the
/// next write tries again).
pub(crate) fn remove_dead_writers_files(dir: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_writer) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        // `DirEntry::metadata` does not follow symbolic links: only plain files are removed.
        let Ok(meta) = entry.metadata() else { continue };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        let dead = match process_alive(pid) {
            Some(alive) => !alive && age >= GRACE,
            None => age >= UNKNOWN_GRACE,
        };
        if dead && meta.is_file() {
            tracing::debug!(file = %entry.path().display(), "removing a dead writer's temporary file");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_the_writer() {
        assert_eq!(temp_writer(".k.json.4242.7.tmp"), Some(4242));
        assert_eq!(temp_writer(".a.b.c.json.1.0.tmp"), Some(1));
        for not in [
            "k.json",
            ".k.json.tmp",
            ".k.json.x.1.tmp",
            ".k.json.1.x.tmp",
            "..1.2.tmp",
        ] {
            assert_eq!(temp_writer(not), None, "{not}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dead_writers_files_go_and_live_ones_stay() {
        let dir = std::env::temp_dir().join(format!("awscred-leftovers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A process that has ended: its pid is free (for a while at least).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let live = std::process::id();
        let parent = std::os::unix::process::parent_id();
        let dead_file = dir.join(format!(".k.json.{dead}.0.tmp"));
        let parent_file = dir.join(format!(".k.json.{parent}.0.tmp"));
        let own_file = dir.join(format!(".k.json.{live}.0.tmp"));
        let other = dir.join("k.json");
        for f in [&dead_file, &parent_file, &own_file, &other] {
            std::fs::write(f, b"secret").unwrap();
        }
        let now = SystemTime::now();
        remove_dead_writers_files(&dir, now);
        assert!(dead_file.exists(), "too young to be judged");
        remove_dead_writers_files(&dir, now + GRACE);
        assert!(!dead_file.exists(), "a dead writer's file goes");
        assert!(parent_file.exists() && own_file.exists() && other.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
