//! Dates as people write them: a day number or an instant since 2024-01-01 as text, and
//! text read back as one (or a message saying what is wrong). Never panics.

use crate::format::clock;
use crate::sim::SimTime;

/// A day number as a date: `2024-01-15`.
pub fn day_text(day: u32) -> String {
    let t = clock(SimTime(day as i64 * 86_400_000));
    t[..10].to_string()
}

/// A commit time as clock time.
pub fn at_text(ms: i64) -> String {
    clock(SimTime(ms))
}

/// Days from 2024-01-01 to `y-m-d` (proleptic Gregorian), `None` for an impossible date.
pub fn days_since_epoch(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d > month_days[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil, shifted to the simulation's epoch.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468 - 19_723)
}

/// Reads `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (also with a `T`) as
/// milliseconds since 2024-01-01, or says what is wrong.
pub fn parse_when(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let err = || {
        format!(
            "“{}” is not a date: write it as 2024-01-15 or 2024-01-15 13:30",
            crate::sim::params::shorten(t)
        )
    };
    let (date, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err());
    };
    let num = |s: &str, max_len: usize| -> Option<i64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(y, 4), num(m, 2), num(d, 2)) else {
        return Err(err());
    };
    let days = days_since_epoch(y, m as u32, d as u32).ok_or_else(err)?;
    let mut ms = days * 86_400_000;
    if let Some(tm) = time {
        let mut hms = tm.split(':');
        let h = hms.next().and_then(|s| num(s, 2)).filter(|&h| h < 24);
        let mi = hms.next().and_then(|s| num(s, 2)).filter(|&m| m < 60);
        let s = match hms.next() {
            Some(s) => num(s, 2).filter(|&s| s < 60),
            None => Some(0),
        };
        let (Some(h), Some(mi), Some(s), None) = (h, mi, s, hms.next()) else {
            return Err(err());
        };
        ms += ((h * 60 + mi) * 60 + s) * 1_000;
    }
    Ok(ms)
}

/// Reads a date as a day number (days since 2024-01-01), or says what is wrong.
pub fn parse_day(text: &str) -> Result<u32, String> {
    let ms = parse_when(text)?;
    if ms < 0 {
        return Err("the orders start on 2024-01-01".into());
    }
    u32::try_from(ms / 86_400_000).map_err(|_| "that date is too far ahead".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn dates_read_back_what_they_print() {
        for day in [0u32, 1, 30, 59, 60, 365, 366, 1_000, 5_000] {
            assert_eq!(parse_day(&day_text(day)), Ok(day), "{}", day_text(day));
        }
        for ms in [0i64, 1_000, 86_399_000, 9_876_543_000] {
            assert_eq!(parse_when(&at_text(ms)), Ok(ms));
        }
        assert_eq!(parse_when("2024-01-02 01:30"), Ok(86_400_000 + 5_400_000));
        assert_eq!(parse_when("2024-01-02T00:00:01"), Ok(86_401_000));
        for bad in [
            "",
            "yesterday",
            "2024-02-30",
            "2024-13-01",
            "2024-01-01 25:00",
            "2024-01-01 10",
            "1-2-3-4",
            "2024-01-01 10:00:00:00",
            "९९९९-01-01",
        ] {
            assert!(parse_when(bad).is_err(), "{bad}");
        }
        assert!(parse_day("2023-12-31").is_err());
    }
}
