//! `cargo xtask dist`: the `awscred` binary as it is shipped: the `dist` profile (release with
//! fat LTO, one codegen unit, `opt-level = "z"`: about 1.4 MiB less than the release profile, and
//! quicker to load).
//!
//! On Linux with glibc the binary is linked statically (`+crt-static`): a short-lived command
//! then spends nothing in the dynamic loader, which on a 2-core machine is about a quarter of a
//! millisecond, a third of a static-profile resolution. Host-name resolution still goes through
//! glibc's `getaddrinfo` (its files and DNS sources are built into the static library).

use std::path::PathBuf;
use std::process::Command;

use crate::{cargo, run_status, target_dir};

/// The build command of the shipped binary, and where the binary will be.
pub(crate) fn command() -> Result<(Command, PathBuf), String> {
    let host = host_triple()?;
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--profile",
        "dist",
        "-p",
        "awscred-cli",
        "--bin",
        "awscred",
        "--target",
        &host,
    ]);
    if host.ends_with("-linux-gnu") {
        // With an explicit --target these flags reach only the target's crates, not the build
        // scripts and proc-macros, which must stay dynamic.
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        flags.push_str(" -C target-feature=+crt-static");
        cmd.env("RUSTFLAGS", flags.trim());
    }
    let suffix = if cfg!(windows) { ".exe" } else { "" };
    let path = target_dir()
        .join(&host)
        .join(format!("dist/awscred{suffix}"));
    Ok((cmd, path))
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`dist` takes no arguments (got {arg:?})"));
    }
    let (mut cmd, path) = command()?;
    run_status(&mut cmd)?;
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{} ({:.2} MiB)", path.display(), size as f64 / 1_048_576.0);
    Ok(())
}

fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run {rustc}: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| format!("{rustc} -vV did not name the host"))
}
