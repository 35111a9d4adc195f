//! Unix times as people read them on the admin pages of both servers: a UTC calendar date
//! and time of day, without a date-time crate for two lines of output.

/// A Unix time as a UTC date and time of day (proleptic Gregorian calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utc {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM:SS`.
    pub time: String,
}

impl Utc {
    /// The date and time `secs` seconds after the Unix epoch (before it when negative).
    pub fn at(secs: i64) -> Self {
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Days to a civil date, after Howard Hinnant's `civil_from_days`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            date: format!("{year:04}-{month:02}-{day:02}"),
            time: format!(
                "{:02}:{:02}:{:02}",
                rest / 3600,
                rest % 3600 / 60,
                rest % 60
            ),
        }
    }

    /// RFC 3339 in UTC, e.g. `2026-12-01T18:22:01Z` — the text a page's script gets from
    /// `Date.toISOString()` without its milliseconds.
    pub fn rfc3339(&self) -> String {
        format!("{}T{}Z", self.date, self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::Utc;

    #[test]
    fn known_instants() {
        assert_eq!(Utc::at(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Utc::at(951_782_400).rfc3339(), "2000-02-29T00:00:00Z");
        assert_eq!(Utc::at(1_796_141_021).rfc3339(), "2026-12-01T16:03:41Z");
        assert_eq!(Utc::at(-1).rfc3339(), "1969-12-31T23:59:59Z");
    }
}
