//! Reading STS's XML responses: `AssumeRoleResponse`, `AssumeRoleWithWebIdentityResponse`,
//! `GetCallerIdentityResponse` and `ErrorResponse`.
//!
//! The reader keeps, for every element holding text, the text under the name `Parent/Child`
//! (`Credentials/AccessKeyId`, `Error/Code`). STS responses are small and flat, so that is all
//! the structure needed; anything else in the document is skipped. The entry points are
//! reached from outside only through `awscred_sts::internal` (fuzz targets and hardening
//! tests); none of them panics on any input.

use std::time::SystemTime;

use awscred_core::{Secret, timestamp};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Why an STS response could not be read. The text describes the document without quoting it
/// (it may hold credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// The body is not one well-formed XML document: what is wrong, and where.
    Malformed(String),
    /// The document is an `ErrorResponse` where an answer was expected.
    ErrorResponse,
    /// A field the answer needs is missing.
    Missing {
        /// Its path, `Parent/Child`.
        path: String,
        /// The document element's name.
        root: String,
    },
    /// `Credentials/Expiration` is not a timestamp.
    BadExpiration,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XmlError::Malformed(what) => f.write_str(what),
            XmlError::ErrorResponse => f.write_str("the body is an ErrorResponse"),
            XmlError::Missing { path, root } => {
                write!(f, "the response has no {path} (document element <{root}>)")
            }
            XmlError::BadExpiration => {
                f.write_str("the response's Credentials/Expiration is not a timestamp")
            }
        }
    }
}

impl std::error::Error for XmlError {}

/// Deeper documents are not STS responses.
const MAX_DEPTH: usize = 32;

/// The text-bearing elements of a document, as `("Parent/Child", text)` pairs in document order.
#[derive(Default)]
pub struct XmlFields {
    root: String,
    fields: Vec<(String, String)>,
}

impl std::fmt::Debug for XmlFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Field values may be secrets; only the names are shown.
        f.debug_struct("XmlFields")
            .field("root", &self.root)
            .field(
                "fields",
                &self.fields.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl XmlFields {
    /// The document element's local name.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The last text of `Parent/Child`.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == path)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its text fields. Errors describe what is wrong without quoting the
/// input (which may hold credentials).
pub fn parse(body: &[u8]) -> Result<XmlFields, XmlError> {
    read_fields(body).map_err(XmlError::Malformed)
}

fn read_fields(body: &[u8]) -> Result<XmlFields, String> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out = XmlFields::default();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "malformed XML at byte {}: {}",
                reader.buffer_position(),
                describe(&e)
            )
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if !out.root.is_empty() {
                        return Err("XML has more than one document element".into());
                    }
                    out.root = name.clone();
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(start) if stack.is_empty() => {
                if !out.root.is_empty() {
                    return Err("XML has more than one document element".into());
                }
                out.root = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err("unbalanced XML end tag".into());
                };
                if let Some(parent) = stack.last() {
                    let value = std::mem::take(&mut text);
                    if !value.trim().is_empty() {
                        out.fields
                            .push((format!("{parent}/{name}"), value.trim().to_owned()));
                    }
                }
            }
            Event::Text(t) => {
                let decoded = t
                    .decode()
                    .map_err(|e| format!("XML text is not UTF-8: {e}"))?;
                text.push_str(&decoded);
            }
            Event::CData(t) => {
                let decoded = t
                    .decode()
                    .map_err(|e| format!("XML CDATA is not UTF-8: {e}"))?;
                text.push_str(&decoded);
            }
            Event::GeneralRef(r) => {
                let name = r
                    .decode()
                    .map_err(|e| format!("XML entity is not UTF-8: {e}"))?;
                text.push(resolve_entity(&name).ok_or_else(|| {
                    format!("unknown XML entity at byte {}", reader.buffer_position())
                })?);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err("XML document is truncated".into());
    }
    if out.root.is_empty() {
        return Err("the body holds no XML document".into());
    }
    Ok(out)
}

/// What is wrong, without quoting the document: quick-xml's messages carry tag and attribute
/// names, and a hostile or garbled body could put anything there (found by the `sts_xml` fuzz
/// target).
fn describe(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error, IllFormedError};
    match e {
        Error::Syntax(syntax) => syntax.to_string(),
        Error::IllFormed(IllFormedError::MismatchedEndTag { .. }) => {
            "an end tag does not match its start tag".into()
        }
        Error::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
            "an end tag has no start tag".into()
        }
        Error::IllFormed(IllFormedError::MissingEndTag(_)) => "a start tag is never closed".into(),
        Error::IllFormed(_) => "ill-formed markup".into(),
        Error::InvalidAttr(_) => "an invalid attribute".into(),
        Error::Encoding(_) => "text that is not valid in its encoding".into(),
        Error::Escape(_) => "an invalid escape".into(),
        Error::Namespace(_) => "an invalid namespace".into(),
        Error::Io(_) => "a read error".into(),
    }
}

fn resolve_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    quick_xml::escape::resolve_predefined_entity(name).and_then(|s| s.chars().next())
}

/// Temporary credentials as STS returns them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StsCredentials {
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `SecretAccessKey`.
    pub secret_access_key: Secret,
    /// `SessionToken`.
    pub session_token: Secret,
    /// `Expiration`.
    pub expiration: SystemTime,
    /// `AssumedRoleUser/Arn` (`FederatedUser/Arn` for a federation token), when present.
    pub assumed_role_arn: Option<String>,
    /// `AssumedRoleUser/AssumedRoleId` (`FederatedUser/FederatedUserId`), when present.
    pub assumed_role_id: Option<String>,
    /// `ResponseMetadata/RequestId`, when present.
    pub request_id: Option<String>,
}

impl std::fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &timestamp::format_z(self.expiration))
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

impl StsCredentials {
    /// The account of the assumed role, from its ARN (`arn:aws:sts::ACCOUNT:assumed-role/...`).
    pub fn account_id(&self) -> Option<String> {
        self.assumed_role_arn.as_deref().and_then(account_from_arn)
    }
}

/// The account field of an ARN, when it is one.
pub fn account_from_arn(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some(_service), Some(_region), Some(account), Some(_)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!account.is_empty()).then(|| account.to_owned())
}

/// Reads the credentials of an `AssumeRole`, `AssumeRoleWithWebIdentity`, `GetSessionToken` or
/// `GetFederationToken` response (the federated user's ARN and id stand in for the role's).
pub fn parse_credentials(body: &[u8]) -> Result<StsCredentials, XmlError> {
    let doc = parse(body)?;
    if doc.root() == "ErrorResponse" {
        return Err(XmlError::ErrorResponse);
    }
    let need = |path: &str| doc.get(path).ok_or_else(|| missing(&doc, path));
    let expiration_text = need("Credentials/Expiration")?;
    let expiration = timestamp::parse(expiration_text).ok_or(XmlError::BadExpiration)?;
    Ok(StsCredentials {
        access_key_id: need("Credentials/AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(need("Credentials/SecretAccessKey")?),
        session_token: Secret::new(need("Credentials/SessionToken")?),
        expiration,
        assumed_role_arn: doc
            .get("AssumedRoleUser/Arn")
            .or_else(|| doc.get("FederatedUser/Arn"))
            .map(str::to_owned),
        assumed_role_id: doc
            .get("AssumedRoleUser/AssumedRoleId")
            .or_else(|| doc.get("FederatedUser/FederatedUserId"))
            .map(str::to_owned),
        request_id: doc.get("ResponseMetadata/RequestId").map(str::to_owned),
    })
}

fn missing(doc: &XmlFields, path: &str) -> XmlError {
    XmlError::Missing {
        path: path.to_owned(),
        root: doc.root().to_owned(),
    }
}

/// Who a set of credentials belongs to (`GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The account id.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The caller's unique id.
    pub user_id: String,
}

/// Reads a `GetCallerIdentityResponse`.
pub fn parse_caller_identity(body: &[u8]) -> Result<CallerIdentity, XmlError> {
    let doc = parse(body)?;
    let need = |path: &str| {
        doc.get(path)
            .map(str::to_owned)
            .ok_or_else(|| missing(&doc, path))
    };
    Ok(CallerIdentity {
        account: need("GetCallerIdentityResult/Account")?,
        arn: need("GetCallerIdentityResult/Arn")?,
        user_id: need("GetCallerIdentityResult/UserId")?,
    })
}

/// The `Code` and `Message` of an `ErrorResponse` (or of a bare `<Error>` document).
pub fn parse_error(body: &[u8]) -> Option<(String, String)> {
    let doc = parse(body).ok()?;
    let code = doc.get("Error/Code")?.to_owned();
    let message = doc.get("Error/Message").unwrap_or_default().to_owned();
    Some((code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROAR42TAWARILN3MNKUT:s</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIARTESTID</AccessKeyId>
      <SecretAccessKey>TEST&amp;SECRET&#x4B;</SecretAccessKey>
      <SessionToken><![CDATA[TOKEN<1>]]></SessionToken>
      <Expiration>2021-08-05T19:58:02Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c2e9</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

    #[test]
    fn reads_credentials_with_entities_and_cdata() {
        let c = parse_credentials(OK.as_bytes()).unwrap();
        assert_eq!(c.access_key_id, "ASIARTESTID");
        assert_eq!(c.secret_access_key.expose(), "TEST&SECRETK");
        assert_eq!(c.session_token.expose(), "TOKEN<1>");
        assert_eq!(timestamp::to_unix(c.expiration), 1628193482);
        assert_eq!(c.account_id().as_deref(), Some("123456789012"));
        assert_eq!(c.request_id.as_deref(), Some("c2e9"));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("SECRET") && !debug.contains("TOKEN"),
            "{debug}"
        );
    }

    #[test]
    fn reads_errors_verbatim() {
        let body = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
  <Message>User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole on &lt;r&gt;</Message></Error>
  <RequestId>x</RequestId></ErrorResponse>"#;
        let (code, message) = parse_error(body).unwrap();
        assert_eq!(code, "AccessDenied");
        assert_eq!(
            message,
            "User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole on <r>"
        );
        assert!(parse_credentials(body).is_err());
    }

    #[test]
    fn hostile_documents_are_errors() {
        for body in [
            &b""[..],
            b"not xml at all",
            b"<a><b>",
            b"<a></b>",
            b"<html><body>502 Bad Gateway</body></html>",
            b"<a>&bogus;</a>",
            b"<a/><b/>",
            "<a>\u{0}</a>".as_bytes(),
        ] {
            assert!(
                parse_credentials(body).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(
            parse(deep.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("deeper")
        );
        let missing = OK.replace("<SessionToken><![CDATA[TOKEN<1>]]></SessionToken>", "");
        let err = parse_credentials(missing.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Credentials/SessionToken") && !err.contains("SECRET"),
            "{err}"
        );
    }

    #[test]
    fn reads_caller_identity() {
        let body = br#"<GetCallerIdentityResponse><GetCallerIdentityResult>
<Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDA</UserId><Account>123456789012</Account>
</GetCallerIdentityResult></GetCallerIdentityResponse>"#;
        let id = parse_caller_identity(body).unwrap();
        assert_eq!(
            (id.account.as_str(), id.user_id.as_str()),
            ("123456789012", "AIDA")
        );
    }
}
