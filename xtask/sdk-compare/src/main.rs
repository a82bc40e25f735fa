//! The official AWS SDK for Rust (`aws-config`) doing what `cargo xtask bench` measures awscred
//! doing, so the bench can report ratios measured in the same run on the same machine.
//!
//! ```text
//! sdk-compare export [PROFILE]              resolve with aws_config::defaults(BehaviorVersion::latest())
//!                                           and print the access key id (exit 1 with the error otherwise)
//! sdk-compare cold PROFILE ITERATIONS       in-process cold resolution: a new DefaultCredentialsChain per
//!                                           iteration, resolved once; one JSON line with the timings
//! sdk-compare parse-bench FILE ITERATIONS   the SDK's public profile parser (aws_runtime::env_config)
//!                                           on FILE as a config file; one JSON line with the timings
//! ```
//!
//! Everything reads the process environment (HOME, AWS_CONFIG_FILE, ...), which the bench sets.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::section::EnvConfigSections;
use aws_runtime::env_config::source;
use aws_types::os_shim_internal::{Env, Fs};

const USAGE: &str =
    "usage: sdk-compare export [PROFILE] | cold PROFILE ITERATIONS | parse-bench FILE ITERATIONS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["export"] => export(None),
        ["export", profile] => export(Some(profile)),
        ["cold", profile, iterations] => iterations_arg(iterations).and_then(|n| cold(profile, n)),
        ["parse-bench", file, iterations] => {
            iterations_arg(iterations).and_then(|n| parse_bench(file, n))
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sdk-compare: {message}");
            ExitCode::FAILURE
        }
    }
}

fn iterations_arg(text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "iterations must be a positive number, not {text:?}"
        )),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    // A current-thread runtime, as awscred uses: neither side pays for a thread pool.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))
}

fn export(profile: Option<&str>) -> Result<(), String> {
    runtime()?.block_on(async {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        let provider = config
            .credentials_provider()
            .ok_or("aws-config built no credentials provider")?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|e| error_chain(&e))?;
        println!("{}", creds.access_key_id());
        Ok(())
    })
}

fn cold(profile: &str, iterations: usize) -> Result<(), String> {
    let rt = runtime()?;
    let warmup = (iterations / 10).max(10);
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        let key_len = rt.block_on(async {
            let chain = DefaultCredentialsChain::builder()
                .profile_name(profile)
                .build()
                .await;
            chain
                .provide_credentials()
                .await
                .map(|c| c.access_key_id().len())
                .map_err(|e| error_chain(&e))
        })?;
        let elapsed = start.elapsed();
        std::hint::black_box(key_len);
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    println!("{}", json_line("sdk_cold_static", &mut samples, &[]));
    Ok(())
}

fn parse_bench(file: &str, iterations: usize) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let files = EnvConfigFiles::builder()
        .include_default_config_file(false)
        .include_default_credentials_file(false)
        .with_contents(EnvConfigFileKind::Config, text.clone())
        .build();
    let env = Env::from_slice(&[]);
    let fs = Fs::from_slice(&[]);
    let rt = runtime()?;
    let parse = || -> Result<EnvConfigSections, String> {
        // `source::load` only copies the in-memory contents here (no file system, no await
        // point that waits); `EnvConfigSections::parse` is the parser and the merge.
        let source = rt
            .block_on(source::load(&env, &fs, &files))
            .map_err(|e| format!("cannot load {file}: {e}"))?;
        EnvConfigSections::parse(source).map_err(|e| format!("cannot parse {file}: {e}"))
    };
    let profiles = parse()?.profiles().count();
    let warmup = (iterations / 10).max(3);
    let mut samples = Vec::with_capacity(iterations);
    let mut cpu_start = None;
    for i in 0..warmup + iterations {
        if i == warmup {
            cpu_start = thread_cpu_time();
        }
        let start = Instant::now();
        let sections = parse()?;
        let elapsed = start.elapsed();
        // Freed outside the timed span, as in awscred's parse bench.
        drop(std::hint::black_box(sections));
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    // On-CPU time per parse (freeing included), as awscred's parse bench reports it.
    let cpu_ns = match (cpu_start, thread_cpu_time()) {
        (Some(start), Some(end)) => ((end - start).as_nanos() / iterations as u128).to_string(),
        _ => "null".to_owned(),
    };
    let extra = [
        ("bytes", text.len().to_string()),
        ("profiles", profiles.to_string()),
        ("cpu_ns", cpu_ns),
    ];
    println!("{}", json_line("sdk_parse", &mut samples, &extra));
    Ok(())
}

/// The calling thread's time on a CPU (`/proc/thread-self/schedstat`), immune to preemption.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        text.split_whitespace().next()?.parse().ok()?,
    ))
}

/// An error with its sources, `: `-separated (the SDK's Display shows only the outermost).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `{"bench":..,"iterations":..,"median_ns":..,"p99_ns":..,"min_ns":..,"max_ns":..,extra..}`: the
/// same shape awscred's benches print, so `cargo xtask bench` reads both alike.
fn json_line(bench: &str, samples: &mut [Duration], extra: &[(&str, String)]) -> String {
    samples.sort_unstable();
    let ns = |d: Duration| d.as_nanos();
    let pick = |q: f64| ns(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    let mut line = format!(
        "{{\"bench\":\"{bench}\",\"iterations\":{},\"median_ns\":{},\"p99_ns\":{},\"min_ns\":{},\"max_ns\":{}",
        samples.len(),
        pick(0.5),
        pick(0.99),
        ns(samples[0]),
        ns(samples[samples.len() - 1]),
    );
    for (key, value) in extra {
        line.push_str(&format!(",\"{key}\":{value}"));
    }
    line.push('}');
    line
}
