//! The STS response reader on arbitrary bytes: never panics, and never shows a secret it read in
//! `Debug` or in an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match awscred_sts::xml::parse_credentials(data) {
        Ok(creds) => {
            let debug = format!("{creds:?}");
            let secret = creds.secret_access_key.expose();
            if secret.len() >= 8 && !creds.access_key_id.contains(secret) {
                assert!(!debug.contains(secret), "secret in Debug output");
            }
            let _ = creds.account_id();
        }
        Err(message) => {
            // Errors describe the document, never quote it.
            if data.len() >= 64 {
                if let Ok(text) = std::str::from_utf8(data) {
                    assert!(!message.contains(text), "input echoed in error");
                }
            }
        }
    }
    let _ = awscred_sts::xml::parse_error(data);
    let _ = awscred_sts::xml::parse_caller_identity(data);
    if let Ok(doc) = awscred_sts::xml::parse(data) {
        let _ = (doc.root(), doc.get("Error/Code"));
    }
});
