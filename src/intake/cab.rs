//! Cabinet files (`.cab`, MSZIP and LZX folders) through the `cab` crate.
//!
//! A cab folder is one compressed stream holding many files; the crate's `read_file` decompresses
//! its folder from the start for every file it is asked for, which is quadratic on a bundle of
//! hundreds of logs. So the header is read here first (it is small and fully specified), and each
//! folder is streamed once: the first file of the folder is presented to the crate, through a patched
//! view of the header, as if it spanned the whole folder, and the stream is cut into the real files.
//! The same header walk gives exact compressed and uncompressed folder sizes for the bomb check.

use super::paths::{join, normalize_member_name};
use super::{ArchiveIdentity, BundleFile, Bytes, Source, Walker, arc_bytes};
use crate::records::Problem;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

#[derive(Debug, Clone)]
struct CabFile {
    name: String,
    size: u32,
    offset: u32,
    folder: u16,
    /// Byte offset of this entry's `cbFile` field in the cabinet.
    size_field_at: usize,
}

#[derive(Debug, Clone, Default)]
struct CabFolder {
    compression: u16,
    compressed: u64,
    uncompressed: u64,
}

#[derive(Debug)]
struct CabHeader {
    folders: Vec<CabFolder>,
    files: Vec<CabFile>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn cstring_at(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..)?;
    let end = memchr::memchr(0, rest)?;
    Some((&rest[..end], at + end + 1))
}

/// Reads CFHEADER, CFFOLDER, CFFILE and the CFDATA block headers (MS-CAB).
fn parse_header(b: &[u8]) -> Result<CabHeader, String> {
    let truncated = || "cabinet header truncated".to_string();
    if !b.starts_with(b"MSCF") {
        return Err("not a cabinet".into());
    }
    let files_at = u32_at(b, 16).ok_or_else(truncated)? as usize;
    let n_folders = u16_at(b, 26).ok_or_else(truncated)? as usize;
    let n_files = u16_at(b, 28).ok_or_else(truncated)? as usize;
    let flags = u16_at(b, 30).ok_or_else(truncated)?;
    let mut at = 36;
    let (mut folder_reserve, mut data_reserve) = (0usize, 0usize);
    if flags & 0x0004 != 0 {
        let header_reserve = u16_at(b, 36).ok_or_else(truncated)? as usize;
        folder_reserve = *b.get(38).ok_or_else(truncated)? as usize;
        data_reserve = *b.get(39).ok_or_else(truncated)? as usize;
        at = 40 + header_reserve;
    }
    for flag in [0x0001u16, 0x0002] {
        if flags & flag != 0 {
            for _ in 0..2 {
                let (_, next) = cstring_at(b, at).ok_or_else(truncated)?;
                at = next;
            }
        }
    }
    if flags & 0x0003 != 0 {
        return Err("cabinet is part of a multi-cabinet set (spanning cabinets are not read)".into());
    }
    let mut folders = Vec::with_capacity(n_folders);
    for _ in 0..n_folders {
        let data_at = u32_at(b, at).ok_or_else(truncated)? as usize;
        let blocks = u16_at(b, at + 4).ok_or_else(truncated)?;
        let compression = u16_at(b, at + 6).ok_or_else(truncated)?;
        at += 8 + folder_reserve;
        let mut folder = CabFolder {
            compression,
            ..CabFolder::default()
        };
        let mut block_at = data_at;
        for _ in 0..blocks {
            let (Some(c), Some(u)) = (u16_at(b, block_at + 4), u16_at(b, block_at + 6)) else {
                break; // truncated data: the reader reports where it stops
            };
            folder.compressed += c as u64;
            folder.uncompressed += u as u64;
            block_at += 8 + data_reserve + c as usize;
        }
        folders.push(folder);
    }
    let mut files = Vec::with_capacity(n_files);
    let mut at = files_at;
    for _ in 0..n_files {
        let size = u32_at(b, at).ok_or_else(truncated)?;
        let offset = u32_at(b, at + 4).ok_or_else(truncated)?;
        let folder = u16_at(b, at + 8).ok_or_else(truncated)?;
        let attribs = u16_at(b, at + 14).ok_or_else(truncated)?;
        let (raw, next) = cstring_at(b, at + 16).ok_or_else(truncated)?;
        // attribute 0x80 = name is UTF-8; otherwise the OEM code page, of which ASCII is the safe part.
        let name = if attribs & 0x80 != 0 {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(raw);
            text.into_owned()
        };
        files.push(CabFile {
            name,
            size,
            offset,
            folder,
            size_field_at: at,
        });
        at = next;
    }
    Ok(CabHeader { folders, files })
}

/// A read-only view of the cabinet bytes with a few 4-byte fields replaced.
#[derive(Clone)]
struct PatchedCab {
    inner: Cursor<Bytes>,
    patches: Vec<(u64, [u8; 4])>,
}

impl Read for PatchedCab {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = self.inner.position();
        let n = self.inner.read(buf)?;
        for (at, value) in &self.patches {
            for (i, byte) in value.iter().enumerate() {
                let pos = at + i as u64;
                if pos >= start && pos < start + n as u64 {
                    buf[(pos - start) as usize] = *byte;
                }
            }
        }
        Ok(n)
    }
}

impl Seek for PatchedCab {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
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
    let limits = walker.limits;
    let header = match parse_header(&bytes) {
        Ok(h) => h,
        Err(e) => {
            problems.push(Problem::new(format!("cannot read cabinet: {e}")));
            return;
        }
    };
    for (index, folder) in header.folders.iter().enumerate() {
        let mut files: Vec<&CabFile> = header.files.iter().filter(|f| f.folder as usize == index).collect();
        if files.is_empty() {
            continue;
        }
        files.sort_by_key(|f| f.offset);
        let total: u64 = files.iter().map(|f| f.offset as u64 + f.size as u64).max().unwrap_or(0);
        let refuse_all = |walker: &mut Walker<'_>, message: String| {
            for f in &files {
                let path = join(prefix, &normalize_member_name(&f.name).path);
                walker.push(BundleFile {
                    path,
                    size: f.size as u64,
                    source: Source::Unreadable,
                    is_archive: false,
                    problems: vec![Problem::new(message.clone())],
                });
            }
        };
        let ratio = folder.uncompressed / folder.compressed.max(1);
        if folder.uncompressed > 16 << 20 && ratio > limits.max_ratio {
            refuse_all(
                walker,
                format!(
                    "suspected cabinet bomb: folder of {} bytes from {} compressed (ratio {ratio} > {}); not read (raise --max-ratio)",
                    folder.uncompressed, folder.compressed, limits.max_ratio
                ),
            );
            continue;
        }
        if folder.compression & 0x000F == 2 {
            refuse_all(
                walker,
                "Quantum-compressed cabinet folder: not supported (MSZIP and LZX are)".into(),
            );
            continue;
        }
        if total > limits.max_member_bytes.max(1) * 4 || !walker.reserve(total) {
            refuse_all(
                walker,
                format!("cabinet folder of {total} bytes exceeds the bundle size limits (raise --max-total-bytes)"),
            );
            continue;
        }
        read_folder(walker, &bytes, &header, &files, total, prefix, depth, ancestors);
    }
}

#[allow(clippy::too_many_arguments)]
fn read_folder(
    walker: &mut Walker<'_>,
    bytes: &Bytes,
    header: &CabHeader,
    files: &[&CabFile],
    total: u64,
    prefix: &str,
    depth: u32,
    ancestors: &[ArchiveIdentity],
) {
    let first = files[0];
    let unique = header.files.iter().filter(|f| f.name == first.name).count() == 1;
    let mut stream_problem = None;
    let mut contents: Vec<(Vec<u8>, Option<Problem>)> = Vec::new();
    let opened = if first.offset == 0 && unique && total <= u32::MAX as u64 {
        let reader = PatchedCab {
            inner: Cursor::new(bytes.clone()),
            patches: vec![(first.size_field_at as u64, (total as u32).to_le_bytes())],
        };
        cab::Cabinet::new(reader).and_then(|mut c| {
            let mut stream = c.read_file(&first.name)?;
            let mut pos = 0u64;
            for f in files {
                if stream_problem.is_some() {
                    contents.push((
                        Vec::new(),
                        Some(Problem::new("not read: the folder stream broke before this file")),
                    ));
                    continue;
                }
                if f.offset as u64 > pos {
                    let skip = f.offset as u64 - pos;
                    if let Err(e) = io::copy(&mut (&mut stream).take(skip), &mut io::sink()) {
                        stream_problem = Some(e.to_string());
                    }
                    pos += skip;
                }
                let mut buf = Vec::with_capacity(f.size as usize);
                let result = (&mut stream).take(f.size as u64).read_to_end(&mut buf);
                pos += buf.len() as u64;
                let problem = match result {
                    Err(e) => {
                        stream_problem = Some(e.to_string());
                        Some(Problem::new(format!(
                            "cabinet data damaged ({e}): the {} bytes before the damage were read",
                            buf.len()
                        )))
                    }
                    Ok(n) if (n as u64) < f.size as u64 => {
                        stream_problem = Some("data ends early".into());
                        Some(Problem::new(format!("cabinet truncated: {n} of {} bytes read", f.size)))
                    }
                    Ok(_) => None,
                };
                contents.push((buf, problem));
            }
            Ok(())
        })
    } else {
        // Rare layouts (duplicate names, gaps at the start): fall back to one read per file.
        cab::Cabinet::new(Cursor::new(bytes.clone())).map(|mut c| {
            for f in files {
                let mut buf = Vec::new();
                let problem = match c.read_file(&f.name).and_then(|mut r| r.read_to_end(&mut buf)) {
                    Ok(_) => None,
                    Err(e) => Some(Problem::new(format!("cannot decompress cabinet member: {e}"))),
                };
                contents.push((buf, problem));
            }
        })
    };
    if let Err(e) = opened {
        contents.clear();
        for _ in files {
            contents.push((
                Vec::new(),
                Some(Problem::new(format!("cannot read cabinet folder: {e}"))),
            ));
        }
    }
    for (f, (buf, problem)) in files.iter().zip(contents) {
        let normalized = normalize_member_name(&f.name);
        let mut member_problems = Vec::new();
        if !normalized.changes.is_empty() {
            member_problems.push(Problem::new(format!(
                "member name {:?} is unsafe ({}): listed under its normalized name",
                f.name,
                normalized.changes.join(", ")
            )));
        }
        let path = join(
            prefix,
            if normalized.path.is_empty() {
                "member"
            } else {
                &normalized.path
            },
        );
        let unreadable = problem.as_ref().is_some_and(|_| buf.is_empty());
        member_problems.extend(problem);
        if unreadable {
            walker.push(BundleFile {
                path,
                size: f.size as u64,
                source: Source::Unreadable,
                is_archive: false,
                problems: member_problems,
            });
        } else {
            walker.member_in_memory(path, arc_bytes(buf), depth, ancestors, member_problems);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};
    use std::io::Write;

    fn build(files: &[(&str, &[u8])], ctype: cab::CompressionType) -> Vec<u8> {
        let mut builder = cab::CabinetBuilder::new();
        let folder = builder.add_folder(ctype);
        for (name, _) in files {
            folder.add_file(*name);
        }
        // A writer error gives no bytes, which the test's assertions reject.
        let write = || -> std::io::Result<Vec<u8>> {
            let mut writer = builder.build(Cursor::new(Vec::new()))?;
            let mut data = files.iter().map(|(_, d)| *d);
            while let Some(mut w) = writer.next_file()? {
                w.write_all(data.next().unwrap_or_default())?;
            }
            Ok(writer.finish()?.into_inner())
        };
        write().unwrap_or_default()
    }

    #[test]
    fn header_sizes_match_the_builder() -> TestResult {
        let cab = build(
            &[("a.log", b"hello"), ("dir\\b.log", b"world!")],
            cab::CompressionType::MsZip,
        );
        let h = parse_header(&cab).must()?;
        assert_eq!(h.files.len(), 2);
        assert_eq!(h.files[1].name, "dir\\b.log");
        assert_eq!(h.files[1].offset, 5);
        assert_eq!(h.folders[0].uncompressed, 11);
        Ok(())
    }

    #[test]
    fn truncated_header_is_an_error_not_a_panic() -> TestResult {
        let cab = build(&[("a.log", b"hello")], cab::CompressionType::None);
        for cut in 0..cab.len() {
            let _ = parse_header(&cab[..cut]);
        }
        Ok(())
    }
}
