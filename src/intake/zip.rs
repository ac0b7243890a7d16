//! Zip archives (the `zip` crate), read from memory: the central directory is parsed once and
//! shared; each member is decompressed only when a worker thread parses it, through a bounded read.
//! An archive whose central directory is damaged or missing (a truncated download) is salvaged by
//! scanning its local headers from the start, under the same per-member limits (ratio, size, total).

use super::paths::{join, normalize_member_name};
use super::{ArchiveIdentity, BundleFile, Bytes, Limits, Source, Walker, arc_bytes};
use crate::records::Problem;
use std::fmt;
use std::io::{Cursor, Read};
use zip::CompressionMethod;
use zip::ZipArchive;
use zip::result::ZipError;

/// Members above this size are checked against the compression-ratio limit; small files of
/// zeros legitimately compress a thousandfold.
const RATIO_CHECK_FLOOR: u64 = 16 << 20;

/// A member of a zip archive, decompressed on demand.
#[derive(Clone)]
pub struct ZipMember {
    archive: ZipArchive<Cursor<Bytes>>,
    index: usize,
    declared_size: u64,
}

impl fmt::Debug for ZipMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZipMember(#{}, {} bytes)", self.index, self.declared_size)
    }
}

impl ZipMember {
    /// The first `n` bytes of the member (for classification), or `None` when it cannot be read.
    pub(super) fn load_head(&self, n: u64) -> Option<Bytes> {
        let mut archive = self.archive.clone();
        let file = archive.by_index(self.index).ok()?;
        let mut buf = Vec::with_capacity(n.min(self.declared_size) as usize);
        let _ = file.take(n).read_to_end(&mut buf);
        Some(arc_bytes(buf))
    }

    /// Decompresses the member, never more than its declared size or the member limit.
    pub(super) fn load(&self, limits: &Limits) -> (Option<Bytes>, Vec<Problem>) {
        let mut archive = self.archive.clone();
        let cap = self.declared_size.min(limits.max_member_bytes);
        let mut problems = Vec::new();
        let mut buf = Vec::with_capacity(cap.min(64 << 20) as usize);
        match archive.by_index(self.index) {
            Ok(file) => {
                if let Err(e) = file.take(cap + 1).read_to_end(&mut buf) {
                    problems.push(Problem::new(format!(
                        "member damaged: {e}; the {} bytes before the damage were read",
                        buf.len()
                    )));
                }
            }
            Err(e) => {
                return (
                    None,
                    vec![Problem::new(format!("cannot decompress member: {}", describe(&e)))],
                );
            }
        }
        if buf.len() as u64 > cap {
            buf.truncate(cap as usize);
            problems.push(Problem::new(format!(
                "member holds more data than its header declares ({} bytes): read stopped there",
                self.declared_size
            )));
        }
        (Some(arc_bytes(buf)), problems)
    }
}

pub(super) fn expand(
    walker: &mut Walker<'_>,
    bytes: Bytes,
    prefix: &str,
    depth: u32,
    ancestors: &[ArchiveIdentity],
    problems: &mut Vec<Problem>,
) {
    let mut archive = match ZipArchive::new(Cursor::new(bytes.clone())) {
        Ok(a) => a,
        Err(e) => {
            salvage(walker, bytes, prefix, depth, ancestors, problems, &e);
            return;
        }
    };
    if archive.has_duplicate_names() {
        problems.push(Problem::new(
            "the central directory lists the same member name more than once: only the last of each was read",
        ));
    }
    let limits = walker.limits;
    for index in 0..archive.len() {
        if !walker.has_room() {
            walker.member_limit_reached();
            return;
        }
        let entry = match archive.by_index_raw(index) {
            Ok(f) => f,
            Err(e) => {
                problems.push(Problem::new(format!("member #{index} unreadable: {}", describe(&e))));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let raw_name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(entry.name_raw()).into_owned());
        let size = entry.size();
        let compressed = entry.compressed_size();
        let encrypted = entry.encrypted();
        let method = entry.compression();
        drop(entry);

        let mut member_problems = Vec::new();
        let path = member_path(prefix, &raw_name, index, &mut member_problems);
        let header = MemberHeader {
            size,
            compressed,
            encrypted,
            method,
        };
        if let Err(message) = admit(walker, &header) {
            member_problems.push(Problem::new(message));
            walker.push(BundleFile {
                path,
                size,
                source: Source::Unreadable,
                is_archive: false,
                problems: member_problems,
            });
            continue;
        }
        let refuse = |walker: &mut Walker<'_>, message: String, mut member_problems: Vec<Problem>| {
            member_problems.push(Problem::new(message));
            walker.push(BundleFile {
                path: path.clone(),
                size,
                source: Source::Unreadable,
                is_archive: false,
                problems: member_problems,
            });
        };
        match peek(&mut archive, index) {
            Ok(head) if super::ArchiveFormat::sniff(&head).is_some() => {
                let member = ZipMember {
                    archive: archive.clone(),
                    index,
                    declared_size: size,
                };
                let (loaded, load_problems) = member.load(limits);
                member_problems.extend(load_problems);
                match loaded {
                    Some(b) => walker.member_in_memory(path, b, depth, ancestors, member_problems),
                    None => walker.push(BundleFile {
                        path,
                        size,
                        source: Source::Unreadable,
                        is_archive: true,
                        problems: member_problems,
                    }),
                }
            }
            Ok(_) => {
                let member = ZipMember {
                    archive: archive.clone(),
                    index,
                    declared_size: size,
                };
                walker.push(BundleFile {
                    path,
                    size,
                    source: Source::ZipMember(member),
                    is_archive: false,
                    problems: member_problems,
                });
            }
            Err(e) => refuse(
                walker,
                format!("cannot decompress member: {}", describe(&e)),
                member_problems,
            ),
        }
    }
}

/// The bundle path of member `index` named `raw_name`, normalized; an unsafe name (`..`, absolute,
/// drive letter) is reported in `problems`, whichever header the name came from.
fn member_path(prefix: &str, raw_name: &str, index: usize, problems: &mut Vec<Problem>) -> String {
    let normalized = normalize_member_name(raw_name);
    if !normalized.changes.is_empty() {
        problems.push(Problem::new(format!(
            "member name {raw_name:?} is unsafe ({}): listed under its normalized name",
            normalized.changes.join(", ")
        )));
    }
    if normalized.path.is_empty() {
        join(prefix, &format!("member-{index}"))
    } else {
        join(prefix, &normalized.path)
    }
}

/// What a member's header (central or local) says about it, enough to decide whether to read it.
struct MemberHeader {
    size: u64,
    compressed: u64,
    encrypted: bool,
    method: CompressionMethod,
}

/// The per-member limits, the same whether the central directory or a salvaged local header
/// describes the member: `Err` says why it is not read; `Ok` has reserved its size from the
/// bundle budget.
fn admit(walker: &mut Walker<'_>, header: &MemberHeader) -> Result<(), String> {
    let limits = walker.limits;
    let MemberHeader {
        size,
        compressed,
        encrypted,
        method,
    } = *header;
    if encrypted {
        return Err("encrypted member: not read (wsus-triage does not take passwords)".into());
    }
    if !matches!(
        method,
        CompressionMethod::Stored | CompressionMethod::Deflated | CompressionMethod::Deflate64
    ) {
        return Err(format!(
            "compressed with {method:?}, which wsus-triage does not read; recompress with Deflate"
        ));
    }
    if size > RATIO_CHECK_FLOOR && size / compressed.max(1) > limits.max_ratio {
        return Err(format!(
            "suspected zip bomb: {size} bytes from {compressed} compressed (ratio {} > {}); not read (raise --max-ratio)",
            size / compressed.max(1),
            limits.max_ratio
        ));
    }
    if size > limits.max_member_bytes {
        return Err(format!(
            "member of {size} bytes exceeds the member limit of {} bytes (raise --max-member-bytes)",
            limits.max_member_bytes
        ));
    }
    if !walker.reserve(size) {
        return Err(format!(
            "bundle limit of {} uncompressed bytes reached: not read (raise --max-total-bytes)",
            limits.max_total_bytes
        ));
    }
    Ok(())
}

/// The first bytes of a member, to recognize archives inside archives.
fn peek(archive: &mut ZipArchive<Cursor<Bytes>>, index: usize) -> Result<Vec<u8>, ZipError> {
    let file = archive.by_index(index)?;
    let mut head = Vec::with_capacity(8);
    file.take(8).read_to_end(&mut head)?;
    Ok(head)
}

/// Reads members one after another from the local headers, for archives whose central directory
/// cannot be read. What a truncated last member holds up to the cut is kept.
fn salvage(
    walker: &mut Walker<'_>,
    bytes: Bytes,
    prefix: &str,
    depth: u32,
    ancestors: &[ArchiveIdentity],
    problems: &mut Vec<Problem>,
    cause: &ZipError,
) {
    let mut cursor = Cursor::new(&bytes[..]);
    let mut recovered = 0usize;
    let mut stop_reason = None;
    for index in 0.. {
        if !walker.has_room() {
            walker.member_limit_reached();
            break;
        }
        let file = match zip::read::read_zipfile_from_stream(&mut cursor) {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                stop_reason = Some(describe(&e));
                break;
            }
        };
        if file.is_dir() {
            continue;
        }
        let raw_name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(file.name_raw()).into_owned());
        let mut member_problems = vec![Problem::new(
            "recovered from a damaged archive by scanning local headers",
        )];
        let path = member_path(prefix, &raw_name, index, &mut member_problems);
        // The local header declares the sizes (a member written with a data descriptor does not,
        // and stops the scan above), so the limits of an intact archive apply unchanged.
        let header = MemberHeader {
            size: file.size(),
            compressed: file.compressed_size(),
            encrypted: file.encrypted(),
            method: file.compression(),
        };
        if let Err(message) = admit(walker, &header) {
            member_problems.push(Problem::new(message));
            walker.push(BundleFile {
                path,
                size: header.size,
                source: Source::Unreadable,
                is_archive: false,
                problems: member_problems,
            });
            continue; // dropping `file` skips its compressed data
        }
        let cap = header.size;
        let mut buf = Vec::with_capacity(cap.min(64 << 20) as usize);
        let result = file.take(cap + 1).read_to_end(&mut buf);
        if buf.len() as u64 > cap {
            buf.truncate(cap as usize);
            member_problems.push(Problem::new(format!(
                "member holds more data than its header declares ({cap} bytes): read stopped there"
            )));
        }
        recovered += 1;
        if let Err(e) = result {
            member_problems.push(Problem::new(format!(
                "member truncated or damaged ({e}): the {} bytes before the damage were read",
                buf.len()
            )));
            walker.member_in_memory(path, arc_bytes(buf), depth, ancestors, member_problems);
            stop_reason = Some(format!("data ends inside a member ({e})"));
            break;
        }
        walker.member_in_memory(path, arc_bytes(buf), depth, ancestors, member_problems);
    }
    let mut message = format!(
        "zip central directory unreadable ({}); {recovered} member(s) recovered by scanning local headers",
        describe(cause)
    );
    if let Some(reason) = stop_reason {
        message.push_str(&format!("; scanning stopped: {reason}"));
    }
    problems.push(Problem::new(message));
}

fn describe(e: &ZipError) -> String {
    match e {
        ZipError::Io(io) => format!("I/O error: {io}"),
        other => other.to_string(),
    }
}
