//! The `aws login` token file: its fields, checked as botocore's `LoginCredentialFetcher` checks
//! them, the credentials it holds, and its rewrite after a refresh (every other key kept in its
//! place).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use awscred_core::{Credentials, Secret, timestamp};
use awscred_sso::internal::PyJson;
use serde_json::{Map, Value};

use super::{LOGIN_PROVIDER_NAME, REQUIRED_FIELDS};

pub(super) fn str_of(doc: &PyJson, key: &str) -> PyJson {
    PyJson::Str(doc.get_str(key).unwrap_or_default().to_owned())
}

/// The token file: the whole document (for the rewrite after a refresh; its strings are wiped
/// when it is dropped) and the expiry of its credentials. Invariant: `doc` is an object whose
/// `accessToken` holds the four credential strings (checked by [`TokenFile::parse`]).
pub(super) struct TokenFile {
    pub(super) doc: PyJson,
    pub(super) expires_at: SystemTime,
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        std::mem::replace(&mut self.doc, PyJson::Null).wipe();
    }
}

pub(super) enum Invalid {
    Missing(Vec<&'static str>),
    Other(String),
}

/// The fields of `accessToken` that the credentials are made of.
const ACCESS_FIELDS: [&str; 4] = [
    "accessKeyId",
    "secretAccessKey",
    "sessionToken",
    "accountId",
];

impl TokenFile {
    pub(super) fn parse(bytes: &[u8]) -> std::result::Result<TokenFile, Invalid> {
        let doc = match PyJson::parse(bytes) {
            Ok(doc @ PyJson::Object(_)) => doc,
            Ok(other) => {
                other.wipe();
                return Err(Invalid::Other("the file is not a JSON object".into()));
            }
            Err(e) => {
                return Err(Invalid::Other(format!(
                    "the file is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )));
            }
        };
        // From here on `doc` is wiped when `file` drops, whatever is refused.
        let file = TokenFile {
            doc,
            expires_at: UNIX_EPOCH,
        };
        file.checked()
    }

    pub(super) fn checked(mut self) -> std::result::Result<TokenFile, Invalid> {
        let missing: Vec<&'static str> = REQUIRED_FIELDS
            .into_iter()
            .filter(|key| self.doc.get(key).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Invalid::Missing(missing));
        }
        for key in ["dpopKey", "refreshToken", "clientId"] {
            if self.doc.get_str(key).is_none() {
                return Err(Invalid::Other(format!("`{key}` is not a string")));
            }
        }
        let Some(access @ PyJson::Object(_)) = self.doc.get("accessToken") else {
            return Err(Invalid::Other("`accessToken` is not an object".into()));
        };
        for key in ACCESS_FIELDS.into_iter().chain(["expiresAt"]) {
            match access.get(key) {
                Some(PyJson::Str(_)) => {}
                None => return Err(Invalid::Other(format!("`accessToken` has no `{key}`"))),
                Some(_) => {
                    return Err(Invalid::Other(format!(
                        "`accessToken.{key}` is not a string"
                    )));
                }
            }
        }
        self.expires_at = access
            .get_str("expiresAt")
            .and_then(timestamp::parse)
            .ok_or_else(|| {
                Invalid::Other("`accessToken.expiresAt` is not an ISO 8601 timestamp".into())
            })?;
        Ok(self)
    }

    pub(super) fn access(&self, key: &str) -> &str {
        self.doc
            .get("accessToken")
            .and_then(|a| a.get_str(key))
            .unwrap_or_default()
    }

    pub(super) fn credentials(&self, path: &Path) -> Credentials {
        Credentials::new(
            self.access("accessKeyId"),
            Secret::new(self.access("secretAccessKey").to_owned()),
            Some(Secret::new(self.access("sessionToken").to_owned())),
            Some(self.expires_at),
            LOGIN_PROVIDER_NAME,
        )
        .with_account_id(Some(self.access("accountId").to_owned()))
        .with_origin("credentials", path.display().to_string())
    }

    /// The refreshed fields, as botocore's `token.update(...)`: `accessToken` replaced (the
    /// account kept), `refreshToken` replaced, every other key where it was.
    pub(super) fn apply(&mut self, issued: Issued, expires_at: SystemTime) {
        let account = PyJson::Str(self.access("accountId").to_owned());
        let access = PyJson::Object(vec![
            ("accessKeyId".into(), PyJson::Str(issued.access_key_id)),
            (
                "secretAccessKey".into(),
                PyJson::Str(issued.secret_access_key.expose().to_owned()),
            ),
            (
                "sessionToken".into(),
                PyJson::Str(issued.session_token.expose().to_owned()),
            ),
            ("accountId".into(), account),
            (
                "expiresAt".into(),
                PyJson::Str(timestamp::format_z(expires_at)),
            ),
        ]);
        self.doc.set("accessToken", access);
        self.doc.set(
            "refreshToken",
            PyJson::Str(issued.refresh_token.expose().to_owned()),
        );
        self.expires_at = expires_at;
    }
}

/// What `CreateOAuth2Token` answered (its `tokenOutput`, the body of the HTTP answer).
pub(super) struct Issued {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    refresh_token: Secret,
    pub(super) expires_in: u64,
}

impl Issued {
    pub(super) fn parse(answer: &Map<String, Value>) -> std::result::Result<Issued, String> {
        let Some(Value::Object(access)) = answer.get("accessToken") else {
            return Err("the response has no object `accessToken`".into());
        };
        let text = |map: &Map<String, Value>, key: &str, name: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("the response has no string `{name}`"))
        };
        let expires_in = answer
            .get("expiresIn")
            .and_then(|v| {
                v.as_u64().or_else(|| {
                    v.as_f64()
                        .filter(|f| f.is_finite() && *f >= 0.0)
                        .map(|f| f as u64)
                })
            })
            // Beyond a year is no answer the service gives; it would only overflow the clock.
            .filter(|s| *s <= 366 * 86_400)
            .ok_or("the response has no valid number `expiresIn`")?;
        Ok(Issued {
            access_key_id: text(access, "accessKeyId", "accessToken.accessKeyId")?,
            secret_access_key: Secret::new(text(
                access,
                "secretAccessKey",
                "accessToken.secretAccessKey",
            )?),
            session_token: Secret::new(text(access, "sessionToken", "accessToken.sessionToken")?),
            refresh_token: Secret::new(text(answer, "refreshToken", "refreshToken")?),
            expires_in,
        })
    }
}

/// Drops a parsed answer with every string it holds zeroed first.
pub(super) fn wipe_map(map: Map<String, Value>) {
    fn wipe(value: Value) {
        match value {
            Value::String(s) => drop(Secret::new(s)),
            Value::Array(items) => items.into_iter().for_each(wipe),
            Value::Object(map) => wipe_map(map),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    for (key, value) in map {
        drop(Secret::new(key));
        wipe(value);
    }
}
