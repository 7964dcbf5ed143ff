//! Simulated calendar time: integer milliseconds since the fixed epoch
//! 2024-01-01T00:00:00Z. Never read from a clock.

/// Days from 1970-01-01 to the simulation epoch 2024-01-01.
const EPOCH_DAYS_SINCE_UNIX: i64 = 19_723;
const MS_PER_DAY: i64 = 86_400_000;

/// A point in simulated time, in milliseconds since 2024-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

/// A calendar date and time of day (UTC), as shown to the learner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

/// Gregorian date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
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

impl SimTime {
    /// The epoch itself.
    pub const EPOCH: SimTime = SimTime(0);

    /// Milliseconds since the epoch.
    pub fn ms(self) -> i64 {
        self.0
    }

    /// The calendar fields of this instant (UTC).
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(MS_PER_DAY);
        let in_day = self.0.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days + EPOCH_DAYS_SINCE_UNIX);
        Civil {
            year,
            month,
            day,
            hour: (in_day / 3_600_000) as u32,
            minute: (in_day / 60_000 % 60) as u32,
            second: (in_day / 1000 % 60) as u32,
            millis: (in_day % 1000) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn epoch_is_new_year_2024() {
        let c = SimTime::EPOCH.civil();
        assert_eq!((c.year, c.month, c.day, c.hour), (2024, 1, 1, 0));
    }

    #[test]
    fn leap_day_and_quarter_end_fall_where_the_calendar_says() {
        // 2024 is a leap year: day index 59 is Feb 29, day 90 is Mar 31.
        let feb29 = SimTime(59 * MS_PER_DAY).civil();
        assert_eq!((feb29.month, feb29.day), (2, 29));
        let mar31 = SimTime(90 * MS_PER_DAY + 23 * 3_600_000 + 59 * 60_000).civil();
        assert_eq!(
            (mar31.month, mar31.day, mar31.hour, mar31.minute),
            (3, 31, 23, 59)
        );
        let next_year = SimTime(366 * MS_PER_DAY).civil();
        assert_eq!(
            (next_year.year, next_year.month, next_year.day),
            (2025, 1, 1)
        );
    }

    #[test]
    fn before_epoch_is_still_a_valid_date() {
        let c = SimTime(-1).civil();
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis),
            (2023, 12, 31, 23, 59, 59, 999)
        );
    }
}
