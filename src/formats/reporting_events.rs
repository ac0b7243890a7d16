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
