//! Writes the sample bundles under `samples/` from scratch, deterministically:
//! `cargo run --example make_samples [-- OUTPUT_DIR]`.
//!
//! Every line is generated from the grammars in the reference (formats.md), with invented hosts,
//! addresses and ids; nothing is copied from a real bundle. `tests/samples.rs` checks that the
//! committed samples are what this program writes.

#[path = "../tests/support/regf_writer.rs"]
mod regf_writer;

#[path = "../tests/support/evtx_writer.rs"]
mod evtx_writer;

#[path = "samples/kit.rs"]
mod kit;

#[path = "samples/healthy2022.rs"]
mod healthy2022;

#[path = "samples/healthy2008r2.rs"]
mod healthy2008r2;

#[path = "samples/uup2019.rs"]
mod uup2019;

#[path = "samples/wsus30_2003.rs"]
mod wsus30_2003;

#[path = "samples/wsus20_2003.rs"]
mod wsus20_2003;

#[path = "samples/sccm_sup.rs"]
mod sccm_sup;

#[path = "samples/clients_only.rs"]
mod clients_only;

#[path = "samples/german2016.rs"]
mod german2016;

#[path = "samples/recovered2019.rs"]
mod recovered2019;

#[path = "samples/two_faults2012r2.rs"]
mod two_faults2012r2;

use evtx_writer::{Event, providers};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A small deterministic generator (xorshift64*), so the samples never change between runs.
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
    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| {
                char::from_digit(self.below(16) as u32, 16)
                    .unwrap()
                    .to_ascii_uppercase()
            })
            .collect()
    }
    fn guid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }
}

const SITE_ID: u32 = 1274659245;
const SERVER_IP: &str = "10.1.0.20";
const CONSOLE_IP: &str = "10.1.0.5";
const WUA: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const BITS: &str = "Microsoft+BITS/7.8";
const CONSOLE_UA: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";
const BROWSER: &str =
    "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/131.0.0.0+Safari/537.36";

/// One IIS request, kept with its time in seconds of the day for sorting.
struct Request {
    second: u32,
    line: String,
}

fn hms(second: u32) -> String {
    format!("{:02}:{:02}:{:02}", second / 3600, (second / 60) % 60, second % 60)
}

#[allow(clippy::too_many_arguments)]
fn request(
    day: &str,
    second: u32,
    method: &str,
    uri: &str,
    user: &str,
    client: &str,
    ua: &str,
    status: &str,
    rng: &mut Rng,
) -> Request {
    let taken = 1 + rng.below(400);
    Request {
        second,
        line: format!(
            "{day} {} {SERVER_IP} {method} {uri} - 8530 {user} {client} {ua} - {status} {taken}",
            hms(second)
        ),
    }
}

/// Content files the server offers: `/Content/<last two hex of the sha1>/<sha1>.<ext>`.
fn content_files(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let sha = rng.hex(40);
            let ext = ["cab", "exe", "psf", "cab", "msu"][i % 5];
            format!("/Content/{}/{sha}.{ext}", &sha[38..])
        })
        .collect()
}

/// A day of WSUS IIS traffic. From `fault_from` (seconds of the day) on, anonymous access to
/// /Content/ is gone: BITS gets 401.2, retries with credentials, gets 401.1, and gives up.
fn iis_day(day: &str, clients: &[String], files: &[String], fault_from: Option<u32>, rng: &mut Rng) -> String {
    let mut reqs = Vec::new();
    for (ci, client) in clients.iter().enumerate() {
        let user = "-";
        // Each client scans about every 90 minutes, at its own offset.
        let mut t = 300 + (ci as u32 * 97) % 5400;
        while t < 86_000 {
            reqs.push(request(
                day,
                t,
                "POST",
                "/ClientWebService/client.asmx",
                user,
                client,
                WUA,
                "200 0 0",
                rng,
            ));
            reqs.push(request(
                day,
                t + 1,
                "POST",
                "/SimpleAuthWebService/SimpleAuth.asmx",
                user,
                client,
                WUA,
                "200 0 0",
                rng,
            ));
            reqs.push(request(
                day,
                t + 1,
                "POST",
                "/ClientWebService/client.asmx",
                user,
                client,
                WUA,
                "200 0 0",
                rng,
            ));
            reqs.push(request(
                day,
                t + 3,
                "POST",
                "/ClientWebService/client.asmx",
                user,
                client,
                WUA,
                "200 0 0",
                rng,
            ));
            // Some scans find something to download.
            if rng.below(3) == 0 {
                let file = &files[rng.below(files.len() as u64) as usize];
                let at = t + 20 + rng.below(60) as u32;
                if fault_from.is_some_and(|f| at >= f) {
                    reqs.push(request(day, at, "HEAD", file, user, client, BITS, "401 2 5", rng));
                    reqs.push(request(
                        day,
                        at,
                        "HEAD",
                        file,
                        user,
                        client,
                        BITS,
                        "401 1 2148074254",
                        rng,
                    ));
                } else {
                    reqs.push(request(day, at, "HEAD", file, user, client, BITS, "200 0 0", rng));
                    for chunk in 0..(1 + rng.below(4)) {
                        reqs.push(request(
                            day,
                            at + 1 + chunk as u32,
                            "GET",
                            file,
                            user,
                            client,
                            BITS,
                            "206 0 0",
                            rng,
                        ));
                    }
                }
            }
            reqs.push(request(
                day,
                t + 120,
                "POST",
                "/ReportingWebService/ReportingWebService.asmx",
                user,
                client,
                WUA,
                "200 0 0",
                rng,
            ));
            t += 5400 + rng.below(600) as u32;
        }
    }
    // The administrator's console: NTLM on ApiRemoting30, every few minutes during office hours.
    let mut t = 8 * 3600;
    while t < 17 * 3600 {
        reqs.push(request(
            day,
            t,
            "POST",
            "/ApiRemoting30/WebService.asmx",
            "-",
            CONSOLE_IP,
            CONSOLE_UA,
            "401 2 5",
            rng,
        ));
        reqs.push(request(
            day,
            t,
            "POST",
            "/ApiRemoting30/WebService.asmx",
            "-",
            CONSOLE_IP,
            CONSOLE_UA,
            "401 1 2148074254",
            rng,
        ));
        reqs.push(request(
            day,
            t,
            "POST",
            "/ApiRemoting30/WebService.asmx",
            "CONTOSO\\wsusadmin",
            CONSOLE_IP,
            CONSOLE_UA,
            "200 0 0",
            rng,
        ));
        t += 240 + rng.below(300) as u32;
    }
    // An administrator opens the site root in a browser: 403.14, as on every WSUS server.
    reqs.push(request(
        day,
        9 * 3600 + 1800,
        "GET",
        "/",
        "-",
        CONSOLE_IP,
        BROWSER,
        "403 14 0",
        rng,
    ));
    reqs.push(request(
        day,
        9 * 3600 + 1801,
        "GET",
        "/favicon.ico",
        "-",
        CONSOLE_IP,
        BROWSER,
        "404 0 2",
        rng,
    ));
    reqs.sort_by_key(|r| r.second);
    let mut out = String::new();
    let _ = write!(
        out,
        "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: {day} 00:00:00\r\n#Fields: {}\r\n",
        kit::IIS10_FIELDS
    );
    for r in &reqs {
        out.push_str(&r.line);
        out.push_str("\r\n");
    }
    out
}

fn software_distribution_log(rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut line = |t: &str, level: &str, proc_: &str, source: &str, msg: &str| {
        let _ = write!(out, "{t} UTC\t{level}\t{proc_}\t{source}\t{msg}\r\n");
    };
    for day in ["2024-11-19", "2024-11-20"] {
        line(
            &format!("{day} 03:00:00.117"),
            "Info",
            "WsusService.21",
            "EventLogEventReporter.ReportEvent",
            "EventId=381,Type=Information,Category=Synchronization,Message=A scheduled synchronization was started.",
        );
        line(
            &format!("{day} 03:00:02.930"),
            "Info",
            "WsusService.21",
            "CatalogSyncAgentCore.ExecuteSyncProtocol",
            "Server ID is 6a2f9c40-1b7e-4d3a-9c55-0e8b7f1d2a64",
        );
        line(
            &format!("{day} 03:04:41.502"),
            "Info",
            "WsusService.21",
            "EventLogEventReporter.ReportEvent",
            "EventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully.",
        );
        line(
            &format!("{day} 03:04:42.011"),
            "Info",
            "WsusService.14",
            "EventLogEventReporter.ReportEvent",
            "EventId=361,Type=Information,Category=Synchronization,Message=Content synchronization started.",
        );
        for _ in 0..3 {
            let guid = rng.guid().to_lowercase();
            line(
                &format!("{day} 03:05:{:02}.{:03}", rng.below(60), rng.below(1000)),
                "Info",
                "WsusService.14",
                "ContentSyncAgent.ProcessBITSNotificationQueue",
                &format!("Content download completed for update {guid}"),
            );
        }
    }
    line(
        "2024-11-20 09:11:48.333",
        "Change",
        "w3wp.36",
        "AdminDataAccess.SetConfiguration",
        "Configuration changed by CONTOSO\\wsusadmin",
    );
    out
}

fn application_host_config() -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<configuration>\r\n    <system.applicationHost>\r\n",
    );
    out.push_str("        <applicationPools>\r\n            <add name=\"DefaultAppPool\" />\r\n");
    out.push_str("            <add name=\"WsusPool\" queueLength=\"2000\" managedRuntimeVersion=\"v4.0\">\r\n                <processModel identityType=\"NetworkService\" idleTimeout=\"00:00:00\" pingingEnabled=\"false\" />\r\n                <recycling>\r\n                    <periodicRestart privateMemory=\"0\" time=\"00:00:00\" />\r\n                </recycling>\r\n            </add>\r\n");
    out.push_str("        </applicationPools>\r\n        <sites>\r\n");
    out.push_str(kit::DEFAULT_WEB_SITE);
    let _ = write!(
        out,
        "            <site name=\"WSUS Administration\" id=\"{SITE_ID}\">\r\n                <application path=\"/\" applicationPool=\"WsusPool\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"C:\\Program Files\\Update Services\\WebServices\\Root\" />\r\n                    <virtualDirectory path=\"/Content\" physicalPath=\"D:\\WSUS\\WsusContent\" />\r\n                </application>\r\n"
    );
    kit::wsus_applications(&mut out);
    out.push_str("                <bindings>\r\n                    <binding protocol=\"http\" bindingInformation=\"*:8530:\" />\r\n                    <binding protocol=\"https\" bindingInformation=\"*:8531:\" />\r\n                </bindings>\r\n            </site>\r\n        </sites>\r\n    </system.applicationHost>\r\n");
    for app in kit::WSUS_APPS {
        let windows = app == "ApiRemoting30";
        kit::auth_location(&mut out, "WSUS Administration", app, !windows, windows);
    }
    // The fault: someone hardened the Content vdir (a SharePoint-style site policy).
    kit::auth_location(&mut out, "WSUS Administration", "Content", false, true);
    out.push_str("</configuration>\r\n");
    out
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

fn server_registry() -> Vec<u8> {
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Update Services\\Server\\Setup]\r\n\"ContentDir\"=\"D:\\\\WSUS\"\r\n\"TargetDir\"=\"C:\\\\Program Files\\\\Update Services\\\\\"\r\n\"SqlServerName\"=\"MICROSOFT##WID\"\r\n\"SqlDatabaseName\"=\"SUSDB\"\r\n\"SqlAuthenticationMode\"=\"WindowsAuthentication\"\r\n\"PortNumber\"=dword:{:08x}\r\n\"UsingSSL\"=dword:00000000\r\n\"IISTargetWebsiteIndex\"=dword:{:08x}\r\n\"VersionString\"=\"10.0.17763.678\"\r\n\"WmsdeInstalled\"=dword:00000000\r\n\r\n",
        8530, SITE_ID
    );
    utf16le_with_bom(&text)
}

fn client_policy() -> Vec<u8> {
    utf16le_with_bom(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate]\r\n\"WUServer\"=\"http://wsus01.contoso.local:8530\"\r\n\"WUStatusServer\"=\"http://wsus01.contoso.local:8530\"\r\n\"DoNotConnectToWindowsUpdateInternetLocations\"=dword:00000001\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU]\r\n\"UseWUServer\"=dword:00000001\r\n\"AUOptions\"=dword:00000004\r\n\"NoAutoUpdate\"=dword:00000000\r\n\r\n",
    )
}

/// The client PC0077's Windows 10 log (local time, W. Europe = UTC+1 in November).
fn client_windowsupdate_log(file: &str, rng: &mut Rng) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |t: &str, comp: &str, msg: &str, rng: &mut Rng| {
        let _ = write!(
            out,
            "2024/11/20 {t}.{:07} {:<5} {:<5} {:<15} {msg}\r\n",
            rng.below(10_000_000),
            1204,
            5520,
            comp
        );
    };
    line(
        "10:14:02",
        "Agent",
        "WSUS server: http://wsus01.contoso.local:8530",
        rng,
    );
    line(
        "10:14:02",
        "Agent",
        "WSUS status server: http://wsus01.contoso.local:8530",
        rng,
    );
    line("10:14:02", "Agent", "Target group: (Unassigned Computers)", rng);
    line("10:14:02", "Agent", "Windows Update access disabled: No", rng);
    line(
        "10:14:05",
        "ProtocolTalker",
        "ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus01.contoso.local:8530/ClientWebService/client.asmx",
        rng,
    );
    line(
        "10:14:09",
        "Agent",
        "Found 1 updates and 84 categories in search; evaluated appl. rules of 1920 out of 3311 deployed entities",
        rng,
    );
    let job = rng.guid();
    let update = rng.guid();
    line(
        "10:14:31",
        "DownloadManager",
        &format!("BITS job {{{job}}} hit a transient error, updateId = {update}.201 <NULL>, error = 0x80190191"),
        rng,
    );
    line(
        "10:14:31",
        "DownloadManager",
        &format!("Failed job file: URL = http://wsus01.contoso.local:8530{file}"),
        rng,
    );
    line(
        "10:14:31",
        "DownloadManager",
        "*FAILED* [80244017] Download failed for the update",
        rng,
    );
    out
}

fn client_reporting_events(rng: &mut Rng) -> Vec<u8> {
    let mut text = String::new();
    for t in ["10:14:31:208", "12:01:44:950"] {
        let _ = write!(
            text,
            "{{{}}}\t2024-11-20 {t}+0100\t1\t161 [AGENT_DOWNLOAD_FAILED]\t101\t{{{}}}\t201\t80244017\tAutomaticUpdates\tFailure\tContent Download\tError: Download failed.\r\n",
            rng.guid(),
            rng.guid()
        );
    }
    utf16le_with_bom(&text)
}

fn zip_bytes(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2024, 11, 20, 18, 0, 0).unwrap());
    for (name, data) in files {
        w.start_file(name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// The server's SOFTWARE hive (WSUS setup values, as in the .reg export) and SYSTEM hive (W. Europe
/// time zone, the WsusService, W3SVC and WAS services), written by the project's regf writer.
fn server_hives() -> Vec<(String, Vec<u8>)> {
    vec![
        (
            "Server/Registry/SOFTWARE".into(),
            regf_writer::wsus_software_hive().to_bytes(),
        ),
        (
            "Server/Registry/SYSTEM".into(),
            regf_writer::wsus_system_hive().to_bytes(),
        ),
    ]
}

/// `wsus2019-content-401`: a Server 2019 WSUS whose Content vdir lost anonymous access at 09:12
/// UTC on 2024-11-20, plus one client's logs in a nested zip.
fn content_401_bundle() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x5EED_2024_1120);
    let clients: Vec<String> = (0..37).map(|i| format!("10.1.4.{}", 20 + i * 2)).collect();
    let files = content_files(&mut rng, 60);
    let logs = format!("Server/inetpub/logs/LogFiles/W3SVC{SITE_ID}");
    let mut out = vec![
        (
            format!("{logs}/u_ex241119.log"),
            iis_day("2024-11-19", &clients, &files, None, &mut rng).into_bytes(),
        ),
        (
            format!("{logs}/u_ex241120.log"),
            iis_day("2024-11-20", &clients, &files, Some(9 * 3600 + 12 * 60), &mut rng).into_bytes(),
        ),
        (
            "Server/Update Services/LogFiles/SoftwareDistribution.log".into(),
            software_distribution_log(&mut rng).into_bytes(),
        ),
        (
            "Server/inetsrv/config/applicationHost.config".into(),
            application_host_config().into_bytes(),
        ),
        ("Server/Registry/UpdateServices-Setup.reg".into(), server_registry()),
    ];
    out.extend(server_hives());
    let client = zip_bytes(&[
        (
            "WindowsUpdate.log".into(),
            client_windowsupdate_log(&files[7], &mut rng).into_bytes(),
        ),
        (
            "SoftwareDistribution/ReportingEvents.log".into(),
            client_reporting_events(&mut rng),
        ),
        ("Registry/WindowsUpdate-policy.reg".into(), client_policy()),
    ]);
    out.push(("Clients/PC0077.zip".into(), client));
    out.extend(server_event_logs());
    out
}

const SERVER: &str = "WSUS01.contoso.local";

fn utc(day: u32, h: u32, m: u32, s: u32, ms: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 11, day)
        .unwrap()
        .and_hms_milli_opt(h, m, s, ms)
        .unwrap()
}

/// A Service Control Manager "entered the … state" event (7036).
fn service_state(time: chrono::NaiveDateTime, service: &str, state: &str) -> Event {
    let mut e = Event::manifest(
        providers::SCM,
        providers::SCM_GUID,
        7036,
        4,
        0,
        0x8080_0000_0000_0000,
        time,
        "System",
        SERVER,
        &[("param1", service), ("param2", state)],
    )
    .with_source_name(providers::SCM)
    .with_qualifiers(16384);
    e.process_id = 664;
    e.thread_id = 3120;
    e
}

/// The WSUS server's Application and System logs for 2024-11-19 and 2024-11-20, as copied from the
/// live server (marked dirty): a healthy server. Its scheduled synchronizations at 03:00 UTC match
/// SoftwareDistribution.log; the Content vdir losing anonymous access at 09:12 leaves no event,
/// since only IIS and the clients see the 401s (WSUS's own health check authenticates).
fn server_event_logs() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x5EED_0E7E_2024_1120);
    let mut application: Vec<Event> = Vec::new();
    let mut system: Vec<Event> = Vec::new();
    for day in [19, 20] {
        let restart = format!("2124-10-{}T02:10:33Z", day + 7);
        application.push(kit::spp_event(
            SERVER,
            utc(day, 2, 10, 33, rng.below(1000) as u32),
            &restart,
        ));
        application.push(kit::sync_app_event(SERVER, utc(day, 3, 0, 0, 117), 381));
        application.push(kit::sync_app_event(SERVER, utc(day, 3, 4, 41, 502), 384));
        application.push(kit::sync_app_event(SERVER, utc(day, 3, 4, 42, 11), 361));

        // Content synchronization downloads through BITS, which starts and later stops again.
        system.push(service_state(
            utc(day, 3, 4, 42, 230),
            "Background Intelligent Transfer Service",
            "running",
        ));
        system.push(service_state(
            utc(day, 3, 9, 15, 604),
            "Background Intelligent Transfer Service",
            "stopped",
        ));
        let mut start_type = Event::manifest(
            providers::SCM,
            providers::SCM_GUID,
            7040,
            4,
            0,
            0x8080_0000_0000_0000,
            utc(day, 3, 9, 16, 2),
            "System",
            SERVER,
            &[
                ("param1", "Background Intelligent Transfer Service"),
                ("param2", "auto start"),
                ("param3", "demand start"),
                ("param4", "BITS"),
            ],
        )
        .with_source_name(providers::SCM)
        .with_qualifiers(16384);
        start_type.process_id = 664;
        system.push(start_type);
        // The server's own Windows Update scans, and the services that come and go with them.
        let mut t = 3600 + rng.below(1800) as u32;
        while t < if day == 20 { 17 * 3600 } else { 86_000 } {
            let (h, m, s) = (t / 3600, (t / 60) % 60, t % 60);
            system.push(service_state(
                utc(day, h, m, s, rng.below(1000) as u32),
                "Windows Update",
                "running",
            ));
            system.push(service_state(
                utc(day, h, m, s, 0) + chrono::Duration::seconds(4),
                "WinHTTP Web Proxy Auto-Discovery Service",
                "running",
            ));
            let stop = utc(day, h, m, s, 0) + chrono::Duration::seconds(600 + rng.below(300) as i64);
            system.push(service_state(stop, "Windows Update", "stopped"));
            t += 4 * 3600 + rng.below(3600) as u32;
        }
        // Uptime, once a day at noon (the event log service's classic event).
        system.push(kit::uptime_event(
            SERVER,
            utc(day, 12, 0, 0, 0),
            2 * 86_400 + u64::from(day - 19) * 86_400 + 12 * 3600,
            "-60 W. Europe Standard Time",
        ));
    }
    // Patch Tuesday's definition update installs on the server itself on the 19th.
    let title = "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.421.1286.0) - Current Channel (Broad)";
    let update = [
        ("updateTitle", title),
        ("updateGuid", "{5D4F2E9A-3B1C-4E7F-9A20-6C8B1D3E5F70}"),
        ("updateRevisionNumber", "200"),
    ];
    system.push(kit::wu_client_event(SERVER, utc(19, 7, 41, 12, 377), 44, &update));
    system.push(kit::wu_client_event(SERVER, utc(19, 7, 42, 3, 90), 43, &update));
    let mut installed = update.to_vec();
    installed.push(("serviceGuid", "{7971F918-A847-4430-9279-4A52D1EFE18D}"));
    system.push(kit::wu_client_event(SERVER, utc(19, 7, 43, 51, 640), 19, &installed));
    system.push(kit::time_service_event(
        SERVER,
        utc(20, 6, 30, 0, 415),
        35,
        "DC01.contoso.local (ntp.d|10.1.0.20:123->10.1.0.2:123)",
    ));
    application.sort_by_key(|e| e.time);
    system.sort_by_key(|e| e.time);
    let copied_live = |first_record_id| evtx_writer::Options {
        first_record_id,
        dirty: true,
    };
    vec![
        (
            "Server/EventLogs/Application.evtx".into(),
            evtx_writer::write_evtx_with(&application, &copied_live(48_211)),
        ),
        (
            "Server/EventLogs/System.evtx".into(),
            evtx_writer::write_evtx_with(&system, &copied_live(131_877)),
        ),
    ]
}

/// A sample bundle beyond the first: its files, the date its archives carry, and whether it is
/// also shipped as a cabinet.
struct Sample {
    name: &'static str,
    files: kit::Files,
    packed: chrono::NaiveDateTime,
    cab: bool,
}

fn more_samples() -> Vec<Sample> {
    let sample = |name, files, packed, cab| Sample {
        name,
        files,
        packed: kit::at(packed),
        cab,
    };
    vec![
        sample(
            "wsus2022-healthy-noisy",
            healthy2022::bundle(),
            "2025-01-15 14:20:00",
            false,
        ),
        sample(
            "wsus30-2003-sha2-sync",
            wsus30_2003::bundle(),
            "2019-12-04 10:05:00",
            true,
        ),
        sample(
            "wsus20-2003-content-anonymous-off",
            wsus20_2003::bundle(),
            "2007-06-13 09:30:00",
            false,
        ),
        sample("sccm-sup-proxy-407", sccm_sup::bundle(), "2024-06-12 10:10:00", false),
        sample(
            "clients-only-proxy-clone-port",
            clients_only::bundle(),
            "2024-11-19 13:05:00",
            false,
        ),
        sample(
            "wsus2016-de-content-disk-full",
            german2016::bundle(),
            "2024-11-13 08:15:00",
            false,
        ),
        sample(
            "wsus2019-recovered-sync",
            recovered2019::bundle(),
            "2024-09-12 09:00:00",
            false,
        ),
        sample("wsus2019-uup-mime-404", uup2019::bundle(), "2024-03-13 23:00:00", false),
        sample(
            "wsus30-2008r2-upstream-healthy",
            healthy2008r2::bundle(),
            "2016-02-11 01:10:00",
            false,
        ),
        sample(
            "wsus2012r2-pool-and-upgrade-two-faults",
            two_faults2012r2::bundle(),
            "2024-05-15 13:05:00",
            false,
        ),
    ]
}

/// Writes every sample bundle under `root`, each as a folder and as a zip (some also as a cab).
pub fn write_all(root: &Path) {
    let bundle = content_401_bundle();
    let folder = root.join("wsus2019-content-401");
    for (rel, data) in &bundle {
        write(&folder, rel, data);
    }
    write(root, "wsus2019-content-401.zip", &zip_bytes(&bundle));
    for sample in more_samples() {
        let folder = root.join(sample.name);
        for (rel, data) in &sample.files {
            write(&folder, rel, data);
        }
        write(
            root,
            &format!("{}.zip", sample.name),
            &kit::zip_at(&sample.files, sample.packed),
        );
        if sample.cab {
            write(
                root,
                &format!("{}.cab", sample.name),
                &kit::cab_at(&sample.files, sample.packed),
            );
        }
    }
}

fn main() {
    let root: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("samples"));
    write_all(&root);
    println!("wrote the samples under {}", root.display());
}
