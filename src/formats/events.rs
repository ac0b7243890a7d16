//! What EVTX files and exported event logs share: the fields of an event record, level names, the
//! reading of one rendered `<Event>` element, and the message templates of `grammars/events/`.
//!
//! An event log stores only insertion strings; the text Event Viewer shows comes from the
//! provider's message DLL on the reading machine. The [`MessageCatalog`] carries the templates of the
//! events that matter here (one TOML file per provider, keyed on provider and the low 16 bits of the
//! event id) and renders `message` from the record's values. Both [`super::evtx`] and
//! [`super::event_text`] build their fields through [`EventFields`], so a signature written for
//! `provider`, `event-id` or `data:AppPoolID` reads the same in every form of an event log.

use crate::formats::time::millis;
use crate::grammars::{GrammarError, GrammarFile, GrammarFiles};
use crate::records::{Fields, Timestamp};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use quick_xml::events::{BytesStart, Event};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Message templates
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderDef {
    /// The provider name as `System/Provider@Name` writes it.
    provider: String,
    /// Other names the same provider is shown under (Event Viewer's source column, older Windows).
    #[serde(default)]
    aliases: Vec<String>,
    /// Where the texts come from.
    #[serde(default)]
    #[allow(dead_code)]
    source: String,
    /// The template of ids not listed (a .NET event source has "%1" for every id).
    #[serde(default)]
    default_message: Option<String>,
    #[serde(default, rename = "event")]
    events: Vec<EventDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventDef {
    /// The event id; only its low 16 bits count.
    id: u32,
    message: String,
    /// A short English name of the event, where the message itself is only an insertion string.
    #[serde(default)]
    title: Option<String>,
}

/// One piece of a message template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// `%n`: the n-th insertion string, 1-based.
    Insert(usize),
}

/// A message template in FormatMessage syntax: `%1`…`%99` (optionally `%1!s!`), `%%`, `%n`, `%t`,
/// `%r`, `%b`, `%.`, `%!`, `%0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Reads a template; anything that is not an escape is text, so every string is a template.
    pub fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            match chars.peek().map(|&(_, c)| c) {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = 0usize;
                    // At most two digits: `%100` is insertion 10 followed by `0`.
                    while let Some(&(_, d)) = chars.peek() {
                        if !d.is_ascii_digit() || n >= 10 {
                            break;
                        }
                        n = n * 10 + d.to_digit(10).unwrap_or(0) as usize;
                        chars.next();
                    }
                    if n == 0 {
                        break; // %0 ends the message
                    }
                    // `%1!s!`: a printf format for the insertion; the string is shown as stored.
                    if chars.peek().map(|&(_, c)| c) == Some('!') {
                        chars.next();
                        for (_, c) in chars.by_ref() {
                            if c == '!' {
                                break;
                            }
                        }
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Insert(n));
                }
                Some(e) => {
                    chars.next();
                    match e {
                        'n' => literal.push_str("\r\n"),
                        'r' => literal.push('\r'),
                        't' => literal.push('\t'),
                        'b' => literal.push(' '),
                        '%' | '.' | '!' => literal.push(e),
                        other => {
                            literal.push('%');
                            literal.push(other);
                        }
                    }
                }
                None => literal.push('%'),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Template { pieces }
    }

    /// The message with `values[n-1]` for each `%n`; an insertion without a value stays `%n`, as
    /// Event Viewer shows it.
    pub fn render(&self, values: &[&str]) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Insert(n) => match values.get(n - 1) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('%');
                        out.push_str(&n.to_string());
                    }
                },
            }
        }
        out
    }
}

#[derive(Debug)]
struct ProviderMessages {
    name: String,
    default: Option<Template>,
    events: HashMap<u16, (Template, Option<String>)>,
}

/// The message templates of `grammars/events/*.toml`.
#[derive(Debug, Default)]
pub struct MessageCatalog {
    /// Provider names and aliases with the index of their provider: a dozen, scanned without
    /// allocating (this runs for every record).
    names: Vec<(String, usize)>,
    providers: Vec<ProviderMessages>,
}

impl MessageCatalog {
    pub fn from_files(files: &GrammarFiles) -> Result<MessageCatalog, GrammarError> {
        let mut catalog = MessageCatalog::default();
        for file in files.under("events") {
            let def: ProviderDef = GrammarError::parse_toml(file)?;
            catalog.add(file, def)?;
        }
        Ok(catalog)
    }

    fn add(&mut self, file: &GrammarFile, def: ProviderDef) -> Result<(), GrammarError> {
        let at = |needle: &str| file.text.find(needle).map(|s| s..s + needle.len());
        let mut events = HashMap::new();
        for e in &def.events {
            let id = (e.id & 0xFFFF) as u16;
            if events
                .insert(id, (Template::parse(&e.message), e.title.clone()))
                .is_some()
            {
                return Err(GrammarError::invalid(
                    file,
                    format!("event {id} is listed twice for {}", def.provider),
                    at(&format!("id = {}", e.id)),
                ));
            }
        }
        let default = def.default_message.as_deref().map(Template::parse);
        let index = self.providers.len();
        for name in std::iter::once(&def.provider).chain(&def.aliases) {
            if self.names.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(GrammarError::invalid(
                    file,
                    format!("provider name {name:?} is defined in two event files"),
                    at(name),
                ));
            }
            self.names.push((name.clone(), index));
        }
        self.providers.push(ProviderMessages {
            name: def.provider,
            default,
            events,
        });
        Ok(())
    }

    /// The templates embedded in the binary. An embedded file that does not load (a build that
    /// skipped the tests) leaves the catalog empty rather than failing every parse.
    pub fn embedded() -> &'static MessageCatalog {
        static EMBEDDED: OnceLock<MessageCatalog> = OnceLock::new();
        EMBEDDED.get_or_init(|| MessageCatalog::from_files(&GrammarFiles::embedded()).unwrap_or_default())
    }

    fn provider(&self, name: &str) -> Option<&ProviderMessages> {
        let (_, i) = self.names.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        self.providers.get(*i)
    }

    /// The provider's own name when `name` is one of its aliases (`WAS` → `Microsoft-Windows-WAS`).
    pub fn canonical_provider(&self, name: &str) -> Option<&str> {
        self.provider(name).map(|p| p.name.as_str())
    }

    pub fn template(&self, provider: &str, event_id: u16) -> Option<&Template> {
        let p = self.provider(provider)?;
        p.events.get(&event_id).map(|(t, _)| t).or(p.default.as_ref())
    }

    /// The short name of an event whose message is only an insertion string.
    pub fn title(&self, provider: &str, event_id: u16) -> Option<&str> {
        self.provider(provider)?.events.get(&event_id)?.1.as_deref()
    }

    /// The number of events with a template of their own.
    pub fn len(&self) -> usize {
        self.providers.iter().map(|p| p.events.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Levels
// ---------------------------------------------------------------------------------------------

/// The English name of a numeric level, as Event Viewer shows it (0, LogAlways, shows as Information).
pub fn level_name(level: u32) -> Option<&'static str> {
    Some(match level {
        0 | 4 => "Information",
        1 => "Critical",
        2 => "Error",
        3 => "Warning",
        5 => "Verbose",
        _ => return None,
    })
}

/// The English level name of a level as an export writes it: a number, or the name in English,
/// German or French, or a Windows Server 2003 event type.
pub fn normalize_level(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u32>() {
        return level_name(n);
    }
    Some(match t.to_lowercase().as_str() {
        "information" | "informationen" | "informations" | "info" => "Information",
        "error" | "fehler" | "erreur" => "Error",
        "warning" | "warnung" | "avertissement" => "Warning",
        "critical" | "kritisch" | "critique" => "Critical",
        "verbose" | "ausführlich" | "commentaires" | "détails" => "Verbose",
        "success audit" | "audit success" | "überwachung erfolgreich" | "succès de l’audit" | "succès de l'audit" => {
            "Audit Success"
        }
        "failure audit" | "audit failure" | "überwachung gescheitert" | "échec de l’audit" | "échec de l'audit" => {
            "Audit Failure"
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/// The values of one event, whatever form it was read from, before they become [`Fields`].
#[derive(Debug, Default, Clone)]
pub struct EventFields<'a> {
    pub provider: Option<Cow<'a, str>>,
    /// The full event id as written (may carry qualifiers in its high 16 bits).
    pub event_id: Option<Cow<'a, str>>,
    pub qualifiers: Option<Cow<'a, str>>,
    pub level: Option<Cow<'a, str>>,
    pub task: Option<Cow<'a, str>>,
    pub keywords: Option<Cow<'a, str>>,
    pub channel: Option<Cow<'a, str>>,
    pub computer: Option<Cow<'a, str>>,
    pub record_id: Option<Cow<'a, str>>,
    /// EventData/UserData values in order: the name (`None` for an unnamed classic value) and value.
    pub data: Vec<(Option<Cow<'a, str>>, Cow<'a, str>)>,
    pub binary: Option<Cow<'a, str>>,
    /// A message the source already rendered (text exports, `RenderingInfo`).
    pub message: Option<Cow<'a, str>>,
}

/// Splits `5002` / `3221230474` into the low 16 bits and the qualifiers in the high 16 bits.
pub fn split_event_id(text: &str) -> Option<(u16, u16)> {
    let full: u32 = text.trim().parse().ok()?;
    Some(((full & 0xFFFF) as u16, (full >> 16) as u16))
}

impl<'a> EventFields<'a> {
    /// The record's fields in the conventional names (see [`super`]): `provider` (an alias is
    /// replaced by the provider's own name, the written one kept as `source`), `event-id` (low 16
    /// bits), `qualifiers`, `level` (English name), `task`, `keywords`, `channel`, `computer`,
    /// `record-id`, `data:<Name>` / `data:<n>`, `binary`, and `message` (the source's rendering, or
    /// the catalog's template applied to the data values).
    pub fn into_fields(self, catalog: &MessageCatalog) -> Fields<'a> {
        let mut f = Fields::with_capacity(10 + self.data.len());
        let provider = self.provider.map(|p| match catalog.canonical_provider(&p) {
            Some(own) if own != p.as_ref() => {
                let own = Cow::Owned(own.to_string());
                (own, Some(p))
            }
            _ => (p, None),
        });
        let ids = self.event_id.as_deref().and_then(split_event_id);
        if let Some((p, source)) = &provider {
            f.push("provider", p.clone());
            if let Some(s) = source {
                f.push("source", s.clone());
            }
        }
        match (ids, self.event_id) {
            (Some((low, high)), Some(written)) => {
                let low_text: Cow<'a, str> = if written.trim() == low.to_string() {
                    written
                } else {
                    Cow::Owned(low.to_string())
                };
                f.push("event-id", low_text);
                match self.qualifiers {
                    Some(q) => f.push("qualifiers", q),
                    None if high != 0 => f.push("qualifiers", high.to_string()),
                    None => {}
                }
            }
            (None, Some(written)) => {
                f.push("event-id", written);
                if let Some(q) = self.qualifiers {
                    f.push("qualifiers", q);
                }
            }
            _ => {}
        }
        if let Some(level) = self.level {
            match normalize_level(&level) {
                Some(name) => f.push("level", name),
                None => f.push("level", level),
            }
        }
        for (name, value) in [
            ("task", self.task),
            ("keywords", self.keywords),
            ("channel", self.channel),
            ("computer", self.computer),
            ("record-id", self.record_id),
        ] {
            if let Some(v) = value {
                f.push(name, v);
            }
        }
        let values: Vec<&str> = self.data.iter().map(|(_, v)| v.as_ref()).collect();
        let message = self.message.map(|m| m.into_owned()).or_else(|| {
            let (p, _) = provider.as_ref()?;
            let (low, _) = ids?;
            Some(catalog.template(p, low)?.render(&values))
        });
        for (i, (name, value)) in self.data.into_iter().enumerate() {
            let name = match name {
                Some(n) => format!("data:{n}"),
                None => format!("data:{}", i + 1),
            };
            f.push(name, value);
        }
        if let Some(b) = self.binary {
            f.push("binary", b);
        }
        if let Some(m) = message {
            f.push("message", m);
        }
        f
    }
}

// ---------------------------------------------------------------------------------------------
// Rendered event XML
// ---------------------------------------------------------------------------------------------

/// A value read from event XML: a byte range of the XML when it stands there as it is, else the
/// unescaped text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlText {
    At(Range<usize>),
    Owned(String),
}

impl XmlText {
    pub fn get<'a>(&self, xml: &'a str) -> Cow<'a, str> {
        match self {
            XmlText::At(r) => Cow::Borrowed(xml.get(r.clone()).unwrap_or_default()),
            XmlText::Owned(s) => Cow::Owned(s.clone()),
        }
    }
}

/// The values of one `<Event>` element, as ranges of its XML (so fields can borrow the text).
#[derive(Debug, Default, Clone)]
pub struct EventXml {
    pub provider: Option<XmlText>,
    pub event_id: Option<XmlText>,
    pub qualifiers: Option<XmlText>,
    pub level: Option<XmlText>,
    pub task: Option<XmlText>,
    pub keywords: Option<XmlText>,
    pub time_created: Option<XmlText>,
    pub record_id: Option<XmlText>,
    pub channel: Option<XmlText>,
    pub computer: Option<XmlText>,
    pub data: Vec<(Option<XmlText>, XmlText)>,
    pub binary: Option<XmlText>,
    /// `RenderingInfo/Message` (wevtutil `/f:RenderedXml`, Event Viewer "Save as XML" with display information).
    pub message: Option<XmlText>,
}

impl EventXml {
    /// The fields of the event, borrowing from `xml` (the text this was read from).
    pub fn fields<'a>(&self, xml: &'a str, catalog: &MessageCatalog) -> Fields<'a> {
        let get = |t: &Option<XmlText>| t.as_ref().map(|t| t.get(xml));
        EventFields {
            provider: get(&self.provider),
            event_id: get(&self.event_id),
            qualifiers: get(&self.qualifiers),
            level: get(&self.level),
            task: get(&self.task),
            keywords: get(&self.keywords),
            channel: get(&self.channel),
            computer: get(&self.computer),
            record_id: get(&self.record_id),
            data: self
                .data
                .iter()
                .map(|(n, v)| (n.as_ref().map(|n| n.get(xml)), v.get(xml)))
                .collect(),
            binary: get(&self.binary),
            message: get(&self.message),
        }
        .into_fields(catalog)
    }

    /// `TimeCreated@SystemTime`, UTC (`2024-11-20T06:14:00.1170000Z`, with or without the `Z`).
    pub fn time(&self, xml: &str) -> Option<Timestamp> {
        let text = self.time_created.as_ref()?.get(xml);
        parse_system_time(&text).map(Timestamp::utc)
    }
}

/// `2024-11-20T06:14:00.1170000Z`, `2024-11-20T06:14:00Z`, `2024-11-20 06:14:00.117` → UTC, to the
/// millisecond. FILETIME 0 (`1601-01-01T00:00:00`), which a provider writes for "no time", is none.
pub fn parse_system_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim().trim_end_matches('Z');
    fast_system_time(t)
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        })
        .filter(|t| t.year() > 1601)
        .map(millis)
}

/// `YYYY-MM-DDTHH:MM:SS[.fffffff]` read by position: the shape every EVTX rendering has, read
/// for every record (chrono's format parser is a measurable share of the parse).
fn fast_system_time(t: &str) -> Option<NaiveDateTime> {
    let b = t.as_bytes();
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(10) != Some(&b'T') || b.get(13) != Some(&b':') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits
            .iter()
            .try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let mut nanos = 0u32;
    if b.len() > 19 {
        if b.get(19) != Some(&b'.') || b.len() > 29 {
            return None;
        }
        let fraction = b.get(20..)?;
        let n = num(20..b.len())?;
        nanos = n * 10u32.pow(9u32.checked_sub(fraction.len() as u32)?);
    }
    date.and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)
}

/// The elements whose values an event record keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    System,
    EventData,
    UserData,
    RenderingInfo,
    EventId,
    Level,
    Task,
    Keywords,
    RecordId,
    Channel,
    Computer,
    Data,
    Binary,
    Message,
    Other,
}

/// The tag of an element called `name` at `depth` (`<Event>` is at 0) under `parent`.
fn tag(depth: usize, parent: Option<Tag>, name: &str) -> Tag {
    match (depth, parent, name) {
        (1, _, "System") => Tag::System,
        (1, _, "EventData") => Tag::EventData,
        (1, _, "UserData") => Tag::UserData,
        (1, _, "RenderingInfo") => Tag::RenderingInfo,
        (2, Some(Tag::System), "EventID") => Tag::EventId,
        (2, Some(Tag::System), "Level") => Tag::Level,
        (2, Some(Tag::System), "Task") => Tag::Task,
        (2, Some(Tag::System), "Keywords") => Tag::Keywords,
        (2, Some(Tag::System), "EventRecordID") => Tag::RecordId,
        (2, Some(Tag::System), "Channel") => Tag::Channel,
        (2, Some(Tag::System), "Computer") => Tag::Computer,
        (2, Some(Tag::EventData), "Data") => Tag::Data,
        (2, Some(Tag::EventData), "Binary") => Tag::Binary,
        (2, Some(Tag::RenderingInfo), "Message") => Tag::Message,
        _ => Tag::Other,
    }
}

/// Reads one `<Event>` element (the whole text given). Unknown elements are ignored; malformed
/// XML is an error with the reason.
pub fn read_event_xml(xml: &str) -> Result<EventXml, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let base = xml.as_ptr() as usize;
    let range_of = |s: &str| -> Option<Range<usize>> {
        let at = (s.as_ptr() as usize).checked_sub(base)?;
        (at + s.len() <= xml.len()).then_some(at..at + s.len())
    };
    let mut out = EventXml::default();
    // The tags from `<Event>` down to the element being read.
    let mut path: Vec<Tag> = Vec::with_capacity(8);
    let mut text = TextBuilder::Empty;
    let mut data_name: Option<XmlText> = None;
    // The name of the UserData value being read (`<UserData><X><Name>value</Name>`).
    let mut leaf: Option<String> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} at byte {}", reader.buffer_position()))?;
        let (start, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Text(t) => {
                match t.into_inner() {
                    Cow::Borrowed(s) => text.push(xml, s, range_of(s)),
                    Cow::Owned(s) => text.push(xml, &s, None),
                }
                continue;
            }
            Event::CData(t) => {
                text.push(xml, &t.into_inner(), None);
                continue;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => unescape(&format!("&{};", r.into_inner())).into_owned(),
                };
                text.push(xml, &resolved, None);
                continue;
            }
            Event::End(_) => {
                close(&path, std::mem::take(&mut text), &mut data_name, &mut leaf, &mut out);
                path.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.local_name();
        let name = name.as_ref();
        let t = tag(path.len(), path.last().copied(), name);
        match t {
            Tag::EventId => out.qualifiers = attribute(&start, "Qualifiers", &range_of),
            Tag::Data => data_name = attribute(&start, "Name", &range_of),
            Tag::Other if path.len() == 2 && path.last() == Some(&Tag::System) => match name {
                "Provider" => out.provider = attribute(&start, "Name", &range_of),
                "TimeCreated" => out.time_created = attribute(&start, "SystemTime", &range_of),
                _ => {}
            },
            Tag::Other if path.len() == 3 && path.get(1) == Some(&Tag::UserData) => leaf = Some(name.to_string()),
            _ => {}
        }
        path.push(t);
        text = TextBuilder::Empty;
        if empty {
            close(&path, TextBuilder::Empty, &mut data_name, &mut leaf, &mut out);
            path.pop();
        }
    }
    Ok(out)
}

/// The text of an element: a range of the XML while it is one unescaped run of it.
#[derive(Debug, Default)]
enum TextBuilder {
    #[default]
    Empty,
    At(Range<usize>),
    Owned(String),
}

impl TextBuilder {
    /// Adds a piece of text; `range` is where it stands in `xml` as it is (`None` for a resolved
    /// reference or CDATA).
    fn push(&mut self, xml: &str, s: &str, range: Option<Range<usize>>) {
        *self = match std::mem::take(self) {
            TextBuilder::Empty => match range {
                Some(r) => TextBuilder::At(r),
                None => TextBuilder::Owned(s.to_string()),
            },
            TextBuilder::At(r) => {
                let mut t = xml.get(r).unwrap_or_default().to_string();
                t.push_str(s);
                TextBuilder::Owned(t)
            }
            TextBuilder::Owned(mut t) => {
                t.push_str(s);
                TextBuilder::Owned(t)
            }
        };
    }

    fn finish(self) -> XmlText {
        match self {
            TextBuilder::Empty => XmlText::Owned(String::new()),
            TextBuilder::At(r) => XmlText::At(r),
            TextBuilder::Owned(t) => XmlText::Owned(t),
        }
    }
}

/// Keeps the text of the element that closes (the last of `path`) where it belongs.
fn close(
    path: &[Tag],
    text: TextBuilder,
    data_name: &mut Option<XmlText>,
    leaf: &mut Option<String>,
    out: &mut EventXml,
) {
    let Some(&t) = path.last() else {
        return;
    };
    let value = || text.finish();
    match t {
        Tag::EventId => out.event_id = Some(value()),
        Tag::Level => out.level = Some(value()),
        Tag::Task => out.task = Some(value()),
        Tag::Keywords => out.keywords = Some(value()),
        Tag::RecordId => out.record_id = Some(value()),
        Tag::Channel => out.channel = Some(value()),
        Tag::Computer => out.computer = Some(value()),
        Tag::Data => out.data.push((data_name.take(), value())),
        Tag::Binary => out.binary = Some(value()),
        Tag::Message => out.message = Some(value()),
        Tag::Other if path.len() == 4 && path.get(1) == Some(&Tag::UserData) => {
            if let Some(name) = leaf.take() {
                out.data.push((Some(XmlText::Owned(name)), value()));
            }
        }
        _ => {}
    }
}

/// An attribute value: its range in the XML when it has no entity reference, else unescaped.
fn attribute(e: &BytesStart<'_>, name: &str, range_of: &impl Fn(&str) -> Option<Range<usize>>) -> Option<XmlText> {
    for attr in e.attributes().with_checks(false).flatten() {
        if attr.key.local_name().as_ref() != name {
            continue;
        }
        return Some(match &attr.value {
            Cow::Borrowed(v) if !v.contains('&') => match range_of(v) {
                Some(r) => XmlText::At(r),
                None => XmlText::Owned(v.to_string()),
            },
            v => XmlText::Owned(unescape(v).into_owned()),
        });
    }
    None
}

/// Resolves the five predefined entities and character references.
pub fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..end];
        let resolved = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match resolved {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    #[test]
    fn templates_insert_values_and_keep_missing_ones() -> TestResult {
        let t = Template::parse(
            "A process serving application pool '%1' terminated. The process id was '%2'. Code '0x%3'.",
        );
        assert_eq!(
            t.render(&["WsusPool", "4412"]),
            "A process serving application pool 'WsusPool' terminated. The process id was '4412'. Code '0x%3'."
        );
        let t = Template::parse("100%% of %1!s! done%nnext%0 ignored");
        assert_eq!(t.render(&["x"]), "100% of x done\r\nnext");
        let ten: Vec<String> = (1..=10).map(|i| format!("v{i}")).collect();
        let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
        assert_eq!(Template::parse("%100 %2%").render(&ten), "v100 v2%");
        Ok(())
    }

    #[test]
    fn embedded_catalog_loads_and_keys_on_provider_and_low_bits() -> TestResult {
        let files = GrammarFiles::embedded();
        let catalog = MessageCatalog::from_files(&files).must()?;
        assert_eq!(catalog.len(), 78, "templates in grammars/events");
        assert_eq!(MessageCatalog::embedded().len(), catalog.len());
        let was = catalog.template("microsoft-windows-was", 5002).must()?;
        assert!(
            was.render(&["WsusPool"])
                .starts_with("Application pool 'WsusPool' is being")
        );
        assert_eq!(catalog.canonical_provider("WAS"), Some("Microsoft-Windows-WAS"));
        // WSUS: every id is "%1", listed or not.
        assert_eq!(
            catalog
                .template("Windows Server Update Services", 9999)
                .must()?
                .render(&["x"]),
            "x"
        );
        assert!(catalog.template("Service Control Manager", 9999).is_none());
        assert_eq!(
            catalog.title("Windows Server Update Services", 12072),
            Some("The WSUS content directory is not accessible")
        );
        Ok(())
    }

    #[test]
    fn levels_from_numbers_and_localized_names() -> TestResult {
        assert_eq!(level_name(2), Some("Error"));
        assert_eq!(level_name(0), Some("Information"));
        assert_eq!(normalize_level("Fehler"), Some("Error"));
        assert_eq!(normalize_level("Avertissement"), Some("Warning"));
        assert_eq!(normalize_level("4"), Some("Information"));
        assert_eq!(normalize_level("Success Audit"), Some("Audit Success"));
        assert_eq!(normalize_level("whatever"), None);
        Ok(())
    }

    const WAS_5002: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-WAS" Guid="{524b5d04-133c-4a62-8362-64e8edb9ce40}" EventSourceName="WAS"/><EventID Qualifiers="49152">5002</EventID><Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime="2024-11-20T06:19:58.0020000Z"/><EventRecordID>5</EventRecordID><Correlation/><Execution ProcessID="0" ThreadID="0"/><Channel>System</Channel><Computer>WSUS01.contoso.local</Computer><Security/></System><EventData><Data Name="AppPoolID">WsusPool</Data></EventData></Event>"#;

    #[test]
    fn event_xml_values_are_ranges_of_the_xml() -> TestResult {
        let x = read_event_xml(WAS_5002).must()?;
        let catalog = MessageCatalog::embedded();
        let f = x.fields(WAS_5002, catalog);
        let got: Vec<(&str, &str)> = f.iter().collect();
        assert_eq!(
            got,
            vec![
                ("provider", "Microsoft-Windows-WAS"),
                ("event-id", "5002"),
                ("qualifiers", "49152"),
                ("level", "Error"),
                ("task", "0"),
                ("keywords", "0x80000000000000"),
                ("channel", "System"),
                ("computer", "WSUS01.contoso.local"),
                ("record-id", "5"),
                ("data:AppPoolID", "WsusPool"),
                (
                    "message",
                    "Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool."
                ),
            ]
        );
        // Borrowed: the value points into the XML itself.
        let pool = f.get("data:AppPoolID").must()?;
        let at = pool.as_ptr() as usize - WAS_5002.as_ptr() as usize;
        assert_eq!(&WAS_5002[at..at + pool.len()], "WsusPool");
        assert_eq!(x.time(WAS_5002).must()?.to_rfc3339(), "2024-11-20T06:19:58.002Z");
        let t = |s| parse_system_time(s).map(|t| t.to_string());
        assert_eq!(
            t("2024-11-20T06:19:58.1234567Z").as_deref(),
            Some("2024-11-20 06:19:58.123")
        );
        assert_eq!(t("2024-11-20T06:19:58Z").as_deref(), Some("2024-11-20 06:19:58"));
        assert_eq!(t("2024-11-20 06:19:58.5").as_deref(), Some("2024-11-20 06:19:58.500"));
        assert_eq!(
            t("2024-11-20T06:19:58.123456789Z").as_deref(),
            Some("2024-11-20 06:19:58.123")
        );
        assert_eq!(t("2024-13-20T06:19:58Z"), None);
        assert_eq!(t("1601-01-01T00:00:00.0000000Z"), None);
        Ok(())
    }

    #[test]
    fn escaped_values_unnamed_data_userdata_and_rendering_info() -> TestResult {
        let xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MsiInstaller'/><EventID Qualifiers='0'>11708</EventID><Level>2</Level></System><EventData><Data>Product: A &amp; B -- Installation operation failed.</Data><Data>(NULL)</Data><Data/></EventData><RenderingInfo Culture='en-US'><Message>Product: A &amp; B -- Installation operation failed.</Message></RenderingInfo></Event>";
        let x = read_event_xml(xml).must()?;
        let f = x.fields(xml, MessageCatalog::embedded());
        assert_eq!(
            f.get("data:1"),
            Some("Product: A & B -- Installation operation failed.")
        );
        assert_eq!(f.get("data:2"), Some("(NULL)"));
        assert_eq!(f.get("data:3"), Some(""));
        assert_eq!(
            f.get("message"),
            Some("Product: A & B -- Installation operation failed.")
        );
        let xml = "<Event><System><Provider Name=\"Microsoft-Windows-Servicing\"/><EventID>2</EventID></System><UserData><CbsPackageChangeState xmlns=\"x\"><PackageIdentifier>KB5046613</PackageIdentifier><IntendedPackageState>5112</IntendedPackageState><IntendedPackageStateTextized>Installed</IntendedPackageStateTextized><ErrorCode>0x0</ErrorCode><Client>UpdateAgentLCU</Client></CbsPackageChangeState></UserData></Event>";
        let f = read_event_xml(xml).must()?.fields(xml, MessageCatalog::embedded());
        assert_eq!(f.get("data:PackageIdentifier"), Some("KB5046613"));
        assert_eq!(
            f.get("message"),
            Some("Package KB5046613 was successfully changed to the Installed state.")
        );
        Ok(())
    }

    #[test]
    fn full_32_bit_ids_are_split() -> TestResult {
        let f = EventFields {
            provider: Some("WAS".into()),
            event_id: Some("3221230474".into()),
            data: vec![(None, "WsusPool".into())],
            ..EventFields::default()
        }
        .into_fields(MessageCatalog::embedded());
        assert_eq!(f.get("provider"), Some("Microsoft-Windows-WAS"));
        assert_eq!(f.get("source"), Some("WAS"));
        assert_eq!(f.get("event-id"), Some("5002"));
        assert_eq!(f.get("qualifiers"), Some("49152"));
        assert!(f.get("message").must()?.contains("'WsusPool'"));
        Ok(())
    }
}
