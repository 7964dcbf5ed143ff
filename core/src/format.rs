//! Formatting the learner sees: money from integer cents, simulated time as clock time.

use crate::sim::SimTime;

/// `1234` → `"$12.34"`, `-5` → `"-$0.05"`. Money is always integer cents.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${}.{:02}", count(abs / 100), abs % 100)
}

/// `2024-03-31 23:59:07` (UTC).
pub fn clock(t: SimTime) -> String {
    let c = t.civil();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `23:59:07`: the time of day only (narration, where the date rarely matters).
pub fn time_of_day(t: SimTime) -> String {
    let c = t.civil();
    format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second)
}

/// `01-02 23:59`: month, day, hours and minutes (window bounds in tables and labels).
pub fn short_clock(t: SimTime) -> String {
    let c = t.civil();
    format!("{:02}-{:02} {:02}:{:02}", c.month, c.day, c.hour, c.minute)
}

/// A duration in milliseconds as a short human string: `850 ms`, `42 s`, `3 min 5 s`, `2 h 1 min`.
pub fn duration_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        format!("{sign}{ms} ms")
    } else if ms < 60_000 {
        format!("{sign}{} s", ms / 1000)
    } else if ms < 3_600_000 {
        format!("{sign}{} min {} s", ms / 60_000, ms / 1000 % 60)
    } else {
        format!("{sign}{} h {} min", ms / 3_600_000, ms / 60_000 % 60)
    }
}

/// A fraction as a percentage with one decimal: `0.8034` → `"80.3%"`.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "–".to_string();
    }
    format!("{:.1}%", fraction * 100.0)
}

/// An integer with thousands separators: `1000000` → `"1,000,000"`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn money_from_cents() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(123_456), "$1,234.56");
        assert_eq!(money(-250), "-$2.50");
        assert_eq!(money(i64::MIN), "-$92,233,720,368,547,758.08");
    }

    #[test]
    fn clock_and_durations() {
        assert_eq!(clock(SimTime(3_723_000)), "2024-01-01 01:02:03");
        assert_eq!(duration_ms(850), "850 ms");
        assert_eq!(duration_ms(42_000), "42 s");
        assert_eq!(duration_ms(185_000), "3 min 5 s");
        assert_eq!(duration_ms(7_260_000), "2 h 1 min");
        assert_eq!(percent(0.8034), "80.3%");
        assert_eq!(percent(f64::NAN), "–");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(999), "999");
    }
}
