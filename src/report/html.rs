//! A single self-contained HTML page (`--format html`) to attach to a ticket: findings with their
//! cited lines and remediation, then the file inventory. No scripts, no external resources.

use crate::diagnosis::human_time;
use crate::pipeline::BundleReport;
use std::fmt::Write;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\
.error{border-left:6px solid #c62828}.warning{border-left:6px solid #ef6c00}.info{border-left:6px solid #1565c0}\
.finding{padding-left:1em;margin-bottom:2em}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}\
td.n{text-align:right}";

pub fn render(bundles: &[BundleReport], with_findings: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>wsus-triage report</title><style>{STYLE}</style></head><body>\n"
    );
    for b in bundles {
        let _ = writeln!(out, "<h1>{}</h1>", esc(&b.bundle));
        if with_findings {
            match (b.findings.is_empty(), b.hidden) {
                (true, None) => out.push_str("<p>No known issue found.</p>\n"),
                (true, Some(h)) => {
                    let _ = writeln!(
                        out,
                        "<p>No finding at or above {} ({} below it hidden by <code>--min-severity</code>).</p>",
                        h.floor.name(),
                        h.count
                    );
                }
                (false, Some(h)) => {
                    let _ = writeln!(
                        out,
                        "<p>{} finding(s) below {} hidden by <code>--min-severity</code>.</p>",
                        h.count,
                        h.floor.name()
                    );
                }
                (false, None) => {}
            }
            for f in &b.findings {
                let _ = writeln!(
                    out,
                    "<div class=\"finding {}\"><h2>{} — {}</h2><p><b>{}</b>, {} confidence. {}</p>",
                    f.severity.name(),
                    esc(&f.signature),
                    esc(&f.title),
                    f.severity.name(),
                    f.confidence.name(),
                    esc(&f.summary)
                );
                for e in &f.evidence {
                    let place = match (e.line, e.record, &e.key) {
                        (Some(l), _, _) => format!("line {l}"),
                        (_, Some(r), _) => format!("record {r}"),
                        (_, _, Some(k)) => format!("key {}", esc(k)),
                        _ => String::new(),
                    };
                    let when = e.timestamp.map(|t| format!(", {}", human_time(&t))).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "<p><code>{}</code> {place}{}</p><pre>{}</pre>",
                        esc(&e.file),
                        esc(&when),
                        esc(&e.text)
                    );
                }
                let _ = writeln!(out, "<p><b>Fix:</b> {}</p><ul>", esc(&f.remediation));
                for r in &f.references {
                    let _ = writeln!(out, "<li><a href=\"{0}\">{0}</a></li>", esc(r));
                }
                out.push_str("</ul></div>\n");
            }
        }
        out.push_str("<h2>Files</h2><table><tr><th>File</th><th>Kind</th><th>Encoding</th><th>Bytes</th><th>Records</th><th>Problems</th></tr>\n");
        for f in &b.files {
            let problems: Vec<String> = f.problems.iter().map(|p| esc(&p.to_string())).collect();
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&f.path),
                f.kind,
                f.encoding.unwrap_or("-"),
                f.bytes,
                f.records.map_or("-".into(), |r| r.to_string()),
                problems.join("<br>")
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}
