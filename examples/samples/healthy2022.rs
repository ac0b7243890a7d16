//! `wsus2022-healthy-noisy`: a healthy WSUS on Windows Server 2022 over Patch Tuesday, January
//! 2025, with everything that looks alarming and is not: NTLM handshakes on ApiRemoting30, BITS and
//! Delivery Optimization range requests, browser 403.14, dropped connections, HTTPERR idle
//! time-outs, ConfigChanged/CookieExpired SOAP faults after approvals, a ThreadAbortException at
//! the pool's 29-hour recycle, WAS idle shutdowns and recycles, SCM chatter, and clients'
//! start-up and SLS failures. Nothing here is a fault.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const FQDN: &str = "WSUS-PRD-01.fabrikam.com";
const IP: &str = "10.20.0.15";
const SITE: u32 = 1_542_876_513;
const ZONE: Tz = chrono_tz::America::Los_Angeles;
const WSUS_URL: &str = "http://WSUS-PRD-01.fabrikam.com:8530";
const ADMIN_PC: &str = "10.20.1.44";
const ROOT: &str = "WSUS-PRD-01_logs";
/// The server installs its own cumulative update and restarts: down from, back at (UTC).
const REBOOT: (&str, &str) = ("2025-01-15 11:31:00", "2025-01-15 11:36:40");

const WUA10: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const WUA11: &str = "Windows-Update-Agent/1193.2412.16012.0+Client-Protocol/2.71";
const BITS: &str = "Microsoft+BITS/7.8";
const DO: &str = "Microsoft-Delivery-Optimization/10.0";
const CONSOLE: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";
const EDGE: &str = "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/131.0.0.0+Safari/537.36+Edg/131.0.0.0";

fn content(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let sha = rng.hex(40);
            let ext = ["cab", "cab", "psf", "msu", "exe", "esd"][i % 6];
            format!("/Content/{}/{sha}.{ext}", &sha[38..])
        })
        .collect()
}

/// Two UTC days of IIS traffic on the WSUS site.
fn iis(rng: &mut Rng) -> (Files, Vec<String>) {
    let clients = client_ips(64, "10.20", (8, 40), (10, 3));
    let files = content(rng, 48);
    let start = at("2025-01-14 00:00:00");
    let end = at("2025-01-16 00:00:00");
    // Patch Tuesday's content arrives with the 21:00 PST sync (05:00 UTC on the 15th) and is
    // auto-approved; clients download it from then on.
    let content_ready = at("2025-01-15 05:40:00");
    let rounds = Rounds {
        from: start,
        spread: (433, 14_400),
        every: (4 * 3600 - 300, 600),
        until: end,
    };
    let mut downloaded = vec![false; clients.len()];
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        let (ci, c, t) = (r.ci, r.client, r.t);
        let ua = if ci % 3 == 0 { WUA11 } else { WUA10 };
        let ok = (200, 0, 0);
        hits.push(wuident_hit(t, 8530, c, ua, ok, 3));
        let mut call =
            |dt, uri, status, taken| hits.push(Hit::new(t + secs(dt), "POST", uri, 8530, c, ua, status, taken));
        call(1, CLIENT_WS, ok, 62 + rng.below(80) as u32);
        call(1, SIMPLE_AUTH_WS, ok, 15 + rng.below(20) as u32);
        call(2, CLIENT_WS, ok, 140 + rng.below(900) as u32);
        // A client that goes to sleep mid-request: win32 64 (the network name is no longer available).
        let last = if rng.below(40) == 0 { (200, 0, 64) } else { ok };
        call(4, CLIENT_WS, last, 380 + rng.below(2400) as u32);
        if t >= content_ready && !downloaded[ci] {
            downloaded[ci] = true;
            let mut d = t + secs(30 + rng.below(200) as i64);
            for _ in 0..(3 + rng.below(3)) {
                let f = &files[rng.below(files.len() as u64) as usize];
                let agent = if ci % 2 == 0 { DO } else { BITS };
                let head = Hit::new(d, "HEAD", f, 8530, c, agent, ok, 1);
                // Now and then a range is cut off (win32 1236: the connection was aborted).
                let gets = head.ranged_gets(2 + rng.below(6), 3, || {
                    let win32 = if rng.below(60) == 0 { 1236 } else { 0 };
                    (win32, 40 + rng.below(3000) as u32)
                });
                hits.push(head);
                hits.extend(gets);
                d += secs(20 + rng.below(60) as i64);
            }
        }
        let report = t + secs(95 + rng.below(60) as i64);
        hits.push(Hit::new(
            report,
            "POST",
            REPORTING_WS,
            8530,
            c,
            ua,
            ok,
            31 + rng.below(60) as u32,
        ));
    });
    // The administrator's console (08:00–17:00 Pacific = 16:00–01:00 UTC): NTLM on every call.
    for day in [at("2025-01-14 16:00:00"), at("2025-01-15 16:00:00")] {
        let mut t = day;
        while t < day + secs(9 * 3600) && t < end {
            let taken = 15 + rng.below(300) as u32;
            let call = Hit::new(t, "POST", API_REMOTING_WS, 8530, ADMIN_PC, CONSOLE, (200, 0, 0), taken);
            hits.extend(call.ntlm_challenge(t, false, [0, 0]));
            hits.push(call.user("FABRIKAM\\wsus-admin"));
            t += step(rng, 180, 400);
        }
        // The administrator checks the server in a browser: 403.14 on the root, 404 for the icon.
        let b = day + secs(5400);
        hits.push(Hit::new(b, "GET", "/", 8530, ADMIN_PC, EDGE, (403, 14, 0), 1));
        hits.push(Hit::new(
            b + secs(1),
            "GET",
            "/favicon.ico",
            8530,
            ADMIN_PC,
            EDGE,
            (404, 0, 2),
            0,
        ));
    }
    // Nothing is served while the server restarts; IIS opens its log anew when it is back.
    let (down, up) = (at(REBOOT.0), at(REBOOT.1));
    hits.retain(|h| h.t < down || h.t >= up);
    let dir = format!("IIS/W3SVC{SITE}");
    let logs = w3c_files(&dir, IisLayout::Iis10("10.0"), "", IP, &mut hits, &[up]);
    (logs, clients)
}

fn httperr_noise(rng: &mut Rng, clients: &[String]) -> Vec<u8> {
    let mut lines = Vec::new();
    let mut t = at("2025-01-14 00:41:12");
    while t < at("2025-01-16 00:00:00") {
        let c = &clients[rng.below(clients.len() as u64) as usize];
        let port = 49_152 + rng.below(16_000) as u32;
        let line = if rng.below(5) == 0 {
            httperr_line(
                t,
                c,
                port,
                IP,
                8530,
                "HTTP/1.1",
                "GET",
                &format!("/Content/{}/{}.cab", rng.hex(2), rng.hex(40)),
                "-",
                &SITE.to_string(),
                "Timer_MinBytesPerSecond",
                "WsusPool",
            )
        } else {
            httperr_line(
                t,
                c,
                port,
                IP,
                8530,
                "-",
                "-",
                "-",
                "-",
                "-",
                "Timer_ConnectionIdle",
                "-",
            )
        };
        lines.push(line);
        t += step(rng, 1800, 5400);
    }
    // The requests in flight when the pool recycles (09:47) and when the server shuts down (11:31).
    let abandoned = [
        ("2025-01-15 09:47:13", "Connection_Abandoned_By_AppPool"),
        ("2025-01-15 11:31:01", "Connection_Abandoned_By_ReqQueue"),
        ("2025-01-15 11:31:01", "Connection_Abandoned_By_ReqQueue"),
        ("2025-01-15 11:31:02", "AppShutdown"),
    ];
    for (t, reason) in abandoned {
        let c = &clients[rng.below(clients.len() as u64) as usize];
        let status = if reason == "AppShutdown" { "503" } else { "-" };
        let port = 49_152 + rng.below(16_000) as u32;
        lines.push(httperr_line(
            at(t),
            c,
            port,
            IP,
            8530,
            "HTTP/1.1",
            "POST",
            "/ClientWebService/client.asmx",
            status,
            &SITE.to_string(),
            reason,
            "WsusPool",
        ));
    }
    lines.sort();
    httperr(at("2025-01-14 00:41:12"), &lines)
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    let svc = "WsusService.23";
    let server_id = "8f3c2a61-5d4e-4b7a-9e10-2c6b8d4f1a37";
    // Four synchronizations a day at 03:00, 09:00, 15:00 and 21:00 Pacific (11, 17, 23, 05 UTC).
    let syncs = [
        ("2025-01-14 05:00:00.214", 0),
        ("2025-01-14 11:00:00.097", 0),
        ("2025-01-14 17:00:00.311", 0),
        ("2025-01-14 23:00:00.182", 0),
        ("2025-01-15 05:00:00.264", 61),
        ("2025-01-15 11:00:00.120", 2),
        ("2025-01-15 17:00:00.405", 0),
        ("2025-01-15 23:00:00.150", 0),
    ];
    // The SOAP fault WSUS answers a client whose cookie must be renewed: routine.
    let soap_fault = |s: &mut Sdl, t, w3wp: &str, code: &str, rng: &mut Rng| {
        let (id, client) = (rng.guid().to_lowercase(), rng.guid().to_lowercase());
        s.line(
            t,
            "Warning",
            w3wp,
            "SoapUtilities.CreateException",
            &format!("ThrowException: actor = {WSUS_URL}/ClientWebService/client.asmx, ID={id}, ErrorCode={code}, Message=, Client={client}"),
        );
    };
    for (start, new_updates) in syncs {
        let t = at(start);
        s.sync_event(t, svc, 381);
        s.sync_protocol(t + millis(2210), svc, &format!("Server ID is {server_id}"));
        s.sync_protocol(t + millis(2211), svc, "CatalogSyncAgentCore.SyncUpdatesFromServer: sync for https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx");
        let done = t + secs(140 + new_updates * 9 + rng.below(60) as i64);
        s.sync_finish(done - millis(800), svc);
        s.sync_event(done, svc, 384);
        if new_updates > 0 {
            // Auto-approval rules approve the new updates; clients are told the configuration changed.
            let a = done + secs(4);
            s.line(
                a,
                "Change",
                "WsusService.31",
                "AutomaticUpdateApprovalRule.ApplyRule",
                &format!("Automatic approval rule 'Default Automatic Approval Rule' approved {new_updates} update(s)"),
            );
            s.sync_event(a + secs(2), "WsusService.14", 361);
            let n = new_updates.min(24) as u64;
            let c = s.content_downloads(rng, "WsusService.14", CONTENT_DOWNLOADED, a + secs(20), n, (15, 40));
            s.content_downloaded(c + secs(3), "WsusService.14", "Content sync completed.");
            for k in 0..6 {
                soap_fault(
                    &mut s,
                    a + secs(60 + k * 97),
                    &format!("w3wp.{}", 31 + k),
                    "ConfigChanged",
                    rng,
                );
            }
        }
    }
    // One file of Patch Tuesday's content is refused once by an overloaded download server (503),
    // retried by BITS and downloaded a few minutes later: a transient failure, not a fault.
    let sha = "7D41C0E95A2B36F8E1D04C9A5B7E2F3068A1D4C7";
    let url = format!(
        "http://download.windowsupdate.com/c/msdownload/update/software/secu/2025/01/windows10.0-kb5049981-x64_{}.cab",
        sha.to_lowercase()
    );
    let dest = format!("D:\\WSUS\\WsusContent\\C7\\{sha}.cab");
    let f = at("2025-01-15 05:16:40.302");
    s.line(f, "Error", "WsusService.52", "ContentSyncAgent.JobError", &format!("Download error: {url} failed in download: (-2145844745) HTTP status 503: The service is temporarily overloaded."));
    s.cont("");
    s.cont("   at Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsJobError error)");
    s.event(f + millis(41), "WsusService.50", 364, "Error", "Synchronization", &format!("Content file download failed. Reason: HTTP status 503: The service is temporarily overloaded. Source File: /c/msdownload/update/software/secu/2025/01/windows10.0-kb5049981-x64_{}.cab Destination File: {dest}", sha.to_lowercase()));
    s.content_downloaded(
        f + secs(410),
        "WsusService.14",
        &format!("Content download completed for file {dest}"),
    );
    // Expired cookies from clients that slept over the weekend: routine SOAP faults.
    for t in [
        "2025-01-14 16:12:40.553",
        "2025-01-14 16:40:02.117",
        "2025-01-15 15:58:31.804",
    ] {
        soap_fault(&mut s, at(t), "w3wp.18", "CookieExpired", rng);
    }
    // The 29-hour recycle of WsusPool aborts the requests in flight.
    s.recycle_abort(
        at("2025-01-15 09:47:13.402"),
        "w3wp.52",
        &["   at Microsoft.UpdateServices.Internal.Client.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)"],
        secs(9),
        "w3wp.7",
    );
    // The restart for the server's own cumulative update.
    let (down, up) = (at(REBOOT.0), at(REBOOT.1));
    s.line(
        down + millis(412),
        "Info",
        "WsusService.1",
        "WsusService.OnStop",
        "Service stopping",
    );
    s.line(
        down + millis(1630),
        "Info",
        "WsusService.1",
        "WsusService.OnStop",
        "Service stopped",
    );
    s.line(
        up + millis(9012),
        "Info",
        "WsusService.8",
        "WsusService.OnStart",
        "Service starting",
    );
    for (dt, m) in [
        (9105, "SCHANNEL Protocol 'TLS 1.0' disabled"),
        (9106, "SCHANNEL Protocol 'TLS 1.1' disabled"),
        (
            9106,
            "SCHANNEL Protocols subkey for 'TLS 1.2' not found. Protocol is enabled",
        ),
    ] {
        s.line(
            up + millis(dt),
            "Info",
            "WsusService.8",
            "WsusService.ConfigureSecurityProtocols",
            m,
        );
    }
    s.line(
        up + millis(9340),
        "Info",
        "WsusService.8",
        "WsusService.OnStart",
        "Service started",
    );
    s.render().into_bytes()
}

fn system_events(rng: &mut Rng) -> Vec<u8> {
    let mut ev = Vec::new();
    for day in ["2025-01-14", "2025-01-15"] {
        let d = at(&format!("{day} 00:00:00"));
        // The server's own update scans and the services that come and go with them.
        let mut t = d + secs(2400 + rng.below(1800) as i64);
        while t < d + secs(86_000) {
            ev.push(service_state(FQDN, t, "Windows Update", "running"));
            ev.push(service_state(
                FQDN,
                t + secs(3),
                "WinHTTP Web Proxy Auto-Discovery Service",
                "running",
            ));
            ev.push(service_state(
                FQDN,
                t + secs(5),
                "Update Orchestrator Service",
                "running",
            ));
            ev.push(service_state(
                FQDN,
                t + secs(640 + rng.below(300) as i64),
                "Windows Update",
                "stopped",
            ));
            ev.push(service_state(FQDN, t + secs(900), "Delivery Optimization", "stopped"));
            t += step(rng, 3 * 3600, 3600);
        }
        ev.push(service_state(
            FQDN,
            d + secs(3600 * 11 + 310),
            "Background Intelligent Transfer Service",
            "running",
        ));
        ev.push(service_state(
            FQDN,
            d + secs(3600 * 12 + 1440),
            "Background Intelligent Transfer Service",
            "stopped",
        ));
        ev.push(scm_event(
            FQDN,
            d + secs(3600 * 12 + 1441),
            7040,
            4,
            &[
                "Background Intelligent Transfer Service",
                "auto start",
                "demand start",
                "BITS",
            ],
        ));
        // DefaultAppPool idles out (the WSUS site never lets WsusPool idle during the day).
        for h in [2u32, 9, 19] {
            let pid = (3000 + rng.below(9000)).to_string();
            ev.push(was_event(
                FQDN,
                d + secs(h as i64 * 3600 + 1200),
                5186,
                4,
                &[("ProcessID", &pid), ("AppPoolID", "DefaultAppPool"), ("Minutes", "20")],
            ));
        }
        ev.push(uptime_event(
            FQDN,
            d + secs(12 * 3600),
            1_904_400 + if day.ends_with("15") { 86_400 } else { 0 },
            "480 Pacific Standard Time",
        ));
    }
    // 2025-01-15: the server installs its January cumulative update and restarts at 03:30 Pacific.
    let (down, up) = (at(REBOOT.0), at(REBOOT.1));
    let cu = [
        (
            "updateTitle",
            "2025-01 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5049983)",
        ),
        ("updateGuid", "{3E8F2A61-9B4C-4D70-A5E2-1C7D9F0B6A38}"),
        ("updateRevisionNumber", "1"),
    ];
    ev.push(wu_client_event(FQDN, down - secs(1500), 44, &cu));
    ev.push(wu_client_event(FQDN, down - secs(620), 43, &cu));
    ev.push(super::evtx_writer::Event::classic(
        "User32",
        1074,
        32768,
        4,
        0,
        down - secs(30),
        "System",
        FQDN,
        &[
            "C:\\Windows\\system32\\svchost.exe (WSUS-PRD-01)",
            "WSUS-PRD-01",
            "Operating System: Service pack (Planned)",
            "0x80020010",
            "restart",
            "",
            "NT AUTHORITY\\SYSTEM",
        ],
    ));
    for (dt, svc) in [
        (0, "WSUS Service"),
        (2, "World Wide Web Publishing Service"),
        (3, "Windows Process Activation Service"),
        (5, "Windows Internal Database"),
    ] {
        ev.push(service_state(FQDN, down + secs(dt), svc, "stopped"));
    }
    ev.push(event_log_event(FQDN, down + secs(40), 6006, &[]));
    let version = ["10.00.", "20348", "", "Multiprocessor Free", "2849"];
    ev.push(event_log_event(FQDN, up - secs(60), 6009, &version));
    ev.push(event_log_event(FQDN, up - secs(60), 6005, &[]));
    for (dt, svc) in [
        (0, "Windows Process Activation Service"),
        (1, "World Wide Web Publishing Service"),
        (4, "Windows Internal Database"),
        (9, "WSUS Service"),
    ] {
        ev.push(service_state(FQDN, up + secs(dt), svc, "running"));
    }
    let mut installed = cu.to_vec();
    installed.push(("serviceGuid", "{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}"));
    ev.push(wu_client_event(FQDN, up + secs(140), 19, &installed));
    // WsusPool's scheduled recycle after 1740 minutes (KB4489045: once every 29 hours is normal).
    ev.push(was_event(
        FQDN,
        at("2025-01-15 09:47:12.880"),
        5074,
        4,
        &[("ProcessID", "6120"), ("AppPoolID", "WsusPool")],
    ));
    ev.push(time_service_event(
        FQDN,
        at("2025-01-14 14:02:11.450"),
        37,
        "DC02.fabrikam.com (ntp.d|10.20.0.15:123->10.20.0.3:123)",
    ));
    evtx_file(ev, 884_210)
}

fn application_events(rng: &mut Rng) -> Vec<u8> {
    let mut ev = Vec::new();
    for (start, done) in [
        ("2025-01-14 05:00:00.214", "2025-01-14 05:03:11.020"),
        ("2025-01-14 11:00:00.097", "2025-01-14 11:02:58.601"),
        ("2025-01-14 17:00:00.311", "2025-01-14 17:03:30.777"),
        ("2025-01-14 23:00:00.182", "2025-01-14 23:02:41.409"),
        ("2025-01-15 05:00:00.264", "2025-01-15 05:12:37.915"),
        ("2025-01-15 11:00:00.120", "2025-01-15 11:03:02.340"),
        ("2025-01-15 17:00:00.405", "2025-01-15 17:03:11.003"),
        ("2025-01-15 23:00:00.150", "2025-01-15 23:02:50.631"),
    ] {
        ev.push(sync_app_event(FQDN, at(start), 381));
        ev.push(sync_app_event(FQDN, at(done), 384));
    }
    ev.push(sync_app_event(FQDN, at("2025-01-15 05:12:43.991"), 361));
    for day in ["2025-01-14", "2025-01-15"] {
        let t = at(&format!(
            "{day} 07:{:02}:{:02}.{:03}",
            rng.below(60),
            rng.below(60),
            rng.below(1000)
        ));
        ev.push(spp_event(FQDN, t, "2125-01-21T07:11:40Z"));
        ev.push(super::evtx_writer::Event::classic(
            "MSSQL$MICROSOFT##WID",
            17137,
            16384,
            4,
            2,
            at(&format!("{day} 03:30:0{}.{:03}", rng.below(10), rng.below(1000))),
            "Application",
            FQDN,
            &["SUSDB"],
        ));
    }
    evtx_file(ev, 51_330)
}

fn registry_text() -> Vec<u8> {
    let setup = setup_key(vec![
        ("ContentDir", RegValue::Expand(r"D:\WSUS".into())),
        ("TargetDir", sz(r"C:\Program Files\Update Services\")),
        ("SqlServerName", sz("MICROSOFT##WID")),
        ("SqlDatabaseName", sz("SUSDB")),
        ("SqlAuthenticationMode", sz("WindowsAuthentication")),
        ("PortNumber", RegValue::Dword(8530)),
        ("UsingSSL", RegValue::Dword(0)),
        ("IISTargetWebsiteIndex", RegValue::Dword(SITE)),
        ("IISTargetWebSiteCreated", RegValue::Dword(1)),
        ("VersionString", sz("10.0.20348.2849")),
        ("WmsdeInstalled", RegValue::Dword(0)),
        ("InstallType", RegValue::Dword(1)),
    ]);
    let roles = key(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Update Services\Server\Setup\Installed Role Services",
        vec![
            ("UpdateServices-Services", sz("2")),
            ("UpdateServices-WidDatabase", sz("2")),
        ],
    );
    let tz = time_zone_key(
        "Pacific Standard Time",
        480,
        "@tzres.dll,-212",
        "@tzres.dll,-211",
        (3, 0, 2, 2),
        (11, 0, 1, 2),
    );
    reg_query(&[setup, roles, tz]).into_bytes()
}

fn policy(wsus: &str) -> Vec<u8> {
    wu_policy(
        wsus,
        vec![
            ("UpdateServiceUrlAlternate", sz("")),
            ("DoNotConnectToWindowsUpdateInternetLocations", RegValue::Dword(1)),
            ("SetDisableUXWUAccess", RegValue::Dword(1)),
        ],
        vec![
            ("AUOptions", RegValue::Dword(4)),
            ("ScheduledInstallDay", RegValue::Dword(0)),
            ("ScheduledInstallTime", RegValue::Dword(3)),
            ("DetectionFrequencyEnabled", RegValue::Dword(1)),
            ("DetectionFrequency", RegValue::Dword(4)),
            ("NoAutoRebootWithLoggedOnUsers", RegValue::Dword(1)),
        ],
    )
}

/// One client's zip: its Windows Update log (decoded on the client, Pacific time), reporting events
/// and policy; the download of Patch Tuesday's updates and their installation succeed.
fn client(
    rng: &mut Rng,
    name: &str,
    version: &str,
    sep: char,
    first_scan: NaiveDateTime,
    outage_scan: Option<NaiveDateTime>,
) -> Vec<u8> {
    let dns = format!("{}.fabrikam.com", name.to_lowercase());
    let pid = 3000 + rng.below(8000) as u32;
    let susid = rng.guid().to_lowercase();
    let mut log = Wu10::new(ZONE, sep, sep == '-');
    wu10_startup(&mut log, first_scan - secs(40), pid, version, WSUS_URL);
    let mut t = first_scan;
    let mut reporting = String::new();
    let mut installed = false;
    let mut outage_scan = outage_scan;
    while t < at("2025-01-15 22:00:00") {
        if let Some(o) = outage_scan.filter(|o| *o < t) {
            // A scan while the server restarts: nothing listens on 8530 for a few minutes.
            outage_scan = None;
            let tid = 5200 + rng.below(500) as u32;
            log.lines(
                o,
                pid,
                tid,
                &[
                    (0, "Agent", "* START * Finding updates CallerId = UpdateOrchestrator  Id = 58 (cV = Ty3fQk0aUkW2b9Lq.1.0.1.2)"),
                    (4, "Misc", &got_wsus_url(WSUS_URL)),
                    (2040, "WebServices", &ws_endpoint_error(WSUS_URL)),
                    (2040, "WebServices", "WS error: Could not connect to the endpoint."),
                    (2041, "WebServices", "*FAILED* [80072EFD] Web service call"),
                    (2042, "ProtocolTalker", "*FAILED* [80072EFD] SyncUpdates round trip"),
                    (2050, "Agent", "*FAILED* [80072EFD] Synchronize updates"),
                    (2051, "Agent", "Exit code = 0x80072EFD"),
                    (2051, "Agent", "* END * Finding updates CallerId = UpdateOrchestrator  Id = 58"),
                ],
            );
            let cv = "Ty3fQk0aUkW2b9Lq.1.0.1.2";
            reporting.push_str(&detection_failed(
                ZONE,
                o + millis(2060),
                &rng.guid(),
                "80072efd",
                "UpdateOrchestrator",
                cv,
            ));
        }
        let patched = t >= at("2025-01-15 06:00:00");
        let found = if patched && !installed { 3 } else { 0 };
        wu10_scan(
            &mut log,
            rng,
            t,
            pid,
            "UpdateOrchestrator",
            WSUS_URL,
            found,
            &dns,
            &susid,
        );
        let (event, cv) = (rng.guid(), format!("{}.{}", rng.hex(16), 1));
        reporting.push_str(&detection_finished(
            ZONE,
            t + secs(5),
            &event,
            found,
            "UpdateOrchestrator",
            &cv,
        ));
        if found > 0 {
            installed = true;
            let job = rng.guid();
            let tid = 7000 + rng.below(900) as u32;
            let transient = format!(
                "DO job {{{job}}} hit a transient error, updateId = {}.201 <NULL>, error = 0x80D02002",
                rng.guid()
            );
            log.lines(
                t,
                pid,
                tid,
                &[
                    (8000, "DownloadManager", &format!("Updates to download = {found}")),
                    (9000, "DownloadManager", &transient),
                    (
                        95_000,
                        "DownloadManager",
                        &format!("DO job {{{job}}} completed successfully"),
                    ),
                ],
            );
            for title in [
                "2025-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5049981)",
                "2025-01 Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for Windows 10 Version 22H2 for x64 (KB5050188)",
                "Windows Malicious Software Removal Tool x64 - v5.130 (KB890830)",
            ] {
                let upd = rng.guid();
                let done = t + secs(600 + rng.below(900) as i64);
                log.lines(
                    done,
                    pid,
                    tid,
                    &[
                        (0, "Handler", &format!("Installing update {upd} ... {title}")),
                        (40_000, "Deployment", &format!("Update {upd}.200 install succeeded")),
                    ],
                );
                reporting.push_str(&reporting_event(
                    ZONE,
                    done + secs(41),
                    &rng.guid(),
                    183,
                    "AGENT_INSTALLING_SUCCEEDED",
                    &upd,
                    200,
                    "0",
                    "UpdateOrchestrator",
                    true,
                    "Content Install",
                    &format!("Installation Successful: Windows successfully installed the following update: {title}"),
                    Some(&format!("{}.1.2.3.0", rng.hex(16))),
                ));
            }
        }
        t += step(rng, 4 * 3600 - 300, 600);
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&reporting)),
            ("WindowsUpdate-policy.reg".into(), policy(WSUS_URL)),
        ],
        at("2025-01-15 14:10:00"),
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2022_0114_FAB0_0001);
    let (mut files, clients) = iis(&mut rng);
    files.push(("HTTPERR/httperr1.log".into(), httperr_noise(&mut rng, &clients)));
    files.push((
        "UpdateServices/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    files.push(("EventLogs/System.evtx".into(), system_events(&mut rng)));
    files.push(("EventLogs/Application.evtx".into(), application_events(&mut rng)));
    files.push(("Registry/reg_query_UpdateServices_TimeZone.txt".into(), registry_text()));
    let app = AppHost {
        site_id: SITE,
        content_dir: r"D:\WSUS",
        pool_add: "queueLength=\"2000\" managedRuntimeVersion=\"v4.0\"",
        pool_children: "                <processModel identityType=\"NetworkService\" idleTimeout=\"00:00:00\" pingingEnabled=\"false\" />\r\n                <recycling>\r\n                    <periodicRestart privateMemory=\"0\" />\r\n                </recycling>\r\n",
        auth: default_auth(),
        bindings: &[("http", "*:8530:"), ("https", "*:8531:")],
    };
    files.push(("IIS/config/applicationHost.config".into(), app.render().into_bytes()));
    files.push((
        "UpdateServices/ClientWebService/web.config".into(),
        client_web_config(400),
    ));
    files.push(("Windows/WindowsUpdate.log".into(), windowsupdate_stub()));
    let hosts: [(&str, &str, char, &str); 3] = [
        ("FAB-PC-0112", "10.0.19041.5247", '/', "2025-01-14 01:12:09.331"),
        ("FAB-LT-0458", "1193.2412.16012.0", '-', "2025-01-14 03:40:55.018"),
        ("FAB-PC-0231", "10.0.19041.5247", '/', "2025-01-14 00:27:40.662"),
    ];
    for (name, version, sep, first) in hosts {
        let outage = (name == "FAB-PC-0231").then(|| at("2025-01-15 11:33:10.204"));
        let z = client(&mut rng, name, version, sep, at(first), outage);
        files.push((format!("Clients/{name}.zip"), z));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, files)
}
