//! The `aws login` token file, `~/.aws/login/cache/<SHA-256 of the session>.json`, written as the
//! CLI's `LoginCredentialsLoader.save_token` writes it (`json.dumps` of the same keys in the same
//! order), and its removal (`aws logout`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::signin::{DpopKey, base64_decode};
use crate::{login_cache_dir, login_token_path};
use awscred_core::fs::ReadLimit;
use awscred_core::pyjson::write_str;
use awscred_core::{Env, Error, ErrorKind, Result, Secret, timestamp};
use serde_json::{Map, Value};

/// A signed-in session: its name (the ARN in the ID token's `sub`) and the token file's text.
/// `Debug` shows the session and account, never the file.
pub struct SignedIn {
    session: String,
    account_id: String,
    file: Secret,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("session", &self.session)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

fn invalid_answer(why: &str) -> Error {
    Error::provider_failed(format!(
        "Error loading or redeeming a login authorization code: {why} "
    ))
}

/// `_extract_login_session_from_id_token`: the `sub` of the JWT's payload.
fn session_of(id_token: &str) -> Result<String> {
    let parts: Vec<&str> = id_token.split('.').collect();
    let [_, payload, _] = parts[..] else {
        return Err(invalid_answer("Invalid JWT token - cannot extract payload"));
    };
    let bytes = base64_decode(payload, true)
        .ok_or_else(|| invalid_answer("Invalid JWT token - cannot extract payload"))?;
    let claims: Value = serde_json::from_slice(&bytes)
        .map_err(|_| invalid_answer("Invalid JWT token - cannot extract payload"))?;
    claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| invalid_answer("Invalid JWT token - missing sub"))
}

/// `ArnParser.parse_arn(...)['account']`.
fn account_of(arn: &str) -> Result<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts[..] {
        ["arn", _, _, _, account, _] => Ok(account.to_owned()),
        _ => Err(invalid_answer(&format!(
            "Provided ARN: {arn} must be of the format arn:partition:service:region:account:resource"
        ))),
    }
}

/// Appends `"key": "value"` pairs, Python's `json.dumps` spacing.
fn push_pairs(out: &mut String, pairs: &[(&str, &str)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(out, k);
        out.push_str(": ");
        write_str(out, v);
    }
}

impl SignedIn {
    /// The token file from `CreateOAuth2Token`'s `tokenOutput`, issued at `now`.
    pub(crate) fn from_token_output(
        output: &Map<String, Value>,
        client_id: &str,
        key: &DpopKey,
        now: SystemTime,
    ) -> Result<SignedIn> {
        let text = |map: &Map<String, Value>, k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid_answer("Failed to retrieve an access token."))
        };
        let creds = match output.get("accessToken") {
            Some(Value::Object(c)) => c,
            _ => return Err(invalid_answer("Failed to retrieve an access token.")),
        };
        let expires_in = output
            .get("expiresIn")
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid_answer("Failed to retrieve an access token."))?;
        let id_token = text(output, "idToken")?;
        let session = session_of(&id_token)?;
        let account_id = account_of(&session)?;
        let expires_at = timestamp::format_z(now + Duration::from_secs(expires_in));
        let (akid, secret, token) = (
            Secret::new(text(creds, "accessKeyId")?),
            Secret::new(text(creds, "secretAccessKey")?),
            Secret::new(text(creds, "sessionToken")?),
        );
        let refresh = Secret::new(text(output, "refreshToken")?);
        let pem = key.to_sec1_pem();
        let mut file = String::from("{\"accessToken\": {");
        push_pairs(
            &mut file,
            &[
                ("accessKeyId", akid.expose()),
                ("secretAccessKey", secret.expose()),
                ("sessionToken", token.expose()),
                ("accountId", &account_id),
                ("expiresAt", &expires_at),
            ],
        );
        file.push_str("}, ");
        push_pairs(
            &mut file,
            &[
                ("tokenType", &text(output, "tokenType")?),
                ("clientId", client_id),
                ("refreshToken", refresh.expose()),
                ("idToken", &id_token),
                ("dpopKey", pem.expose()),
            ],
        );
        file.push('}');
        Ok(SignedIn {
            session,
            account_id,
            file: Secret::new(file),
        })
    }

    /// The session's name: what `login_session` names in the profile.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The account the session signed in to.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Writes the token file (atomically, mode 0600, its folders 0700) and returns its path.
    pub fn save(&self, env: &Env) -> Result<PathBuf> {
        let path = login_token_path(env, &self.session)?;
        env.fs()
            .write_atomic(&path, self.file.expose().as_bytes())
            .map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!(
                        "could not write the login token cache {}: {e}",
                        path.display()
                    ),
                )
            })?;
        Ok(path)
    }
}

/// `aws logout`: removes the cached token of `session`; `Ok(false)` when there was none.
pub fn logout(env: &Env, session: &str) -> Result<bool> {
    let path = login_token_path(env, session)?;
    let existed = env.fs().read(&path, ReadLimit::CACHE_ENTRY).is_ok();
    env.fs().remove(&path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("could not remove {}: {e}", path.display()),
        )
    })?;
    Ok(existed)
}

/// `aws logout --all`: removes every file of the cache whose `accessToken` is an object with an
/// `accessKeyId` (the CLI's `LoginTokenSweeper`); returns how many.
pub fn logout_all(env: &Env) -> Result<usize> {
    let dir = login_cache_dir(env)?;
    let names = env.fs().list(&dir).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("could not list {}: {e}", dir.display()),
        )
    })?;
    let mut removed = 0;
    for name in names {
        let path = dir.join(name);
        let Ok(bytes) = env.read_file(&path, ReadLimit::CACHE_ENTRY) else {
            continue;
        };
        let bytes = zeroize::Zeroizing::new(bytes);
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if value
            .get("accessToken")
            .is_some_and(|t| t.get("accessKeyId").is_some())
        {
            env.fs().remove(&path).map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("could not remove {}: {e}", path.display()),
                )
            })?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_accounts_from_the_id_token() {
        // {"sub":"arn:aws:sts::012345678901:assumed-role/Admin/admin"}
        let token = "e30.eyJzdWIiOiJhcm46YXdzOnN0czo6MDEyMzQ1Njc4OTAxOmFzc3VtZWQtcm9sZS9BZG1pbi9hZG1pbiJ9.c2ln";
        let session = session_of(token).unwrap();
        assert_eq!(
            session,
            "arn:aws:sts::012345678901:assumed-role/Admin/admin"
        );
        assert_eq!(account_of(&session).unwrap(), "012345678901");
        assert!(session_of("a.b").is_err());
        assert!(account_of("not-an-arn").is_err());
    }

    #[test]
    fn the_file_is_the_clis_and_debug_hides_it() {
        let key = DpopKey::generate().unwrap();
        let output: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "accessToken": {"accessKeyId": "ASIA1", "secretAccessKey": "s3cr\u{e9}t", "sessionToken": "tok"},
            "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "r1",
            "idToken": "e30.eyJzdWIiOiJhcm46YXdzOnN0czo6MDEyMzQ1Njc4OTAxOmFzc3VtZWQtcm9sZS9BZG1pbi9hZG1pbiJ9.c2ln",
        }))
        .unwrap();
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let signed = SignedIn::from_token_output(&output, "client", &key, now).unwrap();
        let pem = key.to_sec1_pem();
        let expected = format!(
            "{{\"accessToken\": {{\"accessKeyId\": \"ASIA1\", \"secretAccessKey\": \"s3cr\\u00e9t\", \
             \"sessionToken\": \"tok\", \"accountId\": \"012345678901\", \"expiresAt\": \
             \"2023-11-14T22:28:20Z\"}}, \"tokenType\": \"aws_sigv4\", \"clientId\": \"client\", \
             \"refreshToken\": \"r1\", \"idToken\": \"{}\", \"dpopKey\": \"{}\"}}",
            output["idToken"].as_str().unwrap(),
            pem.expose().replace('\n', "\\n")
        );
        assert_eq!(signed.file.expose(), expected);
        let debug = format!("{signed:?}");
        assert!(
            !debug.contains("tok") && !debug.contains("r1") && !debug.contains("ASIA1"),
            "{debug}"
        );
    }
}
