//! Calendar dates without a clock in the plugins: the host says what "today" is.

use std::time::{SystemTime, UNIX_EPOCH};

/// Today's UTC date as `YYYY-MM-DD`.
#[must_use]
pub fn today_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (y, m, d) = civil_from_days(days);
    let rest = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Whether a string is a valid `YYYY-MM-DD` date: exactly four ASCII digits, `-`, two, `-`,
/// two (no sign, no space, nothing before or after), naming a day that exists.
#[must_use]
pub fn is_date(s: &str) -> bool {
    parse(s).is_some()
}

/// `(year, month, day)` of a strict `YYYY-MM-DD` date.
fn parse(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (i64::from(number(0..4)?), number(5..7)?, number(8..10)?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// Days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier.
#[must_use]
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(days_from_civil(to)? - days_from_civil(from)?)
}

/// The date `days` after `date` (`YYYY-MM-DD`).
#[must_use]
pub fn add_days(date: &str, days: i64) -> Option<String> {
    let (y, m, d) = civil_from_days(days_from_civil(date)? + days);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's algorithm).
fn days_from_civil(s: &str) -> Option<i64> {
    let (y, m, d) = parse(s)?;
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// (year, month, day) of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_414), (2025, 11, 22));
        assert!(super::is_date("2024-02-29"));
        assert!(!super::is_date("2023-02-29"));
        assert!(!super::is_date("2023-13-01"));
        assert_eq!(super::days_from_civil("1970-01-01"), Some(0));
        assert_eq!(super::days_from_civil("2025-11-22"), Some(20_414));
        assert_eq!(super::days_between("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(
            super::add_days("2026-11-22", 90).as_deref(),
            Some("2027-02-20")
        );
        assert_eq!(super::days_between("2026-11-22", "2026-10-23"), Some(-30));
    }

    /// Signs, spaces, other digits and trailing text are not dates (`"+1".parse::<u32>()`
    /// would accept a sign).
    #[test]
    fn only_strict_dates() {
        for bad in [
            "2099-+1-+1",
            "+999-01-01",
            "2099-01- 1",
            " 2099-01-01",
            "2099-01-01 ",
            "2099-1-01",
            "2099-01-01T00:00:00Z",
            "2099-01-0\u{0661}",
            "２０９９-01-01",
            "2099/01/01",
            "",
        ] {
            assert!(!super::is_date(bad), "{bad:?}");
            assert_eq!(super::days_between("2026-11-22", bad), None, "{bad:?}");
        }
        assert!(super::is_date("0001-01-01"));
        assert!(super::is_date("2000-02-29"));
        assert!(!super::is_date("1900-02-29"));
    }
}
