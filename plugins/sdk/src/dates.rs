//! Calendar dates without a clock.
//!
//! A plugin has no clock: the only "today" it knows is [`crate::ScanContext::today`], which the
//! host sends as `YYYY-MM-DD`. These helpers parse such dates and count the days between them
//! in the proleptic Gregorian calendar, exactly (no time zones, no leap seconds: a date is a
//! day).
//!
//! ```
//! use stiglint_sdk::dates::{days_between, parse_date};
//!
//! assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
//! assert_eq!(parse_date("2023-02-29"), None);
//! assert_eq!(days_between("2024-01-01", "2024-03-01"), Some(60));
//! assert_eq!(days_between("2024-03-01", "2024-01-01"), Some(-60));
//! ```

/// Parse a `YYYY-MM-DD` date (four-digit year, two-digit month and day, a day that exists in
/// that month) into `(year, month, day)`. Anything else (`2024-2-3`, `2024-02-30`, trailing
/// text, a time part) is `None`.
#[must_use]
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    (1..=12).contains(&month).then_some(())?;
    (day >= 1 && day <= days_in_month(year, month)).then_some((year, month, day))
}

/// Whole days from `from` to `to` (both `YYYY-MM-DD`): positive when `to` is later, `0` for
/// the same day, `None` if either is not a valid date.
///
/// `days_between(approved_on, expires)` is how long a waiver runs; `days_between(today,
/// expires)` is how long it has left (negative once expired).
#[must_use]
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    let (fy, fm, fd) = parse_date(from)?;
    let (ty, tm, td) = parse_date(to)?;
    Some(day_number(ty, tm, td) - day_number(fy, fm, fd))
}

/// Whether `year` is a Gregorian leap year.
#[must_use]
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1-12) of `year`; `0` for a month that does not exist.
#[must_use]
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid date (Howard Hinnant's `days_from_civil`).
fn day_number(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146_096]
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(parse_date("2025-06-30"), Some((2025, 6, 30)));
        assert_eq!(parse_date("0000-01-01"), Some((0, 1, 1)));
        for bad in [
            "",
            "2025-6-30",
            "2025-06-31",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-02-29",
            "1900-02-29",
            "2025/06/30",
            "2025-06-30T00:00:00Z",
            " 2025-06-30",
            "+025-06-30",
            "2025-0a-30",
            "２０２５-06-30",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2024));
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2100));
        assert!(!is_leap_year(2023));
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)));
        assert_eq!(parse_date("2100-02-29"), None);
        assert_eq!(days_between("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(days_between("2023-02-28", "2023-03-01"), Some(1));
        assert_eq!(days_between("1900-02-28", "1900-03-01"), Some(1));
        assert_eq!(days_between("2000-02-28", "2000-03-01"), Some(2));
        assert_eq!(days_between("2024-01-01", "2025-01-01"), Some(366));
        assert_eq!(days_between("2023-01-01", "2024-01-01"), Some(365));
        assert_eq!(days_between("2000-01-01", "2400-01-01"), Some(146_097));
    }

    #[test]
    fn month_ends() {
        for (from, to, days) in [
            ("2025-01-31", "2025-02-01", 1),
            ("2025-04-30", "2025-05-01", 1),
            ("2025-12-31", "2026-01-01", 1),
            ("2025-01-31", "2025-03-31", 59),
            ("2024-01-31", "2024-03-31", 60),
            ("2025-01-01", "2025-12-31", 364),
        ] {
            assert_eq!(days_between(from, to), Some(days), "{from} -> {to}");
            assert_eq!(days_between(to, from), Some(-days), "{to} -> {from}");
        }
        assert_eq!(days_between("2025-06-30", "2025-06-30"), Some(0));
        assert_eq!(days_between("2025-06-31", "2025-07-01"), None);
    }

    #[test]
    fn agrees_with_the_unix_epoch() {
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(day_number(2000, 3, 1), 11_017);
        assert_eq!(day_number(1969, 12, 31), -1);
        assert_eq!(day_number(0, 3, 1), -719_468);
        // Every day from 1899 to 2101, one at a time: consecutive dates are one day apart.
        let mut last = day_number(1899, 1, 1) - 1;
        for y in 1899..=2101 {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    let n = day_number(y, m, d);
                    assert_eq!(n, last + 1, "{y}-{m}-{d}");
                    last = n;
                }
            }
        }
    }
}
