//! Registry exports (`.reg`): regedit 5 (`Windows Registry Editor Version 5.00`, UTF-16LE with BOM)
//! and `REGEDIT4` (ANSI), formats.md §9.2.
//!
//! Lines flow in from the decoder; key lines (`[…]`, `[-…]` deletes) set the current key, value
//! lines (`"name"=data`, `@=data`, `"name"=-` deletes) are parsed with nom into
//! [`RegValue`]s of the [registry model](crate::registry). Hex data wrapped with a trailing `\`
//! continues on the next lines, which become the record's continuation lines. One record per value,
//! cited by the line where the value starts (its text is that line). Hand-written files are read
//! leniently: indented lines, `'`/`;` comments, a trailing `\` in key names, an odd header version,
//! end-of-line comments; what cannot be read is a located problem and reading goes on.

use super::{ParseInput, ParseOutcome, Problems, TextView};
use crate::intake::decode::{TextEncoding, for_each_line};
use crate::records::{Fields, Position, Problem, Record, RecordSink};
use crate::registry::{Change, DEFAULT_VALUE_NAME, RegValue, StringBytes, ValueData, ValueType, normalize_key};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while_m_n};
use nom::character::complete::{char, space0};
use nom::combinator::{all_consuming, map, map_res, opt, rest, value};
use nom::multi::separated_list0;
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};
use std::borrow::Cow;
use std::ops::ControlFlow;

/// One value (or deletion) as read, with where it stands.
pub struct Entry<'t> {
    pub line: u64,
    /// The line the value starts on.
    pub text: &'t str,
    /// Wrapped continuation lines of hex data.
    pub continuation: &'t [String],
    pub value: RegValue,
}

/// What reading a file learned besides its entries.
#[derive(Default)]
pub struct Summary {
    pub problems: Problems,
    pub notes: Vec<String>,
    pub entries: u64,
}

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let encoding = input.encoding.unwrap_or(TextEncoding::Utf8);
    let view = TextView::new(input.bytes, encoding);
    let mut summary = Summary::default();
    let stats = read(view.data, encoding, &mut summary, |entry| {
        let mut fields = Fields::with_capacity(6);
        entry.value.push_fields(&mut fields);
        sink.record(&Record {
            position: Position::Line(entry.line),
            time: None,
            text: Cow::Borrowed(entry.text),
            continuation: entry.continuation.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
            fields,
        });
    });
    let mut notes = view.notes(&stats);
    notes.append(&mut summary.notes);
    ParseOutcome {
        records: summary.entries,
        problems: summary.problems.finish(),
        notes,
        time_zone: None,
    }
}

/// Every value of the export, for the registry model (problems are not kept).
pub fn read_values(bytes: &[u8], encoding: TextEncoding, mut on_value: impl FnMut(RegValue)) {
    let view = TextView::new(bytes, encoding);
    read(view.data, encoding, &mut Summary::default(), |e| on_value(e.value));
}

/// The state between lines.
struct Reader {
    strings: StringBytes,
    header_seen: bool,
    key: Option<String>,
    /// A value whose hex data continues on the next line: (first line number, first line, data so far, continuation lines).
    pending: Option<(u64, String, String, Vec<String>)>,
}

/// Reads `data` (without BOM) line by line, calling `on_entry` for every value and deletion.
pub fn read(
    data: &[u8],
    encoding: TextEncoding,
    summary: &mut Summary,
    mut on_entry: impl FnMut(Entry<'_>),
) -> crate::intake::decode::LineStats {
    let mut reader = Reader {
        strings: StringBytes::Utf16Le,
        header_seen: false,
        key: None,
        pending: None,
    };
    let stats = for_each_line(data, encoding, 1, |line_no, line| {
        reader.line(line_no, line, summary, &mut on_entry);
        ControlFlow::Continue(())
    });
    if let Some((line_no, first, joined, continuation)) = reader.pending.take() {
        summary.problems.push(
            "unfinished continuation",
            Problem::at_line(line_no, "hex data ends with `\\` but the file ends: read what is there"),
        );
        reader.value(line_no, &first, &joined, &continuation, summary, &mut on_entry);
    }
    if !reader.header_seen {
        summary
            .notes
            .push("no `Windows Registry Editor Version 5.00` or `REGEDIT4` header".into());
    }
    stats
}

impl Reader {
    fn line(&mut self, line_no: u64, line: &str, summary: &mut Summary, on_entry: &mut impl FnMut(Entry<'_>)) {
        if let Some((first_no, first, mut joined, mut continuation)) = self.pending.take() {
            continuation.push(line.to_string());
            let part = line.trim();
            match part.strip_suffix('\\') {
                Some(more) => {
                    joined.push_str(more.trim_end());
                    self.pending = Some((first_no, first, joined, continuation));
                }
                None => {
                    joined.push_str(part);
                    self.value(first_no, &first, &joined, &continuation, summary, on_entry);
                }
            }
            return;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('\'') || trimmed.starts_with('#') {
            return;
        }
        if !self.header_seen && self.key.is_none() && self.header(line_no, trimmed, summary) {
            return;
        }
        if trimmed.starts_with('[') {
            self.key_line(line_no, trimmed, summary, on_entry);
            return;
        }
        if trimmed.starts_with('"') || trimmed.starts_with('@') {
            if let Some(head) = trimmed.strip_suffix('\\') {
                self.pending = Some((line_no, line.to_string(), head.trim_end().to_string(), Vec::new()));
            } else {
                self.value(line_no, line, trimmed, &[], summary, on_entry);
            }
            return;
        }
        summary.problems.push(
            "unknown line",
            Problem::at_line(line_no, "not a key, a value or a comment: ignored"),
        );
    }

    /// A header line; false when the line is not one (reading goes on without a header).
    fn header(&mut self, line_no: u64, trimmed: &str, summary: &mut Summary) -> bool {
        if trimmed.eq_ignore_ascii_case("REGEDIT4") {
            self.strings = StringBytes::Ansi;
            self.header_seen = true;
            return true;
        }
        const V5: &str = "Windows Registry Editor Version ";
        let Some(version) = trimmed
            .get(..V5.len())
            .filter(|h| h.eq_ignore_ascii_case(V5))
            .and_then(|_| trimmed.get(V5.len()..))
            .map(str::trim)
        else {
            return false;
        };
        self.header_seen = true;
        if version != "5.00" {
            summary.notes.push(format!(
                "line {line_no}: unusual header version {version:?}, read as version 5.00"
            ));
        }
        true
    }

    fn key_line(&mut self, line_no: u64, trimmed: &str, summary: &mut Summary, on_entry: &mut impl FnMut(Entry<'_>)) {
        let inner = &trimmed[1..];
        let inner = match inner.rfind(']') {
            Some(end) => &inner[..end],
            None => {
                summary
                    .problems
                    .push("bad key line", Problem::at_line(line_no, "key line without `]`"));
                inner
            }
        };
        let (delete, path) = match inner.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, inner),
        };
        let key = normalize_key(path);
        if !["HKLM", "HKCU", "HKU", "HKCR", "HKCC"]
            .iter()
            .any(|r| key == *r || key.starts_with(&format!("{r}\\")))
        {
            summary.problems.push(
                "unknown root",
                Problem::at_line(
                    line_no,
                    format!("key {path:?} does not start with a known root (HKEY_LOCAL_MACHINE, …)"),
                ),
            );
        }
        if delete {
            summary.entries += 1;
            on_entry(Entry {
                line: line_no,
                text: trimmed,
                continuation: &[],
                value: RegValue {
                    key: key.clone(),
                    name: String::new(),
                    change: Change::DeleteKey,
                },
            });
            // Values after a deleted key have nowhere to go; keep the key so they are still read.
        }
        self.key = Some(key);
    }

    fn value(
        &mut self,
        line_no: u64,
        text: &str,
        logical: &str,
        continuation: &[String],
        summary: &mut Summary,
        on_entry: &mut impl FnMut(Entry<'_>),
    ) {
        let Some(key) = self.key.clone() else {
            summary.problems.push(
                "value before any key",
                Problem::at_line(line_no, "value line before any [key] line: ignored"),
            );
            return;
        };
        let parsed = match value_line(logical) {
            Ok((_, parsed)) => parsed,
            Err(_) => {
                summary.problems.push(
                    "bad value line",
                    Problem::at_line(line_no, "value line could not be read: expected \"name\"=data"),
                );
                return;
            }
        };
        let (name, data) = parsed;
        let change = match data {
            Data::Delete => Change::DeleteValue,
            Data::String(s) => Change::Set(ValueType::Sz, ValueData::Text(s)),
            Data::Dword(n) => Change::Set(ValueType::Dword, ValueData::Dword(n)),
            Data::Hex(kind, bytes) => {
                let strings = guess_strings(&bytes, self.strings);
                Change::Set(kind, ValueData::decode(kind, &bytes, strings))
            }
        };
        summary.entries += 1;
        on_entry(Entry {
            line: line_no,
            text,
            continuation,
            value: RegValue { key, name, change },
        });
    }
}

/// String bytes of `hex(2)`/`hex(7)` follow the header, but hand-edited files mix: an odd length
/// cannot be UTF-16, a zero second byte is not ANSI text.
fn guess_strings(bytes: &[u8], header: StringBytes) -> StringBytes {
    match header {
        StringBytes::Utf16Le if !bytes.len().is_multiple_of(2) => StringBytes::Ansi,
        StringBytes::Ansi if bytes.len() >= 2 && bytes.len().is_multiple_of(2) && bytes[1] == 0 && bytes[0] != 0 => {
            StringBytes::Utf16Le
        }
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Data {
    Delete,
    String(String),
    Dword(u32),
    Hex(ValueType, Vec<u8>),
}

/// `"name"=data` or `@=data`, with an optional end-of-line `;` comment.
fn value_line(input: &str) -> IResult<&str, (String, Data)> {
    all_consuming((
        terminated(value_name, delimited(space0, char('='), space0)),
        terminated(data, (space0, opt(preceded(char(';'), rest)))),
    ))
    .parse(input.trim())
}

fn value_name(input: &str) -> IResult<&str, String> {
    alt((value(DEFAULT_VALUE_NAME.to_string(), char('@')), quoted)).parse(input)
}

/// A quoted string with `\\` and `\"` escapes (any other backslash is kept as written).
fn quoted(input: &str) -> IResult<&str, String> {
    let (mut rest, _) = char('"').parse(input)?;
    let mut out = String::new();
    loop {
        let mut chars = rest.chars();
        match chars.next() {
            None => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    rest,
                    nom::error::ErrorKind::Char,
                )));
            }
            Some('"') => return Ok((chars.as_str(), out)),
            Some('\\') => match chars.clone().next() {
                Some(c @ ('\\' | '"')) => {
                    out.push(c);
                    chars.next();
                }
                _ => out.push('\\'),
            },
            Some(c) => out.push(c),
        }
        rest = chars.as_str();
    }
}

fn data(input: &str) -> IResult<&str, Data> {
    alt((
        value(Data::Delete, char('-')),
        map(quoted, Data::String),
        map(preceded(tag_no_case("dword:"), hex_u32), Data::Dword),
        map((hex_type, hex_bytes), |(kind, bytes)| Data::Hex(kind, bytes)),
    ))
    .parse(input)
}

fn hex_u32(input: &str) -> IResult<&str, u32> {
    map_res(take_while_m_n(1, 8, |c: char| c.is_ascii_hexdigit()), |h| {
        u32::from_str_radix(h, 16)
    })
    .parse(input)
}

/// `hex:` (REG_BINARY) or `hex(n):` with `n` the type number in hex.
fn hex_type(input: &str) -> IResult<&str, ValueType> {
    preceded(
        tag_no_case("hex"),
        alt((
            value(ValueType::Binary, char(':')),
            terminated(
                map(
                    delimited(
                        char('('),
                        map_res(take_while(|c: char| c.is_ascii_hexdigit()), |h| {
                            u32::from_str_radix(h, 16)
                        }),
                        char(')'),
                    ),
                    ValueType::from_code,
                ),
                char(':'),
            ),
        )),
    )
    .parse(input)
}

fn hex_bytes(input: &str) -> IResult<&str, Vec<u8>> {
    let byte = map_res(
        delimited(space0, take_while_m_n(1, 2, |c: char| c.is_ascii_hexdigit()), space0),
        |h| u8::from_str_radix(h, 16),
    );
    terminated(separated_list0(char(','), byte), opt(tag(","))).parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ParseOptions;
    use crate::testing::{Must, TestResult};

    fn utf16(text: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    type Row = (u64, String, Vec<String>, Vec<(String, String)>);
    struct Collect(Vec<Row>);
    impl RecordSink for Collect {
        fn record(&mut self, r: &Record<'_>) {
            // Not a line: 0, which no assertion expects.
            let n = match r.position {
                Position::Line(n) => n,
                _ => 0,
            };
            self.0.push((
                n,
                r.text.to_string(),
                r.continuation.iter().map(|c| c.to_string()).collect(),
                r.fields.iter().map(|(a, b)| (a.into(), b.into())).collect(),
            ));
        }
    }

    fn run(bytes: &[u8], encoding: TextEncoding) -> (Collect, ParseOutcome) {
        let opts = ParseOptions::default();
        let input = ParseInput {
            path: "x.reg",
            bytes,
            encoding: Some(encoding),
            format: Some("reg-export"),
            options: &opts,
        };
        let mut sink = Collect(Vec::new());
        let out = parse(&input, &mut sink);
        (sink, out)
    }

    fn field<'a>(row: &'a [(String, String)], name: &str) -> Option<&'a str> {
        row.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_value_type_of_a_v5_export() -> TestResult {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            ; exported for the ticket\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\All Types]\r\n\
            @=\"default text\"\r\n\
            \"Quote \\\"name\\\"\"=\"say \\\"hi\\\" C:\\\\Temp\\\\\"\r\n\
            \"Port\"=dword:00002152\r\n\
            \"Blob\"=hex:01,02,\\\r\n  03,ff\r\n\
            \"Path\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,\\\r\n  00,74,00,25,00,00,00\r\n\
            \"Hosts\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\
            \"Big\"=hex(b):2a,00,00,00,00,00,00,00\r\n\
            \"Nothing\"=hex(0):\r\n\
            \"Odd\"=hex(4000):de,ad\r\n\
            \"Gone\"=-\r\n\
            \r\n\
            [-HKEY_CURRENT_USER\\Software\\Contoso\\Old]\r\n";
        let (sink, out) = run(&utf16(text), TextEncoding::Utf16LeBom);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.records, 11);
        let rows = &sink.0;
        let by_name = |n: &str| rows.iter().find(|r| field(&r.3, "name") == Some(n)).must();
        let def = by_name("(Default)")?;
        assert_eq!(def.0, 5);
        assert_eq!(field(&def.3, "key"), Some("HKLM\\SOFTWARE\\Contoso\\All Types"));
        assert_eq!(field(&def.3, "data"), Some("default text"));
        let q = by_name("Quote \"name\"")?;
        assert_eq!(field(&q.3, "data"), Some("say \"hi\" C:\\Temp\\"));
        let port = by_name("Port")?;
        assert_eq!(
            (
                field(&port.3, "type"),
                field(&port.3, "data"),
                field(&port.3, "data-hex")
            ),
            (Some("REG_DWORD"), Some("8530"), Some("0x2152"))
        );
        let blob = by_name("Blob")?;
        assert_eq!((blob.0, field(&blob.3, "data")), (8, Some("010203ff")));
        assert_eq!(blob.1, "\"Blob\"=hex:01,02,\\");
        assert_eq!(blob.2, vec!["  03,ff".to_string()]);
        let path = by_name("Path")?;
        assert_eq!(
            (path.0, field(&path.3, "type"), field(&path.3, "data")),
            (10, Some("REG_EXPAND_SZ"), Some("%SystemRoot%"))
        );
        assert_eq!(field(&by_name("Hosts")?.3, "data"), Some("a\nb"));
        let big = by_name("Big")?;
        assert_eq!(
            (field(&big.3, "type"), field(&big.3, "data"), field(&big.3, "data-hex")),
            (Some("REG_QWORD"), Some("42"), Some("0x2a"))
        );
        assert_eq!(field(&by_name("Nothing")?.3, "type"), Some("REG_NONE"));
        assert_eq!(field(&by_name("Odd")?.3, "type"), Some("REG_0x4000"));
        assert_eq!(field(&by_name("Gone")?.3, "deleted"), Some("value"));
        let last = rows.last().must()?;
        assert_eq!(last.0, 18);
        assert_eq!(field(&last.3, "deleted"), Some("key"));
        assert_eq!(field(&last.3, "key"), Some("HKCU\\Software\\Contoso\\Old"));
        Ok(())
    }

    #[test]
    fn regedit4_strings_are_ansi() -> TestResult {
        let text = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\r\n\"Dir\"=hex(2):25,53,79,73,25,00\r\n\"Caf\xe9\"=\"ok\"\r\n";
        let (sink, out) = run(text, TextEncoding::Windows1252);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(field(&sink.0[0].3, "data"), Some("%Sys%"));
        assert_eq!(field(&sink.0[1].3, "name"), Some("Café"));
        Ok(())
    }

    #[test]
    fn hand_written_deviations_are_tolerated() -> TestResult {
        let text = "Windows Registry Editor Version 6.00\n\
            ' a VBScript-style comment\n\
            \x20 [HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\WindowsUpdate\\]\n\
            \x20   \"WUServer\" = \"http://wsus01:8530\"   ; our server\n\
            \"UseWUServer\"=dword:1\n\
            this is not registry\n\
            [HKEY_LOCAL_MACHINESOFTWAREPolicies]\n\
            \"x\"=dword:zz\n";
        let (sink, out) = run(text.as_bytes(), TextEncoding::Utf8);
        assert_eq!(out.records, 2);
        assert_eq!(
            field(&sink.0[0].3, "key"),
            Some("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate")
        );
        assert_eq!(field(&sink.0[0].3, "data"), Some("http://wsus01:8530"));
        assert_eq!(sink.0[0].1, "    \"WUServer\" = \"http://wsus01:8530\"   ; our server");
        assert_eq!(field(&sink.0[1].3, "data"), Some("1"));
        let lines: Vec<Option<u64>> = out.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(6), Some(7), Some(8)], "{:?}", out.problems);
        assert!(out.notes.iter().any(|n| n.contains("6.00")), "{:?}", out.notes);
        Ok(())
    }

    #[test]
    fn values_before_a_key_and_unfinished_continuations_are_located() -> TestResult {
        let text = "REGEDIT4\n\"a\"=\"b\"\n[HKEY_CURRENT_USER\\X]\n\"c\"=hex:01,\\\n";
        let (sink, out) = run(text.as_bytes(), TextEncoding::Utf8);
        assert_eq!(out.records, 1);
        assert_eq!(field(&sink.0[0].3, "data"), Some("01"));
        let lines: Vec<Option<u64>> = out.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(2), Some(4)]);
        Ok(())
    }
}
