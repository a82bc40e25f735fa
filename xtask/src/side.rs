//! Checks `cargo xtask ci` runs beside the others: a child `xtask ci --step NAME` (this same
//! program) whose output goes to `target/ci/<name>.log`, shown whole when it ends so it never
//! interleaves with the checks in the foreground.
//!
//! For a long check that mostly waits (the Windows tests under Wine start a Wine process per test
//! program and per command they run): its waits overlap the builds and tests that follow instead
//! of adding to them. Cargo's lock on the build directory still lets one build at a time compile.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::target_dir;

/// A check running beside the others.
pub(crate) struct Beside {
    name: String,
    child: Child,
    log: PathBuf,
    began: Instant,
}

/// How a check run beside the others ended: its summary line, and the failure if it failed.
pub(crate) struct Outcome {
    pub line: String,
    pub failure: Option<String>,
}

impl Beside {
    /// Starts `xtask ci --step NAME`, its output to `target/ci/<name>.log`.
    pub(crate) fn start(name: &str) -> Result<Beside, String> {
        let dir = target_dir().join("ci");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let file_name: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let log = dir.join(format!("{file_name}.log"));
        let out =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let program =
            std::env::current_exe().map_err(|e| format!("cannot find the xtask program: {e}"))?;
        let child = Command::new(program)
            .args(["ci", "--step", name])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start the check {name:?}: {e}"))?;
        eprintln!("    its output: {}", log.display());
        Ok(Beside {
            name: name.to_owned(),
            child,
            log,
            began: Instant::now(),
        })
    }

    /// Waits for the check to end, shows its output, and gives its summary line: the one the
    /// child printed (with its counts and processor time), its wall time here when none.
    pub(crate) fn finish(mut self) -> Outcome {
        eprintln!(
            "\n==> {} (ran beside the others): waiting for it",
            self.name
        );
        let status = self.child.wait();
        let waited = self.began.elapsed();
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        eprintln!("{output}");
        let ok = status.as_ref().is_ok_and(|s| s.success());
        let line = own_summary_line(&output, &self.name).unwrap_or_else(|| {
            format!(
                "{:<4} {:<60} {:.1}s",
                if ok { "ok" } else { "FAIL" },
                self.name,
                waited.as_secs_f64()
            )
        });
        let failure = (!ok).then(|| match status {
            Ok(status) => format!(
                "{}: failed ({status}); see {}",
                self.name,
                self.log.display()
            ),
            Err(e) => format!("{}: {e}", self.name),
        });
        Outcome {
            line: format!("{line} (beside)"),
            failure,
        }
    }
}

/// The line of the child's summary for the check `name` (`ok   NAME   12.3s ...`).
fn own_summary_line(output: &str, name: &str) -> Option<String> {
    let summary = &output[output.rfind("\nci summary:")?..];
    summary.lines().map(str::trim).find_map(|line| {
        let rest = line
            .strip_prefix("ok")
            .or_else(|| line.strip_prefix("FAIL"))?
            .trim_start();
        rest.starts_with(name).then(|| line.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_childs_line_for_the_check() {
        let output = "==> tests on w\nci summary: (not this)\n...\n\nci summary:\n  ok   tests on w   \
                      386.4s (cpu 80.0s) (576 passed, 0 failed)\n  total 386.5s\n";
        assert_eq!(
            own_summary_line(output, "tests on w").as_deref(),
            Some("ok   tests on w   386.4s (cpu 80.0s) (576 passed, 0 failed)")
        );
        assert_eq!(own_summary_line("no summary", "tests on w"), None);
        assert_eq!(
            own_summary_line("\nci summary:\n  skip tests on w\n", "tests on w"),
            None
        );
    }
}
