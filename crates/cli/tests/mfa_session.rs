//! MFA sessions (`awscred_mfa_session = true`), through the real binary against moto: a
//! three-role chain from an MFA source asks for one code across many processes; role refreshes
//! use the cached session; an expiring session asks again; without the key nothing changes.

// Unix only: moto (Python) and the shell scripts that give the MFA code run on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use awscred_testkit::moto::MotoServer;
use common::*;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/u";

/// moto with an IAM user allowed to call STS and roles r1..r3 trusting anyone; the user's keys.
/// Signature checking stays off: moto answers GetSessionToken with fixed example keys that its
/// own checks then refuse (InvalidClientTokenId) for the AssumeRole they sign.
fn moto_user() -> (MotoServer, String, String) {
    let moto = MotoServer::start();
    let (id, secret) = moto.iam_user_with_roles(&["r1", "r2", "r3"]);
    (moto, id, secret)
}

/// A home whose `base` profile has the user's keys and an MFA device (`opt_in` adds the key),
/// and roles r1 <- r2 <- r3 chained from it; `mfa_process` counts its runs in `$HOME/codes`.
fn home(moto: &MotoServer, id: &str, secret: &str, opt_in: bool) -> Home {
    let home = Home::new();
    let code = home.dir.path().join("code.sh");
    std::fs::write(
        &code,
        "n=$(cat \"$HOME/codes\" 2>/dev/null || echo 0); echo $((n+1)) > \"$HOME/codes\"; echo 123456\n",
    )
    .unwrap();
    let opt_in = if opt_in {
        "awscred_mfa_session = true\n"
    } else {
        ""
    };
    let role = |n: u32, source: &str| {
        format!(
            "[profile r{n}]\nrole_arn = arn:aws:iam::123456789012:role/r{n}\n\
             source_profile = {source}\nregion = us-east-1\n\n"
        )
    };
    home.file(
        ".aws/credentials",
        &format!("[base]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .file(
        ".aws/config",
        &format!(
            "[profile base]\nregion = us-east-1\nmfa_serial = {SERIAL}\n{opt_in}\
             mfa_process = sh {}\n\n{}{}{}",
            code.display(),
            role(1, "base"),
            role(2, "r1"),
            role(3, "r2"),
        ),
    )
    .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
}

fn codes(home: &Home) -> u32 {
    std::fs::read_to_string(home.dir.path().join("codes"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(0)
}

fn cache_dir(home: &Home) -> PathBuf {
    home.dir.path().join(".aws/cli/cache")
}

/// The cache entries, each with its parsed document.
fn entries(dir: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_else(|_| Vec::new());
    out.retain(|p: &PathBuf| p.extension().is_some_and(|e| e == "json"));
    out.into_iter()
        .map(|p| {
            let doc = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p, doc)
        })
        .collect()
}

fn export(home: &Home, profile: &str) -> serde_json::Value {
    let out = home.run(&["export-credentials", "--profile", profile]);
    assert_code(&out, 0);
    serde_json::from_str(stdout(&out)).unwrap()
}

#[test]
fn one_code_per_session_for_a_three_role_chain() {
    let (moto, id, secret) = moto_user();
    let home = home(&moto, &id, &secret, true);
    // Many resolutions in many processes, of every profile of the chain.
    for profile in ["r3", "r3", "r2", "r1", "base", "r3"] {
        let doc = export(&home, profile);
        assert!(doc["SessionToken"].is_string(), "{doc}");
    }
    assert_eq!(codes(&home), 1);
    // The session is in the cache with awscred's mark, in the CLI's format.
    let all = entries(&cache_dir(&home));
    let sessions: Vec<_> = all
        .iter()
        .filter(|(_, d)| d["Awscred"]["Kind"] == "mfa-session")
        .collect();
    assert_eq!(sessions.len(), 1, "{all:?}");
    let (session_path, session) = sessions[0];
    assert_eq!(session["Awscred"]["Profile"], "base");
    for key in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(session["Credentials"][key].is_string(), "{key}: {session}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(session_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The roles expire (their entries go): they are assumed again with the cached session.
    for (path, doc) in &all {
        if doc.get("Awscred").is_none() {
            std::fs::remove_file(path).unwrap();
        }
    }
    export(&home, "r3");
    assert_eq!(codes(&home), 1);
    // The session nears its end: the next resolution asks for a code again.
    let mut expiring = session.clone();
    let soon = awscred_core::timestamp::format_z(
        std::time::SystemTime::now() + std::time::Duration::from_secs(300),
    );
    expiring["Credentials"]["Expiration"] = serde_json::Value::String(soon);
    std::fs::write(session_path, expiring.to_string()).unwrap();
    for (path, doc) in entries(&cache_dir(&home)) {
        if doc.get("Awscred").is_none() {
            std::fs::remove_file(path).unwrap();
        }
    }
    export(&home, "r3");
    assert_eq!(codes(&home), 2);
    export(&home, "r3");
    assert_eq!(codes(&home), 2);
}

#[test]
fn without_the_key_the_keys_are_used_as_the_cli_uses_them() {
    let (moto, id, secret) = moto_user();
    let home = home(&moto, &id, &secret, false);
    let doc = export(&home, "base");
    assert_eq!(doc["AccessKeyId"], id.as_str());
    assert!(doc.get("SessionToken").is_none(), "{doc}");
    export(&home, "r3");
    assert_eq!(codes(&home), 0);
    assert!(
        entries(&cache_dir(&home))
            .iter()
            .all(|(_, d)| d.get("Awscred").is_none())
    );
}

#[test]
fn bad_settings_are_errors_naming_the_profile_and_key() {
    for (config, needle) in [
        (
            "awscred_mfa_session = maybe\nmfa_serial = x\n",
            "profile base: awscred_mfa_session = \"maybe\" is not true or false",
        ),
        (
            "awscred_mfa_session = true\n",
            "profile base: awscred_mfa_session = true needs mfa_serial in the same profile",
        ),
        (
            "awscred_mfa_session = true\nmfa_serial = x\nawscred_mfa_session_duration = 60\n",
            "awscred_mfa_session_duration = \"60\" is not a number of seconds from 900 to 129600",
        ),
    ] {
        let home = Home::new()
            .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
            .file(
                ".aws/credentials",
                "[base]\naws_access_key_id = AKIAX\naws_secret_access_key = S\n",
            )
            .file(".aws/config", &format!("[profile base]\n{config}"));
        let out = home.run(&["export-credentials", "--profile", "base"]);
        assert_code(&out, 253);
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
}
