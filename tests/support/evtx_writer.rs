//! A small EVTX writer for test fixtures and the sample bundles: events in, a valid `.evtx` file out.
//!
//! It writes what Windows writes, in the simplest form readers accept: a 4096-byte file header, 64 KiB
//! chunks with their string and template tables and both CRC-32s, and records whose Binary XML is one
//! template instance (the template defined inline at its first use in a chunk, as Windows does) with
//! the record's values as substitutions. Every value of the System section and of EventData is a
//! substitution, so one template serves all events of the same shape. `scripts/ci/30-evtx-fixtures.sh`
//! checks the output against python-evtx, an independent reader.
//!
//! Included with `#[path = "support/evtx_writer.rs"] mod evtx_writer;` by tests and examples.
#![allow(dead_code)]

use chrono::NaiveDateTime;
use std::collections::HashMap;

pub const FILE_HEADER_SIZE: usize = 4096;
pub const CHUNK_SIZE: usize = 65536;
pub const CHUNK_HEADER_SIZE: usize = 512;
const RECORD_HEADER_SIZE: usize = 24;
const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// The values of an event's EventData.
#[derive(Debug, Clone)]
pub enum EventData {
    /// `<Data Name="…">` values of a manifest provider.
    Named(Vec<(String, String)>),
    /// Unnamed `<Data>` values of a classic (message-table) provider.
    Unnamed(Vec<String>),
}

/// One event to write.
#[derive(Debug, Clone)]
pub struct Event {
    pub provider: String,
    /// `{…}` form; manifest providers have one.
    pub provider_guid: Option<String>,
    pub event_source_name: Option<String>,
    /// The low 16 bits of the event id.
    pub event_id: u16,
    /// The high 16 bits of a classic event id (`EventID@Qualifiers`).
    pub qualifiers: Option<u16>,
    pub version: u8,
    pub level: u8,
    pub task: u16,
    pub opcode: u8,
    pub keywords: u64,
    /// TimeCreated, UTC.
    pub time: NaiveDateTime,
    pub process_id: u32,
    pub thread_id: u32,
    pub channel: String,
    pub computer: String,
    pub data: EventData,
}

impl Event {
    /// An event of a classic source (Application-log style): unnamed data, qualifiers, `Classic` keyword.
    #[allow(clippy::too_many_arguments)]
    pub fn classic(
        provider: &str,
        event_id: u16,
        qualifiers: u16,
        level: u8,
        task: u16,
        time: NaiveDateTime,
        channel: &str,
        computer: &str,
        data: &[&str],
    ) -> Event {
        Event {
            provider: provider.into(),
            provider_guid: None,
            event_source_name: None,
            event_id,
            qualifiers: Some(qualifiers),
            version: 0,
            level,
            task,
            opcode: 0,
            keywords: 0x0080_0000_0000_0000,
            time,
            process_id: 0,
            thread_id: 0,
            channel: channel.into(),
            computer: computer.into(),
            data: EventData::Unnamed(data.iter().map(|s| s.to_string()).collect()),
        }
    }

    /// An event of a manifest provider: named data.
    #[allow(clippy::too_many_arguments)]
    pub fn manifest(
        provider: &str,
        guid: &str,
        event_id: u16,
        level: u8,
        task: u16,
        keywords: u64,
        time: NaiveDateTime,
        channel: &str,
        computer: &str,
        data: &[(&str, &str)],
    ) -> Event {
        Event {
            provider: provider.into(),
            provider_guid: Some(guid.into()),
            event_source_name: None,
            event_id,
            qualifiers: None,
            version: 0,
            level,
            task,
            opcode: 0,
            keywords,
            time,
            process_id: 0,
            thread_id: 0,
            channel: channel.into(),
            computer: computer.into(),
            data: EventData::Named(data.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()),
        }
    }

    pub fn with_source_name(mut self, name: &str) -> Event {
        self.event_source_name = Some(name.into());
        self
    }

    pub fn with_qualifiers(mut self, qualifiers: u16) -> Event {
        self.qualifiers = Some(qualifiers);
        self
    }

    pub fn with_process(mut self, pid: u32, tid: u32) -> Event {
        self.process_id = pid;
        self.thread_id = tid;
        self
    }
}

/// How the file is written.
#[derive(Debug, Clone)]
pub struct Options {
    pub first_record_id: u64,
    /// Mark the file dirty (flag 0x1), as a log copied while in use is.
    pub dirty: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            first_record_id: 1,
            dirty: false,
        }
    }
}

/// A whole `.evtx` file holding `events` with record ids from 1.
pub fn write_evtx(events: &[Event]) -> Vec<u8> {
    write_evtx_with(events, &Options::default())
}

pub fn write_evtx_with(events: &[Event], options: &Options) -> Vec<u8> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut chunk = ChunkBuilder::new();
    let mut id = options.first_record_id;
    for event in events {
        if !chunk.try_add(event, id) {
            chunks.push(chunk.finish());
            chunk = ChunkBuilder::new();
            assert!(chunk.try_add(event, id), "an event does not fit in an empty chunk");
        }
        id += 1;
    }
    if chunk.records > 0 || chunks.is_empty() {
        chunks.push(chunk.finish());
    }
    let mut out = file_header(chunks.len(), id, options.dirty);
    for c in chunks {
        out.extend_from_slice(&c);
    }
    out
}

fn file_header(chunks: usize, next_record_id: u64, dirty: bool) -> Vec<u8> {
    let mut h = vec![0u8; FILE_HEADER_SIZE];
    h[0..8].copy_from_slice(b"ElfFile\0");
    put_u64(&mut h, 8, 0); // oldest chunk
    put_u64(&mut h, 16, chunks.saturating_sub(1) as u64); // current chunk
    put_u64(&mut h, 24, next_record_id);
    put_u32(&mut h, 32, 128);
    put_u16(&mut h, 36, 1); // minor version
    put_u16(&mut h, 38, 3); // major version
    put_u16(&mut h, 40, FILE_HEADER_SIZE as u16);
    put_u16(&mut h, 42, chunks as u16);
    put_u32(&mut h, 120, u32::from(dirty));
    let crc = crc32fast::hash(&h[..120]);
    put_u32(&mut h, 124, crc);
    h
}

/// Byte offset of chunk `n` in a file written here.
pub fn chunk_offset(n: usize) -> usize {
    FILE_HEADER_SIZE + n * CHUNK_SIZE
}

/// Recomputes both CRC-32s of chunk `n` of `file` (after a test edited the chunk).
pub fn fix_chunk_crcs(file: &mut [u8], n: usize) {
    let c = &mut file[chunk_offset(n)..chunk_offset(n) + CHUNK_SIZE];
    let free = u32::from_le_bytes([c[48], c[49], c[50], c[51]]) as usize;
    let data_crc = crc32fast::hash(&c[CHUNK_HEADER_SIZE..free]);
    put_u32(c, 52, data_crc);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&c[..120]);
    hasher.update(&c[128..CHUNK_HEADER_SIZE]);
    let header_crc = hasher.finalize();
    put_u32(c, 124, header_crc);
}

/// Offsets (in the file) of the records of chunk `n`, in order.
pub fn record_offsets(file: &[u8], n: usize) -> Vec<usize> {
    let base = chunk_offset(n);
    let c = &file[base..base + CHUNK_SIZE];
    let free = u32::from_le_bytes([c[48], c[49], c[50], c[51]]) as usize;
    let mut out = Vec::new();
    let mut at = CHUNK_HEADER_SIZE;
    while at + RECORD_HEADER_SIZE <= free && c[at..at + 4] == [0x2a, 0x2a, 0, 0] {
        out.push(base + at);
        at += u32::from_le_bytes([c[at + 4], c[at + 5], c[at + 6], c[at + 7]]) as usize;
    }
    out
}

/// What one template looks like: events of the same shape share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    guid: bool,
    source_name: bool,
    qualifiers: bool,
    /// `Some(name)` per named value, `None` per unnamed one.
    data: Vec<Option<String>>,
}

impl Shape {
    fn of(e: &Event) -> Shape {
        Shape {
            guid: e.provider_guid.is_some(),
            source_name: e.event_source_name.is_some(),
            qualifiers: e.qualifiers.is_some(),
            data: match &e.data {
                EventData::Named(v) => v.iter().map(|(n, _)| Some(n.clone())).collect(),
                EventData::Unnamed(v) => v.iter().map(|_| None).collect(),
            },
        }
    }

    fn id(&self) -> u32 {
        // FNV-1a of the shape, stable across runs.
        let mut h: u32 = 0x811c_9dc5;
        let text = format!("{self:?}");
        for b in text.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        h
    }
}

/// Substitution value types (MS-EVEN6 2.2.18).
mod ty {
    pub const NULL: u8 = 0x00;
    pub const STRING: u8 = 0x01;
    pub const U8: u8 = 0x04;
    pub const U16: u8 = 0x06;
    pub const U32: u8 = 0x08;
    pub const U64: u8 = 0x0A;
    pub const GUID: u8 = 0x0F;
    pub const FILETIME: u8 = 0x11;
    pub const HEX64: u8 = 0x15;
}

/// A node of a template definition.
enum Node {
    Element {
        name: &'static str,
        attrs: Vec<(&'static str, Content)>,
        children: Vec<Node>,
    },
    /// The element name is not static (`Data Name` values are attribute values, names are static).
    Value(Content),
}

enum Content {
    Text(String),
    Sub(u16, u8),
}

fn el(name: &'static str, attrs: Vec<(&'static str, Content)>, children: Vec<Node>) -> Node {
    Node::Element { name, attrs, children }
}

fn sub(index: u16, ty: u8) -> Node {
    Node::Value(Content::Sub(index, ty))
}

/// The template of an event's shape and the event's substitution values in template order; the
/// EventRecordID value (at the returned index) is left empty for the record to fill in.
fn template_and_values(e: &Event, shape: &Shape) -> (Node, Vec<(u8, Vec<u8>)>, usize) {
    let mut values: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut next = |ty: u8, bytes: Vec<u8>| -> u16 {
        values.push((ty, bytes));
        (values.len() - 1) as u16
    };
    let mut provider_attrs = vec![("Name", Content::Sub(next(ty::STRING, utf16(&e.provider)), ty::STRING))];
    if let Some(g) = &e.provider_guid {
        provider_attrs.push(("Guid", Content::Sub(next(ty::GUID, guid_bytes(g)), ty::GUID)));
    }
    if let Some(s) = &e.event_source_name {
        provider_attrs.push(("EventSourceName", Content::Sub(next(ty::STRING, utf16(s)), ty::STRING)));
    }
    let event_id_attrs = match e.qualifiers {
        Some(q) => vec![(
            "Qualifiers",
            Content::Sub(next(ty::U16, q.to_le_bytes().to_vec()), ty::U16),
        )],
        None => vec![],
    };
    let event_id = next(ty::U16, e.event_id.to_le_bytes().to_vec());
    let version = next(ty::U8, vec![e.version]);
    let level = next(ty::U8, vec![e.level]);
    let task = next(ty::U16, e.task.to_le_bytes().to_vec());
    let opcode = next(ty::U8, vec![e.opcode]);
    let keywords = next(ty::HEX64, e.keywords.to_le_bytes().to_vec());
    let created = next(ty::FILETIME, filetime(e.time).to_le_bytes().to_vec());
    let record_id_index = next(ty::U64, Vec::new()); // filled per record
    let pid = next(ty::U32, e.process_id.to_le_bytes().to_vec());
    let tid = next(ty::U32, e.thread_id.to_le_bytes().to_vec());
    let channel = next(ty::STRING, utf16(&e.channel));
    let computer = next(ty::STRING, utf16(&e.computer));
    let system = el(
        "System",
        vec![],
        vec![
            el("Provider", provider_attrs, vec![]),
            el("EventID", event_id_attrs, vec![sub(event_id, ty::U16)]),
            el("Version", vec![], vec![sub(version, ty::U8)]),
            el("Level", vec![], vec![sub(level, ty::U8)]),
            el("Task", vec![], vec![sub(task, ty::U16)]),
            el("Opcode", vec![], vec![sub(opcode, ty::U8)]),
            el("Keywords", vec![], vec![sub(keywords, ty::HEX64)]),
            el(
                "TimeCreated",
                vec![("SystemTime", Content::Sub(created, ty::FILETIME))],
                vec![],
            ),
            el("EventRecordID", vec![], vec![sub(record_id_index, ty::U64)]),
            el("Correlation", vec![], vec![]),
            el(
                "Execution",
                vec![
                    ("ProcessID", Content::Sub(pid, ty::U32)),
                    ("ThreadID", Content::Sub(tid, ty::U32)),
                ],
                vec![],
            ),
            el("Channel", vec![], vec![sub(channel, ty::STRING)]),
            el("Computer", vec![], vec![sub(computer, ty::STRING)]),
            el("Security", vec![], vec![]),
        ],
    );
    let texts: Vec<&str> = match &e.data {
        EventData::Named(v) => v.iter().map(|(_, t)| t.as_str()).collect(),
        EventData::Unnamed(v) => v.iter().map(String::as_str).collect(),
    };
    let mut data_nodes = Vec::new();
    for (name, text) in shape.data.iter().zip(texts) {
        let index = next(ty::STRING, utf16(text));
        let attrs = match name {
            Some(n) => vec![("Name", Content::Text(n.clone()))],
            None => vec![],
        };
        data_nodes.push(el("Data", attrs, vec![sub(index, ty::STRING)]));
    }
    let event = el(
        "Event",
        vec![("xmlns", Content::Text(EVENT_NS.into()))],
        vec![system, el("EventData", vec![], data_nodes)],
    );
    (event, values, record_id_index as usize)
}

/// One chunk being filled.
struct ChunkBuilder {
    buf: Vec<u8>,
    records: u64,
    first_id: u64,
    last_id: u64,
    last_record_at: usize,
    names: HashMap<String, u32>,
    /// Last name written in each of the 64 string-table buckets.
    name_tails: [u32; 64],
    templates: HashMap<Shape, u32>,
    template_tails: [u32; 32],
}

impl ChunkBuilder {
    fn new() -> ChunkBuilder {
        let mut buf = vec![0u8; CHUNK_HEADER_SIZE];
        buf.reserve(CHUNK_SIZE);
        ChunkBuilder {
            buf,
            records: 0,
            first_id: 0,
            last_id: 0,
            last_record_at: CHUNK_HEADER_SIZE,
            names: HashMap::new(),
            name_tails: [0; 64],
            templates: HashMap::new(),
            template_tails: [0; 32],
        }
    }

    /// Appends the event as record `id`; false (and the chunk unchanged) when it does not fit.
    fn try_add(&mut self, e: &Event, id: u64) -> bool {
        let saved = (
            self.buf.len(),
            self.names.clone(),
            self.name_tails,
            self.templates.clone(),
            self.template_tails,
        );
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0x2a, 0x2a, 0, 0]);
        self.buf.extend_from_slice(&[0; 4]); // size, patched below
        self.buf.extend_from_slice(&id.to_le_bytes());
        self.buf.extend_from_slice(&filetime(e.time).to_le_bytes());
        // Binary XML: fragment header, template instance, substitution array.
        self.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        let shape = Shape::of(e);
        let (template, mut values, record_id_index) = template_and_values(e, &shape);
        values[record_id_index].1 = id.to_le_bytes().to_vec();
        self.buf.push(0x0c);
        self.buf.push(0x01);
        self.buf.extend_from_slice(&shape.id().to_le_bytes());
        match self.templates.get(&shape) {
            Some(&offset) => self.buf.extend_from_slice(&offset.to_le_bytes()),
            None => {
                let def_at = (self.buf.len() + 4) as u32;
                self.buf.extend_from_slice(&def_at.to_le_bytes());
                self.write_template(&shape, &template, def_at);
            }
        }
        self.buf.extend_from_slice(&(values.len() as u32).to_le_bytes());
        for (t, v) in &values {
            let size = if *t == ty::NULL { 0 } else { v.len() as u16 };
            self.buf.extend_from_slice(&size.to_le_bytes());
            self.buf.push(*t);
            self.buf.push(0);
        }
        for (_, v) in &values {
            self.buf.extend_from_slice(v);
        }
        let size = (self.buf.len() - start + 4) as u32;
        self.buf.extend_from_slice(&size.to_le_bytes());
        if self.buf.len() > CHUNK_SIZE {
            self.buf.truncate(saved.0);
            self.names = saved.1;
            self.name_tails = saved.2;
            self.templates = saved.3;
            self.template_tails = saved.4;
            return false;
        }
        put_u32(&mut self.buf, start + 4, size);
        if self.records == 0 {
            self.first_id = id;
        }
        self.last_id = id;
        self.last_record_at = start;
        self.records += 1;
        true
    }

    fn write_template(&mut self, shape: &Shape, template: &Node, def_at: u32) {
        let id = shape.id();
        let mut guid = [0u8; 16];
        guid[..4].copy_from_slice(&id.to_le_bytes());
        for (i, b) in guid.iter_mut().enumerate().skip(4) {
            *b = (id.rotate_left(i as u32 * 3) & 0xff) as u8;
        }
        self.buf.extend_from_slice(&0u32.to_le_bytes()); // next template in the bucket
        self.buf.extend_from_slice(&guid);
        let size_at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        let body = self.buf.len();
        self.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        self.write_node(template);
        self.buf.push(0x00); // end of stream
        let size = (self.buf.len() - body) as u32;
        put_u32(&mut self.buf, size_at, size);
        let bucket = (id % 32) as usize;
        match self.template_tails[bucket] {
            0 => put_u32(&mut self.buf, 384 + bucket * 4, def_at),
            tail => put_u32(&mut self.buf, tail as usize, def_at),
        }
        self.template_tails[bucket] = def_at;
        self.templates.insert(shape.clone(), def_at);
    }

    fn write_node(&mut self, node: &Node) {
        match node {
            Node::Value(c) => self.write_content(c),
            Node::Element { name, attrs, children } => {
                self.buf.push(if attrs.is_empty() { 0x01 } else { 0x41 });
                self.buf.extend_from_slice(&0xffffu16.to_le_bytes()); // no dependency
                let size_at = self.buf.len();
                self.buf.extend_from_slice(&[0; 4]);
                self.write_name(name);
                if !attrs.is_empty() {
                    let list_at = self.buf.len();
                    self.buf.extend_from_slice(&[0; 4]);
                    let list = self.buf.len();
                    for (i, (attr, value)) in attrs.iter().enumerate() {
                        self.buf.push(if i + 1 < attrs.len() { 0x46 } else { 0x06 });
                        self.write_name(attr);
                        self.write_content(value);
                    }
                    let n = (self.buf.len() - list) as u32;
                    put_u32(&mut self.buf, list_at, n);
                }
                if children.is_empty() {
                    self.buf.push(0x03);
                } else {
                    self.buf.push(0x02);
                    for c in children {
                        self.write_node(c);
                    }
                    self.buf.push(0x04);
                }
                let n = (self.buf.len() - size_at - 4) as u32;
                put_u32(&mut self.buf, size_at, n);
            }
        }
    }

    fn write_content(&mut self, c: &Content) {
        match c {
            Content::Text(t) => {
                self.buf.push(0x05);
                self.buf.push(ty::STRING);
                let units: Vec<u16> = t.encode_utf16().collect();
                self.buf.extend_from_slice(&(units.len() as u16).to_le_bytes());
                for u in units {
                    self.buf.extend_from_slice(&u.to_le_bytes());
                }
            }
            Content::Sub(index, t) => {
                self.buf.push(0x0d);
                self.buf.extend_from_slice(&index.to_le_bytes());
                self.buf.push(*t);
            }
        }
    }

    /// A name reference; the name itself follows inline the first time the chunk uses it.
    fn write_name(&mut self, name: &str) {
        if let Some(&offset) = self.names.get(name) {
            self.buf.extend_from_slice(&offset.to_le_bytes());
            return;
        }
        let at = (self.buf.len() + 4) as u32;
        self.buf.extend_from_slice(&at.to_le_bytes());
        let units: Vec<u16> = name.encode_utf16().collect();
        let hash = units
            .iter()
            .fold(0u32, |h, &u| h.wrapping_mul(65599).wrapping_add(u32::from(u)));
        self.buf.extend_from_slice(&0u32.to_le_bytes()); // next string in the bucket
        self.buf.extend_from_slice(&(hash as u16).to_le_bytes());
        self.buf.extend_from_slice(&(units.len() as u16).to_le_bytes());
        for u in units {
            self.buf.extend_from_slice(&u.to_le_bytes());
        }
        self.buf.extend_from_slice(&[0, 0]);
        let bucket = (hash as u16 % 64) as usize;
        match self.name_tails[bucket] {
            0 => put_u32(&mut self.buf, 128 + bucket * 4, at),
            tail => put_u32(&mut self.buf, tail as usize, at),
        }
        self.name_tails[bucket] = at;
        self.names.insert(name.to_string(), at);
    }

    fn finish(mut self) -> Vec<u8> {
        let free = self.buf.len();
        self.buf.resize(CHUNK_SIZE, 0);
        let b = &mut self.buf;
        b[0..8].copy_from_slice(b"ElfChnk\0");
        put_u64(b, 8, self.first_id);
        put_u64(b, 16, self.last_id);
        put_u64(b, 24, self.first_id);
        put_u64(b, 32, self.last_id);
        put_u32(b, 40, 128);
        put_u32(b, 44, self.last_record_at as u32);
        put_u32(b, 48, free as u32);
        let data_crc = crc32fast::hash(&b[CHUNK_HEADER_SIZE..free]);
        put_u32(b, 52, data_crc);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&b[..120]);
        hasher.update(&b[128..CHUNK_HEADER_SIZE]);
        let header_crc = hasher.finalize();
        put_u32(b, 124, header_crc);
        self.buf
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// `{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}` in its on-disk (mixed-endian) layout.
fn guid_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let byte = |i: usize| u8::from_str_radix(hex.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).unwrap_or(0);
    let raw: Vec<u8> = (0..16).map(byte).collect();
    let mut out = Vec::with_capacity(16);
    out.extend(raw[0..4].iter().rev());
    out.extend(raw[4..6].iter().rev());
    out.extend(raw[6..8].iter().rev());
    out.extend(&raw[8..16]);
    out
}

/// 100-ns intervals since 1601-01-01 UTC.
pub fn filetime(t: NaiveDateTime) -> u64 {
    let utc = t.and_utc();
    let secs = utc.timestamp() + 11_644_473_600;
    secs as u64 * 10_000_000 + u64::from(utc.timestamp_subsec_nanos()) / 100
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Well-known providers, as Windows Server 2016–2022 writes them.
pub mod providers {
    pub const WSUS: &str = "Windows Server Update Services";
    pub const WAS: &str = "Microsoft-Windows-WAS";
    pub const WAS_GUID: &str = "{524B5D04-133C-4A62-8362-64E8EDB9CE40}";
    pub const SCM: &str = "Service Control Manager";
    pub const SCM_GUID: &str = "{555908d1-a6d7-4695-8e1e-26931d2012f4}";
    pub const WU_CLIENT: &str = "Microsoft-Windows-WindowsUpdateClient";
    pub const WU_CLIENT_GUID: &str = "{945A8954-C147-4ACD-923F-40C45405A658}";
    pub const WU_OPERATIONAL: &str = "Microsoft-Windows-WindowsUpdateClient/Operational";
}

/// The events the tests and the CI cross-check use: one of each kind the signatures read, on one
/// server (`WSUS01`) and one client (`PC0077`), in time order.
pub fn fixture_events() -> Vec<Event> {
    use providers::*;
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let host = "WSUS01.contoso.local";
    let was = |id: u16, q: u16, level: u8, time: &str, data: &[(&str, &str)]| {
        Event::manifest(
            WAS,
            WAS_GUID,
            id,
            level,
            0,
            0x0080_0000_0000_0000,
            at(time),
            "System",
            host,
            data,
        )
        .with_source_name("WAS")
        .with_qualifiers(q)
    };
    let scm = |id: u16, q: u16, level: u8, time: &str, data: &[(&str, &str)]| {
        Event::manifest(
            SCM,
            SCM_GUID,
            id,
            level,
            0,
            0x8080_0000_0000_0000,
            at(time),
            "System",
            host,
            data,
        )
        .with_source_name(SCM)
        .with_qualifiers(q)
        .with_process(664, 3120)
    };
    vec![
        Event::classic(
            WSUS,
            364,
            0,
            2,
            2,
            at("2024-11-20 06:14:00.117"),
            "Application",
            host,
            &[
                "Content file download failed.\r\nReason: HTTP status 404: The requested URL does not exist on the server.\r\n\r\nSource File: /Content/02/0098C79E1404B4399BF0E686D88DBF052269A302.exe\r\nDestination File: D:\\WSUS\\WsusContent\\02\\0098C79E1404B4399BF0E686D88DBF052269A302.exe",
            ],
        ),
        Event::classic(
            WSUS,
            12072,
            0,
            2,
            0,
            at("2024-11-20 06:20:11.500"),
            "Application",
            host,
            &[
                "The WSUS content directory is not accessible.\r\nSystem.Net.WebException: The remote server returned an error: (503) Server Unavailable.\r\n   at Microsoft.UpdateServices.Internal.HealthMonitoring.HmtWebServices.CheckContentDirWebAccess(EventLoggingType type, HealthEventLogger logger)",
            ],
        ),
        Event::classic(
            WSUS,
            7053,
            0,
            2,
            0,
            at("2024-11-20 07:02:45.000"),
            "Application",
            host,
            &[
                "The WSUS administration console has encountered an unexpected error. This may be a transient error; try restarting the administration console. If this error persists,\r\n\r\nSystem.InvalidOperationException -- Client found response content type of 'text/html; charset=utf-8', but expected 'text/xml'.",
            ],
        ),
        was(
            5117,
            16384,
            4,
            "2024-11-20 06:10:02.345",
            &[("AppPoolID", "WsusPool"), ("ProcessID", "4412")],
        ),
        was(5002, 49152, 2, "2024-11-20 06:19:58.002", &[("AppPoolID", "WsusPool")]),
        scm(
            7031,
            49152,
            2,
            "2024-11-20 06:25:00.000",
            &[
                ("param1", "WSUS Service"),
                ("param2", "1"),
                ("param3", "60000"),
                ("param4", "1"),
                ("param5", "Restart the service"),
            ],
        ),
        scm(
            7034,
            49152,
            2,
            "2024-11-20 06:31:40.000",
            &[("param1", "World Wide Web Publishing Service"), ("param2", "2")],
        ),
        Event::manifest(
            WU_CLIENT,
            WU_CLIENT_GUID,
            20,
            2,
            1,
            0x8000_0000_0000_0028,
            at("2024-11-20 09:14:31.208"),
            "System",
            "PC0077.contoso.local",
            &[
                ("errorCode", "0x80244017"),
                (
                    "updateTitle",
                    "2024-11 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5046613)",
                ),
                ("updateGuid", "{6F6A2C41-0D3C-4C8F-9C11-2B7E5D4A9F10}"),
                ("updateRevisionNumber", "201"),
                ("serviceGuid", "{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}"),
            ],
        ),
        Event::manifest(
            WU_CLIENT,
            WU_CLIENT_GUID,
            25,
            2,
            1,
            0x8000_0000_0000_0000,
            at("2024-11-20 09:14:05.950"),
            WU_OPERATIONAL,
            "PC0077.contoso.local",
            &[("errorCode", "0x8024402c")],
        ),
    ]
}
