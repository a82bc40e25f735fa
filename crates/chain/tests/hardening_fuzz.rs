//! Regression tests for what the fuzz campaign found (docs/fuzzing.md): each input is the
//! crashing artifact, byte for byte, and the assertion is the fuzz target's invariant.

use awscred_sts::xml;

/// `fuzz/sts` `sts_xml`, crash-2f0a3198...: a closing tag of a space and NUL bytes was quoted in the
/// error through quick-xml's message. Errors describe the document, never quote it.
#[test]
fn sts_xml_error_does_not_quote_a_mismatched_end_tag() {
    let mut input = b"</ ".to_vec();
    input.extend([0u8; 84]);
    input.push(b'>');
    assert_eq!(input.len(), 88);
    let text = String::from_utf8(input.clone()).unwrap();
    let err = xml::parse_credentials(&input).unwrap_err();
    assert!(!err.contains(&text), "{err:?}");
    assert!(!err.contains('\0'), "{err:?}");
    assert!(err.contains("malformed XML at byte"), "{err}");
}

/// `fuzz/sts` `sts_xml`, crash-3e576d3d...: an unknown entity's name (here `#1` followed by NUL
/// bytes and `[`) was echoed in `unknown XML entity &...;`.
#[test]
fn sts_xml_error_does_not_quote_an_unknown_entity() {
    let mut input = b"&#1".to_vec();
    input.extend([0u8; 123]);
    input.extend(b"[;");
    assert_eq!(input.len(), 128);
    let text = String::from_utf8(input.clone()).unwrap();
    let err = xml::parse_credentials(&input).unwrap_err();
    assert!(!err.contains(&text[1..]), "{err:?}");
    assert!(!err.contains('\0'), "{err:?}");
    // A secret-looking entity name is not shown either.
    let err = xml::parse(b"<a>&wJalrXUtnFEMIzzSEKRITzz;</a>").unwrap_err();
    assert!(!err.contains("zzSEKRITzz"), "{err}");
    assert!(err.contains("unknown XML entity"), "{err}");
}
