//! `awscred console`, end to end: the real binary against the loopback federation fake (and moto
//! for GetFederationToken), the printed URL parsed and checked, then followed at the fake.

// Unix only: moto (Python) and the stand-in browser script run on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use awscred_testkit::federation_fake::FederationFake;
use awscred_testkit::moto::MotoServer;
use common::*;

fn home(fake: &FederationFake) -> Home {
    Home::new()
        .with_dev_profile()
        .env("AWSCRED_FEDERATION_ENDPOINT", &fake.url())
}

fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The URL's base and its decoded query parameters.
fn parse(url: &str) -> (String, Vec<(String, String)>) {
    let (base, query) = url.trim().split_once('?').expect("a query");
    let params = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), decode(v))
        })
        .collect();
    (base.to_owned(), params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {params:?}"))
}

/// Follows `url` (at the fake) and returns the status and `location`.
fn follow(url: &str) -> (u16, String) {
    let rest = url.trim().strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    // The fake keeps the connection open: read the head and the `Content-Length` body only.
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    let raw = loop {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the connection closed before the response ended");
        raw.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                break head.to_owned();
            }
        }
    };
    let status = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = raw
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("location:")
                .map(|_| l[9..].trim().to_owned())
        })
        .unwrap_or_default();
    (status, location)
}

#[test]
fn role_credentials_give_a_login_url_for_the_service_and_region() {
    let fake = FederationFake::start();
    fake.accept("ASIADEV", SECRET, TOKEN, false);
    let home = home(&fake).env("AWSCRED_LOG", "trace");
    let out = home.run(&[
        "console",
        "--profile",
        "dev",
        "--print",
        "--service",
        "s3",
        "--region",
        "us-west-2",
        "--duration",
        "2h",
    ]);
    assert_code(&out, 0);
    let issued = fake.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].access_key_id, "ASIADEV");
    assert_eq!(issued[0].session_duration, Some(7200));
    assert!(
        issued[0].posted,
        "the credentials go in a POST body, not a URL"
    );

    let (base, params) = parse(stdout(&out));
    assert_eq!(base, fake.url());
    assert_eq!(param(&params, "Action"), "login");
    assert_eq!(param(&params, "Issuer"), "awscred");
    let destination = "https://us-west-2.console.aws.amazon.com/s3/home?region=us-west-2";
    assert_eq!(param(&params, "Destination"), destination);
    assert_eq!(param(&params, "SigninToken"), issued[0].token);

    // Logs at trace level hold neither the credentials nor the token nor the URL.
    let log = stderr(&out);
    assert!(log.contains("console sign-in URL made"), "{log}");
    for secret in [SECRET, TOKEN, issued[0].token.as_str(), "SigninToken"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }

    // The URL signs in: the fake redirects to the destination, once.
    assert_eq!(follow(stdout(&out)), (302, destination.to_owned()));
    assert_eq!(follow(stdout(&out)).0, 400);
}

#[test]
fn the_profile_region_and_default_page_are_used() {
    let fake = FederationFake::start();
    fake.accept("ASIADEV", SECRET, TOKEN, false);
    let out = home(&fake).run(&["console", "--profile", "dev", "--print"]);
    assert_code(&out, 0);
    let (_, params) = parse(stdout(&out));
    assert_eq!(
        param(&params, "Destination"),
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    );
    assert_eq!(fake.issued()[0].session_duration, None);
}

#[test]
fn long_term_keys_go_through_get_federation_token() {
    let moto = MotoServer::start();
    let out = moto.run_python(
        "import boto3\niam = boto3.client('iam')\niam.create_user(UserName='u')\n\
         k = iam.create_access_key(UserName='u')['AccessKey']\n\
         iam.put_user_policy(UserName='u', PolicyName='sts', PolicyDocument='{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:*\", \"Resource\": \"*\"}]}')\n\
         print(k['AccessKeyId']); print(k['SecretAccessKey'])",
    );
    let mut lines = out.lines();
    let (id, secret) = (lines.next().unwrap(), lines.next().unwrap());
    moto.enable_auth();
    let fake = FederationFake::start();
    fake.accept_any();
    let home = Home::new()
        .file(
            ".aws/credentials",
            &format!("[keys]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        )
        .env("AWSCRED_FEDERATION_ENDPOINT", &fake.url())
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
        .env("AWSCRED_LOG", "trace");
    let out = home.run(&[
        "console",
        "--profile",
        "keys",
        "--print",
        "--region",
        "us-east-1",
    ]);
    assert_code(&out, 0);
    let issued = fake.issued();
    assert_eq!(issued.len(), 1);
    assert_ne!(
        issued[0].access_key_id, id,
        "the long-term key never reaches the endpoint"
    );
    let (_, params) = parse(stdout(&out));
    assert_eq!(param(&params, "SigninToken"), issued[0].token);
    assert!(!stderr(&out).contains(secret));

    // With --duration, GetFederationToken's DurationSeconds, not SessionDuration (which the
    // endpoint refuses for such credentials).
    let out = home.run(&[
        "console",
        "--profile",
        "keys",
        "--print",
        "--duration",
        "900",
    ]);
    assert_code(&out, 0);
    assert_eq!(fake.issued()[1].session_duration, None);
}

#[test]
fn federation_errors_are_clear_and_hold_no_secret() {
    let fake = FederationFake::start();
    // Credentials the endpoint does not know: its 400.
    let home = home(&fake);
    let out = home.run(&["console", "--profile", "dev", "--print"]);
    assert_code(&out, 255);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "the federation endpoint {} answered HTTP 400",
            fake.url()
        )),
        "{err}"
    );
    assert_eq!(stdout(&out), "");
    for (status, body, expect) in [
        (200, "<html>oops</html>", "not JSON"),
        (200, "{\"Other\": 1}", "without a `SigninToken`"),
        (503, "busy", "answered HTTP 503"),
    ] {
        fake.answer_next(status, body);
        let out = home.run(&["console", "--profile", "dev", "--print"]);
        assert_code(&out, 255);
        assert!(stderr(&out).contains(expect), "{}", stderr(&out));
        for secret in [SECRET, TOKEN, "oops"] {
            assert!(!stderr(&out).contains(secret), "{}", stderr(&out));
        }
    }
    // A duration the endpoint would refuse is refused before any call.
    let calls = fake.requests().len();
    let out = home.run(&[
        "console",
        "--profile",
        "dev",
        "--print",
        "--duration",
        "13h",
    ]);
    assert_code(&out, 253);
    assert!(
        stderr(&out).contains("900 to 43200 seconds"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.requests().len(), calls);
    // A partition without a public federation endpoint, and no override.
    let out = Home::new().with_dev_profile().run(&[
        "console",
        "--profile",
        "dev",
        "--print",
        "--region",
        "us-iso-east-1",
    ]);
    assert_code(&out, 253);
    assert!(
        stderr(&out).contains("AWSCRED_FEDERATION_ENDPOINT"),
        "{}",
        stderr(&out)
    );
}

/// Without `--print`, the URL goes to the browser (here a stand-in `xdg-open` that writes down
/// its argument), and nothing of it to the terminal.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn the_url_is_opened_in_the_browser() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FederationFake::start();
    fake.accept("ASIADEV", SECRET, TOKEN, false);
    let home = home(&fake);
    let opened = home.dir.path().join("opened");
    let bin = home.dir.write(
        "bin/xdg-open",
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            opened.display()
        ),
    );
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = home
        .command(&["console", "--profile", "dev"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    let token = &fake.issued()[0].token;
    assert!(!stderr(&out).contains(token.as_str()));
    // The browser is started without waiting for it.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !opened.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = std::fs::read_to_string(&opened).unwrap();
    let (_, params) = parse(&url);
    assert_eq!(param(&params, "SigninToken"), token);
}
