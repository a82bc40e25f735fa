//! Feeds arbitrary bytes to the IMDS readers: the role listing and the credentials document.
//! Invariants: no panic; a role name accepted is non-empty, one line, and safe in a URL path;
//! accepted credentials never show their secret or token in `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(role)) = awscred_imds::parse_role_name(data) {
        assert!(!role.is_empty() && role.len() <= 64);
        assert!(
            role.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        );
    }
    if let Ok(creds) = awscred_imds::parse_credentials(data) {
        let shown = format!("{creds:?}");
        let visible = format!(
            "{} {:?} {:?}",
            creds.access_key_id(),
            creds.account_id(),
            creds.expiration()
        );
        for secret in [Some(creds.secret_access_key()), creds.session_token()]
            .into_iter()
            .flatten()
        {
            let s = secret.expose();
            // Short values can occur in the visible fields or the field names by chance.
            if s.len() >= 16 && !visible.contains(s) {
                assert!(!shown.contains(s), "secret in Debug output");
            }
        }
        assert!(creds.expiration().is_some());
    }
});
