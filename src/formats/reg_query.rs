//! Text output of `reg query <key> /s` (formats.md §9.3), as saved from cmd (OEM/ANSI), from
//! PowerShell (UTF-16LE with BOM) or by the Windows XP/2003 `reg.exe` 3.0 (TAB-separated rows
//! after a `! REG.EXE VERSION 3.0` banner).
//!
//! A line starting with `HKEY_` names the key of the rows below it; a row is indented and split on
//! its type token (`    REG_[A-Z_]+` followed by four spaces or the end of the line), so names
//! with spaces are kept whole. `(Default)` (or its localized form, `<NO NAME>` in reg.exe 3.0)
//! is the default value; DWORD/QWORD data is `0x` hex, binary data hex digits, multi-strings
//! joined with `\0`. Each row becomes a [`RegValue`] of the [registry model](crate::registry)
//! and one record cited by its line.

use super::{ParseInput, ParseOutcome, Problems, TextView};
use crate::intake::decode::{LineStats, TextEncoding, for_each_line};
use crate::records::{Fields, Position, Problem, Record, RecordSink};
use crate::registry::{DEFAULT_VALUE_NAME, RegValue, ValueData, ValueType, normalize_key};
use regex::Regex;
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::LazyLock;

/// A value row: indentation, name, the type token, then the data (absent for an empty REG_SZ).
static ROW: LazyLock<Regex> = LazyLock::new(|| {
    // invariant: a constant pattern; every unit test of this module compiles it, so it cannot fail here
    Regex::new(r"^[ \t]+(.*?)(?: {4}|\t)(REG_[A-Z_]+|REG_0x[0-9A-Fa-f]+)(?:(?: {4}|\t)(.*))?$").expect("valid regex")
});

/// How `reg query` shows the default value, by UI language.
const DEFAULT_NAMES: &[&str] = &[
    "(Default)",
    "<NO NAME>",
    "(Standard)",
    "(par défaut)",
    "(Predeterminado)",
    "(Predefinito)",
    "(Padrão)",
    "(Standaard)",
    "(Domyślna)",
    "(Výchozí)",
    "(Varsayılan)",
    "(По умолчанию)",
    "(既定)",
    "(默认)",
    "(預設)",
    "(기본값)",
];

/// Counts and notes of one read.
#[derive(Default)]
pub struct Summary {
    pub problems: Problems,
    pub notes: Vec<String>,
    pub rows: u64,
}

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let encoding = input.encoding.unwrap_or(TextEncoding::Utf8);
    let view = TextView::new(input.bytes, encoding);
    let mut summary = Summary::default();
    let stats = read(view.data, encoding, &mut summary, |line_no, line, value| {
        let mut fields = Fields::with_capacity(6);
        value.push_fields(&mut fields);
        sink.record(&Record {
            position: Position::Line(line_no),
            time: None,
            text: Cow::Borrowed(line),
            continuation: Vec::new(),
            fields,
        });
    });
    let mut notes = view.notes(&stats);
    notes.append(&mut summary.notes);
    ParseOutcome {
        records: summary.rows,
        problems: summary.problems.finish(),
        notes,
        time_zone: None,
    }
}

/// Every value of the text, for the registry model.
pub fn read_values(bytes: &[u8], encoding: TextEncoding, mut on_value: impl FnMut(RegValue)) {
    let view = TextView::new(bytes, encoding);
    read(view.data, encoding, &mut Summary::default(), |_, _, v| on_value(v));
}

/// Reads `data` (without BOM), calling `on_row(line, text, value)` for every value row.
pub fn read(
    data: &[u8],
    encoding: TextEncoding,
    summary: &mut Summary,
    mut on_row: impl FnMut(u64, &str, RegValue),
) -> LineStats {
    let mut key: Option<String> = None;
    for_each_line(data, encoding, 1, |line_no, line| {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return ControlFlow::Continue(());
        }
        if !line.starts_with([' ', '\t']) {
            if trimmed.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("HKEY_")) {
                key = Some(normalize_key(trimmed));
            } else if trimmed.starts_with("ERROR:") {
                summary
                    .notes
                    .push(format!("line {line_no}: reg.exe reported {trimmed:?}"));
            } else if !(trimmed.starts_with("! REG.EXE VERSION") || trimmed.starts_with("End of search:")) {
                summary.problems.push(
                    "unknown line",
                    Problem::at_line(line_no, "not a key path or a value row: ignored"),
                );
            }
            return ControlFlow::Continue(());
        }
        let Some(caps) = ROW.captures(line) else {
            summary.problems.push(
                "unknown row",
                Problem::at_line(line_no, "indented line without a REG_ type: ignored"),
            );
            return ControlFlow::Continue(());
        };
        let Some(current) = key.clone() else {
            summary.problems.push(
                "row before any key",
                Problem::at_line(line_no, "value row before any HKEY_ key line: ignored"),
            );
            return ControlFlow::Continue(());
        };
        let name = caps.get(1).map_or("", |m| m.as_str()).trim_start();
        let type_name = caps.get(2).map_or("", |m| m.as_str());
        let text = caps.get(3).map_or("", |m| m.as_str());
        let Some(kind) = ValueType::from_name(type_name) else {
            summary.problems.push(
                "unknown type",
                Problem::at_line(line_no, format!("unknown value type {type_name}")),
            );
            return ControlFlow::Continue(());
        };
        let name = if DEFAULT_NAMES.contains(&name) {
            DEFAULT_VALUE_NAME
        } else {
            name
        };
        let data = match row_data(kind, text) {
            Some(d) => d,
            None => {
                summary.problems.push(
                    "bad data",
                    Problem::at_line(
                        line_no,
                        format!("{type_name} data {text:?} could not be read: kept as text"),
                    ),
                );
                ValueData::Text(text.to_string())
            }
        };
        summary.rows += 1;
        on_row(line_no, line, RegValue::set(current, name, kind, data));
        ControlFlow::Continue(())
    })
}

/// The data of a row as `reg query` prints it for each type.
fn row_data(kind: ValueType, text: &str) -> Option<ValueData> {
    let text = text.trim_end();
    match kind {
        ValueType::Sz | ValueType::ExpandSz | ValueType::Link => Some(ValueData::Text(text.to_string())),
        ValueType::MultiSz => {
            let mut items: Vec<String> = text.split("\\0").map(str::to_string).collect();
            while items.last().is_some_and(|s| s.is_empty()) {
                items.pop();
            }
            Some(ValueData::Multi(items))
        }
        ValueType::Dword | ValueType::DwordBigEndian => {
            number(text).and_then(|n| u32::try_from(n).ok()).map(ValueData::Dword)
        }
        ValueType::Qword => number(text).map(ValueData::Qword),
        _ => hex_digits(text).map(ValueData::Bytes),
    }
}

fn number(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

fn hex_digits(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ParseOptions;
    use crate::testing::TestResult;

    type Row = (u64, String, Vec<(String, String)>);
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
                r.fields.iter().map(|(a, b)| (a.into(), b.into())).collect(),
            ));
        }
    }

    fn run(bytes: &[u8], encoding: TextEncoding) -> (Collect, ParseOutcome) {
        let opts = ParseOptions::default();
        let input = ParseInput {
            path: "reg.txt",
            bytes,
            encoding: Some(encoding),
            format: Some("reg-query"),
            options: &opts,
        };
        let mut sink = Collect(Vec::new());
        let out = parse(&input, &mut sink);
        (sink, out)
    }

    fn field<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
        row.2.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    const QUERY: &str = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup\r\n\
        \x20   (Default)    REG_SZ\r\n\
        \x20   ContentDir    REG_EXPAND_SZ    D:\\WSUS\r\n\
        \x20   PortNumber    REG_DWORD    0x2152\r\n\
        \x20   Some Name With  Spaces    REG_SZ    a    b\r\n\
        \x20   Blob    REG_BINARY    01FF0A\r\n\
        \x20   Hosts    REG_MULTI_SZ    a\\0b\\0\\0\r\n\
        \x20   Big    REG_QWORD    0x2a\r\n\
        \r\n\
        HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup\\Installed Role Services\r\n\
        \x20   UpdateServices-Services    REG_SZ    2\r\n\
        \r\n\
        End of search: 8 match(es) found.\r\n";

    #[test]
    fn rows_split_on_the_type_token() -> TestResult {
        let (sink, out) = run(QUERY.as_bytes(), TextEncoding::Utf8);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.records, 8);
        let r = &sink.0;
        assert_eq!(
            (r[0].0, field(&r[0], "name"), field(&r[0], "data")),
            (3, Some("(Default)"), Some(""))
        );
        assert_eq!(
            field(&r[1], "key"),
            Some("HKLM\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup")
        );
        assert_eq!(field(&r[1], "data"), Some("D:\\WSUS"));
        assert_eq!(
            (field(&r[2], "data"), field(&r[2], "data-hex")),
            (Some("8530"), Some("0x2152"))
        );
        assert_eq!(
            (field(&r[3], "name"), field(&r[3], "data")),
            (Some("Some Name With  Spaces"), Some("a    b"))
        );
        assert_eq!(field(&r[4], "data"), Some("01ff0a"));
        assert_eq!(field(&r[5], "data"), Some("a\nb"));
        assert_eq!(field(&r[6], "data"), Some("42"));
        assert_eq!(r[7].0, 12);
        assert_eq!(r[7].1, "    UpdateServices-Services    REG_SZ    2");
        Ok(())
    }

    #[test]
    fn powershell_redirect_is_utf16() -> TestResult {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(QUERY.encode_utf16().flat_map(u16::to_le_bytes));
        let (sink, out) = run(&bytes, TextEncoding::Utf16LeBom);
        assert_eq!(out.records, 8);
        assert_eq!(sink.0[2].0, 5);
        Ok(())
    }

    #[test]
    fn reg_exe_3_tab_rows_and_localized_default() -> TestResult {
        let text = "! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\r\n\t<NO NAME>\tREG_SZ\t\r\n\tWUServer\tREG_SZ\thttp://wsus:80\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\X\r\n    (Standard)    REG_SZ    Wert\r\n    Bias    REG_DWORD    0xffffffc4\r\n";
        let (sink, out) = run(text.as_bytes(), TextEncoding::Windows1252);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let r = &sink.0;
        assert_eq!(field(&r[0], "name"), Some("(Default)"));
        assert_eq!(
            (field(&r[1], "name"), field(&r[1], "data")),
            (Some("WUServer"), Some("http://wsus:80"))
        );
        assert_eq!(
            (field(&r[2], "name"), field(&r[2], "data")),
            (Some("(Default)"), Some("Wert"))
        );
        assert_eq!(field(&r[3], "data"), Some("4294967236"));
        Ok(())
    }

    #[test]
    fn stray_lines_are_located_problems() -> TestResult {
        let text = "    A    REG_SZ    before key\r\n*Evil-WinRM* PS C:\\> reg query HKLM\\X\r\nHKEY_CURRENT_USER\\X\r\n    B    REG_DWORD    0xzz\r\n    not a row\r\n    C    REG_SZ    ok\r\nERROR: The system was unable to find the specified registry key or value.\r\n";
        let (sink, out) = run(text.as_bytes(), TextEncoding::Utf8);
        assert_eq!(out.records, 2);
        assert_eq!(field(&sink.0[0], "data"), Some("0xzz"));
        let lines: Vec<Option<u64>> = out.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(1), Some(2), Some(4), Some(5)]);
        assert_eq!(out.notes.len(), 1);
        Ok(())
    }
}
