//! Text decoding: which encoding a file is in, and its lines as `&str` with exact line numbers.
//!
//! Windows tools write UTF-8 with and without BOM, UTF-16LE/BE with and without BOM, and the ANSI
//! code page. [`sniff`] decides from the first bytes; [`for_each_line`] then walks the text without
//! ever building one `String` of the whole file: UTF-8 lines are borrowed straight from the bytes
//! (a line that is not valid UTF-8 is decoded as Windows-1252 on its own, so one bad byte never
//! loses the file), UTF-16 is decoded in bounded blocks. A NUL run at the end of a file (a
//! pre-allocated or crash-truncated log) ends the data.

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::Serialize;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// The encoding of a text file, as reported in the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le-bom")]
    Utf16LeBom,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be-bom")]
    Utf16BeBom,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// ANSI (the Windows-1252 code page), chosen when the start of the file is not UTF-8.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16LeBom => "utf-16le-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16BeBom => "utf-16be-bom",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// Length of the byte-order mark this encoding starts with.
    pub fn bom_len(self) -> usize {
        match self {
            TextEncoding::Utf8Bom => 3,
            TextEncoding::Utf16LeBom | TextEncoding::Utf16BeBom => 2,
            _ => 0,
        }
    }

    fn utf16(self) -> Option<&'static Encoding> {
        match self {
            TextEncoding::Utf16Le | TextEncoding::Utf16LeBom => Some(UTF_16LE),
            TextEncoding::Utf16Be | TextEncoding::Utf16BeBom => Some(UTF_16BE),
            _ => None,
        }
    }
}

/// Decides the encoding from the first bytes (BOM, then the zero-byte pattern of UTF-16, then
/// whether the start is valid UTF-8).
pub fn sniff(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return TextEncoding::Utf8Bom;
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return TextEncoding::Utf16LeBom;
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return TextEncoding::Utf16BeBom;
    }
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() >= 4 {
        let pairs = head.len() / 2;
        let zero_odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let zero_even = head.iter().step_by(2).filter(|&&b| b == 0).count();
        // ASCII text in UTF-16LE has a zero in every odd byte; allow some non-ASCII characters.
        if zero_odd * 10 >= pairs * 7 && zero_even * 10 <= pairs {
            return TextEncoding::Utf16Le;
        }
        if zero_even * 10 >= pairs * 7 && zero_odd * 10 <= pairs {
            return TextEncoding::Utf16Be;
        }
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    match std::str::from_utf8(sample) {
        Ok(_) => TextEncoding::Utf8,
        // A multi-byte character cut by the sample boundary is still UTF-8.
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Windows1252,
    }
}

/// The bytes that carry data: without the BOM and without a trailing run of NUL bytes.
/// Returns the data and the number of NUL bytes cut from the end.
pub fn data_bytes(bytes: &[u8], encoding: TextEncoding) -> (&[u8], usize) {
    let body = &bytes[encoding.bom_len().min(bytes.len())..];
    let trailing = body.iter().rev().take_while(|&&b| b == 0).count();
    // For UTF-16 keep an even length (a final "A\0" must not lose its zero byte).
    let keep = match encoding.utf16() {
        Some(_) => {
            let mut keep = body.len() - trailing;
            if keep % 2 == 1 {
                keep += 1;
            }
            keep.min(body.len())
        }
        None => body.len() - trailing,
    };
    (&body[..keep], body.len() - keep)
}

/// What line iteration learned about the text, for the inventory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineStats {
    pub lines: u64,
    /// Lines of a UTF-8 file that were not valid UTF-8 and were decoded as Windows-1252.
    pub ansi_lines: u64,
    /// Malformed sequences replaced while decoding UTF-16.
    pub replaced: u64,
}

/// Size of the UTF-16 decoding block; bounds memory whatever the file size.
const BLOCK: usize = 1 << 20;

/// The text of line `n` (1-based) of a file's bytes, decoded as the parsers decode it (what a
/// citation of that line must show).
pub fn line_at(bytes: &[u8], n: u64) -> Option<String> {
    let encoding = sniff(bytes);
    let (data, _) = data_bytes(bytes, encoding);
    let mut found = None;
    for_each_line(data, encoding, 1, |i, line| {
        if i == n {
            found = Some(line.to_string());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// Calls `f(line_number, line)` for every line of `data` (already without BOM), `first_line` being
/// the number of the first. Lines end at `\n` with a trailing `\r` removed; a text without any
/// `\n` but with `\r` (old Mac style) is split at `\r`. Stops early when `f` breaks.
pub fn for_each_line<F>(data: &[u8], encoding: TextEncoding, first_line: u64, mut f: F) -> LineStats
where
    F: FnMut(u64, &str) -> ControlFlow<()>,
{
    let mut stats = LineStats::default();
    match encoding.utf16() {
        None => {
            let fallback = encoding == TextEncoding::Windows1252;
            let sep = separator(data);
            for (line_no, raw) in (first_line..).zip(split_lines(data, sep)) {
                let text = decode_8bit(raw, fallback, &mut stats);
                stats.lines += 1;
                if f(line_no, &text).is_break() {
                    break;
                }
            }
        }
        Some(enc) => utf16_lines(data, enc, first_line, &mut stats, &mut f),
    }
    stats
}

fn separator(data: &[u8]) -> u8 {
    let probe = &data[..data.len().min(1 << 20)];
    if memchr::memchr(b'\n', probe).is_none() && memchr::memchr(b'\r', probe).is_some() {
        b'\r'
    } else {
        b'\n'
    }
}

fn split_lines(data: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    let mut done = data.is_empty();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match memchr::memchr(sep, rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                if rest.is_empty() {
                    done = true;
                }
                Some(strip_cr(line))
            }
            None => {
                done = true;
                Some(strip_cr(rest))
            }
        }
    })
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn decode_8bit<'a>(raw: &'a [u8], ansi: bool, stats: &mut LineStats) -> Cow<'a, str> {
    if !ansi && let Ok(s) = std::str::from_utf8(raw) {
        return Cow::Borrowed(s);
    }
    if ansi && raw.is_ascii() {
        // invariant: ASCII is valid UTF-8
        return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
    }
    if !ansi {
        stats.ansi_lines += 1;
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(raw);
    text
}

fn utf16_lines<F>(data: &[u8], enc: &'static Encoding, first_line: u64, stats: &mut LineStats, f: &mut F)
where
    F: FnMut(u64, &str) -> ControlFlow<()>,
{
    let mut decoder: Decoder = enc.new_decoder_without_bom_handling();
    let mut pending = String::new();
    let mut line_no = first_line;
    let mut chunks = data.chunks(BLOCK).peekable();
    let mut sep = None;
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let mut out = String::with_capacity(decoder.max_utf8_buffer_length(chunk.len()).unwrap_or(chunk.len() * 3));
        let (_, _, replaced) = decoder.decode_to_string(chunk, &mut out, last);
        if replaced {
            stats.replaced += 1;
        }
        pending.push_str(&out);
        let sep_char = *sep.get_or_insert_with(|| {
            if !pending.contains('\n') && pending.contains('\r') {
                '\r'
            } else {
                '\n'
            }
        });
        let mut start = 0;
        while let Some(i) = pending[start..].find(sep_char) {
            let line = &pending[start..start + i];
            let line = line.strip_suffix('\r').unwrap_or(line);
            stats.lines += 1;
            if f(line_no, line).is_break() {
                return;
            }
            line_no += 1;
            start += i + 1;
        }
        pending.drain(..start);
    }
    if !pending.is_empty() {
        let line = pending.strip_suffix('\r').unwrap_or(&pending);
        stats.lines += 1;
        let _ = f(line_no, line);
    }
}

/// The first `max_bytes` of a file decoded as text, for classification.
pub fn head_text(bytes: &[u8], encoding: TextEncoding, max_bytes: usize) -> String {
    let (data, _) = data_bytes(bytes, encoding);
    let mut cut = data.len().min(max_bytes);
    if encoding.utf16().is_some() {
        cut &= !1;
    }
    let data = &data[..cut];
    match encoding.utf16() {
        Some(enc) => enc.decode_without_bom_handling(data).0.into_owned(),
        None => match std::str::from_utf8(data) {
            Ok(s) => s.to_string(),
            Err(e) if e.error_len().is_none() => String::from_utf8_lossy(&data[..e.valid_up_to()]).into_owned(),
            Err(_) => WINDOWS_1252.decode_without_bom_handling(data).0.into_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(bytes: &[u8]) -> (TextEncoding, Vec<(u64, String)>, LineStats) {
        let enc = sniff(bytes);
        let (data, _) = data_bytes(bytes, enc);
        let mut out = Vec::new();
        let stats = for_each_line(data, enc, 1, |n, l| {
            out.push((n, l.to_string()));
            ControlFlow::Continue(())
        });
        (enc, out, stats)
    }

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn line_at_reads_the_numbered_line_of_any_encoding() {
        let text = "first\r\nsecond 0x8024401C\r\nthird";
        assert_eq!(line_at(text.as_bytes(), 2).as_deref(), Some("second 0x8024401C"));
        assert_eq!(line_at(&utf16le(text, true), 3).as_deref(), Some("third"));
        assert_eq!(line_at(&utf16le(text, false), 1).as_deref(), Some("first"));
        assert_eq!(line_at(text.as_bytes(), 4), None);
        assert_eq!(line_at(text.as_bytes(), 0), None);
    }

    #[test]
    fn utf8_crlf_and_bom() {
        let (enc, lines, _) = lines_of(b"\xEF\xBB\xBFa\r\nb\r\n");
        assert_eq!(enc, TextEncoding::Utf8Bom);
        assert_eq!(lines, vec![(1, "a".into()), (2, "b".into())]);
    }

    #[test]
    fn utf16le_with_and_without_bom() {
        for bom in [true, false] {
            let (enc, lines, _) = lines_of(&utf16le(
                "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n",
                bom,
            ));
            assert_eq!(
                enc,
                if bom {
                    TextEncoding::Utf16LeBom
                } else {
                    TextEncoding::Utf16Le
                }
            );
            assert_eq!(lines.len(), 3);
            assert_eq!(lines[2].1, "[HKEY_LOCAL_MACHINE\\SOFTWARE]");
        }
    }

    #[test]
    fn utf16be_with_bom() {
        let mut v = vec![0xFE, 0xFF];
        for u in "x\ny".encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        let (enc, lines, _) = lines_of(&v);
        assert_eq!(enc, TextEncoding::Utf16BeBom);
        assert_eq!(lines, vec![(1, "x".into()), (2, "y".into())]);
    }

    #[test]
    fn ansi_fallback_per_line() {
        // A valid UTF-8 file with one Windows-1252 line (a German server's log copied by hand).
        let (enc, lines, stats) = lines_of(b"ok line\nGr\xfc\xdfe\n");
        assert_eq!(enc, TextEncoding::Windows1252);
        assert_eq!(lines[1].1, "Grüße");
        assert_eq!(stats.ansi_lines, 0);
        let mut long = "x".repeat(70_000).into_bytes();
        long.extend_from_slice(b"\nGr\xfc\xdfe\n");
        let (enc, lines, stats) = lines_of(&long);
        assert_eq!(enc, TextEncoding::Utf8);
        assert_eq!(lines[1].1, "Grüße");
        assert_eq!(stats.ansi_lines, 1);
    }

    #[test]
    fn trailing_nuls_end_the_data() {
        let mut v = b"a\r\nb\r\n".to_vec();
        v.extend(std::iter::repeat_n(0u8, 4096));
        let enc = sniff(&v);
        let (data, cut) = data_bytes(&v, enc);
        assert_eq!(data, b"a\r\nb\r\n");
        assert_eq!(cut, 4096);
    }

    #[test]
    fn lone_cr_text_and_unterminated_last_line() {
        let (_, lines, _) = lines_of(b"a\rb\rc");
        assert_eq!(lines.len(), 3);
        let (_, lines, _) = lines_of(b"a\nb");
        assert_eq!(lines, vec![(1, "a".into()), (2, "b".into())]);
    }

    #[test]
    fn utf16_lines_across_block_boundaries_keep_numbers() {
        let text: String = (1..=200_000).map(|i| format!("line {i}\r\n")).collect();
        let (_, lines, _) = lines_of(&utf16le(&text, true));
        assert_eq!(lines.len(), 200_000);
        assert_eq!(lines[123_456], (123_457, "line 123457".into()));
    }
}
