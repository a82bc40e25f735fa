//! Profile parser throughput: `cargo bench -p awscred-chain --bench parse [-- --quick | FILE ITERATIONS]`.
//!
//! Without arguments it parses generated config files of 10, 1,000 and 10,000 profiles
//! (`awscred_testkit::bench::profiles_config`); with `FILE ITERATIONS` it parses that file, which is
//! how `cargo xtask bench` hands the very same bytes to awscred and to the AWS SDK's parser. Each
//! iteration is `ProfileSet::try_parse` on text already in memory (parse, merge, index): no file
//! system. Prints one JSON line per file (median per parse; MB/s = bytes / median).

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use awscred_profile::ProfileSet;
use awscred_testkit::bench::{Samples, profiles_config, thread_cpu_time};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    match positional.as_slice() {
        [] => {
            for (profiles, iterations) in [(10, 20_000), (1_000, 300), (10_000, 30)] {
                let iterations = if quick { iterations / 10 } else { iterations };
                let text = profiles_config(profiles);
                bench(Path::new("generated.ini"), &text, iterations);
            }
        }
        [file, iterations] => {
            let text = std::fs::read_to_string(file)
                .unwrap_or_else(|e| fail(&format!("cannot read {file}: {e}")));
            let iterations = match iterations.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => fail(&format!(
                    "iterations must be a positive number, not {iterations:?}"
                )),
            };
            bench(Path::new(file.as_str()), &text, iterations);
        }
        _ => fail("usage: parse [--quick] | parse FILE ITERATIONS"),
    }
}

fn bench(path: &Path, text: &str, iterations: usize) {
    let parse = || {
        ProfileSet::try_parse(Some((path, text)), None)
            .unwrap_or_else(|e| fail(&format!("{} does not parse: {e}", path.display())))
    };
    let profiles = parse().profile_names().len();
    for _ in 0..(iterations / 10).max(3) {
        black_box(parse());
    }
    let mut samples = Samples::with_capacity(iterations);
    let cpu_start = thread_cpu_time();
    for _ in 0..iterations {
        let start = Instant::now();
        let set = parse();
        samples.push(start.elapsed());
        // Dropped outside the timed span on both sides of the comparison: the SDK's bench
        // (xtask/sdk-compare) times the same way, so neither pays for freeing in the figure.
        drop(black_box(set));
    }
    // On-CPU time per parse (freeing included), immune to preemption by other processes.
    let cpu_ns = match (cpu_start, thread_cpu_time()) {
        (Some(start), Some(end)) => ((end - start).as_nanos() / iterations as u128).to_string(),
        _ => "null".to_owned(),
    };
    let extra = [
        ("bytes", text.len().to_string()),
        ("profiles", profiles.to_string()),
        ("cpu_ns", cpu_ns),
    ];
    println!("{}", samples.json_line("awscred_parse", &extra));
}

fn fail(message: &str) -> ! {
    eprintln!("parse bench: {message}");
    std::process::exit(1)
}
