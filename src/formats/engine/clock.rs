//! Time placement for the record engine: a record's parsed time (see [`super::timestamp`]) to a
//! UTC [`Timestamp`] by the grammar's zone (UTC, the `tz:` banner in force or the file's first one,
//! each record's offset, the bundle's zone, or unknown), with the date in force for records that
//! only have a time of day; and the `time_zone` sentence saying how it was done.

use super::PendingRecord;
use super::def::{TimeSpec, Zone};
use super::timestamp::{DateOrder, LocaleDate, Parsed, offset_seconds};
use crate::formats::ParseOptions;
use crate::formats::time::{LocalZone, format_offset, millis, unknown_local};
use crate::records::Timestamp;
use chrono::{Duration, NaiveDateTime, NaiveTime};
use std::collections::BTreeSet;

/// Places records' times in UTC and remembers how, for `time_zone`.
pub(super) struct Clock<'x> {
    options: &'x ParseOptions,
    /// The offset in force (the latest banner).
    banner: Option<i32>,
    /// The file's first banner and its line: the offset for records before it.
    first_banner: Option<(i32, u64)>,
    banners: BTreeSet<i32>,
    before_first_banner: u64,
    /// Offsets records stated (zone = "offset").
    offsets: BTreeSet<i32>,
    without_offset: u64,
    timed: u64,
    /// The date in force for records with a time only, and the latest time seen with it.
    date: Option<chrono::NaiveDate>,
    last_time: Option<NaiveTime>,
    date_order: Option<DateOrder>,
    undated: u64,
    notes: Vec<String>,
}

impl<'x> Clock<'x> {
    pub(super) fn new(options: &'x ParseOptions) -> Clock<'x> {
        Clock {
            options,
            banner: None,
            first_banner: None,
            banners: BTreeSet::new(),
            before_first_banner: 0,
            offsets: BTreeSet::new(),
            without_offset: 0,
            timed: 0,
            date: None,
            last_time: None,
            date_order: None,
            undated: 0,
            notes: Vec::new(),
        }
    }

    /// The file's first banner (found before reading): the offset of the records before it.
    pub(super) fn set_first_banner(&mut self, first: Option<(i32, u64)>) {
        self.first_banner = first;
    }

    /// A banner line: its offset is in force from here on.
    pub(super) fn banner(&mut self, offset: i32) {
        self.banner = Some(offset);
        self.banners.insert(offset);
    }

    /// The banner offset in force (carried from chunk to chunk when a file is read in chunks).
    pub(super) fn in_force(&self) -> Option<i32> {
        self.banner
    }

    /// Puts in force the offset of the latest banner before a chunk.
    pub(super) fn set_in_force(&mut self, banner: Option<i32>) {
        self.banner = banner;
    }

    /// Adds what the clock of the next chunk of the file counted. The date in force for records
    /// with a time only is not carried: files that need it are read in one pass.
    pub(super) fn merge(&mut self, later: Clock<'x>) {
        self.banner = later.banner;
        self.banners.extend(later.banners);
        self.before_first_banner += later.before_first_banner;
        self.offsets.extend(later.offsets);
        self.without_offset += later.without_offset;
        self.timed += later.timed;
        self.undated += later.undated;
        self.date = later.date.or(self.date);
        self.last_time = later.last_time.or(self.last_time);
        self.date_order = self.date_order.or(later.date_order);
        self.notes.extend(later.notes);
    }

    /// Notes about dates (ambiguous day/month order, records without a date).
    pub(super) fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    pub(super) fn resolve(
        &mut self,
        spec: Option<&TimeSpec>,
        parsed: Option<Parsed>,
        rec: &PendingRecord<'_>,
    ) -> Option<Timestamp> {
        let spec = spec?;
        if let Some(name) = &spec.date_field
            && let Some(text) = rec.field(name)
            && let Some(date) = self.read_date(spec, text)
        {
            self.date = Some(date);
            self.last_time = None;
        }
        let parsed = parsed?;
        let local = match (parsed.date, parsed.time) {
            (Some(d), Some(t)) => d.and_time(t),
            (Some(d), None) => d.and_time(NaiveTime::MIN),
            (None, Some(t)) => {
                let Some(mut date) = self.date else {
                    self.undated += 1;
                    return None;
                };
                // A time of day far before the previous one: the log went past midnight.
                if self
                    .last_time
                    .is_some_and(|last| last.signed_duration_since(t) > Duration::hours(6))
                {
                    date = date.succ_opt().unwrap_or(date);
                    self.date = Some(date);
                }
                self.last_time = Some(t);
                date.and_time(t)
            }
            (None, None) => return None,
        };
        let local = millis(local);
        self.timed += 1;
        Some(match spec.zone {
            Zone::Utc => Timestamp::utc(local),
            Zone::Unknown => unknown_local(local),
            Zone::Local => self.local(local),
            Zone::Banner => match self.banner {
                Some(off) => LocalZone::Fixed(off).timestamp(local),
                None => match self.first_banner {
                    Some((off, _)) => {
                        self.before_first_banner += 1;
                        LocalZone::Fixed(off).timestamp(local)
                    }
                    None => self.local(local),
                },
            },
            Zone::Offset => {
                let stated = parsed.offset.or_else(|| {
                    rec.field(&spec.offset_field)
                        .and_then(|t| offset_seconds(t, spec.offset_style))
                });
                match stated {
                    Some(off) => {
                        self.offsets.insert(off);
                        LocalZone::Fixed(off).timestamp(local)
                    }
                    None => {
                        self.without_offset += 1;
                        self.local(local)
                    }
                }
            }
        })
    }

    fn local(&self, local: NaiveDateTime) -> Timestamp {
        match self.options.local_zone() {
            Some((zone, _)) => zone.timestamp(local),
            None => unknown_local(local),
        }
    }

    fn read_date(&mut self, spec: &TimeSpec, text: &str) -> Option<chrono::NaiveDate> {
        for layout in &spec.date_layouts {
            match layout {
                Some(l) => {
                    if let Some(d) = l.parse(text).and_then(|p| p.date) {
                        return Some(d);
                    }
                }
                None => {
                    let Some(date) = LocaleDate::read(text) else {
                        continue;
                    };
                    if let Some(order) = date.proves() {
                        self.date_order = Some(order);
                    }
                    let order = match self.date_order {
                        Some(o) => o,
                        None => {
                            let o = date.default_order();
                            if date.is_ambiguous() {
                                self.notes.push(format!(
                                    "the date {text:?} can be read day-first or month-first and nothing in the file decides: read {}",
                                    if o == DateOrder::DayFirst { "day-first" } else { "month-first (the US order)" }
                                ));
                                self.date_order = Some(o);
                            }
                            o
                        }
                    };
                    if let Some(d) = date.to_date(order) {
                        return Some(d);
                    }
                }
            }
        }
        None
    }

    fn local_description(&self) -> String {
        match self.options.local_zone() {
            Some((zone, source)) => format!("local, converted with {} (from {source})", zone.describe()),
            None => "local time, zone unknown".to_string(),
        }
    }

    pub(super) fn describe(&mut self, spec: Option<&TimeSpec>) -> Option<String> {
        let spec = spec?;
        if self.undated > 0 {
            self.notes.push(format!(
                "{} a time of day but the file gives no date before them: left without a timestamp",
                plural_verb(self.undated, "record has", "records have")
            ));
        }
        if self.timed == 0 {
            return None;
        }
        let list = |set: &BTreeSet<i32>| set.iter().map(|&o| format_offset(o)).collect::<Vec<_>>().join(", ");
        Some(match spec.zone {
            Zone::Utc => "UTC".to_string(),
            Zone::Unknown => "not stated by the format: times kept as written".to_string(),
            Zone::Local => self.local_description(),
            Zone::Banner => match self.first_banner {
                None => format!("{}; the file has no time-zone banner", self.local_description()),
                Some((_, line)) => {
                    let mut s = format!(
                        "local, converted with the offset of the `tz:` banners ({})",
                        list(&self.banners)
                    );
                    if self.before_first_banner > 0 {
                        s.push_str(&format!(
                            "; {} before the first banner (line {line}) took its offset",
                            plural(self.before_first_banner, "record")
                        ));
                    }
                    s
                }
            },
            Zone::Offset => {
                let mut s = if self.offsets.is_empty() {
                    String::new()
                } else {
                    format!(
                        "local, converted with each record's UTC offset ({})",
                        list(&self.offsets)
                    )
                };
                if self.without_offset > 0 {
                    if !s.is_empty() {
                        s.push_str("; ");
                    }
                    s.push_str(&format!(
                        "{} without an offset: {}",
                        plural(self.without_offset, "record"),
                        self.local_description()
                    ));
                }
                s
            }
        })
    }
}

pub(super) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(super) fn plural_verb(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
