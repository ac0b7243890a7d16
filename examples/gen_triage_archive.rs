//! Writes a ticket archive for `scripts/bench-triage.sh`: N zipped WSUS bundles of 10-100 MB of
//! logs each (uncompressed), deterministic for a given seed.
//!
//! `cargo run --release --example gen_triage_archive -- OUT_DIR [--bundles N] [--min-mb A]
//! [--max-mb B] [--seed S]` (defaults: 200 bundles, 10-100 MB, seed 1).
//!
//! Each bundle is a WSUS server's IIS logs (most of the bytes: client scans, reports, BITS
//! downloads answered 200/206, the console's NTLM handshakes), its SoftwareDistribution.log, and
//! the WindowsUpdate.log of a few clients. One bundle in three carries the Content-vroot fault
//! (BITS downloads answered 401 from 8-11 o'clock of its last day on; even the smallest day runs
//! past noon). Every name, address and id is
//! invented.

use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// xorshift64*: small, fast, the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| b"0123456789ABCDEF"[self.below(16) as usize] as char)
            .collect()
    }
}

const IIS_HEADER: &str = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";
const WUA: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const BITS: &str = "Microsoft+BITS/7.8";
const CONSOLE: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";

struct Plan {
    index: usize,
    bytes: u64,
    faulty: bool,
    clients: u64,
    seed: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let (mut bundles, mut min_mb, mut max_mb, mut seed) = (200usize, 10u64, 100u64, 1u64);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .expect("a number after the flag")
        };
        match a.as_str() {
            "--bundles" => bundles = value() as usize,
            "--min-mb" => min_mb = value(),
            "--max-mb" => max_mb = value(),
            "--seed" => seed = value(),
            _ => out = Some(PathBuf::from(a)),
        }
    }
    let out = out.expect("usage: gen_triage_archive OUT_DIR [--bundles N] [--min-mb A] [--max-mb B] [--seed S]");
    std::fs::create_dir_all(&out).expect("create the output folder");
    let mut rng = Rng::new(seed);
    let plans: Vec<Plan> = (0..bundles)
        .map(|index| Plan {
            index,
            bytes: (min_mb + rng.below(max_mb.saturating_sub(min_mb) + 1)) << 20,
            faulty: index % 3 == 1,
            clients: 50 + rng.below(450),
            seed: rng.next(),
        })
        .collect();
    plans.par_iter().for_each(|p| write_bundle(&out, p));
    let total: u64 = plans.iter().map(|p| p.bytes).sum();
    println!(
        "{} bundles, {} MiB uncompressed, in {}",
        plans.len(),
        total >> 20,
        out.display()
    );
}

fn write_bundle(dir: &Path, plan: &Plan) {
    let mut rng = Rng::new(plan.seed);
    let path = dir.join(format!("ticket-{:05}.zip", plan.index + 1));
    let file = std::fs::File::create(&path).expect("create the bundle");
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    // Level 1: the archive is generated fast; decompression speed does not depend on the level.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let iis_budget = plan.bytes * 92 / 100;
    let days = (iis_budget / (12 << 20)).clamp(1, 30);
    let per_day = iis_budget / days;
    for day in 0..days {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 10, 1).unwrap() + chrono::Duration::days(day as i64);
        let fault_from = (plan.faulty && day == days - 1).then(|| 8 + rng.below(4) as u32);
        let text = iis_day(&mut rng, date, per_day, plan.clients, fault_from);
        let name = format!(
            "Server/inetpub/logs/LogFiles/W3SVC1274659245/u_ex{}.log",
            date.format("%y%m%d")
        );
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let sd = software_distribution(&mut rng, plan.bytes * 5 / 100, days);
    zip.start_file("Server/Update Services/LogFiles/SoftwareDistribution.log", options)
        .unwrap();
    zip.write_all(sd.as_bytes()).unwrap();
    let clients = 3;
    for c in 0..clients {
        let wu = windows_update(&mut rng, plan.bytes * 3 / 100 / clients, days);
        zip.start_file(format!("Clients/PC{:04}/WindowsUpdate.log", c + 1), options)
            .unwrap();
        zip.write_all(wu.as_bytes()).unwrap();
    }
    zip.finish().unwrap().flush().unwrap();
}

/// One day of IIS requests, about `bytes` long; BITS downloads fail with 401 from `fault_from` o'clock.
fn iis_day(rng: &mut Rng, date: chrono::NaiveDate, bytes: u64, clients: u64, fault_from: Option<u32>) -> String {
    let mut s = String::with_capacity(bytes as usize + 4096);
    s.push_str(IIS_HEADER);
    let d = date.format("%Y-%m-%d").to_string();
    let mut second = 0u32;
    while (s.len() as u64) < bytes {
        second = (second + rng.below(3) as u32).min(86_399);
        let (h, m, sec) = (second / 3600, second / 60 % 60, second % 60);
        let client = format!(
            "10.1.{}.{}",
            4 + rng.below(clients) / 250,
            10 + rng.below(clients) % 240
        );
        let taken = 1 + rng.below(900);
        let t = format!("{d} {h:02}:{m:02}:{sec:02}");
        match rng.below(10) {
            0..=3 => {
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /ClientWebService/client.asmx - 8530 - {client} {WUA} - 200 0 0 {taken}\r\n"
                );
            }
            4 => {
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /SimpleAuthWebService/SimpleAuth.asmx - 8530 - {client} {WUA} - 200 0 0 {taken}\r\n"
                );
            }
            5 => {
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /ReportingWebService/ReportingWebService.asmx - 8530 - {client} {WUA} - 200 0 0 {taken}\r\n"
                );
            }
            6..=8 => {
                let file = format!("/Content/{}/{}.cab", rng.hex(2), rng.hex(40));
                if fault_from.is_some_and(|f| h >= f) {
                    let _ = write!(
                        s,
                        "{t} 10.1.0.20 HEAD {file} - 8530 - {client} {BITS} - 401 2 5 {taken}\r\n"
                    );
                    let _ = write!(
                        s,
                        "{t} 10.1.0.20 HEAD {file} - 8530 - {client} {BITS} - 401 1 2148074254 {taken}\r\n"
                    );
                } else {
                    let _ = write!(
                        s,
                        "{t} 10.1.0.20 HEAD {file} - 8530 - {client} {BITS} - 200 0 0 {taken}\r\n"
                    );
                    let _ = write!(
                        s,
                        "{t} 10.1.0.20 GET {file} - 8530 - {client} {BITS} - 206 0 0 {taken}\r\n"
                    );
                }
            }
            _ => {
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 - 10.1.0.5 {CONSOLE} - 401 2 5 {taken}\r\n"
                );
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 - 10.1.0.5 {CONSOLE} - 401 1 2148074254 {taken}\r\n"
                );
                let _ = write!(
                    s,
                    "{t} 10.1.0.20 POST /ApiRemoting30/WebService.asmx - 8530 CONTOSO\\wsusadmin 10.1.0.5 {CONSOLE} - 200 0 0 {taken}\r\n"
                );
            }
        }
    }
    s
}

fn software_distribution(rng: &mut Rng, bytes: u64, days: u64) -> String {
    let mut s = String::with_capacity(bytes as usize + 4096);
    let start = chrono::NaiveDate::from_ymd_opt(2024, 10, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let span = days * 86_400_000;
    let mut ms = 0u64;
    let step = (span / (bytes / 180).max(1)).max(1);
    while (s.len() as u64) < bytes {
        ms = (ms + rng.below(2 * step)).min(span - 1);
        let t = start + chrono::Duration::milliseconds(ms as i64);
        let ts = t.format("%Y-%m-%d %H:%M:%S%.3f");
        let _ = match rng.below(4) {
            0 => write!(
                s,
                "{ts} UTC\tInfo\tWsusService.21\tEventLogEventReporter.ReportEvent\tEventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.\r\n"
            ),
            1 => write!(
                s,
                "{ts} UTC\tInfo\tWsusService.21\tEventLogEventReporter.ReportEvent\tEventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully.\r\n"
            ),
            2 => write!(
                s,
                "{ts} UTC\tInfo\tWsusService.14\tContentSyncAgent.ProcessBITSNotificationQueue\tContent download completed for update {}-{}-{}-{}-{}\r\n",
                rng.hex(8).to_lowercase(),
                rng.hex(4).to_lowercase(),
                rng.hex(4).to_lowercase(),
                rng.hex(4).to_lowercase(),
                rng.hex(12).to_lowercase()
            ),
            _ => write!(
                s,
                "{ts} UTC\tInfo\tw3wp.{}\tClientImplementation.SyncUpdates\tSyncUpdates: {} updates returned to client\r\n",
                10 + rng.below(40),
                rng.below(300)
            ),
        };
    }
    s
}

fn windows_update(rng: &mut Rng, bytes: u64, days: u64) -> String {
    let mut s = String::with_capacity(bytes as usize + 4096);
    s.push('\u{feff}');
    let start = chrono::NaiveDate::from_ymd_opt(2024, 10, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let span = days * 86_400_000;
    let mut ms = 0u64;
    let step = (span / (bytes / 120).max(1)).max(1);
    while (s.len() as u64) < bytes {
        ms = (ms + rng.below(2 * step)).min(span - 1);
        let t = start + chrono::Duration::milliseconds(ms as i64);
        let ts = t.format("%Y/%m/%d %H:%M:%S%.3f");
        let _ = match rng.below(3) {
            0 => write!(
                s,
                "{ts}0000 1204  5520  Agent           WSUS server: http://wsus01.contoso.local:8530\r\n"
            ),
            1 => write!(
                s,
                "{ts}0000 1204  5520  ProtocolTalker  ServiceId = {{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx\r\n"
            ),
            _ => write!(
                s,
                "{ts}0000 1204  5520  Agent           Found {} updates and 84 categories in search; evaluated appl. rules of 1920 out of 3311 deployed entities\r\n",
                rng.below(20)
            ),
        };
    }
    s
}
