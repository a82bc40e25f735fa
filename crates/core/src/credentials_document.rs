//! The JSON credentials document that the container agents (ECS, EKS Pod Identity) and IMDS
//! send: `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration`, `AccountId` when the
//! service knows it, and from IMDS a `Code` and `Message`. One reader for both tiers, so that
//! they refuse the same documents with the same words. Needs the `json` feature.
//!
//! ```
//! use awscred_core::credentials_document::Document;
//!
//! let body = br#"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t",
//!     "Expiration":"2009-02-13T23:31:30Z","AccountId":"123456789012"}"#;
//! let doc = Document::parse_with_status(body).unwrap();
//! assert_eq!(doc.code(), Some("Success"));
//! let creds = doc.into_credentials("imds").unwrap();
//! assert_eq!(creds.account_id(), Some("123456789012"));
//!
//! // Not JSON at all: worth asking again; JSON of the wrong shape: not.
//! assert!(Document::parse(b"{\"AccessKeyId\":").err().unwrap().retry);
//! assert!(!Document::parse(b"[1]").err().unwrap().retry);
//! ```

use serde_json::{Map, Value};
use zeroize::Zeroize;

use crate::{Credentials, Error, Secret, timestamp};

/// The credentials document's fields, each a string when present. Moves into [`Credentials`]
/// with [`Document::into_credentials`]; the secret and the token are wiped if it is dropped
/// instead.
pub struct Document {
    code: Option<String>,
    message: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    token: Option<String>,
    expiration: Option<String>,
    account_id: Option<String>,
}

/// Why a body is not a credentials document.
#[derive(Debug)]
#[non_exhaustive]
pub struct Refused {
    /// What is wrong, by kind and position only: it never quotes the body.
    pub error: Error,
    /// `true` when the body is not JSON at all (cut short or garbled on the way), which the
    /// CLI's container provider answers by asking again; `false` for JSON of the wrong shape.
    pub retry: bool,
}

impl Refused {
    /// `error`, and whether the body deserves another request (`retry`).
    pub fn new(error: Error, retry: bool) -> Self {
        Refused { error, retry }
    }
}

impl Document {
    /// Reads the document as the container agents send it: any `Code` or `Message` is ignored
    /// like every other field this reader does not know.
    pub fn parse(body: &[u8]) -> Result<Document, Refused> {
        Document::read(body, false)
    }

    /// Reads the document as IMDS sends it, with its `Code` and `Message` (which must then be
    /// strings or null, like the other fields read).
    pub fn parse_with_status(body: &[u8]) -> Result<Document, Refused> {
        Document::read(body, true)
    }

    /// The `Code` field, when read with [`Document::parse_with_status`] and present.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The `Message` field, when read with [`Document::parse_with_status`] and present.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    fn read(body: &[u8], with_status: bool) -> Result<Document, Refused> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            let (what, retry) = match e.classify() {
                serde_json::error::Category::Data => {
                    ("is not a JSON object with string fields", false)
                }
                serde_json::error::Category::Eof => ("is not valid JSON (it ends too early)", true),
                _ => ("is not valid JSON", true),
            };
            // serde_json's own message can quote the input; only its position is shown.
            Refused {
                error: Error::provider_failed(format!(
                    "the credentials document {what} (line {}, column {})",
                    e.line(),
                    e.column()
                )),
                retry,
            }
        })?;
        match value {
            Value::Object(map) => Document::from_map(map, with_status),
            _ => None,
        }
        .ok_or_else(|| Refused {
            error: Error::provider_failed(
                "the credentials document is not a JSON object with string fields",
            ),
            retry: false,
        })
    }

    /// The fields of a JSON object whose values are strings (or null); `None` for any other
    /// shape. Read through `Value` rather than a derived `Deserialize`, which would bring
    /// `serde_derive` and a second `syn` into the build.
    fn from_map(mut map: Map<String, Value>, with_status: bool) -> Option<Document> {
        let mut take = |key: &str| match map.remove(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s)),
            Some(_) => None,
        };
        // Filled in one field at a time so that a bad field after the secret or the token
        // still drops them through `Drop`, which wipes them.
        let mut doc = Document {
            code: None,
            message: None,
            access_key_id: None,
            secret_access_key: None,
            token: None,
            expiration: None,
            account_id: None,
        };
        if with_status {
            doc.code = take("Code")?;
            doc.message = take("Message")?;
        }
        doc.access_key_id = take("AccessKeyId")?;
        doc.secret_access_key = take("SecretAccessKey")?;
        doc.token = take("Token")?;
        doc.expiration = take("Expiration")?;
        doc.account_id = take("AccountId")?;
        Some(doc)
    }

    /// The credentials of the document, from `provider`: `AccessKeyId`, `SecretAccessKey`,
    /// `Token` and `Expiration` (ISO 8601) required, as in the CLI; an empty `AccountId` is
    /// none. The status fields are not looked at: that is the caller's part.
    pub fn into_credentials(mut self, provider: &'static str) -> Result<Credentials, Error> {
        let missing =
            |name: &str| Error::provider_failed(format!("the credentials document has no {name}"));
        // An empty key is no key; an empty expiration falls to the format check below.
        let required = |value: Option<String>, name: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| missing(name))
        };
        let access_key_id = required(self.access_key_id.take(), "AccessKeyId")?;
        let secret = Secret::from(required(self.secret_access_key.take(), "SecretAccessKey")?);
        let token = Secret::from(required(self.token.take(), "Token")?);
        let expiration_text = self
            .expiration
            .take()
            .ok_or_else(|| missing("Expiration"))?;
        let expiration = timestamp::parse(&expiration_text).ok_or_else(|| {
            let shown: String = expiration_text.chars().take(40).collect();
            Error::provider_failed(format!(
                "the credentials document's Expiration {shown:?} is not an ISO 8601 time"
            ))
        })?;
        let account_id = self.account_id.take().filter(|v| !v.is_empty());
        Ok(Credentials::new(
            access_key_id,
            secret,
            Some(token),
            Some(expiration),
            provider,
        )
        .with_account_id(account_id))
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        if let Some(s) = self.secret_access_key.as_mut() {
            s.zeroize();
        }
        if let Some(t) = self.token.as_mut() {
            t.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Extra fields of any type are ignored; null reads as absent.
    const GOOD: &[u8] = br#"{"Code":"Success","Type":"AWS-HMAC","Extra":[1,{"a":true}],
        "AccessKeyId":"ASIAK","SecretAccessKey":"sk","Token":"tk","AccountId":null,
        "Expiration":"2021-09-21T04:16:53Z"}"#;

    #[test]
    fn a_document_becomes_credentials_of_the_named_provider() {
        let c = Document::parse(GOOD)
            .unwrap()
            .into_credentials("tier")
            .unwrap();
        let parts = (c.access_key_id(), c.secret_access_key().expose());
        assert_eq!(parts, ("ASIAK", "sk"));
        assert_eq!(c.session_token().map(Secret::expose), Some("tk"));
        assert_eq!(c.expiration(), timestamp::parse("2021-09-21T04:16:53Z"));
        assert_eq!((c.account_id(), c.provider()), (None, "tier"));
        // An empty AccountId is none, not an empty account.
        let empty = br#"{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","AccountId":"","Expiration":"2021-09-21T04:16:53Z"}"#;
        let c = Document::parse(empty).unwrap().into_credentials("tier");
        assert_eq!(c.unwrap().account_id(), None);
    }

    #[test]
    fn the_status_fields_are_read_only_when_asked_for() {
        let doc = Document::parse(GOOD).unwrap();
        assert_eq!((doc.code(), doc.message()), (None, None));
        let doc = Document::parse_with_status(br#"{"Code":"Failed","Message":"no"}"#).unwrap();
        assert_eq!((doc.code(), doc.message()), (Some("Failed"), Some("no")));
        // A status field of another type spoils only the document that reads it.
        let odd_code = br#"{"Code":5,"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2009-02-13T23:31:30Z"}"#;
        assert!(Document::parse(odd_code).is_ok());
        let e = Document::parse_with_status(odd_code).err().unwrap();
        assert!(e.error.to_string().contains("not a JSON object"), "{e:?}");
    }

    #[test]
    fn refusals_say_what_is_wrong_without_secrets() {
        let cases: &[(&[u8], &str, bool)] = &[
            (b"{\"AccessKeyId\":", "the credentials document is not valid JSON (it ends too early) (line 1, column 15)", true),
            (b"<html>", "the credentials document is not valid JSON (line 1, column 1)", true),
            (b"[1]", "the credentials document is not a JSON object with string fields", false),
            (br#"{"AccessKeyId":7}"#, "the credentials document is not a JSON object with string fields", false),
            (br#"{"SecretAccessKey":"SEKRIT","Token":"t","Expiration":"2009-02-13T23:31:30Z"}"#, "the credentials document has no AccessKeyId", false),
            (br#"{"AccessKeyId":"A","Token":"TOKSECRET","Expiration":"2009-02-13T23:31:30Z"}"#, "the credentials document has no SecretAccessKey", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"","Expiration":"2009-02-13T23:31:30Z"}"#, "the credentials document has no Token", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET"}"#, "the credentials document has no Expiration", false),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SEKRIT","Token":"TOKSECRET","Expiration":"soon"}"#, "the credentials document's Expiration \"soon\" is not an ISO 8601 time", false),
        ];
        for (body, expected, retry) in cases {
            let (text, retried) = match Document::parse(body) {
                Err(e) => (e.error.to_string(), e.retry),
                Ok(doc) => (doc.into_credentials("ecs").unwrap_err().to_string(), false),
            };
            assert_eq!(text, *expected);
            assert_eq!(retried, *retry, "{text}");
        }
    }
}
