//! `clients-only-proxy-clone-port`: a ticket with client artifacts only (no server logs), one zip
//! per machine inside the bundle. Three faults among Contoso's clients (WSUS `wsus01.contoso.local`,
//! port 8530), November 2024:
//! - `LT-SALES-07` (Windows 11 laptop) and `SRV-APP03` (Server 2012 R2) send their WSUS traffic to
//!   the proxy found by WPAD: 407 and 502;
//! - `PC-ACC-014` and `PC-ACC-022` were deployed from one image that was not sysprepped: same
//!   SusClientId;
//! - `PC-LAB-101` has the lab OU's old GPO: `WUServer` without the port, so it asks port 80, where
//!   the Default Web Site answers 404.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const ZONE: Tz = chrono_tz::Europe::Berlin;
const URL: &str = "http://wsus01.contoso.local:8530";
const ROOT: &str = "INC0048213_client-logs";
const CLONED: &str = "5f2b9c84-1e6a-4d3b-a0c7-9e8d2f1b6a35";

fn policy(wsus: &str) -> Vec<u8> {
    wu_policy(
        wsus,
        vec![("DoNotConnectToWindowsUpdateInternetLocations", RegValue::Dword(1))],
        vec![("AUOptions", RegValue::Dword(4)), ("NoAutoUpdate", RegValue::Dword(0))],
    )
}

fn identity(susid: &str, validation: &[u8]) -> Vec<u8> {
    reg_export(&[key(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate",
        vec![
            ("SusClientId", sz(susid)),
            ("SusClientIDValidation", RegValue::Binary(validation.to_vec())),
            ("AccountDomainSid", sz("S-1-5-21-3623811015-3361044348-30300820")),
            ("PingID", sz("e1f3a7c2-5b90-4d68-8c14-2a6f0d9b7e53")),
        ],
    )])
}

fn time_zone() -> Vec<u8> {
    let tz = time_zone_key(
        "W. Europe Standard Time",
        -60i32,
        "@tzres.dll,-322",
        "@tzres.dll,-321",
        (3, 0, 5, 2),
        (10, 0, 5, 3),
    );
    utf16le_bom(&reg_query(&[tz]))
}

/// A Windows 10 PC whose scans work (the cloned pair); the service desk runs one more scan right
/// before collecting its logs, at `last_scan`.
fn healthy_pc(rng: &mut Rng, name: &str, susid: &str, last_scan: NaiveDateTime) -> Vec<u8> {
    let mut log = Wu10::new(ZONE, '/', false);
    let pid = 2000 + rng.below(9000) as u32;
    wu10_startup(&mut log, at("2024-11-18 07:31:02.118"), pid, "10.0.19041.5072", URL);
    let mut t = at("2024-11-18 07:32:00.000");
    let mut rep = String::new();
    let mut last = Some(last_scan);
    while t < at("2024-11-19 12:00:00") {
        if t > last_scan {
            t = last_scan;
            last = None;
        }
        wu10_scan(
            &mut log,
            rng,
            t,
            pid,
            "UpdateOrchestrator",
            URL,
            0,
            &format!("{}.contoso.local", name.to_lowercase()),
            susid,
        );
        let (event, cv) = (rng.guid(), format!("{}.0", rng.hex(16)));
        rep.push_str(&detection_finished(
            ZONE,
            t + secs(4),
            &event,
            0,
            "UpdateOrchestrator",
            &cv,
        ));
        if last.is_none() {
            break;
        }
        t += step(rng, 22 * 3600, 3600);
    }
    let validation: Vec<u8> = (0..24).map(|i| (i * 37 % 251) as u8).collect();
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&rep)),
            ("reg/WindowsUpdate-policy.reg".into(), policy(URL)),
            ("reg/WindowsUpdate-identity.reg".into(), identity(susid, &validation)),
            ("reg/TimeZoneInformation.txt".into(), time_zone()),
        ],
        at("2024-11-19 12:30:00"),
    )
}

/// The Windows 11 laptop: WPAD hands it the proxy, which demands authentication for the WSUS URL.
fn proxy_laptop(rng: &mut Rng) -> Vec<u8> {
    let mut log = Wu10::new(ZONE, '-', true);
    let pid = 6212;
    wu10_startup(&mut log, at("2024-11-18 08:05:40.013"), pid, "1193.2410.9012.0", URL);
    let mut rep = String::new();
    let mut t = at("2024-11-18 08:06:31.000");
    while t < at("2024-11-19 12:00:00") {
        let tid = 9100 + rng.below(800) as u32;
        log.lines(
            t,
            pid,
            tid,
            &[
                (0, "Agent", "* START * Finding updates CallerId = UpdateOrchestrator  Id = 7 (cV = w1YzQ7n5pUy0b8Fq.1.0.1.2)"),
                (0, "Agent", "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No"),
                (1, "Agent", &format!("ServiceID = {{{WU_SERVICE}}} Managed")),
                (4, "Misc", &got_wsus_url(URL)),
                (5, "ProtocolTalker", "OK to reuse existing configuration"),
                (5, "ProtocolTalker", "Existing cookie is valid, just use it"),
                (6, "ProtocolTalker", "PTInfo: Server requested registration"),
                (9, "WebServices", "Auto proxy settings for this web service call."),
                (1870, "WebServices", "Proxy List: 'proxy.contoso.local:8080', Bypass List: '(null)'."),
                (2460, "WebServices", &ws_endpoint_error(URL)),
                (2460, "WebServices", "WS error: The server returned HTTP status code '407 (0x197)' with text 'Proxy Authentication Required'."),
                (2461, "WebServices", "WS error: The requested proxy requires authentication."),
                (2462, "WebServices", "*FAILED* [8024401B] Web service call"),
                (2463, "ProtocolTalker", "*FAILED* [8024401B] SyncUpdates round trip"),
                (2463, "ProtocolTalker", "*FAILED* [8024401B] Synchronize updates"),
                (2470, "Agent", "*FAILED* [8024401B] Synchronize updates"),
                (2482, "Agent", "Exit code = 0x8024401B"),
                (2483, "Agent", "* END * Finding updates CallerId = UpdateOrchestrator  Id = 7"),
            ],
        );
        let cv = "w1YzQ7n5pUy0b8Fq.1.0.1.2";
        rep.push_str(&detection_failed(
            ZONE,
            t + millis(2500),
            &rng.guid(),
            "8024401b",
            "UpdateOrchestrator",
            cv,
        ));
        t += step(rng, 3 * 3600, 1800);
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&rep)),
            ("reg/WindowsUpdate-policy.reg".into(), policy(URL)),
            ("reg/TimeZoneInformation.txt".into(), time_zone()),
            (
                "netsh_winhttp_show_proxy.txt".into(),
                b"\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n".to_vec(),
            ),
        ],
        at("2024-11-19 12:40:00"),
    )
}

/// Server 2012 R2 (classic log): WPAD's proxy answers 502 for the intranet WSUS name.
fn proxy_server(rng: &mut Rng) -> Vec<u8> {
    let mut log = WuClassic::new(ZONE);
    let pid = 912;
    let t0 = at("2024-11-18 05:12:44.301");
    log.banner(t0, pid, 0x4c8, "7.9.9600.18970");
    log.lines(
        t0,
        pid,
        0x4c8,
        &[
            (0, "Misc", "  = Process: C:\\Windows\\system32\\svchost.exe"),
            (16, "Agent", "  * WU client version 7.9.9600.18970"),
            (16, "Agent", "  * Access type: No proxy"),
        ],
    );
    log.settings(t0 + millis(31), pid, 0x4c8, URL, Some("Servers"));
    let susid = "  * SusClientId = '2c7e0b19-8d4f-4a63-b1e5-7f09c3a2d846'";
    log.line(t0 + millis(47), pid, 0x4c8, "Agent", susid);
    let mut t = t0 + secs(120);
    while t < at("2024-11-19 12:00:00") {
        let tid = 0x600 + rng.below(0x800) as u32;
        log.lines(
            t,
            pid,
            tid,
            &[
                (0, "Agent", FIND_START),
                (15, "PT", PT_SYNC),
                (15, "PT", &classic_service_url(URL)),
                (2203, "Misc", "WARNING: SendRequest failed with hr = 80244021. Proxy List used: <proxy.contoso.local:8080> Bypass List used : <(null)> Auth Schemes used : <>"),
                (2203, "PT", "  + Last proxy send request failed with hr = 0x80244021, HTTP status code = 502"),
                (2203, "PT", "  + Proxy list used = proxy.contoso.local:8080, Bypass list used = <NULL>, auth schemes used = <NULL>"),
                (2219, "PT", "WARNING: GetConfig failure, error = 0x80244021, soap client error = 10, soap error code = 0, HTTP status code = 502"),
                (2219, "PT", "WARNING: SOAP Fault: 0x00000a"),
                (2219, "PT", "WARNING: PTError: 0x80244021"),
                (2219, "PT", "WARNING: GetConfig_WithRecovery failed: 0x80244021"),
                (2234, "PT", "WARNING: Sync of Updates: 0x80244021"),
                (2234, "Agent", "  * WARNING: Failed to synchronize, error = 0x80244021"),
                (2250, "Agent", "  * WARNING: Exit code = 0x80244021"),
                (2250, "Agent", FIND_END),
                (2266, "AU", "  # WARNING: Search callback failed, result = 0x80244021"),
                (600_000, "Report", "WARNING: Reporter failed to upload events with hr = 80244021."),
            ],
        );
        t += step(rng, 5 * 3600, 1800);
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("reg/WindowsUpdate-policy.reg".into(), policy(URL)),
        ],
        at("2024-11-19 12:45:00"),
    )
}

/// The lab PC: its GPO still says `http://wsus01.contoso.local` (port 80, the Default Web Site).
fn lab_pc(rng: &mut Rng) -> Vec<u8> {
    let wsus = "http://wsus01.contoso.local";
    let mut log = Wu10::new(ZONE, '/', false);
    let pid = 4408;
    wu10_startup(&mut log, at("2024-11-18 06:50:10.440"), pid, "10.0.19041.5072", wsus);
    let mut rep = String::new();
    let mut t = at("2024-11-18 06:51:00.000");
    while t < at("2024-11-19 12:00:00") {
        let tid = 3300 + rng.below(800) as u32;
        log.lines(
            t,
            pid,
            tid,
            &[
                (
                    0,
                    "Agent",
                    "* START * Finding updates CallerId = UpdateOrchestrator  Id = 12 (cV = d0Qe5v2JfUe7nb3K.1.0.1.2)",
                ),
                (3, "Misc", &got_wsus_url(wsus)),
                (4, "ProtocolTalker", "OK to reuse existing configuration"),
                (6, "ProtocolTalker", "PTInfo: Server requested registration"),
                (130, "WebServices", &ws_endpoint_error(wsus)),
                (
                    130,
                    "WebServices",
                    "WS error: The server returned HTTP status code '404 (0x194)' with text 'Not Found'.",
                ),
                (131, "WebServices", "WS error: The requested resource was not found."),
                (131, "WebServices", "*FAILED* [80244019] Web service call"),
                (132, "ProtocolTalker", "*FAILED* [80244019] GetConfig round trip"),
                (132, "ProtocolTalker", "*FAILED* [80244019] Synchronize updates"),
                (140, "Agent", "*FAILED* [80244019] Synchronize updates"),
                (141, "Agent", "Exit code = 0x80244019"),
                (
                    141,
                    "Agent",
                    "* END * Finding updates CallerId = UpdateOrchestrator  Id = 12",
                ),
            ],
        );
        let cv = "d0Qe5v2JfUe7nb3K.1.0.1.2";
        rep.push_str(&detection_failed(
            ZONE,
            t + millis(150),
            &rng.guid(),
            "80244019",
            "UpdateOrchestrator",
            cv,
        ));
        t += step(rng, 6 * 3600, 1800);
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&rep)),
            ("reg/WindowsUpdate-policy.reg".into(), policy(wsus)),
            ("reg/TimeZoneInformation.txt".into(), time_zone()),
        ],
        at("2024-11-19 12:50:00"),
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0xC11E_0048_2130_0001);
    let mut files: Files = vec![
        ("PC-ACC-014.zip".into(), healthy_pc(&mut rng, "PC-ACC-014", CLONED, at("2024-11-19 11:48:20.000"))),
        ("PC-ACC-022.zip".into(), healthy_pc(&mut rng, "PC-ACC-022", CLONED, at("2024-11-19 11:52:41.000"))),
        ("LT-SALES-07.zip".into(), proxy_laptop(&mut rng)),
        ("SRV-APP03.zip".into(), proxy_server(&mut rng)),
        ("PC-LAB-101.zip".into(), lab_pc(&mut rng)),
        (
            "README.txt".into(),
            b"Collected by the service desk for INC0048213 (\"some PCs do not get updates\").\r\nOne zip per machine: WindowsUpdate.log (Get-WindowsUpdateLog), ReportingEvents.log, policy and identity exports.\r\n".to_vec(),
        ),
    ];
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let _: Option<NaiveDateTime> = None;
    under(ROOT, files)
}
