//! Local time to UTC. Logs written in local time are converted with the best zone known, in this
//! order: an offset the file itself states (classic WindowsUpdate.log `tz:` banner, ReportingEvents
//! per-line `±hhmm`, CMTrace `time="…+060"`), the zone the bundle's registry records
//! (`TimeZoneInformation`), then `--tz`. Without any, the time stays as written and is marked
//! [`TimeBasis::LocalUnknown`]. Whatever was used is said in the file's `time_zone`.

use crate::records::{TimeBasis, Timestamp};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike};

/// A Windows time-zone rule as stored in `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
/// (biases in minutes, UTC = local + bias; transition dates in SYSTEMTIME "day-of-month" form:
/// `month`, `day_of_week` 0 = Sunday, `week` 1–5 where 5 = last, `hour`, `minute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsZone {
    /// `TimeZoneKeyName` (e.g. `W. Europe Standard Time`) or `StandardName`.
    pub name: String,
    pub bias: i32,
    pub standard_bias: i32,
    pub daylight_bias: i32,
    /// When standard time starts (end of DST); `None` when the zone has no DST.
    pub standard_start: Option<Transition>,
    /// When daylight time starts.
    pub daylight_start: Option<Transition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub month: u32,
    pub day_of_week: u32,
    pub week: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Transition {
    /// The local date-time of this transition in `year`.
    fn in_year(&self, year: i32) -> Option<NaiveDateTime> {
        let first = NaiveDate::from_ymd_opt(year, self.month, 1)?;
        let offset = (7 + self.day_of_week as i64 - first.weekday().num_days_from_sunday() as i64) % 7;
        let mut day = first + Duration::days(offset + 7 * (self.week.clamp(1, 5) as i64 - 1));
        while day.month() != self.month {
            day -= Duration::days(7); // week 5 = the last such weekday of the month
        }
        day.and_hms_opt(self.hour, self.minute, 0)
    }
}

impl WindowsZone {
    /// Minutes to add to local time to get UTC at `local`.
    fn bias_at(&self, local: NaiveDateTime) -> i32 {
        let (Some(std), Some(dst)) = (self.standard_start, self.daylight_start) else {
            return self.bias + self.standard_bias;
        };
        let (Some(dst_at), Some(std_at)) = (dst.in_year(local.year()), std.in_year(local.year())) else {
            return self.bias + self.standard_bias;
        };
        let in_dst = if dst_at < std_at {
            local >= dst_at && local < std_at // northern hemisphere
        } else {
            local >= dst_at || local < std_at // southern hemisphere
        };
        self.bias + if in_dst { self.daylight_bias } else { self.standard_bias }
    }
}

/// The zone used for a local-time log.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalZone {
    /// A fixed offset, in seconds east of UTC (`tz: +0530` = 19800).
    Fixed(i32),
    /// An IANA zone (`--tz Europe/Berlin`).
    Iana(chrono_tz::Tz),
    /// The zone rule the bundle's registry records.
    Windows(WindowsZone),
}

impl LocalZone {
    /// The UTC instant of a local wall-clock time. Ambiguous times (the hour repeated when DST
    /// ends) take the earlier instant; a time skipped by DST is shifted by the gap.
    pub fn to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            LocalZone::Fixed(secs) => local - Duration::seconds(*secs as i64),
            LocalZone::Iana(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => t.naive_utc(),
                chrono::LocalResult::Ambiguous(a, _) => a.naive_utc(),
                chrono::LocalResult::None => {
                    let later = local + Duration::hours(1);
                    tz.from_local_datetime(&later)
                        .earliest()
                        .map_or(local, |t| t.naive_utc() - Duration::hours(1))
                }
            },
            LocalZone::Windows(z) => local + Duration::minutes(z.bias_at(local) as i64),
        }
    }

    /// A timestamp of a local time in this zone.
    pub fn timestamp(&self, local: NaiveDateTime) -> Timestamp {
        Timestamp {
            utc: self.to_utc(local),
            basis: TimeBasis::Converted,
        }
    }

    /// How the zone is described in `files[].time_zone`.
    pub fn describe(&self) -> String {
        match self {
            LocalZone::Fixed(secs) => format_offset(*secs),
            LocalZone::Iana(tz) => tz.name().to_string(),
            LocalZone::Windows(z) => z.name.clone(),
        }
    }
}

/// `+05:30`, `-05:00`, `+00:00`.
pub fn format_offset(secs_east: i32) -> String {
    let sign = if secs_east < 0 { '-' } else { '+' };
    let a = secs_east.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60)
}

/// Parses `+0530`, `-0500`, `+05:30` into seconds east of UTC.
pub fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// A local time whose zone is unknown: kept as written.
pub fn unknown_local(local: NaiveDateTime) -> Timestamp {
    Timestamp {
        utc: local,
        basis: TimeBasis::LocalUnknown,
    }
}

/// Truncates to whole milliseconds (timestamps keep at most millisecond precision in reports).
pub fn millis(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestResult;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        // An impossible date gives the epoch, which no assertion expects: the test fails there.
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, 0))
            .unwrap_or_default()
    }

    #[test]
    fn offsets() -> TestResult {
        assert_eq!(parse_offset("+0530"), Some(19800));
        assert_eq!(parse_offset("-0500"), Some(-18000));
        assert_eq!(parse_offset("+05:30"), Some(19800));
        assert_eq!(parse_offset("0530"), None);
        assert_eq!(format_offset(-18000), "-05:00");
        assert_eq!(
            LocalZone::Fixed(19800).to_utc(at(2021, 8, 28, 11, 5)),
            at(2021, 8, 28, 5, 35)
        );
        Ok(())
    }

    fn w_europe() -> WindowsZone {
        WindowsZone {
            name: "W. Europe Standard Time".into(),
            bias: -60,
            standard_bias: 0,
            daylight_bias: -60,
            standard_start: Some(Transition {
                month: 10,
                day_of_week: 0,
                week: 5,
                hour: 3,
                minute: 0,
            }),
            daylight_start: Some(Transition {
                month: 3,
                day_of_week: 0,
                week: 5,
                hour: 2,
                minute: 0,
            }),
        }
    }

    #[test]
    fn windows_rule_follows_dst() -> TestResult {
        let z = LocalZone::Windows(w_europe());
        assert_eq!(
            z.to_utc(at(2024, 11, 20, 10, 14)),
            at(2024, 11, 20, 9, 14),
            "winter: UTC+1"
        );
        assert_eq!(z.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 10, 0), "summer: UTC+2");
        assert_eq!(
            z.to_utc(at(2024, 3, 31, 1, 59)),
            at(2024, 3, 31, 0, 59),
            "last Sunday of March, before 02:00"
        );
        assert_eq!(
            z.to_utc(at(2024, 3, 31, 3, 0)),
            at(2024, 3, 31, 1, 0),
            "after the change"
        );
        Ok(())
    }

    #[test]
    fn iana_zone() -> TestResult {
        let z = LocalZone::Iana(chrono_tz::Europe::Berlin);
        assert_eq!(z.to_utc(at(2024, 11, 20, 10, 14)), at(2024, 11, 20, 9, 14));
        assert_eq!(z.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 10, 0));
        Ok(())
    }
}
