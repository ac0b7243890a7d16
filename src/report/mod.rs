//! Reports: one file per output shape. [`json`] is the machine contract (CONTRACT.md), [`human`]
//! renders findings for a terminal with miette, [`inventory`] prints the file table.

pub mod html;
pub mod human;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod sarif;

/// Output shapes the CLI accepts (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    Markdown,
    Sarif,
    Html,
}
