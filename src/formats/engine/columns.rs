//! Splitting a line into declared columns (a `columns` layout), with nom and memchr.

use super::def::{Column, Separator};
use nom::bytes::complete::{take_till, take_while};
use std::ops::Range;

/// The fields of `body` read as `columns` then `rest`, as byte ranges into `body`; `None` when the
/// line has fewer columns than declared or a literal column differs.
pub fn split<'c>(
    body: &str,
    separator: Separator,
    columns: &'c [Column],
    rest: Option<&'c str>,
) -> Option<Vec<(&'c str, Range<usize>)>> {
    let mut fields = Vec::with_capacity(columns.len() + 2);
    let mut pos = 0;
    for (i, column) in columns.iter().enumerate() {
        let last = i + 1 == columns.len();
        let (token, next) = next_token(body, pos, separator)?;
        if next.is_none() && !last {
            return None;
        }
        let text = body.get(token.clone())?;
        match column {
            Column::Skip => {}
            Column::Field(name) => fields.push((name.as_str(), token.clone())),
            Column::Literal(expected) => {
                if !text.eq_ignore_ascii_case(expected) {
                    return None;
                }
            }
            Column::Split { left, at, right } => match text.rfind(*at) {
                Some(k) => {
                    fields.push((left.as_str(), token.start..token.start + k));
                    fields.push((right.as_str(), token.start + k + at.len_utf8()..token.end));
                }
                None => fields.push((left.as_str(), token.clone())),
            },
        }
        pos = next.unwrap_or(body.len());
    }
    if let Some(name) = rest {
        let tail = body.get(pos..)?;
        let trimmed = tail.len() - tail.trim_start_matches([' ', '\t']).len();
        fields.push((name, pos + trimmed..body.len()));
    }
    Some(fields)
}

/// The token starting at `pos` and where the next one starts (`None` at the end of the line).
fn next_token(body: &str, pos: usize, separator: Separator) -> Option<(Range<usize>, Option<usize>)> {
    let rest = body.get(pos..)?;
    match separator {
        Separator::Tab | Separator::Space => {
            let sep = if separator == Separator::Tab { b'\t' } else { b' ' };
            Some(match memchr::memchr(sep, rest.as_bytes()) {
                Some(k) => (pos..pos + k, Some(pos + k + 1)),
                None => (pos..body.len(), None),
            })
        }
        Separator::Whitespace => {
            let is_blank = |c: char| c == ' ' || c == '\t';
            let (after, token) = take_till::<_, _, nom::error::Error<&str>>(is_blank)(rest).ok()?;
            if token.is_empty() {
                return None;
            }
            let (_, blanks) = take_while::<_, _, nom::error::Error<&str>>(is_blank)(after).ok()?;
            let end = pos + token.len();
            Some((pos..end, (!blanks.is_empty()).then_some(end + blanks.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    fn cols(specs: &[Column], sep: Separator, line: &str) -> Option<Vec<(String, String)>> {
        split(line, sep, specs, Some("message")).map(|v| {
            v.into_iter()
                .map(|(n, r)| (n.to_string(), line[r].to_string()))
                .collect()
        })
    }

    fn sdl() -> Vec<Column> {
        vec![
            Column::Field("date".into()),
            Column::Field("time".into()),
            Column::Literal("UTC".into()),
            Column::Field("level".into()),
            Column::Split {
                left: "process".into(),
                at: '.',
                right: "thread".into(),
            },
            Column::Field("source".into()),
        ]
    }

    #[test]
    fn tab_and_space_renderings_give_the_same_fields() -> TestResult {
        let tab = "2024-05-06 07:08:09.123 UTC\tInfo\tWsusService.15\tEventLogEventReporter.ReportEvent\tEventId=381";
        let spaces =
            "2024-05-06 07:08:09.123 UTC  Info         WsusService.15 EventLogEventReporter.ReportEvent  EventId=381";
        let a = cols(&sdl(), Separator::Whitespace, tab).must()?;
        let b = cols(&sdl(), Separator::Whitespace, spaces).must()?;
        assert_eq!(a, b);
        assert_eq!(a[3], ("process".into(), "WsusService".into()));
        assert_eq!(a[4], ("thread".into(), "15".into()));
        assert_eq!(a[6], ("message".into(), "EventId=381".into()));
        Ok(())
    }

    #[test]
    fn missing_columns_and_wrong_literals_do_not_match() -> TestResult {
        assert!(cols(&sdl(), Separator::Whitespace, "   at Microsoft.UpdateServices.X()").is_none());
        assert!(cols(&sdl(), Separator::Whitespace, "2024-05-06 07:08:09.123 UTC Info").is_none());
        assert!(
            cols(
                &sdl(),
                Separator::Whitespace,
                "2024-05-06 07:08:09.123 GMT Info w3wp.5 A.B x"
            )
            .is_none()
        );
        let header_only = cols(
            &sdl(),
            Separator::Whitespace,
            "2024-05-06 07:08:09.123 UTC Info w3wp.5 A.B",
        )
        .must()?;
        assert_eq!(header_only.last().must()?, &("message".into(), "".into()));
        let trailing = cols(
            &sdl(),
            Separator::Whitespace,
            "2024-05-06 07:08:09.123 UTC Info w3wp.5 A.B  ",
        )
        .must()?;
        assert_eq!(trailing.last().must()?, &("message".into(), "".into()));
        Ok(())
    }

    #[test]
    fn tab_columns_may_be_empty() -> TestResult {
        let specs = vec![Column::Field("a".into()), Column::Field("b".into())];
        let got = cols(&specs, Separator::Tab, "x\t\t  rest").must()?;
        assert_eq!(
            got,
            vec![
                ("a".into(), "x".into()),
                ("b".into(), "".into()),
                ("message".into(), "rest".into())
            ]
        );
        Ok(())
    }
}
