//! `explain`: what an error code, event id, HTTP status or name means, answered from the tables
//! under `grammars/codes/`, with the signatures of the catalog that involve it.
//!
//! The tables are data (TOML, one file per family: Windows Update, WinHTTP, BITS, certificates and
//! SSPI, Win32 and MSI, WSUS setup, Delivery Optimization, events by provider, IIS statuses and
//! HTTP.sys reasons), read into a [`CodeBook`]. [`explain`] takes one token as a support engineer
//! types it — any spelling of a code ([`codes::parse_code_input`]), an event id, `401.2`, a
//! symbolic name such as `WU_E_PT_HTTP_STATUS_DENIED` or `AppOffline` — and returns an
//! [`Explanation`]: every plausible [`Reading`] of the token (a small number is at once a Win32
//! error, its HRESULT, an event id of several providers and maybe an HTTP status), each with the
//! ids of the signatures whose evidence mentions it. No CLI here: the command only renders.
//!
//! A table file holds arrays of entries: `hresult`, `win32`, `wsus-setup`, `http`, `httperr`,
//! `event` and `facility`; a file-level `source` (and `provider` for events) is the default of its
//! entries. Every entry has a value, a name, a short meaning, optionally what it means for WSUS
//! (`wsus`), a source URL and `inferred = true` when the meaning is inferred rather than quoted.

use crate::codes;
use crate::grammars::{GrammarError, GrammarFile, GrammarFiles};
use crate::kind::FileKind;
use crate::signatures::predicate::Predicate;
use crate::signatures::{Catalog, EvidenceDef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// What a reading takes the token to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadingKind {
    Hresult,
    Win32,
    WsusSetupExit,
    Event,
    HttpStatus,
    IisStatus,
    HttperrReason,
}

impl ReadingKind {
    pub fn name(self) -> &'static str {
        match self {
            ReadingKind::Hresult => "hresult",
            ReadingKind::Win32 => "win32",
            ReadingKind::WsusSetupExit => "wsus-setup-exit",
            ReadingKind::Event => "event",
            ReadingKind::HttpStatus => "http-status",
            ReadingKind::IisStatus => "iis-status",
            ReadingKind::HttperrReason => "httperr-reason",
        }
    }

    /// How the human output titles the reading.
    pub fn title(self) -> &'static str {
        match self {
            ReadingKind::Hresult => "HRESULT",
            ReadingKind::Win32 => "Win32 error",
            ReadingKind::WsusSetupExit => "WSUS setup exit code",
            ReadingKind::Event => "event",
            ReadingKind::HttpStatus => "HTTP status",
            ReadingKind::IisStatus => "IIS status",
            ReadingKind::HttperrReason => "HTTPERR reason",
        }
    }
}

/// One meaning of the token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub kind: ReadingKind,
    /// `0x8024401B` for HRESULTs, the decimal number for Win32 errors, setup exit codes and event
    /// ids, `401` or `401.2` for statuses, the phrase for HTTPERR reasons.
    pub value: String,
    pub name: Option<String>,
    pub meaning: String,
    /// What it typically means on a WSUS server or client.
    pub wsus_context: Option<String>,
    pub source: Option<String>,
    pub inferred: bool,
    /// Ids of the signatures whose evidence mentions this value.
    pub signatures: Vec<String>,
    /// Events: the provider (event source) and level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Events: the message text or template (`%1` = first insertion string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How this reading follows from the token when it is not the token itself
    /// (`HRESULT_FROM_WIN32(12002)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<String>,
    /// Other values worth explaining with this one (the HTTP status of a WU_E_PT_HTTP_* code).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

/// Everything known about one token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub input: String,
    pub explained: bool,
    pub readings: Vec<Reading>,
    /// Remarks across readings, e.g. that two providers use the same event id differently.
    pub notes: Vec<String>,
    /// The readings that were looked for, for the message when nothing was found.
    pub tried: Vec<String>,
}

/// The common part of every table entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub meaning: String,
    pub wsus: Option<String>,
    /// Required unless the entry is inferred (an inference may have no source to cite).
    pub source: Option<String>,
    pub inferred: bool,
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    /// The table file it came from (`grammars/codes/bits.toml`).
    pub file: String,
    origin: String,
}

/// One event of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEntry {
    pub provider: String,
    pub id: u32,
    /// `Error`, `Warning`, `Information`; `None` when no source documents it.
    pub level: Option<String>,
    pub message: Option<String>,
    pub channel: Option<String>,
    /// The full 32-bit event id with severity and facility bits (`0xC000138A` for WAS 5002).
    pub full: Option<u32>,
    pub meaning: String,
    pub wsus: Option<String>,
    pub source: Option<String>,
    pub inferred: bool,
    pub related: Vec<String>,
    pub file: String,
    origin: String,
}

/// Where a name points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NameRef {
    Hresult(u32),
    Win32(u32),
    Setup(u32),
    Reason(String),
}

/// The tables, indexed by value and by name.
#[derive(Debug, Clone, Default)]
pub struct CodeBook {
    hresults: BTreeMap<u32, Entry>,
    win32: BTreeMap<u32, Entry>,
    setup_exits: BTreeMap<u32, Entry>,
    /// `(status, substatus)`: `(401, None)` is HTTP 401, `(401, Some(2))` IIS 401.2.
    http: BTreeMap<(u32, Option<u32>), Entry>,
    /// By lower-case phrase.
    reasons: BTreeMap<String, Entry>,
    /// By `(id, lower-case provider)`.
    events: BTreeMap<(u32, String), EventEntry>,
    facilities: BTreeMap<u32, Entry>,
    /// By lower-case name or alias: the name as written and what it names.
    names: BTreeMap<String, (String, Vec<NameRef>)>,
}

// ---------------------------------------------------------------------------------------------
// Table files

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    hresult: Vec<CodeDef>,
    #[serde(default)]
    win32: Vec<CodeDef>,
    #[serde(default, rename = "wsus-setup")]
    wsus_setup: Vec<CodeDef>,
    #[serde(default)]
    http: Vec<CodeDef>,
    #[serde(default)]
    httperr: Vec<CodeDef>,
    #[serde(default)]
    facility: Vec<CodeDef>,
    #[serde(default)]
    event: Vec<EventDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDef {
    value: Spanned<RawValue>,
    #[serde(default)]
    name: Option<String>,
    meaning: String,
    #[serde(default)]
    wsus: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    inferred: bool,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventDef {
    id: Spanned<u32>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    full: Option<Spanned<String>>,
    meaning: String,
    #[serde(default)]
    wsus: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    inferred: bool,
    #[serde(default)]
    related: Vec<String>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawValue {
    Int(i64),
    Text(String),
}

/// What a table file gives all its entries.
struct FileDefaults<'a> {
    file: &'a GrammarFile,
    label: String,
    source: Option<&'a str>,
    provider: Option<&'a str>,
}

/// The table a definition goes to, for messages and for parsing its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Hresult,
    Win32,
    Setup,
    Http,
    Reason,
    Facility,
}

impl Table {
    fn what(self) -> &'static str {
        match self {
            Table::Hresult => "HRESULT",
            Table::Win32 => "Win32 error",
            Table::Setup => "WSUS setup exit code",
            Table::Http => "HTTP status",
            Table::Reason => "HTTPERR reason",
            Table::Facility => "facility",
        }
    }
}

/// A parsed table key.
enum Key {
    Number(u32),
    Status(u32, Option<u32>),
    Phrase(String),
}

fn parse_value(table: Table, raw: &RawValue) -> Result<Key, String> {
    match (table, raw) {
        (Table::Hresult, RawValue::Text(t)) => {
            let digits = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
            match digits {
                Some(d) if d.len() == 8 && d.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(d, 16).map(Key::Number).map_err(|e| e.to_string())
                }
                _ => Err(format!("{t:?} is not an HRESULT: write 0x and 8 hex digits")),
            }
        }
        (Table::Hresult, RawValue::Int(_)) => Err("write an HRESULT as a string, 0x and 8 hex digits".into()),
        (Table::Win32 | Table::Setup | Table::Facility, raw) => {
            let n = match raw {
                RawValue::Int(n) => u32::try_from(*n).ok(),
                RawValue::Text(t) => match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        u32::from_str_radix(hex, 16).ok()
                    }
                    Some(_) => None,
                    None => t.parse::<u32>().ok(),
                },
            };
            let limit = if table == Table::Facility { 0x7FF } else { 0xFFFF };
            match n {
                Some(n) if n <= limit => Ok(Key::Number(n)),
                _ => Err(format!(
                    "{} is not a {} (a number from 0 to {limit})",
                    raw_text(raw),
                    table.what()
                )),
            }
        }
        (Table::Http, raw) => {
            let text = raw_text(raw);
            parse_status(&text)
                .map(|(s, sub)| Key::Status(s, sub))
                .ok_or_else(|| format!("{text} is not an HTTP status (100-599, or status.substatus such as 401.2)"))
        }
        (Table::Reason, RawValue::Text(t)) if !t.trim().is_empty() && !t.contains(char::is_whitespace) => {
            Ok(Key::Phrase(t.clone()))
        }
        (Table::Reason, raw) => Err(format!("{} is not an HTTPERR reason phrase (one word)", raw_text(raw))),
    }
}

fn raw_text(raw: &RawValue) -> String {
    match raw {
        RawValue::Int(n) => n.to_string(),
        RawValue::Text(t) => format!("{t:?}"),
    }
}

/// `401` → `(401, None)`, `401.2` → `(401, Some(2))`; the status must be 100–599.
fn parse_status(text: &str) -> Option<(u32, Option<u32>)> {
    let t = text.trim().trim_matches('"');
    let (status, sub) = match t.split_once('.') {
        Some((s, sub)) => (s, Some(sub)),
        None => (t, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if status.len() != 3 || !all_digits(status) || sub.is_some_and(|s| !all_digits(s)) {
        return None;
    }
    let status: u32 = status.parse().ok()?;
    let sub = match sub {
        Some(s) => Some(s.parse::<u32>().ok()?),
        None => None,
    };
    (100..=599).contains(&status).then_some((status, sub))
}

fn file_label(file: &GrammarFile) -> String {
    if file.origin == "embedded" {
        format!("grammars/{}", file.path)
    } else {
        format!("{}/{}", file.origin, file.path)
    }
}

/// The entry's source URL, else the file's; only an inferred entry may have none.
fn check_source(
    file: &GrammarFile,
    source: Option<&str>,
    inferred: bool,
    what: &str,
    at: std::ops::Range<usize>,
) -> Result<Option<String>, GrammarError> {
    match source {
        Some(s) if s.starts_with("https://") || s.starts_with("http://") => Ok(Some(s.to_string())),
        Some(s) => Err(GrammarError::invalid(
            file,
            format!("{what}: source {s:?} is not a URL"),
            Some(at.clone()),
        )),
        None if inferred => Ok(None),
        None => Err(GrammarError::invalid(
            file,
            format!(
                "{what} has no source: give `source` in the entry or at the top of the file, or mark it `inferred = true`"
            ),
            Some(at.clone()),
        )),
    }
}

impl CodeBook {
    /// The tables under `codes/` of the grammar files.
    pub fn from_files(files: &GrammarFiles) -> Result<CodeBook, GrammarError> {
        let mut book = CodeBook::default();
        let mut tables: Vec<&GrammarFile> = files.under("codes").collect();
        // Embedded tables first, so that a --grammars folder redefines their values.
        tables.sort_by_key(|f| f.origin != "embedded");
        for file in &tables {
            book.add_file(file)?;
        }
        book.index_names();
        book.check_related(&tables)?;
        Ok(book)
    }

    /// The embedded tables only.
    pub fn embedded() -> Result<CodeBook, GrammarError> {
        CodeBook::from_files(&GrammarFiles::embedded())
    }

    fn add_file(&mut self, file: &GrammarFile) -> Result<(), GrammarError> {
        let def: TableFile = GrammarError::parse_toml(file)?;
        let defaults = FileDefaults {
            file,
            label: file_label(file),
            source: def.source.as_deref(),
            provider: def.provider.as_deref(),
        };
        let groups = [
            (Table::Hresult, &def.hresult),
            (Table::Win32, &def.win32),
            (Table::Setup, &def.wsus_setup),
            (Table::Http, &def.http),
            (Table::Reason, &def.httperr),
            (Table::Facility, &def.facility),
        ];
        for (table, defs) in groups {
            for d in defs {
                self.add_code(&defaults, table, d)?;
            }
        }
        for d in &def.event {
            self.add_event(&defaults, d)?;
        }
        Ok(())
    }

    fn add_code(&mut self, defaults: &FileDefaults<'_>, table: Table, d: &CodeDef) -> Result<(), GrammarError> {
        let span = d.value.span();
        let key = parse_value(table, d.value.get_ref())
            .map_err(|m| GrammarError::invalid(defaults.file, m, Some(span.clone())))?;
        let name = match (&d.name, &key) {
            (Some(n), _) if !n.trim().is_empty() => n.trim().to_string(),
            (_, Key::Phrase(p)) => p.clone(),
            _ => {
                return Err(GrammarError::invalid(
                    defaults.file,
                    format!("{} {} has no name", table.what(), raw_text(d.value.get_ref())),
                    Some(span),
                ));
            }
        };
        let what = format!("{} {name}", table.what());
        if d.meaning.trim().is_empty() {
            return Err(GrammarError::invalid(
                defaults.file,
                format!("{what} has an empty meaning"),
                Some(span),
            ));
        }
        let source = check_source(
            defaults.file,
            d.source.as_deref().or(defaults.source),
            d.inferred,
            &what,
            span.clone(),
        )?;
        let entry = Entry {
            name,
            meaning: d.meaning.trim().to_string(),
            wsus: d.wsus.as_ref().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()),
            source,
            inferred: d.inferred,
            aliases: d.aliases.clone(),
            related: d.related.clone(),
            file: defaults.label.clone(),
            origin: defaults.file.origin.clone(),
        };
        let (existing, shown) = match &key {
            Key::Number(n) => {
                let map = match table {
                    Table::Hresult => &mut self.hresults,
                    Table::Win32 => &mut self.win32,
                    Table::Setup => &mut self.setup_exits,
                    _ => &mut self.facilities,
                };
                let shown = if table == Table::Hresult {
                    codes::format_code(*n)
                } else {
                    n.to_string()
                };
                (insert(map, *n, entry), shown)
            }
            Key::Status(s, sub) => (
                insert(&mut self.http, (*s, *sub), entry),
                sub.map_or_else(|| s.to_string(), |x| format!("{s}.{x}")),
            ),
            Key::Phrase(p) => (insert(&mut self.reasons, p.to_ascii_lowercase(), entry), p.clone()),
        };
        if let Some(first) = existing {
            return Err(GrammarError::invalid(
                defaults.file,
                format!("duplicate {} {shown}: already defined in {}", table.what(), first.file),
                Some(span),
            ));
        }
        Ok(())
    }

    fn add_event(&mut self, defaults: &FileDefaults<'_>, d: &EventDef) -> Result<(), GrammarError> {
        let span = d.id.span();
        let id = *d.id.get_ref();
        let provider = d
            .provider
            .as_deref()
            .or(defaults.provider)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                GrammarError::invalid(
                    defaults.file,
                    format!("event {id} has no provider: give `provider` in the entry or at the top of the file"),
                    Some(span.clone()),
                )
            })?
            .to_string();
        let what = format!("event {id} of {provider}");
        if id > 0xFFFF {
            return Err(GrammarError::invalid(
                defaults.file,
                format!("{what}: an event id is at most 65535 (give the full value as `full`)"),
                Some(span),
            ));
        }
        if d.meaning.trim().is_empty() {
            return Err(GrammarError::invalid(
                defaults.file,
                format!("{what} has an empty meaning"),
                Some(span),
            ));
        }
        let full = match &d.full {
            None => None,
            Some(f) => {
                let v = parse_value(Table::Hresult, &RawValue::Text(f.get_ref().clone()))
                    .ok()
                    .and_then(|k| match k {
                        Key::Number(n) => Some(n),
                        _ => None,
                    })
                    .filter(|n| n & 0xFFFF == id)
                    .ok_or_else(|| {
                        GrammarError::invalid(
                            defaults.file,
                            format!(
                                "{what}: full id {:?} must be 0x and 8 hex digits ending in the id",
                                f.get_ref()
                            ),
                            Some(f.span()),
                        )
                    })?;
                Some(v)
            }
        };
        let source = check_source(
            defaults.file,
            d.source.as_deref().or(defaults.source),
            d.inferred,
            &what,
            span.clone(),
        )?;
        let entry = EventEntry {
            provider: provider.clone(),
            id,
            level: d.level.as_ref().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()),
            message: d
                .message
                .as_ref()
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty()),
            channel: d.channel.clone(),
            full,
            meaning: d.meaning.trim().to_string(),
            wsus: d.wsus.as_ref().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()),
            source,
            inferred: d.inferred,
            related: d.related.clone(),
            file: defaults.label.clone(),
            origin: defaults.file.origin.clone(),
        };
        let key = (id, provider.to_ascii_lowercase());
        let same_origin = self
            .events
            .get(&key)
            .filter(|e| e.origin == entry.origin)
            .map(|e| e.file.clone());
        if let Some(first) = same_origin {
            return Err(GrammarError::invalid(
                defaults.file,
                format!("duplicate {what}: already defined in {first}"),
                Some(span),
            ));
        }
        self.events.insert(key, entry);
        Ok(())
    }

    fn index_names(&mut self) {
        let mut names: BTreeMap<String, (String, Vec<NameRef>)> = BTreeMap::new();
        let mut add = |e: &Entry, r: NameRef| {
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                let (_, list) = names
                    .entry(n.to_ascii_lowercase())
                    .or_insert_with(|| (n.clone(), Vec::new()));
                if !list.contains(&r) {
                    list.push(r.clone());
                }
            }
        };
        for (v, e) in &self.hresults {
            add(e, NameRef::Hresult(*v));
        }
        for (v, e) in &self.win32 {
            add(e, NameRef::Win32(*v));
        }
        for (v, e) in &self.setup_exits {
            add(e, NameRef::Setup(*v));
        }
        for (k, e) in &self.reasons {
            add(e, NameRef::Reason(k.clone()));
        }
        self.names = names;
    }

    /// Every `related` token must itself be explainable, so a typo in a table is caught at load.
    fn check_related(&self, tables: &[&GrammarFile]) -> Result<(), GrammarError> {
        let empty = Catalog::default();
        let entries = self
            .hresults
            .values()
            .chain(self.win32.values())
            .chain(self.setup_exits.values())
            .chain(self.http.values())
            .chain(self.reasons.values())
            .map(|e| (e.name.clone(), &e.related, &e.file));
        let events = self
            .events
            .values()
            .map(|e| (format!("event {} of {}", e.id, e.provider), &e.related, &e.file));
        for (name, related, label) in entries.chain(events) {
            for r in related {
                if !explain(r, self, &empty).explained
                    && let Some(file) = tables.iter().find(|f| file_label(f) == *label)
                {
                    return Err(GrammarError::invalid(
                        file,
                        format!("{name}: related value {r:?} is not in the tables"),
                        None,
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn hresult(&self, value: u32) -> Option<&Entry> {
        self.hresults.get(&value)
    }

    pub fn win32(&self, value: u32) -> Option<&Entry> {
        self.win32.get(&value)
    }

    pub fn setup_exit(&self, value: u32) -> Option<&Entry> {
        self.setup_exits.get(&value)
    }

    /// An HTTP status (`substatus = None`) or an IIS status.substatus.
    pub fn http(&self, status: u32, substatus: Option<u32>) -> Option<&Entry> {
        self.http.get(&(status, substatus))
    }

    /// An HTTPERR reason phrase, case-insensitive.
    pub fn reason(&self, phrase: &str) -> Option<&Entry> {
        self.reasons.get(&phrase.to_ascii_lowercase())
    }

    /// The events with this id, one per provider, sorted by provider.
    pub fn events(&self, id: u32) -> impl Iterator<Item = &EventEntry> {
        self.events
            .range((id, String::new())..(id.saturating_add(1), String::new()))
            .map(|(_, e)| e)
    }

    /// How many entries each table holds: (hresult, win32, setup, http, httperr, events).
    pub fn counts(&self) -> [usize; 6] {
        [
            self.hresults.len(),
            self.win32.len(),
            self.setup_exits.len(),
            self.http.len(),
            self.reasons.len(),
            self.events.len(),
        ]
    }

    fn facility(&self, value: u32) -> Option<&Entry> {
        self.facilities.get(&((value >> 16) & 0x7FF))
    }
}

fn insert<K: Ord>(map: &mut BTreeMap<K, Entry>, key: K, entry: Entry) -> Option<Entry> {
    match map.get(&key) {
        Some(first) if first.origin == entry.origin => Some(first.clone()),
        // A table from a later --grammars folder redefines an embedded value: it wins.
        _ => {
            map.insert(key, entry);
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lookup

fn entry_reading(kind: ReadingKind, value: String, e: &Entry, derived: Option<String>) -> Reading {
    Reading {
        kind,
        value,
        name: Some(e.name.clone()),
        meaning: e.meaning.clone(),
        wsus_context: e.wsus.clone(),
        source: e.source.clone(),
        inferred: e.inferred,
        signatures: Vec::new(),
        provider: None,
        level: None,
        message: None,
        derived,
        related: e.related.clone(),
    }
}

fn event_reading(e: &EventEntry, derived: Option<String>) -> Reading {
    Reading {
        kind: ReadingKind::Event,
        value: e.id.to_string(),
        name: None,
        meaning: e.meaning.clone(),
        wsus_context: e.wsus.clone(),
        source: e.source.clone(),
        inferred: e.inferred,
        signatures: Vec::new(),
        provider: Some(e.provider.clone()),
        level: e.level.clone(),
        message: e.message.clone(),
        derived,
        related: e.related.clone(),
    }
}

/// The low 16 bits of an HRESULT of this facility.
fn in_facility(value: u32, facility: u32) -> Option<u32> {
    (value & 0x8000_0000 != 0 && (value >> 16) & 0x7FF == facility).then_some(value & 0xFFFF)
}

const FACILITY_WIN32: u32 = 7;
const FACILITY_HTTP: u32 = 25;

impl CodeBook {
    /// The HRESULT reading of a value: its own entry, else the Win32 error it wraps, else the
    /// BITS HTTP status it carries.
    fn hresult_reading(&self, value: u32, derived: Option<String>) -> Option<Reading> {
        let hex = codes::format_code(value);
        if let Some(e) = self.hresults.get(&value) {
            return Some(entry_reading(ReadingKind::Hresult, hex, e, derived));
        }
        if let Some(w) = in_facility(value, FACILITY_WIN32)
            && let Some(e) = self.win32.get(&w)
        {
            let how = derived.unwrap_or_else(|| format!("HRESULT_FROM_WIN32({w})"));
            return Some(entry_reading(ReadingKind::Hresult, hex, e, Some(how)));
        }
        if let Some(status) = in_facility(value, FACILITY_HTTP)
            && let Some(h) = self.http.get(&(status, None))
        {
            return Some(Reading {
                kind: ReadingKind::Hresult,
                value: hex,
                name: Some(format!("BG_E_HTTP_ERROR_{status}")),
                meaning: format!(
                    "BITS got HTTP status {status} ({}) from the server: {}",
                    h.name, h.meaning
                ),
                wsus_context: h.wsus.clone(),
                source: h.source.clone(),
                inferred: true,
                signatures: Vec::new(),
                provider: None,
                level: None,
                message: None,
                derived: Some(format!("0x80190000 + HTTP status {status} (BITS)")),
                related: vec![status.to_string()],
            });
        }
        None
    }

    fn number_readings(&self, value: u32, out: &mut Vec<Reading>, tried: &mut Vec<String>) {
        if value > 0xFFFF {
            tried.push(format!("as an HRESULT ({})", codes::format_code(value)));
            out.extend(self.hresult_reading(value, None));
            if let Some(w) = in_facility(value, FACILITY_WIN32)
                && let Some(e) = self.win32.get(&w)
            {
                let how = format!("the Win32 error inside {}", codes::format_code(value));
                out.push(entry_reading(ReadingKind::Win32, w.to_string(), e, Some(how)));
            }
            for e in self.events.values().filter(|e| e.full == Some(value)) {
                let how = format!(
                    "full event id {} = id {} with severity bits",
                    codes::format_code(value),
                    e.id
                );
                out.push(event_reading(e, Some(how)));
            }
            return;
        }
        tried.push(format!("as a Win32 error ({value})"));
        if let Some(e) = self.win32.get(&value) {
            out.push(entry_reading(ReadingKind::Win32, value.to_string(), e, None));
        }
        let hresult = codes::win32_to_hresult(value);
        tried.push(format!("as its HRESULT ({})", codes::format_code(hresult)));
        let how = (hresult != value).then(|| format!("HRESULT_FROM_WIN32({value})"));
        out.extend(self.hresult_reading(hresult, how));
        tried.push(format!("as a WSUS setup exit code ({value} = 0x{value:X})"));
        if let Some(e) = self.setup_exits.get(&value) {
            out.push(entry_reading(ReadingKind::WsusSetupExit, value.to_string(), e, None));
        }
        tried.push(format!("as an event id ({value})"));
        out.extend(self.events(value).map(|e| event_reading(e, None)));
        if (100..=599).contains(&value) {
            tried.push(format!("as an HTTP status ({value})"));
            if let Some(e) = self.http.get(&(value, None)) {
                out.push(entry_reading(ReadingKind::HttpStatus, value.to_string(), e, None));
            }
        }
    }

    fn name_readings(&self, name: &str, out: &mut Vec<Reading>) {
        let Some((_, refs)) = self.names.get(&name.to_ascii_lowercase()) else {
            return;
        };
        for r in refs {
            match r {
                NameRef::Hresult(v) => out.extend(self.hresult_reading(*v, None)),
                NameRef::Win32(v) => {
                    if let Some(e) = self.win32.get(v) {
                        out.push(entry_reading(ReadingKind::Win32, v.to_string(), e, None));
                    }
                    let h = codes::win32_to_hresult(*v);
                    out.extend(self.hresult_reading(h, Some(format!("HRESULT_FROM_WIN32({v})"))));
                }
                NameRef::Setup(v) => {
                    if let Some(e) = self.setup_exits.get(v) {
                        out.push(entry_reading(ReadingKind::WsusSetupExit, v.to_string(), e, None));
                    }
                }
                NameRef::Reason(k) => {
                    if let Some(e) = self.reasons.get(k) {
                        out.push(entry_reading(ReadingKind::HttperrReason, e.name.clone(), e, None));
                    }
                }
            }
        }
    }

    /// Names that contain the token, for a "did you mean" when nothing matched exactly.
    fn similar_names(&self, token: &str) -> Vec<String> {
        let needle = token.to_ascii_lowercase();
        if needle.len() < 4 {
            return Vec::new();
        }
        self.names
            .iter()
            .filter(|(lower, _)| lower.contains(&needle))
            .map(|(_, (shown, _))| shown.clone())
            .take(8)
            .collect()
    }
}

/// Every plausible reading of `input`, with the signatures of `catalog` that involve each.
pub fn explain(input: &str, book: &CodeBook, catalog: &Catalog) -> Explanation {
    let token = input.trim();
    let mut readings = Vec::new();
    let mut tried = Vec::new();
    let mut notes = Vec::new();

    if let Some((status, Some(sub))) = parse_status(token) {
        tried.push(format!("as an IIS status.substatus ({status}.{sub})"));
        match book.http.get(&(status, Some(sub))) {
            Some(e) => readings.push(entry_reading(
                ReadingKind::IisStatus,
                format!("{status}.{sub}"),
                e,
                None,
            )),
            None => {
                if let Some(e) = book.http.get(&(status, None)) {
                    notes.push(format!(
                        "IIS substatus {status}.{sub} is not in the tables; HTTP {status} itself is explained."
                    ));
                    readings.push(entry_reading(ReadingKind::HttpStatus, status.to_string(), e, None));
                }
            }
        }
    } else if let Some(value) = codes::parse_code_input(token) {
        book.number_readings(value, &mut readings, &mut tried);
        if readings.is_empty()
            && value > 0xFFFF
            && let Some(f) = book.facility(value)
        {
            notes.push(format!(
                "{} is in facility {} ({}): {}.",
                codes::format_code(value),
                (value >> 16) & 0x7FF,
                f.name,
                f.meaning
            ));
        }
    } else {
        tried.push(format!("as a name ({token})"));
        book.name_readings(token, &mut readings);
        if readings.is_empty() {
            let similar = book.similar_names(token);
            if !similar.is_empty() {
                notes.push(format!("Names that contain {token:?}: {}.", similar.join(", ")));
            }
        }
    }

    for r in &mut readings {
        r.signatures = signatures_involving(r, catalog);
    }
    let providers: Vec<&str> = readings
        .iter()
        .filter(|r| r.kind == ReadingKind::Event)
        .filter_map(|r| r.provider.as_deref())
        .collect();
    if providers.len() > 1 {
        notes.push(format!(
            "Event id {token} is logged by {} providers with different meanings ({}): read the event's provider (Source) before its id.",
            providers.len(),
            providers.join("; ")
        ));
    }
    if readings.iter().any(|r| r.kind == ReadingKind::HttpStatus)
        && let Ok(status) = token.parse::<u32>()
    {
        let subs: Vec<String> = book
            .http
            .range((status, Some(0))..=(status, Some(u32::MAX)))
            .filter_map(|((s, sub), _)| sub.map(|x| format!("{s}.{x}")))
            .collect();
        if !subs.is_empty() {
            notes.push(format!(
                "IIS logs a substatus with {status} (sc-substatus); explained ones: {}.",
                subs.join(", ")
            ));
        }
    }
    Explanation {
        input: input.to_string(),
        explained: !readings.is_empty(),
        readings,
        notes,
        tried,
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures that involve a value

/// Fields whose values are error codes in some spelling (besides `code`/`codes` predicates).
fn holds_codes(field: &str) -> bool {
    let f = field.to_ascii_lowercase();
    f == "sc-win32-status" || f == "hr" || f == "hresult" || f.ends_with("errorcode") || f.ends_with("error-code")
}

/// A predicate that asks for something (not only an absence or a non-empty value).
fn is_positive(p: &Predicate) -> bool {
    match p {
        Predicate::Present(_) | Predicate::NotRegex(_) => false,
        Predicate::All(ps) => ps.iter().any(is_positive),
        _ => true,
    }
}

fn mentions(p: &Predicate, value: &str) -> bool {
    is_positive(p) && p.test(Some(value))
}

/// Every error code a predicate lists in `code`/`codes`.
fn listed_codes(p: &Predicate) -> Vec<u32> {
    match p {
        Predicate::Codes(list) => list.clone(),
        Predicate::All(ps) => ps.iter().flat_map(listed_codes).collect(),
        _ => Vec::new(),
    }
}

fn compiled(e: &EvidenceDef) -> Vec<(String, Predicate)> {
    e.predicates
        .iter()
        .filter_map(|(f, d)| d.compile().ok().map(|p| (f.to_ascii_lowercase(), p)))
        .collect()
}

fn evidence_involves(reading: &Reading, e: &EvidenceDef) -> bool {
    let preds = compiled(e);
    fn on<'a>(preds: &'a [(String, Predicate)], name: &'a str) -> impl Iterator<Item = &'a Predicate> + 'a {
        preds.iter().filter(move |(f, _)| f == name).map(|(_, p)| p)
    }
    let field = |name: &'static str| on(&preds, name);
    match reading.kind {
        ReadingKind::Hresult | ReadingKind::Win32 => {
            let Some(code) = codes::parse_code(&reading.value) else {
                return false;
            };
            let hresult = codes::win32_to_hresult(code);
            let win32 = in_facility(hresult, FACILITY_WIN32);
            preds.iter().any(|(f, p)| {
                listed_codes(p).iter().any(|c| *c == hresult || Some(*c) == win32)
                    || holds_codes(f)
                        && (mentions(p, &hresult.to_string())
                            || mentions(p, &codes::format_code(hresult))
                            || win32.is_some_and(|w| mentions(p, &w.to_string())))
            })
        }
        ReadingKind::WsusSetupExit => preds.iter().any(|(f, p)| holds_codes(f) && mentions(p, &reading.value)),
        ReadingKind::Event => {
            if !field("event-id").any(|p| mentions(p, &reading.value)) {
                return false;
            }
            let provider = reading.provider.as_deref().unwrap_or_default();
            let mut providers = field("provider").peekable();
            if providers.peek().is_some() {
                return providers.any(|p| mentions(p, provider));
            }
            // Without a provider predicate, SoftwareDistribution.log mirrors only WSUS events.
            let mirror_only =
                !e.kinds.is_empty() && e.kinds.iter().all(|k| *k == FileKind::WsusSoftwaredistributionLog);
            !mirror_only || provider.eq_ignore_ascii_case("Windows Server Update Services")
        }
        ReadingKind::HttpStatus | ReadingKind::IisStatus => {
            let (status, sub) = match reading.value.split_once('.') {
                Some((s, sub)) => (s, Some(sub)),
                None => (reading.value.as_str(), None),
            };
            if !field("sc-status").any(|p| mentions(p, status)) {
                return false;
            }
            match sub {
                None => true,
                // Every substatus predicate must accept it (`{ not_regex = '^3$' }` accepts 2).
                Some(sub) => field("sc-substatus").all(|p| p.test(Some(sub))),
            }
        }
        ReadingKind::HttperrReason => field("s-reason").any(|p| mentions(p, &reading.value)),
    }
}

/// Ids of the signatures one of whose evidence predicates mentions the reading's value.
///
/// Only the `where` predicates count, and only ones that ask for something: `code`/`codes` (any
/// field) and code-holding fields such as `sc-win32-status` for codes, `event-id` (with `provider`
/// when the evidence names one) for events, `sc-status`/`sc-substatus` for statuses, `s-reason`
/// for HTTPERR reasons. `cleared_by` lists the noise that clears a hit, not evidence of the issue.
pub fn signatures_involving(reading: &Reading, catalog: &Catalog) -> Vec<String> {
    catalog
        .signatures
        .iter()
        .filter(|s| s.evidence.iter().any(|e| evidence_involves(reading, e)))
        .map(|s| s.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    fn book(text: &str) -> Result<CodeBook, GrammarError> {
        CodeBook::from_files(&GrammarFiles {
            files: vec![GrammarFile {
                path: "codes/test.toml".into(),
                text: text.into(),
                origin: "embedded".into(),
            }],
        })
    }

    #[test]
    fn statuses_parse_with_and_without_substatus() -> TestResult {
        assert_eq!(parse_status("401"), Some((401, None)));
        assert_eq!(parse_status("401.2"), Some((401, Some(2))));
        assert_eq!(parse_status("403.503"), Some((403, Some(503))));
        assert_eq!(parse_status("40"), None);
        assert_eq!(parse_status("700"), None);
        assert_eq!(parse_status("401."), None);
        assert_eq!(parse_status("401.x"), None);
        Ok(())
    }

    #[test]
    fn values_are_checked_per_table() -> TestResult {
        let ok = book(
            r#"source = "https://example.invalid/ref"
hresult = [{ value = "0x80244017", name = "WU_E_PT_HTTP_STATUS_DENIED", meaning = "HTTP 401", related = ["401"] }]
win32 = [{ value = 12002, name = "ERROR_WINHTTP_TIMEOUT", meaning = "timed out" }]
http = [{ value = "401", name = "Access denied", meaning = "no credentials" }]
"#,
        )
        .must()?;
        assert_eq!(ok.counts(), [1, 1, 0, 1, 0, 0]);
        let inferred = book(r#"win32 = [{ value = 5, name = "X", meaning = "m", inferred = true }]"#).must()?;
        assert_eq!(
            inferred.win32(5).map(|e| e.source.clone()),
            Some(None),
            "an inference may cite nothing"
        );
        for (bad, why) in [
            (
                r#"hresult = [{ value = "0x8024401", name = "X", meaning = "m", source = "https://x" }]"#,
                "8 hex",
            ),
            (
                r#"hresult = [{ value = 5, name = "X", meaning = "m", source = "https://x" }]"#,
                "string",
            ),
            (
                r#"win32 = [{ value = 70000, name = "X", meaning = "m", source = "https://x" }]"#,
                "65535",
            ),
            (
                r#"http = [{ value = "999", name = "X", meaning = "m", source = "https://x" }]"#,
                "HTTP status",
            ),
            (r#"win32 = [{ value = 5, name = "X", meaning = "m" }]"#, "no source"),
            (
                r#"win32 = [{ value = 5, name = "X", meaning = "m", inferred = true, source = "" }]"#,
                "not a URL",
            ),
            (
                r#"event = [{ id = 70000, provider = "P", meaning = "m", source = "https://x" }]"#,
                "at most 65535",
            ),
            (
                r#"win32 = [{ value = 5, name = "X", meaning = "m", source = "see KB" }]"#,
                "not a URL",
            ),
            (
                r#"win32 = [{ value = 5, meaning = "m", source = "https://x" }]"#,
                "no name",
            ),
            (
                r#"hresult = [{ value = "0x80244017", name = "X", meaning = "m", source = "https://x", related = ["0x12345678"] }]"#,
                "related",
            ),
            (
                r#"event = [{ id = 364, level = "Error", meaning = "m", source = "https://x" }]"#,
                "provider",
            ),
            (
                r#"event = [{ id = 5002, provider = "P", full = "0xC0001389", level = "Error", meaning = "m", source = "https://x" }]"#,
                "full id",
            ),
        ] {
            let err = book(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(err.contains("grammars/codes/test.toml"), "{err}");
        }
        Ok(())
    }

    #[test]
    fn a_later_grammar_folder_overrides_an_embedded_value() -> TestResult {
        let entry = |meaning: &str, origin: &str| {
            GrammarFile {
            path: format!("codes/{origin}.toml"),
            text: format!(r#"win32 = [{{ value = 5, name = "ERROR_ACCESS_DENIED", meaning = "{meaning}", source = "https://x" }}]"#)
                .into(),
            origin: origin.into(),
        }
        };
        let b = CodeBook::from_files(&GrammarFiles {
            files: vec![entry("first", "embedded"), entry("second", "/tmp/extra")],
        })
        .must()?;
        assert_eq!(b.win32(5).map(|e| e.meaning.as_str()), Some("second"));
        Ok(())
    }
}
