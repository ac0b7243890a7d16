//! The knowledge base as data: format grammars, issue signatures and error-code tables, written as
//! TOML under `grammars/` and embedded in the binary. `--grammars DIR` adds files or overrides
//! embedded ones (a file with the same relative path replaces the embedded file).
//!
//! This module only finds and reads the files; each catalog (formats, signatures, codes) parses its
//! own part and reports errors with the file and span where they stand.

use include_dir::{Dir, include_dir};
use miette::{Diagnostic, NamedSource, SourceSpan};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/grammars");

/// One grammar file: its path relative to the grammar root (`formats/iis-w3c.toml`) and its text.
#[derive(Debug, Clone)]
pub struct GrammarFile {
    pub path: String,
    pub text: Arc<str>,
    /// Where it came from, for messages: `embedded` or the directory given with `--grammars`.
    pub origin: String,
}

/// All grammar files of a run, sorted by relative path.
#[derive(Debug, Clone, Default)]
pub struct GrammarFiles {
    pub files: Vec<GrammarFile>,
}

impl GrammarFiles {
    /// The embedded files, then each extra directory in order; later files replace earlier ones.
    pub fn load(extra_dirs: &[PathBuf]) -> Result<GrammarFiles, GrammarError> {
        let mut by_path: BTreeMap<String, GrammarFile> = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut by_path);
        for dir in extra_dirs {
            collect_dir(dir, dir, &mut by_path)?;
        }
        Ok(GrammarFiles {
            files: by_path.into_values().collect(),
        })
    }

    /// Only the embedded files (what tests and library users get by default).
    pub fn embedded() -> GrammarFiles {
        let mut by_path = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut by_path);
        GrammarFiles {
            files: by_path.into_values().collect(),
        }
    }

    /// Files under one top-level folder (`formats`, `signatures`, `codes`).
    pub fn under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = &'a GrammarFile> + 'a {
        self.files.iter().filter(move |f| {
            f.path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/')) && f.path.ends_with(".toml")
        })
    }
}

fn collect_embedded(dir: &Dir<'_>, out: &mut BTreeMap<String, GrammarFile>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(text) = file.contents_utf8() {
            out.insert(
                path.clone(),
                GrammarFile {
                    path,
                    text: Arc::from(text),
                    origin: "embedded".into(),
                },
            );
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn collect_dir(root: &Path, dir: &Path, out: &mut BTreeMap<String, GrammarFile>) -> Result<(), GrammarError> {
    let entries = std::fs::read_dir(dir).map_err(|e| GrammarError::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_dir(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|e| GrammarError::io(&path, e))?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(
                rel.clone(),
                GrammarFile {
                    path: rel,
                    text: Arc::from(text),
                    origin: root.display().to_string(),
                },
            );
        }
    }
    Ok(())
}

/// A grammar file that cannot be used, with the place in it that is wrong.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct GrammarError(Box<GrammarErrorKind>);

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum GrammarErrorKind {
    #[error("cannot read grammar files in {path}: {message}")]
    #[diagnostic(code(wsus_triage::grammar_io))]
    Io { path: String, message: String },
    #[error("grammar file {path}: {message}")]
    #[diagnostic(code(wsus_triage::grammar_invalid))]
    Invalid {
        path: String,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: Option<SourceSpan>,
    },
}

impl GrammarError {
    fn io(path: &Path, e: std::io::Error) -> GrammarError {
        GrammarError(Box::new(GrammarErrorKind::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }))
    }

    /// An error in a file, located by a byte range when the parser gave one.
    pub fn invalid(
        file: &GrammarFile,
        message: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
    ) -> GrammarError {
        let name = if file.origin == "embedded" {
            format!("grammars/{}", file.path)
        } else {
            format!("{}/{}", file.origin, file.path)
        };
        GrammarError(Box::new(GrammarErrorKind::Invalid {
            path: name.clone(),
            message: message.into(),
            src: NamedSource::new(name, file.text.to_string()),
            span: span.map(|r| SourceSpan::new(r.start.into(), r.end.saturating_sub(r.start))),
        }))
    }

    /// Parses a TOML grammar file into `T`, turning a syntax or schema error into a located error.
    pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &GrammarFile) -> Result<T, GrammarError> {
        toml::from_str(&file.text).map_err(|e| GrammarError::invalid(file, e.message().to_string(), e.span()))
    }
}
