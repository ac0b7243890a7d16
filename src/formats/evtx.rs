//! EVTX event logs: `Application.evtx`, `System.evtx`, `Setup.evtx`,
//! `Microsoft-Windows-WindowsUpdateClient%4Operational.evtx` and any other channel.
//!
//! The file header is checked here, then each 64 KiB chunk is read on its own (the `evtx` crate
//! parses a chunk's Binary XML and renders each record as XML), chunks in parallel and their records
//! pushed in record order: from the chunk holding the oldest records to the end of the file, then
//! from its start, as Windows reads a log that has wrapped around. Each record becomes a [`Record`]
//! at `Position::Record(EventRecordID)` (the id of the XML's System section, which Event Viewer
//! shows; a forwarded or "saved selected" event keeps its source's id there while the record header
//! numbers it in this file, and that number stands in only for a missing or zero id), whose text is
//! the record's rendered
//! XML (the `<Event>` element, compact: one line unless a value holds line breaks), so any cited
//! text is a substring of it; its fields are read from that XML and borrow from it (see
//! [`super::events`]).
//!
//! Damage is read around, never stopped at: a chunk with a bad magic is skipped, a chunk whose
//! CRC-32 does not match is still read, a record that cannot be parsed or rendered is reported
//! where it stands (chunk, record id or file offset) and reading goes on with the next one, and a
//! file cut inside a chunk keeps the records that chunk holds in full.

use super::events::{EventXml, MessageCatalog, read_event_xml};
use super::{ParseInput, ParseOutcome, Problems};
use crate::records::{Position, Problem, Record, RecordSink, Timestamp};
use ::evtx::err::EvtxError;
use ::evtx::{EvtxChunkData, ParserSettings};
use chrono::{DateTime, Datelike};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65536;
const CHUNK_HEADER_SIZE: usize = 512;
const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";
/// Chunks read in parallel at a time: bounds the rendered XML held before it goes to the sink.
const BATCH: usize = 16;

/// Header flags (file and chunk).
const FLAG_DIRTY: u32 = 0x1;
const FLAG_FULL: u32 = 0x2;
const FLAG_NO_CRC32: u32 = 0x4;

pub fn parse(input: &ParseInput<'_>, sink: &mut dyn RecordSink) -> ParseOutcome {
    let bytes = input.bytes;
    let mut problems = Problems::default();
    let mut notes = Vec::new();
    let Some(header) = bytes.get(..FILE_HEADER_SIZE) else {
        return ParseOutcome {
            problems: vec![Problem::at_offset(
                0,
                format!(
                    "the file is {} bytes, shorter than the {FILE_HEADER_SIZE}-byte EVTX file header: no chunk to read",
                    bytes.len()
                ),
            )],
            time_zone: Some("UTC".into()),
            ..ParseOutcome::default()
        };
    };
    let body = bytes.get(FILE_HEADER_SIZE..).unwrap_or_default();
    let slots = chunk_slots(body);
    let dirty = read_file_header(header, slots.len(), &mut problems, &mut notes);
    // Windows updates a chunk's CRC-32s as it closes the chunk: in a file copied while open, the
    // newest chunk's may not match yet, which is no damage.
    let open_chunk = if dirty { newest_chunk(&slots) } else { None };
    let tail = body.len() % CHUNK_SIZE;
    if tail > 0 {
        let n = body.len() / CHUNK_SIZE;
        let held = if tail >= CHUNK_HEADER_SIZE {
            "the records it holds in full were read"
        } else {
            "not even its header is there"
        };
        problems.push(
            "truncated",
            Problem::at_offset(
                chunk_offset(n),
                format!(
                    "the file ends inside chunk {n}: {tail} of its {CHUNK_SIZE} bytes are there (a cut copy); {held}"
                ),
            ),
        );
    }
    for slot in &slots {
        if let Slot::BadMagic(magic) = &slot.kind {
            problems.push(
                "bad chunk magic",
                Problem::at_offset(
                    chunk_offset(slot.number),
                    format!(
                        "chunk {}: not an EVTX chunk (magic {}, expected ElfChnk); its {} bytes were skipped",
                        slot.number,
                        hex(magic),
                        slot.data.len()
                    ),
                ),
            );
        }
    }

    let settings = Arc::new(ParserSettings::new().indent(false));
    let catalog = input.options.messages();
    let order = record_order(&slots);
    let mut records = 0u64;
    for batch in order.chunks(BATCH) {
        let outputs: Vec<ChunkOutput> = batch
            .par_iter()
            .filter_map(|&i| slots.get(i))
            .map(|slot| read_chunk(slot, &settings, open_chunk == Some(slot.number)))
            .collect();
        for out in outputs {
            notes.extend(out.notes);
            for (class, problem) in out.problems {
                problems.push(class, problem);
            }
            for event in &out.events {
                sink.record(&event.record(catalog));
                records += 1;
            }
        }
    }
    ParseOutcome {
        records,
        problems: problems.finish(),
        notes,
        time_zone: Some("UTC".into()),
    }
}

fn chunk_offset(n: usize) -> u64 {
    (FILE_HEADER_SIZE + n * CHUNK_SIZE) as u64
}

/// Checks the file header; true when the file is marked dirty.
fn read_file_header(header: &[u8], chunks_present: usize, problems: &mut Problems, notes: &mut Vec<String>) -> bool {
    let flags = u32_at(header, 120);
    let stored = u32_at(header, 124);
    let computed = crc32fast::hash(header.get(..120).unwrap_or_default());
    if flags & FLAG_NO_CRC32 == 0 && stored != computed {
        problems.push(
            "file header CRC-32 mismatch",
            Problem::at_offset(
                0,
                format!(
                    "file header CRC-32 mismatch (stored {stored:#010x}, computed {computed:#010x}); the chunks were read anyway"
                ),
            ),
        );
    }
    if flags & FLAG_DIRTY != 0 {
        notes.push(
            "the file is marked dirty (copied while the event log service had it open): the newest records may be missing"
                .into(),
        );
    }
    if flags & FLAG_FULL != 0 {
        notes.push("the log is marked full: it wraps around, so its oldest records were overwritten".into());
    }
    let counted = usize::from(u16_at(header, 42));
    if counted > chunks_present {
        problems.push(
            "chunks missing",
            Problem::at_offset(
                42,
                format!(
                    "the file header counts {counted} chunks but the file holds {chunks_present}: the copy is truncated"
                ),
            ),
        );
    }
    flags & FLAG_DIRTY != 0
}

/// What stands at one 64 KiB slot of the file.
struct ChunkSlot<'a> {
    number: usize,
    data: &'a [u8],
    kind: Slot,
}

enum Slot {
    /// All zeros: space the log has not used yet.
    Empty,
    BadMagic([u8; 8]),
    Chunk {
        first_id: u64,
        last_id: u64,
    },
}

/// The chunk slots of the file body, a last partial chunk included when its header is there.
fn chunk_slots(body: &[u8]) -> Vec<ChunkSlot<'_>> {
    body.chunks(CHUNK_SIZE)
        .enumerate()
        .filter(|(_, data)| data.len() >= CHUNK_HEADER_SIZE)
        .map(|(number, data)| {
            let kind = if data.get(..8) == Some(CHUNK_MAGIC) {
                Slot::Chunk {
                    first_id: u64_at(data, 24),
                    last_id: u64_at(data, 32),
                }
            } else if data.iter().all(|&b| b == 0) {
                Slot::Empty
            } else {
                Slot::BadMagic(data.get(..8).and_then(|m| m.try_into().ok()).unwrap_or_default())
            };
            ChunkSlot { number, data, kind }
        })
        .collect()
}

/// The chunks to read, oldest records first: from the chunk whose header names the lowest record
/// id to the end of the file, then from the start (a full log writes each new chunk over its oldest).
fn record_order(slots: &[ChunkSlot<'_>]) -> Vec<usize> {
    let oldest = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.kind {
            Slot::Chunk { first_id, last_id } if first_id <= last_id => Some((first_id, i)),
            _ => None,
        })
        .min()
        .map_or(0, |(_, i)| i);
    (oldest..slots.len())
        .chain(0..oldest)
        .filter(|&i| slots.get(i).is_some_and(|s| matches!(s.kind, Slot::Chunk { .. })))
        .collect()
}

/// The chunk holding the newest records (the highest last record id).
fn newest_chunk(slots: &[ChunkSlot<'_>]) -> Option<usize> {
    slots
        .iter()
        .filter_map(|s| match s.kind {
            Slot::Chunk { first_id, last_id } if first_id <= last_id => Some((last_id, s.number)),
            _ => None,
        })
        .max()
        .map(|(_, n)| n)
}

/// One record rendered, ready to become a [`Record`].
struct RenderedEvent {
    /// The record header's id: the record's number in this file.
    id: u64,
    /// The record header's time (when the record was written), for a record without TimeCreated.
    written: Option<Timestamp>,
    /// The rendering; the record's text is the `<Event>` element from `start` on.
    xml: String,
    start: usize,
    /// Read from the element (its ranges are within the element).
    parts: Option<EventXml>,
}

impl RenderedEvent {
    fn record(&self, catalog: &MessageCatalog) -> Record<'_> {
        let element = self.xml.get(self.start..).unwrap_or_default();
        let (fields, time) = match &self.parts {
            Some(p) => (p.fields(element, catalog), p.time(element)),
            None => (Default::default(), None),
        };
        let id = fields
            .get("record-id")
            .and_then(|r| r.parse::<u64>().ok())
            .filter(|&r| r != 0)
            .unwrap_or(self.id);
        Record {
            position: Position::Record(id),
            time: time.or(self.written),
            text: Cow::Borrowed(element),
            continuation: Vec::new(),
            fields,
        }
    }
}

#[derive(Default)]
struct ChunkOutput {
    events: Vec<RenderedEvent>,
    problems: Vec<(&'static str, Problem)>,
    notes: Vec<String>,
}

impl ChunkOutput {
    fn crc_mismatch(&mut self, n: usize, what: &str, stored: u32, computed: u32, open: bool) {
        let text = format!("chunk {n}: {what} CRC-32 mismatch (stored {stored:#010x}, computed {computed:#010x})");
        if open {
            self.notes.push(format!(
                "{text}: the chunk being written when the dirty file was copied; its records were read"
            ));
        } else {
            self.problems.push((
                "chunk CRC-32 mismatch",
                Problem::at_offset(chunk_offset(n), format!("{text}; its records were read anyway")),
            ));
        }
    }
}

/// Reads one chunk; `open` when it is the newest chunk of a dirty file (see [`parse`]).
fn read_chunk(slot: &ChunkSlot<'_>, settings: &Arc<ParserSettings>, open: bool) -> ChunkOutput {
    let mut out = ChunkOutput::default();
    let n = slot.number;
    let at = chunk_offset(n);
    let data = slot.data;
    let flags = u32_at(data, 120);
    if flags & FLAG_NO_CRC32 == 0 {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(data.get(..120).unwrap_or_default());
        hasher.update(data.get(128..CHUNK_HEADER_SIZE).unwrap_or_default());
        let (stored, computed) = (u32_at(data, 124), hasher.finalize());
        if stored != computed {
            out.crc_mismatch(n, "header", stored, computed, open);
        }
        let free = u32_at(data, 48) as usize;
        // A cut chunk was reported as such; its CRC cannot match.
        if data.len() == CHUNK_SIZE {
            match data.get(CHUNK_HEADER_SIZE..free) {
                Some(records) => {
                    let (stored, computed) = (u32_at(data, 52), crc32fast::hash(records));
                    if stored != computed {
                        out.crc_mismatch(n, "event records", stored, computed, open);
                    }
                }
                None => out.problems.push((
                    "damaged chunk header",
                    Problem::at_offset(
                        at + 48,
                        format!(
                            "chunk {n}: free-space offset {free} is outside the chunk; records were read up to its end"
                        ),
                    ),
                )),
            }
        }
    }
    let mut chunk_data = match EvtxChunkData::new(data.to_vec(), false) {
        Ok(c) => c,
        Err(e) => {
            out.problems.push((
                "damaged chunk header",
                Problem::at_offset(at, format!("chunk {n}: {}; chunk skipped", describe(&e))),
            ));
            return out;
        }
    };
    let mut chunk = match chunk_data.parse(Arc::clone(settings)) {
        Ok(c) => c,
        Err(e) => {
            out.problems.push((
                "damaged chunk header",
                Problem::at_offset(at, format!("chunk {n}: {}; chunk skipped", describe(&e))),
            ));
            return out;
        }
    };
    for record in chunk.iter() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(("unreadable record", record_problem(n, &e)));
                continue;
            }
        };
        let id = record.event_record_id;
        let written = DateTime::from_timestamp(
            record.timestamp.as_second(),
            record.timestamp.subsec_nanosecond().max(0) as u32,
        )
        .map(|t| t.naive_utc())
        .filter(|t| t.year() > 1601)
        .map(|t| Timestamp::utc(super::time::millis(t)));
        match record.into_xml_bytes() {
            Ok(rendered) => {
                let (xml, start) = event_element(rendered.data);
                let parts = match read_event_xml(xml.get(start..).unwrap_or_default()) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        out.problems.push((
                            "record XML not read",
                            Problem::at_record(id, format!("chunk {n}: the rendered XML could not be read ({e}); the record is kept without fields")),
                        ));
                        None
                    }
                };
                out.events.push(RenderedEvent {
                    id,
                    written,
                    xml,
                    start,
                    parts,
                });
            }
            Err(e) => out.problems.push((
                "record not rendered",
                Problem::at_record(
                    id,
                    format!(
                        "chunk {n}: the record could not be rendered ({}); skipped",
                        describe(&e)
                    ),
                ),
            )),
        }
    }
    out
}

/// A rendered record and where its `<Event>` element starts in it (after the XML declaration,
/// which is left in place rather than copying the element out).
fn event_element(rendered: Vec<u8>) -> (String, usize) {
    let mut xml = match String::from_utf8(rendered) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let trimmed = xml.trim_end().len();
    xml.truncate(trimmed);
    let start = xml.find("<Event").unwrap_or(0);
    (xml, start)
}

fn record_problem(chunk: usize, e: &EvtxError) -> Problem {
    match e {
        EvtxError::FailedToReadRecordAt { offset, source, .. } => Problem::at_offset(
            chunk_offset(chunk) + offset,
            format!(
                "chunk {chunk}: unreadable record data at offset {offset:#x} of the chunk ({}); reading went on with the next record",
                describe(source.as_ref())
            ),
        ),
        EvtxError::FailedToParseRecord { record_id, source } => Problem::at_record(
            *record_id,
            format!(
                "chunk {chunk}: the record could not be parsed ({}); skipped",
                describe(source.as_ref())
            ),
        ),
        other => Problem::at_offset(chunk_offset(chunk), format!("chunk {chunk}: {}", describe(other))),
    }
}

/// An error and its causes in one line, without the crate's generic wrapper messages.
fn describe(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if !text.starts_with("An error occurred") && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}
