//! Timestamp layouts of the record engine.
//!
//! A grammar writes a layout the way a Windows engineer reads one, as a .NET custom date-time format:
//! `yyyy-MM-dd HH:mm:ss.fff`, `M-d-yyyy H:mm:ss.FFFFFFF`, `MM/dd/yyyy HH:mm:ss:fff`. A layout is
//! compiled once into tokens and read with nom; a text matches only when the whole text is used.
//! Dates written in the machine's locale (MSI headers: `31/10/2023`, `4/25/2015`, `20.11.2024`) are
//! read by [`LocaleDate`], whose day/month order a file decides once.

use chrono::{NaiveDate, NaiveTime};
use nom::IResult;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while_m_n, take_while1};
use nom::character::complete::{char as one_char, one_of};
use nom::combinator::opt;

/// What a layout read from a text; parts the layout does not have are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parsed {
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    /// A UTC offset written in the text (`zzz`), in seconds east of UTC.
    pub offset: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Month,
    Day,
    Hour,
    Hour12,
    Minute,
    Second,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Digits of one unit, between `min` and `max` of them.
    Num {
        unit: Unit,
        min: usize,
        max: usize,
    },
    /// `yy`: a two-digit year, 1970–2069.
    Year2,
    /// Fraction of a second with `min..=max` digits (`fff` = exactly 3, `FFFFFFF` = 1 to 7).
    Frac {
        min: usize,
        max: usize,
    },
    /// `tt`: AM or PM.
    AmPm,
    /// `zzz`: `+hh:mm` or `+hhmm`; `zz`: `+hh` (also accepts the longer forms).
    Offset,
    /// A space in the layout: one or more spaces or TABs in the text.
    Space,
    Lit(char),
}

/// A compiled layout.
#[derive(Debug, Clone)]
pub struct TimeLayout {
    pub source: String,
    tokens: Vec<Tok>,
}

impl TimeLayout {
    /// Compiles a .NET-style custom format. Letters with a meaning: `yyyy yy M MM d dd H HH h hh m mm
    /// s ss f… F… tt zz zzz`; `'text'` and `\x` are literal; any other letter is an error (so a typo
    /// is caught when the grammar loads, not silently matched as text).
    pub fn compile(source: &str) -> Result<TimeLayout, String> {
        let chars: Vec<char> = source.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let num = |unit, n: usize, max_len: usize| -> Result<Tok, String> {
                match n {
                    1 => Ok(Tok::Num { unit, min: 1, max: 2 }),
                    2 => Ok(Tok::Num { unit, min: 2, max: 2 }),
                    _ if n == max_len => Ok(Tok::Num { unit, min: n, max: n }),
                    _ => Err(format!("{:?} is not a layout element", c.to_string().repeat(n))),
                }
            };
            let tok = match c {
                'y' => match run {
                    2 => Tok::Year2,
                    4 => Tok::Num {
                        unit: Unit::Year,
                        min: 4,
                        max: 4,
                    },
                    _ => return Err(format!("{:?}: write the year as yyyy or yy", "y".repeat(run))),
                },
                'M' => num(Unit::Month, run, 2)?,
                'd' => num(Unit::Day, run, 2)?,
                'H' => num(Unit::Hour, run, 2)?,
                'h' => num(Unit::Hour12, run, 2)?,
                'm' => num(Unit::Minute, run, 2)?,
                's' => num(Unit::Second, run, 2)?,
                'f' if run <= 9 => Tok::Frac { min: run, max: run },
                'F' if run <= 9 => Tok::Frac { min: 1, max: run },
                't' if run == 2 => Tok::AmPm,
                'z' if run == 2 || run == 3 => Tok::Offset,
                ' ' => Tok::Space,
                '\'' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == '\'')
                        .ok_or("a quoted literal is not closed")?;
                    tokens.extend(chars[i + 1..i + 1 + end].iter().map(|&x| Tok::Lit(x)));
                    i += end + 2;
                    continue;
                }
                '\\' => {
                    let next = *chars.get(i + 1).ok_or("a layout ends with a lone backslash")?;
                    tokens.push(Tok::Lit(next));
                    i += 2;
                    continue;
                }
                c if c.is_ascii_alphabetic() => {
                    return Err(format!(
                        "{:?} is not a layout element (quote literal text: 'T')",
                        c.to_string().repeat(run)
                    ));
                }
                c => {
                    tokens.extend(std::iter::repeat_n(Tok::Lit(c), run));
                    i += run;
                    continue;
                }
            };
            tokens.push(tok);
            i += if c == ' ' { run } else { run.max(1) };
        }
        if tokens.is_empty() {
            return Err("an empty layout".into());
        }
        Ok(TimeLayout {
            source: source.to_string(),
            tokens,
        })
    }

    /// Whether every text this layout reads has a date (year, month and day), so a record's time
    /// never depends on the date of the records before it.
    pub fn has_date(&self) -> bool {
        let has = |unit: Unit| {
            self.tokens.iter().any(|t| match t {
                Tok::Num { unit: u, .. } => *u == unit,
                Tok::Year2 => unit == Unit::Year,
                _ => false,
            })
        };
        has(Unit::Year) && has(Unit::Month) && has(Unit::Day)
    }

    /// Reads `text`, which must be used up entirely.
    pub fn parse(&self, text: &str) -> Option<Parsed> {
        let mut rest = text;
        let mut parts = Parts::default();
        for tok in &self.tokens {
            rest = match tok {
                Tok::Num { unit, min, max } => {
                    let (r, digits) = digits(*min, *max)(rest).ok()?;
                    parts.set(*unit, digits.parse().ok()?);
                    r
                }
                Tok::Year2 => {
                    let (r, digits) = digits(2, 2)(rest).ok()?;
                    let yy: u32 = digits.parse().ok()?;
                    parts.year = Some(if yy < 70 { 2000 + yy as i32 } else { 1900 + yy as i32 });
                    r
                }
                Tok::Frac { min, max } => {
                    let (r, digits) = digits(*min, *max)(rest).ok()?;
                    parts.nanos = Some(fraction_nanos(digits)?);
                    // More digits than the layout keeps (a 7-digit source read as `fff`) do not match.
                    r
                }
                Tok::AmPm => {
                    let (r, word) = alt((tag_no_case::<_, _, nom::error::Error<&str>>("AM"), tag_no_case("PM")))
                        .parse(rest)
                        .ok()?;
                    parts.pm = Some(word.eq_ignore_ascii_case("PM"));
                    r
                }
                Tok::Offset => {
                    let (r, secs) = utc_offset(rest).ok()?;
                    parts.offset = Some(secs);
                    r
                }
                Tok::Space => {
                    take_while1::<_, _, nom::error::Error<&str>>(|c| c == ' ' || c == '\t')(rest)
                        .ok()?
                        .0
                }
                Tok::Lit(c) => one_char::<_, nom::error::Error<&str>>(*c)(rest).ok()?.0,
            };
        }
        if !rest.is_empty() {
            return None;
        }
        parts.finish()
    }
}

fn digits(min: usize, max: usize) -> impl Fn(&str) -> IResult<&str, &str> {
    move |input| take_while_m_n(min, max, |c: char| c.is_ascii_digit()).parse(input)
}

/// `+0530`, `-05:00`, `+05` → seconds east of UTC.
fn utc_offset(input: &str) -> IResult<&str, i32> {
    let (input, sign) = one_of("+-")(input)?;
    let (input, hours) = digits(2, 2)(input)?;
    let (input, _) = opt(one_char(':')).parse(input)?;
    let (input, minutes) = opt(digits(2, 2)).parse(input)?;
    let h: i32 = hours.parse().unwrap_or(0);
    let m: i32 = minutes.map_or(0, |m| m.parse().unwrap_or(0));
    let secs = h * 3600 + m * 60;
    if h > 14 || m > 59 {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((input, if sign == '-' { -secs } else { secs }))
}

fn fraction_nanos(digits: &str) -> Option<u32> {
    let kept = &digits[..digits.len().min(9)]; // invariant: ASCII digits
    let value: u32 = kept.parse().ok()?;
    Some(value * 10u32.pow(9 - kept.len() as u32))
}

#[derive(Default)]
struct Parts {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    hour12: Option<u32>,
    minute: Option<u32>,
    second: Option<u32>,
    nanos: Option<u32>,
    pm: Option<bool>,
    offset: Option<i32>,
}

impl Parts {
    fn set(&mut self, unit: Unit, v: u32) {
        match unit {
            Unit::Year => self.year = Some(v as i32),
            Unit::Month => self.month = Some(v),
            Unit::Day => self.day = Some(v),
            Unit::Hour => self.hour = Some(v),
            Unit::Hour12 => self.hour12 = Some(v),
            Unit::Minute => self.minute = Some(v),
            Unit::Second => self.second = Some(v),
        }
    }

    fn finish(self) -> Option<Parsed> {
        let date = match (self.year, self.month, self.day) {
            (None, None, None) => None,
            (Some(y), Some(m), Some(d)) => Some(NaiveDate::from_ymd_opt(y, m, d)?),
            _ => return None, // a layout with part of a date cannot place it
        };
        let hour = match (self.hour, self.hour12, self.pm) {
            (Some(h), _, _) => Some(h),
            (None, Some(h), Some(pm)) if (1..=12).contains(&h) => Some(h % 12 + if pm { 12 } else { 0 }),
            (None, Some(h), None) => Some(h),
            (None, None, _) => None,
            _ => return None,
        };
        let time = match hour {
            None => None,
            Some(h) => Some(NaiveTime::from_hms_nano_opt(
                h,
                self.minute.unwrap_or(0),
                self.second.unwrap_or(0),
                self.nanos.unwrap_or(0),
            )?),
        };
        if date.is_none() && time.is_none() {
            return None;
        }
        Some(Parsed {
            date,
            time,
            offset: self.offset,
        })
    }
}

/// Which number of a locale date comes first when the year is last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

/// A numeric date in the machine's locale: three numbers with `/`, `-` or `.` between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocaleDate {
    numbers: [u32; 3],
    year_first: bool,
    separator: char,
}

impl LocaleDate {
    pub fn read(text: &str) -> Option<LocaleDate> {
        let text = text.trim();
        let separator = text.chars().find(|c| !c.is_ascii_digit())?;
        if !matches!(separator, '/' | '-' | '.') {
            return None;
        }
        let mut numbers = [0u32; 3];
        let mut lens = [0usize; 3];
        let mut count = 0;
        for (i, part) in text.trim_end_matches('.').split(separator).enumerate() {
            if i >= 3 || part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // invariant: i < 3, checked above
            numbers[i] = part.parse().ok()?;
            lens[i] = part.len();
            count += 1;
        }
        if count != 3 {
            return None;
        }
        let year_first = lens[0] == 4;
        if !year_first && lens[2] != 4 && lens[2] != 2 {
            return None;
        }
        Some(LocaleDate {
            numbers,
            year_first,
            separator,
        })
    }

    /// The order this date proves, when one of its first two numbers cannot be a month.
    pub fn proves(&self) -> Option<DateOrder> {
        if self.year_first {
            return None;
        }
        match (self.numbers[0] > 12, self.numbers[1] > 12) {
            (true, false) => Some(DateOrder::DayFirst),
            (false, true) => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }

    /// The order to assume when nothing proves one: day-first with dots (every locale that writes
    /// `d.M.yyyy`) and dashes (`dd-MM-yyyy`: Dutch, Danish, Indian English); month-first with
    /// slashes, the US order (British and French write slashes day-first: hence the note).
    pub fn default_order(&self) -> DateOrder {
        if self.separator == '/' {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        }
    }

    /// True when the day/month order matters for this date and no locale convention settles it.
    pub fn is_ambiguous(&self) -> bool {
        !self.year_first && self.proves().is_none() && self.numbers[0] != self.numbers[1] && self.separator != '.'
    }

    pub fn to_date(&self, order: DateOrder) -> Option<NaiveDate> {
        let [a, b, c] = self.numbers;
        if self.year_first {
            return NaiveDate::from_ymd_opt(a as i32, b, c);
        }
        let year = if c < 100 { 2000 + c as i32 } else { c as i32 };
        let (day, month) = match self.proves().unwrap_or(order) {
            DateOrder::DayFirst => (a, b),
            DateOrder::MonthFirst => (b, a),
        };
        NaiveDate::from_ymd_opt(year, month, day)
    }
}

/// How a grammar writes a UTC offset field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OffsetStyle {
    /// `+0530`, `-04:00`: local time is that far east of UTC (ISO 8601, ReportingEvents.log).
    UtcOffset,
    /// `+240`, `-60`, `-330`: the Windows time-zone bias in minutes, UTC = local + bias
    /// (Configuration Manager logs: `+240` is UTC−4, `-330` is UTC+5:30).
    BiasMinutes,
}

/// An offset field's text in seconds east of UTC.
pub fn offset_seconds(text: &str, style: OffsetStyle) -> Option<i32> {
    match style {
        OffsetStyle::UtcOffset => crate::formats::time::parse_offset(text),
        OffsetStyle::BiasMinutes => {
            let t = text.trim();
            let (sign, digits) = match t.as_bytes().first()? {
                // invariant: the first byte is an ASCII sign
                b'+' => (1, &t[1..]),
                b'-' => (-1, &t[1..]),
                _ => (1, t),
            };
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let minutes: i32 = digits.parse().ok()?;
            (minutes <= 14 * 60).then_some(-sign * minutes * 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    fn at(layout: &str, text: &str) -> Option<String> {
        let p = TimeLayout::compile(layout).ok()?.parse(text)?;
        Some(format!("{:?} {:?} {:?}", p.date, p.time, p.offset))
    }

    #[test]
    fn dotnet_layouts() -> TestResult {
        assert_eq!(
            at("yyyy-MM-dd HH:mm:ss.fff", "2024-05-06 07:08:09.123").as_deref(),
            Some("Some(2024-05-06) Some(07:08:09.123) None")
        );
        assert_eq!(
            at("yyyy/MM/dd HH:mm:ss.fffffff", "2021/07/13 10:23:06.3933681").as_deref(),
            Some("Some(2021-07-13) Some(10:23:06.393368100) None")
        );
        assert_eq!(
            at("M-d-yyyy H:mm:ss.FFFFFFF", "1-2-2015 10:22:50.8422964").as_deref(),
            Some("Some(2015-01-02) Some(10:22:50.842296400) None")
        );
        assert_eq!(at("H:mm:ss", "9:12:53").as_deref(), Some("None Some(09:12:53) None"));
        assert_eq!(
            at("yyyy-MM-dd HH:mm:ss:fffzzz", "2015-03-23 19:39:34:484-0400").as_deref(),
            Some("Some(2015-03-23) Some(19:39:34.484) Some(-14400)")
        );
        assert_eq!(
            at("M/d/yyyy h:mm:ss tt", "4/25/2015 4:25:27 PM").as_deref(),
            Some("Some(2015-04-25) Some(16:25:27) None")
        );
        Ok(())
    }

    #[test]
    fn whole_text_must_match_and_values_must_exist() -> TestResult {
        assert_eq!(at("yyyy-MM-dd HH:mm:ss.fff", "2024-05-06 07:08:09.1234"), None);
        assert_eq!(at("yyyy-MM-dd HH:mm:ss.fff", "2024-02-30 07:08:09.123"), None);
        assert_eq!(at("yyyy-MM-dd HH:mm:ss.fff", "2024-05-06 24:08:09.123"), None);
        assert_eq!(at("yyyy-MM-dd", "at Microsoft.X"), None);
        assert_eq!(at("HH:mm", ""), None);
        // A space in the layout takes any run of spaces or TABs.
        assert!(at("yyyy-MM-dd HH:mm:ss:fff", "2021-08-28\t03:07:48:216").is_some());
        Ok(())
    }

    #[test]
    fn layout_typos_are_errors() -> TestResult {
        assert!(TimeLayout::compile("yyyy-MM-dd HH:mm:ss.fff").is_ok());
        assert!(TimeLayout::compile("YYYY-MM-DD").is_err());
        assert!(TimeLayout::compile("yyy").is_err());
        assert!(TimeLayout::compile("yyyy-MM-dd'T").is_err());
        assert!(TimeLayout::compile("yyyy-MM-dd'T'HH").is_ok());
        assert!(TimeLayout::compile("").is_err());
        Ok(())
    }

    #[test]
    fn locale_dates() -> TestResult {
        let d = |s| LocaleDate::read(s).must();
        assert_eq!(d("31/10/2023")?.proves(), Some(DateOrder::DayFirst));
        assert_eq!(d("4/25/2015")?.proves(), Some(DateOrder::MonthFirst));
        assert!(d("12/3/2015")?.is_ambiguous());
        assert_eq!(
            d("12/3/2015")?.to_date(DateOrder::MonthFirst),
            NaiveDate::from_ymd_opt(2015, 12, 3)
        );
        assert_eq!(d("20.11.2024")?.default_order(), DateOrder::DayFirst);
        assert!(
            !d("08.03.2021")?.is_ambiguous(),
            "dotted dates are day-first everywhere"
        );
        assert!(d("08-03-2021")?.is_ambiguous());
        assert_eq!(d("08-03-2021")?.default_order(), DateOrder::DayFirst);
        assert_eq!(
            d("2015/12/3")?.to_date(DateOrder::DayFirst),
            NaiveDate::from_ymd_opt(2015, 12, 3)
        );
        assert_eq!(
            d("31/10/2023")?.to_date(DateOrder::MonthFirst),
            NaiveDate::from_ymd_opt(2023, 10, 31),
            "a date that proves its order ignores the assumed one"
        );
        assert!(LocaleDate::read("10:22:50").is_none());
        assert!(LocaleDate::read("1/2").is_none());
        Ok(())
    }

    #[test]
    fn offsets_in_both_conventions() -> TestResult {
        assert_eq!(offset_seconds("+0530", OffsetStyle::UtcOffset), Some(19800));
        assert_eq!(offset_seconds("-0400", OffsetStyle::UtcOffset), Some(-14400));
        assert_eq!(offset_seconds("+240", OffsetStyle::BiasMinutes), Some(-14400));
        assert_eq!(offset_seconds("-330", OffsetStyle::BiasMinutes), Some(19800));
        assert_eq!(offset_seconds("+060", OffsetStyle::BiasMinutes), Some(-3600));
        assert_eq!(offset_seconds("-60", OffsetStyle::BiasMinutes), Some(3600));
        assert_eq!(offset_seconds("+9999", OffsetStyle::BiasMinutes), None);
        Ok(())
    }
}
