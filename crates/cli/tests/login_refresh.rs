//! The refresh of an `aws login` session by the `awscred` binary, against botocore doing what
//! `aws configure export-credentials` does (tests/botocore_login.py). Each case starts from two
//! identical homes (the same config, the same token file in the CLI's format), each with its own
//! sign-in fake, so both programs see the same first refresh; awscred and botocore run on the
//! case moments apart. They must agree on: the exit status and the credentials printed (and the
//! account id); the number of `CreateOAuth2Token` calls; the request bodies, byte for byte; the
//! DPoP proofs' JOSE header (same JSON text) and claims; the token file afterwards (same text but
//! for `expiresAt`, which each wrote as "now + expiresIn" when it ran); and, for refusals, the
//! CLI's message, with the file untouched.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::SystemTime;

use awscred_core::{Env, timestamp};
use awscred_testkit::signin_fake::{self, SigninFake};
use common::{Home, KillOnDrop, stderr, stdout};
use serde_json::{Value, json};

const SESSION: &str = "arn:aws:iam::123456789012:user/alice";
const CLIENT: &str = "arn:aws:signin:::devtools/same-device";
const CONFIG: &str =
    "[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = eu-west-1\n";
/// The lifetime of what the fake issues (its default, the service's): `expiresIn`.
const ISSUED_FOR: i64 = 900;
/// A key that is not base64 (its length is not a multiple of 4).
const NOT_BASE64_KEY: &str =
    "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5a\n-----END EC PRIVATE KEY-----\n";
/// A key that is base64 but not DER: "not a key".
const NOT_DER_KEY: &str =
    "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n";
/// Unknown keys of every JSON kind, and `signInRegion`, between the CLI's own keys. Python's
/// json.dumps escapes non-ASCII, so the file holds `\u00e9`.
const EXTRA_KEYS: &str = r#", "signInRegion": "eu-central-1", "futureObject": {"nested": [1, -7, 2.5, "three"], "deeper": {"none": null}}, "futureCount": 12345678901234567890, "futureFlag": true, "futureNull": null, "futureName": "caf\u00e9""#;

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    /// When the cached credentials expire, from now.
    minutes: i64,
    /// Inserted after `expiresAt`, in `accessToken`.
    access_extra: &'static str,
    /// Inserted after `tokenType`.
    extra: &'static str,
    /// Instead of the suite's key.
    key: Option<&'static str>,
    /// What the fake does besides answering.
    script: fn(&SigninFake),
    /// `CreateOAuth2Token` calls expected of botocore (awscred must make as many).
    calls: usize,
}

fn case(name: &'static str, minutes: i64, calls: usize) -> Case {
    Case {
        name,
        minutes,
        access_extra: "",
        extra: "",
        key: None,
        script: |_| {},
        calls,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // botocore's RefreshableCredentials asks its fetcher from 15 minutes before the expiry
        // (advisory) and must have an answer from 10 (mandatory); the fetcher only calls the
        // service at 5 minutes or less.
        case("expiring in 20 min", 20, 0),
        case("expiring in 12 min", 12, 0),
        case("expiring in 7 min", 7, 0),
        case("expiring in 4 min", 4, 1),
        case("expired 1 h ago", -60, 1),
        Case {
            extra: EXTRA_KEYS,
            ..case("unknown keys and signInRegion, expiring in 4 min", 4, 1)
        },
        Case {
            extra: EXTRA_KEYS,
            ..case("unknown keys and signInRegion, expiring in 20 min", 20, 0)
        },
        Case {
            access_extra: r#", "futureAccessKey": {"a": [true, null]}"#,
            ..case("an unknown key in accessToken, expiring in 4 min", 4, 1)
        },
        Case {
            script: |f| f.deny_with("TOKEN_EXPIRED"),
            ..case("refused: TOKEN_EXPIRED", 4, 1)
        },
        Case {
            script: |f| f.deny_with("USER_CREDENTIALS_CHANGED"),
            ..case("refused: USER_CREDENTIALS_CHANGED", 4, 1)
        },
        Case {
            script: |f| f.deny_with("INSUFFICIENT_PERMISSIONS"),
            ..case("refused: INSUFFICIENT_PERMISSIONS", 4, 1)
        },
        Case {
            script: |f| f.deny_with("SOMETHING_NEW"),
            ..case("refused: another AccessDeniedException", 4, 1)
        },
        Case {
            script: |f| f.fail_next(&[(400, "ValidationException")]),
            ..case("refused: a 400", 4, 1)
        },
        Case {
            script: |f| f.deny_with("TOKEN_EXPIRED"),
            ..case("refused: TOKEN_EXPIRED, expired 1 h ago", -60, 1)
        },
        Case {
            script: |f| f.fail_next(&[(500, "InternalServerException")]),
            ..case("a 500, then an answer", 4, 2)
        },
        Case {
            key: Some(NOT_BASE64_KEY),
            ..case("a key that is not base64, expiring in 12 min", 12, 0)
        },
        Case {
            key: Some(NOT_BASE64_KEY),
            ..case("a key that is not base64, expiring in 7 min", 7, 0)
        },
        Case {
            key: Some(NOT_BASE64_KEY),
            ..case("a key that is not base64, expiring in 4 min", 4, 0)
        },
        Case {
            key: Some(NOT_DER_KEY),
            ..case("a key that is not DER, expiring in 4 min", 4, 0)
        },
    ]
}

/// The token file as the CLI writes it (Python's json.dumps of the dict, keys in its order).
fn token_text(case: &Case, expires_at: &str, key: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let key = case.key.unwrap_or(key);
    format!(
        "{{\"accessToken\": {{\"accessKeyId\": \"ASIAOLD\", \"secretAccessKey\": \"oldSecret\", \
         \"sessionToken\": \"oldSession\", \"accountId\": \"123456789012\", \"expiresAt\": {}{}}}, \
         \"tokenType\": \"aws_sigv4\"{}, \"clientId\": {}, \"refreshToken\": \"refresh-0\", \
         \"idToken\": \"id.token.jwt\", \"dpopKey\": {}}}",
        q(expires_at),
        case.access_extra,
        case.extra,
        q(CLIENT),
        q(key)
    )
}

/// One program's home and fake for one case.
struct Side {
    home: Home,
    fake: SigninFake,
    token_path: PathBuf,
}

impl Side {
    fn new(case: &Case, token: &str) -> Side {
        let fake = SigninFake::start();
        fake.accept_refresh_token("refresh-0", CLIENT);
        (case.script)(&fake);
        let home = Home::new();
        let root = home.dir.path().to_owned();
        let token_path = awscred_login::login_token_path(
            &Env::from_vars([("HOME", root.to_str().unwrap())]),
            SESSION,
        )
        .unwrap();
        let home = home
            .file(".aws/config", CONFIG)
            .file(
                token_path.strip_prefix(&root).unwrap().to_str().unwrap(),
                token,
            )
            .env(
                "AWS_CONFIG_FILE",
                &format!("{}/.aws/config", root.display()),
            )
            .env("AWS_ENDPOINT_URL_SIGNIN", &fake.url())
            // botocore on PyPI still reads boto2's files, which the CLI v2 does not.
            .env("BOTO_CONFIG", &format!("{}/no-boto-config", root.display()));
        Side {
            home,
            fake,
            token_path,
        }
    }

    fn token_url(&self) -> String {
        format!("{}/v1/token", self.fake.url())
    }

    fn token_file(&self) -> String {
        std::fs::read_to_string(&self.token_path).expect("the token file")
    }
}

/// What one program did on one case.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    /// awscred's stderr; botocore's message.
    message: String,
    account_id: Option<String>,
    calls: Vec<(String, Vec<u8>)>,
    file: String,
    /// Unix seconds when the program started and when it was done.
    window: (i64, i64),
}

fn unix_now() -> i64 {
    timestamp::to_unix(SystemTime::now())
}

fn token_calls(fake: &SigninFake) -> Vec<(String, Vec<u8>)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path() == "/v1/token")
        .map(|r| (r.header("dpop").unwrap_or_default().to_owned(), r.body))
        .collect()
}

fn run_awscred(side: &Side) -> Run {
    let start = unix_now();
    let out = side.home.run(&["export-credentials", "--profile", "web"]);
    let end = unix_now();
    let calls = token_calls(&side.fake);
    let code = out.status.code().unwrap_or(-1);
    // The CLI does not print the account; `exec` exports it. A second process, on the file the
    // first one left: it must not call the service again.
    let account_id = (code == 0).then(|| {
        let out = side.home.run(&[
            "exec",
            "--profile",
            "web",
            "--",
            "sh",
            "-c",
            "printf %s \"$AWS_ACCOUNT_ID\"",
        ]);
        stdout(&out).to_owned()
    });
    Run {
        code,
        stdout: stdout(&out).to_owned(),
        message: stderr(&out).to_owned(),
        account_id,
        calls,
        file: side.token_file(),
        window: (start, end),
    }
}

/// tests/botocore_login.py, kept running across the cases.
struct Botocore {
    _child: KillOnDrop,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Botocore {
    fn start() -> Botocore {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_login.py");
        let mut child = KillOnDrop(
            Command::new(awscred_testkit::python())
                .arg(script)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("python starts"),
        );
        let stdin = child.0.stdin.take().unwrap();
        let stdout = BufReader::new(child.0.stdout.take().unwrap());
        Botocore {
            _child: child,
            stdin,
            stdout,
        }
    }

    fn run(&mut self, side: &Side) -> Run {
        let home = side.home.dir.path().to_str().unwrap();
        let mut env: serde_json::Map<String, Value> = side
            .home
            .env
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        env.insert("HOME".into(), json!(home));
        env.insert("AWS_EC2_METADATA_DISABLED".into(), json!("true"));
        let input = json!({
            "env": env, "profile": "web", "format": "process",
            "token_path": side.token_path.to_str().unwrap(),
        });
        let start = unix_now();
        writeln!(self.stdin, "{input}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let end = unix_now();
        let result: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("botocore_login.py answered {line:?}: {e}"));
        assert_eq!(
            result["written_as_cli"], true,
            "the token file is not what json.dumps writes"
        );
        Run {
            code: result["code"].as_i64().unwrap() as i32,
            stdout: result["stdout"].as_str().unwrap().to_owned(),
            message: result["message"].as_str().unwrap_or_default().to_owned(),
            account_id: result["account_id"].as_str().map(str::to_owned),
            calls: token_calls(&side.fake),
            file: side.token_file(),
            window: (start, end),
        }
    }
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A DPoP proof's JOSE header (its JSON text) and claims.
fn decode_proof(proof: &str) -> Result<(String, Value), String> {
    let parts: Vec<&str> = proof.split('.').collect();
    let [header, payload, _signature] = parts[..] else {
        return Err(format!("not a compact JWS: {proof:?}"));
    };
    let text = |part: &str| {
        base64url_decode(part)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(format!("not base64url JSON: {part:?}"))
    };
    let claims = serde_json::from_str(&text(payload)?).map_err(|e| e.to_string())?;
    Ok((text(header)?, claims))
}

/// A difference between the two programs on one case: its kind (`exit status`, `message`,
/// `calls`, `body`, `proof`, `file`, `stdout`, `account`) and what it was.
type Difference = (&'static str, String);

/// The differences between what the two programs did on `case`, where `original` is the token
/// file both started from.
fn differences(
    case: &Case,
    original: &str,
    (a, ours): (&Side, &Run),
    (b, theirs): (&Side, &Run),
) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let mut check = |ok: bool, kind: &'static str, what: String| {
        if !ok {
            diffs.push((kind, what));
        }
    };
    check(
        theirs.calls.len() == case.calls,
        "calls",
        format!(
            "botocore made {} calls, not {}",
            theirs.calls.len(),
            case.calls
        ),
    );
    check(
        ours.calls.len() == theirs.calls.len(),
        "calls",
        format!(
            "{} calls (botocore {})",
            ours.calls.len(),
            theirs.calls.len()
        ),
    );
    for (i, ((our_proof, our_body), (their_proof, their_body))) in
        ours.calls.iter().zip(&theirs.calls).enumerate()
    {
        check(
            our_body == their_body,
            "body",
            format!(
                "call {i}: body {:?} (botocore {:?})",
                String::from_utf8_lossy(our_body),
                String::from_utf8_lossy(their_body)
            ),
        );
        let (Ok((our_header, our_claims)), Ok((their_header, their_claims))) =
            (decode_proof(our_proof), decode_proof(their_proof))
        else {
            check(
                false,
                "proof",
                format!("call {i}: {our_proof:?} / {their_proof:?}"),
            );
            continue;
        };
        check(
            our_header == their_header,
            "proof",
            format!("call {i}: JOSE header {our_header} (botocore {their_header})"),
        );
        let names = |claims: &Value| {
            let mut names: Vec<String> = claims
                .as_object()
                .map_or(Vec::new(), |o| o.keys().cloned().collect());
            names.sort();
            names
        };
        check(
            names(&our_claims) == names(&their_claims),
            "proof",
            format!("call {i}: claims {our_claims} (botocore {their_claims})"),
        );
        for (claims, side, run, who) in [
            (&our_claims, a, ours, "awscred"),
            (&their_claims, b, theirs, "botocore"),
        ] {
            check(
                claims["htm"] == "POST" && claims["htu"] == side.token_url().as_str(),
                "proof",
                format!("call {i}: {who}'s htm/htu {claims}"),
            );
            // Whole seconds of when the proof was made: within the run.
            let iat = claims["iat"].as_i64().unwrap_or_default();
            check(
                (run.window.0..=run.window.1).contains(&iat),
                "proof",
                format!(
                    "call {i}: {who}'s iat {iat} is not when it ran {:?}",
                    run.window
                ),
            );
            let jti = claims["jti"].as_str().unwrap_or_default();
            check(
                jti.len() == 36 && jti.as_bytes()[14] == b'4',
                "proof",
                format!("call {i}: {who}'s jti {jti:?} is not a UUID4"),
            );
        }
    }
    if let [(first, _), (second, _)] = &ours.calls[..] {
        let jti = |proof: &str| decode_proof(proof).map(|(_, c)| c["jti"].clone()).ok();
        check(
            jti(first) != jti(second),
            "proof",
            "the retry reused the proof's jti".to_owned(),
        );
    }
    // The token file: untouched, or rewritten alike but for each one's `expiresAt`.
    let (our_expiry, their_expiry) = (expires_at(&ours.file), expires_at(&theirs.file));
    let refreshed = theirs.file != original;
    check(
        (ours.file != original) == refreshed,
        "file",
        format!(
            "awscred rewrote the file: {}, botocore: {refreshed}",
            ours.file != original
        ),
    );
    if refreshed {
        let (Some(our_expiry), Some(their_expiry)) = (&our_expiry, &their_expiry) else {
            check(false, "file", format!("{} / {}", ours.file, theirs.file));
            return diffs;
        };
        check(
            ours.file.replace(our_expiry.as_str(), "<expiresAt>")
                == theirs.file.replace(their_expiry.as_str(), "<expiresAt>"),
            "file",
            format!("\n  awscred:  {}\n  botocore: {}", ours.file, theirs.file),
        );
        // "now + expiresIn", now being during each one's run.
        for (expiry, run, who) in [
            (our_expiry, ours, "awscred"),
            (their_expiry, theirs, "botocore"),
        ] {
            let at = timestamp::parse(expiry).map_or(0, timestamp::to_unix);
            check(
                (run.window.0..=run.window.1).contains(&(at - ISSUED_FOR)),
                "file",
                format!(
                    "{who} wrote expiresAt {expiry}, not {ISSUED_FOR} s after it ran {:?}",
                    run.window
                ),
            );
        }
    }
    check(
        ours.code == theirs.code,
        "exit status",
        format!("exit status {} (botocore {})", ours.code, theirs.code),
    );
    if theirs.code == 0 {
        // The printed expiration is each one's file's; the rest byte for byte.
        let mask =
            |run: &Run, expiry: &Option<String>| match expiry.as_deref().and_then(timestamp::parse)
            {
                Some(at) => run
                    .stdout
                    .replace(&timestamp::format_offset(at), "<expiration>"),
                None => run.stdout.clone(),
            };
        check(
            mask(ours, &our_expiry) == mask(theirs, &their_expiry),
            "stdout",
            format!(
                "\n  awscred:  {}\n  botocore: {}",
                ours.stdout, theirs.stdout
            ),
        );
        check(
            ours.account_id == theirs.account_id
                && theirs.account_id.as_deref() == Some("123456789012"),
            "account",
            format!("{:?} (botocore {:?})", ours.account_id, theirs.account_id),
        );
        check(
            token_calls(&a.fake).len() == ours.calls.len(),
            "calls",
            "awscred's second process called the service again".to_owned(),
        );
    } else {
        check(
            !theirs.message.is_empty() && ours.message.contains(&theirs.message),
            "message",
            format!(
                "stderr {:?} lacks botocore's {:?}",
                ours.message, theirs.message
            ),
        );
        check(
            ours.file == original,
            "file",
            "awscred changed the file on a refusal".into(),
        );
    }
    diffs
}

fn expires_at(file: &str) -> Option<String> {
    let doc: Value = serde_json::from_str(file).ok()?;
    Some(doc["accessToken"]["expiresAt"].as_str()?.to_owned())
}

/// Where awscred answers differently, by case and kind of difference, and why. A listed
/// difference that stops happening fails the test too, so that the list stays true.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "a key that is not DER, expiring in 4 min",
    "message",
    "botocore turns only a ValueError into `Unable to load private key from cached token.`; \
         awscrt's AwsCrtError for a key that is not DER reaches the user as is (`7172 \
         (AWS_ERROR_CAL_MALFORMED_ASN1_ENCOUNTERED): ...`). awscred gives botocore's message, \
         as for any other unusable key.",
)];

#[test]
fn login_refresh_matches_botocore() {
    let key = signin_fake::suite_dpop_key();
    let mut botocore = Botocore::start();
    let cases = cases();
    let (mut agreed, mut known, mut unexpected) = (0, Vec::new(), Vec::new());
    let mut largest_gap = 0;
    for case in &cases {
        let expires =
            timestamp::format_z(timestamp::from_unix(unix_now() + case.minutes * 60, 0).unwrap());
        let original = token_text(case, &expires, &key);
        let (a, b) = (Side::new(case, &original), Side::new(case, &original));
        let ours = run_awscred(&a);
        let theirs = botocore.run(&b);
        if let (Some(x), Some(y)) = (expires_at(&ours.file), expires_at(&theirs.file)) {
            let at = |t: &str| timestamp::parse(t).map_or(0, timestamp::to_unix);
            largest_gap = largest_gap.max((at(&x) - at(&y)).abs());
        }
        let diffs = differences(case, &original, (&a, &ours), (&b, &theirs));
        if diffs.is_empty() {
            agreed += 1;
        }
        for (kind, what) in &diffs {
            match KNOWN_DIFFERENCES
                .iter()
                .find(|(name, k, _)| *name == case.name && k == kind)
            {
                Some(_) => known.push(format!("{}: {what}", case.name)),
                None => unexpected.push(format!("{}: {kind}: {what}", case.name)),
            }
        }
        for (name, kind, _) in KNOWN_DIFFERENCES {
            if *name == case.name && !diffs.iter().any(|(k, _)| k == kind) {
                unexpected.push(format!(
                    "{name}: the {kind} is listed as a known difference but now agrees"
                ));
            }
        }
    }
    eprintln!(
        "{agreed} of {} cases agreed with botocore in full; {} known differences; \
         {} unexpected; refreshed expiresAt at most {largest_gap} s apart",
        cases.len(),
        known.len(),
        unexpected.len()
    );
    for line in &known {
        eprintln!("  known: {line}");
    }
    assert!(
        KNOWN_DIFFERENCES
            .iter()
            .all(|(name, _, _)| cases.iter().any(|c| c.name == *name)),
        "a known difference names no case"
    );
    assert!(unexpected.is_empty(), "\n{}", unexpected.join("\n"));
}
