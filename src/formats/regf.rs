//! The on-disk structure of binary registry hives (regf), read-only: base block, cells, key nodes
//! (`nk`), subkey lists (`lf`, `lh`, `li`, `ri`), values (`vk`) and big data (`db`), after the
//! layout in formats.md §9.4.
//!
//! Bytes flow in, key nodes and raw values flow out; [`registry_hive`](super::registry_hive) walks
//! them and mounts the hive. Nothing here trusts an offset: every cell is bounds-checked, a bad one
//! is a [`HiveError`] with its file offset and the rest of the hive is still read. Written for this
//! project because notatin 1.0.1 (the Apache-2.0 candidate) no longer builds against nom 8 (its
//! `nom >= 6` requirement picks nom 8) and nt-hive is GPL.

use std::borrow::Cow;

/// Size of the base block; cell offsets count from its end.
pub const BASE_BLOCK_SIZE: usize = 4096;
/// Values longer than this are stored in `db` segments (hive minor version > 3).
const BIG_DATA_SEGMENT: usize = 16_344;
/// `nk` flag: the name is Latin-1 (else UTF-16LE).
const KEY_COMP_NAME: u16 = 0x0020;
/// `vk` flag: the name is Latin-1 (else UTF-16LE).
const VALUE_COMP_NAME: u16 = 0x0001;
/// No cell.
pub const NO_CELL: u32 = 0xFFFF_FFFF;

/// Something in the hive that could not be read, at a file offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiveError {
    pub offset: u64,
    pub message: String,
}

impl HiveError {
    fn at(offset: u64, message: impl Into<String>) -> HiveError {
        HiveError {
            offset,
            message: message.into(),
        }
    }
}

/// The header of a hive file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseBlock {
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// FILETIME of the last write.
    pub last_written: u64,
    pub major: u32,
    pub minor: u32,
    pub root_cell: u32,
    pub hbins_size: u32,
    /// The file name Windows recorded at offset 48 (its last 31 characters, for debugging).
    pub embedded_name: String,
    pub checksum_ok: bool,
}

impl BaseBlock {
    /// Sequence numbers differ when the hive was copied between a write and its completion: the
    /// newest changes are still in the transaction logs.
    pub fn is_dirty(&self) -> bool {
        self.primary_sequence != self.secondary_sequence
    }
}

/// A key node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNode {
    /// Cell offset (relative to the hive bins).
    pub offset: u32,
    pub flags: u16,
    pub last_written: u64,
    pub subkey_count: u32,
    pub subkey_list: u32,
    pub value_count: u32,
    pub value_list: u32,
    pub name: String,
}

/// A value as stored: name (empty for the default value), type number, data bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue<'a> {
    pub name: String,
    pub kind: u32,
    pub data: Cow<'a, [u8]>,
}

/// An opened hive.
pub struct Hive<'a> {
    data: &'a [u8],
    pub base: BaseBlock,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// The XOR-32 checksum of the first 508 bytes, with its two reserved results remapped.
pub fn base_block_checksum(block: &[u8]) -> u32 {
    let sum = (0..127).fold(0u32, |acc, i| acc ^ u32_at(block, i * 4).unwrap_or(0));
    match sum {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        s => s,
    }
}

impl<'a> Hive<'a> {
    /// Reads the base block. Fails only when the file is not a hive at all; a bad checksum or a
    /// hive cut short is returned as a problem with the hive.
    pub fn open(data: &'a [u8]) -> Result<(Hive<'a>, Vec<HiveError>), HiveError> {
        let block = data.get(..BASE_BLOCK_SIZE).ok_or_else(|| {
            HiveError::at(
                0,
                format!("{} bytes: shorter than the 4096-byte base block", data.len()),
            )
        })?;
        if &block[..4] != b"regf" {
            return Err(HiveError::at(0, "no `regf` signature"));
        }
        let field = |at: usize| u32_at(block, at).unwrap_or(0);
        let name_bytes = &block[48..112];
        let name_len = name_bytes
            .chunks_exact(2)
            .position(|c| c == [0, 0])
            .map_or(name_bytes.len(), |n| n * 2);
        let checksum_ok = base_block_checksum(block) == field(508);
        let base = BaseBlock {
            primary_sequence: field(4),
            secondary_sequence: field(8),
            last_written: u64_at(block, 12).unwrap_or(0),
            major: field(20),
            minor: field(24),
            root_cell: field(36),
            hbins_size: field(40),
            embedded_name: utf16(&name_bytes[..name_len]),
            checksum_ok,
        };
        let mut problems = Vec::new();
        if !checksum_ok {
            problems.push(HiveError::at(
                508,
                "base block checksum does not match: header may be damaged",
            ));
        }
        let bins = data.len() - BASE_BLOCK_SIZE;
        if base.hbins_size as usize > bins {
            problems.push(HiveError::at(
                40,
                format!(
                    "hive bins should hold {} bytes but the file has {bins} after the base block: truncated hive, reading what is there",
                    base.hbins_size
                ),
            ));
        }
        if data.get(BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + 4) != Some(b"hbin") {
            problems.push(HiveError::at(
                BASE_BLOCK_SIZE as u64,
                "first hive bin has no `hbin` signature",
            ));
        }
        Ok((Hive { data, base }, problems))
    }

    /// Size of the hive file.
    pub fn file_len(&self) -> usize {
        self.data.len()
    }

    /// File offset of a cell offset.
    pub fn file_offset(offset: u32) -> u64 {
        BASE_BLOCK_SIZE as u64 + offset as u64
    }

    /// The body of the cell at `offset` (after its 4-byte size). Free cells are read too: the
    /// signature checks of the callers catch a reference into garbage.
    fn cell(&self, offset: u32) -> Result<&'a [u8], HiveError> {
        let at = Self::file_offset(offset);
        let err = |m: &str| HiveError::at(at, m.to_string());
        if offset == NO_CELL {
            return Err(err("reference to no cell"));
        }
        let start = usize::try_from(at).map_err(|_| err("cell offset out of range"))?;
        let size = self
            .data
            .get(start..start + 4)
            .and_then(|b| b.try_into().ok())
            .map(i32::from_le_bytes)
            .ok_or_else(|| err("cell offset beyond the end of the file"))?;
        let len = size.unsigned_abs() as usize;
        if len < 4 {
            return Err(err("cell of size < 4"));
        }
        self.data
            .get(start + 4..start + len)
            .ok_or_else(|| err("cell runs past the end of the file"))
    }

    pub fn root(&self) -> Result<KeyNode, HiveError> {
        self.key(self.base.root_cell)
    }

    /// The key node at a cell offset.
    pub fn key(&self, offset: u32) -> Result<KeyNode, HiveError> {
        let b = self.cell(offset)?;
        let at = Self::file_offset(offset);
        if b.get(..2) != Some(b"nk") || b.len() < 76 {
            return Err(HiveError::at(at, "expected a key node (`nk`)"));
        }
        let field = |i: usize| u32_at(b, i).unwrap_or(0);
        let flags = u16_at(b, 2).unwrap_or(0);
        let name_len = u16_at(b, 72).unwrap_or(0) as usize;
        let raw = b.get(76..76 + name_len).unwrap_or(&b[76..]);
        let name = if flags & KEY_COMP_NAME != 0 {
            latin1(raw)
        } else {
            utf16(raw)
        };
        Ok(KeyNode {
            offset,
            flags,
            last_written: u64_at(b, 4).unwrap_or(0),
            subkey_count: field(20),
            subkey_list: field(28),
            value_count: field(36),
            value_list: field(40),
            name,
        })
    }

    /// Cell offsets of the key's subkeys, in list order. Bad lists are reported and skipped.
    pub fn subkey_offsets(&self, key: &KeyNode, errors: &mut Vec<HiveError>) -> Vec<u32> {
        let mut out = Vec::with_capacity(key.subkey_count.min(65_536) as usize);
        if key.subkey_count == 0 || key.subkey_list == NO_CELL {
            return out;
        }
        if let Err(e) = self.list(key.subkey_list, 0, &mut out) {
            errors.push(e);
        }
        // Index roots can point at the same leaf again and again; a key cannot have more distinct
        // subkeys than the file has room for key nodes.
        let room = self.data.len() / 80 + 1;
        if out.len() > room {
            errors.push(HiveError::at(
                Self::file_offset(key.subkey_list),
                format!(
                    "subkey lists of key {:?} name {} subkeys, more than the file can hold: cut",
                    key.name,
                    out.len()
                ),
            ));
            out.truncate(room);
        }
        out
    }

    fn list(&self, offset: u32, depth: u32, out: &mut Vec<u32>) -> Result<(), HiveError> {
        let at = Self::file_offset(offset);
        if depth > 4 {
            return Err(HiveError::at(at, "index roots nested too deep"));
        }
        let b = self.cell(offset)?;
        let count = u16_at(b, 2).unwrap_or(0) as usize;
        let (stride, nested) = match b.get(..2) {
            Some(b"lf") | Some(b"lh") => (8, false),
            Some(b"li") => (4, false),
            Some(b"ri") => (4, true),
            _ => return Err(HiveError::at(at, "expected a subkey list (`lf`, `lh`, `li` or `ri`)")),
        };
        if 4 + count * stride > b.len() {
            return Err(HiveError::at(
                at,
                format!("subkey list says {count} entries but its cell holds fewer"),
            ));
        }
        for i in 0..count {
            let entry = u32_at(b, 4 + i * stride).unwrap_or(NO_CELL);
            if out.len() > self.data.len() / 80 + 1 {
                break; // cut by the caller, with a problem
            }
            if nested {
                self.list(entry, depth + 1, out)?;
            } else {
                out.push(entry);
            }
        }
        Ok(())
    }

    /// The key's values in list order. Bad values are reported and skipped.
    pub fn values(&self, key: &KeyNode, errors: &mut Vec<HiveError>) -> Vec<RawValue<'a>> {
        if key.value_count == 0 || key.value_list == NO_CELL {
            return Vec::new();
        }
        let list = match self.cell(key.value_list) {
            Ok(l) => l,
            Err(e) => {
                errors.push(e);
                return Vec::new();
            }
        };
        let count = key.value_count as usize;
        if count * 4 > list.len() {
            errors.push(HiveError::at(
                Self::file_offset(key.value_list),
                format!(
                    "value list of key {:?} says {count} values but its cell holds fewer",
                    key.name
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        list.chunks_exact(4)
            .take(count)
            .filter_map(|c| {
                let offset = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                if !seen.insert(offset) {
                    errors.push(HiveError::at(
                        Self::file_offset(key.value_list),
                        format!("value list of key {:?} names the same value twice: read once", key.name),
                    ));
                    return None;
                }
                self.value(offset).map_err(|e| errors.push(e)).ok()
            })
            .collect()
    }

    fn value(&self, offset: u32) -> Result<RawValue<'a>, HiveError> {
        let b = self.cell(offset)?;
        let at = Self::file_offset(offset);
        if b.get(..2) != Some(b"vk") || b.len() < 20 {
            return Err(HiveError::at(at, "expected a value (`vk`)"));
        }
        let name_len = u16_at(b, 2).unwrap_or(0) as usize;
        let size = u32_at(b, 4).unwrap_or(0);
        let data_offset = u32_at(b, 8).unwrap_or(NO_CELL);
        let kind = u32_at(b, 12).unwrap_or(0);
        let flags = u16_at(b, 16).unwrap_or(0);
        let raw_name = b.get(20..20 + name_len).unwrap_or(&b[20..]);
        let name = if flags & VALUE_COMP_NAME != 0 {
            latin1(raw_name)
        } else {
            utf16(raw_name)
        };
        let len = (size & 0x7FFF_FFFF) as usize;
        let data: Cow<'a, [u8]> = if size & 0x8000_0000 != 0 {
            // Up to four bytes stored in the offset field itself.
            let inline = b.get(8..12).unwrap_or(&[]);
            Cow::Borrowed(&inline[..len.min(inline.len())])
        } else if len == 0 {
            Cow::Borrowed(&[])
        } else {
            self.data(data_offset, len).map_err(|e| HiveError {
                message: format!("value {name:?}: {}", e.message),
                ..e
            })?
        };
        Ok(RawValue { name, kind, data })
    }

    fn data(&self, offset: u32, len: usize) -> Result<Cow<'a, [u8]>, HiveError> {
        let cell = self.cell(offset)?;
        if len > BIG_DATA_SEGMENT && cell.get(..2) == Some(b"db") {
            return self.big_data(offset, cell, len).map(Cow::Owned);
        }
        cell.get(..len).map(Cow::Borrowed).ok_or_else(|| {
            HiveError::at(
                Self::file_offset(offset),
                format!("data of {len} bytes but its cell holds {}", cell.len()),
            )
        })
    }

    fn big_data(&self, offset: u32, db: &[u8], len: usize) -> Result<Vec<u8>, HiveError> {
        let at = Self::file_offset(offset);
        let segments = u16_at(db, 2).unwrap_or(0) as usize;
        let list = self.cell(u32_at(db, 4).unwrap_or(NO_CELL))?;
        let mut out = Vec::with_capacity(len);
        for i in 0..segments {
            let seg = u32_at(list, i * 4).ok_or_else(|| HiveError::at(at, "big data segment list too short"))?;
            let body = self.cell(seg)?;
            let take = (len - out.len()).min(BIG_DATA_SEGMENT).min(body.len());
            out.extend_from_slice(&body[..take]);
            if out.len() == len {
                break;
            }
        }
        if out.len() < len {
            return Err(HiveError::at(
                at,
                format!("big data holds {} of {len} bytes", out.len()),
            ));
        }
        Ok(out)
    }

    /// The subkey of `key` called `name` (case-insensitive), if any.
    pub fn subkey(&self, key: &KeyNode, name: &str, errors: &mut Vec<HiveError>) -> Option<KeyNode> {
        let wanted = name.to_lowercase();
        self.subkey_offsets(key, errors)
            .into_iter()
            .filter_map(|o| self.key(o).map_err(|e| errors.push(e)).ok())
            .find(|k| k.name.to_lowercase() == wanted)
    }
}

/// FILETIME (100 ns since 1601) to a UTC date-time.
pub fn filetime(ft: u64) -> Option<chrono::NaiveDateTime> {
    let secs = (ft / 10_000_000) as i64 - 11_644_473_600;
    let nanos = ((ft % 10_000_000) * 100) as u32;
    chrono::DateTime::from_timestamp(secs, nanos).map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};

    #[test]
    fn not_a_hive_is_an_error_at_offset_zero() -> TestResult {
        assert_eq!(Hive::open(b"regf").err().map(|e| e.offset), Some(0));
        let mut block = vec![0u8; 4096];
        block[..4].copy_from_slice(b"rEgf");
        assert!(Hive::open(&block).is_err());
        Ok(())
    }

    #[test]
    fn empty_hive_reports_checksum_truncation_and_missing_bin() -> TestResult {
        let mut block = vec![0u8; 4096];
        block[..4].copy_from_slice(b"regf");
        block[40..44].copy_from_slice(&4096u32.to_le_bytes());
        let (hive, problems) = Hive::open(&block).must()?;
        let offsets: Vec<u64> = problems.iter().map(|p| p.offset).collect();
        assert_eq!(offsets, vec![508, 40, 4096]);
        assert!(hive.root().is_err());
        Ok(())
    }

    #[test]
    fn filetime_converts() -> TestResult {
        assert_eq!(
            filetime(133_765_668_000_000_000).map(|t| t.to_string()),
            Some("2024-11-20 09:00:00".into())
        );
        Ok(())
    }
}
