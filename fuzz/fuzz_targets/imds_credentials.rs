//! Feeds arbitrary bytes to the IMDS readers: the role listing and the credentials document.
//! Invariants: no panic; a role name accepted is non-empty, one line, and safe in a URL path;
//! a document accepted has no `Code` but `Success` and gives exactly the credentials that the
//! container tier's reading of it gives, a `Code` other than `Success` is refused as such.
//! The document reader is awscred-core's, shared with the container tier: whether accepted
//! credentials keep their secret and token out of `Debug` is checked by fuzz/ecs.
#![no_main]

use awscred_core::credentials_document::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(role)) = awscred_imds::parse_role_name(data) {
        assert!(!role.is_empty() && role.len() <= 64);
        assert!(
            role.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        );
    }
    let imds = awscred_imds::parse_credentials(data);
    let Ok(doc) = Document::parse_with_status(data) else {
        assert!(
            imds.is_err(),
            "IMDS accepted what the shared reader refuses"
        );
        return;
    };
    let failed = doc.code().is_some_and(|code| code != "Success");
    match imds {
        Ok(creds) => {
            assert!(!failed, "IMDS accepted a failure Code");
            assert_eq!(
                creds.provider(),
                awscred_core::Tier::InstanceMetadata.name()
            );
            assert!(creds.expiration().is_some());
            // The status fields only ever add refusals to the container reading.
            let container = Document::parse(data)
                .map_err(|e| e.error)
                .and_then(|doc| doc.into_credentials(awscred_core::Tier::Container.name()))
                .expect("the container reading accepts what IMDS accepts");
            assert_eq!(creds.access_key_id(), container.access_key_id());
            assert_eq!(creds.secret_access_key(), container.secret_access_key());
            assert_eq!(creds.session_token(), container.session_token());
            assert_eq!(creds.expiration(), container.expiration());
            assert_eq!(creds.account_id(), container.account_id());
        }
        Err(e) => {
            assert_eq!(
                failed,
                e.to_string().starts_with("IMDS answered Code"),
                "{e}"
            );
        }
    }
});
