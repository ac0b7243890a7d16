//! One registry model for the three ways a bundle carries the registry: `.reg` exports
//! ([`formats::reg_export`]), `reg query` text ([`formats::reg_query`]) and binary hives
//! ([`formats::registry_hive`]).
//!
//! Every source yields [`RegValue`]s: a normalized key path (`HKLM\SOFTWARE\…`, see
//! [`normalize_key`]), a value name, a [`ValueType`] and decoded [`ValueData`]. The parsers turn them
//! into records with the fields `key`, `name`, `type`, `data` (plus `data-hex` for numbers and
//! `deleted` for deletions, see [`RegValue::push_fields`]); [`Registry`] collects them for lookups
//! by key path and value name, case-insensitive as Windows is.
//!
//! [`time_zone_of_file`] reads a bundle's time zone (`TimeZoneInformation`) from any of the three
//! sources, for the pipeline to call before it parses logs written in local time.

use crate::formats::time::{LocalZone, Transition, WindowsZone};
use crate::formats::{reg_export, reg_query, registry_hive};
use crate::intake::decode::TextEncoding;
use crate::kind::FileKind;
use crate::records::Fields;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The name a default value is shown with (`@` in .reg files, `(Default)` in `reg query`, an
/// empty name in hives).
pub const DEFAULT_VALUE_NAME: &str = "(Default)";

/// Where the time zone lives, under the path signatures use.
pub const TIME_ZONE_KEY: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation";

/// A registry value type (`REG_SZ`, …); unknown type numbers are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    None,
    Sz,
    ExpandSz,
    Binary,
    Dword,
    DwordBigEndian,
    Link,
    MultiSz,
    ResourceList,
    FullResourceDescriptor,
    ResourceRequirementsList,
    Qword,
    Other(u32),
}

impl ValueType {
    /// The type from its number (the `vk` type field, the `n` of `hex(n):`).
    pub fn from_code(code: u32) -> ValueType {
        match code {
            0 => ValueType::None,
            1 => ValueType::Sz,
            2 => ValueType::ExpandSz,
            3 => ValueType::Binary,
            4 => ValueType::Dword,
            5 => ValueType::DwordBigEndian,
            6 => ValueType::Link,
            7 => ValueType::MultiSz,
            8 => ValueType::ResourceList,
            9 => ValueType::FullResourceDescriptor,
            10 => ValueType::ResourceRequirementsList,
            11 => ValueType::Qword,
            n => ValueType::Other(n),
        }
    }

    pub fn code(self) -> u32 {
        match self {
            ValueType::None => 0,
            ValueType::Sz => 1,
            ValueType::ExpandSz => 2,
            ValueType::Binary => 3,
            ValueType::Dword => 4,
            ValueType::DwordBigEndian => 5,
            ValueType::Link => 6,
            ValueType::MultiSz => 7,
            ValueType::ResourceList => 8,
            ValueType::FullResourceDescriptor => 9,
            ValueType::ResourceRequirementsList => 10,
            ValueType::Qword => 11,
            ValueType::Other(n) => n,
        }
    }

    /// `REG_SZ`, `REG_DWORD`, …; an unknown type is `REG_0x<n>`.
    pub fn name(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            ValueType::None => "REG_NONE",
            ValueType::Sz => "REG_SZ",
            ValueType::ExpandSz => "REG_EXPAND_SZ",
            ValueType::Binary => "REG_BINARY",
            ValueType::Dword => "REG_DWORD",
            ValueType::DwordBigEndian => "REG_DWORD_BIG_ENDIAN",
            ValueType::Link => "REG_LINK",
            ValueType::MultiSz => "REG_MULTI_SZ",
            ValueType::ResourceList => "REG_RESOURCE_LIST",
            ValueType::FullResourceDescriptor => "REG_FULL_RESOURCE_DESCRIPTOR",
            ValueType::ResourceRequirementsList => "REG_RESOURCE_REQUIREMENTS_LIST",
            ValueType::Qword => "REG_QWORD",
            ValueType::Other(n) => return Cow::Owned(format!("REG_0x{n:x}")),
        })
    }

    /// Parses a type name as `reg query` prints it (`REG_SZ`, `REG_0x4000`).
    pub fn from_name(name: &str) -> Option<ValueType> {
        let upper = name.trim().to_ascii_uppercase();
        if let Some(hex) = upper.strip_prefix("REG_0X") {
            return u32::from_str_radix(hex, 16).ok().map(ValueType::from_code);
        }
        (0..=11)
            .map(ValueType::from_code)
            .find(|t| t.name() == upper.as_str())
            .or(match upper.as_str() {
                "REG_DWORD_LITTLE_ENDIAN" => Some(ValueType::Dword),
                "REG_QWORD_LITTLE_ENDIAN" => Some(ValueType::Qword),
                _ => None,
            })
    }
}

/// How the bytes of string values are encoded in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringBytes {
    /// Hives and regedit 5 exports.
    Utf16Le,
    /// REGEDIT4 exports: the ANSI code page.
    Ansi,
}

/// Decoded value data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueData {
    Text(String),
    Dword(u32),
    Qword(u64),
    Multi(Vec<String>),
    Bytes(Vec<u8>),
}

impl ValueData {
    /// Decodes raw bytes of a value of type `kind`. Sizes that do not fit the type (a 3-byte
    /// DWORD) stay bytes rather than being guessed at.
    pub fn decode(kind: ValueType, raw: &[u8], strings: StringBytes) -> ValueData {
        match kind {
            ValueType::Sz | ValueType::ExpandSz | ValueType::Link => {
                ValueData::Text(decode_string(raw, strings).trim_end_matches('\0').to_string())
            }
            ValueType::MultiSz => {
                let text = decode_string(raw, strings);
                let mut items: Vec<String> = text.split('\0').map(str::to_string).collect();
                while items.last().is_some_and(|s| s.is_empty()) {
                    items.pop();
                }
                ValueData::Multi(items)
            }
            ValueType::Dword => match <[u8; 4]>::try_from(raw) {
                Ok(b) => ValueData::Dword(u32::from_le_bytes(b)),
                Err(_) => ValueData::Bytes(raw.to_vec()),
            },
            ValueType::DwordBigEndian => match <[u8; 4]>::try_from(raw) {
                Ok(b) => ValueData::Dword(u32::from_be_bytes(b)),
                Err(_) => ValueData::Bytes(raw.to_vec()),
            },
            ValueType::Qword => match <[u8; 8]>::try_from(raw) {
                Ok(b) => ValueData::Qword(u64::from_le_bytes(b)),
                Err(_) => ValueData::Bytes(raw.to_vec()),
            },
            _ => ValueData::Bytes(raw.to_vec()),
        }
    }

    /// The text of the `data` field: strings as text, numbers in decimal, multi-strings joined
    /// with `\n`, bytes as lower-case hex without separators.
    pub fn render(&self) -> String {
        match self {
            ValueData::Text(s) => s.clone(),
            ValueData::Dword(n) => n.to_string(),
            ValueData::Qword(n) => n.to_string(),
            ValueData::Multi(items) => items.join("\n"),
            ValueData::Bytes(b) => hex(b),
        }
    }

    /// `0x…` (lower case, no padding, as `reg query` prints) for DWORD and QWORD data.
    pub fn hex_number(&self) -> Option<String> {
        match self {
            ValueData::Dword(n) => Some(format!("0x{n:x}")),
            ValueData::Qword(n) => Some(format!("0x{n:x}")),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            ValueData::Dword(n) => Some(*n as u64),
            ValueData::Qword(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            ValueData::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            ValueData::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

fn decode_string(raw: &[u8], strings: StringBytes) -> String {
    match strings {
        StringBytes::Utf16Le => {
            let units: Vec<u16> = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        StringBytes::Ansi => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

/// Lower-case hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// What a value entry says: a value, or the deletion of a value or a whole key (.reg only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Set(ValueType, ValueData),
    DeleteValue,
    DeleteKey,
}

/// One registry value (or deletion) from any source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    /// Normalized key path ([`normalize_key`]).
    pub key: String,
    /// The value name; [`DEFAULT_VALUE_NAME`] for the default value; empty for a key deletion.
    pub name: String,
    pub change: Change,
}

impl RegValue {
    pub fn set(key: impl Into<String>, name: impl Into<String>, kind: ValueType, data: ValueData) -> RegValue {
        RegValue {
            key: key.into(),
            name: name.into(),
            change: Change::Set(kind, data),
        }
    }

    /// The record fields: `key`, `name`, `type`, `data`, `data-hex` (DWORD/QWORD) and `deleted`
    /// (`key` or `value`) for deletions. Returns the rendered data (empty for deletions).
    pub fn push_fields<'a>(&self, fields: &mut Fields<'a>) -> String {
        fields.push("key", self.key.clone());
        match &self.change {
            Change::DeleteKey => {
                fields.push("deleted", "key");
                String::new()
            }
            Change::DeleteValue => {
                fields.push("name", self.name.clone());
                fields.push("deleted", "value");
                String::new()
            }
            Change::Set(kind, data) => {
                let rendered = data.render();
                fields.push("name", self.name.clone());
                fields.push("type", kind.name());
                fields.push("data", rendered.clone());
                if let Some(h) = data.hex_number() {
                    fields.push("data-hex", h);
                }
                rendered
            }
        }
    }
}

/// Normalizes a key path: root names abbreviated (`HKEY_LOCAL_MACHINE` → `HKLM`, also `HKLM:`
/// as PowerShell writes it), the first level under HKLM in upper case (`SOFTWARE`, `SYSTEM`),
/// repeated and trailing backslashes removed; everything else keeps its case (`Wow6432Node`
/// included).
pub fn normalize_key(raw: &str) -> String {
    let mut parts = raw.trim().split('\\').map(str::trim).filter(|p| !p.is_empty());
    let Some(root) = parts.next() else {
        return String::new();
    };
    let root_upper = root.trim_end_matches(':').to_ascii_uppercase();
    let root = match root_upper.as_str() {
        "HKEY_LOCAL_MACHINE" | "HKLM" => "HKLM",
        "HKEY_CURRENT_USER" | "HKCU" => "HKCU",
        "HKEY_USERS" | "HKU" => "HKU",
        "HKEY_CLASSES_ROOT" | "HKCR" => "HKCR",
        "HKEY_CURRENT_CONFIG" | "HKCC" => "HKCC",
        _ => root,
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(root);
    for (i, part) in parts.enumerate() {
        out.push('\\');
        let hklm_hive = i == 0
            && root == "HKLM"
            && ["SOFTWARE", "SYSTEM", "SAM", "SECURITY", "HARDWARE", "COMPONENTS"]
                .iter()
                .any(|h| h.eq_ignore_ascii_case(part));
        if hklm_hive {
            out.push_str(&part.to_ascii_uppercase());
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Windows compares key and value names case-insensitively; this is the lookup form.
fn fold(s: &str) -> String {
    s.to_lowercase()
}

#[derive(Debug, Clone, Default)]
struct KeyEntry {
    path: String,
    /// Folded value name → value, in name order.
    values: BTreeMap<String, RegValue>,
}

/// The values a bundle's registry sources hold, for lookups by key and name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    keys: BTreeMap<String, KeyEntry>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Applies a value or deletion; later sources override earlier ones, as an import would.
    pub fn apply(&mut self, value: RegValue) {
        let key = normalize_key(&value.key);
        let folded = fold(&key);
        match value.change {
            Change::DeleteKey => {
                let prefix = format!("{folded}\\");
                self.keys.retain(|k, _| k != &folded && !k.starts_with(&prefix));
            }
            Change::DeleteValue => {
                if let Some(entry) = self.keys.get_mut(&folded) {
                    entry.values.remove(&fold(&value.name));
                }
            }
            Change::Set(..) => {
                let entry = self.keys.entry(folded).or_insert_with(|| KeyEntry {
                    path: key.clone(),
                    values: BTreeMap::new(),
                });
                entry.values.insert(fold(&value.name), RegValue { key, ..value });
            }
        }
    }

    /// Reads every value of a registry file of the given kind into the model. Returns false
    /// when the kind is not a registry kind.
    pub fn load_file(&mut self, kind: FileKind, path: &str, bytes: &[u8], encoding: Option<TextEncoding>) -> bool {
        let encoding = encoding.unwrap_or_else(|| crate::intake::decode::sniff(bytes));
        match kind {
            FileKind::RegExport => {
                reg_export::read_values(bytes, encoding, |v| self.apply(v));
            }
            FileKind::RegQueryText => {
                reg_query::read_values(bytes, encoding, |v| self.apply(v));
            }
            FileKind::RegistryHive => {
                registry_hive::read_values(path, bytes, |v| self.apply(v));
            }
            _ => return false,
        }
        true
    }

    /// The number of keys that hold at least one value.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    pub fn value_count(&self) -> usize {
        self.keys.values().map(|k| k.values.len()).sum()
    }

    /// The key's values in name order; `HKLM\SYSTEM\CurrentControlSet` is resolved through
    /// `Select\Current` when the sources only have `ControlSet00N`.
    pub fn values(&self, key: &str) -> impl Iterator<Item = &RegValue> {
        self.entry(key).into_iter().flat_map(|e| e.values.values())
    }

    /// A value by key path and name (case-insensitive); `(Default)` or `@` or `""` for the default.
    pub fn get(&self, key: &str, name: &str) -> Option<&RegValue> {
        let name = if name.is_empty() || name == "@" {
            DEFAULT_VALUE_NAME
        } else {
            name
        };
        self.entry(key)?.values.get(&fold(name))
    }

    /// The data of a value that is set.
    pub fn data(&self, key: &str, name: &str) -> Option<(ValueType, &ValueData)> {
        match &self.get(key, name)?.change {
            Change::Set(kind, data) => Some((*kind, data)),
            _ => None,
        }
    }

    /// Whether the key holds any value.
    pub fn has_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The key paths that hold values, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.values().map(|k| k.path.as_str())
    }

    fn entry(&self, key: &str) -> Option<&KeyEntry> {
        let folded = fold(&normalize_key(key));
        if let Some(e) = self.keys.get(&folded) {
            return Some(e);
        }
        let rest = folded.strip_prefix(r"hklm\system\currentcontrolset")?;
        if !(rest.is_empty() || rest.starts_with('\\')) {
            return None;
        }
        match self.current_control_set() {
            Some(set) => self.keys.get(&format!(r"hklm\system\{}{rest}", fold(&set))),
            // An export of one control set without `Select`: the lowest-numbered one that has it.
            None => self.keys.iter().find_map(|(k, e)| {
                let number = k.strip_prefix(r"hklm\system\controlset")?.strip_suffix(rest)?;
                (number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit())).then_some(e)
            }),
        }
    }

    /// `ControlSet00N` as `HKLM\SYSTEM\Select` `Current` names it.
    pub fn current_control_set(&self) -> Option<String> {
        let current = self
            .keys
            .get(r"hklm\system\select")?
            .values
            .get("current")
            .and_then(|v| match &v.change {
                Change::Set(_, d) => d.as_u64(),
                _ => None,
            })?;
        Some(format!("ControlSet{current:03}"))
    }

    /// The zone `TimeZoneInformation` describes, when the sources hold it.
    pub fn time_zone(&self) -> Option<LocalZone> {
        zone_from(|name| self.data(TIME_ZONE_KEY, name).map(|(_, d)| d.clone())).map(LocalZone::Windows)
    }
}

/// The time zone a registry file records, if it is one that holds `TimeZoneInformation`: a
/// SYSTEM hive, a `.reg` export or `reg query` text of the key. Cheap on big hives: only that
/// key is read. `None` for other kinds and for files without the key.
pub fn time_zone_of_file(
    kind: FileKind,
    path: &str,
    bytes: &[u8],
    encoding: Option<TextEncoding>,
) -> Option<LocalZone> {
    match kind {
        FileKind::RegistryHive => {
            let values = registry_hive::read_key(path, bytes, TIME_ZONE_KEY)?;
            let mut registry = Registry::new();
            for v in values {
                registry.apply(RegValue {
                    key: TIME_ZONE_KEY.into(),
                    ..v
                });
            }
            registry.time_zone()
        }
        FileKind::RegExport | FileKind::RegQueryText => {
            let mut registry = Registry::new();
            registry.load_file(kind, path, bytes, encoding);
            registry.time_zone()
        }
        _ => None,
    }
}

/// How much a registry file's time zone is trusted, lower first: a binary hive (the machine's own
/// state), then a `.reg` export, then `reg query` text; `None` for a kind that records no zone.
pub fn zone_source_rank(kind: FileKind) -> Option<u8> {
    match kind {
        FileKind::RegistryHive => Some(0),
        FileKind::RegExport => Some(1),
        FileKind::RegQueryText => Some(2),
        _ => None,
    }
}

/// The bundle's time zone from its registry files, for the pipeline to call before it parses
/// logs written in local time (and put into `ParseOptions::registry_zone`). A binary hive wins
/// over a `.reg` export, which wins over `reg query` text (a hive is the machine's own state, an
/// export may be older or hand-edited); among files of one kind the first one given wins, so pass
/// them in bundle order. Returns the zone and the path of the file it came from.
pub fn bundle_time_zone<'a>(
    files: impl IntoIterator<Item = (FileKind, &'a str, &'a [u8], Option<TextEncoding>)>,
) -> Option<(LocalZone, String)> {
    let mut candidates: Vec<_> = files
        .into_iter()
        .enumerate()
        .filter_map(|(i, file)| Some(((zone_source_rank(file.0)?, i), file)))
        .collect();
    candidates.sort_by_key(|c| c.0);
    candidates.into_iter().find_map(|(_, (kind, path, bytes, enc))| {
        time_zone_of_file(kind, path, bytes, enc).map(|z| (z, path.to_string()))
    })
}

/// Builds the zone from the values of `TimeZoneInformation`. `Bias` is required; a zone whose
/// `StandardStart`/`DaylightStart` month is 0 has no daylight saving time.
fn zone_from(get: impl Fn(&str) -> Option<ValueData>) -> Option<WindowsZone> {
    let signed = |name: &str| get(name).and_then(|d| d.as_u64()).map(|n| n as u32 as i32);
    let bias = signed("Bias")?;
    let name = get("TimeZoneKeyName")
        .or_else(|| get("StandardName"))
        .and_then(|d| d.as_text().map(str::to_string))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("registry zone, bias {bias} minutes"));
    let transition = |name: &str| get(name).and_then(|d| d.as_bytes().and_then(systemtime_rule));
    let (standard_start, daylight_start) = match (transition("StandardStart"), transition("DaylightStart")) {
        (Some(s), Some(d)) => (Some(s), Some(d)),
        _ => (None, None),
    };
    Some(WindowsZone {
        name,
        bias,
        standard_bias: signed("StandardBias").unwrap_or(0),
        daylight_bias: signed("DaylightBias").unwrap_or(0),
        standard_start,
        daylight_start,
    })
}

/// A SYSTEMTIME (`wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, …`, 16 bytes) in the
/// "day-of-month" form Windows uses for yearly rules (`wYear` 0, `wDay` = week 1–5). Month 0
/// means no transition. Absolute dates (`wYear` ≠ 0) are not a yearly rule and are ignored.
fn systemtime_rule(raw: &[u8]) -> Option<Transition> {
    let word = |i: usize| -> Option<u32> {
        let b = raw.get(i * 2..i * 2 + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]) as u32)
    };
    let (year, month, day_of_week, week, hour, minute) = (word(0)?, word(1)?, word(2)?, word(3)?, word(4)?, word(5)?);
    let valid = year == 0
        && (1..=12).contains(&month)
        && day_of_week <= 6
        && (1..=5).contains(&week)
        && hour < 24
        && minute < 60;
    valid.then_some(Transition {
        month,
        day_of_week,
        week,
        hour,
        minute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Must, TestResult};
    use chrono::{NaiveDate, NaiveDateTime};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        // An impossible date gives the epoch, which no assertion expects: the test fails there.
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, 0))
            .unwrap_or_default()
    }

    #[test]
    fn key_paths_are_normalized() -> TestResult {
        assert_eq!(
            normalize_key(r"HKEY_LOCAL_MACHINE\Software\Policies\Microsoft\Windows\WindowsUpdate\"),
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate"
        );
        assert_eq!(normalize_key(r"hkey_current_user\Software\X"), r"HKCU\Software\X");
        assert_eq!(
            normalize_key(r"HKLM:\SOFTWARE\Wow6432Node\A"),
            r"HKLM\SOFTWARE\Wow6432Node\A"
        );
        assert_eq!(normalize_key(r"HKEY_USERS\.DEFAULT"), r"HKU\.DEFAULT");
        assert_eq!(normalize_key(r"HKEY_CLASSES_ROOT\\CLSID"), r"HKCR\CLSID");
        assert_eq!(
            normalize_key(r"HKEY_LOCAL_MACHINE\system\Select"),
            r"HKLM\SYSTEM\Select"
        );
        Ok(())
    }

    #[test]
    fn data_decodes_by_type() -> TestResult {
        let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        assert_eq!(
            ValueData::decode(ValueType::Sz, &utf16("D:\\WSUS\0"), StringBytes::Utf16Le).render(),
            "D:\\WSUS"
        );
        assert_eq!(
            ValueData::decode(ValueType::MultiSz, &utf16("a\0b\0\0"), StringBytes::Utf16Le).render(),
            "a\nb"
        );
        let dword = ValueData::decode(ValueType::Dword, &8530u32.to_le_bytes(), StringBytes::Utf16Le);
        assert_eq!(
            (dword.render(), dword.hex_number()),
            ("8530".into(), Some("0x2152".into()))
        );
        assert_eq!(
            ValueData::decode(ValueType::Dword, &[1, 2, 3], StringBytes::Utf16Le),
            ValueData::Bytes(vec![1, 2, 3])
        );
        assert_eq!(
            ValueData::decode(ValueType::DwordBigEndian, &[0, 0, 1, 0], StringBytes::Utf16Le).render(),
            "256"
        );
        assert_eq!(
            ValueData::decode(ValueType::ExpandSz, b"%SystemRoot%\0", StringBytes::Ansi).render(),
            "%SystemRoot%"
        );
        assert_eq!(ValueType::from_name("REG_0x4000"), Some(ValueType::Other(0x4000)));
        assert_eq!(ValueType::Other(0x4000).name(), "REG_0x4000");
        assert_eq!(ValueType::from_name("reg_expand_sz"), Some(ValueType::ExpandSz));
        Ok(())
    }

    #[test]
    fn lookups_are_case_insensitive_and_resolve_the_current_control_set() -> TestResult {
        let mut r = Registry::new();
        r.apply(RegValue::set(
            r"HKEY_LOCAL_MACHINE\SYSTEM\Select",
            "Current",
            ValueType::Dword,
            ValueData::Dword(2),
        ));
        r.apply(RegValue::set(
            r"HKLM\SYSTEM\ControlSet002\Services\WsusService",
            "Start",
            ValueType::Dword,
            ValueData::Dword(2),
        ));
        r.apply(RegValue::set(
            r"HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup",
            "PortNumber",
            ValueType::Dword,
            ValueData::Dword(8530),
        ));
        assert_eq!(
            r.data(r"hklm\software\microsoft\update services\server\setup", "portnumber")
                .and_then(|(_, d)| d.as_u64()),
            Some(8530)
        );
        assert!(
            r.get(r"HKLM\SYSTEM\CurrentControlSet\Services\wsusservice", "START")
                .is_some()
        );
        assert!(
            r.get(r"HKLM\SYSTEM\CurrentControlSetX\Services\WsusService", "Start")
                .is_none()
        );
        r.apply(RegValue {
            key: r"HKLM\SYSTEM\ControlSet002\Services".into(),
            name: String::new(),
            change: Change::DeleteKey,
        });
        assert!(!r.has_key(r"HKLM\SYSTEM\CurrentControlSet\Services\WsusService"));
        assert_eq!(r.value_count(), 2);
        Ok(())
    }

    fn systemtime(month: u16, dow: u16, week: u16, hour: u16) -> ValueData {
        let words = [0, month, dow, week, hour, 0, 0, 0];
        ValueData::Bytes(words.iter().flat_map(|w| w.to_le_bytes()).collect())
    }

    fn zone(values: &[(&str, ValueData)]) -> Result<LocalZone, String> {
        let mut r = Registry::new();
        for (name, data) in values {
            let kind = match data {
                ValueData::Text(_) => ValueType::Sz,
                ValueData::Dword(_) => ValueType::Dword,
                _ => ValueType::Binary,
            };
            r.apply(RegValue::set(TIME_ZONE_KEY, *name, kind, data.clone()));
        }
        r.time_zone().must()
    }

    #[test]
    fn w_europe_zone_follows_its_dst_rule() -> TestResult {
        let z = zone(&[
            ("Bias", ValueData::Dword(-60i32 as u32)),
            ("StandardBias", ValueData::Dword(0)),
            ("DaylightBias", ValueData::Dword(-60i32 as u32)),
            ("StandardStart", systemtime(10, 0, 5, 3)),
            ("DaylightStart", systemtime(3, 0, 5, 2)),
            ("TimeZoneKeyName", ValueData::Text("W. Europe Standard Time".into())),
        ])?;
        assert_eq!(z.describe(), "W. Europe Standard Time");
        assert_eq!(z.to_utc(at(2024, 11, 20, 10, 14)), at(2024, 11, 20, 9, 14));
        assert_eq!(z.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 10, 0));
        Ok(())
    }

    #[test]
    fn zone_without_dst_keeps_one_offset() -> TestResult {
        // India Standard Time: UTC+05:30 all year, transition months 0.
        let z = zone(&[
            ("Bias", ValueData::Dword(-330i32 as u32)),
            ("StandardBias", ValueData::Dword(0)),
            ("DaylightBias", ValueData::Dword(-60i32 as u32)),
            ("StandardStart", systemtime(0, 0, 0, 0)),
            ("DaylightStart", systemtime(0, 0, 0, 0)),
            ("TimeZoneKeyName", ValueData::Text("India Standard Time".into())),
        ])?;
        let LocalZone::Windows(w) = &z else {
            return Err(format!("not a Windows zone: {z:?}"));
        };
        assert_eq!((w.standard_start, w.daylight_start), (None, None));
        assert_eq!(z.to_utc(at(2024, 7, 1, 12, 0)), at(2024, 7, 1, 6, 30));
        assert_eq!(z.to_utc(at(2024, 1, 1, 12, 0)), at(2024, 1, 1, 6, 30));
        Ok(())
    }

    #[test]
    fn southern_hemisphere_zone_has_dst_over_new_year() -> TestResult {
        // AUS Eastern Standard Time: UTC+10, DST (UTC+11) from the first Sunday of October
        // 02:00 to the first Sunday of April 03:00.
        let z = zone(&[
            ("Bias", ValueData::Dword(-600i32 as u32)),
            ("StandardBias", ValueData::Dword(0)),
            ("DaylightBias", ValueData::Dword(-60i32 as u32)),
            ("StandardStart", systemtime(4, 0, 1, 3)),
            ("DaylightStart", systemtime(10, 0, 1, 2)),
            ("TimeZoneKeyName", ValueData::Text("AUS Eastern Standard Time".into())),
        ])?;
        assert_eq!(
            z.to_utc(at(2024, 1, 15, 12, 0)),
            at(2024, 1, 15, 1, 0),
            "January: UTC+11"
        );
        assert_eq!(z.to_utc(at(2024, 7, 15, 12, 0)), at(2024, 7, 15, 2, 0), "July: UTC+10");
        Ok(())
    }

    #[test]
    fn zone_needs_a_bias() -> TestResult {
        let mut r = Registry::new();
        r.apply(RegValue::set(
            TIME_ZONE_KEY,
            "TimeZoneKeyName",
            ValueType::Sz,
            ValueData::Text("X".into()),
        ));
        assert_eq!(r.time_zone(), None);
        Ok(())
    }
}
