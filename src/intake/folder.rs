//! Folder bundles: every regular file under the folder, symbolic links not followed (a link can
//! point outside the bundle or loop), archives opened in place through a memory map.

use super::{ArchiveFormat, ArchiveIdentity, BundleFile, Bytes, Source, Walker};
use crate::records::Problem;
use std::io::Read;
use std::path::Path;
use walkdir::WalkDir;

pub(super) fn walk(root: &Path, walker: &mut Walker<'_>) {
    let entries = WalkDir::new(root).follow_links(false).sort_by_file_name().min_depth(1);
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(root, p))
                    .unwrap_or_else(|| "(unknown)".into());
                walker.push(BundleFile {
                    path,
                    size: 0,
                    source: Source::Unreadable,
                    is_archive: false,
                    problems: vec![Problem::new(format!("cannot read: {e}"))],
                });
                continue;
            }
        };
        let path = relative(root, entry.path());
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if file_type.is_symlink() {
            walker.push(BundleFile {
                path,
                size: 0,
                source: Source::Unreadable,
                is_archive: false,
                problems: vec![Problem::new("symbolic link: not followed")],
            });
            continue;
        }
        if !file_type.is_file() {
            walker.push(BundleFile {
                path,
                size: 0,
                source: Source::Unreadable,
                is_archive: false,
                problems: vec![Problem::new("not a regular file (device, socket or pipe): skipped")],
            });
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        match sniff_file(entry.path()) {
            Ok(Some(format)) => open_archive(walker, entry.path(), path, size, format),
            Ok(None) => walker.push(BundleFile {
                path,
                size,
                source: Source::Disk(entry.path().to_path_buf()),
                is_archive: false,
                problems: Vec::new(),
            }),
            Err(e) => walker.push(BundleFile {
                path,
                size,
                source: Source::Unreadable,
                is_archive: false,
                problems: vec![Problem::new(format!("cannot read file: {e}"))],
            }),
        }
    }
}

fn open_archive(walker: &mut Walker<'_>, disk: &Path, path: String, size: u64, format: ArchiveFormat) {
    let index = walker.files.len();
    walker.push(BundleFile {
        path,
        size,
        source: Source::Disk(disk.to_path_buf()),
        is_archive: true,
        problems: Vec::new(),
    });
    if walker.files.len() == index {
        return;
    }
    let prefix = walker.files[index].path.clone();
    let mut problems = Vec::new();
    match Bytes::map_file(disk) {
        Ok(bytes) => {
            let identity = ArchiveIdentity::of(&bytes);
            walker.expand(format, bytes, &prefix, 1, &[identity], &mut problems);
        }
        Err(e) => problems.push(Problem::new(format!("cannot read archive: {e}"))),
    }
    walker.files[index].problems.extend(problems);
}

/// Reads the first bytes to see whether a file is an archive intake should open.
fn sniff_file(path: &Path) -> std::io::Result<Option<ArchiveFormat>> {
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        let got = file.read(&mut head[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(ArchiveFormat::sniff(&head[..n]))
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
