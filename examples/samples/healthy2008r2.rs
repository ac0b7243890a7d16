//! `wsus30-2008r2-upstream-healthy`: a healthy WSUS 3.0 SP2 upstream server on Windows Server
//! 2008 R2 / IIS 7.5 in Sydney, February 2016, installed in the Default Web Site (port 80, so the
//! clients' `http://wsus-syd01` without a port is right). A downstream replica in Melbourne
//! synchronizes from it every night (ServerSyncWebService, DssAuthWebService, content over BITS);
//! one upstream sync needs a retry after a reset connection and then completes; WsusPool idles out
//! at night; Windows 7 clients write the classic log's everyday warnings. Nothing here is a fault.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const FQDN: &str = "WSUS-SYD01.adatum.com.au";
const IP: &str = "10.70.0.8";
const ZONE: Tz = chrono_tz::Australia::Sydney;
const URL: &str = "http://wsus-syd01";
const DOWNSTREAM: &str = "10.80.0.20";
const ROOT: &str = "WSUS-SYD01-logs-20160211";
const WUA: &str = "Windows-Update-Agent";
const BITS: &str = "Microsoft+BITS/7.5";
const SOAP: &str = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+2.0.50727.5485)";

fn application_host() -> Vec<u8> {
    // WSUS 3.0 in the Default Web Site, WsusPool on .NET 2.0.
    let mut out = String::from(
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<configuration>\r\n    <system.applicationHost>\r\n        <applicationPools>\r\n            <add name=\"DefaultAppPool\" />\r\n            <add name=\"WsusPool\" managedRuntimeVersion=\"v2.0\">\r\n                <processModel identityType=\"NetworkService\" />\r\n            </add>\r\n            <applicationPoolDefaults>\r\n                <processModel identityType=\"ApplicationPoolIdentity\" />\r\n            </applicationPoolDefaults>\r\n        </applicationPools>\r\n        <sites>\r\n            <site name=\"Default Web Site\" id=\"1\">\r\n                <application path=\"/\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"%SystemDrive%\\inetpub\\wwwroot\" />\r\n                    <virtualDirectory path=\"/Content\" physicalPath=\"E:\\WSUS\\WsusContent\" />\r\n                </application>\r\n",
    );
    wsus_applications(&mut out);
    out.push_str("                <application path=\"/Selfupdate\" applicationPool=\"WsusPool\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"C:\\Program Files\\Update Services\\Selfupdate\" />\r\n                </application>\r\n                <bindings>\r\n                    <binding protocol=\"http\" bindingInformation=\"*:80:\" />\r\n                </bindings>\r\n            </site>\r\n        </sites>\r\n    </system.applicationHost>\r\n");
    for (vdir, anonymous, windows) in default_auth() {
        auth_location(&mut out, "Default Web Site", vdir, anonymous, windows);
    }
    out.push_str("</configuration>\r\n");
    out.into_bytes()
}

fn iis(rng: &mut Rng) -> Files {
    let clients = client_ips(40, "10.70", (10, 20), (30, 5));
    let rounds = Rounds {
        from: at("2016-02-09 13:00:00"),
        spread: (1879, 20_000),
        every: (8 * 3600, 3600),
        until: at("2016-02-11 01:00:00"),
    };
    let traffic = ScanTraffic {
        port: 80,
        ua: WUA,
        calls: &[1, 1, 2, 4],
        call_taken: (30, 900),
        report: 60,
        report_taken: (20, 90),
    };
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        hits.push(wuident_hit(r.t, 80, r.client, WUA, (304, 0, 0), 1));
        traffic.scan(&mut hits, rng, r.client, r.t);
        traffic.report(&mut hits, rng, r.client, r.t);
    });
    // The Melbourne replica's nightly synchronization at 02:00 Sydney time (15:00 UTC).
    let sync = at("2016-02-10 15:00:04");
    hits.push(Hit::new(
        sync,
        "POST",
        "/DssAuthWebService/DssAuthWebService.asmx",
        80,
        DOWNSTREAM,
        SOAP,
        (200, 0, 0),
        140,
    ));
    for k in 0..30 {
        hits.push(Hit::new(
            sync + secs(2 + k * 7),
            "POST",
            "/ServerSyncWebService/ServerSyncWebService.asmx",
            80,
            DOWNSTREAM,
            SOAP,
            (200, 0, 0),
            300 + rng.below(5000) as u32,
        ));
    }
    let mut d = sync + secs(400);
    for _ in 0..12 {
        let sha = rng.hex(40);
        let f = format!("/Content/{}/{sha}.cab", &sha[38..]);
        let head = Hit::new(d, "HEAD", &f, 80, DOWNSTREAM, BITS, (200, 0, 0), 0);
        let gets = head.ranged_gets(2 + rng.below(5), 1, || (0, 100 + rng.below(3000) as u32));
        hits.push(head);
        hits.extend(gets);
        d += secs(30 + rng.below(60) as i64);
    }
    // The console on the server itself.
    for t in ["2016-02-09 23:15:40", "2016-02-10 22:41:02"] {
        let t = at(t);
        let call = Hit::new(t + secs(1), "POST", API_REMOTING_WS, 80, "::1", SOAP, (200, 0, 0), 800);
        hits.extend(call.ntlm_challenge(t, false, [2, 1]));
        hits.push(call.user("ADATUM\\wsusadmin"));
    }
    w3c_files(
        "inetpub/logs/LogFiles/W3SVC1",
        IisLayout::Iis10("7.5"),
        "",
        IP,
        &mut hits,
        &[],
    )
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    // The upstream syncs with Microsoft Update at 01:00 Sydney (14:00 UTC).
    for (day, retry) in [("2016-02-09", false), ("2016-02-10", true)] {
        let t = at(&format!("{day} 14:00:00.{:03}", rng.below(1000)));
        s.sync_event(t, "WsusService.27", 381);
        if retry {
            // A reset connection, retried by WSUS itself; the same synchronization then completes.
            s.proxy_exception_retry(
                t + secs(95),
                "WsusService.32",
                "System.Net.WebException: The underlying connection was closed: A connection that was expected to be kept alive was closed by the server.",
                &[
                    "   at System.Web.Services.Protocols.WebClientProtocol.GetWebResponse(WebRequest request)",
                    "   at Microsoft.UpdateServices.ServerSync.ServerSyncProxy.GetUpdateData(Cookie cookie, UpdateIdentity[] updateIds)",
                ],
            );
        }
        s.sync_event(t + secs(900 + rng.below(300) as i64), "WsusService.27", 384);
    }
    s.sync_event(at("2016-02-09 14:21:40.551"), "WsusService.12", 361);
    for _ in 0..20 {
        let t = at("2016-02-09 14:22:00") + secs(rng.below(5000) as i64);
        let update = rng.guid().to_lowercase();
        s.content_downloaded(t, "WsusService.12", &format!("{CONTENT_DOWNLOADED} {update}"));
    }
    // The replica's sync arrives as web-service calls (w3wp).
    s.line(
        at("2016-02-10 15:00:04.610"),
        "Info",
        "w3wp.14",
        "ServerSyncWebService.GetAuthConfig",
        "GetAuthConfig called by downstream server WSUS-MEL01",
    );
    s.render().into_bytes()
}

fn system(rng: &mut Rng) -> Vec<u8> {
    let mut ev = Vec::new();
    for day in ["2016-02-09", "2016-02-10"] {
        let d = at(&format!("{day} 00:00:00"));
        // WsusPool (WSUS 3.0 keeps IIS's 20-minute idle time-out) idles out in the quiet hours.
        for h in [17, 19] {
            ev.push(was_event(
                FQDN,
                d + secs(h * 3600 + rng.below(1800) as i64),
                5186,
                4,
                &[
                    ("ProcessID", &(2000 + rng.below(5000)).to_string()),
                    ("AppPoolID", "WsusPool"),
                    ("Minutes", "20"),
                ],
            ));
        }
        let mut t = d + secs(1800);
        while t < d + secs(86_000) {
            ev.push(service_state(FQDN, t, "Windows Modules Installer", "running"));
            ev.push(service_state(
                FQDN,
                t + secs(900),
                "Windows Modules Installer",
                "stopped",
            ));
            t += step(rng, 6 * 3600, 3600);
        }
        ev.push(uptime_event(
            FQDN,
            d + secs(1800),
            2_592_000,
            "-660 AUS Eastern Daylight Time",
        ));
    }
    evtx_file(ev, 77_310)
}

fn application() -> Vec<u8> {
    let mut ev = Vec::new();
    for (t, id) in [
        ("2016-02-09 14:00:00.100", 381),
        ("2016-02-09 14:21:39.870", 384),
        ("2016-02-09 14:21:40.551", 361),
        ("2016-02-10 14:00:00.210", 381),
        ("2016-02-10 14:17:55.030", 384),
    ] {
        ev.push(sync_app_event(FQDN, at(t), id));
    }
    ev.push(wsus_event(
        FQDN,
        at("2016-02-10 23:02:11.400"),
        10000,
        4,
        2,
        "WSUS is working correctly.",
    ));
    evtx_file(ev, 20_117)
}

fn registry() -> Vec<u8> {
    let tz = time_zone_key(
        "AUS Eastern Standard Time",
        -600i32,
        "@tzres.dll,-252",
        "@tzres.dll,-251",
        (10, 0, 1, 2),
        (4, 0, 1, 3),
    );
    reg_export(&[
        setup_key(vec![
            ("ContentDir", sz(r"E:\WSUS")),
            ("SqlServerName", sz(r"WSUS-SYD01\MICROSOFT##SSEE")),
            ("SqlDatabaseName", sz("SUSDB")),
            ("IISTargetWebsiteIndex", RegValue::Dword(1)),
            ("PortNumber", RegValue::Dword(80)),
            ("UsingSSL", RegValue::Dword(0)),
            ("VersionString", sz("3.2.7600.274")),
            ("WmsdeInstalled", RegValue::Dword(0)),
        ]),
        tz,
    ])
}

/// A Windows 7 client's classic log with the warnings every such log has.
fn win7(rng: &mut Rng, name: &str, first: NaiveDateTime) -> Vec<u8> {
    let mut log = WuClassic::new(ZONE);
    let pid = 900 + rng.below(300) as u32;
    let tid = 0x300 + rng.below(0x500) as u32;
    log.banner(first, pid, tid, "7.6.7600.320");
    log.lines(
        first,
        pid,
        tid,
        &[
            (0, "Misc", "  = Process: C:\\Windows\\system32\\svchost.exe"),
            (16, "Agent", "  * WU client version 7.6.7600.320"),
        ],
    );
    log.settings(first + millis(16), pid, tid, URL, Some("Workstations"));
    let susid = format!("  * SusClientId = '{}'", rng.guid().to_lowercase());
    log.lines(
        first,
        pid,
        tid,
        &[
            (31, "Agent", &susid),
            (
                47,
                "Report",
                "WARNING: CSerializationHelper::InitSerialize failed : 0x80070002",
            ),
            (62, "AU", "WARNING: AU found no suitable session to launch client in"),
        ],
    );
    let mut t = first + secs(240);
    while t < at("2016-02-11 00:30:00") {
        let stid = 0x100 + rng.below(0xe00) as u32;
        log.lines(
            t,
            pid,
            stid,
            &[
                (0, "Agent", FIND_START),
                (15, "PT", PT_SYNC),
                (15, "PT", &classic_service_url(URL)),
                (31, "PT", "WARNING: Cached cookie has expired or new PID is available"),
                (2110, "Agent", "  * Found 0 updates and 77 categories in search; evaluated appl. rules of 1377 out of 2435 deployed entities"),
                (2126, "Agent", FIND_END),
                (2140, "AU", "WARNING: AU found no suitable session to launch client in"),
            ],
        );
        t += step(rng, 8 * 3600, 3600);
    }
    let _ = name;
    log.out.into_bytes()
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2008_0210_5D00_0001);
    let mut files = iis(&mut rng);
    files.push((
        "Update Services/LogFiles/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    files.push(("EventLogs/System.evtx".into(), system(&mut rng)));
    files.push(("EventLogs/Application.evtx".into(), application()));
    files.push(("Registry/WSUS-and-TimeZone.reg".into(), registry()));
    files.push(("inetsrv/config/applicationHost.config".into(), application_host()));
    for (name, first) in [
        ("ADT-W7-0044", "2016-02-09 21:40:07.115"),
        ("ADT-W7-0108", "2016-02-09 22:05:51.790"),
    ] {
        files.push((
            format!("Clients/{name}/WindowsUpdate.log"),
            win7(&mut rng, name, at(first)),
        ));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, files)
}
