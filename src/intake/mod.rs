//! Intake: from a path (folder, `.zip`, `.cab` or a single file) to the list of every file the
//! bundle holds, archives inside archives included.
//!
//! Flow: [`open_bundle`] walks the folder or opens the archive, normalizes member names
//! ([`paths`]), expands nested archives up to [`Limits::max_depth`], and returns a [`Bundle`]: one
//! [`BundleFile`] per file, each with a [`Source`] that can produce its bytes on demand (a memory
//! map, a buffer, or a zip member decompressed when a worker thread asks for it). Nothing is ever
//! written to disk. Every hazard met on the way (traversal names, bombs, encrypted or truncated
//! archives, collisions, unreadable files) becomes a [`Problem`] on the file it concerns.
//!
//! What a file *is* ([`classify`]) and how its text is decoded ([`decode`]) are decided later,
//! per file, in parallel.

pub mod bytes;
mod cab;
pub mod classify;
pub mod decode;
mod folder;
pub mod limits;
pub mod paths;
mod zip;

use crate::records::Problem;
pub use bytes::Bytes;
pub use limits::Limits;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every file of one bundle, in a stable order (sorted by path).
#[derive(Debug)]
pub struct Bundle {
    /// The bundle path as the user gave it.
    pub path: String,
    pub files: Vec<BundleFile>,
    /// Problems of the bundle itself (e.g. a truncated top-level archive).
    pub problems: Vec<Problem>,
}

/// One file of a bundle, not yet read.
#[derive(Debug)]
pub struct BundleFile {
    /// Path inside the bundle, `/`-separated; members of nested archives as `outer.zip/inner/x.log`.
    pub path: String,
    /// Size in bytes (uncompressed), as far as known before reading.
    pub size: u64,
    pub source: Source,
    /// True for an archive that intake opened; its members follow it in the list.
    pub is_archive: bool,
    pub problems: Vec<Problem>,
}

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A plain file of a folder bundle, memory-mapped when read.
    Disk(PathBuf),
    /// Bytes already in memory (cab members, nested archives, members peeked during intake).
    Memory(Bytes),
    /// A zip member, decompressed on demand by whichever thread parses it.
    ZipMember(zip::ZipMember),
    /// Nothing can be read (encrypted, over a limit, I/O error): the problems say why.
    Unreadable,
}

impl Source {
    /// Reads the bytes. Errors are problems of this file; a partial read returns what was read
    /// together with the problem.
    pub fn load(&self, limits: &Limits) -> (Option<Bytes>, Vec<Problem>) {
        match self {
            Source::Disk(path) => match Bytes::map_file(path) {
                Ok(b) => (Some(b), Vec::new()),
                Err(e) => (None, vec![Problem::new(format!("cannot read file: {e}"))]),
            },
            Source::Memory(b) => (Some(b.clone()), Vec::new()),
            Source::ZipMember(m) => m.load(limits),
            Source::Unreadable => (None, Vec::new()),
        }
    }
}

impl Source {
    /// The first `n` bytes, cheaply (a zip member is decompressed only that far), for
    /// classification before the full read. `None` when nothing can be read.
    pub fn load_head(&self, n: u64) -> Option<Bytes> {
        match self {
            Source::Disk(path) => {
                let b = Bytes::map_file(path).ok()?;
                let head = b[..b.len().min(n as usize)].to_vec();
                Some(Bytes::from_vec(head))
            }
            Source::Memory(b) => Some(Bytes::from_vec(b[..b.len().min(n as usize)].to_vec())),
            Source::ZipMember(m) => m.load_head(n),
            Source::Unreadable => None,
        }
    }
}

/// Why a bundle could not be opened at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BundleError {
    #[error("cannot open bundle {path}: {source}")]
    #[diagnostic(code(wsus_triage::bundle_unreadable), help("check the path and your permissions"))]
    Io { path: String, source: std::io::Error },
}

/// Magic numbers of the containers intake opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Zip,
    Cab,
}

impl ArchiveFormat {
    pub fn sniff(bytes: &[u8]) -> Option<ArchiveFormat> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") || bytes.starts_with(b"PK\x07\x08") {
            Some(ArchiveFormat::Zip)
        } else if bytes.starts_with(b"MSCF") {
            Some(ArchiveFormat::Cab)
        } else {
            None
        }
    }
}

/// Opens a bundle: a folder, a `.zip`/`.cab`, or a single file (a bundle of one).
pub fn open_bundle(path: &Path, limits: &Limits) -> Result<Bundle, BundleError> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| BundleError::Io {
        path: display.clone(),
        source,
    })?;
    let mut walker = Walker::new(limits);
    if meta.is_dir() {
        folder::walk(path, &mut walker);
    } else {
        let bytes = Bytes::map_file(path).map_err(|source| BundleError::Io {
            path: display.clone(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| display.clone());
        match ArchiveFormat::sniff(&bytes) {
            Some(format) => {
                let identity = ArchiveIdentity::of(&bytes);
                let mut problems = Vec::new();
                walker.expand(format, bytes, "", 1, &[identity], &mut problems);
                walker.bundle_problems.extend(problems);
            }
            None => {
                // A ticket upload named .zip that is not one (an HTML error page, a 7z, a
                // truncated first block) is read as a plain file, and says so.
                let lower = name.to_ascii_lowercase();
                let problems = [(".zip", "zip", "PK"), (".cab", "cabinet", "MSCF")]
                    .iter()
                    .filter(|(ext, _, _)| lower.ends_with(ext))
                    .map(|(ext, what, magic)| {
                        Problem::new(format!(
                            "named {ext} but is not a {what} archive (no {magic} signature): read as a plain file"
                        ))
                    })
                    .collect();
                walker.push(BundleFile {
                    path: name,
                    size: meta.len(),
                    source: Source::Disk(path.to_path_buf()),
                    is_archive: false,
                    problems,
                })
            }
        }
    }
    Ok(walker.finish(display))
}

impl Bundle {
    /// A bundle of in-memory files (signature examples, tests). Archives among them are opened.
    pub fn from_memory(name: &str, files: Vec<(String, Vec<u8>)>, limits: &Limits) -> Bundle {
        let mut walker = Walker::new(limits);
        for (path, bytes) in files {
            walker.member_in_memory(path, Bytes::from_vec(bytes), 0, &[], Vec::new());
        }
        walker.finish(name.to_string())
    }
}

/// Identifies an archive's content so an archive that contains itself is recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArchiveIdentity {
    len: u64,
    crc32: u32,
}

impl ArchiveIdentity {
    pub(crate) fn of(bytes: &[u8]) -> ArchiveIdentity {
        ArchiveIdentity {
            len: bytes.len() as u64,
            crc32: crc32fast::hash(bytes),
        }
    }
}

/// Collects files while walking folders and archives, enforcing the bundle-wide budgets.
pub(crate) struct Walker<'l> {
    limits: &'l Limits,
    files: Vec<BundleFile>,
    bundle_problems: Vec<Problem>,
    /// Uncompressed bytes taken from archives so far.
    total_bytes: u64,
    /// How many times each normalized path was seen, to disambiguate collisions.
    seen: HashMap<String, u32>,
    members_refused: bool,
}

impl<'l> Walker<'l> {
    fn new(limits: &'l Limits) -> Walker<'l> {
        Walker {
            limits,
            files: Vec::new(),
            bundle_problems: Vec::new(),
            total_bytes: 0,
            seen: HashMap::new(),
            members_refused: false,
        }
    }

    /// True while the member-count budget allows another file.
    pub(crate) fn has_room(&mut self) -> bool {
        self.files.len() < self.limits.max_members
    }

    /// Reserves uncompressed bytes from the bundle budget; false when the budget is exhausted.
    pub(crate) fn reserve(&mut self, bytes: u64) -> bool {
        if self.total_bytes.saturating_add(bytes) > self.limits.max_total_bytes {
            return false;
        }
        self.total_bytes += bytes;
        true
    }

    /// Records, once, that the member-count limit stopped the listing.
    pub(crate) fn member_limit_reached(&mut self) {
        if !self.members_refused {
            self.members_refused = true;
            self.bundle_problems.push(Problem::new(format!(
                "more than {} files: the rest of the bundle was not listed (raise --max-members)",
                self.limits.max_members
            )));
        }
    }

    /// Adds a file, renaming it `name#2`, `name#3`… when its normalized path is already taken.
    pub(crate) fn push(&mut self, mut file: BundleFile) {
        if !self.has_room() {
            self.member_limit_reached();
            return;
        }
        let key = file.path.to_ascii_lowercase();
        let count = self.seen.entry(key).or_insert(0);
        *count += 1;
        if *count > 1 {
            let original = file.path.clone();
            file.path = format!("{original}#{count}");
            file.problems.push(Problem::new(format!(
                "name collides with another file after normalization (Windows names are case-insensitive); listed as {}",
                file.path
            )));
        }
        self.files.push(file);
    }

    /// Lists an archive's members under `prefix`, recursing into nested archives.
    /// `ancestors` are the archives this one sits in (itself included), to catch self-containment.
    pub(crate) fn expand(
        &mut self,
        format: ArchiveFormat,
        bytes: Bytes,
        prefix: &str,
        depth: u32,
        ancestors: &[ArchiveIdentity],
        problems: &mut Vec<Problem>,
    ) {
        match format {
            ArchiveFormat::Zip => zip::expand(self, bytes, prefix, depth, ancestors, problems),
            ArchiveFormat::Cab => cab::expand(self, bytes, prefix, depth, ancestors, problems),
        }
    }

    /// Handles one archive member whose bytes are in memory: lists it, and opens it when it is
    /// itself an archive and the depth allows.
    pub(crate) fn member_in_memory(
        &mut self,
        path: String,
        bytes: Bytes,
        depth: u32,
        ancestors: &[ArchiveIdentity],
        mut problems: Vec<Problem>,
    ) {
        let size = bytes.len() as u64;
        match ArchiveFormat::sniff(&bytes) {
            Some(format) => {
                let index = self.files.len();
                self.push(BundleFile {
                    path: path.clone(),
                    size,
                    source: Source::Unreadable,
                    is_archive: true,
                    problems: Vec::new(),
                });
                if self.files.len() == index {
                    return; // member budget exhausted
                }
                let identity = ArchiveIdentity::of(&bytes);
                let path = self.files[index].path.clone();
                if ancestors.contains(&identity) {
                    problems.push(Problem::new(
                        "archive contains itself (a recursive archive): not opened again",
                    ));
                } else if depth >= self.limits.max_depth {
                    problems.push(Problem::new(format!(
                        "archive nested {} levels deep: not opened (limit {}, raise --max-depth)",
                        depth + 1,
                        self.limits.max_depth
                    )));
                } else {
                    let mut chain = ancestors.to_vec();
                    chain.push(identity);
                    self.expand(format, bytes, &path, depth + 1, &chain, &mut problems);
                }
                self.files[index].problems.extend(problems);
            }
            None => self.push(BundleFile {
                path,
                size,
                source: Source::Memory(bytes),
                is_archive: false,
                problems,
            }),
        }
    }

    fn finish(mut self, display: String) -> Bundle {
        // Stable order whatever the archive order or thread count: by path, archives before members.
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Bundle {
            path: display,
            files: self.files,
            problems: self.bundle_problems,
        }
    }
}

pub(crate) fn arc_bytes(v: Vec<u8>) -> Bytes {
    Bytes::Owned(Arc::new(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestResult;

    fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        // A writer error gives no bytes, which the test's assertions reject.
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let written = w
            .start_file(name, ::zip::write::SimpleFileOptions::default())
            .map_err(std::io::Error::other)
            .and_then(|()| w.write_all(data))
            .map_err(|e| e.to_string())
            .and_then(|()| w.finish().map_err(|e| e.to_string()));
        written.map(|c| c.into_inner()).unwrap_or_default()
    }

    #[test]
    fn an_archive_identical_to_one_it_sits_in_is_not_opened_again() -> TestResult {
        // A true zip quine is hard to build; what intake checks is content identity with an
        // ancestor, so present the same bytes as their own ancestor.
        let limits = Limits::default();
        let inner = zip_of("WindowsUpdate.log", b"x");
        let mut walker = Walker::new(&limits);
        walker.member_in_memory(
            "self.zip".into(),
            Bytes::from_vec(inner.clone()),
            1,
            &[ArchiveIdentity::of(&inner)],
            Vec::new(),
        );
        let bundle = walker.finish("b".into());
        assert_eq!(bundle.files.len(), 1, "the members were not listed again");
        assert!(bundle.files[0].problems[0].message.contains("contains itself"));
        Ok(())
    }
}
