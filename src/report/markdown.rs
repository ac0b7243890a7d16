//! Markdown for tickets and postmortems: findings with their cited lines in code blocks, then the
//! file inventory.

use crate::diagnosis::human_time;
use crate::pipeline::BundleReport;
use std::fmt::Write;

pub fn render(bundles: &[BundleReport], with_findings: bool) -> String {
    let mut out = String::new();
    for b in bundles {
        let _ = writeln!(out, "# {}\n", b.bundle);
        if with_findings {
            match (b.findings.is_empty(), b.hidden) {
                (true, None) => out.push_str("No known issue found.\n\n"),
                (true, Some(h)) => {
                    let _ = writeln!(
                        out,
                        "No finding at or above {} ({} below it hidden by `--min-severity`).\n",
                        h.floor.name(),
                        h.count
                    );
                }
                (false, _) => {}
            }
            for f in &b.findings {
                let _ = writeln!(out, "## {} — {}\n", f.signature, f.title);
                let _ = writeln!(
                    out,
                    "**{}**, {} confidence. {}\n",
                    f.severity.name(),
                    f.confidence.name(),
                    f.summary
                );
                for e in &f.evidence {
                    let place = match (e.line, e.record, &e.key) {
                        (Some(l), _, _) => format!("line {l}"),
                        (_, Some(r), _) => format!("record {r}"),
                        (_, _, Some(k)) => format!("key {k}"),
                        _ => String::new(),
                    };
                    let when = e.timestamp.map(|t| format!(", {}", human_time(&t))).unwrap_or_default();
                    let _ = writeln!(out, "`{}` {place}{when}:\n\n```\n{}\n```\n", e.file, e.text);
                }
                let _ = writeln!(out, "**Fix:** {}\n", f.remediation);
                for r in &f.references {
                    let _ = writeln!(out, "- <{r}>");
                }
                out.push('\n');
            }
            if let Some(h) = b.hidden.filter(|_| !b.findings.is_empty()) {
                let _ = writeln!(
                    out,
                    "{} finding(s) below {} hidden by `--min-severity`.\n",
                    h.count,
                    h.floor.name()
                );
            }
        }
        out.push_str("| File | Kind | Encoding | Bytes | Records | Problems |\n|---|---|---|---:|---:|---:|\n");
        for f in &b.files {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                f.path.replace('|', "\\|"),
                f.kind,
                f.encoding.unwrap_or("-"),
                f.bytes,
                f.records.map_or("-".into(), |r| r.to_string()),
                f.problems.len()
            );
        }
        out.push('\n');
    }
    out
}
