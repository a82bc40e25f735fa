//! Reading what a `credential_process` prints: the JSON document of the credential process
//! protocol, version 1.

use std::time::SystemTime;

use awscred_core::{Credentials, Error, Secret, timestamp};
use serde_json::{Map, Value};

/// The name botocore gives this tier, which the CLI puts in front of every message.
pub const METHOD: &str = awscred_core::Tier::CredentialProcess.name();

/// The credentials a process printed, before the profile's account id fallback is applied.
///
/// `Debug` redacts the secrets, like [`Credentials`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessOutput {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: Secret,
    /// `SessionToken`, when present and not `null`.
    pub session_token: Option<Secret>,
    /// `Expiration`, when present and not `null`. Without it the credentials never expire.
    pub expiration: Option<SystemTime>,
    /// `AccountId`, when present and not empty.
    pub account_id: Option<String>,
}

impl ProcessOutput {
    /// Turns the output into [`Credentials`], with the account id falling back to `fallback`
    /// (the profile's `aws_account_id`) the way the CLI does: when the output has none or an
    /// empty one.
    pub fn into_credentials(self, fallback: Option<&str>) -> Credentials {
        let account_id = self
            .account_id
            .or_else(|| fallback.filter(|a| !a.is_empty()).map(str::to_owned));
        Credentials::new(
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.expiration,
            METHOD,
        )
        .with_account_id(account_id)
    }
}

/// The CLI's wording: `Error when retrieving credentials from custom-process: {message}`.
pub(crate) fn retrieval_error(message: impl std::fmt::Display) -> Error {
    Error::provider_failed(format!(
        "Error when retrieving credentials from {METHOD}: {message}"
    ))
}

/// Parses a process's standard output.
///
/// The checks and their messages are botocore's `ProcessProvider`'s, in its order: the JSON must
/// parse, `Version` must equal 1 (`Unsupported version '1' for credential process provider,
/// supported versions: 1` for the string `"1"`), then `AccessKeyId` and `SecretAccessKey` must
/// be present (`Missing required key in response: 'AccessKeyId'`). Beyond the CLI, values of the
/// wrong JSON type and unreadable `Expiration` timestamps are refused here with a clear message
/// instead of failing later. Messages never contain the secret values.
///
/// ```
/// use awscred_process::parse_output;
/// let out = parse_output(br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "S"}"#).unwrap();
/// assert_eq!(out.access_key_id, "AKID");
/// assert_eq!(out.expiration, None);
/// let err = parse_output(br#"{"Version": "1"}"#).unwrap_err();
/// assert!(err.to_string().contains("Unsupported version '1' for credential process provider"));
/// ```
pub fn parse_output(stdout: &[u8]) -> Result<ProcessOutput, Error> {
    // serde_json's syntax errors name a line and column, never the input text, so they cannot
    // leak a secret the process printed.
    let parsed: Value = serde_json::from_slice(stdout).map_err(|e| {
        retrieval_error(format!(
            "the process's output is not valid JSON ({e}); expected a JSON object with \
             Version, AccessKeyId and SecretAccessKey"
        ))
    })?;
    let Value::Object(mut map) = parsed else {
        return Err(retrieval_error(format!(
            "the process's output is a JSON {}, not an object with Version, AccessKeyId and \
             SecretAccessKey",
            type_name(&parsed)
        )));
    };
    check_version(map.get("Version"))?;
    // Missing keys are reported in the order botocore reads them.
    if !map.contains_key("AccessKeyId") {
        return Err(missing("AccessKeyId"));
    }
    if !map.contains_key("SecretAccessKey") {
        return Err(missing("SecretAccessKey"));
    }
    let access_key_id = take_string(&mut map, "AccessKeyId")?.ok_or_else(|| null("AccessKeyId"))?;
    let secret_access_key = take_string(&mut map, "SecretAccessKey")?
        .map(Secret::new)
        .ok_or_else(|| null("SecretAccessKey"))?;
    let session_token = take_string(&mut map, "SessionToken")?.map(Secret::new);
    let expiration = match take_string(&mut map, "Expiration")? {
        None => None,
        Some(text) => Some(timestamp::parse(&text).ok_or_else(|| {
            retrieval_error(format!(
                "Expiration '{text}' in the process's output is not an ISO 8601 timestamp \
                 (example: 2024-05-02T18:36:00Z)"
            ))
        })?),
    };
    let account_id = take_string(&mut map, "AccountId")?.filter(|a| !a.is_empty());
    Ok(ProcessOutput {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
        account_id,
    })
}

fn check_version(version: Option<&Value>) -> Result<(), Error> {
    // botocore compares with Python's `!= 1`, under which 1.0 and true also equal 1.
    let accepted = match version {
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(Value::Bool(b)) => *b,
        _ => false,
    };
    if accepted {
        return Ok(());
    }
    let shown = match version {
        None => "<Version key not provided>".to_owned(),
        Some(v) => python_str(v),
    };
    Err(retrieval_error(format!(
        "Unsupported version '{shown}' for credential process provider, supported versions: 1"
    )))
}

/// How Python's `str()` shows a JSON value, for the version message.
fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn missing(key: &str) -> Error {
    retrieval_error(format!("Missing required key in response: '{key}'"))
}

fn null(key: &str) -> Error {
    retrieval_error(format!(
        "'{key}' in the process's output is null; expected a string"
    ))
}

/// Moves a string value out of the map, so a secret is never copied; `null` and absence are
/// `None`, any other type an error naming the key (never the value).
fn take_string(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(retrieval_error(format!(
            "'{key}' in the process's output is a JSON {}; expected a string",
            type_name(&other)
        ))),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> String {
        parse_output(input.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn full_output() {
        let out = parse_output(
            br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "SK",
                "SessionToken": "TOK", "Expiration": "2022-05-02T18:36:00+00:00",
                "AccountId": "123456789012", "Extra": [1, 2]}"#,
        )
        .unwrap();
        assert_eq!(out.access_key_id, "AKID");
        assert_eq!(out.secret_access_key.expose(), "SK");
        assert_eq!(out.session_token.as_ref().map(Secret::expose), Some("TOK"));
        assert_eq!(out.expiration.map(timestamp::to_unix), Some(1_651_516_560));
        assert_eq!(out.account_id.as_deref(), Some("123456789012"));
        let dbg = format!("{out:?}");
        assert!(!dbg.contains("SK\"") && !dbg.contains("TOK"), "{dbg}");
    }

    #[test]
    fn version_rules_follow_python_equality() {
        let ok = |v: &str| {
            parse_output(
                format!(r#"{{"Version": {v}, "AccessKeyId": "A", "SecretAccessKey": "S"}}"#)
                    .as_bytes(),
            )
        };
        assert!(ok("1").is_ok());
        assert!(ok("1.0").is_ok());
        assert!(ok("true").is_ok());
        for (v, shown) in [
            ("\"1\"", "1"),
            ("2", "2"),
            ("null", "None"),
            ("false", "False"),
            ("[1]", "[1]"),
        ] {
            let e = ok(v).unwrap_err().to_string();
            assert_eq!(
                e,
                format!(
                    "Error when retrieving credentials from custom-process: Unsupported version \
                     '{shown}' for credential process provider, supported versions: 1"
                )
            );
        }
        assert_eq!(
            err(r#"{"AccessKeyId": "A", "SecretAccessKey": "S"}"#),
            "Error when retrieving credentials from custom-process: Unsupported version \
             '<Version key not provided>' for credential process provider, supported versions: 1"
        );
    }

    #[test]
    fn missing_keys_in_botocore_order() {
        assert_eq!(
            err(r#"{"Version": 1}"#),
            "Error when retrieving credentials from custom-process: Missing required key in \
             response: 'AccessKeyId'"
        );
        assert_eq!(
            err(r#"{"Version": 1, "AccessKeyId": "A"}"#),
            "Error when retrieving credentials from custom-process: Missing required key in \
             response: 'SecretAccessKey'"
        );
    }

    #[test]
    fn wrong_types_and_bad_json() {
        assert!(
            err("invalid json").contains("is not valid JSON (expected value at line 1 column 1)")
        );
        assert!(err("").contains("is not valid JSON (EOF while parsing"));
        assert!(err("[1]").contains("is a JSON array, not an object"));
        assert!(
            err(r#"{"Version": 1, "AccessKeyId": 5, "SecretAccessKey": "S"}"#)
                .contains("'AccessKeyId' in the process's output is a JSON number")
        );
        assert!(
            err(r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": null}"#)
                .contains("'SecretAccessKey' in the process's output is null")
        );
        assert!(
            err(r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "soon"}"#)
                .contains("Expiration 'soon' in the process's output is not an ISO 8601 timestamp")
        );
    }

    #[test]
    fn errors_never_show_secret_values() {
        let e = err(
            r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": 12345678, "SessionToken": "TOPSECRET""#,
        );
        assert!(!e.contains("TOPSECRET"));
        let e = err(r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": ["TOPSECRET"]}"#);
        assert!(!e.contains("TOPSECRET"), "{e}");
    }

    #[test]
    fn account_id_fallback() {
        let with = |json: &str, fb: Option<&str>| {
            parse_output(json.as_bytes())
                .unwrap()
                .into_credentials(fb)
                .account_id()
                .map(str::to_owned)
        };
        let base = r#""Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S""#;
        assert_eq!(
            with(&format!("{{{base}}}"), Some("111")),
            Some("111".into())
        );
        assert_eq!(
            with(&format!("{{{base}, \"AccountId\": \"\"}}"), Some("111")),
            Some("111".into())
        );
        assert_eq!(
            with(&format!("{{{base}, \"AccountId\": \"222\"}}"), Some("111")),
            Some("222".into())
        );
        assert_eq!(with(&format!("{{{base}}}"), None), None);
    }
}
