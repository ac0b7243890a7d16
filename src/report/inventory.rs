//! `inventory --format human`: one row per file (kind, encoding, size, records, problems), then
//! every problem and every skipped file with its reason.

use crate::pipeline::BundleReport;
use std::fmt::Write;

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub fn render(bundles: &[BundleReport]) -> String {
    let mut out = String::new();
    for b in bundles {
        let _ = writeln!(out, "Bundle {}: {} files", b.bundle, b.files.len());
        let rows: Vec<[String; 6]> = b
            .files
            .iter()
            .map(|f| {
                [
                    f.path.clone(),
                    f.kind.to_string(),
                    f.encoding.unwrap_or("-").to_string(),
                    human_bytes(f.bytes),
                    f.records.map_or("-".to_string(), |r| r.to_string()),
                    if f.problems.is_empty() {
                        String::new()
                    } else {
                        f.problems.len().to_string()
                    },
                ]
            })
            .collect();
        let header = ["PATH", "KIND", "ENCODING", "SIZE", "RECORDS", "PROBLEMS"].map(String::from);
        let mut widths = header.clone().map(|h| h.len());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        for r in std::iter::once(&header).chain(rows.iter()) {
            let mut line = String::new();
            for (i, (c, w)) in r.iter().zip(widths).enumerate() {
                let pad = w - c.chars().count();
                if i == 3 || i == 4 {
                    let _ = write!(line, "{}{c}  ", " ".repeat(pad));
                } else {
                    let _ = write!(line, "{c}{}  ", " ".repeat(pad));
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        for p in &b.problems {
            let _ = writeln!(out, "bundle: {p}");
        }
        let mut details = String::new();
        for f in &b.files {
            for p in &f.problems {
                let _ = writeln!(details, "  {}: {p}", f.path);
            }
            if let Some(why) = &f.skipped
                && f.kind != crate::kind::FileKind::Archive
            {
                let _ = writeln!(details, "  {}: not parsed: {why}", f.path);
            }
            for n in &f.notes {
                let _ = writeln!(details, "  {}: note: {n}", f.path);
            }
            if let Some(tz) = &f.time_zone
                && tz != "UTC"
            {
                let _ = writeln!(details, "  {}: time zone: {tz}", f.path);
            }
        }
        if !details.is_empty() {
            out.push_str("\nDetails:\n");
            out.push_str(&details);
        }
        let records: u64 = b.files.iter().filter_map(|f| f.records).sum();
        let parsed = b.files.iter().filter(|f| f.records.is_some()).count();
        let _ = writeln!(
            out,
            "\n{parsed} of {} files parsed, {records} records.\n",
            b.files.len()
        );
    }
    out
}
