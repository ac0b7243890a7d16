//! Format grammars: one TOML file per log or configuration format under `grammars/formats/`.
//!
//! A grammar names its file kind and says how to recognize it from content (magic bytes, header
//! lines, the shape of its records, whole-text patterns) with file names only as a hint. It also
//! carries real-shaped example lines that the tests run through detection and the parser.

use crate::grammars::{GrammarError, GrammarFile, GrammarFiles};
use crate::kind::FileKind;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatGrammarDef {
    /// Unique id of the format variant, e.g. `windowsupdate-classic`.
    pub id: String,
    pub kind: FileKind,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub detect: DetectDef,
    /// Record layout. For the kinds the record engine reads ([`super::engine::KINDS`]) it is
    /// compiled into [`FormatGrammar::layout`] (schema: [`super::engine::def`]); other kinds' parsers
    /// read it themselves. Detection ignores it.
    #[serde(default)]
    pub record: Option<toml::Value>,
    /// Example files or lines that must be detected as this format.
    #[serde(default)]
    pub examples: Vec<ExampleDef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectDef {
    /// Specific file names (case-insensitive globs): `WindowsUpdate*.log`. A hint worth 30 points.
    #[serde(default)]
    pub names: Vec<String>,
    /// Generic extensions: `log`, `txt`. A tie-breaker worth 5 points.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Binary signatures; a match is worth 100 points.
    #[serde(default)]
    pub magic: Vec<MagicDef>,
    /// A line among the first `header_lines` that matches one of these is worth 80 points.
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default = "default_header_lines")]
    pub header_lines: usize,
    /// Patterns over the whole decoded head of the file (multi-line); a match is worth 60 points.
    #[serde(default)]
    pub text: Vec<String>,
    /// The shape of a record line: worth 40 to 60 points by the share of sampled lines that match.
    #[serde(default)]
    pub line: Option<String>,
    /// How many of the sampled lines must match `line` at least.
    #[serde(default = "default_min_lines")]
    pub min_lines: usize,
    /// Breaks ties between formats with equal scores (higher wins).
    #[serde(default)]
    pub priority: i32,
}

fn default_header_lines() -> usize {
    20
}

fn default_min_lines() -> usize {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MagicDef {
    #[serde(default)]
    pub offset: usize,
    /// The bytes, as a string with `\u0000`-style escapes.
    pub bytes: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    /// A file name to classify the example under (defaults to `example.log`).
    #[serde(default)]
    pub name: Option<String>,
    pub text: String,
    /// Records the parser must produce from `text` (when the format has a parser).
    #[serde(default)]
    pub records: Option<u64>,
}

/// A grammar ready for detection.
#[derive(Debug)]
pub struct FormatGrammar {
    pub def: FormatGrammarDef,
    pub names: GlobSet,
    pub magic: Vec<(usize, Vec<u8>)>,
    pub headers: Vec<Regex>,
    pub text: Vec<Regex>,
    pub line: Option<Regex>,
    /// The compiled `[record]` section, for the kinds the record engine reads.
    pub layout: Option<super::engine::def::RecordLayout>,
}

/// Every format grammar of a run.
#[derive(Debug, Default)]
pub struct FormatCatalog {
    pub grammars: Vec<FormatGrammar>,
}

impl FormatCatalog {
    pub fn from_files(files: &GrammarFiles) -> Result<FormatCatalog, GrammarError> {
        let mut grammars = Vec::new();
        for file in files.under("formats") {
            let def: FormatGrammarDef = GrammarError::parse_toml(file)?;
            grammars.push(compile(file, def)?);
        }
        let mut seen = std::collections::HashSet::new();
        for g in &grammars {
            if !seen.insert(g.def.id.clone()) {
                let file = files
                    .under("formats")
                    .find(|f| f.text.contains(&format!("\"{}\"", g.def.id)));
                if let Some(file) = file {
                    return Err(GrammarError::invalid(
                        file,
                        format!("format id {:?} is defined twice", g.def.id),
                        None,
                    ));
                }
            }
        }
        Ok(FormatCatalog { grammars })
    }

    pub fn get(&self, id: &str) -> Option<&FormatGrammar> {
        self.grammars.iter().find(|g| g.def.id == id)
    }
}

fn compile(file: &GrammarFile, def: FormatGrammarDef) -> Result<FormatGrammar, GrammarError> {
    let regex = |pattern: &str| {
        Regex::new(pattern).map_err(|e| {
            let at = file.text.find(pattern).map(|s| s..s + pattern.len());
            GrammarError::invalid(file, format!("invalid regular expression: {e}"), at)
        })
    };
    let mut names = GlobSetBuilder::new();
    for name in &def.detect.names {
        let glob = GlobBuilder::new(name)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                GrammarError::invalid(
                    file,
                    format!("invalid file-name pattern {name:?}: {e}"),
                    file.text.find(name.as_str()).map(|s| s..s + name.len()),
                )
            })?;
        names.add(glob);
    }
    let names = names
        .build()
        .map_err(|e| GrammarError::invalid(file, e.to_string(), None))?;
    let layout = if super::engine::KINDS.contains(&def.kind) && def.record.is_some() {
        super::engine::def::RecordLayout::from_file(file)?
    } else {
        None
    };
    Ok(FormatGrammar {
        layout,
        names,
        magic: def
            .detect
            .magic
            .iter()
            .map(|m| (m.offset, m.bytes.as_bytes().to_vec()))
            .collect(),
        headers: def.detect.headers.iter().map(|p| regex(p)).collect::<Result<_, _>>()?,
        text: def.detect.text.iter().map(|p| regex(p)).collect::<Result<_, _>>()?,
        line: def.detect.line.as_deref().map(regex).transpose()?,
        def,
    })
}
