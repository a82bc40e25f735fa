//! The output formats of `export-credentials`, byte for byte as the AWS CLI v2 writes them
//! (`awscli/customizations/configure/exportcreds.py`).

use std::time::{SystemTime, UNIX_EPOCH};

use awscred_core::{Credentials, timestamp};
use zeroize::Zeroizing;

/// One `--format` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The `credential_process` JSON document (the default).
    Process,
    /// `export AWS_ACCESS_KEY_ID=...`
    Env,
    /// `AWS_ACCESS_KEY_ID=...`
    EnvNoExport,
    /// `$Env:AWS_ACCESS_KEY_ID="..."`
    Powershell,
    /// `set AWS_ACCESS_KEY_ID=...`
    WindowsCmd,
    /// `set -gx AWS_ACCESS_KEY_ID "..."`
    Fish,
}

impl Format {
    /// Every format with its name, in the CLI's order.
    pub(crate) const ALL: [(&'static str, Format); 6] = [
        ("process", Format::Process),
        ("env", Format::Env),
        ("env-no-export", Format::EnvNoExport),
        ("powershell", Format::Powershell),
        ("windows-cmd", Format::WindowsCmd),
        ("fish", Format::Fish),
    ];

    /// The format named `name`.
    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// The format's `--format` name.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("process", |(n, _)| n)
    }

    /// Refuses credentials a shell format would print unsafely ([`crate::shell_safe`]): `Err`
    /// names the variable. The JSON of `process` escapes every character and passes anything.
    pub(crate) fn check(self, creds: &Credentials) -> Result<(), String> {
        if self == Format::Process {
            return Ok(());
        }
        let expiration = creds.expiration().map(isoformat);
        let values = [
            ("AWS_ACCESS_KEY_ID", Some(creds.access_key_id())),
            (
                "AWS_SECRET_ACCESS_KEY",
                Some(creds.secret_access_key().expose()),
            ),
            (
                "AWS_SESSION_TOKEN",
                creds.session_token().map(|t| t.expose()),
            ),
            ("AWS_CREDENTIAL_EXPIRATION", expiration.as_deref()),
        ];
        values
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .try_for_each(|(name, value)| crate::shell_safe::check(name, value, self.name()))
    }

    /// The line ending the CLI writes on this platform. Python's stdout turns `\n` into `\r\n`
    /// on Windows; the formats for POSIX-style shells (`env`, `env-no-export`, `fish`) switch that
    /// off, since a shell such as Git Bash would keep the `\r` in each value.
    pub(crate) fn line_ending(self, windows: bool) -> &'static str {
        match self {
            Format::Env | Format::EnvNoExport | Format::Fish => "\n",
            Format::Process | Format::Powershell | Format::WindowsCmd if windows => "\r\n",
            Format::Process | Format::Powershell | Format::WindowsCmd => "\n",
        }
    }

    /// The text to print, ending with a line ending. The buffer holds the secrets and is wiped
    /// when dropped.
    pub(crate) fn render(self, creds: &Credentials) -> Zeroizing<String> {
        self.render_for(creds, cfg!(windows))
    }

    fn render_for(self, creds: &Credentials, windows: bool) -> Zeroizing<String> {
        let eol = self.line_ending(windows);
        let expiration = creds.expiration().map(isoformat);
        let token = creds.session_token().map(|t| t.expose());
        // Room for the worst case (every character escaped as `\u00XX`) up front: growing the
        // buffer would leave copies of the secrets behind in freed memory.
        let values = creds.access_key_id().len()
            + creds.secret_access_key().expose().len()
            + token.map_or(0, str::len)
            + expiration.as_ref().map_or(0, String::len);
        let mut out = Zeroizing::new(String::with_capacity(256 + 6 * values));
        // Each line is `{before}{NAME}{between}{value}{after}\n`.
        let (before, between, after) = match self {
            Format::Process => {
                render_process(&mut out, creds, token, expiration.as_deref(), eol);
                return out;
            }
            Format::Env => ("export ", "=", ""),
            Format::EnvNoExport => ("", "=", ""),
            Format::Powershell => ("$Env:", "=\"", "\""),
            Format::WindowsCmd => ("set ", "=", ""),
            Format::Fish => ("set -gx ", " \"", "\""),
        };
        let mut line = |name: &str, value: &str| {
            for part in [before, name, between, value, after, eol] {
                out.push_str(part);
            }
        };
        line("AWS_ACCESS_KEY_ID", creds.access_key_id());
        line("AWS_SECRET_ACCESS_KEY", creds.secret_access_key().expose());
        if let Some(token) = token {
            line("AWS_SESSION_TOKEN", token);
        }
        if let Some(expiration) = &expiration {
            line("AWS_CREDENTIAL_EXPIRATION", expiration);
        }
        out
    }
}

/// `json.dumps(output, indent=2, separators=(',', ': '))` followed by a newline, with `eol` for
/// every newline.
fn render_process(
    out: &mut String,
    creds: &Credentials,
    token: Option<&str>,
    expiration: Option<&str>,
    eol: &str,
) {
    out.push('{');
    out.push_str(eol);
    out.push_str("  \"Version\": 1");
    let mut field = |key: &str, value: &str| {
        out.push(',');
        out.push_str(eol);
        out.push_str("  \"");
        out.push_str(key);
        out.push_str("\": ");
        awscred_core::pyjson::write_str(out, value);
    };
    field("AccessKeyId", creds.access_key_id());
    field("SecretAccessKey", creds.secret_access_key().expose());
    if let Some(token) = token {
        field("SessionToken", token);
    }
    if let Some(expiration) = expiration {
        field("Expiration", expiration);
    }
    for part in [eol, "}", eol] {
        out.push_str(part);
    }
}

/// Python's `datetime.isoformat()` of the UTC datetime botocore holds: `2021-09-21T04:16:53+00:00`,
/// with `.ffffff` microseconds only when they are not zero (datetime keeps microseconds, so
/// finer digits are dropped).
pub(crate) fn isoformat(time: SystemTime) -> String {
    let micros = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.subsec_micros(),
        // Before 1970 the seconds round down, so the fraction counts up from that second.
        Err(e) => match e.duration().subsec_nanos() {
            0 => 0,
            nanos => (1_000_000_000 - nanos) / 1_000,
        },
    };
    let mut text = timestamp::format_offset(time);
    if micros != 0 {
        let at = text.len() - "+00:00".len();
        text.insert_str(at, &format!(".{micros:06}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use awscred_core::Secret;

    use super::*;

    fn json(value: &str) -> String {
        let mut out = String::new();
        awscred_core::pyjson::write_str(&mut out, value);
        out
    }

    #[test]
    fn strings_are_escaped_as_python_json_dumps_does() {
        assert_eq!(json("plain/+=AKID"), r#""plain/+=AKID""#);
        assert_eq!(json("q\"b\\s"), r#""q\"b\\s""#);
        assert_eq!(json("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(json("\u{1}\u{1f}\u{7f}"), r#""\u0001\u001f\u007f""#);
        assert_eq!(json("é€"), r#""\u00e9\u20ac""#);
        assert_eq!(json("😀"), r#""\ud83d\ude00""#);
    }

    #[test]
    fn isoformat_shows_microseconds_only_when_present() {
        let t = UNIX_EPOCH + Duration::from_secs(1_632_197_813);
        assert_eq!(isoformat(t), "2021-09-21T04:16:53+00:00");
        assert_eq!(
            isoformat(t + Duration::from_nanos(123_456_789)),
            "2021-09-21T04:16:53.123456+00:00"
        );
        assert_eq!(
            isoformat(t + Duration::from_micros(500_000)),
            "2021-09-21T04:16:53.500000+00:00"
        );
        // Under a microsecond: datetime cannot hold it.
        assert_eq!(
            isoformat(t + Duration::from_nanos(999)),
            "2021-09-21T04:16:53+00:00"
        );
        let before = UNIX_EPOCH - Duration::from_millis(1_500);
        assert_eq!(isoformat(before), "1969-12-31T23:59:58.500000+00:00");
    }

    #[test]
    fn every_format_matches_the_cli() {
        let exp = UNIX_EPOCH + Duration::from_secs(1_632_197_813);
        let creds = Credentials::new("AKID", "SE/CRET", Some(Secret::new("TOK")), Some(exp), "t");
        let expected = [
            (
                Format::Process,
                "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKID\",\n  \"SecretAccessKey\": \
                 \"SE/CRET\",\n  \"SessionToken\": \"TOK\",\n  \"Expiration\": \
                 \"2021-09-21T04:16:53+00:00\"\n}\n",
            ),
            (
                Format::Env,
                "export AWS_ACCESS_KEY_ID=AKID\nexport AWS_SECRET_ACCESS_KEY=SE/CRET\nexport \
                 AWS_SESSION_TOKEN=TOK\nexport AWS_CREDENTIAL_EXPIRATION=2021-09-21T04:16:53+00:00\n",
            ),
            (
                Format::EnvNoExport,
                "AWS_ACCESS_KEY_ID=AKID\nAWS_SECRET_ACCESS_KEY=SE/CRET\nAWS_SESSION_TOKEN=TOK\n\
                 AWS_CREDENTIAL_EXPIRATION=2021-09-21T04:16:53+00:00\n",
            ),
            (
                Format::Powershell,
                "$Env:AWS_ACCESS_KEY_ID=\"AKID\"\n$Env:AWS_SECRET_ACCESS_KEY=\"SE/CRET\"\n\
                 $Env:AWS_SESSION_TOKEN=\"TOK\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"2021-09-21T04:16:53+00:00\"\n",
            ),
            (
                Format::WindowsCmd,
                "set AWS_ACCESS_KEY_ID=AKID\nset AWS_SECRET_ACCESS_KEY=SE/CRET\nset \
                 AWS_SESSION_TOKEN=TOK\nset AWS_CREDENTIAL_EXPIRATION=2021-09-21T04:16:53+00:00\n",
            ),
            (
                Format::Fish,
                "set -gx AWS_ACCESS_KEY_ID \"AKID\"\nset -gx AWS_SECRET_ACCESS_KEY \"SE/CRET\"\n\
                 set -gx AWS_SESSION_TOKEN \"TOK\"\nset -gx AWS_CREDENTIAL_EXPIRATION \
                 \"2021-09-21T04:16:53+00:00\"\n",
            ),
        ];
        for (format, text) in expected {
            assert_eq!(
                format.render_for(&creds, false).as_str(),
                text,
                "{format:?}"
            );
        }
        let long_term = Credentials::new("AKID", "SECRET", None, None, "t");
        assert_eq!(
            Format::Process.render_for(&long_term, false).as_str(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKID\",\n  \"SecretAccessKey\": \"SECRET\"\n}\n"
        );
        assert_eq!(
            Format::Env.render_for(&long_term, false).as_str(),
            "export AWS_ACCESS_KEY_ID=AKID\nexport AWS_SECRET_ACCESS_KEY=SECRET\n"
        );
    }

    #[test]
    fn windows_line_endings_only_where_the_cli_writes_them() {
        let creds = Credentials::new("AKID", "SECRET", None, None, "t");
        assert_eq!(
            Format::Process.render_for(&creds, true).as_str(),
            "{\r\n  \"Version\": 1,\r\n  \"AccessKeyId\": \"AKID\",\r\n  \"SecretAccessKey\": \
             \"SECRET\"\r\n}\r\n"
        );
        assert_eq!(
            Format::WindowsCmd.render_for(&creds, true).as_str(),
            "set AWS_ACCESS_KEY_ID=AKID\r\nset AWS_SECRET_ACCESS_KEY=SECRET\r\n"
        );
        assert_eq!(
            Format::Powershell.render_for(&creds, true).as_str(),
            "$Env:AWS_ACCESS_KEY_ID=\"AKID\"\r\n$Env:AWS_SECRET_ACCESS_KEY=\"SECRET\"\r\n"
        );
        for format in [Format::Env, Format::EnvNoExport, Format::Fish] {
            assert!(
                !format.render_for(&creds, true).contains('\r'),
                "{format:?}"
            );
        }
        for (_, format) in Format::ALL {
            assert!(
                !format.render_for(&creds, false).contains('\r'),
                "{format:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for (name, format) in Format::ALL {
            assert_eq!(Format::from_name(name), Some(format));
        }
        assert_eq!(Format::from_name("json"), None);
    }
}
