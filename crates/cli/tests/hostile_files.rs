//! Hostile files and settings at every path the `awscred` binary reads, through the real binary:
//! special files (a FIFO, `/dev/zero`, a directory) and oversized files at the config and
//! credentials files, an SSO token, the web-identity token and the container token file; hostile
//! lock files; a dead writer's leftover temporary file; a CR/LF in a cached SSO token; `HOME`
//! that is a file; container URIs that would leave the host. Every run must end within its
//! bound, and the peak memory of every child (`getrusage(RUSAGE_CHILDREN)`) stays under 64 MiB.

// Unix only: the hostile files are Unix special files (FIFOs, `/dev/zero`, symbolic links) and
// the memory bound is read with getrusage, neither of which Windows has.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use awscred_testkit::ecs_fake::FakeContainerEndpoint;
use awscred_testkit::hostile::{Scenario, StsMode, sso_session_key};
use common::Home;

/// The peak memory any hostile run may reach.
const PEAK_LIMIT_KIB: i64 = 64 * 1024;
/// Every hostile run ends within this (they end at once; the bound is for a loaded machine).
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// Runs `cmd` to its end, killing it past [`RUN_LIMIT`] (a failure).
fn bounded(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awscred starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    assert_peak_memory(what);
    out
}

/// The largest peak resident size of any child of this test process so far.
fn assert_peak_memory(what: &str) {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Kilobytes on Linux.
    let peak = usage.max_rss();
    eprintln!("{what}: peak {peak} KiB");
    assert!(
        peak < PEAK_LIMIT_KIB,
        "{what}: a child peaked at {peak} KiB (limit {PEAK_LIMIT_KIB} KiB)"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

/// A sparse file of `len` bytes: no disk used, every byte read.
fn sparse(path: &Path, len: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

fn export(home: &Home, what: &str) -> Output {
    bounded(home.command(&["export-credentials"]), what)
}

fn scenario_command(s: &Scenario, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    cmd.env_clear().envs(s.all_vars());
    if let Some(p) = &s.profile {
        cmd.args(["--profile", p]);
    }
    cmd.args(args);
    cmd
}

/// A home holding a FIFO and a sparse 100 MB file called `big`.
fn fifo_and_big_file(big: &str) -> (Home, PathBuf, PathBuf) {
    let home = Home::new();
    let fifo = home.dir.path().join("fifo");
    mkfifo(&fifo);
    let big = home.dir.path().join(big);
    sparse(&big, 100 * 1024 * 1024);
    (home, fifo, big)
}

#[test]
fn special_and_oversized_config_files_are_refused_at_once() {
    let (home, fifo, big) = fifo_and_big_file("big");
    let dir = home.dir.path().join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &Path, String); 5] = [
        (
            "AWS_CONFIG_FILE",
            Path::new("/dev/zero"),
            "/dev/zero is a character device, not a regular file".into(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            Path::new("/dev/zero"),
            "/dev/zero is a character device, not a regular file".into(),
        ),
        (
            "AWS_CONFIG_FILE",
            &fifo,
            format!("{} is a FIFO, not a regular file", fifo.display()),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            &dir,
            format!("{} is a directory, not a regular file", dir.display()),
        ),
        (
            "AWS_CONFIG_FILE",
            &big,
            format!("{}: the file is larger than 16 MiB", big.display()),
        ),
    ];
    for (var, path, message) in cases {
        let home = Home::new().env(var, path.to_str().unwrap());
        let out = export(&home, var);
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{var}={}", path.display());
        assert!(stderr.contains(&message), "{var}: {stderr}");
    }
}

#[test]
fn special_and_oversized_token_files_are_refused_before_any_request() {
    let (_home, fifo, big) = fifo_and_big_file("big.jwt");
    // The web-identity token: never read past 64 KiB, never sent.
    for (path, message) in [
        (
            Path::new("/dev/zero"),
            "/dev/zero is a character device".to_owned(),
        ),
        (&fifo, format!("{} is a FIFO", fifo.display())),
        (
            &big,
            format!(
                "{} is larger than 64 KiB, the limit for a token file",
                big.display()
            ),
        ),
    ] {
        let mut s = Scenario::web_identity(StsMode::Ok);
        s.vars.retain(|(n, _)| n != "AWS_WEB_IDENTITY_TOKEN_FILE");
        s.vars.push((
            "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
            path.display().to_string(),
        ));
        let out = bounded(
            scenario_command(&s, &["export-credentials"]),
            "web identity",
        );
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0));
        assert!(stderr.contains(&message), "{stderr}");
    }
    // The container authorization token file: refused, and the endpoint never asked.
    for (path, message) in [
        (
            Path::new("/dev/zero"),
            "/dev/zero is a character device".to_owned(),
        ),
        (&fifo, format!("{} is a FIFO", fifo.display())),
        (&big, format!("{} is larger than 64 KiB", big.display())),
    ] {
        let fake = FakeContainerEndpoint::start();
        let home = Home::new()
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &fake.full_uri())
            .env(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                path.to_str().unwrap(),
            );
        let out = export(&home, "container token file");
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0));
        assert!(stderr.contains(&message), "{stderr}");
        assert!(fake.requests().is_empty(), "nothing sent");
    }
    // The SSO token cache file.
    for make in [mkfifo as fn(&Path), |p: &Path| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", p).unwrap();
    }] {
        let s = Scenario::sso_refresh(false);
        let token = s
            .home
            .path()
            .join(format!(".aws/sso/cache/{}.json", sso_session_key()));
        std::fs::remove_file(&token).unwrap();
        make(&token);
        let out = bounded(scenario_command(&s, &["export-credentials"]), "sso token");
        let stderr = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0));
        assert!(
            stderr.contains(&token.display().to_string()) && stderr.contains("not a regular file"),
            "{stderr}"
        );
    }
}

/// The role cache file of a scenario, after one successful run.
fn role_cache_file(s: &Scenario) -> PathBuf {
    let out = bounded(scenario_command(s, &["export-credentials"]), "first run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = s.home.path().join(".aws/cli/cache");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names.into_iter().next().unwrap()
}

#[test]
fn hostile_locks_neither_hang_nor_exhaust_memory_nor_make_anyone_wait() {
    let future = |p: &Path| {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        std::fs::write(p, format!("{} 1 another-host", secs + 86_400)).unwrap();
    };
    type Make = Box<dyn Fn(&Path)>;
    let locks: Vec<(&str, Make)> = vec![
        ("a FIFO", Box::new(|p: &Path| mkfifo(p))),
        (
            "a link to /dev/zero",
            Box::new(|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
        ),
        ("a time in the future", Box::new(future)),
    ];
    for (what, make) in locks {
        let s = Scenario::assume_role(StsMode::Ok);
        let cache = role_cache_file(&s);
        std::fs::remove_file(&cache).unwrap();
        let mut lock = cache.clone().into_os_string();
        lock.push(".lock");
        make(Path::new(&lock));
        let mut cmd = scenario_command(&s, &["export-credentials"]);
        cmd.env("AWSCRED_LOG", "debug");
        let out = bounded(cmd, what);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
        assert!(
            stderr.contains("taking over a stale lock") && !stderr.contains("gave up waiting"),
            "{what}: {stderr}"
        );
        assert!(cache.exists(), "{what}: the entry is stored");
        assert!(!Path::new(&lock).exists(), "{what}: the lock is gone");
    }
    // A FIFO at the cache file itself: a miss, and replaced by the entry.
    let s = Scenario::assume_role(StsMode::Ok);
    let cache = role_cache_file(&s);
    std::fs::remove_file(&cache).unwrap();
    mkfifo(&cache);
    let out = bounded(scenario_command(&s, &["export-credentials"]), "cache FIFO");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::metadata(&cache).unwrap().is_file());
}

#[test]
fn a_dead_writers_temporary_file_is_removed_by_the_next_write() {
    let s = Scenario::assume_role(StsMode::Ok);
    let cache = role_cache_file(&s);
    let dir = cache.parent().unwrap();
    let name = cache.file_name().unwrap().to_str().unwrap();
    std::fs::remove_file(&cache).unwrap();
    let mut ended = Command::new("true").spawn().unwrap();
    ended.wait().unwrap();
    let old = SystemTime::now() - Duration::from_secs(60);
    let plant = |pid: u32| {
        let path = dir.join(format!(".{name}.{pid}.0.tmp"));
        std::fs::write(&path, "{\"Credentials\": \"complete credentials\"}").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        path
    };
    let dead = plant(ended.id());
    let live = plant(std::process::id());
    let out = bounded(scenario_command(&s, &["export-credentials"]), "rewrite");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dead.exists(), "the dead writer's secrets are gone");
    assert!(live.exists(), "a live writer's file is left alone");
}

#[test]
fn a_line_break_in_a_cached_sso_token_names_the_token_file() {
    let s = Scenario::sso_refresh(false);
    let token = s
        .home
        .path()
        .join(format!(".aws/sso/cache/{}.json", sso_session_key()));
    std::fs::write(
        &token,
        serde_json::json!({
            "startUrl": "https://d-hard.awsapps.com/start", "region": "us-east-1",
            "accessToken": "abc\r\nX-Injected: 1", "expiresAt": "2199-01-01T00:00:00Z",
        })
        .to_string(),
    )
    .unwrap();
    let out = bounded(scenario_command(&s, &["export-credentials"]), "CR/LF token");
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains(&token.display().to_string())
            && stderr.contains("`accessToken` holds a control character")
            && !stderr.contains("portal endpoint"),
        "{stderr}"
    );
}

#[test]
fn home_that_is_a_file_is_a_home_without_files_as_in_the_cli() {
    // The CLI (`HOME=/dev/null`, `AWS_CONFIG_FILE` set): the default credentials file under a
    // file is simply not there.
    let config = Home::new();
    let config_path = config
        .dir
        .write("config", "[default]\nregion = us-east-1\n");
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
        cmd.env_clear()
            .env("HOME", "/dev/null")
            .env("AWS_CONFIG_FILE", &config_path)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(extra.iter().copied())
            .arg("export-credentials");
        bounded(cmd, "HOME=/dev/null")
    };
    let out = run(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "SEC"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(253), "{stderr}");
    assert!(
        stderr.contains("Unable to retrieve credentials") && !stderr.contains("Not a directory"),
        "{stderr}"
    );
}

#[test]
fn container_uris_that_would_leave_the_host_are_refused() {
    let fake = FakeContainerEndpoint::start();
    let port = fake.port();
    for (var, value, message) in [
        (
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            format!("@127.0.0.1:{port}/v1/credentials"),
            "must be a path".to_owned(),
        ),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://[::ffff:127.0.0.1]:{port}/v1/credentials"),
            "Unsupported host '::ffff:127.0.0.1'".to_owned(),
        ),
    ] {
        let home = Home::new()
            .env(var, &value)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token");
        let out = export(&home, var);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(253), "{var}: {stderr}");
        assert!(stderr.contains(&message), "{var}: {stderr}");
    }
    assert!(fake.requests().is_empty(), "the token went nowhere");
}

#[test]
fn hostile_endpoints_and_processes_stay_small_and_end_within_their_bounds() {
    use awscred_testkit::fake_http::{FakeServer, Reply};
    use awscred_testkit::imds_fake::FakeImds;
    let huge = || vec![b'x'; 2 * 1024 * 1024];
    // STS answering 2 MiB (twice the cap).
    let sts = FakeServer::start(move |_| Reply::ok(huge()).with_header("content-type", "text/xml"));
    let home = Home::new()
        .file(
            ".aws/credentials",
            "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n",
        )
        .file(
            ".aws/config",
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
             region = us-east-1\n\n[profile proc]\ncredential_process = sh -c \"head -c 100000000 /dev/zero\"\n",
        )
        .env("AWS_ENDPOINT_URL_STS", &sts.url());
    let out = bounded(
        home.command(&["export-credentials", "--profile", "role"]),
        "STS 2 MiB",
    );
    assert!(
        text(&out.stderr).contains("the body exceeds 1048576 bytes"),
        "{}",
        text(&out.stderr)
    );
    // A credential process printing 100 MB.
    let out = bounded(
        home.command(&["export-credentials", "--profile", "proc"]),
        "process 100 MB",
    );
    assert!(
        text(&out.stderr).contains("printed more than 1048576 bytes"),
        "{}",
        text(&out.stderr)
    );
    // The container endpoint: 2 MiB, then a trickle (3 attempts of 2 s).
    for (what, reply) in [
        ("container 2 MiB", Reply::ok(huge())),
        (
            "container trickle",
            Reply::Trickle {
                status: 200,
                body: huge(),
                every: Duration::from_millis(500),
            },
        ),
    ] {
        let fake = FakeContainerEndpoint::start();
        fake.always(Some(reply));
        let home = Home::new().env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &fake.full_uri());
        let out = export(&home, what);
        assert_eq!(
            out.status.code(),
            Some(253),
            "{what}: {}",
            text(&out.stderr)
        );
    }
    // Instance metadata: a 2 MiB credentials document.
    let imds = FakeImds::start();
    imds.set_document("test-role", &String::from_utf8(huge()).unwrap());
    let home = Home::new()
        .env("AWS_EC2_METADATA_DISABLED", "false")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint());
    let out = export(&home, "IMDS 2 MiB");
    assert_eq!(out.status.code(), Some(253), "{}", text(&out.stderr));
}
