//! DPoP proofs (RFC 9449) for the sign-in service: the `aws login` token file holds a P-256 key
//! (`dpopKey`, a PEM block), and every `CreateOAuth2Token` refresh carries a `DPoP` header, a JWT
//! signed with it, as botocore's `_build_dpop_header` makes it.
//!
//! The key is read from its DER form by hand: SEC1 `ECPrivateKey` (what the CLI writes, `BEGIN EC
//! PRIVATE KEY`) or PKCS#8 wrapping one. Both must name P-256 when they name a curve and must
//! carry the public key, which ring needs to build the key pair (the CLI's keys always do).

use awscred_core::pyjson::write_str;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use zeroize::Zeroizing;

use awscred_core::Secret;

use awscred_sso::internal::{base64_decode, base64_encode, base64url, uuid4};

/// `prime256v1` (1.2.840.10045.3.1.7), DER-encoded with its tag.
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `id-ecPublicKey` (1.2.840.10045.2.1), DER-encoded with its tag.
const EC_PUBLIC_KEY_OID: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// A P-256 signing key: the token file's (`dpopKey`), or a new one for `aws login`. Its `Debug`
/// shows nothing of the key; the private scalar is wiped on drop.
pub struct DpopKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    scalar: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(P-256, redacted)")
    }
}

impl DpopKey {
    /// Reads the key from `pem` as botocore's `_load_private_key` does: the lines that start
    /// with `-----BEGIN` / `-----END` are dropped and the rest is base64 of DER. The reason for a
    /// refusal never includes key material.
    pub fn from_pem(pem: &str) -> Result<DpopKey, &'static str> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
            .collect();
        let body = Zeroizing::new(body);
        let der = base64_decode(body.trim()).ok_or("the key is not valid base64")?;
        Self::from_der(&der)
    }

    /// A new key from the system's random generator, as `aws login` makes one for each session.
    pub fn generate() -> Result<DpopKey, &'static str> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "the system random number generator failed")?;
        Self::from_der(pkcs8.as_ref())
    }

    fn from_der(der: &[u8]) -> Result<DpopKey, &'static str> {
        let (private, public) = ec_private_key(der)?;
        let mut scalar = Zeroizing::new([0u8; 32]);
        scalar[32 - private.len()..].copy_from_slice(private);
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &scalar[..],
            public,
            &rng,
        )
        .map_err(|_| "the private and public keys are not a P-256 key pair")?;
        Ok(DpopKey { pair, rng, scalar })
    }

    /// The key as the CLI writes it in the token file: SEC1 DER (version 1, the scalar, the
    /// P-256 curve, the public point; what awscrt's `export_key(SEC1)` gives) in a PEM block
    /// `EC PRIVATE KEY`, base64 lines of 64 characters, ending with a newline.
    pub fn to_sec1_pem(&self) -> Secret {
        let point = self.pair.public_key().as_ref();
        let mut der = Zeroizing::new(Vec::with_capacity(121));
        der.extend_from_slice(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
        der.extend_from_slice(&self.scalar[..]);
        der.extend_from_slice(&[0xa0, 0x0a]);
        der.extend_from_slice(P256_OID);
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(point);
        let text = Zeroizing::new(base64_encode(&der));
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for line in text.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        Secret::new(pem)
    }

    /// The public key as a JWK's `x` and `y` (base64url of the 32-byte coordinates).
    fn jwk_coordinates(&self) -> (String, String) {
        // Uncompressed point: 0x04 || X || Y.
        let point = self.pair.public_key().as_ref();
        (base64url(&point[1..33]), base64url(&point[33..65]))
    }

    /// The `DPoP` header value for a `POST` to `url` at `issued_at` (Unix seconds): a compact
    /// JWS, ES256, with the public key in the header and a fresh random `jti`.
    pub fn proof(&self, url: &str, issued_at: u64) -> Result<String, &'static str> {
        let (x, y) = self.jwk_coordinates();
        // The texts botocore signs: `json.dumps(..., separators=(',', ':'))`, keys in its order.
        let header = format!(
            r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","x":"{x}","y":"{y}","crv":"P-256"}}}}"#
        );
        let mut payload = String::from(r#"{"htm":"POST","htu":"#);
        write_str(&mut payload, url);
        let jti = uuid4().map_err(|_| "the system random number generator failed")?;
        payload.push_str(&format!(r#","iat":{issued_at},"jti":"{jti}"}}"#));
        let signing_input = format!(
            "{}.{}",
            base64url(header.as_bytes()),
            base64url(payload.as_bytes())
        );
        let signature = self
            .pair
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|_| "signing the DPoP proof failed")?;
        Ok(format!("{signing_input}.{}", base64url(signature.as_ref())))
    }
}

/// The private scalar and the uncompressed public point of a P-256 key in SEC1 or PKCS#8 DER.
fn ec_private_key(der: &[u8]) -> Result<(&[u8], &[u8]), &'static str> {
    let mut outer = Der::new(der).sequence()?;
    match outer.integer()? {
        // PKCS#8 v1: the algorithm, then the SEC1 structure in an OCTET STRING.
        [0] => {
            let mut algorithm = outer.sequence()?;
            if algorithm.raw_element()? != EC_PUBLIC_KEY_OID {
                return Err("the key is not an elliptic-curve key");
            }
            if algorithm.raw_element()? != P256_OID {
                return Err("the key is not on the P-256 curve");
            }
            let mut inner = Der::new(outer.element(0x04)?).sequence()?;
            match inner.integer()? {
                [1] => sec1(inner),
                _ => Err("the key is neither SEC1 nor PKCS#8"),
            }
        }
        [1] => sec1(outer),
        _ => Err("the key is neither SEC1 nor PKCS#8"),
    }
}

/// The rest of a SEC1 `ECPrivateKey` after its version.
fn sec1(mut outer: Der<'_>) -> Result<(&[u8], &[u8]), &'static str> {
    let private = outer.element(0x04)?;
    if private.is_empty() || private.len() > 32 {
        return Err("the private key is not a P-256 scalar");
    }
    let mut public = None;
    while !outer.is_empty() {
        let (tag, contents) = outer.any()?;
        match tag {
            0xa0 if Der::new(contents).raw_element()? != P256_OID => {
                return Err("the key is not on the P-256 curve");
            }
            0xa1 => {
                let bits = Der::new(contents).element(0x03)?;
                // No unused bits, then the uncompressed point.
                match bits {
                    [0, point @ ..] if point.len() == 65 && point[0] == 4 => public = Some(point),
                    _ => return Err("the public key is not an uncompressed P-256 point"),
                }
            }
            _ => {}
        }
    }
    let public = public.ok_or("the key does not include its public key")?;
    Ok((private, public))
}

/// A cursor over DER elements (definite lengths only, as DER requires).
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element: its tag and contents.
    fn any(&mut self) -> Result<(u8, &'a [u8]), &'static str> {
        const BAD: &str = "the key is not valid DER";
        let (&tag, rest) = self.rest.split_first().ok_or(BAD)?;
        let (&first, mut rest) = rest.split_first().ok_or(BAD)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 2 || rest.len() < count {
                return Err(BAD);
            }
            let (digits, after) = rest.split_at(count);
            rest = after;
            digits
                .iter()
                .fold(0usize, |n, &d| (n << 8) | usize::from(d))
        };
        if rest.len() < len {
            return Err(BAD);
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Ok((tag, contents))
    }

    /// The contents of the next element, which must have tag `tag`.
    fn element(&mut self, tag: u8) -> Result<&'a [u8], &'static str> {
        match self.any()? {
            (t, contents) if t == tag => Ok(contents),
            _ => Err("the key is not the expected DER structure"),
        }
    }

    /// The next element whole, tag and length included (to compare with an encoded OID).
    fn raw_element(&mut self) -> Result<&'a [u8], &'static str> {
        let before = self.rest;
        self.any()?;
        Ok(&before[..before.len() - self.rest.len()])
    }

    fn sequence(&mut self) -> Result<Der<'a>, &'static str> {
        self.element(0x30).map(Der::new)
    }

    fn integer(&mut self) -> Result<&'a [u8], &'static str> {
        self.element(0x02)
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
    use serde_json::Value;

    use super::*;

    /// The cross-SDK suite's key (login-provider-test-cases.json), as the CLI writes keys.
    const SUITE_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n\
        AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\n\
        ffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

    #[test]
    fn keys_are_written_as_the_cli_writes_them() {
        let key = DpopKey::from_pem(SUITE_KEY).unwrap();
        assert_eq!(key.to_sec1_pem().expose(), SUITE_KEY);
        let fresh = DpopKey::generate().unwrap();
        let pem = fresh.to_sec1_pem();
        let again = DpopKey::from_pem(pem.expose()).unwrap();
        assert_eq!(again.jwk_coordinates(), fresh.jwk_coordinates());
        assert_ne!(fresh.jwk_coordinates(), key.jwk_coordinates());
        assert!(!format!("{fresh:?}").contains(&pem.expose()[31..60]));
    }

    fn decode_part(part: &str) -> Value {
        serde_json::from_slice(&b64url_decode(part)).unwrap()
    }

    fn b64url_decode(part: &str) -> Vec<u8> {
        let mut b64 = part.replace('-', "+").replace('_', "/");
        while b64.len() % 4 != 0 {
            b64.push('=');
        }
        base64_decode(&b64).unwrap().to_vec()
    }

    #[test]
    fn proof_is_a_verifiable_es256_jwt() {
        let key = DpopKey::from_pem(SUITE_KEY).unwrap();
        let url = "https://us-east-1.signin.aws.amazon.com/v1/token";
        let jwt = key.proof(url, 1_763_510_400).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode_part(parts[0]);
        // The public key botocore derives from this key (its DPoP header for the same file).
        assert_eq!(
            header,
            serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "EC",
                "x": "ILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4Y",
                "y": "70wIlAkPyH37rdt-_bj_jgQptqLxqQTiUYK5dUbKVDk", "crv": "P-256"}})
        );
        let payload = decode_part(parts[1]);
        assert_eq!(payload["htm"], "POST");
        assert_eq!(payload["htu"], url);
        assert_eq!(payload["iat"], 1_763_510_400);
        assert_eq!(payload["jti"].as_str().unwrap().len(), 36);
        let mut point = vec![4u8];
        point.extend(b64url_decode(header["jwk"]["x"].as_str().unwrap()));
        point.extend(b64url_decode(header["jwk"]["y"].as_str().unwrap()));
        let signature = b64url_decode(parts[2]);
        assert_eq!(signature.len(), 64);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies with the JWK");
        // A fresh jti each time.
        let again = decode_part(key.proof(url, 1).unwrap().split('.').nth(1).unwrap());
        assert_ne!(again["jti"], payload["jti"]);
    }

    #[test]
    fn pkcs8_form_of_the_same_key_is_accepted() {
        // `openssl pkcs8 -topk8 -nocrypt` of SUITE_KEY.
        let pkcs8 = "-----BEGIN PRIVATE KEY-----\n\
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+3+7wic8ulB5AslO\n\
            9Vf6w0POeLy8wMy3cuK76cwGKB+hRANCAAQguQYbus06fGIgmUyCKZjVQ8/x4MwU\n\
            /QMBjpYaOeA/hu9MCJQJD8h9+63bfv24/44EKbai8akE4lGCuXVGylQ5\n\
            -----END PRIVATE KEY-----\n";
        let a = DpopKey::from_pem(pkcs8).unwrap().jwk_coordinates();
        let b = DpopKey::from_pem(SUITE_KEY).unwrap().jwk_coordinates();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        let cases = [
            ("", "the key is not valid DER"),
            (
                "-----BEGIN EC PRIVATE KEY-----\n!!\n",
                "the key is not valid DER",
            ),
            ("Zm8", "the key is not valid base64"),
            // SEQUENCE { INTEGER 2 }
            ("MAMCAQI=", "the key is neither SEC1 nor PKCS#8"),
            // SEC1 without the public key: SEQUENCE { 1, OCTET STRING(32 x 0x01), [0] P-256 }
            (
                "MDECAQEEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBoAoGCCqGSM49AwEH",
                "the key does not include its public key",
            ),
            // The same, on secp384r1 (1.3.132.0.34).
            (
                "MC4CAQEEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBoAcGBSuBBAAi",
                "the key is not on the P-256 curve",
            ),
        ];
        for (pem, want) in cases {
            let err = DpopKey::from_pem(pem).unwrap_err();
            assert_eq!(err, want, "{pem}");
        }
        // A public key that does not belong to the private one.
        let mut der = base64_decode(
            SUITE_KEY
                .lines()
                .skip(1)
                .take(3)
                .collect::<String>()
                .as_str(),
        )
        .unwrap()
        .to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let mut pem = base64url(&der).replace('-', "+").replace('_', "/");
        while pem.len() % 4 != 0 {
            pem.push('=');
        }
        assert_eq!(
            DpopKey::from_pem(&pem).unwrap_err(),
            "the private and public keys are not a P-256 key pair"
        );
        assert_eq!(
            format!("{:?}", DpopKey::from_pem(SUITE_KEY).unwrap()),
            "DpopKey(P-256, redacted)"
        );
    }
}
