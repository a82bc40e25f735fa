//! What the CLI's file formats and OAuth need beyond the encodings (which are
//! `awscred_core::encoding`'s, named here as this crate's modules call them): hex SHA-1 and
//! SHA-256, query strings, Python-compatible JSON, and randomness.

use ring::digest;

/// Lower-case hex SHA-1 of `input`: the CLI's cache file names.
pub(crate) fn sha1_hex(input: &[u8]) -> String {
    hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, input).as_ref())
}

/// SHA-256 of `input`.
pub(crate) fn sha256(input: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, input).as_ref().to_vec()
}

/// Lower-case hex SHA-256 of `input` (`hashlib.sha256(...).hexdigest()`).
pub(crate) fn sha256_hex(input: &[u8]) -> String {
    hex(&sha256(input))
}

pub(crate) use awscred_core::encoding::{
    base64 as base64_encode, base64_decode, base64url, hex, percent_decode_query as percent_decode,
    percent_encode,
};

/// The `key=value` pairs of a query string, decoded.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], awscred_core::Error> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut buf = [0u8; N];
    SystemRandom::new().fill(&mut buf).map_err(|_| {
        awscred_core::Error::provider_failed("the system random number generator failed")
    })?;
    Ok(buf)
}

/// A random version-4 UUID, as Python's `uuid.uuid4()` prints it (the CLI's OAuth `state`).
pub(crate) fn uuid4() -> Result<String, awscred_core::Error> {
    let mut b = random_bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A PKCE code verifier as the CLI makes it: 64 characters from letters, digits and `-._~`.
pub(crate) fn code_verifier() -> Result<String, awscred_core::Error> {
    // 66 symbols; rejection sampling keeps the choice uniform.
    const SYMBOLS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut out = String::with_capacity(64);
    while out.len() < 64 {
        for b in random_bytes::<64>()? {
            let limit = 256 - (256 % SYMBOLS.len());
            if usize::from(b) < limit && out.len() < 64 {
                out.push(SYMBOLS[usize::from(b) % SYMBOLS.len()] as char);
            }
        }
    }
    Ok(out)
}

/// A JSON value written exactly as Python's `json.dumps` writes it, so that cache keys (SHA-1
/// of a JSON text) and cache files match the CLI's byte for byte.
///
/// Read back with [`PyJson::parse`], a file keeps its keys in their order, as a Python `dict`
/// keeps them, so that a file the CLI wrote and this crate rewrites differs only where a value
/// changed.
#[derive(Debug, Clone, PartialEq)]
pub enum PyJson {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Integers within 64 bits print as Python prints them; a fraction prints in Rust's shortest
    /// form, which may spell an exponent differently from Python (`1e100` for `1e+100`), and a
    /// larger integer is read as a fraction (serde_json without `arbitrary_precision`).
    Number(serde_json::Number),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<PyJson>),
    /// Keys in the order they are written.
    Object(Vec<(String, PyJson)>),
}

impl PyJson {
    /// `json.dumps(value)` (`sort_keys=False`, separators `", "` and `": "`), or with `compact`,
    /// separators `","` and `":"`.
    pub fn dumps(&self, compact: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, compact);
        out
    }

    /// Parses JSON text as `json.loads` does: object keys keep their order and a repeated key
    /// keeps its first place with its last value.
    pub fn parse(bytes: &[u8]) -> serde_json::Result<PyJson> {
        serde_json::from_slice(bytes)
    }

    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&PyJson> {
        match self {
            PyJson::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value of `key` in an object.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(PyJson::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Sets `key` in an object: in place when present (as a `dict` update keeps the key's
    /// place), else at the end. The old value is dropped through [`PyJson::wipe`].
    pub fn set(&mut self, key: &str, value: PyJson) {
        if let PyJson::Object(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => std::mem::replace(old, value).wipe(),
                None => entries.push((key.to_owned(), value)),
            }
        }
    }

    /// Drops the value with every string in it zeroed first: for documents that hold secrets.
    pub fn wipe(self) {
        use zeroize::Zeroize;
        match self {
            PyJson::Str(mut s) => s.zeroize(),
            PyJson::List(items) => items.into_iter().for_each(PyJson::wipe),
            PyJson::Object(entries) => {
                for (mut key, value) in entries {
                    key.zeroize();
                    value.wipe();
                }
            }
            PyJson::Null | PyJson::Bool(_) | PyJson::Number(_) => {}
        }
    }

    /// The same value with every object's keys sorted (Python's `sort_keys=True`).
    pub fn sorted(mut self) -> PyJson {
        match &mut self {
            PyJson::Object(entries) => {
                let taken = std::mem::take(entries);
                let mut sorted: Vec<(String, PyJson)> =
                    taken.into_iter().map(|(k, v)| (k, v.sorted())).collect();
                // Python compares str by code point, which is UTF-8 byte order.
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                *entries = sorted;
            }
            PyJson::List(items) => {
                let taken = std::mem::take(items);
                *items = taken.into_iter().map(PyJson::sorted).collect();
            }
            _ => {}
        }
        self
    }

    fn write(&self, out: &mut String, compact: bool) {
        let (item_sep, key_sep) = if compact { (",", ":") } else { (", ", ": ") };
        match self {
            PyJson::Null => out.push_str("null"),
            PyJson::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            PyJson::Number(n) => out.push_str(&n.to_string()),
            PyJson::Str(s) => awscred_core::pyjson::write_str(out, s),
            PyJson::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    item.write(out, compact);
                }
                out.push(']');
            }
            PyJson::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    awscred_core::pyjson::write_str(out, k);
                    out.push_str(key_sep);
                    v.write(out, compact);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> serde_core::Deserialize<'de> for PyJson {
    fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PyJsonVisitor)
    }
}

struct PyJsonVisitor;

impl<'de> serde_core::de::Visitor<'de> for PyJsonVisitor {
    type Value = PyJson;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<PyJson, E> {
        Ok(PyJson::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<PyJson, E> {
        Ok(PyJson::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<PyJson, E> {
        Ok(PyJson::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<PyJson, E> {
        Ok(PyJson::Number(v.into()))
    }

    fn visit_f64<E: serde_core::de::Error>(self, v: f64) -> Result<PyJson, E> {
        serde_json::Number::from_f64(v)
            .map(PyJson::Number)
            .ok_or_else(|| E::custom("a number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<PyJson, E> {
        Ok(PyJson::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<PyJson, E> {
        Ok(PyJson::Str(v))
    }

    fn visit_seq<A: serde_core::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PyJson, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(PyJson::List(items))
    }

    fn visit_map<A: serde_core::de::MapAccess<'de>>(self, mut map: A) -> Result<PyJson, A::Error> {
        let mut doc = PyJson::Object(Vec::new());
        while let Some((key, value)) = map.next_entry::<String, PyJson>()? {
            doc.set(&key, value);
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_values() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        // The smithy-rs suite's cache file name for the session "dev".
        assert_eq!(sha1_hex(b"dev"), "34c6fceca75e456f25e7e99531e2425c6c1de443");
        assert_eq!(
            sha1_hex(b"https://ssotest.awsapps.com/start"),
            "dace00cba5f8355ec9d274ceb2bcebdfbeed0e12"
        );
    }

    #[test]
    fn base64url_matches_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            base64url(&sha256(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
    }

    #[test]
    fn base64_decodes_as_python() {
        let d = |t: &str| base64_decode(t).map(|v| v.to_vec());
        assert_eq!(d("Zm9v"), Some(b"foo".to_vec()));
        assert_eq!(d("Zm8="), Some(b"fo".to_vec()));
        assert_eq!(d("Zg=="), Some(b"f".to_vec()));
        assert_eq!(d("Z m\n9v"), Some(b"foo".to_vec()));
        assert_eq!(d(""), Some(Vec::new()));
        // binascii.Error: Incorrect padding / excess data.
        assert_eq!(d("Zm8"), None);
        assert_eq!(d("Z"), None);
        assert_eq!(d("Zg==Zg=="), None);
    }

    #[test]
    fn percent_round_trip() {
        assert_eq!(percent_encode("a b/c+d~"), "a%20b%2Fc%2Bd~");
        assert_eq!(percent_decode("a%20b%2Fc%2Bd~+x%"), "a b/c+d~ x%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(
            parse_query("code=a%2Bb&state=s&flag"),
            vec![
                ("code".into(), "a+b".into()),
                ("state".into(), "s".into()),
                ("flag".into(), String::new())
            ]
        );
    }

    #[test]
    fn python_json_format() {
        let v = PyJson::Object(vec![
            ("tool".into(), PyJson::Str("botocore".into())),
            ("scopes".into(), PyJson::Null),
            (
                "n".into(),
                PyJson::List(vec![PyJson::Null, PyJson::Str("é\"\n😀".into())]),
            ),
        ]);
        assert_eq!(
            v.clone().sorted().dumps(false),
            r#"{"n": [null, "\u00e9\"\n\ud83d\ude00"], "scopes": null, "tool": "botocore"}"#
        );
        assert_eq!(
            v.dumps(true),
            r#"{"tool":"botocore","scopes":null,"n":[null,"\u00e9\"\n\ud83d\ude00"]}"#
        );
    }

    #[test]
    fn parse_keeps_order_and_rewrites_as_python() {
        // json.dumps(json.loads(text)) in Python 3.11 gives exactly `want`.
        let text = r#"{"z": {"b": 1, "a": [true, false, null, -2, 1.5]}, "a": "\u00e9", "z2": 0, "a": "last"}"#;
        let want = r#"{"z": {"b": 1, "a": [true, false, null, -2, 1.5]}, "a": "last", "z2": 0}"#;
        let mut doc = PyJson::parse(text.as_bytes()).unwrap();
        assert_eq!(doc.dumps(false), want);
        assert_eq!(doc.get_str("a"), Some("last"));
        assert_eq!(doc.get_str("z"), None);
        doc.set("z", PyJson::Str("new".into()));
        doc.set("n", PyJson::Null);
        assert_eq!(
            doc.dumps(false),
            r#"{"z": "new", "a": "last", "z2": 0, "n": null}"#
        );
        assert!(PyJson::parse(b"{").is_err());
    }

    #[test]
    fn randomness_shapes() {
        let v = code_verifier().unwrap();
        assert_eq!(v.len(), 64);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(v, code_verifier().unwrap());
        let u = uuid4().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
