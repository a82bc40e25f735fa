//! A string that never prints and is wiped from memory when dropped.

use std::fmt;

use zeroize::Zeroizing;

/// What `Debug` and `Display` print in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A secret string: the secret access key, a session token, a bearer token.
///
/// Invariants: the only way to read the value is [`Secret::expose`]; `Debug` and
/// `Display` print [`REDACTED`]; the heap buffer is overwritten with zeros on drop
/// (through [`zeroize::Zeroizing`]), including any spare capacity.
///
/// ```
/// use awscred_core::Secret;
/// let s = Secret::new("wJalrXUtnFEMI");
/// assert_eq!(s.expose(), "wJalrXUtnFEMI");
/// assert_eq!(format!("{s:?} {s}"), "** redacted ** ** redacted **");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value itself. Call sites are the places a secret leaves the wrapper:
    /// signing, the `export-credentials` output, cache files.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("topsecret");
        assert!(!format!("{s:?}").contains("topsecret"));
        assert!(!format!("{s}").contains("topsecret"));
        assert!(!format!("{:#?}", Some(&s)).contains("topsecret"));
    }

    #[test]
    fn zeroize_clears_the_buffer() {
        use zeroize::Zeroize;
        // The wrapper drops through Zeroizing, which calls exactly this.
        let mut inner = Zeroizing::new(String::from("topsecret"));
        inner.zeroize();
        assert!(inner.is_empty());
    }

    #[test]
    fn drop_runs_zeroize_on_the_wrappers_own_type() {
        use std::cell::Cell;
        use std::rc::Rc;
        // The field is exactly `Zeroizing<String>`: this line stops compiling if it changes.
        let field: fn(&Secret) -> &Zeroizing<String> = |s| &s.0;
        let s = Secret::new("topsecret");
        assert_eq!(field(&s).as_str(), "topsecret");
        // And `Zeroizing`'s own drop calls `zeroize`, observed on a probe rather than by reading
        // freed memory (which would be undefined behaviour).
        struct Probe(Rc<Cell<u32>>);
        impl zeroize::Zeroize for Probe {
            fn zeroize(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let calls = Rc::new(Cell::new(0));
        let probe = Zeroizing::new(Probe(calls.clone()));
        assert_eq!(calls.get(), 0);
        drop(probe);
        assert_eq!(calls.get(), 1);
    }
}
