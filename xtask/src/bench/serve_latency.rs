//! Figure 7: `awscred serve` under load. 200 clients at once, each sending requests one after
//! another (a new connection per request, as SDKs' container providers do), against a server
//! whose credentials are cached (the three-role fixture: the role's answer is in
//! `~/.aws/cli/cache`, STS on a closed port). Every answer must be a 200 with the role's key id;
//! the latency of each is measured from connect to the last byte.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};

use super::*;

/// Clients at once.
const CLIENTS: usize = 200;

impl Bench {
    pub(super) fn figure_serve(&mut self) {
        let requests = if self.options.quick { 10 } else { 50 };
        let outcome = self.serve_latencies(requests);
        let mut row = Row::new(format!(
            "7. serve: one request among {CLIENTS} concurrent clients, cached: median (p99)"
        ));
        row.awscred = show(&outcome, Stats::median_p99);
        row.ratio = "(no counterpart in the SDK or the CLI)".into();
        row.goal = "p99 ≤ 100 ms".into();
        row.status = goal_status(&outcome, |s| s.p99 <= Duration::from_millis(100));
        self.rows.push(row);
        self.record(
            "serve_latency",
            obj(vec![
                ("clients", Json::Num(CLIENTS as f64)),
                ("requests_per_client", Json::Num(requests as f64)),
                ("awscred", outcome_json(&outcome)),
            ]),
        );
    }

    fn serve_latencies(&self, requests: usize) -> Outcome {
        let env = self.base_env(&self.home("three-role-home"));
        let exe = self.awscred.clone()?;
        let mut child = Command::new(exe)
            .args(["serve", "--json", "--profile", THREE_ROLE_PROFILE])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start awscred serve: {e}"))?;
        let result = (|| {
            let mut line = String::new();
            let stdout = child.stdout.take().ok_or("no stdout")?;
            BufReader::new(stdout)
                .read_line(&mut line)
                .map_err(|e| format!("reading serve's line: {e}"))?;
            let doc = Json::parse(line.trim())
                .ok_or_else(|| format!("serve printed {line:?}, not its JSON line"))?;
            let uri = doc
                .str("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                .ok_or("no URI in serve's line")?;
            let token = doc
                .str("AWS_CONTAINER_AUTHORIZATION_TOKEN")
                .ok_or("no token in serve's line")?
                .to_owned();
            let port: u16 = uri
                .strip_prefix("http://127.0.0.1:")
                .and_then(|r| r.strip_suffix("/credentials"))
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("not a loopback URI: {uri}"))?;
            load(port, &token, requests)
        })();
        let _ = child.kill();
        let _ = child.wait();
        let samples = result?;
        Stats::of(&samples).ok_or_else(|| "no request was measured".into())
    }
}

/// [`CLIENTS`] threads, released together, each making `requests` requests; every latency, or
/// the first failure.
fn load(port: u16, token: &str, requests: usize) -> Result<Vec<Duration>, String> {
    let head = Arc::new(format!(
        "GET /credentials HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {token}\r\n\r\n"
    ));
    // One request first: the server's first answer also warms its caches.
    one(port, &head)?;
    let start = Arc::new(Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (head, start) = (head.clone(), start.clone());
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    start.wait();
                    (0..requests)
                        .map(|_| one(port, &head))
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(|e| format!("cannot start a client thread: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut all = Vec::with_capacity(CLIENTS * requests);
    for thread in threads {
        all.extend(thread.join().map_err(|_| "a client thread panicked")??);
    }
    Ok(all)
}

/// One request: connect, send, read to the end; its latency.
fn one(port: u16, head: &str) -> Result<Duration, String> {
    let start = Instant::now();
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(head.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut response = Vec::with_capacity(2048);
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read: {e}"))?;
    let elapsed = start.elapsed();
    let text = String::from_utf8_lossy(&response);
    if !text.starts_with("HTTP/1.1 200 ") || !text.contains(THREE_ROLE_KEY_ID) {
        return Err(format!(
            "serve answered {:?}",
            text.lines().next().unwrap_or("nothing")
        ));
    }
    Ok(elapsed)
}
