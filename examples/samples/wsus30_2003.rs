//! `wsus30-2003-sha2-sync`: WSUS 3.0 SP2 on Windows Server 2003 R2 SP2 / IIS 6 in December 2019,
//! collected MPSReports-style (also shipped as a .cab). Since Microsoft Update signs with SHA-2
//! only, the server (which cannot get KB4484071 on 2003) fails every synchronization with
//! "The given certificate chain has not Microsoft Root CA signed root (800B0109)". Clients keep
//! scanning happily against the stale catalog.

use super::Rng;
use super::kit::*;
use chrono_tz::Tz;

const HOST: &str = "WSUS03";
const IP: &str = "192.168.10.30";
const SITE: u32 = 1_915_367_382;
const ZONE: Tz = chrono_tz::America::Chicago;
const URL: &str = "http://wsus03.northwind.local:8530";
const ROOT: &str = "WSUS03_MPSReports_2019-12-04";

fn metabase() -> Vec<u8> {
    metabase_xml(|m| {
        metabase_machine(
            m,
            "8217",
            "314",
            Some("496344627000000022000000400000001a6c3e6e"),
            Some("0"),
        );
        metabase_element(
            m,
            "IIsApplicationPools",
            "/LM/W3SVC/AppPools",
            &[("AppPoolIdentityType", "2"), ("PeriodicRestartTime", "1740")],
        );
        metabase_app_pools(
            m,
            &[
                ("AppPoolCommand", "1"),
                ("PeriodicRestartPrivateMemory", "0"),
                ("PeriodicRestartTime", "1740"),
                ("RapidFailProtection", "TRUE"),
            ],
        );
        metabase_w3svc(m, Some("Default.htm,Default.asp,index.htm,iisstart.htm,Default.aspx"));
        metabase_default_site(m, None);
        metabase_selfupdate(m, "/LM/W3SVC/1/root", "AuthAnonymous | AuthNTLM");
        // WSUS 3.0's own site on 8530, on ASP.NET 2.0.
        metabase_element(
            m,
            "IIsWebServer",
            &format!("/LM/W3SVC/{SITE}"),
            &[
                ("AuthFlags", "0"),
                ("SecureBindings", ":8531:"),
                ("ServerAutoStart", "TRUE"),
                ("ServerBindings", ":8530:"),
                ("ServerComment", "WSUS Administration"),
            ],
        );
        let root = format!("/LM/W3SVC/{SITE}/root");
        metabase_element(
            m,
            "IIsWebVirtualDir",
            &root,
            &[
                ("AccessFlags", "AccessRead | AccessScript"),
                ("AppIsolated", "2"),
                ("AppPoolId", "WsusPool"),
                ("AppRoot", &format!("/LM/W3SVC/{SITE}/ROOT")),
                ("AuthFlags", "AuthAnonymous"),
                ("Path", "C:\\Program Files\\Update Services\\WebServices\\Root"),
            ],
        );
        metabase_web_services(m, &root, "v2.0.50727", &WSUS_APPS);
        metabase_content(m, &root, "AuthAnonymous", "E:\\WSUS\\WsusContent");
        metabase_selfupdate(m, &root, "AuthAnonymous");
    })
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    let svc = "WsusService.21";
    for day in 1..=3 {
        let start = at(&format!("2019-12-0{day} 09:00:00.{:03}", rng.below(1000)));
        s.sync_event(start, svc, 381);
        s.sync_protocol(
            start + millis(1640),
            svc,
            "Server ID is 4a7c90e3-12b5-4f2e-8d61-0c9b3e5a7f22",
        );
        // SHA-2 only since 2019: the authorization cab's signature cannot be checked on 2003.
        let fail = start + millis(4312 + rng.below(900) as i64);
        s.line(
            fail,
            "Error",
            svc,
            "CabUtilities.CheckCertificateSignature",
            "The given certificate chain has not Microsoft Root CA signed root (800B0109)",
        );
        s.sync_thread_error(
            fail + millis(3),
            svc,
            "System.Security.Cryptography.CryptographicException: The given certificate chain has not Microsoft Root CA signed root (800B0109)",
            &[
                "   at Microsoft.UpdateServices.Internal.CabUtilities.CheckCertificateSignature(String filePath, Boolean allowTestRoot)",
                "   at Microsoft.UpdateServices.ServerSync.ServerSyncLib.DownloadAndVerifyAuthorizationCab(String url, String localPath)",
                "   at Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.GetAuthorizationCookie()",
            ],
            millis(217),
        );
        s.event(fail + millis(240), svc, 386, "Error", "Synchronization", "Synchronization failed. Reason: The given certificate chain has not Microsoft Root CA signed root (800B0109).");
    }
    // The console, opened every morning, and the daily clean-up of the event table.
    for day in 2..=4 {
        let t = at(&format!(
            "2019-12-0{day} 14:1{}:0{}.{:03}",
            rng.below(10),
            rng.below(10),
            rng.below(1000)
        ));
        s.line(
            t,
            "Info",
            "w3wp.9",
            "AdminDataAccess.ExecuteSPGetUpdateServerStatus",
            "GetUpdateServerStatus was called",
        );
    }
    s.render().into_bytes()
}

fn iis(rng: &mut Rng) -> Files {
    let clients = client_ips(22, "192.168", (20, 11), (40, 4));
    let wua = "Windows-Update-Agent";
    let rounds = Rounds {
        from: at("2019-12-02 00:00:00"),
        spread: (2711, 79_200),
        every: (22 * 3600 - 3600, 7200),
        until: at("2019-12-04 16:00:00"),
    };
    // IIS 6 logs no time-taken.
    let traffic = ScanTraffic {
        port: 8530,
        ua: wua,
        calls: &[1, 2, 2, 6],
        call_taken: (0, 0),
        report: 70,
        report_taken: (0, 0),
    };
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        hits.push(wuident_hit(r.t, 8530, r.client, wua, (200, 0, 0), 0));
        traffic.scan(&mut hits, rng, r.client, r.t);
        traffic.report(&mut hits, rng, r.client, r.t);
    });
    // The administrator's console, every afternoon.
    let console = "Mozilla/4.0+(compatible;+MSIE+6.0;+Windows+NT+5.2;+MS+Web+Services+Client+Protocol+2.0.50727.3662)";
    for day in ["2019-12-02", "2019-12-03", "2019-12-04"] {
        let t = at(&format!("{day} 14:1{}:00", rng.below(10)));
        let call = Hit::new(
            t + secs(1),
            "POST",
            API_REMOTING_WS,
            8530,
            "192.168.10.12",
            console,
            (200, 0, 0),
            0,
        );
        hits.extend(call.ntlm_challenge(t, true, [0, 0]));
        hits.push(call.user("NORTHWIND\\jsmith"));
    }
    w3c_files(
        &format!("WINDOWS/system32/LogFiles/W3SVC{SITE}"),
        IisLayout::Iis6,
        &format!("W3SVC{SITE}"),
        IP,
        &mut hits,
        &[],
    )
}

fn application_text(rng: &mut Rng) -> Vec<u8> {
    let mut events = Vec::new();
    for day in 1..=3 {
        let start = at(&format!("2019-12-0{day} 09:00:00"));
        events.push(TextEvent {
            utc: start,
            log: "Application",
            source: "Windows Server Update Services",
            id: 381,
            level: "Information",
            category: "Synchronization ",
            computer: HOST,
            user: "N/A",
            message: "A scheduled synchronization was started.".into(),
        });
        events.push(TextEvent {
            utc: start + secs(5),
            log: "Application",
            source: "Windows Server Update Services",
            id: 386,
            level: "Error",
            category: "Synchronization ",
            computer: HOST,
            user: "N/A",
            message: "Synchronization failed. Reason: The given certificate chain has not Microsoft Root CA signed root (800B0109).".into(),
        });
        events.push(TextEvent {
            utc: start + secs(3 * 3600 + rng.below(600) as i64),
            log: "Application",
            source: "Userenv",
            id: 1517,
            level: "Warning",
            category: "None",
            computer: HOST,
            user: "NT AUTHORITY\\SYSTEM",
            message: "Windows saved user NORTHWIND\\svc-backup registry while an application or service was still using the registry during log off. The memory used by the user's registry has not been freed. The registry will be unloaded when it is no longer in use.".into(),
        });
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.utc)); // Event Viewer lists the newest first.
    legacy_2003_text(ZONE, &events)
}

fn system_text(rng: &mut Rng) -> Vec<u8> {
    let mut events = Vec::new();
    for day in 1..=3 {
        events.push(TextEvent {
            utc: at(&format!("2019-12-0{day} 18:00:00")),
            log: "System",
            source: "EventLog",
            id: 6013,
            level: "Information",
            category: "None",
            computer: HOST,
            user: "N/A",
            message: format!("The system uptime is {} seconds.", 4_233_600 + day * 86_400),
        });
        events.push(TextEvent {
            utc: at(&format!("2019-12-0{day} 09:{:02}:10", 5 + rng.below(40))),
            log: "System",
            source: "W32Time",
            id: 35,
            level: "Information",
            category: "None",
            computer: HOST,
            user: "N/A",
            message: "The time service is now synchronizing the system time with the time source DC01.northwind.local (ntp.d|192.168.10.30:123->192.168.10.2:123).".into(),
        });
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.utc));
    legacy_2003_text(ZONE, &events)
}

fn registry() -> Vec<u8> {
    reg_export(&[setup_key(vec![
        ("ContentDir", sz(r"E:\WSUS")),
        ("TargetDir", sz(r"C:\Program Files\Update Services\")),
        ("SqlServerName", sz(r"WSUS03\MICROSOFT##SSEE")),
        ("SqlDatabaseName", sz("SUSDB")),
        ("SqlAuthenticationMode", sz("WindowsAuthentication")),
        ("IISTargetWebsiteIndex", RegValue::Dword(SITE)),
        ("PortNumber", RegValue::Dword(8530)),
        ("UsingSSL", RegValue::Dword(0)),
        ("VersionString", sz("3.2.7600.274")),
        ("WmsdeInstalled", RegValue::Dword(0)),
        ("wYukonInstalled", RegValue::Dword(1)),
        ("InstallType", RegValue::Dword(1)),
    ])])
}

/// A classic client log: an agent start, then one scan a day that finds nothing new (the catalog
/// is stale), with the usual harmless warnings.
fn client_log(rng: &mut Rng, build: &str, pid: u32, susid: &str, dns: &str, first: chrono::NaiveDateTime) -> Vec<u8> {
    let mut log = WuClassic::new(ZONE);
    let tid = 0x300 + rng.below(0xc00) as u32;
    log.banner(first, pid, tid, build);
    log.lines(
        first,
        pid,
        tid,
        &[
            (0, "Misc", "  = Process: C:\\WINDOWS\\System32\\svchost.exe"),
            (0, "Misc", "  = Module: c:\\windows\\system32\\wuaueng.dll"),
            (15, "Service", "*************"),
            (15, "Service", "** START **  Service: Service startup"),
            (15, "Service", "*********"),
            (47, "Agent", "  * WU client version 7.6.7600.256"),
            (47, "Agent", "  * Base directory: C:\\WINDOWS\\SoftwareDistribution"),
            (47, "Agent", "  * Access type: No proxy"),
            (63, "Agent", "  * Network state: Connected"),
        ],
    );
    log.settings_cache(first + millis(910), pid, tid, URL, Some("(Unassigned Computers)"));
    let susid_line = format!("  * SusClientId = '{susid}'");
    log.lines(
        first,
        pid,
        tid,
        &[
            (926, "Report", "CWERReporter::Init succeeded"),
            (
                926,
                "Agent",
                "***********  Agent: Initializing Windows Update Agent  ***********",
            ),
            (926, "Agent", &susid_line),
            (
                941,
                "Report",
                "WARNING: CSerializationHelper::InitSerialize failed : 0x80070002",
            ),
        ],
    );
    let cookie = format!("Initializing simple targeting cookie, clientId = {susid}, target group = , DNS name = {dns}");
    let au_call = "CallId = {B1C9A4D2-5E3F-4A17-9C08-6D2E7F1B3A45}";
    let (resumed, au_end) = (
        format!(">>##  RESUMED  ## AU: Search for updates [{au_call}]"),
        format!("##  END  ##  AU: Search for updates [{au_call}]"),
    );
    let mut t = first + secs(300);
    while t < at("2019-12-04 15:00:00") {
        let stid = 0x100 + rng.below(0xf00) as u32;
        log.lines(
            t,
            pid,
            stid,
            &[
                (0, "AU", "#############"),
                (0, "AU", "## START ##  AU: Search for updates"),
                (0, "AU", "#########"),
                (16, "Agent", "*************"),
                (16, "Agent", FIND_START),
                (16, "Agent", "*********"),
                (16, "Agent", "  * Online = Yes; Ignore download priority = No"),
                (16, "Agent", "  * Criteria = \"IsHidden=0 and IsInstalled=0 and DeploymentAction='Installation' and IsAssigned=1 or IsHidden=0 and IsPresent=1 and DeploymentAction='Uninstallation' and IsAssigned=1\""),
                (16, "Agent", "  * ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed"),
                (16, "Agent", "  * Search Scope = {Machine}"),
                (31, "Setup", "Checking for agent SelfUpdate"),
                (31, "Setup", "Client version: Core: 7.6.7600.256  Aux: 7.6.7600.256"),
                (812, "Misc", "Validating signature for C:\\WINDOWS\\SoftwareDistribution\\SelfUpdate\\wuident.cab:"),
                (828, "Misc", " Microsoft signed: Yes"),
                (1203, "Setup", "Wuident for the server is up to date"),
                (1203, "PT", PT_SYNC),
                (1203, "PT", &classic_service_url(URL)),
                (1250, "PT", "WARNING: Cached cookie has expired or new PID is available"),
                (1250, "PT", &cookie),
                (1250, "PT", "PT: Calling GetCookie with auth plugins"),
                (5406, "Agent", "  * Found 0 updates and 71 categories in search; evaluated appl. rules of 1120 out of 1906 deployed entities"),
                (5421, "Agent", "*********"),
                (5421, "Agent", FIND_END),
                (5421, "Agent", "*************"),
                (5437, "AU", &resumed),
                (5437, "AU", "  # 0 updates detected"),
                (5437, "AU", "#########"),
                (5437, "AU", &au_end),
                (5437, "AU", "#############"),
                (5453, "AU", "Featured notifications is disabled."),
            ],
        );
        let r = local(ZONE, t + millis(5440));
        let report = format!(
            "REPORT EVENT: {{{}}}\t{} {}:{:03}{}\t1\t147\t101\t{{00000000-0000-0000-0000-000000000000}}\t0\t0\tAutomaticUpdates\tSuccess\tSoftware Synchronization\tWindows Update Client successfully detected 0 updates.",
            rng.guid(),
            ymd(r),
            hms(r),
            ms(r),
            offset_hhmm(offset_minutes(ZONE, t))
        );
        log.lines(
            t,
            pid,
            stid,
            &[
                (600_000, "Report", &report),
                (601_000, "Report", "CWERReporter finishing event handling. (00000000)"),
            ],
        );
        t += step(rng, 22 * 3600 - 3600, 7200);
    }
    log.out.into_bytes()
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2003_3050_1912_0300);
    let mut files = iis(&mut rng);
    files.push(("WINDOWS/system32/inetsrv/MetaBase.xml".into(), metabase()));
    files.push((
        "Program Files/Update Services/LogFiles/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    files.push(("EventLogs/WSUS03_Application.txt".into(), application_text(&mut rng)));
    files.push(("EventLogs/WSUS03_System.txt".into(), system_text(&mut rng)));
    files.push(("Registry/UpdateServices-Server-Setup.reg".into(), registry()));
    files.push((
        "Clients/NW-ACCT-01_WindowsUpdate.log".into(),
        client_log(
            &mut rng,
            "7.6.7600.256",
            1016,
            "a8f0c3d2-4b6e-4d19-9e27-5c1b0a3f6d84",
            "nw-acct-01.northwind.local",
            at("2019-12-02 13:02:11.406"),
        ),
    ));
    files.push((
        "Clients/NW-ENG-07_WindowsUpdate.log".into(),
        client_log(
            &mut rng,
            "7.6.7600.320",
            908,
            "0e93b7a5-2c41-4f6d-b8e0-7a5d1c3e9f26",
            "nw-eng-07.northwind.local",
            at("2019-12-02 14:47:30.125"),
        ),
    ));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, files)
}
