//! `awscred login` / `awscred logout` end to end: the real binary against the loopback sign-in
//! fake, the browser played by a `BROWSER` command (as the CLI's `webbrowser` honours it) or by
//! the test reading the `--remote` URL and pasting the code back; the session it writes is then
//! refreshed by botocore (awscrt signing with the key awscred made) and by awscred's existing
//! `login_session` path.

// Unix only: botocore with awscrt (Python), which reads the session back, runs on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use awscred_testkit::signin_fake::{self, SigninFake};
use common::*;

fn home(fake: &SigninFake) -> Home {
    Home::new()
        .env("AWS_ENDPOINT_URL_SIGNIN", &fake.url())
        .env("AWS_REGION", "us-west-2")
}

fn token_files(home: &Home) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(home.dir.path().join(".aws/login/cache"))
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default()
}

fn config(home: &Home) -> String {
    std::fs::read_to_string(home.dir.path().join(".aws/config")).unwrap_or_default()
}

const SESSION: &str = "arn:aws:sts::012345678901:assumed-role/Admin/admin";

/// A browser for `BROWSER`: fetches the URL it is given, following redirects.
fn browser_command(home: &Home) -> String {
    let script = home.dir.path().join("browser.py");
    std::fs::write(
        &script,
        "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=30).read()\n",
    )
    .unwrap();
    format!(
        "{} {}",
        awscred_testkit::python().display(),
        script.display()
    )
}

#[test]
fn browser_login_then_refresh_then_botocore_then_logout() {
    let fake = SigninFake::start();
    // Credentials that expire within the refresh window, so the first use refreshes them.
    fake.set_expires_in(120);
    let before = "# mine\n[profile dev]\nregion = eu-west-1\n";
    let home = home(&fake).file(".aws/config", before);
    let home = {
        let browser = browser_command(&home);
        home.env("BROWSER", &browser)
    };
    let out = home.run(&["login", "--profile", "dev", "--debug"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    // No credential, refresh token, code or key is printed or logged.
    for secret in [
        "ASIASIGNIN",
        "signinSecret",
        "signinSession",
        "signin-refresh-",
        "signin-auth-code-",
        "PRIVATE KEY",
    ] {
        assert!(
            !text.contains(secret) && !stderr(&out).contains(secret),
            "{secret}"
        );
    }
    assert!(
        text.starts_with(
            "Attempting to open your default browser. If the browser does not open, open the \
             following URL.\nIf you are unable to open the URL on this device, run this command \
             again with the '--remote' option.\n\n"
        ),
        "{text}"
    );
    assert!(text.contains(&format!("{}/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=", fake.url())), "{text}");
    assert!(
        text.ends_with(&format!(
            "\nUpdated profile dev to use {SESSION} credentials.\nUse \"--profile dev\" to use \
             the new credentials, such as \"aws sts get-caller-identity --profile dev\"\n"
        )),
        "{text}"
    );
    // AWS_REGION was set: no region prompt, and no region written.
    assert_eq!(
        config(&home),
        format!("{before}login_session = {SESSION}\n")
    );
    let files = token_files(&home);
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(doc["accessToken"]["accessKeyId"], "ASIASIGNIN1");
    assert_eq!(doc["accessToken"]["accountId"], "012345678901");
    assert_eq!(doc["clientId"], "arn:aws:signin:::devtools/same-device");
    assert!(
        doc["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );

    // botocore (awscrt signing the DPoP proof with the key awscred made) refreshes the session
    // awscred wrote: 2 minutes left is inside the 5-minute window; the fake checks the proof
    // against the key the refresh token is bound to.
    let script = r#"
import sys, botocore.session
c = botocore.session.Session(profile="dev").get_credentials().get_frozen_credentials()
print(c.access_key)
"#;
    let out = std::process::Command::new(awscred_testkit::python())
        .env_clear()
        .env("HOME", home.dir.path())
        .env("AWS_ENDPOINT_URL_SIGNIN", fake.url())
        .env("AWS_REGION", "us-west-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["-c", script])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "ASIASIGNIN2");
    assert_eq!(fake.issued(), 2);

    // Then awscred's existing refresh path, on the file botocore rewrote.
    fake.set_expires_in(900);
    let out = home.run(&["export-credentials", "--profile", "dev"]);
    assert_code(&out, 0);
    let exported: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
    assert_eq!(exported["AccessKeyId"], "ASIASIGNIN3");
    assert_eq!(fake.issued(), 3);
    // Fresh now: read as it is, by both.
    let out = home.run(&["export-credentials", "--profile", "dev"]);
    assert!(stdout(&out).contains("ASIASIGNIN3"), "{}", stdout(&out));
    assert_eq!(fake.issued(), 3);

    let out = home.run(&["logout", "--profile", "dev"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        "Removed cached login credentials for profile 'dev'. Note, any local developer tools \
         that have already loaded the access token may continue to use it until its expiration. \
         Access tokens expire in 15 minutes.\n"
    );
    assert!(token_files(&home).is_empty());
    let out = home.run(&["logout", "--profile", "other"]);
    assert_code(&out, 0);
    assert_eq!(
        stderr(&out),
        "warning: no login session found for profile 'other'\n"
    );
}

/// Runs `awscred ARGS` (a `--remote` login), answers `before` first, plays the user at the
/// browser when the URL shows, pastes the code, then answers `after`. Returns the exit status
/// and everything printed.
fn remote_login(home: &Home, args: &[&str], before: &str, after: &str) -> (Option<i32>, String) {
    let mut child = home
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(before.as_bytes()).unwrap();
    let stdout_pipe = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = String::new();
        let mut reader = BufReader::new(stdout_pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if line.contains("/v1/authorize?") {
                tx.send(line.trim().to_owned()).unwrap();
            }
            seen.push_str(&line);
            line.clear();
        }
        seen
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the URL is printed");
    assert!(url.contains("devtools%2Fcross-device"), "{url}");
    let (status, page) = signin_fake::browser_sign_in(&url);
    assert_eq!(status, 200);
    let code = signin_fake::verification_code(&page).expect("the page shows a code");
    stdin
        .write_all(format!("{code}\n{after}").as_bytes())
        .unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    (status.code(), reader.join().unwrap())
}

#[test]
fn remote_login_with_the_code_pasted_back_and_a_region_prompt() {
    let fake = SigninFake::start();
    let home = Home::new().env("AWS_ENDPOINT_URL_SIGNIN", &fake.url());
    // The region question first (no region anywhere): Enter takes the default.
    let (status, text) = remote_login(&home, &["login", "--remote"], "\n", "");
    assert_eq!(status, Some(0), "{text}");
    assert!(
        text.starts_with("No AWS region has been configured."),
        "{text}"
    );
    assert!(text.contains("AWS Region [us-east-1]: \nBrowser will not be automatically opened.\nPlease visit the following URL:\n\n"), "{text}");
    assert!(
        text.contains("\nEnter the authorization code displayed in your browser: "),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "\nUpdated profile default to use {SESSION} credentials.\n"
        )),
        "{text}"
    );
    // The region asked for is written with the session.
    assert_eq!(
        config(&home),
        format!("[default]\nlogin_session = {SESSION}\nregion = us-east-1\n")
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&token_files(&home)[0]).unwrap()).unwrap();
    assert_eq!(doc["clientId"], "arn:aws:signin:::devtools/cross-device");
    let out = home.run(&["export-credentials"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("ASIASIGNIN1"), "{}", stdout(&out));
}

#[test]
fn another_session_is_replaced_only_when_the_user_says_so() {
    let fake = SigninFake::start();
    let before = "[profile dev]\nlogin_session = arn:aws:iam::111122223333:user/old\n";
    let home = home(&fake).file(".aws/config", before);
    let question = format!(
        "\nProfile dev is already configured to use session \
         arn:aws:iam::111122223333:user/old. Do you want to overwrite it to use {SESSION} \
         instead? (y/n): "
    );
    let args = ["login", "--remote", "--profile", "dev"];
    // "maybe" is asked again; "n" leaves everything as it was.
    let (status, text) = remote_login(&home, &args, "", "maybe\nn\n");
    assert_eq!(status, Some(0), "{text}");
    assert_eq!(text.matches(&question).count(), 2, "{text}");
    assert!(!text.contains("Updated profile"), "{text}");
    assert_eq!(config(&home), before);
    assert!(token_files(&home).is_empty());
    let (status, text) = remote_login(&home, &args, "", "YES\n");
    assert_eq!(status, Some(0), "{text}");
    assert_eq!(
        config(&home),
        format!("[profile dev]\nlogin_session = {SESSION}\n")
    );
    assert_eq!(token_files(&home).len(), 1);

    // logout --all removes `aws login` tokens only.
    let other = home.dir.path().join(".aws/login/cache/not-a-token.json");
    std::fs::write(&other, r#"{"accessToken": "a string"}"#).unwrap();
    let out = home.run(&["logout", "--all"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        "Removed 1 cached login credential. Note, any local developer tools that have already \
         loaded access tokens may continue to use them until their expiration. Access tokens \
         expire in 15 minutes.\n"
    );
    assert_eq!(token_files(&home), [other]);
    let out = home.run(&["logout", "--all"]);
    assert_eq!(stdout(&out), "No cached login session tokens found.\n");
}

#[test]
fn refusals_and_bad_input_write_nothing() {
    let fake = SigninFake::start();
    let before = "[profile keys]\naws_access_key_id = AKIA\n";
    let home = home(&fake).file(".aws/config", before);
    let out = home.run(&["login", "--profile", "keys"]);
    assert_code(&out, 253);
    assert!(
        stderr(&out).contains("Profile 'keys' is already configured with Access Key credentials."),
        "{}",
        stderr(&out)
    );
    assert_eq!(config(&home), before);

    // A pasted code that is not one: the CLI's message, nothing written.
    let out = home.run_with_input(&["login", "--remote", "--profile", "new"], "abc\n");
    assert_code(&out, 255);
    assert!(
        stderr(&out).contains("Failed to decode the verification code."),
        "{}",
        stderr(&out)
    );
    assert_eq!(config(&home), before);
    assert!(token_files(&home).is_empty());

    // An unparsable config: refused with its file and line, left alone.
    let broken = "[profile x]\nnot ini at all\n";
    let home = self::home(&fake).file(".aws/config", broken);
    let out = home.run(&["login", "--profile", "x"]);
    assert_code(&out, 255);
    assert!(stderr(&out).contains("config:2"), "{}", stderr(&out));
    assert_eq!(config(&home), broken);
}

#[cfg(unix)]
#[test]
fn ctrl_c_at_a_question_writes_nothing() {
    let fake = SigninFake::start();
    let before = "[profile dev]\n";
    let home = Home::new()
        .env("AWS_ENDPOINT_URL_SIGNIN", &fake.url())
        .file(".aws/config", before);
    for (args, question) in [
        (
            &["login", "--profile", "dev"][..],
            "AWS Region [us-east-1]: ",
        ),
        (
            &[
                "login",
                "--profile",
                "dev",
                "--region",
                "eu-west-1",
                "--remote",
            ][..],
            "Enter the authorization code displayed in your browser: ",
        ),
    ] {
        let run = pty(
            &home,
            args,
            serde_json::json!([{"expect": question}, {"send": "\u{3}"}]),
        );
        assert_eq!(run.failed, serde_json::Value::Null, "{}", run.transcript);
        assert_eq!(run.status, -2, "{}", run.transcript);
        assert_eq!(config(&home), before);
        assert!(token_files(&home).is_empty());
    }
}
