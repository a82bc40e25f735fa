//! JSON text as Python's `json.dumps` writes it, for the files and outputs that must match the
//! AWS CLI byte for byte (`export-credentials`, the CLI's cache keys and cache files).

use std::fmt::Write;

/// Appends `value` as a JSON string the way `json.dumps` does with its default
/// `ensure_ascii=True`: `"` and `\` escaped, `\n \r \t \b \f` by name, every other character
/// outside printable ASCII (`' '..='~'`) as `\uXXXX` in lower-case hex, with a surrogate pair
/// above U+FFFF.
///
/// ```
/// let mut out = String::new();
/// awscred_core::pyjson::write_str(&mut out, "a\"b\u{e9}\u{1f600}");
/// assert_eq!(out, r#""a\"b\u00e9\ud83d\ude00""#);
/// ```
pub fn write_str(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}
