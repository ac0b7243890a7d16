//! Classification: what kind of file this is, decided from its content with the format grammars'
//! detection rules, the file name counting only as a hint. A renamed or extension-less
//! SoftwareDistribution.log is still a SoftwareDistribution.log.
//!
//! Scoring (highest wins, ties by grammar priority): magic bytes 100, a header line 80, a
//! whole-text pattern 60, record-shaped lines 40–60 by the share of sampled lines that match, a
//! specific file name +30, a generic extension +5. Below 30 points the file is `unknown`.

use super::ArchiveFormat;
use super::decode::{TextEncoding, head_text, sniff};
use crate::formats::grammar::{FormatCatalog, FormatGrammar};
use crate::kind::FileKind;

/// How much of a file classification reads.
const HEAD_BYTES: usize = 64 * 1024;

/// How many leading bytes [`classify`] needs to decide exactly as it would on the whole file.
pub const CLASSIFY_BYTES: u64 = HEAD_BYTES as u64 + 1;
/// How many non-blank lines the record shape is tested on.
const SAMPLE_LINES: usize = 40;
const MIN_SCORE: i32 = 30;

/// The outcome for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub kind: FileKind,
    /// The grammar that won (its id), when one did.
    pub format: Option<String>,
    /// Text encoding, for text files.
    pub encoding: Option<TextEncoding>,
    /// A short reason a reader can check: `header line 1 matches …`.
    pub reason: String,
}

/// Known binary formats that are not parsed, with what to tell the user.
fn unsupported_binary(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if bytes.len() >= 8 && &bytes[4..8] == b"LfLe" {
        return Some("pre-Vista binary event log (.evt): not read; export it as .evtx or text with Event Viewer");
    }
    if lower.ends_with(".etl") {
        return Some("binary ETW trace (.etl): not read; decode it on Windows with Get-WindowsUpdateLog");
    }
    if bytes.starts_with(b"MDMP") {
        return Some("memory dump: not read");
    }
    None
}

/// True when the head looks binary: NUL bytes that the UTF-16 sniffing did not explain.
fn looks_binary(bytes: &[u8], encoding: TextEncoding) -> bool {
    if matches!(
        encoding,
        TextEncoding::Utf16Le | TextEncoding::Utf16LeBom | TextEncoding::Utf16Be | TextEncoding::Utf16BeBom
    ) {
        return false;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let data_end = head.len() - head.iter().rev().take_while(|&&b| b == 0).count();
    head[..data_end].contains(&0)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

pub fn classify(catalog: &FormatCatalog, path: &str, bytes: &[u8]) -> Classification {
    let name = file_name(path);
    if ArchiveFormat::sniff(bytes).is_some() {
        return Classification {
            kind: FileKind::Archive,
            format: None,
            encoding: None,
            reason: "archive signature".into(),
        };
    }
    // Binary formats first: their magic decides alone.
    for g in &catalog.grammars {
        for (offset, magic) in &g.magic {
            if bytes.get(*offset..offset + magic.len()) == Some(magic.as_slice()) {
                return Classification {
                    kind: g.def.kind,
                    format: Some(g.def.id.clone()),
                    encoding: None,
                    reason: format!("signature {:?} at offset {offset}", String::from_utf8_lossy(magic)),
                };
            }
        }
    }
    if let Some(reason) = unsupported_binary(name, bytes) {
        return Classification {
            kind: FileKind::Unknown,
            format: None,
            encoding: None,
            reason: reason.into(),
        };
    }
    let encoding = sniff(bytes);
    if looks_binary(bytes, encoding) {
        return Classification {
            kind: FileKind::Unknown,
            format: None,
            encoding: None,
            reason: "binary content of no known format".into(),
        };
    }
    let head = head_text(bytes, encoding, HEAD_BYTES);
    // A head cut at HEAD_BYTES may end in a partial line: do not test it.
    let complete = if bytes.len() > HEAD_BYTES {
        head.rsplit_once('\n').map(|(a, _)| a).unwrap_or(&head)
    } else {
        &head
    };
    let lines: Vec<&str> = complete.lines().map(|l| l.trim_end_matches('\r')).collect();
    let sample: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE_LINES)
        .collect();

    let mut best: Option<(i32, i32, &FormatGrammar, String)> = None;
    for g in &catalog.grammars {
        let (content, mut reason) = content_score(g, &lines, &sample, complete);
        let mut score = content;
        if g.names.is_match(name) {
            score += 30;
            if content == 0 {
                reason = format!("file name {name:?} (content not recognized)");
            }
        } else if content > 0
            && extension(name).is_some_and(|e| g.def.detect.extensions.iter().any(|x| x.eq_ignore_ascii_case(&e)))
        {
            score += 5;
        }
        let better = match &best {
            None => true,
            Some((s, p, _, _)) => score > *s || (score == *s && g.def.detect.priority > *p),
        };
        if score >= MIN_SCORE && better {
            best = Some((score, g.def.detect.priority, g, reason));
        }
    }
    match best {
        Some((_, _, g, reason)) => Classification {
            kind: g.def.kind,
            format: Some(g.def.id.clone()),
            encoding: Some(encoding),
            reason,
        },
        None => Classification {
            kind: FileKind::Unknown,
            format: None,
            encoding: Some(encoding),
            reason: if sample.is_empty() {
                "empty file".into()
            } else {
                "content matches no known format".into()
            },
        },
    }
}

fn content_score(g: &FormatGrammar, lines: &[&str], sample: &[&str], head: &str) -> (i32, String) {
    let d = &g.def.detect;
    for (i, line) in lines.iter().take(d.header_lines).enumerate() {
        if let Some(re) = g.headers.iter().find(|re| re.is_match(line)) {
            return (80, format!("line {} matches header {:?}", i + 1, re.as_str()));
        }
    }
    if let Some(re) = g.text.iter().find(|re| re.is_match(head)) {
        return (60, format!("text matches {:?}", re.as_str()));
    }
    if let Some(re) = &g.line
        && !sample.is_empty()
    {
        let hits = sample.iter().filter(|l| re.is_match(l)).count();
        if hits >= d.min_lines.min(sample.len()).max(1) {
            let share = (hits * 20 / sample.len()) as i32;
            return (
                40 + share,
                format!("{hits} of {} sampled lines have the record shape", sample.len()),
            );
        }
    }
    (0, String::new())
}
