//! Event logs exported as text: the same events as EVTX, in five shapes.
//!
//! - `wevtutil qe … /f:text`: `Event[N]:` blocks of `Key: value` lines, the message after
//!   `Description:` (on its line or the lines below, blank lines included);
//! - `wevtutil qe … /f:xml` (or `/f:RenderedXml`, or Event Viewer's XML): `<Event>` elements, one
//!   per line or many on one line or one across several lines;
//! - Event Viewer "Save as CSV" (English, German, French headers): `Level,Date and Time,Source,
//!   Event ID,Task Category` and the message as a sixth, unnamed column;
//! - PowerShell `Get-WinEvent | Export-Csv` (and `Get-EventLog | Export-Csv`): quoted columns named
//!   after the record's properties, the message first;
//! - the Windows Server 2003 Event Viewer text (`Event Type:`, `Event Source:`, `Event ID:`, `Date:`,
//!   `Time:`, `Description:` blocks).
//!
//! Every event becomes one [`Record`] with the EVTX field names (see [`super::events`]), cited by
//! line: the record stands at the line that says the most, exactly as written — the first line of
//! the message for the text blocks, the line where the row or the `<Event>` element starts for CSV
//! and XML — and its other lines follow as continuation lines. Values are borrowed from those lines
//! where they stand as they are. Times in the text and CSV shapes are local: converted with the
//! bundle's zone ([`ParseOptions::local_zone`]) or kept as written and marked local-unknown; the
//! day/month order of `a/b/yyyy` dates is taken from the file itself.

use super::events::{EventFields, MessageCatalog, normalize_level, read_event_xml};
use super::time::{LocalZone, millis, unknown_local};
use super::{ParseInput, ParseOptions, ParseOutcome, Problems, TextView};
use crate::intake::decode::{TextEncoding, for_each_line};
use crate::records::{Fields, Position, Problem, Record, RecordSink, Timestamp};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::OnceLock;

/// The shapes an export comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    WevtutilText,
    Xml,
    ViewerCsv,
    PowerShellCsv,
    Legacy2003,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::WevtutilText => "wevtutil text",
            Layout::Xml => "event XML",
            Layout::ViewerCsv => "Event Viewer CSV",
            Layout::PowerShellCsv => "PowerShell CSV",
            Layout::Legacy2003 => "Windows Server 2003 Event Viewer text",
        }
    }
}

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let view = TextView::new(input.bytes, input.encoding.unwrap_or(TextEncoding::Utf8));
    let Some(layout) = detect_layout(&view) else {
        return ParseOutcome {
            problems: vec![Problem::new(
                "no event export layout recognized (wevtutil text or XML, Event Viewer or PowerShell CSV, Windows Server 2003 text)",
            )],
            ..ParseOutcome::default()
        };
    };
    let mut reader = Reader {
        sink,
        catalog: input.options.messages(),
        problems: Problems::default(),
        records: 0,
        clock: Clock::new(input.options),
    };
    let mut notes = Vec::new();
    if matches!(layout, Layout::ViewerCsv | Layout::PowerShellCsv | Layout::Legacy2003) {
        let (order, note) = infer_date_order(&view);
        reader.clock.order = order;
        notes.extend(note);
    }
    let stats = match layout {
        Layout::WevtutilText => read_blocks(&view, &mut reader, Blocks::Wevtutil),
        Layout::Legacy2003 => read_blocks(&view, &mut reader, Blocks::Legacy2003),
        Layout::Xml => read_xml(&view, &mut reader),
        Layout::ViewerCsv | Layout::PowerShellCsv => read_csv(&view, &mut reader, layout),
    };
    notes.insert(0, format!("layout: {}", layout.name()));
    notes.extend(view.notes(&stats));
    let time_zone = reader.clock.describe(layout);
    ParseOutcome {
        records: reader.records,
        problems: reader.problems.finish(),
        notes,
        time_zone: Some(time_zone),
    }
}

/// The shape of the file, from its first non-empty lines.
fn detect_layout(view: &TextView<'_>) -> Option<Layout> {
    let mut found = None;
    let mut seen = 0;
    for_each_line(view.data, view.encoding, 1, |_, line| {
        let t = line.trim_start_matches(['\u{feff}', ' ', '\t']);
        if t.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        seen += 1;
        found = if t.contains("<Event xmlns=") || t.starts_with("<Events") || t.starts_with("<Event>") {
            Some(Layout::Xml)
        } else if event_block_start(t).is_some() {
            Some(Layout::WevtutilText)
        } else if t.starts_with("Event Type:") {
            Some(Layout::Legacy2003)
        } else if t.starts_with("#TYPE System.Diagnostics.Event")
            || t.starts_with("\"Message\"")
            || t.starts_with("\"EventID\"")
        {
            Some(Layout::PowerShellCsv)
        } else if viewer_csv_header(t).is_some() {
            Some(Layout::ViewerCsv)
        } else {
            None
        };
        if found.is_some() || seen >= 10 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    found
}

/// Where records go, and what every layout needs to make them.
struct Reader<'s> {
    sink: &'s mut dyn RecordSink,
    catalog: &'s MessageCatalog,
    problems: Problems,
    records: u64,
    clock: Clock<'s>,
}

impl Reader<'_> {
    /// Pushes one event: `lines` are the event's lines (number, text), `anchor` the index of the
    /// line the record stands at; the lines after it up to `end` are its continuation.
    fn emit(
        &mut self,
        lines: &[(u64, &str)],
        anchor: usize,
        end: usize,
        time: Option<Timestamp>,
        fields: EventFields<'_>,
    ) {
        let Some(&(line_no, text)) = lines.get(anchor) else {
            return;
        };
        let fields: Fields<'_> = fields.into_fields(self.catalog);
        let continuation = lines
            .get(anchor + 1..end.min(lines.len()))
            .unwrap_or_default()
            .iter()
            .map(|&(_, l)| Cow::Borrowed(l))
            .collect();
        let record = Record {
            position: Position::Line(line_no),
            time,
            text: Cow::Borrowed(text),
            continuation,
            fields,
        };
        self.sink.record(&record);
        self.records += 1;
    }
}

// ------------------------------------------------------------------------------------------------
// Times
// ------------------------------------------------------------------------------------------------

/// Day/month order of `a/b/yyyy` dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// Places the local times of an export in UTC.
struct Clock<'o> {
    zone: Option<(&'o LocalZone, String)>,
    order: DateOrder,
    /// Whether a time written in UTC (`…Z`) or a local one was seen.
    saw_utc: bool,
    saw_local: bool,
}

impl<'o> Clock<'o> {
    fn new(options: &'o ParseOptions) -> Clock<'o> {
        Clock {
            zone: options.local_zone(),
            order: DateOrder::MonthFirst,
            saw_utc: false,
            saw_local: false,
        }
    }

    fn local(&mut self, t: NaiveDateTime) -> Timestamp {
        self.saw_local = true;
        match &self.zone {
            Some((zone, _)) => zone.timestamp(t),
            None => unknown_local(t),
        }
    }

    /// `2024-11-20T06:14:00.000` (local) or `…Z` / `…+01:00` (as stated).
    fn iso(&mut self, text: &str) -> Option<Timestamp> {
        let t = text.trim();
        if let Some(utc) = t.strip_suffix('Z') {
            let parsed = parse_iso(utc)?;
            self.saw_utc = true;
            return Some(Timestamp::utc(parsed));
        }
        if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
            self.saw_utc = true;
            return Some(Timestamp::utc(millis(dt.naive_utc())));
        }
        let local = parse_iso(t)?;
        Some(self.local(local))
    }

    /// A date and time in the exporting machine's culture: `11/20/2024 10:14:02 AM`,
    /// `20.11.2024 10:14:02`, `20/11/2024 10:14:02`, `2024-11-20 10:14:02`.
    fn cultural(&mut self, date: &str, time: &str) -> Option<Timestamp> {
        let d = parse_cultural_date(date.trim(), self.order)?;
        let t = parse_clock_time(time.trim())?;
        Some(self.local(NaiveDateTime::new(d, t)))
    }

    /// A date and time in one field, split at the first space (or `T`).
    fn cultural_one(&mut self, text: &str) -> Option<Timestamp> {
        let t = text.trim();
        if t.contains('T') && t.starts_with(|c: char| c.is_ascii_digit()) && t.as_bytes().get(4) == Some(&b'-') {
            return self.iso(t);
        }
        let (date, time) = t.split_once(' ')?;
        self.cultural(date, time)
    }

    fn describe(&self, layout: Layout) -> String {
        if layout == Layout::Xml || (self.saw_utc && !self.saw_local) {
            return "UTC".into();
        }
        match &self.zone {
            Some((zone, from)) => format!("local, {} from {from}", zone.describe()),
            None => "local, zone unknown: times kept as written".into(),
        }
    }
}

fn parse_iso(t: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .map(millis)
}

fn parse_cultural_date(d: &str, order: DateOrder) -> Option<NaiveDate> {
    let sep = d.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = d.trim_end_matches('.').split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (a, b, c): (u32, u32, i32) = (a.trim().parse().ok()?, b.trim().parse().ok()?, c.trim().parse().ok()?);
    if a > 31 {
        return NaiveDate::from_ymd_opt(a as i32, b, c as u32); // 2024-11-20
    }
    let year = if c < 100 { 2000 + c } else { c };
    match (sep, order) {
        ('.', _) => NaiveDate::from_ymd_opt(year, b, a), // German: day first
        (_, DateOrder::DayFirst) => NaiveDate::from_ymd_opt(year, b, a),
        (_, DateOrder::MonthFirst) => NaiveDate::from_ymd_opt(year, a, b),
    }
}

/// `10:14:02`, `10:14:02.123`, `10:14`, `6:00:19 AM`, `12:01:44 PM`.
fn parse_clock_time(t: &str) -> Option<NaiveTime> {
    let upper = t.to_ascii_uppercase();
    let (clock, pm) = if let Some(c) = upper.strip_suffix("PM") {
        (c.trim().to_string(), Some(true))
    } else if let Some(c) = upper.strip_suffix("AM") {
        (c.trim().to_string(), Some(false))
    } else {
        (upper.trim().to_string(), None)
    };
    let time = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(&clock, f).ok())?;
    use chrono::Timelike;
    Some(match pm {
        Some(pm) => {
            let h = time.hour() % 12 + if pm { 12 } else { 0 };
            time.with_hour(h)?
        }
        None => time,
    })
}

/// The day/month order of the file's `a/b/yyyy` dates: a first number above 12 says day first, a
/// second one above 12 month first; when no date says, the language of the header decides (French
/// and German exports are day-first, others month-first) and a note says so.
fn infer_date_order(view: &TextView<'_>) -> (DateOrder, Option<String>) {
    // A date that starts a field and is followed by a time (CSV), or the 2003 `Date:` line.
    static DATE: OnceLock<Option<Regex>> = OnceLock::new();
    let date = DATE.get_or_init(|| {
        Regex::new(r#"(?:(?:^|[",;\t])\s*(\d{1,2})([./])(\d{1,2})[./]\d{2,4}(?:\s+|,"?|\t)\d{1,2}:\d{2}|^Date:\s*(\d{1,2})([./])(\d{1,2})[./]\d{2,4}\s*$)"#).ok()
    });
    let Some(date) = date else {
        return (DateOrder::MonthFirst, None);
    };
    let mut day_first = false;
    let mut month_first = false;
    let mut slash_dates = 0u64;
    let mut day_first_language = false;
    for_each_line(view.data, view.encoding, 1, |n, line| {
        if n <= 3 && (line.contains("Datum und Uhrzeit") || line.contains("Date et heure")) {
            day_first_language = true;
        }
        for c in date.captures_iter(line) {
            let group = |i: usize| c.get(i).or_else(|| c.get(i + 3)).map(|m| m.as_str());
            if group(2) != Some("/") {
                continue; // `20.11.2024` is always day first
            }
            slash_dates += 1;
            let a: u32 = group(1).and_then(|m| m.parse().ok()).unwrap_or(0);
            let b: u32 = group(3).and_then(|m| m.parse().ok()).unwrap_or(0);
            day_first |= a > 12;
            month_first |= b > 12;
        }
        ControlFlow::Continue(())
    });
    match (day_first, month_first) {
        (true, false) => (DateOrder::DayFirst, None),
        (false, true) => (DateOrder::MonthFirst, None),
        (true, true) => (
            DateOrder::MonthFirst,
            Some("dates are written both day-first and month-first: read as month/day".into()),
        ),
        (false, false) if slash_dates == 0 => (DateOrder::MonthFirst, None),
        (false, false) => {
            let order = if day_first_language {
                DateOrder::DayFirst
            } else {
                DateOrder::MonthFirst
            };
            let said = match order {
                DateOrder::DayFirst => "day/month (the header's language writes them so)",
                DateOrder::MonthFirst => "month/day (the US order)",
            };
            (
                order,
                Some(format!(
                    "no date in the file tells day from month (both are 12 or less): read as {said}"
                )),
            )
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Key: value blocks (wevtutil /f:text, Windows Server 2003)
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blocks {
    Wevtutil,
    Legacy2003,
}

/// `Event[12]:` → 12.
fn event_block_start(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("Event[")?;
    let (n, tail) = rest.split_once(']')?;
    (tail.trim() == ":" && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
}

fn read_blocks(view: &TextView<'_>, reader: &mut Reader<'_>, kind: Blocks) -> crate::intake::decode::LineStats {
    let mut block: Vec<(u64, String)> = Vec::new();
    let mut before = 0u64;
    let stats = for_each_line(view.data, view.encoding, 1, |n, line| {
        let starts = match kind {
            Blocks::Wevtutil => event_block_start(line).is_some(),
            Blocks::Legacy2003 => line.trim_start().starts_with("Event Type:"),
        };
        if starts && !block.is_empty() {
            read_block(&block, reader, kind);
            block.clear();
        }
        if starts || !block.is_empty() {
            block.push((n, line.to_string()));
        } else if !line.trim().is_empty() {
            before += 1;
        }
        ControlFlow::Continue(())
    });
    if !block.is_empty() {
        read_block(&block, reader, kind);
    }
    if before > 0 {
        reader.problems.push(
            "text before the first event",
            Problem::new(format!("{before} lines before the first event block were not read")),
        );
    }
    stats
}

/// `Key: value` (value possibly empty); `None` for a line that is not one.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    (!key.is_empty() && key.len() <= 40 && key.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-'))
        .then_some((key, value.trim()))
}

fn read_block(block: &[(u64, String)], reader: &mut Reader<'_>, kind: Blocks) {
    let lines: Vec<(u64, &str)> = block.iter().map(|(n, l)| (*n, l.as_str())).collect();
    let first_line = lines.first().map_or(0, |l| l.0);
    let mut fields = EventFields::default();
    let mut date: Option<&str> = None;
    let mut time: Option<&str> = None;
    let mut event_id_at = None;
    let mut description: Option<usize> = None;
    // The wevtutil block's first line is `Event[N]:`; the 2003 block's is `Event Type: …`.
    let mut i = usize::from(kind == Blocks::Wevtutil);
    while let Some(&(_, line)) = lines.get(i) {
        let Some((key, value)) = key_value(line) else {
            i += 1;
            continue;
        };
        // A 2003 value can stand on the next line (`Computer:` / `servername`).
        let value = if value.is_empty() && kind == Blocks::Legacy2003 && key != "Description" && key != "Data" {
            match lines.get(i + 1) {
                Some(&(_, next)) if key_value(next).is_none() && !next.trim().is_empty() => {
                    i += 1;
                    next.trim()
                }
                _ => value,
            }
        } else {
            value
        };
        let v = || Some(Cow::Borrowed(value));
        match (kind, key) {
            (_, "Description") => {
                description = Some(i);
                break;
            }
            (Blocks::Wevtutil, "Log Name") => fields.channel = v(),
            (Blocks::Wevtutil, "Source") | (Blocks::Legacy2003, "Event Source") => fields.provider = v(),
            (Blocks::Wevtutil, "Date") => date = Some(value),
            (Blocks::Legacy2003, "Date") => date = Some(value),
            (Blocks::Legacy2003, "Time") => time = Some(value),
            (_, "Event ID") => {
                fields.event_id = v();
                event_id_at = Some(i);
            }
            (Blocks::Wevtutil, "Task") | (Blocks::Legacy2003, "Event Category") => fields.task = v(),
            (Blocks::Wevtutil, "Level") | (Blocks::Legacy2003, "Event Type") => fields.level = v(),
            (Blocks::Wevtutil, "Keyword") => fields.keywords = v(),
            (_, "Computer") => fields.computer = v(),
            _ => {}
        }
        i += 1;
    }
    // The message: the rest of the Description line, then the lines below it, without the blank
    // lines that end the block (and the 2003 `Data:` dump).
    let mut anchor = event_id_at.unwrap_or(0);
    let mut end = trim_blank_tail(&lines, lines.len());
    if let Some((d, &(_, description_line))) = description.and_then(|d| lines.get(d).map(|l| (d, l))) {
        let inline = description_line.split_once(':').map_or("", |(_, v)| v.trim());
        let mut last = end;
        if kind == Blocks::Legacy2003
            && let Some(data) =
                (d + 1..end).find(|&k| lines.get(k).is_some_and(|l| l.1.trim_start().starts_with("Data:")))
        {
            last = trim_blank_tail(&lines, data);
        }
        let first = if inline.is_empty() { d + 1 } else { d };
        let message_lines: Vec<&str> = (first..last)
            .filter_map(|k| lines.get(k).map(|&(_, l)| if k == d { inline } else { l }))
            .collect();
        if let Some(&only) = message_lines.first() {
            let message: Cow<'_, str> = if message_lines.len() == 1 {
                Cow::Borrowed(only)
            } else {
                Cow::Owned(message_lines.join("\n"))
            };
            if message.trim() != "N/A" {
                fields.message = Some(message);
            }
            anchor = first;
            end = last;
        }
    }
    if fields.event_id.is_none() {
        reader.problems.push(
            "event without an id",
            Problem::at_line(first_line, "event block without an Event ID line; kept without one"),
        );
    }
    let at = match kind {
        Blocks::Wevtutil => date.and_then(|d| reader.clock.iso(d)),
        Blocks::Legacy2003 => match (date, time) {
            (Some(d), Some(t)) => reader.clock.cultural(d, t),
            _ => None,
        },
    };
    if at.is_none() {
        reader.problems.push(
            "no timestamp",
            Problem::at_line(
                first_line,
                format!("event without a readable date ({:?})", date.unwrap_or("none")),
            ),
        );
    }
    reader.emit(&lines, anchor, end.max(anchor + 1), at, fields);
}

fn trim_blank_tail(lines: &[(u64, &str)], mut end: usize) -> usize {
    while end > 0 && lines.get(end - 1).is_some_and(|l| l.1.trim().is_empty()) {
        end -= 1;
    }
    end
}

// ------------------------------------------------------------------------------------------------
// XML
// ------------------------------------------------------------------------------------------------

/// The next `<Event` start tag at or after `from` (not `<Events>`, `<EventData>`, `<EventID>`…).
fn find_event_start(line: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = line.get(at..)?.find("<Event") {
        let start = at + i;
        match line.as_bytes().get(start + 6) {
            None | Some(b' ' | b'>' | b'\t' | b'/') => return Some(start),
            _ => at = start + 6,
        }
    }
    None
}

fn read_xml(view: &TextView<'_>, reader: &mut Reader<'_>) -> crate::intake::decode::LineStats {
    // An event across several lines: its lines so far, from the one where it starts.
    let mut open: Vec<(u64, String)> = Vec::new();
    let stats = for_each_line(view.data, view.encoding, 1, |n, line| {
        let mut from = 0;
        if !open.is_empty() {
            match line.find("</Event>") {
                Some(end) => {
                    let close = end + "</Event>".len();
                    open.push((n, line.get(..close).unwrap_or(line).to_string()));
                    read_xml_event(&open, reader);
                    open.clear();
                    from = close;
                }
                None => {
                    open.push((n, line.to_string()));
                    return ControlFlow::Continue(());
                }
            }
        }
        while let Some(start) = find_event_start(line, from) {
            let tail = line.get(start..).unwrap_or_default();
            match tail.find("</Event>") {
                Some(end) => {
                    let element = tail.get(..end + "</Event>".len()).unwrap_or(tail);
                    read_xml_event(&[(n, element.to_string())], reader);
                    from = start + end + "</Event>".len();
                }
                None => {
                    open.push((n, tail.to_string()));
                    break;
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let Some(&(n, _)) = open.first() {
        reader.problems.push(
            "unclosed event",
            Problem::at_line(n, "the file ends inside an <Event> element (a cut export); not read"),
        );
    }
    stats
}

fn read_xml_event(lines: &[(u64, String)], reader: &mut Reader<'_>) {
    let Some((line_no, first)) = lines.first() else {
        return;
    };
    let joined: Cow<'_, str> = if lines.len() == 1 {
        Cow::Borrowed(first.as_str())
    } else {
        Cow::Owned(lines.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n"))
    };
    let parts = match read_event_xml(&joined) {
        Ok(p) => p,
        Err(e) => {
            reader.problems.push(
                "bad event XML",
                Problem::at_line(*line_no, format!("<Event> element not read: {e}")),
            );
            return;
        }
    };
    let time = parts.time(&joined);
    let fields = parts.fields(&joined, reader.catalog);
    let borrowed: Vec<(u64, &str)> = lines.iter().map(|(n, l)| (*n, l.as_str())).collect();
    let Some(&(line_no, text)) = borrowed.first() else {
        return;
    };
    let record = Record {
        position: Position::Line(line_no),
        time,
        text: Cow::Borrowed(text),
        continuation: borrowed.iter().skip(1).map(|&(_, l)| Cow::Borrowed(l)).collect(),
        fields,
    };
    reader.sink.record(&record);
    reader.records += 1;
}

// ------------------------------------------------------------------------------------------------
// CSV
// ------------------------------------------------------------------------------------------------

/// What a CSV column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Level,
    LevelName,
    Time,
    Provider,
    EventId,
    Qualifiers,
    Task,
    TaskName,
    Keywords,
    RecordId,
    Channel,
    Computer,
    Message,
    Other,
}

/// The column roles of an Event Viewer CSV header (`Level,Date and Time,Source,Event ID,Task
/// Category`, German, French): the message is the unnamed column after the last.
fn viewer_csv_header(line: &str) -> Option<(u8, Vec<Column>)> {
    let t = line.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '"');
    let delim = *[b',', b';', b'\t']
        .iter()
        .find(|&&d| t.as_bytes().iter().take(20).any(|&b| b == d))?;
    let names = csv_fields(t, delim);
    let first = names.first()?.trim().to_lowercase();
    if !["level", "ebene", "niveau"].contains(&first.as_str()) {
        return None;
    }
    let mut columns: Vec<Column> = names
        .iter()
        .map(|n| match n.trim().to_lowercase().as_str() {
            "level" | "ebene" | "niveau" => Column::LevelName,
            "date and time" | "datum und uhrzeit" | "date et heure" => Column::Time,
            "source" | "quelle" => Column::Provider,
            "event id" | "ereignis-id" | "id de l’événement" | "id de l'événement" | "id de l’evenement" => {
                Column::EventId
            }
            "task category" | "aufgabenkategorie" | "catégorie de la tâche" => Column::TaskName,
            _ => Column::Other,
        })
        .collect();
    if !columns.contains(&Column::Time) || !columns.contains(&Column::EventId) {
        return None;
    }
    columns.push(Column::Message);
    Some((delim, columns))
}

/// The column roles of a PowerShell `Export-Csv` header (`Get-WinEvent` or `Get-EventLog`).
fn powershell_header(line: &str) -> Option<(u8, Vec<Column>)> {
    let t = line.trim_start_matches('\u{feff}');
    let delim = if t.contains("\";\"") && !t.contains("\",\"") {
        b';'
    } else {
        b','
    };
    let names = csv_fields(t, delim);
    let columns: Vec<Column> = names
        .iter()
        .map(|n| match n.trim() {
            "Message" => Column::Message,
            "Id" | "EventID" => Column::EventId,
            "Qualifiers" => Column::Qualifiers,
            "Level" => Column::Level,
            "LevelDisplayName" | "EntryType" => Column::LevelName,
            "Task" | "CategoryNumber" => Column::Task,
            "TaskDisplayName" | "Category" => Column::TaskName,
            "Keywords" => Column::Keywords,
            "RecordId" | "Index" => Column::RecordId,
            "ProviderName" | "Source" => Column::Provider,
            "LogName" => Column::Channel,
            "MachineName" => Column::Computer,
            "TimeCreated" | "TimeGenerated" => Column::Time,
            _ => Column::Other,
        })
        .collect();
    (columns.contains(&Column::EventId) && columns.contains(&Column::Time)).then_some((delim, columns))
}

/// Splits one CSV row (RFC 4180: `"` quotes, `""` inside quotes); values are borrowed unless they
/// hold a doubled quote. A row may span lines (joined with `\n`).
fn csv_fields(row: &str, delim: u8) -> Vec<Cow<'_, str>> {
    let b = row.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut owned: Option<String> = None;
            let value;
            loop {
                match b.get(j..).and_then(|rest| memchr::memchr(b'"', rest)) {
                    None => {
                        // An unterminated quote runs to the end of the row.
                        let tail = row.get(j..).unwrap_or_default();
                        value = match owned.take() {
                            Some(mut o) => {
                                o.push_str(tail);
                                Cow::Owned(o)
                            }
                            None => Cow::Borrowed(row.get(start..).unwrap_or_default()),
                        };
                        i = b.len();
                        break;
                    }
                    Some(k) => {
                        let q = j + k;
                        if b.get(q + 1) == Some(&b'"') {
                            let o = owned.get_or_insert_with(String::new);
                            o.push_str(row.get(j..=q).unwrap_or_default());
                            j = q + 2;
                        } else {
                            value = match owned.take() {
                                Some(mut o) => {
                                    o.push_str(row.get(j..q).unwrap_or_default());
                                    Cow::Owned(o)
                                }
                                None => Cow::Borrowed(row.get(start..q).unwrap_or_default()),
                            };
                            i = q + 1;
                            break;
                        }
                    }
                }
            }
            out.push(value);
            // Anything between the closing quote and the delimiter is dropped.
            match b.get(i..).and_then(|rest| memchr::memchr(delim, rest)) {
                Some(k) => i += k,
                None => i = b.len(),
            }
        } else {
            let end = b
                .get(i..)
                .and_then(|rest| memchr::memchr(delim, rest))
                .map_or(b.len(), |k| i + k);
            out.push(Cow::Borrowed(row.get(i..end).unwrap_or_default()));
            i = end;
        }
        if i >= b.len() {
            break;
        }
        i += 1; // the delimiter
        if i == b.len() {
            out.push(Cow::Borrowed(""));
            break;
        }
    }
    out
}

fn read_csv(view: &TextView<'_>, reader: &mut Reader<'_>, layout: Layout) -> crate::intake::decode::LineStats {
    let mut header: Option<(u8, Vec<Column>)> = None;
    // The physical lines of the row being read, while a quoted value is open.
    let mut row: Vec<(u64, String)> = Vec::new();
    let mut quotes = 0usize;
    let stats = for_each_line(view.data, view.encoding, 1, |n, line| {
        let Some((delim, columns)) = &header else {
            let t = line.trim_start_matches('\u{feff}');
            if t.starts_with("#TYPE") || t.trim().is_empty() {
                return ControlFlow::Continue(());
            }
            header = match layout {
                Layout::PowerShellCsv => powershell_header(t),
                _ => viewer_csv_header(t),
            };
            if header.is_none() {
                reader.problems.push(
                    "no CSV header",
                    Problem::at_line(n, "expected the CSV header line of an event export"),
                );
                return ControlFlow::Break(());
            }
            return ControlFlow::Continue(());
        };
        if row.is_empty() && line.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        quotes += line.bytes().filter(|&b| b == b'"').count();
        row.push((n, line.to_string()));
        if quotes.is_multiple_of(2) {
            read_csv_row(&row, *delim, columns, reader);
            row.clear();
            quotes = 0;
        }
        ControlFlow::Continue(())
    });
    if let (Some((delim, columns)), Some(&(n, _))) = (&header, row.first()) {
        reader.problems.push(
            "unclosed quote",
            Problem::at_line(
                n,
                "the file ends inside a quoted value (a cut export); the row was read as it is",
            ),
        );
        read_csv_row(&row, *delim, columns, reader);
    }
    stats
}

fn read_csv_row(row: &[(u64, String)], delim: u8, columns: &[Column], reader: &mut Reader<'_>) {
    let Some((line_no, first)) = row.first() else {
        return;
    };
    let joined: Cow<'_, str> = if row.len() == 1 {
        Cow::Borrowed(first.as_str())
    } else {
        Cow::Owned(row.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n"))
    };
    let values = csv_fields(&joined, delim);
    if values.len() < columns.len().saturating_sub(1) {
        reader.problems.push(
            "field count differs from the header",
            Problem::at_line(
                *line_no,
                format!("{} values, the header names {}", values.len(), columns.len()),
            ),
        );
    }
    let mut fields = EventFields::default();
    let mut level_name: Option<Cow<'_, str>> = None;
    let mut task_name: Option<Cow<'_, str>> = None;
    let mut time_text: Option<&str> = None;
    for (column, value) in columns.iter().zip(values.iter()) {
        let v = || Some(Cow::Borrowed(value.as_ref()));
        let present = !value.trim().is_empty();
        match column {
            Column::Level if present => fields.level = v(),
            Column::LevelName if present => level_name = v(),
            Column::Time => time_text = Some(value.as_ref()),
            Column::Provider => fields.provider = v(),
            Column::EventId => fields.event_id = v(),
            Column::Qualifiers if present => fields.qualifiers = v(),
            Column::Task if present => fields.task = v(),
            Column::TaskName if present => task_name = v(),
            Column::Keywords if present => fields.keywords = v(),
            Column::RecordId if present => fields.record_id = v(),
            Column::Channel if present => fields.channel = v(),
            Column::Computer if present => fields.computer = v(),
            Column::Message if present => fields.message = v(),
            _ => {}
        }
    }
    // A numeric level says more than a localized name; a task name more than its number.
    if fields.level.as_deref().and_then(normalize_level).is_none() {
        fields.level = level_name.or(fields.level);
    }
    if task_name.is_some() {
        fields.task = task_name;
    }
    let time = time_text.and_then(|t| reader.clock.cultural_one(t));
    if time.is_none() {
        reader.problems.push(
            "no timestamp",
            Problem::at_line(
                *line_no,
                format!("event without a readable date ({:?})", time_text.unwrap_or("none")),
            ),
        );
    }
    let lines: Vec<(u64, &str)> = row.iter().map(|(n, l)| (*n, l.as_str())).collect();
    reader.emit(&lines, 0, lines.len(), time, fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_keep_borrowed_values_and_unquote() {
        let row = r#"Error,11/20/2024 9:31:02 AM,Microsoft-Windows-WAS,5002,None,"Application pool 'WsusPool' is ""disabled"", see",x"#;
        let f = csv_fields(row, b',');
        assert_eq!(f.len(), 7);
        assert!(matches!(f[0], Cow::Borrowed("Error")));
        assert_eq!(f[5], "Application pool 'WsusPool' is \"disabled\", see");
        assert_eq!(f[6], "x");
        assert_eq!(csv_fields("a,,b,", b','), vec!["a", "", "b", ""]);
        assert_eq!(csv_fields("\"open", b','), vec!["open"]);
    }

    #[test]
    fn cultural_dates_and_times() {
        let d = |s, o| parse_cultural_date(s, o).map(|d| d.to_string());
        assert_eq!(d("11/20/2024", DateOrder::MonthFirst).as_deref(), Some("2024-11-20"));
        assert_eq!(d("20/11/2024", DateOrder::DayFirst).as_deref(), Some("2024-11-20"));
        assert_eq!(d("20.11.2024", DateOrder::MonthFirst).as_deref(), Some("2024-11-20"));
        assert_eq!(d("2024-11-20", DateOrder::DayFirst).as_deref(), Some("2024-11-20"));
        assert_eq!(d("20/11/2024", DateOrder::MonthFirst), None);
        let t = |s| parse_clock_time(s).map(|t| t.to_string());
        assert_eq!(t("12:01:44 PM").as_deref(), Some("12:01:44"));
        assert_eq!(t("12:01:44 AM").as_deref(), Some("00:01:44"));
        assert_eq!(t("6:00:19 pm").as_deref(), Some("18:00:19"));
        assert_eq!(t("06:00:19").as_deref(), Some("06:00:19"));
    }

    #[test]
    fn event_start_tags_are_told_from_their_children() {
        let line = "<Events><Event xmlns='x'><System><EventID>1</EventID></System><EventData/></Event><Event>";
        assert_eq!(find_event_start(line, 0), Some(8));
        assert_eq!(find_event_start(line, 9), Some(line.len() - 7));
        assert_eq!(event_block_start("Event[12]:"), Some("12"));
        assert_eq!(event_block_start("Event[x]:"), None);
    }
}
