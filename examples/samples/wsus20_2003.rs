//! `wsus20-2003-content-anonymous-off`: WSUS 2.0 SP1 on Windows Server 2003 SP1, in the Default
//! Web Site on port 80, June 2007. On 2007-06-12 at 20:40 UTC an administrator unticked anonymous
//! access on the Content virtual directory (MetaBase: `AuthFlags="AuthNTLM"`), readme known issue 5.
//! From then on the clients' BITS downloads of Patch Tuesday's updates get 401; scans and reports
//! keep working.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const HOST: &str = "WSUS02";
const IP: &str = "10.5.1.12";
const ZONE: Tz = chrono_tz::America::New_York;
const URL: &str = "http://wsus02";
const ROOT: &str = "SR-0706-1344/WSUS02";
const WUA: &str = "Windows-Update-Agent";
const BITS: &str = "Microsoft+BITS/6.7";

fn metabase() -> Vec<u8> {
    metabase_xml(|m| {
        metabase_machine(m, "4410", "212", None, None);
        metabase_app_pools(m, &[("AppPoolCommand", "1"), ("PeriodicRestartTime", "1740")]);
        metabase_w3svc(m, None);
        // WSUS 2.0 installs into the Default Web Site, on ASP.NET 1.1.
        metabase_default_site(m, Some("AuthAnonymous"));
        let services = [
            "ClientWebService",
            "DssAuthWebService",
            "ReportingWebService",
            "ServerSyncWebService",
            "SimpleAuthWebService",
            "WSUSAdmin",
        ];
        metabase_web_services(m, "/LM/W3SVC/1/root", "v1.1.4322", &services);
        // The change of 2007-06-12: anonymous access unticked on Content, Integrated Windows left.
        metabase_content(m, "/LM/W3SVC/1/root", "AuthNTLM", "E:\\WSUS\\WsusContent");
        metabase_selfupdate(m, "/LM/W3SVC/1/root", "AuthAnonymous | AuthNTLM");
    })
}

fn content(rng: &mut Rng) -> Vec<String> {
    (0..14)
        .map(|i| {
            let sha = rng.hex(40);
            format!("/Content/{}/{sha}.{}", &sha[38..], ["exe", "cab", "exe", "psf"][i % 4])
        })
        .collect()
}

/// IIS 6 traffic, 2007-06-11 and 12 (UTC): scans and reports always work; downloads after the
/// 17:00 UTC approval work until 20:40, then every BITS job gets 401 and gives up.
fn iis(rng: &mut Rng, files: &[String]) -> (Files, Vec<(String, NaiveDateTime, String)>) {
    let clients = client_ips(30, "10.5", (20, 15), (30, 5));
    let approved = at("2007-06-12 17:05:00");
    let fault = at("2007-06-12 20:40:00");
    let mut failures = Vec::new();
    let mut hits = Vec::new();
    let rounds = Rounds {
        from: at("2007-06-11 00:00:00"),
        spread: (1877, 20_000),
        every: (5 * 3600, 3600),
        until: at("2007-06-13 00:00:00"),
    };
    // WSUS 2.0 clients: three calls to scan; IIS 6 logs no time-taken.
    let traffic = ScanTraffic {
        port: 80,
        ua: WUA,
        calls: &[1, 1, 3],
        call_taken: (0, 0),
        report: 100,
        report_taken: (0, 0),
    };
    rounds.each(rng, &clients, |rng, r| {
        let (ci, c, t) = (r.ci, r.client, r.t);
        let ok = (200, 0, 0);
        // WSUS 2.0 clients check the old /iuident.cab first.
        let wuident = wuident_hit(t, 80, c, WUA, ok, 0);
        hits.push(Hit {
            uri: "/iuident.cab".into(),
            ..wuident.clone()
        });
        hits.push(wuident);
        traffic.scan(&mut hits, rng, c, t);
        if t > approved {
            for k in 0..2 {
                let f = &files[(ci + k * 5) % files.len()];
                let d = t + secs(40 + k as i64 * 30);
                if d >= fault {
                    hits.push(Hit::new(d, "HEAD", f, 80, c, BITS, (401, 2, 2_148_074_254), 0));
                    hits.push(Hit::new(d, "HEAD", f, 80, c, BITS, (401, 1, 2_148_074_254), 0));
                    failures.push((c.to_string(), d, f.clone()));
                } else {
                    let head = Hit::new(d, "HEAD", f, 80, c, BITS, ok, 0);
                    let gets = head.ranged_gets(1 + rng.below(4), 2, || (0, 0));
                    hits.push(head);
                    hits.extend(gets);
                }
            }
        }
        traffic.report(&mut hits, rng, c, t);
    });
    // The administrator's web console (WSUS 2.0: /WSUSAdmin, Windows authentication).
    for t in ["2007-06-12 17:02:10", "2007-06-12 20:38:41"] {
        let t = at(t);
        let ie = "Mozilla/4.0+(compatible;+MSIE+6.0;+Windows+NT+5.2;+SV1;+.NET+CLR+1.1.4322)";
        let call = Hit::new(
            t + secs(1),
            "GET",
            "/WSUSAdmin/Default.aspx",
            80,
            "10.5.1.40",
            ie,
            (200, 0, 0),
            0,
        );
        hits.extend(call.ntlm_challenge(t, true, [0, 0]));
        let call = call.user("LITWARE\\itadmin");
        hits.push(call.clone());
        hits.push(Hit {
            t: t + secs(9),
            method: "POST",
            uri: "/WSUSAdmin/Updates/Default.aspx".into(),
            ..call
        });
    }
    let logs = w3c_files("LogFiles/W3SVC1", IisLayout::Iis6, "W3SVC1", IP, &mut hits, &[]);
    (logs, failures)
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    // WSUS 2.0 logs its synchronizations in the sync protocol's own words, no event mirrors.
    let sync = |s: &mut Sdl, t, took: i64, imported: u32| {
        s.sync_protocol(t, "WsusService.14", "Sync started");
        let done = format!("Sync done, {imported} updates imported");
        s.sync_protocol(t + secs(took), "WsusService.14", &done);
    };
    for day in ["2007-06-11", "2007-06-12"] {
        let t = at(&format!("{day} 07:00:0{}.{:03}", rng.below(10), rng.below(1000)));
        sync(&mut s, t, 301, 0);
    }
    sync(&mut s, at("2007-06-12 17:00:02.412"), 188, 23);
    s.line(
        at("2007-06-12 17:04:55.021"),
        "Change",
        "w3wp.9",
        "UpdateApproval.Approve",
        "Approved 9 update(s) for install on All Computers by LITWARE\\itadmin",
    );
    let downloaded = "Content file downloaded for update";
    s.content_downloads(
        rng,
        "WsusService.20",
        downloaded,
        at("2007-06-12 17:06:30.000"),
        9,
        (20, 50),
    );
    s.render().into_bytes()
}

fn registry() -> Vec<u8> {
    reg_export(&[setup_key(vec![
        ("ContentDir", sz(r"E:\WSUS")),
        ("TargetDir", sz(r"C:\Program Files\Update Services\")),
        ("SqlServerName", sz(r"WSUS02\WSUS")),
        ("SqlDatabaseName", sz("SUSDB")),
        ("SqlAuthenticationMode", sz("WindowsAuthentication")),
        ("IISTargetWebsiteIndex", RegValue::Dword(1)),
        ("PortNumber", RegValue::Dword(80)),
        ("VersionString", sz("2.0.0.2620")),
        ("WmsdeInstalled", RegValue::Dword(1)),
        ("InstallType", RegValue::Dword(0x80)),
    ])])
}

fn application_text() -> Vec<u8> {
    let events = vec![
        TextEvent {
            utc: at("2007-06-12 08:02:11"),
            log: "Application",
            source: "MSSQL$WSUS",
            id: 17055,
            level: "Information",
            category: "(2)",
            computer: HOST,
            user: "N/A",
            message: "17177 :\nThis instance of SQL Server has been using a process ID of 1784 since 6/11/2007 4:02:11 AM (local) 6/11/2007 8:02:11 AM (UTC).".into(),
        },
        TextEvent {
            utc: at("2007-06-12 20:40:17"),
            log: "Application",
            source: "Userenv",
            id: 1517,
            level: "Warning",
            category: "None",
            computer: HOST,
            user: "NT AUTHORITY\\SYSTEM",
            message: "Windows saved user LITWARE\\itadmin registry while an application or service was still using the registry during log off. The memory used by the user's registry has not been freed. The registry will be unloaded when it is no longer in use.".into(),
        },
    ];
    legacy_2003_text(ZONE, &events)
}

/// An XP SP2 client (WUA 3.0, build 7.0.6000.374) whose downloads fail with BITS 401.
fn client(rng: &mut Rng, name: &str, failures: &[(String, NaiveDateTime, String)], ip: &str) -> Vec<u8> {
    let mut log = WuClassic::new(ZONE);
    let pid = 1000 + rng.below(800) as u32;
    let tid = 0x500 + rng.below(0x700) as u32;
    let first = at("2007-06-12 12:31:07.514");
    log.banner(first, pid, tid, "7.0.6000.374");
    log.lines(
        first,
        pid,
        tid,
        &[
            (0, "Misc", "  = Process: C:\\WINDOWS\\System32\\svchost.exe"),
            (31, "Service", "** START **  Service: Service startup"),
            (62, "Agent", "  * WU client version 7.0.6000.374"),
            (62, "Agent", "  * Access type: No proxy"),
        ],
    );
    log.settings_cache(first + millis(812), pid, tid, URL, Some("(Unassigned Computers)"));
    let susid = format!("  * SusClientId = '{}'", rng.guid().to_lowercase());
    log.line(first + millis(828), pid, tid, "Agent", &susid);
    let mine: Vec<_> = failures.iter().filter(|f| f.0 == ip).collect();
    for (_, t, file) in mine.iter().take(2) {
        // The scan before finds Patch Tuesday's updates; their BITS jobs fail on the 401.
        let job = rng.guid();
        let upd = rng.guid();
        let dtid = 0x200 + rng.below(0x500) as u32;
        let download = format!(
            "  * Downloading from {URL}{file} to C:\\WINDOWS\\SoftwareDistribution\\Download\\{}.",
            rng.hex(32).to_lowercase()
        );
        let failed = format!(
            "WARNING: BITS job {{{job}}} failed, updateId = {{{upd}}}.102, hr = 0x80190191, BG_ERROR_CONTEXT = 5"
        );
        let failed_file = format!(
            "  Failed job file: URL = {URL}{file}, local path = C:\\WINDOWS\\SoftwareDistribution\\Download\\{}",
            rng.hex(32).to_lowercase()
        );
        log.lines(
            *t - secs(40),
            pid,
            dtid,
            &[
                (0, "Agent", "*********"),
                (0, "Agent", FIND_END),
                (1000, "AU", "  # 2 updates detected"),
                (2000, "DnldMgr", &format!("  * BITS job initialized, JobId = {{{job}}}")),
                (2000, "DnldMgr", &download),
                (42_000, "DnldMgr", &failed),
                (42_000, "DnldMgr", &failed_file),
                (
                    42_000,
                    "DnldMgr",
                    "Error 0x80244017 occurred while downloading update; notifying dependent calls.",
                ),
                (
                    43_000,
                    "AU",
                    "AU checked download status and it changed: Downloading is paused",
                ),
            ],
        );
    }
    let report = "Uploading 2 events using cached cookie, reporting URL = http://wsus02/ReportingWebService/ReportingWebService.asmx";
    log.line(at("2007-06-13 01:10:12.001"), pid, tid, "Report", report);
    log.line(
        at("2007-06-13 01:10:12.213"),
        pid,
        tid,
        "Report",
        "Reporter successfully uploaded 2 events.",
    );
    let _ = name;
    log.out.into_bytes()
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2007_0612_2000_0005);
    let files = content(&mut rng);
    let (mut out, failures) = iis(&mut rng, &files);
    out.push(("MetaBase.xml".into(), metabase()));
    out.push((
        "WSUS LogFiles/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    out.push(("Registry/WSUS-Setup.reg".into(), registry()));
    out.push(("EventLogs/Application.txt".into(), application_text()));
    let mut bundle = under(ROOT, out);
    for (name, ip) in [("LW-XP-0217", "10.5.20.30"), ("LW-XP-0388", "10.5.20.55")] {
        bundle.push((
            format!("SR-0706-1344/Clients/{name}_WindowsUpdate.log"),
            client(&mut rng, name, &failures, ip),
        ));
    }
    bundle.sort_by(|a, b| a.0.cmp(&b.0));
    bundle
}
