//! Readers for what IMDS sends back: the role-name listing and the credentials document.
//! Public so the fuzz targets can drive them; they never panic on any input.

use std::time::SystemTime;

use awscred_core::{Credentials, Error, Secret, timestamp};
use serde_json::{Map, Value};

/// The producing tier's name in [`Credentials::provider`].
pub const PROVIDER_NAME: &str = "imds";

/// The role name from a `GET /latest/meta-data/iam/security-credentials/` body: the first
/// non-empty line, trimmed. `Ok(None)` for an empty listing (no role attached); an error for a
/// name that is not an IAM role name (it goes into the next request's path).
///
/// ```
/// use awscred_imds::parse_role_name;
/// assert_eq!(parse_role_name(b"web-role\nother\n").unwrap().as_deref(), Some("web-role"));
/// assert_eq!(parse_role_name(b"\n").unwrap(), None);
/// assert!(parse_role_name(b"../../etc").is_err());
/// ```
pub fn parse_role_name(body: &[u8]) -> Result<Option<String>, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::provider_failed("the IAM role listing is not UTF-8 text"))?;
    let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Ok(None);
    };
    // IAM role names: letters, digits and `+=,.@_-`, at most 64 characters.
    let valid = line.len() <= 64
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !valid {
        let shown: String = line.chars().take(80).collect();
        return Err(Error::provider_failed(format!(
            "the IAM role listing names {shown:?}, which is not an IAM role name"
        )));
    }
    Ok(Some(line.to_owned()))
}

struct Document {
    code: Option<String>,
    message: Option<String>,
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
            code: take("Code")?,
            message: take("Message")?,
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

/// Reads the credentials document of `GET .../security-credentials/<role>`.
///
/// `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration` are required; `AccountId` is
/// kept when present; a `Code` other than `Success` is an error quoting `Code` and `Message`.
/// The expiration is returned as sent: the static-stability extension is the provider's job.
///
/// ```
/// use awscred_imds::parse_credentials;
/// let body = br#"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t",
///                 "Expiration":"2021-09-21T04:16:53Z","AccountId":"123456789012"}"#;
/// let creds = parse_credentials(body).unwrap();
/// assert_eq!(creds.access_key_id(), "ASIA1");
/// assert_eq!(creds.account_id(), Some("123456789012"));
/// assert!(parse_credentials(br#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"no"}"#).is_err());
/// ```
pub fn parse_credentials(body: &[u8]) -> Result<Credentials, Error> {
    let value: Value = serde_json::from_slice(body).map_err(json_error)?;
    let mut doc = match value {
        Value::Object(map) => Document::from_map(map),
        _ => None,
    }
    .ok_or_else(|| {
        Error::provider_failed("the credentials document is not a JSON object with string fields")
    })?;
    if let Some(code) = doc.code.as_deref() {
        if code != "Success" {
            let message: String = doc
                .message
                .as_deref()
                .unwrap_or("no message")
                .chars()
                .take(300)
                .collect();
            let code: String = code.chars().take(100).collect();
            return Err(Error::provider_failed(format!(
                "IMDS answered Code {code:?}: {message}"
            )));
        }
    }
    let missing =
        |name: &str| Error::provider_failed(format!("the credentials document has no {name}"));
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
    let expiration: SystemTime = timestamp::parse(&expiration_text).ok_or_else(|| {
        let shown: String = expiration_text.chars().take(40).collect();
        Error::provider_failed(format!(
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

/// Describes a JSON error by kind and position only: serde_json's messages can quote input.
fn json_error(e: serde_json::Error) -> Error {
    let what = match e.classify() {
        serde_json::error::Category::Data => "is not a JSON object with string fields",
        serde_json::error::Category::Eof => "is not valid JSON (it ends too early)",
        _ => "is not valid JSON",
    };
    Error::provider_failed(format!(
        "the credentials document {what} (line {}, column {})",
        e.line(),
        e.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_listing() {
        assert_eq!(
            parse_role_name(b"  \n role-a \r\nrole-b")
                .unwrap()
                .as_deref(),
            Some("role-a")
        );
        assert_eq!(parse_role_name(b"").unwrap(), None);
        assert!(parse_role_name(&[0xff, 0xfe]).is_err());
        assert!(parse_role_name(b"a/b").is_err());
        assert!(parse_role_name("x".repeat(65).as_bytes()).is_err());
    }

    #[test]
    fn credentials_document() {
        let ok =
            br#"{"Code" : "Success", "LastUpdated" : "2021-09-20T21:42:26Z", "Type" : "AWS-HMAC",
            "AccessKeyId" : "ASIARTEST", "SecretAccessKey" : "testsecret", "Token" : "testtoken",
            "Expiration" : "2021-09-21T04:16:53Z"}"#;
        let c = parse_credentials(ok).unwrap();
        assert_eq!(c.secret_access_key().expose(), "testsecret");
        assert_eq!(c.session_token().unwrap().expose(), "testtoken");
        assert_eq!(timestamp::to_unix(c.expiration().unwrap()), 1632197813);
        assert_eq!(c.account_id(), None);
        assert_eq!(c.provider(), "imds");
    }

    #[test]
    fn bad_documents_say_what_is_wrong_without_secrets() {
        let cases: &[(&[u8], &str)] = &[
            (b"{\"AccessKeyId\":", "not valid JSON"),
            (b"[]", "not a JSON object"),
            (br#"{"AccessKeyId":7}"#, "not a JSON object"),
            (br#"{"SecretAccessKey":"SEKRIT","Token":"t","Expiration":"2021-09-21T04:16:53Z"}"#, "no AccessKeyId"),
            (br#"{"AccessKeyId":"A","Token":"TOKSECRET","Expiration":"2021-09-21T04:16:53Z"}"#, "no SecretAccessKey"),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Expiration":"2021-09-21T04:16:53Z"}"#, "no Token"),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET"}"#, "no Expiration"),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET","Expiration":"tomorrow"}"#, "not an ISO 8601"),
            (br#"{"Code":"Failed","Message":"role trust","SecretAccessKey":"SEKRIT"}"#, "role trust"),
        ];
        for (body, expected) in cases {
            let e = parse_credentials(body).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
            assert!(!e.contains("SEKRIT") && !e.contains("TOKSECRET"), "{e}");
        }
    }
}
