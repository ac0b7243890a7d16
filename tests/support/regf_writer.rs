//! A small writer of valid registry hives (regf), for test fixtures and the sample bundles.
//!
//! Keys and values go in through [`HiveWriter::set`]; [`HiveWriter::to_bytes`] lays out a base
//! block (with its XOR checksum), hive bins of 4096-byte multiples, one shared `sk` security cell,
//! an `nk` per key, `lh` subkey lists (sorted by upper-case name, with the name hashes Windows
//! uses), value lists, `vk` values with data inline (≤ 4 bytes), in a cell, or in `db` segments
//! (> 16,344 bytes). Layout follows formats.md §9.4. Deterministic: the same keys give the same
//! bytes. Included with `#[path = "support/regf_writer.rs"] mod regf_writer;`.
#![allow(dead_code)]

/// FILETIME written into the base block, bins and keys (2024-11-20 09:00:00 UTC).
pub const FIXTURE_FILETIME: u64 = 133_765_668_000_000_000;
const BIG_DATA_SEGMENT: usize = 16_344;
const NO_CELL: u32 = 0xFFFF_FFFF;

/// Value data to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Sz(String),
    ExpandSz(String),
    MultiSz(Vec<String>),
    Dword(u32),
    Qword(u64),
    Binary(Vec<u8>),
    /// Any type number with raw bytes.
    Raw(u32, Vec<u8>),
}

impl Data {
    pub fn sz(s: &str) -> Data {
        Data::Sz(s.to_string())
    }

    pub fn type_code(&self) -> u32 {
        match self {
            Data::Sz(_) => 1,
            Data::ExpandSz(_) => 2,
            Data::Binary(_) => 3,
            Data::Dword(_) => 4,
            Data::MultiSz(_) => 7,
            Data::Qword(_) => 11,
            Data::Raw(t, _) => *t,
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let utf16z = |s: &str| -> Vec<u8> { s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect() };
        match self {
            Data::Sz(s) | Data::ExpandSz(s) => utf16z(s),
            Data::MultiSz(items) => {
                let mut v: Vec<u8> = items.iter().flat_map(|s| utf16z(s)).collect();
                v.extend([0, 0]);
                v
            }
            Data::Dword(n) => n.to_le_bytes().to_vec(),
            Data::Qword(n) => n.to_le_bytes().to_vec(),
            Data::Binary(b) | Data::Raw(_, b) => b.clone(),
        }
    }
}

/// A key to write.
#[derive(Debug, Clone, Default)]
pub struct Key {
    pub name: String,
    /// (name, data); an empty name is the default value.
    pub values: Vec<(String, Data)>,
    pub subkeys: Vec<Key>,
}

impl Key {
    fn child(&mut self, name: &str) -> &mut Key {
        let i = match self.subkeys.iter().position(|k| k.name.eq_ignore_ascii_case(name)) {
            Some(i) => i,
            None => {
                self.subkeys.push(Key {
                    name: name.to_string(),
                    ..Key::default()
                });
                self.subkeys.len() - 1
            }
        };
        &mut self.subkeys[i]
    }

    /// Keys in the subtree, this one included.
    pub fn key_count(&self) -> usize {
        1 + self.subkeys.iter().map(Key::key_count).sum::<usize>()
    }

    pub fn value_count(&self) -> usize {
        self.values.len() + self.subkeys.iter().map(Key::value_count).sum::<usize>()
    }
}

/// Builds a hive in memory.
#[derive(Debug, Clone)]
pub struct HiveWriter {
    pub root: Key,
    /// The name recorded at base-block offset 48, e.g. `\SystemRoot\System32\Config\SOFTWARE`.
    pub embedded_name: String,
    /// Write different sequence numbers, as a hive copied mid-write has.
    pub dirty: bool,
}

impl HiveWriter {
    pub fn new(root_name: &str, embedded_name: &str) -> HiveWriter {
        HiveWriter {
            root: Key {
                name: root_name.to_string(),
                ..Key::default()
            },
            embedded_name: embedded_name.to_string(),
            dirty: false,
        }
    }

    /// The key at `path` (relative to the root, `\`-separated), created as needed.
    pub fn key(&mut self, path: &str) -> &mut Key {
        let mut key = &mut self.root;
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            key = key.child(part);
        }
        key
    }

    /// Sets a value (replacing one of the same name).
    pub fn set(&mut self, path: &str, name: &str, data: Data) -> &mut HiveWriter {
        let key = self.key(path);
        match key.values.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = data,
            None => key.values.push((name.to_string(), data)),
        }
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut cells = Cells::default();
        // Readers such as regipy take the first cell of the first bin for the root key, as
        // Windows writes it: the root goes first, the shared security cell after the keys.
        let mut keys = Vec::new();
        let root = write_key(&mut cells, &self.root, NO_CELL, true, &mut keys);
        let mut sk_bytes = sk_cell(keys.len() as u32);
        let sk = cells.alloc(sk_bytes.len());
        sk_bytes[4..8].copy_from_slice(&sk.to_le_bytes());
        sk_bytes[8..12].copy_from_slice(&sk.to_le_bytes());
        cells.write(sk, &sk_bytes);
        for nk in keys {
            cells.put32(nk, 44, sk);
        }
        let bins = cells.finish();
        let mut out = vec![0u8; 4096];
        out[..4].copy_from_slice(b"regf");
        let (primary, secondary) = if self.dirty { (8, 7) } else { (7, 7) };
        put32(&mut out, 4, primary);
        put32(&mut out, 8, secondary);
        out[12..20].copy_from_slice(&FIXTURE_FILETIME.to_le_bytes());
        put32(&mut out, 20, 1); // major
        put32(&mut out, 24, 5); // minor: db cells allowed
        put32(&mut out, 28, 0); // primary file
        put32(&mut out, 32, 1); // direct memory load
        put32(&mut out, 36, root);
        put32(&mut out, 40, bins.len() as u32);
        put32(&mut out, 44, 1); // clustering factor
        // Windows keeps the last 31 characters of the path.
        let units: Vec<u16> = self.embedded_name.encode_utf16().collect();
        let name: Vec<u8> = units[units.len().saturating_sub(31)..]
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        out[48..48 + name.len()].copy_from_slice(&name);
        let sum = (0..127).fold(0u32, |acc, i| {
            acc ^ u32::from_le_bytes(out[i * 4..i * 4 + 4].try_into().unwrap())
        });
        let sum = match sum {
            0 => 1,
            0xFFFF_FFFF => 0xFFFF_FFFE,
            s => s,
        };
        put32(&mut out, 508, sum);
        out.extend_from_slice(&bins);
        out
    }
}

fn put32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put16(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

/// Cell space: allocated cells never cross a 4096-byte bin boundary unless they are bigger than a
/// bin, in which case their bin is made big enough.
#[derive(Default)]
struct Cells {
    /// (bin start, bin size) in the hive-bins data.
    bins: Vec<(usize, usize)>,
    data: Vec<u8>,
}

impl Cells {
    /// Reserves an allocated cell for `body` bytes; returns its offset.
    fn alloc(&mut self, body: usize) -> u32 {
        let size = (body + 4).div_ceil(8) * 8;
        let fits = self
            .bins
            .last()
            .is_some_and(|&(start, len)| self.data.len() + size <= start + len);
        if !fits {
            self.close_bin();
            let start = self.data.len();
            let len = (size + 32).div_ceil(4096) * 4096;
            self.bins.push((start, len));
            self.data.extend_from_slice(b"hbin");
            self.data.extend_from_slice(&(start as u32).to_le_bytes());
            self.data.extend_from_slice(&(len as u32).to_le_bytes());
            self.data.extend_from_slice(&[0; 8]);
            self.data.extend_from_slice(&FIXTURE_FILETIME.to_le_bytes());
            self.data.extend_from_slice(&[0; 4]);
        }
        let offset = self.data.len();
        self.data.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.data.resize(offset + size, 0);
        offset as u32
    }

    /// The rest of the current bin becomes one free cell.
    fn close_bin(&mut self) {
        if let Some(&(start, len)) = self.bins.last() {
            let free = start + len - self.data.len();
            if free > 0 {
                let at = self.data.len();
                self.data.resize(start + len, 0);
                put32(&mut self.data, at, free as u32);
            }
        }
    }

    fn write(&mut self, cell: u32, body: &[u8]) {
        let at = cell as usize + 4;
        self.data[at..at + body.len()].copy_from_slice(body);
    }

    fn put32(&mut self, cell: u32, field: usize, v: u32) {
        put32(&mut self.data, cell as usize + 4 + field, v);
    }

    fn store(&mut self, body: &[u8]) -> u32 {
        let cell = self.alloc(body.len());
        self.write(cell, body);
        cell
    }

    fn finish(mut self) -> Vec<u8> {
        self.close_bin();
        self.data
    }
}

/// A self-relative security descriptor: owner Administrators, group SYSTEM, an empty DACL.
fn sk_cell(refs: u32) -> Vec<u8> {
    let mut sd = vec![1u8, 0];
    sd.extend(0x8004u16.to_le_bytes()); // SE_SELF_RELATIVE | SE_DACL_PRESENT
    sd.extend(20u32.to_le_bytes()); // owner
    sd.extend(36u32.to_le_bytes()); // group
    sd.extend(0u32.to_le_bytes()); // no SACL
    sd.extend(48u32.to_le_bytes()); // DACL
    sd.extend([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0]); // S-1-5-32-544
    sd.extend([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]); // S-1-5-18
    sd.extend([2, 0, 8, 0, 0, 0, 0, 0]); // ACL revision 2, size 8, no ACEs
    let mut cell = b"sk".to_vec();
    cell.extend([0, 0]);
    cell.extend(0u32.to_le_bytes()); // flink, patched to itself
    cell.extend(0u32.to_le_bytes()); // blink
    cell.extend(refs.to_le_bytes());
    cell.extend((sd.len() as u32).to_le_bytes());
    cell.extend(sd);
    cell
}

/// A name as stored: Latin-1 when every character fits (flag set), else UTF-16LE.
fn stored_name(name: &str) -> (Vec<u8>, bool) {
    if name.chars().all(|c| (c as u32) < 0x100) {
        (name.chars().map(|c| c as u8).collect(), true)
    } else {
        (name.encode_utf16().flat_map(u16::to_le_bytes).collect(), false)
    }
}

/// The `lh` hash: for each character of the upper-case name, `hash * 37 + char`.
fn lh_hash(name: &str) -> u32 {
    name.to_uppercase()
        .encode_utf16()
        .fold(0u32, |h, c| h.wrapping_mul(37).wrapping_add(c as u32))
}

fn write_key(cells: &mut Cells, key: &Key, parent: u32, root: bool, keys: &mut Vec<u32>) -> u32 {
    let (name, compressed) = stored_name(&key.name);
    let nk = cells.alloc(76 + name.len());
    keys.push(nk);
    let mut body = vec![0u8; 76 + name.len()];
    body[..2].copy_from_slice(b"nk");
    let flags: u16 = if root { 0x0004 | 0x0008 } else { 0 } | if compressed { 0x0020 } else { 0 };
    put16(&mut body, 2, flags);
    body[4..12].copy_from_slice(&FIXTURE_FILETIME.to_le_bytes());
    put32(&mut body, 16, parent);
    put32(&mut body, 28, NO_CELL);
    put32(&mut body, 32, NO_CELL);
    put32(&mut body, 40, NO_CELL);
    put32(&mut body, 48, NO_CELL);
    put16(&mut body, 72, name.len() as u16);
    body[76..].copy_from_slice(&name);
    cells.write(nk, &body);

    if !key.values.is_empty() {
        let offsets: Vec<u32> = key.values.iter().map(|(n, d)| write_value(cells, n, d)).collect();
        let list: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        let list_cell = cells.store(&list);
        cells.put32(nk, 36, key.values.len() as u32);
        cells.put32(nk, 40, list_cell);
        let longest_name = key
            .values
            .iter()
            .map(|(n, _)| stored_name(n).0.len())
            .max()
            .unwrap_or(0);
        let longest_data = key.values.iter().map(|(_, d)| d.bytes().len()).max().unwrap_or(0);
        cells.put32(nk, 60, longest_name as u32);
        cells.put32(nk, 64, longest_data as u32);
    }
    if !key.subkeys.is_empty() {
        let mut children: Vec<&Key> = key.subkeys.iter().collect();
        children.sort_by_key(|k| k.name.to_uppercase());
        let offsets: Vec<(u32, u32)> = children
            .iter()
            .map(|k| (write_key(cells, k, nk, false, keys), lh_hash(&k.name)))
            .collect();
        let mut lh = b"lh".to_vec();
        lh.extend((offsets.len() as u16).to_le_bytes());
        for (o, h) in &offsets {
            lh.extend(o.to_le_bytes());
            lh.extend(h.to_le_bytes());
        }
        let list_cell = cells.store(&lh);
        cells.put32(nk, 20, offsets.len() as u32);
        cells.put32(nk, 28, list_cell);
        let longest = children.iter().map(|k| stored_name(&k.name).0.len()).max().unwrap_or(0);
        cells.put32(nk, 52, (longest * 2) as u32);
    }
    nk
}

fn write_value(cells: &mut Cells, name: &str, data: &Data) -> u32 {
    let (stored, compressed) = stored_name(name);
    let bytes = data.bytes();
    let vk = cells.alloc(20 + stored.len());
    let mut body = vec![0u8; 20 + stored.len()];
    body[..2].copy_from_slice(b"vk");
    put16(&mut body, 2, stored.len() as u16);
    if bytes.len() <= 4 {
        put32(&mut body, 4, bytes.len() as u32 | 0x8000_0000);
        body[8..8 + bytes.len()].copy_from_slice(&bytes);
    } else {
        put32(&mut body, 4, bytes.len() as u32);
        let data_cell = if bytes.len() > BIG_DATA_SEGMENT {
            let segments: Vec<u32> = bytes.chunks(BIG_DATA_SEGMENT).map(|c| cells.store(c)).collect();
            let list: Vec<u8> = segments.iter().flat_map(|o| o.to_le_bytes()).collect();
            let list_cell = cells.store(&list);
            let mut db = b"db".to_vec();
            db.extend((segments.len() as u16).to_le_bytes());
            db.extend(list_cell.to_le_bytes());
            db.extend(0u32.to_le_bytes());
            cells.store(&db)
        } else {
            cells.store(&bytes)
        };
        put32(&mut body, 8, data_cell);
    }
    put32(&mut body, 12, data.type_code());
    put16(&mut body, 16, if compressed { 1 } else { 0 });
    body[20..].copy_from_slice(&stored);
    cells.write(vk, &body);
    vk
}

/// A SYSTEMTIME transition rule (`wYear` 0, month, day of week, week 1–5, hour) as stored in
/// `TimeZoneInformation`.
pub fn systemtime_rule(month: u16, day_of_week: u16, week: u16, hour: u16) -> Vec<u8> {
    [0, month, day_of_week, week, hour, 0, 0, 0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// Every value of the hive as `(key path under the root, value name, type, data bytes)`, in
/// writing order: what an independent reader must find.
pub fn listing(writer: &HiveWriter) -> Vec<(String, String, u32, Vec<u8>)> {
    fn walk(key: &Key, path: &str, out: &mut Vec<(String, String, u32, Vec<u8>)>) {
        for (n, d) in &key.values {
            out.push((path.to_string(), n.clone(), d.type_code(), d.bytes()));
        }
        for k in &key.subkeys {
            let p = if path.is_empty() {
                k.name.clone()
            } else {
                format!("{path}\\{}", k.name)
            };
            walk(k, &p, out);
        }
    }
    let mut out = Vec::new();
    walk(&writer.root, "", &mut out);
    out
}

/// The SOFTWARE hive of a Windows Server 2019 WSUS server (site 1274659245, content on D:).
pub fn wsus_software_hive() -> HiveWriter {
    let mut w = HiveWriter::new("ROOT", r"\SystemRoot\System32\Config\SOFTWARE");
    let setup = r"Microsoft\Update Services\Server\Setup";
    w.set(setup, "ContentDir", Data::ExpandSz(r"D:\WSUS".into()))
        .set(setup, "TargetDir", Data::sz(r"C:\Program Files\Update Services\"))
        .set(setup, "SqlServerName", Data::sz("MICROSOFT##WID"))
        .set(setup, "SqlDatabaseName", Data::sz("SUSDB"))
        .set(setup, "SqlAuthenticationMode", Data::sz("WindowsAuthentication"))
        .set(setup, "PortNumber", Data::Dword(8530))
        .set(setup, "UsingSSL", Data::Dword(0))
        .set(setup, "IISTargetWebsiteIndex", Data::Dword(1_274_659_245))
        .set(setup, "IISTargetWebSiteCreated", Data::Dword(1))
        .set(setup, "VersionString", Data::sz("10.0.17763.678"))
        .set(setup, "WmsdeInstalled", Data::Dword(0))
        .set(setup, "wYukonInstalled", Data::Dword(0))
        .set(setup, "InstallType", Data::Dword(1));
    w.set(
        r"Microsoft\Update Services\Server\Setup\Installed Role Services",
        "UpdateServices-Services",
        Data::sz("2"),
    )
    .set(
        r"Microsoft\Update Services\Server\Setup\Installed Role Services",
        "UpdateServices-WidDatabase",
        Data::sz("2"),
    );
    let nt = r"Microsoft\Windows NT\CurrentVersion";
    w.set(nt, "ProductName", Data::sz("Windows Server 2019 Standard"))
        .set(nt, "CurrentBuild", Data::sz("17763"))
        .set(nt, "CurrentBuildNumber", Data::sz("17763"))
        .set(nt, "EditionID", Data::sz("ServerStandard"))
        .set(nt, "ReleaseId", Data::sz("1809"))
        .set(nt, "InstallationType", Data::sz("Server"))
        .set(nt, "UBR", Data::Dword(6054));
    let net = r"Microsoft\.NETFramework\v4.0.30319";
    w.set(net, "SchUseStrongCrypto", Data::Dword(1))
        .set(net, "SystemDefaultTlsVersions", Data::Dword(1));
    w.set(
        r"Wow6432Node\Microsoft\.NETFramework\v4.0.30319",
        "SchUseStrongCrypto",
        Data::Dword(1),
    );
    w.set(
        r"Microsoft\Windows\CurrentVersion\WindowsUpdate",
        "SusClientId",
        Data::sz("3f1c7a52-9d2e-4b8a-a6f0-5c1e2d3b4a69"),
    );
    w.set(
        r"Microsoft\Windows\CurrentVersion",
        "ProgramFilesDir",
        Data::sz(r"C:\Program Files"),
    );
    w.key(r"Classes");
    w.key(r"Policies\Microsoft\Windows");
    w
}

/// The SYSTEM hive of the same server: W. Europe time zone, the WSUS, IIS and WAS services.
pub fn wsus_system_hive() -> HiveWriter {
    let mut w = HiveWriter::new("ROOT", r"SYSTEM");
    w.set("Select", "Current", Data::Dword(1))
        .set("Select", "Default", Data::Dword(1))
        .set("Select", "Failed", Data::Dword(0))
        .set("Select", "LastKnownGood", Data::Dword(2));
    let tz = r"ControlSet001\Control\TimeZoneInformation";
    w.set(tz, "Bias", Data::Dword(-60i32 as u32))
        .set(tz, "DaylightBias", Data::Dword(-60i32 as u32))
        .set(tz, "DaylightName", Data::sz("@tzres.dll,-321"))
        .set(tz, "DaylightStart", Data::Binary(systemtime_rule(3, 0, 5, 2)))
        .set(tz, "DynamicDaylightTimeDisabled", Data::Dword(0))
        .set(tz, "StandardBias", Data::Dword(0))
        .set(tz, "StandardName", Data::sz("@tzres.dll,-322"))
        .set(tz, "StandardStart", Data::Binary(systemtime_rule(10, 0, 5, 3)))
        .set(tz, "TimeZoneKeyName", Data::sz("W. Europe Standard Time"))
        .set(tz, "ActiveTimeBias", Data::Dword(-60i32 as u32));
    w.set(
        r"ControlSet001\Control\ComputerName\ComputerName",
        "ComputerName",
        Data::sz("WSUS01"),
    );
    w.set(
        r"ControlSet001\Control\ProductOptions",
        "ProductType",
        Data::sz("ServerNT"),
    );
    let services = [
        (
            "WsusService",
            r#""C:\Program Files\Update Services\Services\WsusService.exe""#,
            "WSUS Service",
            2u32,
            "LocalSystem",
        ),
        (
            "W3SVC",
            r"%systemroot%\system32\svchost.exe -k iissvcs",
            "World Wide Web Publishing Service",
            2,
            "LocalSystem",
        ),
        (
            "WAS",
            r"%windir%\system32\svchost.exe -k iissvcs",
            "Windows Process Activation Service",
            3,
            "LocalSystem",
        ),
    ];
    for (name, image, display, start, account) in services {
        let key = format!(r"ControlSet001\Services\{name}");
        w.set(&key, "ImagePath", Data::ExpandSz(image.into()))
            .set(&key, "DisplayName", Data::sz(display))
            .set(&key, "Start", Data::Dword(start))
            .set(
                &key,
                "Type",
                Data::Dword(if name == "WsusService" { 0x10 } else { 0x20 }),
            )
            .set(&key, "ErrorControl", Data::Dword(1))
            .set(&key, "ObjectName", Data::sz(account));
    }
    w.set(
        r"ControlSet001\Services\W3SVC",
        "DependOnService",
        Data::MultiSz(vec!["WAS".into(), "HTTP".into()]),
    );
    w.set(
        r"ControlSet001\Services\WAS",
        "DependOnService",
        Data::MultiSz(vec!["RPCSS".into()]),
    );
    let tls = r"ControlSet001\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2";
    w.set(&format!(r"{tls}\Client"), "Enabled", Data::Dword(1))
        .set(&format!(r"{tls}\Client"), "DisabledByDefault", Data::Dword(0))
        .set(&format!(r"{tls}\Server"), "Enabled", Data::Dword(1))
        .set(&format!(r"{tls}\Server"), "DisabledByDefault", Data::Dword(0));
    w.key(r"ControlSet002\Control");
    w.set("Setup", "SystemSetupInProgress", Data::Dword(0));
    w
}
