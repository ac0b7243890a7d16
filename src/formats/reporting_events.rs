//! ReportingEvents.log (`%windir%\SoftwareDistribution\ReportingEvents.log`): what
//! `grammars/formats/reporting-events.toml` cannot declare. The HRESULT column is hexadecimal
//! without `0x` and without padding (`0`, `240005`, `80244019`); read by itself a short value would
//! pass for decimal, so the field is rewritten in the unambiguous `0x8024401B` spelling.

use super::engine::{Hooks, PendingRecord};
use crate::codes::format_code;

/// Rewrites `hresult` as `0x…`.
pub struct HexHresult;

impl Hooks for HexHresult {
    fn record(&mut self, record: &mut PendingRecord<'_>) {
        let Some(raw) = record.field("hresult") else {
            return;
        };
        let digits = raw.trim();
        let digits = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
            .unwrap_or(digits);
        if !digits.is_empty()
            && digits.len() <= 8
            && let Ok(code) = u32::from_str_radix(digits, 16)
        {
            record.set_field("hresult", format_code(code));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::formats::{ParseInput, ParseOptions, parse};
    use crate::intake::decode::TextEncoding;
    use crate::kind::FileKind;
    use crate::records::{Record, RecordSink};
    use crate::testing::{Must, TestResult};

    struct Hresults(Vec<String>);
    impl RecordSink for Hresults {
        fn record(&mut self, r: &Record<'_>) {
            self.0.push(r.field("hresult").unwrap_or("-").to_string());
        }
    }

    #[test]
    fn hresults_of_any_length_become_unambiguous() -> TestResult {
        let line = |hr: &str| {
            format!(
                "{{5D1A7C0E-3B7F-4C11-9E2A-7F4B8D2C6A10}}\t2024-05-06 07:08:09:123+0200\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{{2B7E6C3A-91D4-4F0B-A8E5-6C1D3F9B2E47}}\t201\t{hr}\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.\n"
            )
        };
        let text: String = ["80244019", "0", "10", "240005", "not-hex"]
            .iter()
            .map(|h| line(h))
            .collect();
        let options = ParseOptions::default();
        let input = ParseInput {
            path: "ReportingEvents.log",
            bytes: text.as_bytes(),
            encoding: Some(TextEncoding::Utf8),
            format: Some("reporting-events"),
            options: &options,
        };
        let mut sink = Hresults(Vec::new());
        let out = parse(FileKind::ReportingEventsLog, &input, &mut sink).must()?;
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(
            sink.0,
            ["0x80244019", "0x00000000", "0x00000010", "0x00240005", "not-hex"]
        );
        Ok(())
    }
}
