//! The credentials document of the container endpoints. Public so the fuzz target can drive
//! it; never panics on any input.

use awscred_core::{Credentials, Error, Secret, timestamp};
use serde_json::{Map, Value};

/// The producing tier's name in [`Credentials::provider`].
pub const PROVIDER_NAME: &str = "ecs";

struct Document {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    token: Option<String>,
    expiration: Option<String>,
    account_id: Option<String>,
}

impl Document {
    /// The fields of a JSON object whose values are strings (or null); `None` for any other
    /// shape. Read through `Value` rather than a derived `Deserialize`, which would bring
    /// `serde_derive` and a second `syn` into the build.
    fn from_map(mut map: Map<String, Value>) -> Option<Document> {
        let mut take = |key: &str| match map.remove(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s)),
            Some(_) => None,
        };
        Some(Document {
            access_key_id: take("AccessKeyId")?,
            secret_access_key: take("SecretAccessKey")?,
            token: take("Token")?,
            expiration: take("Expiration")?,
            account_id: take("AccountId")?,
        })
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(s) = self.secret_access_key.as_mut() {
            s.zeroize();
        }
        if let Some(t) = self.token.as_mut() {
            t.zeroize();
        }
    }
}

/// Why a document was refused; `retry` when it was not JSON at all (the CLI asks again then).
pub(crate) struct ParseError {
    pub(crate) error: Error,
    pub(crate) retry: bool,
}

/// Reads a credentials document as the ECS agent and the EKS Pod Identity agent send it:
/// `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration` required (as in the CLI),
/// `AccountId` kept when present, anything else ignored.
///
/// ```
/// let body = br#"{"RoleArn":"arn:aws:iam::123456789012:role/r","AccessKeyId":"ASIA1",
///     "SecretAccessKey":"s","Token":"t","AccountId":"123456789012",
///     "Expiration":"2009-02-13T23:31:30Z"}"#;
/// let creds = awscred_ecs::parse_credentials(body).unwrap();
/// assert_eq!(creds.access_key_id(), "ASIA1");
/// assert_eq!(creds.account_id(), Some("123456789012"));
/// assert!(awscred_ecs::parse_credentials(b"{\"AccessKeyId\":\"A\"}").is_err());
/// ```
pub fn parse_credentials(body: &[u8]) -> Result<Credentials, Error> {
    parse(body).map_err(|e| e.error)
}

pub(crate) fn parse(body: &[u8]) -> Result<Credentials, ParseError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let (what, retry) = match e.classify() {
            serde_json::error::Category::Data => ("is not a JSON object with string fields", false),
            serde_json::error::Category::Eof => ("is not valid JSON (it ends too early)", true),
            _ => ("is not valid JSON", true),
        };
        // serde_json's own message can quote the input; only its position is shown.
        ParseError {
            error: Error::provider_failed(format!(
                "the credentials document {what} (line {}, column {})",
                e.line(),
                e.column()
            )),
            retry,
        }
    })?;
    let mut doc = match value {
        Value::Object(map) => Document::from_map(map),
        _ => None,
    }
    .ok_or_else(|| ParseError {
        error: Error::provider_failed(
            "the credentials document is not a JSON object with string fields",
        ),
        retry: false,
    })?;
    let fail = |message: String| ParseError {
        error: Error::provider_failed(message),
        retry: false,
    };
    let missing = |name: &str| fail(format!("the credentials document has no {name}"));
    let access_key_id = doc
        .access_key_id
        .take()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("AccessKeyId"))?;
    let secret = doc
        .secret_access_key
        .take()
        .filter(|v| !v.is_empty())
        .map(Secret::from)
        .ok_or_else(|| missing("SecretAccessKey"))?;
    let token = doc
        .token
        .take()
        .filter(|v| !v.is_empty())
        .map(Secret::from)
        .ok_or_else(|| missing("Token"))?;
    let expiration_text = doc.expiration.take().ok_or_else(|| missing("Expiration"))?;
    let expiration = timestamp::parse(&expiration_text).ok_or_else(|| {
        let shown: String = expiration_text.chars().take(40).collect();
        fail(format!(
            "the credentials document's Expiration {shown:?} is not an ISO 8601 time"
        ))
    })?;
    let account_id = doc.account_id.take().filter(|v| !v.is_empty());
    Ok(Credentials::new(
        access_key_id,
        secret,
        Some(token),
        Some(expiration),
        PROVIDER_NAME,
    )
    .with_account_id(account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let c = parse_credentials(
            br#"{"RoleArn":"arn:aws:iam::123456789:role/ecs-task-role","AccessKeyId":"ASIARCORRECT","SecretAccessKey":"secretkeycorrect","Token":"tokencorrect","AccountId":"012345678901","Expiration" : "2009-02-13T23:31:30Z"}"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id(), "ASIARCORRECT");
        assert_eq!(c.secret_access_key().expose(), "secretkeycorrect");
        assert_eq!(c.session_token().unwrap().expose(), "tokencorrect");
        assert_eq!(c.account_id(), Some("012345678901"));
        assert_eq!(timestamp::to_unix(c.expiration().unwrap()), 1234567890);
        assert_eq!(c.provider(), "ecs");
    }

    #[test]
    fn bad_documents() {
        let cases: &[(&[u8], &str, bool)] = &[
            (b"{\"AccessKeyId\":", "ends too early", true),
            (b"<html>", "not valid JSON", true),
            (b"[1]", "not a JSON object", false),
            (br#"{"SecretAccessKey":"SEKRIT","Token":"t","Expiration":"2009-02-13T23:31:30Z"}"#, "no AccessKeyId", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Expiration":"2009-02-13T23:31:30Z"}"#, "no Token", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET"}"#, "no Expiration", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET","Expiration":"soon"}"#, "not an ISO 8601", false),
        ];
        for (body, expected, retry) in cases {
            let e = parse(body).err().unwrap();
            let text = e.error.to_string();
            assert!(text.contains(expected), "{text}");
            assert_eq!(e.retry, *retry, "{text}");
            assert!(
                !text.contains("SEKRIT") && !text.contains("TOKSECRET"),
                "{text}"
            );
        }
    }
}
