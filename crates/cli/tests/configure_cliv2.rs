//! `awscred configure` (its prompts and files), `set` / `get` with `--sso-session` and
//! `--services`, `list`, `list-profiles` and `import` against the AWS CLI v2's recorded answers
//! (`fixtures/configure_cliv2.json`, re-recorded by `record_configure_fixtures.sh`), and the
//! bad-input cases: an unparsable file is refused with its name and line and left alone; input
//! that ends during a prompt (as a closed stdin, or Ctrl-C) writes nothing.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use awscred_testkit::TempDir;
use serde_json::Value;

const CLI_V2: &str = include_str!("fixtures/configure_cliv2.json");

fn awscred(dir: &Path, args: &[String], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscred"))
        .env_clear()
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses before reading its input closes the pipe: the write may then fail
    // with EPIPE, which is not the test's concern (its answer and exit status are).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn list_list_profiles_and_import_answer_as_the_cli_v2() {
    let cases: Vec<Value> = serde_json::from_str(CLI_V2).unwrap();
    for case in &cases {
        let dir = TempDir::new("cfg-v2");
        let d = dir.path().to_str().unwrap();
        for (name, text) in case["before"].as_object().unwrap() {
            let path = dir.write(name, text.as_str().unwrap());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = path;
        }
        let args: Vec<String> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().replace("DIR", d))
            .collect();
        let stdin = case["stdin"].as_str().unwrap_or("");
        let out = awscred(dir.path(), &args, stdin.as_bytes());
        let label = args.join(" ");
        assert_eq!(
            out.status.code(),
            case["status"].as_i64().map(|c| c as i32),
            "{label}"
        );
        // Recorded on Linux: a file in the directory is `DIR/NAME` there, `DIR\NAME` here on
        // Windows (as the CLI on Windows writes it).
        let generalise = |text: &[u8]| {
            let text = String::from_utf8_lossy(text).replace(d, "DIR");
            if cfg!(windows) {
                text.replace("DIR\\", "DIR/")
            } else {
                text
            }
        };
        assert_eq!(
            generalise(&out.stdout),
            case["stdout"].as_str().unwrap(),
            "{label}"
        );
        let stderr = generalise(&out.stderr);
        let cli_stderr = case["stderr"]
            .as_str()
            .unwrap()
            .replace("aws: [", "awscred: [");
        assert_eq!(stderr, cli_stderr, "{label}");
        for (name, text) in case["after"].as_object().unwrap() {
            let ours = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(ours, text.as_str().unwrap(), "{label}: {name}");
        }
    }
}

#[test]
fn an_unparsable_file_is_refused_with_file_and_line_and_left_alone() {
    let dir = TempDir::new("cfg-bad");
    let text = "[default]\nregion = a\nthis line has no equals sign\n";
    let config = dir.write("config", text);
    let args = |a: &str| a.split(' ').map(str::to_owned).collect::<Vec<_>>();
    for command in [
        "configure set region b",
        "configure get region",
        "configure list",
    ] {
        let out = awscred(dir.path(), &args(command), b"");
        assert_eq!(out.status.code(), Some(255), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        let named = format!("Unable to parse config file: {}:3", config.display());
        assert!(err.contains(&named), "{command}: {err}");
        assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    }
    let out = awscred(dir.path(), &args("configure"), b"AKIANEW\nsecret\n\n\n");
    assert_eq!(out.status.code(), Some(255));
    assert!(!dir.path().join("credentials").exists(), "nothing written");
}

#[test]
fn input_ending_during_the_prompts_writes_nothing() {
    let dir = TempDir::new("cfg-eof");
    let args: Vec<String> = vec!["configure".into(), "--profile".into(), "p".into()];
    // Two answers, then the input ends at the region prompt.
    let out = awscred(dir.path(), &args, b"AKIANEWKEY\nsecret\n");
    assert_eq!(out.status.code(), Some(255));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.ends_with("Default region name [None]: "), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("EOF when reading a line"));
    assert!(!dir.path().join("credentials").exists());
    assert!(!dir.path().join("config").exists());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
    // The same answers in full write the CLI's files.
    let out = awscred(dir.path(), &args, b"AKIANEWKEY\nsecret\neu-west-1\n\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("credentials")).unwrap(),
        "[p]\naws_access_key_id = AKIANEWKEY\naws_secret_access_key = secret\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config")).unwrap(),
        "[profile p]\nregion = eu-west-1\n"
    );
    // Again: the current values are shown masked, and an empty answer keeps them.
    let out = awscred(dir.path(), &args, b"\n\n\njson\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "AWS Access Key ID [****************WKEY]: AWS Secret Access Key [************\
         ****cret]: Default region name [eu-west-1]: Default output format [None]: "
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config")).unwrap(),
        "[profile p]\nregion = eu-west-1\noutput = json\n"
    );
}

/// Ctrl-C at a prompt: the process ends by SIGINT, as the CLI ends (`KeyboardInterrupt`),
/// and nothing has been written, though the first answers were in.
#[cfg(unix)]
#[test]
fn sigint_during_a_prompt_writes_nothing() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

    let dir = TempDir::new("cfg-sigint");
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscred"))
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["configure", "--profile", "p"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"AKIANEWKEY\n").unwrap();
    // Wait (bounded) until the second prompt is shown: the first answer has been read.
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.ends_with(b"AWS Secret Access Key [None]: ") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the second prompt within 60 s");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "awscred did not end on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    assert_eq!(status.signal(), Some(2), "{status:?}");
    assert!(!dir.path().join(".aws").exists(), "nothing written");
}

/// `configure export-credentials` is `export-credentials`: same output, same failures.
#[test]
fn configure_export_credentials_is_export_credentials() {
    let dir = TempDir::new("cfg-export");
    dir.write(
        "credentials",
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n",
    );
    for args in [
        "--profile dev",
        "--profile dev --format env",
        "--profile dev --format powershell",
        "--profile nope",
        "--format nope",
    ] {
        let args: Vec<String> = args.split(' ').map(str::to_owned).collect();
        let plain: Vec<String> = std::iter::once("export-credentials".to_owned())
            .chain(args.iter().cloned())
            .collect();
        let aliased: Vec<String> = std::iter::once("configure".to_owned())
            .chain(plain.iter().cloned())
            .collect();
        let (a, b) = (
            awscred(dir.path(), &plain, b""),
            awscred(dir.path(), &aliased, b""),
        );
        assert_eq!(a.status.code(), b.status.code(), "{args:?}");
        assert_eq!(a.stdout, b.stdout, "{args:?}");
        if a.status.success() {
            assert!(String::from_utf8_lossy(&a.stdout).contains("AKIADEV"));
        } else {
            assert_eq!(a.stderr, b.stderr, "{args:?}");
        }
    }
}
