//! ISO 8601 timestamps as the AWS CLI reads and writes them.
//!
//! Written by hand rather than taken from a date/time crate: the only operations needed are
//! "parse the handful of UTC forms AWS services and the CLI's caches emit" and "format one
//! form", and keeping them here keeps the `env,profile` build within its crate budget.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses an ISO 8601 / RFC 3339 timestamp into a [`SystemTime`].
///
/// Accepts `2024-01-02T03:04:05Z`, fractional seconds, a numeric offset (`+00:00`, `-0700`),
/// the `UTC` suffix the SSO token cache uses (`2024-01-02T03:04:05UTC`), a space instead of
/// `T`, and a date-time with no zone at all (read as UTC, as botocore does).
///
/// ```
/// use awscred_core::timestamp::{parse, format_offset};
/// let t = parse("2021-09-21T04:16:53Z").unwrap();
/// assert_eq!(format_offset(t), "2021-09-21T04:16:53+00:00");
/// assert_eq!(parse("2021-09-21T04:16:53UTC"), Some(t));
/// assert_eq!(parse("2021-09-21T06:16:53+02:00"), Some(t));
/// ```
pub fn parse(text: &str) -> Option<SystemTime> {
    let s = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0..4)?;
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5..7)?;
    let day = num(8..10)?;
    if !matches!(s.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = num(11..13)?;
    if s.get(13) != Some(&b':') {
        return None;
    }
    let minute = num(14..16)?;
    let (second, mut rest) = if s.get(16) == Some(&b':') {
        (num(17..19)?, 19)
    } else {
        (0, 16)
    };
    let mut nanos: u32 = 0;
    if s.get(rest) == Some(&b'.') {
        rest += 1;
        let start = rest;
        while s.get(rest).is_some_and(u8::is_ascii_digit) {
            rest += 1;
        }
        let digits = s.get(start..rest)?;
        if digits.is_empty() {
            return None;
        }
        for (i, d) in digits.iter().take(9).enumerate() {
            nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
    }
    let offset_seconds = match &s[rest..] {
        b"" | b"Z" | b"z" | b"UTC" | b"utc" => 0,
        zone if matches!(zone[0], b'+' | b'-') => {
            let sign = if zone[0] == b'-' { -1 } else { 1 };
            let digits: Vec<u8> = zone[1..].iter().copied().filter(|c| *c != b':').collect();
            if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let hh = i64::from(digits[0] - b'0') * 10 + i64::from(digits[1] - b'0');
            let mm = i64::from(digits[2] - b'0') * 10 + i64::from(digits[3] - b'0');
            if hh > 23 || mm > 59 {
                return None;
            }
            sign * (hh * 3600 + mm * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_seconds;
    from_unix(secs, nanos)
}

/// Formats as the CLI's `export-credentials` does: `2021-09-21T04:16:53+00:00`.
pub fn format_offset(time: SystemTime) -> String {
    let mut out = format_z(time);
    out.pop();
    out.push_str("+00:00");
    out
}

/// Formats as botocore's `JSONFileCache` writes an `Expiration` into `~/.aws/cli/cache`
/// (`strftime('%Y-%m-%dT%H:%M:%S%Z')` of a UTC time): `2021-09-21T04:16:53UTC`.
pub fn format_cli_cache(time: SystemTime) -> String {
    let mut text = format_z(time);
    text.pop();
    text.push_str("UTC");
    text
}

/// Formats as AWS services and the CLI's caches do: `2021-09-21T04:16:53Z`.
pub fn format_z(time: SystemTime) -> String {
    let secs = to_unix(time);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds since the Unix epoch (negative before it), ignoring fractions.
pub fn to_unix(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => {
            let d = e.duration();
            -(d.as_secs() as i64) - i64::from(d.subsec_nanos() > 0)
        }
    }
}

/// The time `secs` seconds (and `nanos` nanoseconds) after the Unix epoch.
pub fn from_unix(secs: i64, nanos: u32) -> Option<SystemTime> {
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs as u64, nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
            .checked_add(Duration::from_nanos(u64::from(nanos)))
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_eras() {
        for secs in [
            -86_400 * 800,
            -1,
            0,
            1,
            951_782_400,
            1_632_197_813,
            4_102_444_800,
        ] {
            let t = from_unix(secs, 0).unwrap();
            assert_eq!(parse(&format_z(t)), Some(t), "{secs}");
            assert_eq!(to_unix(t), secs);
        }
    }

    #[test]
    fn the_cli_cache_format_ends_in_utc_and_parses_back() {
        let t = from_unix(1_632_197_813, 0).unwrap();
        assert_eq!(format_cli_cache(t), "2021-09-21T04:16:53UTC");
        assert_eq!(parse(&format_cli_cache(t)), Some(t));
    }

    #[test]
    fn known_values() {
        assert_eq!(to_unix(parse("1970-01-01T00:00:00Z").unwrap()), 0);
        assert_eq!(
            to_unix(parse("2021-09-21T04:16:53Z").unwrap()),
            1_632_197_813
        );
        assert_eq!(to_unix(parse("2000-02-29T00:00:00Z").unwrap()), 951_782_400);
        assert_eq!(
            to_unix(parse("2021-09-21T04:16:53.123Z").unwrap()),
            1_632_197_813
        );
        assert_eq!(
            to_unix(parse("2021-09-20T21:16:53-0700").unwrap()),
            1_632_197_813
        );
        assert_eq!(
            to_unix(parse("2021-09-21 04:16:53").unwrap()),
            1_632_197_813
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2021",
            "2021-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:00+2400",
            "2021-01-01T00:00:00 PST",
            "２０２１-01-01T00:00:00Z",
            "2021-01-01T00:00:00.Z",
            "2021-01-01X00:00:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
