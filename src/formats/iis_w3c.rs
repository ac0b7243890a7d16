//! IIS W3C extended logs (IIS 6 `exYYMMDD.log`, IIS 7+ `u_exYYMMDD.log`).
//!
//! The layout comes from each `#Fields:` directive, and a new directive block (possibly with other
//! fields) starts whenever IIS reopens the file, so the field map is replaced at every `#Fields:`.
//! Values are separated by single spaces (an empty value between two spaces is kept as empty);
//! `-` means empty. Timestamps are UTC whatever the rollover setting; when `date` is not logged the
//! date comes from the last `#Date:` directive.

use super::{ParseInput, ParseOutcome, Problems, TextView};
use crate::intake::decode::{TextEncoding, for_each_line};
use crate::records::{Fields, Problem, Record, RecordSink, Timestamp};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::borrow::Cow;
use std::ops::ControlFlow;

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let view = TextView::new(input.bytes, input.encoding.unwrap_or(TextEncoding::Utf8));
    let mut problems = Problems::default();
    let mut fields: Vec<String> = Vec::new();
    let mut directive_date: Option<NaiveDate> = None;
    let mut records = 0u64;
    let mut before_fields = 0u64;
    let stats = for_each_line(view.data, view.encoding, 1, |line_no, line| {
        if let Some(directive) = line.strip_prefix('#') {
            read_directive(directive, line_no, &mut fields, &mut directive_date, &mut problems);
            return ControlFlow::Continue(());
        }
        if line.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        if fields.is_empty() {
            before_fields += 1;
            return ControlFlow::Continue(());
        }
        let values: Vec<&str> = line.split(' ').collect();
        if values.len() != fields.len() {
            problems.push(
                "field count differs from #Fields",
                Problem::at_line(
                    line_no,
                    format!("{} fields, #Fields names {}", values.len(), fields.len()),
                ),
            );
        }
        let mut record_fields = Fields::with_capacity(fields.len());
        for (name, value) in fields.iter().zip(values.iter()) {
            record_fields.push(Cow::Borrowed(name.as_str()), Cow::Borrowed(*value));
        }
        let time = timestamp(&record_fields, directive_date);
        if time.is_none() {
            problems.push(
                "no timestamp",
                Problem::at_line(line_no, "date/time fields missing or not a valid date"),
            );
        }
        let record = Record {
            position: crate::records::Position::Line(line_no),
            time,
            text: Cow::Borrowed(line),
            continuation: Vec::new(),
            fields: record_fields,
        };
        sink.record(&record);
        records += 1;
        ControlFlow::Continue(())
    });
    let mut problems = problems.finish();
    if before_fields > 0 {
        problems.push(Problem::new(format!(
            "{before_fields} record lines come before any #Fields directive: their layout is unknown, not read"
        )));
    }
    ParseOutcome {
        records,
        problems,
        notes: view.notes(&stats),
        time_zone: Some("UTC".into()),
    }
}

fn read_directive(
    directive: &str,
    line_no: u64,
    fields: &mut Vec<String>,
    date: &mut Option<NaiveDate>,
    problems: &mut Problems,
) {
    let (name, value) = directive.split_once(':').unwrap_or((directive, ""));
    match name.trim() {
        "Fields" => {
            *fields = value.split_whitespace().map(str::to_string).collect();
            if fields.is_empty() {
                problems.push(
                    "empty #Fields",
                    Problem::at_line(line_no, "#Fields directive names no field"),
                );
            }
        }
        "Date" => {
            let day = value.split_whitespace().next().unwrap_or("");
            match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                Ok(d) => *date = Some(d),
                Err(_) => problems.push(
                    "bad #Date",
                    Problem::at_line(line_no, format!("#Date {:?} is not a date", value.trim())),
                ),
            }
        }
        _ => {} // #Software, #Version, #Remark, #Start-Date, #End-Date: informational
    }
}

fn timestamp(fields: &Fields<'_>, directive_date: Option<NaiveDate>) -> Option<Timestamp> {
    let date = match fields.get("date") {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
        None => directive_date?,
    };
    let time = NaiveTime::parse_from_str(fields.get("time")?, "%H:%M:%S%.f").ok()?;
    Some(Timestamp::utc(NaiveDateTime::new(date, time)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ParseOptions;

    type Row = (u64, Option<String>, Vec<(String, String)>);
    struct Collect(Vec<Row>);
    impl RecordSink for Collect {
        fn record(&mut self, r: &Record<'_>) {
            let crate::records::Position::Line(n) = r.position else {
                panic!()
            };
            self.0.push((
                n,
                r.time.map(|t| t.to_rfc3339()),
                r.fields.iter().map(|(a, b)| (a.into(), b.into())).collect(),
            ));
        }
    }

    fn run(text: &str) -> (Collect, ParseOutcome) {
        let opts = ParseOptions::default();
        let input = ParseInput {
            path: "u_ex.log",
            bytes: text.as_bytes(),
            encoding: Some(TextEncoding::Utf8),
            format: None,
            options: &opts,
        };
        let mut sink = Collect(Vec::new());
        let out = parse(&input, &mut sink);
        (sink, out)
    }

    #[test]
    fn fields_change_mid_file() {
        let text = "#Software: Microsoft Internet Information Services 6.0\r\n#Fields: date time cs-uri-stem sc-status \r\n2005-11-02 10:42:33 /Content/a.cab 401\r\n#Fields: date time cs-uri-stem cs-host sc-status\r\n2005-11-02 11:00:00 /x wsus 200\r\n";
        let (sink, out) = run(text);
        assert_eq!(out.records, 2);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(sink.0[0].0, 3);
        assert_eq!(sink.0[0].1.as_deref(), Some("2005-11-02T10:42:33Z"));
        assert_eq!(sink.0[1].0, 5);
        assert!(sink.0[1].2.contains(&("cs-host".into(), "wsus".into())));
    }

    #[test]
    fn count_mismatch_is_a_located_problem_and_the_record_is_kept() {
        let text = "#Fields: date time cs-uri-stem sc-status\n2005-11-02 10:42:33 /a\n";
        let (sink, out) = run(text);
        assert_eq!(out.records, 1);
        assert_eq!(out.problems, vec![Problem::at_line(2, "3 fields, #Fields names 4")]);
        assert_eq!(sink.0.len(), 1);
    }

    #[test]
    fn date_from_directive_when_not_logged() {
        let text = "#Date: 2013-07-30 00:00:00\n#Fields: time cs-uri-stem\n00:00:05 /a\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty());
        assert_eq!(sink.0[0].1.as_deref(), Some("2013-07-30T00:00:05Z"));
    }

    #[test]
    fn lines_before_fields_are_reported_not_guessed() {
        let (_, out) = run("2005-11-02 10:42:33 /a 200\n");
        assert_eq!(out.records, 0);
        assert_eq!(out.problems.len(), 1);
    }
}
