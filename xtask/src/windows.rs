//! The Windows build (`x86_64-pc-windows-gnu`, linked by mingw-w64), tested under Wine.
//!
//! `cargo xtask ci` runs the workspace's library, integration and command-line tests built for
//! Windows under Wine, then runs `awscred.exe` and the Linux `awscred` side by side on the
//! recorded cross-SDK cases and requires the same answers. `.ci/run` installs mingw-w64 and Wine
//! from Debian's packages; without them the step says so and is left out.
//!
//! Wine runs in a prefix of its own under `target/wine/`, so nothing of the user's `~/.wine` is
//! read or changed. Debian 12's Wine 8 lacks `bcryptprimitives.dll`, whose `ProcessPrng` Rust's
//! standard library imports for random numbers: `xtask/wine/bcryptprimitives.c` (a forward to
//! `RtlGenRandom`) is compiled with mingw into that prefix's `system32` first, with the test aid
//! that sends Ctrl-C (`xtask/wine/ctrl_c.c`, which needs the console API Rust reaches only
//! through `unsafe`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cargo, describe, root, target_dir};

/// The Windows target: the GNU ABI, the one that cross-compiles from Linux with Debian's
/// packages alone.
pub(crate) const TARGET: &str = "x86_64-pc-windows-gnu";
/// The mingw-w64 C compiler (ring's C and assembly, and the bridge DLL).
const MINGW_CC: &str = "x86_64-w64-mingw32-gcc";
/// Test threads under Wine: its server is one process, so more threads than cores only queue.
const WINE_TEST_THREADS: &str = "2";

/// Why the Windows tests cannot run here, if they cannot.
pub(crate) fn missing_tools() -> Option<String> {
    let mut missing = Vec::new();
    if !crate::dist::target_installed(TARGET) {
        missing.push(format!(
            "the {TARGET} standard library (rustup target add {TARGET})"
        ));
    }
    for (program, package) in [(MINGW_CC, "mingw-w64"), ("wine", "wine")] {
        if !runs(Command::new(program).arg("--version")) {
            missing.push(format!("{program} (Debian package {package})"));
        }
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn runs(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Wine prefix under `target/wine/`, created on first use, with the bridge DLL in place.
struct Wine {
    prefix: PathBuf,
}

impl Wine {
    fn prepare() -> Result<Wine, String> {
        let dir = target_dir().join("wine");
        let prefix = dir.join("prefix");
        let wine = Wine { prefix };
        if !wine.prefix.join("system.reg").is_file() {
            eprintln!("    creating the Wine prefix {}", wine.prefix.display());
            std::fs::create_dir_all(&wine.prefix)
                .map_err(|e| format!("cannot create {}: {e}", wine.prefix.display()))?;
            let mut boot = Command::new("wineboot");
            boot.arg("--init");
            wine.apply(&mut boot);
            crate::run_status(boot.stdout(Stdio::null()).stderr(Stdio::null()))?;
        }
        // The bridge DLL, and the test aid that presses Ctrl-C (xtask/wine/ctrl_c.c), which the
        // tests find on the prefix's PATH.
        for (source, built, flags) in [
            (
                "bcryptprimitives.c",
                "bcryptprimitives.dll",
                &["-shared", "-ladvapi32"][..],
            ),
            ("ctrl_c.c", "awscred-ctrl-c.exe", &[][..]),
        ] {
            let output = dir.join(built);
            let mut cc = Command::new(MINGW_CC);
            cc.args(["-O2", "-s", "-o"])
                .arg(&output)
                .arg(root().join("xtask/wine").join(source))
                .args(flags);
            crate::run_status(&mut cc)?;
            let system32 = wine.prefix.join("drive_c/windows/system32");
            std::fs::copy(&output, system32.join(built))
                .map_err(|e| format!("cannot copy {built} into {}: {e}", system32.display()))?;
        }
        wine.keep_server();
        Ok(wine)
    }

    /// One Wine server for every Wine process that follows (the test programs, the programs
    /// they start, the side-by-side runs), kept a minute after the last one ends, instead of one
    /// started and stopped between programs (a second or more each time, which made the
    /// side-by-side runs take minutes). One already running (exit status 2) serves as well.
    /// Its output goes nowhere: it must not hold open the pipe of the tests' output.
    fn keep_server(&self) {
        let mut server = Command::new("wineserver");
        server.arg("--persistent=60");
        self.apply(&mut server);
        let _ = server
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// The environment every Wine process of these checks gets: the prefix, no debug chatter,
    /// and no offer to install Mono or Gecko (nothing here needs them).
    fn apply(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    }
}

/// What the Windows run counted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub passed: u64,
    pub failed: u64,
}

/// Adds the counts of one line of test output: libtest's `test result: ok. N passed; M
/// failed; ...` and the `N passed, M failed` of the tests with a harness of their own.
fn count_line(line: &str, counts: &mut Counts) {
    let rest = line
        .strip_prefix("test result: ")
        .map_or(line, |r| r.split_once(". ").map_or(r, |(_, after)| after));
    let mut words = rest.split([';', ',']).map(str::trim);
    let (Some(passed), Some(failed)) = (words.next(), words.next()) else {
        return;
    };
    let number =
        |text: &str, word: &str| -> Option<u64> { text.strip_suffix(word)?.trim().parse().ok() };
    if let (Some(p), Some(f)) = (number(passed, " passed"), number(failed, " failed")) {
        counts.passed += p;
        counts.failed += f;
    }
}

/// `cargo xtask ci`'s Windows step: the tests under Wine, then the side-by-side answers.
/// Returns the line for the summary.
pub(crate) fn ci() -> Result<String, String> {
    let wine = Wine::prepare()?;
    let mut test = cargo();
    test.args([
        "test",
        "--workspace",
        "--all-features",
        "--target",
        TARGET,
        "--lib",
        "--bins",
        "--tests",
        "--no-fail-fast",
        "--",
        "--test-threads",
        WINE_TEST_THREADS,
    ]);
    wine.apply(&mut test);
    test.env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", "wine");
    eprintln!("    {}", describe(&test));
    let mut child = test
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut counts = Counts::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            eprintln!("{line}");
            count_line(&line, &mut counts);
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    let tests = format!("{} passed, {} failed", counts.passed, counts.failed);
    if !status.success() || counts.failed > 0 || counts.passed == 0 {
        return Err(format!("Windows tests under Wine: {tests} ({status})"));
    }
    let compared = compare_in(&wine)?;
    Ok(format!("{tests}; {compared}"))
}

/// `cargo xtask windows-compare`: the side-by-side answers alone.
pub(crate) fn compare(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!(
            "`windows-compare` takes no arguments (got {arg:?})"
        ));
    }
    if let Some(missing) = missing_tools() {
        return Err(format!("missing {missing}"));
    }
    println!("{}", compare_in(&Wine::prepare()?)?);
    Ok(())
}

fn compare_in(wine: &Wine) -> Result<String, String> {
    // The tests may have outlasted the server's minute.
    wine.keep_server();
    crate::windows_compare::run(&wine.prefix)
}

/// `wine EXE` in the test prefix, with nothing of this process's environment but `PATH` (the
/// caller adds the variables the program gets).
pub(crate) fn under_wine(prefix: &Path, exe: &Path) -> Command {
    let mut cmd = Command::new("wine");
    cmd.arg(exe)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    Wine {
        prefix: prefix.to_path_buf(),
    }
    .apply(&mut cmd);
    cmd
}

/// `cargo xtask dist`'s Windows binary: `awscred.exe` in the `dist` profile, the C runtime
/// linked in (`+crt-static`), so it needs only the DLLs every Windows has. `None` (with the
/// reason printed) where the target or mingw-w64 is missing.
pub(crate) fn dist() -> Result<Option<PathBuf>, String> {
    if !crate::dist::target_installed(TARGET) || !runs(Command::new(MINGW_CC).arg("--version")) {
        eprintln!(
            "dist: no awscred.exe: it needs the {TARGET} standard library and {MINGW_CC} \
             (rustup target add {TARGET}; apt-get install mingw-w64)"
        );
        return Ok(None);
    }
    let dir = crate::dist::build_for(TARGET, &["-C target-feature=+crt-static"])?;
    Ok(Some(dir.join("awscred.exe")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_and_own_harness_lines() {
        let mut c = Counts::default();
        for line in [
            "test result: ok. 15 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            "3 passed, 1 failed",
            "test lock::tests::x ... ok",
            "running 15 tests",
            "passed, failed",
        ] {
            count_line(line, &mut c);
        }
        assert_eq!(
            c,
            Counts {
                passed: 21,
                failed: 3
            }
        );
    }
}
