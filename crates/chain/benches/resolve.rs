//! In-process cold resolution: `cargo bench -p awscred-chain --all-features --bench resolve [-- --quick]`.
//!
//! Each iteration builds a new `Chain` for a home directory on disk and resolves it once (read
//! and parse the files, walk the tiers): what a short-lived program pays. Two profiles: static
//! keys in `~/.aws/credentials`, and a three-role chain whose top role is cached in
//! `~/.aws/cli/cache/` in the AWS CLI's format (no network). A profile the built chain cannot
//! resolve yet (the STS tier not in the chain, say) is reported as pending with the reason.
//!
//! `--write-fixtures DIR` writes the homes and the generated profile files under DIR and exits:
//! `cargo xtask bench` points awscred, the AWS SDK and botocore at the same files that way.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use awscred_chain::Chain;
use awscred_core::Env;
use awscred_testkit::TempDir;
use awscred_testkit::bench::{self, Samples};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(at) = args.iter().position(|a| a == "--write-fixtures") {
        let Some(dir) = args.get(at + 1) else {
            fail("--write-fixtures needs a directory");
        };
        write_fixtures(Path::new(dir))
            .unwrap_or_else(|e| fail(&format!("cannot write fixtures in {dir}: {e}")));
        return;
    }
    let dir = TempDir::new("awscred-bench");
    write_fixtures(dir.path()).unwrap_or_else(|e| fail(&format!("cannot write fixtures: {e}")));
    let iterations = if quick { 2_000 } else { 20_000 };
    run(
        "awscred_cold_static",
        &dir.path().join("static-home"),
        bench::STATIC_PROFILE,
        bench::STATIC_KEY_ID,
        iterations,
    );
    run(
        "awscred_cold_three_role_cached",
        &dir.path().join("three-role-home"),
        bench::THREE_ROLE_PROFILE,
        bench::THREE_ROLE_KEY_ID,
        iterations,
    );
}

/// `DIR/static-home`, `DIR/three-role-home`, `DIR/empty-home` and `DIR/profiles-N.ini` for N in
/// 10, 1,000 and 10,000.
fn write_fixtures(dir: &Path) -> std::io::Result<()> {
    bench::write_static_home(&dir.join("static-home"))?;
    bench::write_three_role_home(&dir.join("three-role-home"))?;
    std::fs::create_dir_all(dir.join("empty-home"))?;
    for n in [10, 1_000, 10_000] {
        std::fs::write(
            dir.join(format!("profiles-{n}.ini")),
            bench::profiles_config(n),
        )?;
    }
    Ok(())
}

fn run(name: &str, home: &Path, profile: &str, expected_key: &str, iterations: usize) {
    let home = home
        .to_str()
        .unwrap_or_else(|| fail("the fixture path is not UTF-8"));
    // Only HOME: no credentials in variables, and instance metadata off so that a chain that
    // falls through can never reach 169.254.169.254.
    let env = Env::from_vars([("HOME", home), ("AWS_EC2_METADATA_DISABLED", "true")]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}")));
    let resolve = || {
        let chain = Chain::builder()
            .env(env.clone())
            .profile(Some(profile.to_owned()))
            .build();
        rt.block_on(chain.resolve())
    };
    match resolve() {
        Ok(creds) if creds.access_key_id() == expected_key => {}
        Ok(creds) => {
            println!(
                "{}",
                bench::pending_line(
                    name,
                    &format!(
                        "resolved {} from {}, expected {expected_key}",
                        creds.access_key_id(),
                        creds.provider()
                    )
                )
            );
            return;
        }
        Err(e) => {
            println!("{}", bench::pending_line(name, &e.to_string()));
            return;
        }
    }
    for _ in 0..iterations / 10 {
        black_box(resolve().ok());
    }
    let mut samples = Samples::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let creds = resolve();
        samples.push(start.elapsed());
        black_box(creds.ok());
    }
    println!("{}", samples.json_line(name, &[]));
}

fn fail(message: &str) -> ! {
    eprintln!("resolve bench: {message}");
    std::process::exit(1)
}
