//! The JSON contract of `analyze` and `inventory` (CONTRACT.md, schema `wsus-triage/v1`).
//! Field order is fixed by the structs; nothing run-dependent (times, thread count) goes in,
//! so the same bundle gives byte-identical output.

use crate::pipeline::BundleReport;
use serde::Serialize;

pub const SCHEMA: &str = "wsus-triage/v1";

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    tool: Tool,
    bundles: &'a [BundleReport],
}

/// The whole `analyze --format json` document, pretty-printed, with a final newline.
pub fn document(bundles: &[BundleReport]) -> String {
    let doc = Document {
        schema: SCHEMA,
        tool: Tool {
            name: "wsus-triage",
            version: crate::VERSION,
        },
        bundles,
    };
    // invariant: the report types serialize infallibly (no maps with non-string keys, no NaN).
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// One bundle as a single JSON line (`--format jsonl`).
pub fn bundle_line(bundle: &BundleReport) -> String {
    let mut text = serde_json::to_string(bundle).unwrap_or_default();
    text.push('\n');
    text
}
