//! The credentials document of the container endpoints. Public: programs that serve or check
//! such documents read them as the tier does (awscred's `serve` tests do; so does the fuzz
//! target); it never panics on any input.

use awscred_core::credentials_document::{Document, Refused};
use awscred_core::{Credentials, Error};

/// The producing tier's name in [`Credentials::provider`].
pub const PROVIDER_NAME: &str = awscred_core::Tier::Container.name();

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

/// As [`parse_credentials`], saying also whether the CLI would ask again.
pub(crate) fn parse(body: &[u8]) -> Result<Credentials, Refused> {
    Document::parse(body)?
        .into_credentials(PROVIDER_NAME)
        .map_err(|error| Refused::new(error, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::timestamp;

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
        assert_eq!(c.provider(), PROVIDER_NAME);
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
