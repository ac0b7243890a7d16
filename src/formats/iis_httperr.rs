//! HTTP.sys error logs (`%SystemRoot%\System32\LogFiles\HTTPERR\httperr<N>.log`): requests HTTP.sys
//! answered itself because they never reached a worker process (pool offline, queue full,
//! time-outs, connections abandoned by a crashed w3wp).
//!
//! Lines in, records out, with the W3C field names: `s-reason` carries the reason phrase
//! (`AppOffline`, `QueueFull`, `Connection_Abandoned_By_AppPool`, …) and `s-queuename` the
//! application pool (`WsusPool`). The grammar is W3C's, so the reading is [`super::iis_w3c`]'s:
//! files headed by `#Software: Microsoft HTTP API` repeat their directive block each time HTTP.sys
//! reopens them and the layout follows each `#Fields:`; lines before any `#Fields:` (headerless
//! files) use HTTP.sys's default order, where HTTP API 1.0 lines may stop at `s-reason`. UTC.

use super::chunked::Plan;
use super::iis_w3c::{self, W3cFlavor};
use super::{ParseInput, ParseOutcome};
use crate::records::RecordSink;

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    iis_w3c::read(input, W3cFlavor::HttpErr, &Plan::default(), sink)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ParseOptions;
    use crate::intake::decode::TextEncoding;
    use crate::records::{Position, Problem, Record};
    use crate::testing::TestResult;

    /// (line, time, s-reason, s-queuename, sc-status, cs-uri)
    type Row = (
        u64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    struct Collect(Vec<Row>);
    impl RecordSink for Collect {
        fn record(&mut self, r: &Record<'_>) {
            // Not a line: 0, which no assertion expects.
            let n = match r.position {
                Position::Line(n) => n,
                _ => 0,
            };
            let f = |name: &str| r.field(name).map(str::to_string);
            self.0.push((
                n,
                r.time.map(|t| t.to_rfc3339()),
                f("s-reason"),
                f("s-queuename"),
                f("sc-status"),
                f("cs-uri"),
            ));
        }
    }

    fn run(text: &str) -> (Collect, ParseOutcome) {
        let opts = ParseOptions::default();
        let input = ParseInput {
            path: "httperr1.log",
            bytes: text.as_bytes(),
            encoding: Some(TextEncoding::Utf8),
            format: Some("iis-httperr"),
            options: &opts,
        };
        let mut sink = Collect(Vec::new());
        let out = parse(&input, &mut sink);
        (sink, out)
    }

    const HEADER: &str = "#Software: Microsoft HTTP API 2.0\r\n#Version: 1.0\r\n#Date: 2024-11-20 06:14:00\r\n#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename\r\n";

    #[test]
    fn headed_file_whose_block_repeats_when_http_sys_reopens_it() -> TestResult {
        let text = format!(
            "{HEADER}2024-11-20 06:14:00 10.1.4.77 50112 10.1.0.20 8530 HTTP/1.1 POST /ClientWebService/client.asmx 503 1274659245 AppOffline WsusPool\r\n\
             2024-11-20 06:14:02 10.1.4.91 50220 10.1.0.20 8530 HTTP/1.1 POST /SimpleAuthWebService/SimpleAuth.asmx 503 1274659245 QueueFull WsusPool\r\n\
             {HEADER}2024-11-20 09:30:41 10.1.4.12 61001 10.1.0.20 8530 HTTP/1.1 GET /Content/3C/0D6E5A1F2B3C4D5E6F708192A3B4C5D6E7F8093C.cab - 1274659245 Connection_Abandoned_By_AppPool WsusPool\r\n\
             2024-11-20 09:31:07 10.1.4.12 61003 10.1.0.20 8530 - - - - - Timer_ConnectionIdle -\r\n"
        );
        let (sink, out) = run(&text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.records, 4);
        assert_eq!(out.time_zone.as_deref(), Some("UTC"));
        let r = &sink.0;
        assert_eq!(r[0].0, 5);
        assert_eq!(r[0].1.as_deref(), Some("2024-11-20T06:14:00Z"));
        assert_eq!(
            (r[0].2.as_deref(), r[0].3.as_deref()),
            (Some("AppOffline"), Some("WsusPool"))
        );
        assert_eq!(r[0].4.as_deref(), Some("503"));
        assert_eq!(r[1].2.as_deref(), Some("QueueFull"));
        assert_eq!(r[2].0, 11);
        assert_eq!(r[2].2.as_deref(), Some("Connection_Abandoned_By_AppPool"));
        assert_eq!(r[2].4.as_deref(), Some("-"));
        assert_eq!(r[3].2.as_deref(), Some("Timer_ConnectionIdle"));
        Ok(())
    }

    #[test]
    fn headerless_file_uses_the_default_field_order() -> TestResult {
        let text = "2017-05-08 05:03:53 203.0.113.144 56433 203.0.113.4 80 HTTP/1.1 POST /SimpleAuthWebService/SimpleAuth.asmx 503 707060612 AppOffline WsusPool\n\
                    2002-07-05 18:45:09 172.31.77.6 2094 172.31.77.6 80 HTTP/1.1 GET /qos/1kbfile.txt 503 - ConnLimit\n";
        let (sink, out) = run(text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(sink.0.len(), 2);
        assert_eq!(sink.0[0].3.as_deref(), Some("WsusPool"));
        assert_eq!(sink.0[0].5.as_deref(), Some("/SimpleAuthWebService/SimpleAuth.asmx"));
        // HTTP API 1.0 lines stop at the reason phrase.
        assert_eq!(sink.0[1].2.as_deref(), Some("ConnLimit"));
        assert_eq!(sink.0[1].3, None);
        assert_eq!(sink.0[1].1.as_deref(), Some("2002-07-05T18:45:09Z"));
        Ok(())
    }

    #[test]
    fn fields_with_later_http_sys_additions_follow_the_directive() -> TestResult {
        let text = "#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename transport\n\
                    2024-11-20 06:14:00 10.1.4.77 50112 10.1.0.20 8531 HTTP/2.0 GET /selfupdate/wuident.cab 1 503 1274659245 AppOffline WsusPool https\n\
                    2024-11-20 06:14:01 10.1.4.77 50112 10.1.0.20 8531 HTTP/2.0 GET /selfupdate/wuident.cab 503 1274659245 AppOffline WsusPool\n";
        let (sink, out) = run(text);
        assert_eq!(sink.0.len(), 2);
        assert_eq!(sink.0[0].2.as_deref(), Some("AppOffline"));
        assert_eq!(out.problems, vec![Problem::at_line(3, "13 fields, #Fields names 15")]);
        Ok(())
    }
}
