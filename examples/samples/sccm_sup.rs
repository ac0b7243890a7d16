//! `sccm-sup-proxy-407`: a Configuration Manager software update point (WSUS 10.0.17763 on
//! Windows Server 2019, site PS1) in June 2024. The proxy account's password was rotated on
//! 2024-06-10; ConfigMgr still hands WSUS the old one, so every synchronization since gets HTTP 407
//! from the authenticating proxy. WSyncMgr.log and WCM.log on the site server, SUPSetup.log and
//! SoftwareDistribution.log on the SUP, IIS logs of the SUP, and one client's CCM logs (nested zip)
//! whose scans keep working against the stale catalog.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const ZONE: Tz = chrono_tz::America::New_York;
const SUP: &str = "CM-SUP01.corp.woodgrove.com";
const SUP_IP: &str = "172.16.4.21";
const SITE_SERVER: &str = "CM-PS01.corp.woodgrove.com";
const SITE: u32 = 2_073_554_182;
const URL: &str = "http://CM-SUP01.corp.woodgrove.com:8530";
const ROOT: &str = "PS1_SUP_sync_logs_2024-06-12";

fn wsyncmgr(rng: &mut Rng) -> Vec<u8> {
    let c = "SMS_WSUS_SYNC_MANAGER";
    let tid = 4416;
    let mut out = String::new();
    let mut l = |t: NaiveDateTime, m: &str| out.push_str(&sms_line(ZONE, t, m, c, tid));
    // 2024-06-09: a normal synchronization.
    let ok = at("2024-06-09 06:00:01.120");
    l(ok, "Wakeup for a polling cycle");
    l(ok + millis(30), "Starting Sync");
    l(ok + millis(51), "Performing partial sync.");
    l(ok + millis(78), "Setting sync alert to active state on site PS1");
    l(ok + secs(2), &format!("Synchronizing WSUS server {SUP} ..."));
    l(
        ok + secs(3),
        "STATMSG: ID=6701 SEV=I LEV=M SOURCE=\"SMS Server\" COMP=\"SMS_WSUS_SYNC_MANAGER\" SYS=CM-PS01.corp.woodgrove.com SITE=PS1 PID=2944 TID=4416 GMTDATE=Sun Jun 09 10:00:04.310 2024 ISTR0=\"\" ISTR1=\"\" ISTR2=\"\" ISTR3=\"\" ISTR4=\"\" ISTR5=\"\" ISTR6=\"\" ISTR7=\"\" ISTR8=\"\" ISTR9=\"\" NUMATTRS=0",
    );
    l(ok + secs(4), &format!("Synchronizing WSUS server {SUP}"));
    l(
        ok + secs(12),
        "Synchronizing WSUS server cm-sup01.corp.woodgrove.com ...",
    );
    l(ok + secs(403), "sync: WSUS synchronizing categories");
    l(ok + secs(410), "sync: WSUS synchronizing updates");
    l(
        ok + secs(612),
        "Sync succeeded. Setting sync alert to canceled state on site PS1",
    );
    l(
        ok + secs(613),
        "Updated 407 items in SMS database, new update source content version is 1876",
    );
    l(
        ok + secs(614),
        "STATMSG: ID=6702 SEV=I LEV=M SOURCE=\"SMS Server\" COMP=\"SMS_WSUS_SYNC_MANAGER\" SYS=CM-PS01.corp.woodgrove.com SITE=PS1 PID=2944 TID=4416 GMTDATE=Sun Jun 09 10:10:15.112 2024 ISTR0=\"\" ISTR1=\"\" ISTR2=\"\" ISTR3=\"\" ISTR4=\"\" ISTR5=\"\" ISTR6=\"\" ISTR7=\"\" ISTR8=\"\" ISTR9=\"\" NUMATTRS=0",
    );
    l(ok + secs(620), "Sync time: 0d00h10m19s");
    // From 2024-06-10 every synchronization fails with 407; retried every 60 minutes.
    let mut t = at("2024-06-10 10:00:01.204");
    while t < at("2024-06-12 14:00:00") {
        l(t, "Wakeup for a polling cycle");
        l(t + millis(41), "Starting Sync");
        l(t + millis(60), "Performing partial sync.");
        l(t + secs(2), &format!("Synchronizing WSUS server {SUP} ..."));
        let f = t + secs(40 + rng.below(20) as i64);
        l(
            f,
            "Sync failed: UssCommunicationError: WebException: The request failed with HTTP status 407: Proxy Authentication Required.. Source: Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig",
        );
        let g = f.and_utc().format("%a %b %d %H:%M:%S%.3f %Y").to_string();
        l(
            f + millis(12),
            &format!(
                "STATMSG: ID=6703 SEV=E LEV=M SOURCE=\"SMS Server\" COMP=\"SMS_WSUS_SYNC_MANAGER\" SYS=CM-PS01.corp.woodgrove.com SITE=PS1 PID=2944 TID=4416 GMTDATE={g} ISTR0=\"Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig\" ISTR1=\"UssCommunicationError: WebException: The request failed with HTTP status 407: Proxy Authentication Required.\" ISTR2=\"\" ISTR3=\"\" ISTR4=\"\" ISTR5=\"\" ISTR6=\"\" ISTR7=\"\" ISTR8=\"\" ISTR9=\"\" NUMATTRS=0"
            ),
        );
        l(f + millis(20), "Sync failed. Will retry in 60 minutes");
        t += secs(3600) + millis(rng.below(900) as i64);
    }
    out.into_bytes()
}

fn wcm(rng: &mut Rng) -> Vec<u8> {
    let c = "SMS_WSUS_CONFIGURATION_MANAGER";
    let mut out = String::new();
    let mut t = at("2024-06-09 03:12:40.551");
    while t < at("2024-06-12 14:00:00") {
        let mut l = |dt: i64, m: &str| out.push_str(&sms_line(ZONE, t + millis(dt), m, c, 3120));
        l(0, "Checking for supported version of WSUS (min WSUS 4.0)");
        l(16, "Checking runtime v4.0.30319...");
        l(
            16,
            "Found supported assembly Microsoft.UpdateServices.Administration version 4.0.0.0, file version 10.0.17763.1",
        );
        l(
            31,
            "Found supported assembly Microsoft.UpdateServices.BaseApi version 4.0.0.0, file version 10.0.17763.1",
        );
        l(47, "Supported WSUS version found");
        l(62, "Attempting connection to local WSUS server");
        l(440, "Successfully connected to local WSUS server");
        l(
            455,
            "No changes - local WSUS Server Proxy settings are correctly configured as Proxy Name proxy.corp.woodgrove.com and Proxy Port 8080",
        );
        l(
            470,
            "No changes - WSUS Server settings are correctly configured and Upstream Server is set to Microsoft Update",
        );
        l(
            486,
            "Attempting connection to WSUS server: CM-SUP01.corp.woodgrove.com, port: 8530, useSSL: False",
        );
        l(
            850,
            "Successfully connected to server: CM-SUP01.corp.woodgrove.com, port: 8530, useSSL: False",
        );
        l(866, "Verify Upstream Server settings on the Active WSUS Server");
        l(
            881,
            "No changes - WSUS Server settings are correctly configured and Upstream Server is set to Microsoft Update",
        );
        l(897, "Refreshing categories from WSUS server");
        l(2120, "Successfully refreshed categories from WSUS server");
        t += secs(3600 + rng.below(120) as i64);
    }
    out.into_bytes()
}

fn supsetup() -> Vec<u8> {
    let c = "SMS_WSUS_CONTROL_MANAGER";
    let t = at("2023-02-14 15:20:11.032");
    let mut out = String::new();
    for (dt, m) in [
        (
            0,
            "====================================================================",
        ),
        (0, "SMSWSUS Setup Started...."),
        (
            16,
            "Parameters: C:\\Program Files\\SMS_CCM\\SMS\\bin\\x64\\rolesetup.exe /install /siteserver:CM-PS01.corp.woodgrove.com SMSWSUS 0",
        ),
        (31, "Installing Pre Reqs for SMSWSUS"),
        (47, "        ======== Installing Pre Reqs for Role SMSWSUS ========"),
        (110, "Found 1 Pre Reqs for Role SMSWSUS"),
        (125, "Pre Req SqlNativeClient found."),
        (
            141,
            "SqlNativeClient already installed (Product Code: {B9274744-8BAE-4874-8E59-2610919CD419}). Would not install again.",
        ),
        (156, "Pre Req SqlNativeClient is already installed. Skipping it."),
        (
            172,
            "        ======== Completed Installation of Pre Reqs for Role SMSWSUS ========",
        ),
        (188, "Installing the SMSWSUS"),
        (203, "Checking for supported version of WSUS (min WSUS 4.0)"),
        (219, "Checking runtime v4.0.30319..."),
        (234, "Supported WSUS version found"),
        (250, "Supported WSUS Server version (10.0.17763.1) is installed."),
        (266, "Next, Configuring the WSUS Server for SCCM"),
        (1402, "Installation was successful."),
    ] {
        out.push_str(&sms_line(ZONE, t + millis(dt), m, c, 2204));
    }
    out.into_bytes()
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    let ok = at("2024-06-09 10:00:05.412");
    s.manual_sync(ok, "w3wp.27", millis(1200), "WsusService.15");
    s.sync_event(ok + secs(598), "WsusService.15", 384);
    // ConfigManager starts every synchronization; since the password change each one gets 407.
    let denied = "System.Net.WebException: The request failed with HTTP status 407: Proxy Authentication Required.";
    let mut t = at("2024-06-10 10:00:04.880");
    while t < at("2024-06-12 14:00:00") {
        s.manual_sync(t, "w3wp.27", millis(1150), "WsusService.15");
        let e = t + secs(9 + rng.below(5) as i64);
        s.proxy_exception_retry(
            e,
            "WsusService.25",
            denied,
            &[
                "   at System.Web.Services.Protocols.SoapHttpClientProtocol.ReadResponse(SoapClientMessage message, WebResponse response, Stream responseStream, Boolean asyncCall)",
                "   at System.Web.Services.Protocols.SoapHttpClientProtocol.Invoke(String methodName, Object[] parameters)",
                "   at Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig()",
            ],
        );
        s.sync_thread_error(e + secs(30), "WsusService.25", denied, &[], millis(211));
        t += secs(3600) + millis(rng.below(900) as i64);
    }
    s.render().into_bytes()
}

fn iis(rng: &mut Rng) -> Files {
    let clients = client_ips(40, "172.16", (30, 20), (11, 6));
    let rounds = Rounds {
        from: at("2024-06-11 00:00:00"),
        spread: (3121, 43_000),
        every: (7 * 3600, 3600),
        until: at("2024-06-12 14:00:00"),
    };
    let traffic = ScanTraffic {
        port: 8530,
        ua: "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50",
        calls: &[0, 1, 1, 4],
        call_taken: (30, 700),
        report: 80,
        report_taken: (21, 50),
    };
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        traffic.scan(&mut hits, rng, r.client, r.t);
        traffic.report(&mut hits, rng, r.client, r.t);
    });
    // WCM and WSyncMgr on the site server call the WSUS API every hour: NTLM, then 200.
    let api = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.42000)";
    let mut t = at("2024-06-11 00:12:41");
    while t < at("2024-06-12 14:00:00") {
        let call =
            Hit::new(t, "POST", API_REMOTING_WS, 8530, "172.16.4.20", api, (200, 0, 0), 0).user("WOODGROVE\\CM-PS01$");
        hits.extend(call.ntlm_challenge(t, false, [0, 0]));
        for k in 0..6 {
            let taken = 40 + rng.below(900) as u32;
            hits.push(Hit {
                t: t + secs(k),
                taken,
                ..call.clone()
            });
        }
        t += step(rng, 1800, 120);
    }
    w3c_files(
        &format!("inetpub/logs/LogFiles/W3SVC{SITE}"),
        IisLayout::Iis10("10.0"),
        "",
        SUP_IP,
        &mut hits,
        &[],
    )
}

fn client_zip(rng: &mut Rng) -> Vec<u8> {
    let mut wuah = String::new();
    let mut log = Wu10::new(ZONE, '/', false);
    let pid = 7724;
    wu10_startup(&mut log, at("2024-06-11 12:01:11.420"), pid, "10.0.19041.4355", URL);
    let mut t = at("2024-06-11 12:02:00.000");
    while t < at("2024-06-12 13:00:00") {
        let th = 5120 + rng.below(900) as u32;
        for (dt, kind, m) in [
            (
                0,
                1,
                "Its a WSUS Update Source type ({C4E3B1A2-0F6D-4B8E-9A21-7D5C3E1F0B46}), adding it.".to_string(),
            ),
            (15, 1, "Its a completely new WSUS Update Source.".into()),
            (
                31,
                1,
                format!("Enabling WUA Managed server policy to use server: {URL}"),
            ),
            (
                47,
                1,
                "Waiting for 2 mins for Group Policy to notify of WUA policy change...".to_string(),
            ),
            (
                62,
                1,
                "Waiting for 30 secs for policy to take effect on WU Agent.".to_string(),
            ),
            (
                30_100,
                1,
                "Added Update Source ({C4E3B1A2-0F6D-4B8E-9A21-7D5C3E1F0B46}) of content type: 2".to_string(),
            ),
            (30_150, 1, "Scan results will include all superseded updates.".into()),
            (
                30_200,
                1,
                "Search Criteria is (DeploymentAction=* AND Type='Software') OR (DeploymentAction=* AND Type='Driver')"
                    .into(),
            ),
            (30_210, 1, "Running single-call scan of updates.".into()),
            (42_600, 1, "Scan completed successfully.".into()),
            (42_700, 1, "Successfully completed scan.".into()),
        ] {
            wuah.push_str(&cmtrace(
                ZONE,
                t + millis(dt),
                &m,
                "WUAHandler",
                kind,
                th,
                "cwuahandler.cpp:2996",
            ));
        }
        wu10_scan(
            &mut log,
            rng,
            t + secs(30),
            pid,
            "CcmExec",
            URL,
            0,
            "ws-0419.corp.woodgrove.com",
            "9b04e2d7-3c5a-4f18-86e1-d2a70c4b5f93",
        );
        t += step(rng, 7 * 3600, 3600);
    }
    zip_at(
        &[
            ("Windows/CCM/Logs/WUAHandler.log".into(), wuah.into_bytes()),
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
        ],
        at("2024-06-12 14:02:00"),
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x5CC3_2024_0612_0407);
    let mut files = vec![
        ("CM-PS01/Logs/WSyncMgr.log".to_string(), wsyncmgr(&mut rng)),
        ("CM-PS01/Logs/WCM.log".into(), wcm(&mut rng)),
        ("CM-SUP01/SMS_CCM/Logs/SUPSetup.log".into(), supsetup()),
        (
            "CM-SUP01/UpdateServices/LogFiles/SoftwareDistribution.log".into(),
            software_distribution(&mut rng),
        ),
        ("Clients/WS-0419.zip".into(), client_zip(&mut rng)),
    ];
    files.extend(under("CM-SUP01", iis(&mut rng)));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = SITE_SERVER;
    under(ROOT, files)
}
