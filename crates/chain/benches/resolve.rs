//! In-process cold resolution: `cargo bench -p awscred-chain --all-features --bench resolve [-- --quick]`.
//!
//! Each iteration builds a new `Chain` for a home directory on disk and resolves it once (read
//! and parse the files, walk the tiers): what a short-lived program pays. Two profiles: static
//! keys in `~/.aws/credentials`, and a three-role chain whose top role is cached in
//! `~/.aws/cli/cache/` in the AWS CLI's format (no network). A profile the built chain cannot
//! resolve yet (the STS tier not in the chain, say) is reported as pending with the reason.
//!
//! It also counts the HTTP requests the IMDS tier makes against a loopback fake of instance
//! metadata: a first fetch (token, role name, credentials: 3) and a refresh that reuses the
//! cached IMDSv2 token (goal: 2).
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
    imds_requests();
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
            .profile_name(profile)
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

/// Requests to a loopback fake of instance metadata for a first fetch and for a refresh.
#[cfg(feature = "imds")]
fn imds_requests() {
    use std::sync::Arc;

    use awscred_core::ProvideCredentials;
    use awscred_core::http::HyperClient;
    use awscred_profile::{ProfileContext, ProfileSet};

    let name = "awscred_imds_requests";
    let server = match fake_imds::FakeImds::start() {
        Ok(server) => server,
        Err(e) => return println!("{}", bench::pending_line(name, &format!("fake IMDS: {e}"))),
    };
    let dir = TempDir::new("awscred-bench-imds");
    let home = dir
        .path()
        .to_str()
        .unwrap_or_else(|| fail("the temp path is not UTF-8"));
    let env = Env::from_vars([
        ("HOME", home),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            server.endpoint().as_str(),
        ),
    ]);
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::default()),
        "default".into(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}")));
    let provider = rt.block_on(async {
        awscred_imds::ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&env)))
    });
    let mut counts = Vec::new();
    for _ in 0..2 {
        let before = server.requests();
        if let Err(e) = rt.block_on(provider.provide_credentials()) {
            return println!("{}", bench::pending_line(name, &e.to_string()));
        }
        counts.push(server.requests() - before);
    }
    println!(
        "{{\"bench\":\"{name}\",\"first_fetch\":{},\"refresh\":{},\"token_requests\":{}}}",
        counts[0],
        counts[1],
        server.token_requests()
    );
}

#[cfg(not(feature = "imds"))]
fn imds_requests() {
    println!(
        "{}",
        bench::pending_line("awscred_imds_requests", "built without the `imds` feature")
    );
}

/// A loopback stand-in for instance metadata: one role, far-expiry credentials, every request
/// counted. HTTP/1.1 with `Connection: close`, one thread per connection.
#[cfg(feature = "imds")]
mod fake_imds {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub struct FakeImds {
        port: u16,
        requests: Arc<AtomicUsize>,
        tokens: Arc<AtomicUsize>,
    }

    impl FakeImds {
        pub fn start() -> std::io::Result<Self> {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let port = listener.local_addr()?.port();
            let requests = Arc::new(AtomicUsize::new(0));
            let tokens = Arc::new(AtomicUsize::new(0));
            let (r, t) = (requests.clone(), tokens.clone());
            // Lives until the bench process exits.
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (r, t) = (r.clone(), t.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, &r, &t);
                    });
                }
            });
            Ok(FakeImds {
                port,
                requests,
                tokens,
            })
        }

        pub fn endpoint(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        pub fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }

        pub fn token_requests(&self) -> usize {
            self.tokens.load(Ordering::SeqCst)
        }
    }

    fn serve(
        stream: TcpStream,
        requests: &AtomicUsize,
        tokens: &AtomicUsize,
    ) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut content_length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" {
                break;
            }
            if let Some((key, value)) = header.split_once(':')
                && key.eq_ignore_ascii_case("content-length")
            {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; content_length];
        std::io::Read::read_exact(&mut reader, &mut body)?;
        requests.fetch_add(1, Ordering::SeqCst);
        let mut words = request_line.split_whitespace();
        let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let (status, body) = match (method, path) {
            ("PUT", "/latest/api/token") => {
                tokens.fetch_add(1, Ordering::SeqCst);
                ("200 OK", "bench-imds-token".to_owned())
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") => ("200 OK", "bench-role".to_owned()),
            ("GET", "/latest/meta-data/iam/security-credentials/bench-role") => (
                "200 OK",
                concat!(
                    "{\"Code\":\"Success\",\"LastUpdated\":\"2026-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",",
                    "\"AccessKeyId\":\"ASIABENCHIMDS0000001\",\"SecretAccessKey\":\"benchImdsSecret\",",
                    "\"Token\":\"benchImdsToken\",\"Expiration\":\"2099-01-01T00:00:00Z\"}"
                )
                .to_owned(),
            ),
            _ => ("404 Not Found", String::new()),
        };
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        stream.flush()
    }
}
