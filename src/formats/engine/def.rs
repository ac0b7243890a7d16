//! The `[record]` section of a format grammar: how a text log's records are laid out, as data.
//!
//! ```toml
//! [record]
//! start = '^\S'                 # optional: which lines begin a record (default: a line a layout reads)
//! end = '\]LOG\]!>'             # optional: a record lasts until a line containing this
//! other_lines = "continue"      # a line that begins no record: "continue" the record before
//!                               # (stack traces), be a "record" of its own, or a "problem" (own record
//!                               # plus a located problem: every line of the format should be a record)
//! blank_lines = "continue"      # "continue" the record before or "skip" (default: skip unless continue)
//!
//! [[record.layouts]]            # tried in order; the first that reads a line wins
//! separator = "whitespace"      # "tab", "whitespace" (runs of spaces/TABs) or "space" (exactly one)
//! columns = ["date", "time", "=UTC", "level", "process.thread", "source"]
//! rest = "message"              # the rest of the line after the columns, leading blanks trimmed
//! [[record.layouts]]
//! pattern = '^(?P<component>\S+) …'   # or a regular expression whose named groups are fields
//! note = "lines in the raw WPP rendering"   # optional: counted and reported as a note
//!
//! [record.time]
//! fields = ["date", "time"]     # joined with one space, then read with the first layout that fits
//! layouts = ["yyyy-MM-dd HH:mm:ss.fff"]       # .NET custom format (see engine::timestamp)
//! zone = "utc"                  # utc | local | banner | offset | unknown
//! banner = 'tz: (?P<offset>[+-]\d{4})'        # zone = "banner": a line that sets the offset in force
//! offset_field = "offset"       # zone = "offset": the field holding each record's offset
//! offset_style = "utc-offset"   # or "bias-minutes" (UTC = local + n minutes, ConfigMgr)
//! date_field = "date"           # records that only have a time take the date of the last record
//! date_layouts = ["locale"]     #   with this field ("locale": numeric, day/month order per file)
//!
//! [record.severity]             # adds `severity` = error / warning / info
//! field = "level"
//! match = "exact"               # exact | prefix | contains (case-insensitive)
//! error = ["Error"]
//! warning = ["Warning"]
//!
//! [[record.extract]]            # more fields from a field's value (named groups)
//! field = "message"
//! pattern = '^EventId=(?P<event_id>\d+),…'
//! setting = "WSUS server"       # optional: the record also gets `setting` = this and `value`
//!
//! [[record.ignore]]             # lines that are not records, reported as a note
//! pattern = '^Unknown\(\s*\d+\): GUID='
//! note = "undecodable ETW records"
//! until_end = false             # true: this line and every line after it
//! ```
//!
//! Column entries: a field name; `_` skips a column; `=TEXT` is a column that must read TEXT
//! (case-insensitive); `a.b` (or `a:b`, `a!b`) splits a column at its last `.` into fields `a` and
//! `b`. In patterns, a group name's `_` stands for `-` (`event_id` is the field `event-id`), since
//! regular expressions do not allow `-` in names.

use super::timestamp::{OffsetStyle, TimeLayout};
use crate::grammars::{GrammarError, GrammarFile};
use regex::{Regex, RegexSet};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDef {
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub other_lines: OtherLines,
    #[serde(default)]
    pub blank_lines: Option<BlankLines>,
    #[serde(default)]
    pub layouts: Vec<LayoutDef>,
    #[serde(default)]
    pub time: Option<TimeDef>,
    #[serde(default)]
    pub severity: Option<SeverityDef>,
    #[serde(default)]
    pub extract: Vec<ExtractDef>,
    #[serde(default)]
    pub ignore: Vec<IgnoreDef>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtherLines {
    #[default]
    Continue,
    Record,
    Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlankLines {
    Continue,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Separator {
    Tab,
    Whitespace,
    Space,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutDef {
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub separator: Option<Separator>,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub rest: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// The source writes UTC.
    Utc,
    /// Local time: the bundle's zone (registry, `--tz`) when known, else kept as written.
    Local,
    /// Local time whose offset a banner line states (classic WindowsUpdate.log).
    Banner,
    /// Local time with an offset on every record.
    Offset,
    /// The format does not say: kept as written.
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeDef {
    pub fields: Vec<String>,
    pub layouts: Vec<String>,
    #[serde(default)]
    pub zone: Zone,
    #[serde(default)]
    pub banner: Option<String>,
    #[serde(default)]
    pub offset_field: Option<String>,
    #[serde(default)]
    pub offset_style: Option<OffsetStyle>,
    #[serde(default)]
    pub date_field: Option<String>,
    #[serde(default)]
    pub date_layouts: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WordMatch {
    #[default]
    Exact,
    Prefix,
    Contains,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDef {
    #[serde(default = "default_message")]
    pub field: String,
    #[serde(default, rename = "match")]
    pub word_match: WordMatch,
    #[serde(default)]
    pub error: Vec<String>,
    #[serde(default)]
    pub warning: Vec<String>,
    #[serde(default)]
    pub info: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractDef {
    #[serde(default = "default_message")]
    pub field: String,
    pub pattern: String,
    #[serde(default)]
    pub setting: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreDef {
    pub pattern: String,
    pub note: String,
    #[serde(default)]
    pub until_end: bool,
}

fn default_message() -> String {
    "message".into()
}

/// Only the `[record]` table of a grammar file, read with spans for located errors.
#[derive(Deserialize)]
struct RecordOnly {
    #[serde(default)]
    record: Option<RecordDef>,
}

// ---------------------------------------------------------------------------------------------
// Compiled form

/// One column of a columns layout.
#[derive(Debug, Clone)]
pub enum Column {
    Field(String),
    Skip,
    Literal(String),
    Split { left: String, at: char, right: String },
}

#[derive(Debug, Clone)]
pub enum LineShape {
    Columns {
        separator: Separator,
        columns: Vec<Column>,
        rest: Option<String>,
    },
    /// A regular expression and, per capture group index, its field name.
    Pattern { regex: Regex, names: Vec<Option<String>> },
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub shape: LineShape,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TimeSpec {
    pub fields: Vec<String>,
    pub layouts: Vec<TimeLayout>,
    pub zone: Zone,
    pub banner: Option<Regex>,
    pub offset_field: String,
    pub offset_style: OffsetStyle,
    pub date_field: Option<String>,
    /// `None` for "locale".
    pub date_layouts: Vec<Option<TimeLayout>>,
}

#[derive(Debug, Clone)]
pub struct SeveritySpec {
    pub field: String,
    pub word_match: WordMatch,
    /// (severity name, words), error first.
    pub words: Vec<(&'static str, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct Extract {
    pub field: String,
    pub regex: Regex,
    pub names: Vec<Option<String>>,
    pub setting: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Ignore {
    pub regex: Regex,
    pub note: String,
    pub until_end: bool,
}

/// A `[record]` section ready for the engine.
#[derive(Debug, Clone)]
pub struct RecordLayout {
    pub start: Option<Regex>,
    pub end: Option<Regex>,
    pub other_lines: OtherLines,
    pub blank_lines: BlankLines,
    pub layouts: Vec<Layout>,
    pub time: Option<TimeSpec>,
    pub severity: Option<SeveritySpec>,
    pub extracts: Vec<Extract>,
    /// Which extracts may match, per source field, decided in one pass.
    pub extract_sets: Vec<(String, RegexSet, Vec<usize>)>,
    pub ignores: Vec<Ignore>,
}

impl RecordLayout {
    /// The compiled `[record]` of a grammar file, `None` when it has none.
    pub fn from_file(file: &GrammarFile) -> Result<Option<RecordLayout>, GrammarError> {
        let only: RecordOnly = GrammarError::parse_toml(file)?;
        only.record.map(|def| compile(file, def)).transpose()
    }
}

fn compile(file: &GrammarFile, def: RecordDef) -> Result<RecordLayout, GrammarError> {
    let at = |needle: &str| file.text.find(needle).map(|s| s..s + needle.len());
    let invalid = |needle: &str, message: String| GrammarError::invalid(file, message, at(needle));
    let regex =
        |pattern: &str| Regex::new(pattern).map_err(|e| invalid(pattern, format!("invalid regular expression: {e}")));
    if def.layouts.is_empty() && def.end.is_none() {
        return Err(invalid(
            "[record]",
            "[record] declares no layouts: add [[record.layouts]]".into(),
        ));
    }
    let mut layouts = Vec::new();
    for l in &def.layouts {
        let shape = match (&l.pattern, l.columns.is_empty()) {
            (Some(p), true) => {
                let regex = regex(p)?;
                let names = group_names(&regex);
                LineShape::Pattern { regex, names }
            }
            (None, false) => LineShape::Columns {
                separator: l.separator.unwrap_or(Separator::Whitespace),
                columns: l.columns.iter().map(|c| column(c)).collect(),
                rest: match l.rest.as_deref() {
                    None => Some("message".into()),
                    Some("") => None,
                    Some(r) => Some(r.to_string()),
                },
            },
            _ => {
                return Err(invalid(
                    "[[record.layouts]]",
                    "a layout has either `pattern` or `columns`, not both or neither".into(),
                ));
            }
        };
        layouts.push(Layout {
            shape,
            note: l.note.clone(),
        });
    }
    let time = match def.time {
        None => None,
        Some(t) => {
            let layout = |s: &String| TimeLayout::compile(s).map_err(|e| invalid(s, format!("time layout {s:?}: {e}")));
            if t.layouts.is_empty() {
                return Err(invalid(
                    "[record.time]",
                    "[record.time] needs at least one layout".into(),
                ));
            }
            let banner = t.banner.as_deref().map(regex).transpose()?;
            if t.zone == Zone::Banner
                && banner
                    .as_ref()
                    .is_none_or(|b| !b.capture_names().any(|n| n == Some("offset")))
            {
                return Err(invalid(
                    "zone",
                    "zone = \"banner\" needs `banner`, a pattern with an `offset` group".into(),
                ));
            }
            Some(TimeSpec {
                fields: t.fields,
                layouts: t.layouts.iter().map(layout).collect::<Result<_, _>>()?,
                zone: t.zone,
                banner,
                offset_field: t.offset_field.unwrap_or_else(|| "offset".into()),
                offset_style: t.offset_style.unwrap_or(OffsetStyle::UtcOffset),
                date_field: t.date_field,
                date_layouts: t
                    .date_layouts
                    .iter()
                    .map(|s| if s == "locale" { Ok(None) } else { layout(s).map(Some) })
                    .collect::<Result<_, _>>()?,
            })
        }
    };
    let severity = def.severity.map(|s| SeveritySpec {
        field: s.field,
        word_match: s.word_match,
        words: vec![("error", s.error), ("warning", s.warning), ("info", s.info)],
    });
    let mut extracts = Vec::new();
    for e in &def.extract {
        let regex = regex(&e.pattern)?;
        let names = group_names(&regex);
        if e.setting.is_some() && !names.iter().any(|n| n.as_deref() == Some("value")) {
            return Err(invalid(
                &e.pattern,
                "an extract with `setting` needs a `value` group".into(),
            ));
        }
        extracts.push(Extract {
            field: e.field.clone(),
            regex,
            names,
            setting: e.setting.clone(),
        });
    }
    let mut extract_sets: Vec<(String, RegexSet, Vec<usize>)> = Vec::new();
    let mut fields: Vec<&str> = extracts.iter().map(|e| e.field.as_str()).collect();
    fields.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for field in fields {
        if !seen.insert(field) {
            continue;
        }
        let members: Vec<usize> = (0..extracts.len()).filter(|&i| extracts[i].field == field).collect();
        let set = RegexSet::new(members.iter().map(|&i| extracts[i].regex.as_str()))
            .map_err(|e| invalid(field, format!("invalid extract patterns: {e}")))?;
        extract_sets.push((field.to_string(), set, members));
    }
    let ignores = def
        .ignore
        .iter()
        .map(|i| {
            Ok(Ignore {
                regex: regex(&i.pattern)?,
                note: i.note.clone(),
                until_end: i.until_end,
            })
        })
        .collect::<Result<_, GrammarError>>()?;
    let other_lines = def.other_lines;
    Ok(RecordLayout {
        start: def.start.as_deref().map(regex).transpose()?,
        end: def.end.as_deref().map(regex).transpose()?,
        other_lines,
        blank_lines: def.blank_lines.unwrap_or(if other_lines == OtherLines::Continue {
            BlankLines::Continue
        } else {
            BlankLines::Skip
        }),
        layouts,
        time,
        severity,
        extracts,
        extract_sets,
        ignores,
    })
}

/// Field names of a regex's groups by index (`_` read as `-`); unnamed groups are not fields.
fn group_names(regex: &Regex) -> Vec<Option<String>> {
    regex.capture_names().map(|n| n.map(|n| n.replace('_', "-"))).collect()
}

fn column(spec: &str) -> Column {
    if spec == "_" {
        return Column::Skip;
    }
    if let Some(lit) = spec.strip_prefix('=') {
        return Column::Literal(lit.to_string());
    }
    for at in ['.', ':', '!'] {
        if let Some((left, right)) = spec.rsplit_once(at)
            && !left.is_empty()
            && !right.is_empty()
        {
            return Column::Split {
                left: left.to_string(),
                at,
                right: right.to_string(),
            };
        }
    }
    Column::Field(spec.to_string())
}
