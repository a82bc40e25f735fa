//! `cargo xtask bench [--quick] [--runs N] [--no-docs]`: awscred's speed and footprint, side by side
//! with the official AWS SDK for Rust (`aws-config`, built by `xtask/sdk-compare`) and botocore
//! (the AWS CLI's engine), all measured in the same run so the ratios mean something on a shared,
//! noisy machine where absolute times do not carry over from one run to the next.
//!
//! Figures (see `docs/performance.md` for the latest numbers and how each is taken):
//! 1. whole-process resolution of a static profile;
//! 2. in-process cold resolution (static profile; cached three-role chain) and the whole-process
//!    three-role cache hit;
//! 3. time to a clear error with no credentials and a black-holed instance metadata endpoint;
//! 4. cached reads of the refresh cache under 1, 2 and 64 tasks, and fetches for 10,000 callers
//!    across an expiry;
//! 5. profile parser throughput on 10, 1,000 and 10,000 profiles;
//! 6. footprint: crates in the graph, clean release build times, binary size;
//! 7. `awscred serve` latency (median, p99) under 200 concurrent clients on a cached credential;
//! 8. a cache-miss AssumeRole, whole process, over TLS to a loopback fake trusted through a test
//!    CA.
//!
//! Output: a table on the terminal, `target/bench/results.json` (`results-quick.json` for
//! `--quick`), and, for a full run, `docs/performance.md`. A figure that cannot be measured (a
//! tier not written yet, a tool that failed) is reported as pending with the reason: never a
//! made-up number, never hidden. Nothing reaches the network but crates.io and PyPI while the
//! anchors are built; every endpoint the tools see is on 127.0.0.1.

mod build;
mod figures;
mod json;
mod proc;
mod report;
mod serve_latency;
mod tls_assume_role;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use self::build::*;
use self::json::Json;
use self::proc::{BlackHole, Tool};
use self::report::*;
use crate::quiet::{first_error, output_of, run_quiet};
use crate::{cargo, describe, root, target_dir};

const USAGE: &str = "usage: cargo xtask bench [--quick] [--runs N] [--no-docs]

  --quick     fewer runs and no clean builds (under 2 minutes once the anchors are built);
              writes target/bench/results-quick.json and leaves docs/performance.md alone
  --runs N    whole-process runs per tool (default 30; 10 with --quick)
  --no-docs   do not rewrite docs/performance.md after a full run";

/// The fixtures' static profile, its key id, the three-role profile and its cached key id
/// (written by `crates/chain/benches/resolve.rs --write-fixtures`, from awscred-testkit).
const STATIC_PROFILE: &str = "static";
const STATIC_KEY_ID: &str = "AKIDBENCHSTATIC00001";
const THREE_ROLE_PROFILE: &str = "role3";
const THREE_ROLE_KEY_ID: &str = "ASIABENCHROLE3000001";
const PARSER_SIZES: [usize; 3] = [10, 1_000, 10_000];

/// botocore resolving a profile in a fresh interpreter, as `aws configure export-credentials`
/// does; with a second argument it also gives the assume-role provider the CLI's JSON file cache
/// (`~/.aws/cli/cache`), as awscli's `assumerole` customization does.
const BOTOCORE_SCRIPT: &str = "\
import os, sys
import botocore.session
from botocore.utils import JSONFileCache
session = botocore.session.Session(profile=sys.argv[1] if sys.argv[1] != '-' else None)
if len(sys.argv) > 2:
    provider = session.get_component('credential_provider').get_provider('assume-role')
    provider.cache = JSONFileCache(os.path.expanduser(os.path.join('~', '.aws', 'cli', 'cache')))
creds = session.get_credentials()
if creds is None:
    sys.stderr.write('Unable to locate credentials. You can configure credentials by running \"aws configure\".\\n')
    sys.exit(253)
print(creds.get_frozen_credentials().access_key)
";

struct Options {
    quick: bool,
    runs: usize,
    docs: bool,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut options = Options {
        quick: false,
        runs: 0,
        docs: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--no-docs" => options.docs = false,
            "--runs" => {
                options.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    if options.runs == 0 {
        options.runs = if options.quick { 10 } else { 30 };
    }
    let started = Instant::now();
    let mut bench = Bench::new(options)?;
    bench.measure();
    bench.finish(started.elapsed())
}

/// Whether a figure meets its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Met,
    NotMet,
    Pending,
    /// A figure with no goal of its own (an anchor-only line, a baseline).
    Info,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "NOT MET",
            Status::Pending => "pending",
            Status::Info => "",
        }
    }

    fn of(met: bool) -> Status {
        if met { Status::Met } else { Status::NotMet }
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
struct Row {
    figure: String,
    awscred: String,
    sdk: String,
    botocore: String,
    ratio: String,
    goal: String,
    status: Status,
}

impl Row {
    fn new(figure: impl Into<String>) -> Self {
        Row {
            figure: figure.into(),
            awscred: String::new(),
            sdk: String::new(),
            botocore: String::new(),
            ratio: String::new(),
            goal: String::new(),
            status: Status::Info,
        }
    }

    fn to_json(&self) -> Json {
        obj(vec![
            ("figure", Json::Str(self.figure.clone())),
            ("awscred", Json::Str(self.awscred.clone())),
            ("aws_config", Json::Str(self.sdk.clone())),
            ("botocore", Json::Str(self.botocore.clone())),
            ("ratio", Json::Str(self.ratio.clone())),
            ("goal", Json::Str(self.goal.clone())),
            ("status", Json::Str(self.status.label().trim().to_owned())),
        ])
    }
}

/// Timings of one tool over repeated runs.
#[derive(Debug, Clone)]
struct Stats {
    runs: usize,
    median: Duration,
    min: Duration,
    max: Duration,
    p99: Duration,
}

impl Stats {
    fn of(samples: &[Duration]) -> Option<Stats> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        (!sorted.is_empty()).then(|| Stats {
            runs: sorted.len(),
            median: at(0.5),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            p99: at(0.99),
        })
    }

    /// From a bench program's JSON line.
    fn from_line(line: &Json) -> Option<Stats> {
        let ns = |key| line.num(key).map(|n| Duration::from_nanos(n as u64));
        Some(Stats {
            runs: line.num("iterations")? as usize,
            median: ns("median_ns")?,
            min: ns("min_ns")?,
            max: ns("max_ns")?,
            p99: ns("p99_ns")?,
        })
    }

    fn to_json(&self) -> Json {
        obj(vec![
            ("runs", Json::Num(self.runs as f64)),
            ("median_ns", Json::Num(self.median.as_nanos() as f64)),
            ("min_ns", Json::Num(self.min.as_nanos() as f64)),
            ("max_ns", Json::Num(self.max.as_nanos() as f64)),
            ("p99_ns", Json::Num(self.p99.as_nanos() as f64)),
        ])
    }

    /// `median (min–max)`.
    fn spread(&self) -> String {
        format!("{} ({}–{})", dur(self.median), dur(self.min), dur(self.max))
    }

    /// `median, p99`.
    fn median_p99(&self) -> String {
        format!("{} (p99 {})", dur(self.median), dur(self.p99))
    }
}

/// A measured figure for one tool, or why there is none.
type Outcome = Result<Stats, String>;

/// One figure's measurement.
type Step = fn(&mut Bench);

/// One parser figure.
#[derive(Debug, Clone)]
struct Parsed {
    /// Wall-clock time per parse.
    stats: Stats,
    bytes: f64,
    /// Profiles the parser found.
    profiles: f64,
    /// Mean on-CPU time per parse.
    cpu_ns: f64,
}

impl Parsed {
    fn read(tool: &Result<Tool, String>, bench: &str) -> Result<Parsed, String> {
        let lines = collect_lines(tool.as_ref().map_err(Clone::clone)?)?;
        let line = lines
            .iter()
            .find(|l| l.str("bench") == Some(bench))
            .ok_or("no figure printed")?;
        let stats = Stats::from_line(line).ok_or("unreadable figure")?;
        Ok(Parsed {
            bytes: line.num("bytes").ok_or("no byte count")?,
            profiles: line.num("profiles").ok_or("no profile count")?,
            // Without schedstat (not Linux), wall time is all there is.
            cpu_ns: line.num("cpu_ns").unwrap_or(stats.median.as_nanos() as f64),
            stats,
        })
    }

    /// MB (10^6 bytes) per second of on-CPU time.
    fn mb_per_s(&self) -> f64 {
        self.bytes / self.cpu_ns * 1e3
    }

    fn better(a: Result<Parsed, String>, b: Result<Parsed, String>) -> Result<Parsed, String> {
        match (a, b) {
            (Ok(a), Ok(b)) => Ok(if b.cpu_ns < a.cpu_ns { b } else { a }),
            (Ok(a), Err(_)) => Ok(a),
            (Err(_), b) => b,
        }
    }

    fn json(result: &Result<Parsed, String>) -> Json {
        match result {
            Ok(p) => {
                let mut json = p.stats.to_json();
                if let Json::Obj(members) = &mut json {
                    members.push(("bytes".into(), Json::Num(p.bytes)));
                    members.push(("profiles".into(), Json::Num(p.profiles)));
                    members.push(("cpu_ns_per_parse".into(), Json::Num(p.cpu_ns.round())));
                    members.push((
                        "mb_per_s".into(),
                        Json::Num((p.mb_per_s() * 10.0).round() / 10.0),
                    ));
                }
                json
            }
            Err(e) => obj(vec![("pending", Json::Str(e.clone()))]),
        }
    }
}

struct Bench {
    options: Options,
    out_dir: PathBuf,
    fixtures: PathBuf,
    rows: Vec<Row>,
    /// Everything measured, by figure, for the JSON file.
    data: Vec<(String, Json)>,
    notes: Vec<String>,
    heavy: Vec<String>,
    awscred: Result<PathBuf, String>,
    sdk: Result<PathBuf, String>,
    python: Result<PathBuf, String>,
    exes: Result<BTreeMap<String, PathBuf>, String>,
    load_start: String,
    /// What the resolve bench printed (figures 2 and 3).
    resolve_lines: Vec<Json>,
}

impl Bench {
    fn new(options: Options) -> Result<Self, String> {
        let out_dir = target_dir().join("bench");
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
        let fixtures = out_dir.join("fixtures");
        let load_start = loadavg();
        eprintln!("bench: building awscred, the bench programs and the anchors (release)...");
        let start = Instant::now();
        let awscred = build_awscred(options.quick);
        let (exes, features_note) = build_bench_programs();
        let sdk = build_sdk_compare();
        let python = find_python(&out_dir);
        eprintln!("bench:   ({:.1} s)", start.elapsed().as_secs_f64());
        let mut bench = Bench {
            options,
            out_dir,
            fixtures,
            rows: Vec::new(),
            data: Vec::new(),
            notes: Vec::new(),
            heavy: Vec::new(),
            awscred,
            sdk,
            python,
            exes,
            load_start,
            resolve_lines: Vec::new(),
        };
        if let Some(note) = features_note {
            bench.notes.push(note);
        }
        bench.write_fixtures();
        Ok(bench)
    }

    fn measure(&mut self) {
        let steps: [(&str, Step); 8] = [
            ("1/8 whole-process resolution", Bench::figure_whole_process),
            ("2/8 in-process cold resolution", Bench::figure_cold),
            (
                "3/8 time to a clear error (IMDS black-holed)",
                Bench::figure_error_time,
            ),
            ("4/8 refresh cache", Bench::figure_refresh),
            ("5/8 profile parser", Bench::figure_parser),
            ("6/8 footprint", Bench::figure_footprint),
            (
                "7/8 serve under 200 concurrent clients",
                Bench::figure_serve,
            ),
            (
                "8/8 AssumeRole cache miss over TLS",
                Bench::figure_tls_assume_role,
            ),
        ];
        for (label, step) in steps {
            eprintln!("bench: {label}...");
            let start = Instant::now();
            step(self);
            eprintln!("bench:   ({:.1} s)", start.elapsed().as_secs_f64());
        }
    }

    fn exe(&self, name: &str) -> Result<&PathBuf, String> {
        match &self.exes {
            Ok(exes) => exes
                .get(name)
                .ok_or_else(|| format!("the `{name}` bench of awscred-chain was not built")),
            Err(e) => Err(e.clone()),
        }
    }

    fn write_fixtures(&mut self) {
        let _ = std::fs::remove_dir_all(&self.fixtures);
        let result = self.exe("resolve").cloned().and_then(|exe| {
            let tool = Tool::new(exe, &["--write-fixtures", &self.fixtures.to_string_lossy()]);
            match tool.run()? {
                run if run.success => Ok(()),
                run => Err(format!("{} failed: {}", tool.describe(), run.stderr.trim())),
            }
        });
        if let Err(e) = result {
            self.notes
                .push(format!("fixtures could not be written: {e}"));
        }
    }

    fn home(&self, which: &str) -> String {
        self.fixtures.join(which).to_string_lossy().into_owned()
    }

    /// The environment every whole-process run gets: only HOME (the fixture), instance metadata
    /// off, and every AWS service endpoint on a closed loopback port, so a tool that would call
    /// out (a cache miss, say) fails at once instead of reaching the internet.
    fn base_env(&self, home: &str) -> Vec<(String, String)> {
        let closed = closed_port();
        vec![
            ("HOME".into(), home.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            (
                "AWS_ENDPOINT_URL".into(),
                format!("http://127.0.0.1:{closed}"),
            ),
            (
                "AWS_ENDPOINT_URL_STS".into(),
                format!("http://127.0.0.1:{closed}"),
            ),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    fn botocore(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        let python = self.python.clone()?;
        let mut all = vec!["-c", BOTOCORE_SCRIPT];
        all.extend_from_slice(args);
        Ok(Tool::new(python, &all).env(env))
    }

    fn awscred_tool(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        Ok(Tool::new(self.awscred.clone()?, args).env(env))
    }

    fn sdk_tool(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        Ok(Tool::new(self.sdk.clone()?, args).env(env))
    }

    fn record(&mut self, key: &str, value: Json) {
        self.data.push((key.to_owned(), value));
    }
}
