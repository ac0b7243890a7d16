//! Writes a large, realistic WSUS server folder for the speed benchmark (`scripts/bench.sh`):
//! `cargo run --release --example gen_bench_logs -- OUT_DIR [IIS_MB] [TEXT_MB]`.
//!
//! - `W3SVC1274659245/u_exYYMMDD.log`: IIS W3C logs of a WSUS site (8530), about IIS_MB in all
//!   (default 1100), in daily files of ~140 MB. Traffic is WSUS-shaped: client scans and reports
//!   from Windows-Update-Agent, BITS range downloads of `/Content/XX/<sha1>.cab`, self-update
//!   probes, the normal NTLM 401→200 handshakes, a few genuine 401s on `/Content/` from a handful
//!   of clients, 404s and 503s. Each file has a directive block, a restart block mid-file, and one
//!   file changes its `#Fields` (adds `cs-host sc-bytes cs-bytes`) after the restart.
//! - `Clients/PC*/WindowsUpdate.log` (Windows 10 layout) and `LogFiles/SoftwareDistribution.log`
//!   (with stack traces), about TEXT_MB in all (default 240).
//!
//! Everything is generated from the grammars of formats.md with invented names and addresses, from a
//! fixed seed: the same arguments always write the same bytes.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hex(&mut self, out: &mut String, digits: usize) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for _ in 0..digits {
            out.push(HEX[self.below(16) as usize] as char);
        }
    }
}

const MB: u64 = 1 << 20;
const SERVER_IP: &str = "10.1.0.20";
const WUA: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const WUA_OLD: &str = "Windows-Update-Agent/7.9.9600.18970+Client-Protocol/1.81";
const BITS: [&str; 3] = ["Microsoft+BITS/7.8", "Microsoft+BITS/7.5", "Microsoft+BITS/7.7"];
const CONSOLE_UA: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";
const FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";
const FIELDS_WIDE: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";
const CLIENTS: u64 = 4000;
/// Clients whose Content downloads get 401 (the Content vroot lost anonymous access for them).
const DENIED_CLIENTS: u64 = 7;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: gen_bench_logs OUT_DIR [IIS_MB] [TEXT_MB]");
        std::process::exit(2);
    };
    let iis_mb: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1100);
    let text_mb: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(240);
    let out = Path::new(out);
    let mut rng = Rng(0x5EED_C7A0_83BB_2024);
    let content: Vec<String> = (0..600)
        .map(|i| {
            let mut s = String::from("/Content/");
            rng.hex(&mut s, 2);
            s.push('/');
            rng.hex(&mut s, 40);
            s.push_str([".cab", ".cab", ".exe", ".psf", ".esd"][i % 5]);
            s
        })
        .collect();
    let site = out.join("W3SVC1274659245");
    fs::create_dir_all(&site)?;
    let files = iis_mb.div_ceil(140).max(1);
    for day in 0..files {
        let path = site.join(format!("u_ex2411{:02}.log", day + 1));
        write_iis_day(&path, day, iis_mb * MB / files, &content, &mut rng)?;
    }
    let clients = out.join("Clients");
    let wu_bytes = text_mb * MB * 2 / 3;
    for pc in 0..5u64 {
        let dir = clients.join(format!("PC{:04}", pc * 37 + 11));
        fs::create_dir_all(&dir)?;
        write_windowsupdate(&dir.join("WindowsUpdate.log"), pc, wu_bytes / 5, &mut rng)?;
    }
    let logs = out.join("LogFiles");
    fs::create_dir_all(&logs)?;
    write_softwaredistribution(
        &logs.join("SoftwareDistribution.log"),
        text_mb * MB - wu_bytes,
        &mut rng,
    )?;
    Ok(())
}

fn client_ip(c: u64) -> String {
    format!("10.1.{}.{}", 4 + c / 250, c % 250 + 1)
}

fn hms(second: u64) -> String {
    format!("{:02}:{:02}:{:02}", second / 3600 % 24, second / 60 % 60, second % 60)
}

struct IisLine<'a> {
    date: &'a str,
    second: u64,
    method: &'a str,
    uri: &'a str,
    query: &'a str,
    user: &'a str,
    client: &'a str,
    ua: &'a str,
    status: &'a str,
    taken: u64,
}

fn iis_line(buf: &mut String, l: &IisLine<'_>, wide: bool, rng: &mut Rng) {
    let _ = write!(
        buf,
        "{} {} {SERVER_IP} {} {} {} 8530 {} {} {} -",
        l.date,
        hms(l.second),
        l.method,
        l.uri,
        l.query,
        l.user,
        l.client,
        l.ua
    );
    if wide {
        buf.push_str(" wsus01.contoso.com:8530");
    }
    let _ = write!(buf, " {}", l.status);
    if wide {
        let _ = write!(buf, " {} {}", 200 + rng.below(900_000), 180 + rng.below(4000));
    }
    let _ = writeln!(buf, " {}\r", l.taken);
}

fn write_iis_day(path: &Path, day: u64, bytes: u64, content: &[String], rng: &mut Rng) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(8 << 20, File::create(path)?);
    let date = format!("2024-11-{:02}", day + 1);
    let header = |w: &mut BufWriter<File>, second: u64, fields: &str| -> std::io::Result<()> {
        write!(
            w,
            "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: {date} {}\r\n#Fields: {fields}\r\n",
            hms(second)
        )
    };
    header(&mut w, 0, FIELDS)?;
    // About 215 bytes a line: the second of the day advances with the bytes written.
    let lines = bytes / 215;
    let restart_at = lines * 3 / 5;
    let mut wide = false;
    let mut written = 0u64;
    let mut buf = String::with_capacity(1024);
    let mut i = 0u64;
    while written < bytes {
        let second = (i * 86_400 / lines.max(1)).min(86_399);
        if i == restart_at {
            // The service restarted (a new directive block); on the third day with more fields.
            wide = day == 2;
            header(&mut w, second, if wide { FIELDS_WIDE } else { FIELDS })?;
        }
        buf.clear();
        let c = rng.below(CLIENTS);
        let ip = client_ip(c);
        let roll = rng.below(1000);
        let line = |method, uri, query, user, ua, status, taken| IisLine {
            date: &date,
            second,
            method,
            uri,
            query,
            user,
            client: &ip,
            ua,
            status,
            taken,
        };
        let taken = 1 + rng.below(900);
        let file = &content[rng.below(content.len() as u64) as usize];
        let bits = BITS[(c % 3) as usize];
        match roll {
            0..=349 => {
                let ua = if c.is_multiple_of(10) { WUA_OLD } else { WUA };
                iis_line(
                    &mut buf,
                    &line("POST", "/ClientWebService/client.asmx", "-", "-", ua, "200 0 0", taken),
                    wide,
                    rng,
                )
            }
            350..=399 => iis_line(
                &mut buf,
                &line(
                    "POST",
                    "/ReportingWebService/ReportingWebService.asmx",
                    "-",
                    "-",
                    WUA,
                    "200 0 0",
                    taken,
                ),
                wide,
                rng,
            ),
            400..=429 => iis_line(
                &mut buf,
                &line(
                    "POST",
                    "/SimpleAuthWebService/SimpleAuth.asmx",
                    "-",
                    "-",
                    WUA,
                    "200 0 0",
                    taken,
                ),
                wide,
                rng,
            ),
            430..=459 => {
                let status = if roll.is_multiple_of(2) { "200 0 0" } else { "304 0 0" };
                iis_line(
                    &mut buf,
                    &line("GET", "/selfupdate/wuident.cab", "0911041507", "-", WUA, status, taken),
                    wide,
                    rng,
                )
            }
            460..=469 => {
                // NTLM handshake of the console: 401.2, 401.1, then 200 for the same client and URI.
                let uri = "/ApiRemoting30/WebService.asmx";
                let l = line("POST", uri, "-", "-", CONSOLE_UA, "401 2 5", 1);
                iis_line(&mut buf, &l, wide, rng);
                iis_line(
                    &mut buf,
                    &IisLine {
                        status: "401 1 2148074254",
                        ..l
                    },
                    wide,
                    rng,
                );
                iis_line(
                    &mut buf,
                    &IisLine {
                        status: "200 0 0",
                        user: "CONTOSO\\wsusadmin",
                        taken,
                        ..l
                    },
                    wide,
                    rng,
                );
            }
            470..=474 => iis_line(
                &mut buf,
                &line("HEAD", file, "-", "-", WUA, "404 0 2", taken),
                wide,
                rng,
            ),
            475..=476 => iis_line(
                &mut buf,
                &line("POST", "/ClientWebService/client.asmx", "-", "-", WUA, "503 0 0", taken),
                wide,
                rng,
            ),
            _ => {
                let denied = c < DENIED_CLIENTS && rng.below(4) == 0;
                let status = if denied {
                    "401 2 5"
                } else if roll.is_multiple_of(3) {
                    "200 0 0"
                } else {
                    "206 0 0"
                };
                let method = if roll.is_multiple_of(17) { "HEAD" } else { "GET" };
                iis_line(&mut buf, &line(method, file, "-", "-", bits, status, taken), wide, rng)
            }
        }
        w.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
        i += 1;
    }
    w.flush()
}

const WU_LINES: [(&str, &str); 14] = [
    (
        "Agent",
        "* START * Finding updates CallerId = UpdateOrchestrator  Id = 161",
    ),
    (
        "Agent",
        "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No",
    ),
    (
        "ProtocolTalker",
        "ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.com:8530/ClientWebService/client.asmx",
    ),
    ("ProtocolTalker", "OK to reuse existing configuration"),
    ("ProtocolTalker", "PTInfo: Server requested registration"),
    ("WebServices", "Auto proxy settings for this web service call."),
    (
        "DownloadManager",
        "Regulation: {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} - Regulation server path is empty. Skipping regulation.",
    ),
    (
        "Agent",
        "Found 3 updates and 129 categories in search; evaluated appl. rules of 2271 out of 4413 deployed entities",
    ),
    (
        "Agent",
        "* END * Finding updates CallerId = UpdateOrchestrator  Id = 161",
    ),
    ("Shared", "Network state: Connected"),
    ("Misc", "LoadHistoryEventFromRegistry completed, hr = 8024000C"),
    ("DataStore", "Data store successfully initialized"),
    (
        "IdleTimer",
        "WU operation (CSearchCall::Init ID 161) started; operation # 66; does use network; is not at background priority",
    ),
    (
        "Deployment",
        "  Title = 2024-11 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5046613)",
    ),
];

const WU_FAILURES: [(&str, &str); 5] = [
    (
        "ProtocolTalker",
        "*FAILED* [8024401C] Method failed [CClientCallRecorder::SyncUpdates:1078]",
    ),
    ("ProtocolTalker", "*FAILED* [80244022] SyncUpdates_WithRecovery failed"),
    ("WebServices", "*FAILED* [80072EE2] Send request"),
    ("Misc", "*FAILED* [8024000C] LoadHistoryEventFromRegistry completed"),
    ("Agent", "*FAILED* [80244007] SyncUpdates_WithRecovery failed"),
];

fn write_windowsupdate(path: &Path, pc: u64, bytes: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(8 << 20, File::create(path)?);
    let mut written = 0u64;
    let mut tick = 0u64;
    let mut buf = String::with_capacity(512);
    let (pid, mut tid) = (1200 + pc * 17, 4000 + pc);
    while written < bytes {
        buf.clear();
        tick += 1 + rng.below(40_000_000);
        if rng.below(50) == 0 {
            tid = 1000 + rng.below(19_000);
        }
        let (component, message) = if rng.below(200) == 0 {
            WU_FAILURES[rng.below(WU_FAILURES.len() as u64) as usize]
        } else {
            WU_LINES[rng.below(WU_LINES.len() as u64) as usize]
        };
        let seconds = tick / 10_000_000;
        let _ = writeln!(
            buf,
            "2024/11/{:02} {}.{:07} {:<5} {:<5} {:<15} {}\r",
            1 + (seconds / 86_400) % 28,
            hms(seconds),
            tick % 10_000_000,
            pid,
            tid,
            component,
            message
        );
        w.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
    }
    w.flush()
}

fn write_softwaredistribution(path: &Path, bytes: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(8 << 20, File::create(path)?);
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut written = 3u64;
    let mut ms = 0u64;
    let mut buf = String::with_capacity(2048);
    while written < bytes {
        buf.clear();
        ms += 1 + rng.below(20_000);
        let s = ms / 1000;
        let stamp = format!("2024-11-{:02} {}.{:03} UTC", 1 + (s / 86_400) % 28, hms(s), ms % 1000);
        let thread = 10 + rng.below(40);
        match rng.below(100) {
            0..=59 => {
                let _ = writeln!(
                    buf,
                    "{stamp}\tInfo\tWsusService.{thread}\tThreadEntry\tClientImplementation.SyncUpdates: {} updates returned\r",
                    rng.below(400)
                );
            }
            60..=84 => {
                let _ = writeln!(
                    buf,
                    "{stamp}\tInfo\tw3wp.{thread}\tSoapUtilities.CreateException\tThrowException: actor = http://wsus01.contoso.com:8530/ClientWebService/client.asmx, ID={:08x}-0000-0000-0000-000000000000\r",
                    rng.below(1 << 32)
                );
            }
            85..=94 => {
                let _ = writeln!(
                    buf,
                    "{stamp}\tInfo\tWsusService.{thread}\tEventLogEventReporter.ReportEvent\tEventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully.\r"
                );
            }
            _ => {
                let _ = writeln!(
                    buf,
                    "{stamp}\tError\tWsusService.{thread}\tWebServiceCommunicationHelper.ProcessWebServiceProxyException\tSystem.Net.WebException: The operation has timed out\r\n   at System.Web.Services.Protocols.WebClientProtocol.GetWebResponse(WebRequest request)\r\n   at System.Web.Services.Protocols.HttpWebClientProtocol.GetWebResponse(WebRequest request)\r\n   at Microsoft.UpdateServices.ServerSync.ServerSyncLib.InternetGetServerAuthConfig(ServerSyncProxy proxy, WebServiceCommunicationHelper webServiceHelper)\r"
                );
            }
        }
        w.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
    }
    w.flush()
}
