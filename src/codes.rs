//! Error codes: one 32-bit value for every spelling Windows logs use.
//!
//! `0x8024401B`, `0X8024401b`, `8024401b`, `[80244007]`, `hr = 80072ee2`, unsigned decimal
//! `2148204800` (IIS `sc-win32-status`) and signed decimal `-2145107934` (SoftwareDistribution.log)
//! all normalize to the same `u32`. Parsers and signatures compare these values, never strings.

/// Parses one code token in any of the spellings above. Bare decimals of fewer than ten digits
/// (Win32 codes such as `12002`, MSI `1603`) are returned as they are: see [`win32_to_hresult`].
pub fn parse_code(token: &str) -> Option<u32> {
    let t = token
        .trim()
        .trim_matches(['"', '\''])
        .trim_start_matches('[')
        .trim_end_matches([']', '.', ',', ')', ';', ':'])
        .trim();
    let t = t.trim_start_matches('(');
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Some(neg) = t.strip_prefix('-') {
        if neg.is_empty() || !neg.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = t.parse().ok()?;
        return (v >= i32::MIN as i64).then_some(v as i32 as u32);
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(t, 16).ok();
    }
    if !t.is_empty() && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u64>().ok().and_then(|v| u32::try_from(v).ok());
    }
    None
}

/// Parses a code as a person types or pastes it: everything [`parse_code`] reads, plus the
/// `key=value` and `key value` shapes copied from a log (`hr=0x80244007`, `hr = 80072ee2`,
/// `error 0x8024401B`, `HRESULT: 0x80070643`) and the C header suffix (`0x8024401BL`).
///
/// Kept apart from [`parse_code`], which reads single field values: there the last word of a
/// phrase must not count as a code.
pub fn parse_code_input(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(v) = parse_code(t) {
        return Some(v);
    }
    let last = t.rsplit(['=', ':', ' ', '\t']).find(|w| !w.trim().is_empty())?;
    if let Some(v) = parse_code(last) {
        return Some(v);
    }
    let unsuffixed = last.trim().strip_suffix(['L', 'l'])?;
    unsuffixed
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("0x"))
        .then(|| parse_code(unsuffixed))
        .flatten()
}

/// `HRESULT_FROM_WIN32`: Win32 error 12002 becomes 0x80072EE2; values that already are HRESULTs
/// (severity bit set) are unchanged.
pub fn win32_to_hresult(code: u32) -> u32 {
    if code == 0 || code & 0x8000_0000 != 0 {
        code
    } else {
        0x8007_0000 | (code & 0xFFFF)
    }
}

/// Formats a code the way Microsoft documents it: `0x8024401B`.
pub fn format_code(code: u32) -> String {
    format!("0x{code:08X}")
}

/// Every error code that appears in a text, with its byte range.
///
/// Recognized: `0x`-prefixed hex; 8-digit hex standing alone or in brackets (not a GUID part);
/// signed decimals `-21xxxxxxxx`; unsigned 10-digit decimals in the failure range
/// (`2147483648..=4294967295`). Short decimals are not codes here: they are too often counts, ports
/// or process ids; fields that hold Win32 numbers are read with [`parse_code`] directly.
pub fn find_codes(text: &str) -> Vec<(std::ops::Range<usize>, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let boundary_before = i == 0 || !is_word(b[i - 1]);
        if !boundary_before || !(c.is_ascii_hexdigit() || c == b'-') {
            i += 1;
            continue;
        }
        // 0x / 0X prefix
        if c == b'0' && i + 1 < b.len() && (b[i + 1] == b'x' || b[i + 1] == b'X') {
            let start = i;
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            if j > i + 2
                && j - (i + 2) <= 8
                && (j == b.len() || !is_word(b[j]))
                && let Ok(v) = u32::from_str_radix(&text[i + 2..j], 16)
            {
                out.push((start..j, v));
            }
            i = j.max(i + 1);
            continue;
        }
        if c == b'-' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let digits = j - i - 1;
            let prev_ok = i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'(' | b'[' | b'=' | b',' | b':');
            if digits == 10
                && prev_ok
                && (j == b.len() || !is_word(b[j]))
                && let Ok(v) = text[i..j].parse::<i64>()
                && (i32::MIN as i64..0).contains(&v)
            {
                out.push((i..j, v as i32 as u32));
            }
            i = j.max(i + 1);
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_hexdigit() {
            j += 1;
        }
        let len = j - i;
        let after_ok = j == b.len() || !is_word(b[j]) && b[j] != b'-';
        let before_ok = i == 0 || b[i - 1] != b'-' && b[i - 1] != b'{';
        if after_ok && before_ok {
            let token = &text[i..j];
            if len == 8 && starts_like_failure(token) {
                if let Ok(v) = u32::from_str_radix(token, 16) {
                    out.push((i..j, v));
                }
            } else if len == 10
                && token.bytes().all(|x| x.is_ascii_digit())
                && let Ok(v) = token.parse::<u64>()
                && (0x8000_0000..=0xFFFF_FFFF).contains(&v)
            {
                out.push((i..j, v as u32));
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// An 8-digit hex token counts as a code only in the failure or warning ranges (8xxxxxxx, Cxxxxxxx)
/// or as an explicit success `00000000`, so dates and ids do not.
fn starts_like_failure(token: &str) -> bool {
    matches!(token.as_bytes()[0], b'8' | b'c' | b'C') || token == "00000000"
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_one_value() {
        for s in [
            "0x8024401B",
            "0X8024401b",
            "8024401b",
            "[8024401B]",
            "0x8024401B,",
            "-2145107941",
        ] {
            assert_eq!(parse_code(s), Some(0x8024401B), "{s}");
        }
        assert_eq!(parse_code("2148204800"), Some(0x800B0100));
        assert_eq!(parse_code("-2145107934"), Some(0x80244022));
        assert_eq!(parse_code("-2145386477"), Some(0x80200013));
        assert_eq!(parse_code("12002"), Some(12002));
        assert_eq!(win32_to_hresult(12002), 0x80072EE2);
        assert_eq!(win32_to_hresult(1603), 0x80070643);
        assert_eq!(win32_to_hresult(0x8009030E), 0x8009030E);
        assert_eq!(parse_code("\"0x8024401B\""), Some(0x8024401B), "quoted");
        assert_eq!(parse_code("'80072ee2'"), Some(0x80072EE2), "single-quoted");
        assert_eq!(parse_code("hello"), None);
        assert_eq!(parse_code("0x"), None);
    }

    #[test]
    fn pasted_spellings_are_read_as_codes() {
        for s in [
            "hr=0x80244007",
            "hr = 80244007",
            "error 0x80244007",
            "HRESULT: 0x80244007",
            "0x80244007L",
            " [80244007] ",
        ] {
            assert_eq!(parse_code_input(s), Some(0x80244007), "{s}");
        }
        assert_eq!(parse_code_input("12002"), Some(12002));
        assert_eq!(parse_code_input("-2145107941"), Some(0x8024401B));
        assert_eq!(parse_code_input("error"), None);
        assert_eq!(parse_code_input("401.2"), None, "IIS status.substatus is not a code");
        assert_eq!(parse_code_input("12002L"), None, "the L suffix belongs to hex literals");
        assert_eq!(parse_code_input(""), None);
    }

    fn codes(text: &str) -> Vec<u32> {
        find_codes(text).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn codes_in_log_lines() {
        assert_eq!(
            codes("WARNING: SendRequest failed with hr = 80072ee2. Proxy List used"),
            vec![0x80072EE2]
        );
        assert_eq!(
            codes("*FAILED* [80244007] SyncUpdates_WithRecovery failed"),
            vec![0x80244007]
        );
        assert_eq!(
            codes("WS FATAL: OnCallFailure failed with hr=0X80244007"),
            vec![0x80244007]
        );
        assert_eq!(
            codes("failed in download: (-2145386477) The server does not support"),
            vec![0x80200013]
        );
        assert_eq!(
            codes("GET /Content/a.cab - 80 - 10.0.0.21 UA 401 1 2148074254 5005"),
            vec![0x8009030E]
        );
        assert_eq!(codes("hr = 0x80190194, BG_ERROR_CONTEXT = 5"), vec![0x80190194]);
    }

    #[test]
    fn guids_dates_and_ids_are_not_codes() {
        assert!(codes("BITS job {F65EC03C-34DC-4CFC-BDFD-EA8DF7A1FBB2} failed").is_empty());
        assert!(codes("2021/07/13 10:23:06.3933681 3696  8172  Agent").is_empty());
        assert!(codes("updateId = 3DDB8AF4-BC5E-4275-BCEB-F6084A5747BE.1").is_empty());
        assert!(codes("pid 12345678 port 8530").is_empty());
    }
}
