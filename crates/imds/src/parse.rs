//! Readers for what IMDS sends back: the role-name listing and the credentials document.
//! Public, with examples, for programs that read these documents as the tier does (and for the
//! fuzz targets); they never panic on any input.

use awscred_core::credentials_document::Document;
use awscred_core::{Credentials, Error};

/// The producing tier's name in [`Credentials::provider`].
pub const PROVIDER_NAME: &str = awscred_core::Tier::InstanceMetadata.name();

/// The role name from a `GET /latest/meta-data/iam/security-credentials/` body: the whole body,
/// as the CLI takes it (`InstanceMetadataFetcher._get_iam_role`). `Ok(None)` for an empty or
/// blank listing (no role attached); an error for a name that is not an IAM role name (it goes
/// into the next request's path). A listing of several lines is such an error: an instance
/// profile holds one role, and the CLI, asking for the whole listing as one name, finds no
/// credentials.
///
/// ```
/// use awscred_imds::parse_role_name;
/// assert_eq!(parse_role_name(b"web-role").unwrap().as_deref(), Some("web-role"));
/// assert_eq!(parse_role_name(b"\n").unwrap(), None);
/// assert!(parse_role_name(b"web-role\nother\n").is_err());
/// assert!(parse_role_name(b"../../etc").is_err());
/// ```
pub fn parse_role_name(body: &[u8]) -> Result<Option<String>, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::provider_failed("the IAM role listing is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.trim().lines().nth(1).is_some() {
        return Err(Error::provider_failed(
            "the IAM role listing holds several lines, which is not one IAM role name (the AWS \
             CLI asks for the whole listing as one name and finds no credentials)",
        ));
    }
    // IAM role names: letters, digits and `+=,.@_-`, at most 64 characters.
    let valid = text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !valid {
        let shown: String = text.chars().take(80).collect();
        return Err(Error::provider_failed(format!(
            "the IAM role listing names {shown:?}, which is not an IAM role name"
        )));
    }
    Ok(Some(text.to_owned()))
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
    let doc = Document::parse_with_status(body).map_err(|e| e.error)?;
    if let Some(code) = doc.code() {
        if code != "Success" {
            let message: String = doc
                .message()
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
    doc.into_credentials(PROVIDER_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::timestamp;

    #[test]
    fn role_listing() {
        assert_eq!(
            parse_role_name(b"role-a").unwrap().as_deref(),
            Some("role-a")
        );
        for several in [
            &b"  \n role-a \r\nrole-b"[..],
            b"role-a\nrole-b",
            b"role-a\n\nrole-b\n",
        ] {
            let e = parse_role_name(several).unwrap_err().to_string();
            assert!(e.contains("several lines"), "{e}");
        }
        // One line and a line ending: the CLI asks for `role-a%0A` and finds nothing.
        assert!(parse_role_name(b"role-a\n").is_err());
        assert_eq!(parse_role_name(b" \n").unwrap(), None);
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
        assert_eq!(c.provider(), PROVIDER_NAME);
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
