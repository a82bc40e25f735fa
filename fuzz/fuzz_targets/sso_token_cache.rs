//! Feeds arbitrary bytes to the SSO token cache reader. Invariants: no panic; an error names the
//! file and never quotes the contents; a token that parses writes back (`to_json`) to text that
//! parses to the same token.
#![no_main]

use std::path::Path;

use awscred_core::timestamp;
use awscred_sso::CachedToken;
use libfuzzer_sys::fuzz_target;

const PATH: &str = "/home/u/.aws/sso/cache/fuzz.json";

fuzz_target!(|data: &[u8]| {
    match CachedToken::parse(data, "fuzz-session", Path::new(PATH)) {
        // Times the 4-digit ISO form cannot hold (before year 0) are read but cannot round-trip;
        // the crate only ever writes times it computed from the clock.
        Ok(token) if timestamp::parse(&timestamp::format_z(token.expires_at)).is_none() => {}
        Ok(token) => {
            let again = CachedToken::parse(token.to_json().as_bytes(), "fuzz-session", Path::new(PATH))
                .expect("what we write, we read");
            // Sub-second precision is not kept, as in the CLI's format.
            assert_eq!(again.access_token, token.access_token);
            assert_eq!(again.refresh_token, token.refresh_token);
            assert_eq!(again.client_id, token.client_id);
            assert_eq!(again.registration_expires_at, token.registration_expires_at);
            assert_eq!(again.start_url, token.start_url);
            assert_eq!(again.region, token.region);
            let debug = format!("{token:?}");
            assert!(debug.starts_with("CachedToken { access_token: ** redacted **,"), "{debug}");
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains(PATH), "{text}");
        }
    }
});
