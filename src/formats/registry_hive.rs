//! Binary registry hives (SYSTEM, SOFTWARE, NTUSER.DAT, …) as registry records.
//!
//! The hive's bytes are opened with the [`regf`](super::regf) reader and walked depth-first in
//! stored order; every value becomes a [`RegValue`] under the path where Windows mounts the hive
//! (SOFTWARE at `HKLM\SOFTWARE`, SYSTEM at `HKLM\SYSTEM`, NTUSER.DAT at `HKCU`, …, see
//! [`HiveKind`]), and one record cited by its key (`Position::Key`, text `value = data`). In a
//! SYSTEM hive the control set `Select\Current` names is walked a second time under
//! `HKLM\SYSTEM\CurrentControlSet`, so signatures can use that path. A dirty hive (sequence numbers
//! differ) is read as it is, with a note: its transaction logs are not replayed. Damaged cells are
//! problems at their file offsets and the rest of the hive is still read.

use super::regf::{Hive, HiveError, KeyNode, filetime};
use super::{ParseInput, ParseOutcome, Problems};
use crate::records::{Fields, Position, Problem, Record, RecordSink, Timestamp};
use crate::registry::{DEFAULT_VALUE_NAME, RegValue, StringBytes, ValueData, ValueType, normalize_key};
use std::borrow::Cow;
use std::collections::HashSet;

/// Deeper key paths than this are cut (real hives stay far below; a cycle would not).
const MAX_DEPTH: usize = 512;

/// Which hive a file is, and so where it is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiveKind {
    System,
    Software,
    Sam,
    Security,
    Components,
    /// `HKU\.DEFAULT`.
    Default,
    NtUser,
    UsrClass,
    Unknown,
}

impl HiveKind {
    /// The key path the hive's root stands for; `None` for an unknown hive.
    pub fn mount_point(self) -> Option<&'static str> {
        Some(match self {
            HiveKind::System => r"HKLM\SYSTEM",
            HiveKind::Software => r"HKLM\SOFTWARE",
            HiveKind::Sam => r"HKLM\SAM",
            HiveKind::Security => r"HKLM\SECURITY",
            HiveKind::Components => r"HKLM\COMPONENTS",
            HiveKind::Default => r"HKU\.DEFAULT",
            HiveKind::NtUser => "HKCU",
            HiveKind::UsrClass => r"HKCU\Software\Classes",
            HiveKind::Unknown => return None,
        })
    }

    fn from_name(name: &str) -> Option<HiveKind> {
        name.split(|c: char| !c.is_ascii_alphanumeric())
            .find_map(|token| match token.to_ascii_lowercase().as_str() {
                "system" => Some(HiveKind::System),
                "software" => Some(HiveKind::Software),
                "sam" => Some(HiveKind::Sam),
                "security" => Some(HiveKind::Security),
                "components" => Some(HiveKind::Components),
                "default" => Some(HiveKind::Default),
                "ntuser" => Some(HiveKind::NtUser),
                "usrclass" => Some(HiveKind::UsrClass),
                _ => None,
            })
    }

    /// What the root's subkeys say, for the hives whose layout is unmistakable.
    fn from_root_subkeys(names: &[String]) -> Option<HiveKind> {
        let has = |n: &str| names.iter().any(|s| s.eq_ignore_ascii_case(n));
        let control_set = names
            .iter()
            .any(|s| s.len() == 13 && s.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("ControlSet")));
        if has("Select") && control_set {
            Some(HiveKind::System)
        } else if has("Software") && (has("Control Panel") || has("Environment") || has("AppEvents")) {
            Some(HiveKind::NtUser)
        } else if has("Microsoft") && (has("Classes") || has("Policies") || has("Wow6432Node") || has("Clients")) {
            Some(HiveKind::Software)
        } else if has("Policy") && has("RXACT") {
            Some(HiveKind::Security)
        } else if names.len() == 1 && has("SAM") {
            Some(HiveKind::Sam)
        } else {
            None
        }
    }
}

/// A hive opened, typed and mounted.
pub struct MountedHive<'a> {
    pub hive: Hive<'a>,
    pub root: KeyNode,
    pub kind: HiveKind,
    /// The key path of the root: the mount point, or `HIVE(<file name>)` for an unknown hive.
    pub mount: String,
    /// `ControlSet00N` (SYSTEM hives whose `Select\Current` is readable).
    pub current_control_set: Option<String>,
    pub errors: Vec<HiveError>,
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Opens a hive and decides its kind from the root's subkeys, then the file name, then the name
/// embedded in the base block.
pub fn mount<'a>(path: &str, bytes: &'a [u8]) -> Result<MountedHive<'a>, HiveError> {
    let (hive, mut errors) = Hive::open(bytes)?;
    let root = hive.root()?;
    let children: Vec<KeyNode> = hive
        .subkey_offsets(&root, &mut errors)
        .into_iter()
        .filter_map(|o| hive.key(o).ok())
        .collect();
    let names: Vec<String> = children.iter().map(|k| k.name.clone()).collect();
    let by_content = HiveKind::from_root_subkeys(&names);
    let by_name = HiveKind::from_name(file_name(path));
    let by_embedded = HiveKind::from_name(file_name(&hive.base.embedded_name));
    let kind = match (by_content, by_name.or(by_embedded)) {
        // HKU\.DEFAULT has the layout of a user hive; only its name tells them apart.
        (Some(HiveKind::NtUser), Some(HiveKind::Default)) => HiveKind::Default,
        (Some(k), _) | (None, Some(k)) => k,
        (None, None) => HiveKind::Unknown,
    };
    let mount = match kind.mount_point() {
        Some(m) => m.to_string(),
        None => format!("HIVE({})", file_name(path).replace('\\', "_")),
    };
    let current_control_set = if kind == HiveKind::System {
        current_control_set(&hive, &children, &mut errors)
    } else {
        None
    };
    Ok(MountedHive {
        hive,
        root,
        kind,
        mount,
        current_control_set,
        errors,
    })
}

fn current_control_set(hive: &Hive<'_>, children: &[KeyNode], errors: &mut Vec<HiveError>) -> Option<String> {
    let select = children.iter().find(|k| k.name.eq_ignore_ascii_case("Select"))?;
    let current = hive
        .values(select, errors)
        .into_iter()
        .find(|v| v.name.eq_ignore_ascii_case("Current"))?;
    let n = u32::from_le_bytes(current.data.get(..4)?.try_into().ok()?);
    let name = format!("ControlSet{n:03}");
    children
        .iter()
        .any(|k| k.name.eq_ignore_ascii_case(&name))
        .then_some(name)
}

/// A value of the hive as a registry-model value.
fn reg_value(key: &str, raw: &super::regf::RawValue<'_>) -> RegValue {
    let kind = ValueType::from_code(raw.kind);
    let name = if raw.name.is_empty() {
        DEFAULT_VALUE_NAME.to_string()
    } else {
        raw.name.clone()
    };
    RegValue::set(
        key,
        name,
        kind,
        ValueData::decode(kind, &raw.data, StringBytes::Utf16Le),
    )
}

/// Counts of one walk.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WalkCounts {
    pub keys: u64,
    pub values: u64,
}

impl MountedHive<'_> {
    /// Walks the subtree at `start` (the root when `None`) depth-first in stored order, its keys
    /// named from `prefix`, calling `on_key(path, key, values)`. Returns the counts.
    pub fn walk(
        &self,
        start: Option<&KeyNode>,
        prefix: &str,
        errors: &mut Vec<HiveError>,
        mut on_key: impl FnMut(&str, &KeyNode, Vec<RegValue>),
    ) -> WalkCounts {
        let mut counts = WalkCounts::default();
        let mut seen = HashSet::new();
        // Distinct keys can share value cells; a hostile hive could make a small file decode to
        // gigabytes. Real hives decode to about their own size.
        let budget = 16 * self.hive.file_len() as u64 + (64 << 20);
        let mut decoded = 0u64;
        let mut stack: Vec<(KeyNode, String, usize)> =
            vec![(start.unwrap_or(&self.root).clone(), prefix.to_string(), 0)];
        while let Some((key, path, depth)) = stack.pop() {
            if !seen.insert(key.offset) {
                errors.push(HiveError {
                    offset: Hive::file_offset(key.offset),
                    message: format!("key {path:?} is reached twice (a cycle in the subkey lists): not read again"),
                });
                continue;
            }
            counts.keys += 1;
            let raw_values = self.hive.values(&key, errors);
            decoded += raw_values.iter().map(|v| v.data.len() as u64 + 64).sum::<u64>();
            if decoded > budget {
                errors.push(HiveError {
                    offset: Hive::file_offset(key.offset),
                    message: format!(
                        "the hive's keys share the same data over and over ({decoded} bytes decoded from a {}-byte file): reading stopped at {path:?}",
                        self.hive.file_len()
                    ),
                });
                break;
            }
            let values: Vec<RegValue> = raw_values.iter().map(|raw| reg_value(&path, raw)).collect();
            counts.values += values.len() as u64;
            on_key(&path, &key, values);
            if depth >= MAX_DEPTH {
                errors.push(HiveError {
                    offset: Hive::file_offset(key.offset),
                    message: format!("key {path:?} is nested deeper than {MAX_DEPTH} levels: its subkeys are not read"),
                });
                continue;
            }
            let children = self.hive.subkey_offsets(&key, errors);
            for offset in children.into_iter().rev() {
                match self.hive.key(offset) {
                    Ok(child) => {
                        let child_path = format!("{path}\\{}", child.name);
                        stack.push((child, child_path, depth + 1));
                    }
                    Err(e) => errors.push(HiveError {
                        message: format!("subkey of {path:?}: {}", e.message),
                        ..e
                    }),
                }
            }
        }
        counts
    }

    /// The key at a path relative to the hive root.
    fn find<S: AsRef<str>>(&self, relative: &[S], errors: &mut Vec<HiveError>) -> Option<KeyNode> {
        let mut key = self.root.clone();
        for part in relative {
            key = self.hive.subkey(&key, part.as_ref(), errors)?;
        }
        Some(key)
    }

    /// The path relative to the root of a normalized key under the mount point, with
    /// `CurrentControlSet` resolved.
    fn relative(&self, key: &str) -> Option<Vec<String>> {
        let head = key.get(..self.mount.len())?;
        let rest = key.get(self.mount.len()..)?;
        if !head.eq_ignore_ascii_case(&self.mount) || !(rest.is_empty() || rest.starts_with('\\')) {
            return None;
        }
        let mut parts: Vec<String> = rest.split('\\').filter(|p| !p.is_empty()).map(str::to_string).collect();
        if let (Some(first), Some(set)) = (parts.first_mut(), &self.current_control_set)
            && first.eq_ignore_ascii_case("CurrentControlSet")
        {
            first.clone_from(set);
        }
        Some(parts)
    }
}

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let mut problems = Problems::default();
    let mounted = match mount(input.path, input.bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push("not readable", Problem::at_offset(e.offset, e.message));
            return ParseOutcome {
                problems: problems.finish(),
                ..ParseOutcome::default()
            };
        }
    };
    let mut notes = vec![describe(&mounted)];
    if mounted.hive.base.is_dirty() {
        notes.push(format!(
            "dirty hive: recent changes may be missing (sequence numbers {} and {} differ; the .LOG1/.LOG2 transaction logs are not replayed by this version)",
            mounted.hive.base.primary_sequence, mounted.hive.base.secondary_sequence
        ));
    }
    let mut errors = mounted.errors.clone();
    let mut records = 0u64;
    let mut emit = |path: &str, key: &KeyNode, values: Vec<RegValue>| {
        let written = filetime(key.last_written).map(|t| Timestamp::utc(t).to_rfc3339());
        for value in values {
            let mut fields = Fields::with_capacity(7);
            let data = value.push_fields(&mut fields);
            if let Some(w) = &written {
                fields.push("key-last-written", w.clone());
            }
            sink.record(&Record {
                position: Position::Key(path.to_string()),
                time: None,
                text: Cow::Owned(format!("{} = {data}", value.name)),
                continuation: Vec::new(),
                fields,
            });
            records += 1;
        }
    };
    let mount_point = mounted.mount.clone();
    let counts = mounted.walk(None, &mount_point, &mut errors, &mut emit);
    if let Some(set) = &mounted.current_control_set
        && let Some(key) = mounted.find(&[set.as_str()], &mut errors)
    {
        let alias = format!(r"{}\CurrentControlSet", mounted.mount);
        // The second walk repeats the same cells' problems; keep them once.
        mounted.walk(Some(&key), &alias, &mut Vec::new(), &mut emit);
    }
    notes.push(format!("{} keys, {} values", counts.keys, counts.values));
    for e in errors {
        problems.push("damaged cell", Problem::at_offset(e.offset, e.message));
    }
    ParseOutcome {
        records,
        problems: problems.finish(),
        notes,
        // Values carry no record time; `key-last-written` is a FILETIME, UTC by definition.
        time_zone: None,
    }
}

fn describe(m: &MountedHive<'_>) -> String {
    let embedded = &m.hive.base.embedded_name;
    let mut s = match m.kind {
        HiveKind::Unknown => format!("hive type not recognized: keys shown under {}", m.mount),
        kind => format!("{kind:?} hive mounted at {}", m.mount),
    };
    if !embedded.is_empty() {
        s.push_str(&format!(" (embedded name {embedded:?})"));
    }
    if let Some(set) = &m.current_control_set {
        s.push_str(&format!("; CurrentControlSet = {set}"));
    }
    s
}

/// Every value of the hive, for the registry model (without the `CurrentControlSet` copy: the
/// model resolves that path itself).
pub fn read_values(path: &str, bytes: &[u8], mut on_value: impl FnMut(RegValue)) {
    let Ok(mounted) = mount(path, bytes) else {
        return;
    };
    let prefix = mounted.mount.clone();
    mounted.walk(None, &prefix, &mut Vec::new(), |_, _, values| {
        values.into_iter().for_each(&mut on_value)
    });
}

/// The values of one key (a normalized path under the hive's mount point), without walking the
/// hive. `None` when the hive is not readable or does not hold the key.
pub fn read_key(path: &str, bytes: &[u8], key: &str) -> Option<Vec<RegValue>> {
    let mounted = mount(path, bytes).ok()?;
    let key = normalize_key(key);
    let relative = mounted.relative(&key)?;
    let mut errors = Vec::new();
    let node = mounted.find(&relative, &mut errors)?;
    Some(
        mounted
            .hive
            .values(&node, &mut errors)
            .iter()
            .map(|raw| reg_value(&key, raw))
            .collect(),
    )
}
