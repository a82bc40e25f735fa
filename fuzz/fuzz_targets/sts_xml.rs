//! The STS response reader on arbitrary bytes: never panics, and never shows a secret it read in
//! `Debug` or in an error.
#![no_main]

use awscred_core::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match awscred_sts::internal::xml::parse_credentials(data) {
        Ok(creds) => {
            // Debug does not depend on the secrets at all: swapping them leaves it unchanged
            // (stricter than "the secret is not in the text", and no false alarm when a secret
            // happens to spell a field name).
            let mut swapped = creds.clone();
            swapped.secret_access_key = Secret::new(format!("{}x", creds.secret_access_key.expose()));
            swapped.session_token = Secret::new(format!("{}x", creds.session_token.expose()));
            assert_eq!(format!("{creds:?}"), format!("{swapped:?}"), "a secret shows in Debug");
            let _ = creds.account_id();
        }
        Err(error) => {
            let message = error.to_string();
            // Errors describe the document, never quote it.
            if data.len() >= 64 {
                if let Ok(text) = std::str::from_utf8(data) {
                    assert!(!message.contains(text), "input echoed in error");
                }
            }
        }
    }
    let _ = awscred_sts::internal::xml::parse_error(data);
    let _ = awscred_sts::internal::xml::parse_caller_identity(data);
    if let Ok(doc) = awscred_sts::internal::xml::parse(data) {
        let _ = (doc.root(), doc.get("Error/Code"));
    }
});
