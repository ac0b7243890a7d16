//! `wsus2012r2-pool-and-upgrade-two-faults`: a Windows Server 2012 R2 WSUS (6.3.9600) in Dallas,
//! rebuilt from an old image the week before, on 2024-05-15. Two independent faults:
//! 1. WsusPool keeps its default 1,843,200 KB private memory limit and default queue: it recycles
//!    on the limit all morning (WAS 5117), its workers then fail and rapid-fail protection disables
//!    it at 14:01 UTC (WAS 5002); HTTP.sys answers 503 AppOffline until an `iisreset` at 15:10.
//!    Clients time out (0x8024401C, 0x80072EE2) and get 503 (0x80244022).
//! 2. Catching up on updates installed KB3159706 on 2024-05-14, but nobody ran `wsusutil
//!    postinstall /servicing`: the console fails with "The handshake failed due to an unexpected
//!    packet format" and Windows 10 clients fail the 22H2 feature update with 0xC1800118.
//!
//! The event logs are `wevtutil qe … /f:text` output redirected by PowerShell, so UTF-16LE, and so
//! is the `reg query` output.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const HOST: &str = "UPD-SRV01";
const FQDN: &str = "UPD-SRV01.tailspin.local";
const IP: &str = "10.60.0.10";
const SITE: u32 = 1_097_441_152;
const ZONE: Tz = chrono_tz::America::Chicago;
const URL: &str = "http://upd-srv01.tailspin.local:8530";
const ROOT: &str = "UPD-SRV01_2024-05-15";

fn phases() -> (NaiveDateTime, NaiveDateTime, NaiveDateTime) {
    // Overloaded from 13:30, disabled at 14:01:58, iisreset at 15:10:40 (UTC).
    (
        at("2024-05-15 13:30:00"),
        at("2024-05-15 14:01:58"),
        at("2024-05-15 15:10:40"),
    )
}

fn iis(rng: &mut Rng) -> (Files, Vec<u8>) {
    let (slow, down, reset) = phases();
    let wua = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
    let mut hits = Vec::new();
    let mut errs = Vec::new();
    let clients = client_ips(120, "10.60", (16, 60), (10, 4));
    let rounds = Rounds {
        from: at("2024-05-15 00:00:00"),
        spread: (977, 14_000),
        every: (3 * 3600, 1800),
        until: at("2024-05-15 18:00:00"),
    };
    let traffic = ScanTraffic {
        port: 8530,
        ua: wua,
        calls: &[0, 1, 2, 5],
        call_taken: (200, 4000),
        report: 90,
        report_taken: (40, 200),
    };
    rounds.each(rng, &clients, |rng, r| {
        let (c, t) = (r.client, r.t);
        if t >= down && t < reset {
            let port = 50_000 + rng.below(15_000) as u32;
            for (dt, uri) in [(0, CLIENT_WS), (1, REPORTING_WS)] {
                errs.push(httperr_line(
                    t + secs(dt),
                    c,
                    port + dt as u32,
                    IP,
                    8530,
                    "HTTP/1.1",
                    "POST",
                    uri,
                    "503",
                    &SITE.to_string(),
                    "AppOffline",
                    "WsusPool",
                ));
            }
        } else if t >= slow && t < down {
            hits.push(Hit::new(
                t,
                "POST",
                CLIENT_WS,
                8530,
                c,
                wua,
                (200, 0, 0),
                9000 + rng.below(30_000) as u32,
            ));
            let st = if rng.below(2) == 0 { (500, 0, 64) } else { (500, 0, 0) };
            hits.push(Hit::new(
                t + secs(50),
                "POST",
                CLIENT_WS,
                8530,
                c,
                wua,
                st,
                60_000 + rng.below(60_000) as u32,
            ));
        } else {
            traffic.scan(&mut hits, rng, c, t);
            traffic.report(&mut hits, rng, c, t);
        }
    });
    // Every recycle and crash abandons the requests in flight.
    for r in recycles().iter().chain(crashes().iter()) {
        for k in 0..3 {
            let c = &clients[rng.below(clients.len() as u64) as usize];
            errs.push(httperr_line(
                *r + secs(k),
                c,
                51_000 + rng.below(9000) as u32,
                IP,
                8530,
                "HTTP/1.1",
                "POST",
                "/ClientWebService/client.asmx",
                "-",
                &SITE.to_string(),
                "Connection_Abandoned_By_AppPool",
                "WsusPool",
            ));
        }
    }
    errs.sort();
    let logs = w3c_files(
        &format!("inetpub/logs/LogFiles/W3SVC{SITE}"),
        IisLayout::Iis10("8.5"),
        "",
        IP,
        &mut hits,
        &[reset + secs(4)],
    );
    (logs, httperr(at("2024-05-15 00:12:09"), &errs))
}

fn recycles() -> Vec<NaiveDateTime> {
    [
        "2024-05-15 09:12:44.137",
        "2024-05-15 10:31:02.551",
        "2024-05-15 11:40:19.008",
        "2024-05-15 12:44:51.774",
        "2024-05-15 13:20:07.392",
        "2024-05-15 13:41:33.910",
        "2024-05-15 13:52:10.045",
    ]
    .iter()
    .map(|t| at(t))
    .collect()
}

fn crashes() -> Vec<NaiveDateTime> {
    [
        "2024-05-15 13:58:02.114",
        "2024-05-15 13:59:01.870",
        "2024-05-15 13:59:55.402",
        "2024-05-15 14:00:49.918",
        "2024-05-15 14:01:44.203",
    ]
    .iter()
    .map(|t| at(t))
    .collect()
}

fn system_text(rng: &mut Rng) -> Vec<u8> {
    let (_, down, reset) = phases();
    let mut ev = Vec::new();
    let was = |utc, id, level, msg: String| TextEvent {
        utc,
        log: "System",
        source: "Microsoft-Windows-WAS",
        id,
        level,
        category: "None",
        computer: FQDN,
        user: "N/A",
        message: msg,
    };
    for r in recycles() {
        ev.push(was(r, 5117, "Information", "A worker process serving application pool 'WsusPool' has requested a recycle because it reached its private bytes memory limit.".into()));
    }
    for c in crashes() {
        let pid = 2000 + rng.below(6000);
        ev.push(was(c, 5011, "Warning", format!("A process serving application pool 'WsusPool' suffered a fatal communication error with the Windows Process Activation Service. The process id was '{pid}'. The data field contains the error number.")));
    }
    ev.push(was(down, 5002, "Error", "Application pool 'WsusPool' is being automatically disabled due to a series of failures in the process(es) serving that application pool.".into()));
    let scm = |utc, msg: &str| TextEvent {
        utc,
        log: "System",
        source: "Service Control Manager",
        id: 7036,
        level: "Information",
        category: "None",
        computer: FQDN,
        user: "N/A",
        message: msg.into(),
    };
    ev.push(scm(
        reset - secs(6),
        "The World Wide Web Publishing Service service entered the stopped state.",
    ));
    ev.push(scm(
        reset - secs(5),
        "The Windows Process Activation Service service entered the stopped state.",
    ));
    ev.push(scm(
        reset,
        "The Windows Process Activation Service service entered the running state.",
    ));
    ev.push(scm(
        reset + secs(1),
        "The World Wide Web Publishing Service service entered the running state.",
    ));
    for h in [1, 7, 13, 19] {
        let t = at("2024-05-15 00:00:00") + secs(h * 3600 + rng.below(1800) as i64);
        ev.push(scm(
            t,
            "The Windows Modules Installer service entered the running state.",
        ));
        ev.push(scm(
            t + secs(600),
            "The Windows Modules Installer service entered the stopped state.",
        ));
    }
    ev.sort_by_key(|e| e.utc);
    wevtutil_text(ZONE, &ev)
}

fn application_text() -> Vec<u8> {
    let (_, down, _) = phases();
    let wsus = "Windows Server Update Services";
    let mut ev = vec![
        TextEvent { utc: at("2024-05-15 05:00:00.102"), log: "Application", source: wsus, id: 381, level: "Information", category: "Synchronization", computer: FQDN, user: "N/A", message: "A scheduled synchronization was started.".into() },
        TextEvent { utc: at("2024-05-15 05:04:41.870"), log: "Application", source: wsus, id: 384, level: "Information", category: "Synchronization", computer: FQDN, user: "N/A", message: "Synchronization completed successfully.".into() },
        TextEvent {
            utc: down + secs(611),
            log: "Application",
            source: wsus,
            id: 12072,
            level: "Error",
            category: "Health Monitoring",
            computer: FQDN,
            user: "N/A",
            message: "The WSUS content directory is not accessible.\nSystem.Net.WebException: The remote server returned an error: (503) Server Unavailable.\n   at System.Net.HttpWebRequest.GetResponse()\n   at Microsoft.UpdateServices.Internal.HealthMonitoring.HmtWebServices.CheckContentDirWebAccess(EventLoggingType type, HealthEventLogger logger)".into(),
        },
    ];
    for t in ["2024-05-15 15:31:12.004", "2024-05-15 15:46:50.337"] {
        ev.push(TextEvent {
            utc: at(t),
            log: "Application",
            source: wsus,
            id: 7053,
            level: "Error",
            category: "Core",
            computer: FQDN,
            user: "TAILSPIN\\ops-admin",
            message: "The WSUS administration console has encountered an unexpected error. This may be a transient error; try restarting the administration console. If this error persists,\n\nTry removing the persisted preferences for the console by deleting the wsus file under %appdata%\\Microsoft\\MMC\\.\n\nSystem.IO.IOException -- The handshake failed due to an unexpected packet format.\n\nSource\nSystem\n\nStack Trace:\n   at System.Net.Security.SslState.StartReadFrame(Byte[] buffer, Int32 readBytes, AsyncProtocolRequest asyncRequest)\n   at System.Net.Security.SslState.StartReceiveBlob(Byte[] buffer, AsyncProtocolRequest asyncRequest)".into(),
        });
    }
    ev.sort_by_key(|e| e.utc);
    wevtutil_text(ZONE, &ev)
}

fn setup_text() -> Vec<u8> {
    let serv = "Microsoft-Windows-Servicing";
    let ev = vec![
        TextEvent { utc: at("2024-05-14 18:22:04.551"), log: "Setup", source: serv, id: 1, level: "Information", category: "None", computer: FQDN, user: "S-1-5-18", message: "Initiating changes for package KB3159706. Current state is Absent. Target state is Installed. Client id: WindowsUpdateAgent.".into() },
        TextEvent { utc: at("2024-05-14 18:24:40.117"), log: "Setup", source: serv, id: 4, level: "Information", category: "None", computer: FQDN, user: "S-1-5-18", message: "A reboot is necessary before package KB3159706 can be changed to the Installed state.".into() },
        TextEvent { utc: at("2024-05-14 18:31:55.902"), log: "Setup", source: serv, id: 2, level: "Information", category: "None", computer: FQDN, user: "S-1-5-18", message: "Package KB3159706 was successfully changed to the Installed state.".into() },
    ];
    wevtutil_text(ZONE, &ev)
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    s.sync_event(at("2024-05-15 05:00:00.102"), "WsusService.17", 381);
    s.sync_event(at("2024-05-15 05:04:41.870"), "WsusService.17", 384);
    for r in recycles() {
        let w3wp = format!("w3wp.{}", 20 + rng.below(60));
        s.recycle_abort(r + millis(80), &w3wp, &[], secs(12) - millis(80), "w3wp.5");
    }
    let (slow, _, _) = phases();
    let mut t = slow + secs(60);
    for _ in 0..8 {
        s.line(t, "Error", &format!("w3wp.{}", 30 + rng.below(90)), "DBConnection.LogSqlException", "DBLAYER: Errors[0]: Source .Net SqlClient Data Provider, Server \\\\.\\pipe\\MICROSOFT##WID\\tsql\\query, Number -2, Class 11, State 0, Procedure , LineNumber 0: Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.");
        t += secs(200 + rng.below(100) as i64);
    }
    s.render().into_bytes()
}

fn registry() -> Vec<u8> {
    let setup = setup_key(vec![
        ("ContentDir", RegValue::Expand(r"D:\WSUS".into())),
        ("SqlServerName", sz(r"MICROSOFT##WID")),
        ("PortNumber", RegValue::Dword(8530)),
        ("UsingSSL", RegValue::Dword(0)),
        ("IISTargetWebsiteIndex", RegValue::Dword(SITE)),
        ("VersionString", sz("6.3.9600.18838")),
    ]);
    let tz = time_zone_key(
        "Central Standard Time",
        360,
        "@tzres.dll,-142",
        "@tzres.dll,-141",
        (3, 0, 2, 2),
        (11, 0, 1, 2),
    );
    utf16le_bom(&reg_query(&[setup, tz]))
}

/// A Windows 10 client: scans time out, then get 503, then work again; the 22H2 feature update
/// it downloaded cannot be decrypted (0xC1800118).
fn win10_client(rng: &mut Rng, name: &str) -> Vec<u8> {
    let (slow, down, reset) = phases();
    let mut log = Wu10::new(ZONE, '/', false);
    let pid = 1000 + rng.below(9000) as u32;
    wu10_startup(&mut log, at("2024-05-15 11:02:10.001"), pid, "10.0.19041.4355", URL);
    let mut rep = String::new();
    let dns = format!("{}.tailspin.local", name.to_lowercase());
    let susid = rng.guid().to_lowercase();
    let scans = [
        at("2024-05-15 11:03:00"),
        slow + secs(900),
        down + secs(1200),
        reset + secs(1500),
    ];
    for (i, t) in scans.iter().enumerate() {
        let t = *t;
        let tid = 6000 + rng.below(2000) as u32;
        match i {
            1 | 2 => {
                let (code, status) = if i == 1 {
                    ("8024401C", "The operation timed out")
                } else {
                    (
                        "80244022",
                        "The server returned HTTP status code '503 (0x1F7)' with text 'Service Unavailable'.",
                    )
                };
                // A time-out after a minute while overloaded, a 503 at once while disabled.
                let e = if i == 1 { 60_000 } else { 1000 };
                log.lines(
                    t,
                    pid,
                    tid,
                    &[
                        (0, "Agent", "* START * Finding updates CallerId = UpdateOrchestrator  Id = 21 (cV = pQ3c7XgZ0UCvJ2dB.1.0.1.2)"),
                        (3, "Misc", &got_wsus_url(URL)),
                        (e, "WebServices", &ws_endpoint_error(URL)),
                        (e, "WebServices", &format!("WS error: {status}")),
                        (e + 2, "WebServices", &format!("*FAILED* [{code}] Web service call")),
                        (e + 3, "ProtocolTalker", &format!("*FAILED* [{code}] SyncUpdates round trip")),
                        (e + 9, "Agent", &format!("*FAILED* [{code}] Synchronize updates")),
                        (e + 10, "Agent", &format!("Exit code = 0x{code}")),
                    ],
                );
                let cv = "pQ3c7XgZ0UCvJ2dB.1.0.1.2";
                rep.push_str(&detection_failed(
                    ZONE,
                    t + secs(61),
                    &rng.guid(),
                    &code.to_lowercase(),
                    "UpdateOrchestrator",
                    cv,
                ));
            }
            _ => {
                let found = if i == 0 { 1 } else { 0 };
                wu10_scan(&mut log, rng, t, pid, "UpdateOrchestrator", URL, found, &dns, &susid);
                let (event, cv) = (rng.guid(), format!("{}.0", rng.hex(16)));
                rep.push_str(&detection_finished(
                    ZONE,
                    t + secs(5),
                    &event,
                    found,
                    "UpdateOrchestrator",
                    &cv,
                ));
            }
        }
        if i == 0 {
            // The feature update found in the first scan downloads, then fails to apply.
            let upd = "8C7A2E10-5D3F-4B6A-9E21-0F4C6D8B2A97";
            let title = "Feature update to Windows 10, version 22H2";
            log.lines(
                t,
                pid,
                tid,
                &[
                    (
                        40_000,
                        "DownloadManager",
                        &format!("Preparing update for install, updateId = {{{upd}}}.1."),
                    ),
                    (2_400_000, "Handler", "Starting Setup360 for feature update"),
                    (
                        2_710_000,
                        "Handler",
                        "*FAILED* [C1800118] Setup360 returned failure during DownlevelGather",
                    ),
                    (
                        2_710_000,
                        "Handler",
                        "*FAILED* [C1800118] CUpgradeHandler::InstallUpdate",
                    ),
                    (
                        2_711_000,
                        "Deployment",
                        &format!("Update {{{upd}}}.1 install failed, error = 0xC1800118"),
                    ),
                ],
            );
            rep.push_str(&reporting_event(ZONE, t + secs(2712), &rng.guid(), 182, "AGENT_INSTALLING_FAILED", upd, 1, "c1800118", "UpdateOrchestrator", false, "Content Install", &format!("Installation Failure: Windows failed to install the following update with error 0xC1800118: {title}."), Some("pQ3c7XgZ0UCvJ2dB.1.0.1.3")));
        }
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&rep)),
        ],
        at("2024-05-15 17:55:00"),
    )
}

/// A Server 2012 R2 member server (classic log): time-outs, then 503.
fn classic_client(rng: &mut Rng) -> Vec<u8> {
    let (slow, down, reset) = phases();
    let mut log = WuClassic::new(ZONE);
    let pid = 884;
    let t0 = at("2024-05-15 08:00:12.504");
    log.banner(t0, pid, 0x3f8, "7.9.9600.18970");
    log.settings(t0 + millis(16), pid, 0x3f8, URL, None);
    let susid = "  * SusClientId = '7d2f8e41-0b3a-4c96-a5e7-1f6c9d0b3a28'";
    log.line(t0 + millis(31), pid, 0x3f8, "Agent", susid);
    for (i, t) in [slow + secs(1700), down + secs(700), reset + secs(900)]
        .iter()
        .enumerate()
    {
        let t = *t;
        let tid = 0x700 + rng.below(0x400) as u32;
        let outcome: &[(i64, &str, &str)] = match i {
            // Time-out while the pool is overloaded.
            0 => &[
                (60_000, "Misc", "WARNING: Send failed with hr = 80072ee2."),
                (
                    60_000,
                    "Misc",
                    "WARNING: SendRequest failed with hr = 80072ee2. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>",
                ),
                (
                    60_000,
                    "PT",
                    "  + Last proxy send request failed with hr = 0x80072EE2, HTTP status code = 0",
                ),
                (
                    60_000,
                    "PT",
                    "WARNING: SyncUpdates failure, error = 0x80072EE2, soap client error = 5, soap error code = 0, HTTP status code = 200",
                ),
                (60_000, "Agent", "  * WARNING: Exit code = 0x80072EE2"),
            ],
            // 503 while the pool is disabled.
            1 => &[
                (
                    1000,
                    "PT",
                    "WARNING: SyncUpdates failure, error = 0x80244022, soap client error = 10, soap error code = 0, HTTP status code = 503",
                ),
                (1000, "PT", "WARNING: PTError: 0x80244022"),
                (1000, "Agent", "  * WARNING: Exit code = 0x80244022"),
            ],
            _ => &[(
                4000,
                "Agent",
                "  * Found 0 updates and 83 categories in search; evaluated appl. rules of 1311 out of 2202 deployed entities",
            )],
        };
        log.lines(
            t,
            pid,
            tid,
            &[(0, "Agent", FIND_START), (15, "PT", &classic_service_url(URL))],
        );
        log.lines(t, pid, tid, outcome);
        log.line(t + secs(61), pid, tid, "Agent", FIND_END);
    }
    zip_at(
        &[("WindowsUpdate.log".into(), log.out.into_bytes())],
        at("2024-05-15 17:58:00"),
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2012_0515_0503_1180);
    let (mut files, errs) = iis(&mut rng);
    files.push(("Windows/System32/LogFiles/HTTPERR/httperr1.log".into(), errs));
    files.push(("EventLogs/System.txt".into(), system_text(&mut rng)));
    files.push(("EventLogs/Application.txt".into(), application_text()));
    files.push(("EventLogs/Setup.txt".into(), setup_text()));
    files.push((
        "UpdateServices/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    files.push(("Registry/reg_query.txt".into(), registry()));
    let app = AppHost {
        site_id: SITE,
        content_dir: r"D:\WSUS",
        pool_add: "managedRuntimeVersion=\"v4.0\"",
        pool_children: "                <processModel identityType=\"NetworkService\" />\r\n                <recycling>\r\n                    <periodicRestart privateMemory=\"1843200\" />\r\n                </recycling>\r\n                <failure rapidFailProtection=\"true\" />\r\n",
        auth: default_auth(),
        bindings: &[("http", "*:8530:"), ("https", "*:8531:")],
    };
    files.push((
        "inetsrv/config/applicationHost.config".into(),
        app.render().into_bytes(),
    ));
    for name in ["TS-PC-031", "TS-PC-044"] {
        let z = win10_client(&mut rng, name);
        files.push((format!("Clients/{name}.zip"), z));
    }
    files.push(("Clients/TS-SQL02.zip".into(), classic_client(&mut rng)));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = HOST;
    under(ROOT, files)
}
