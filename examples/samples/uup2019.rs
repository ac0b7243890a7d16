//! `wsus2019-uup-mime-404`: a Windows Server 2019 WSUS serving Windows 11 23H2 in March 2024.
//! Since the 2023 switch to UUP content, Windows 11's cumulative updates arrive as `.msu` and
//! `.wim` files; this server's IIS has no MIME type for either (the server-level `<staticContent>`
//! never got them, the 2023 Windows update that adds them was not installed), so IIS answers every
//! request for them with `404 3 50` (MIME type restriction) while `.cab` and `.psf` files download.
//! Windows 11 clients fail their downloads with BITS 0x80190194 / 0x80244019; Windows 10 clients
//! are fine.

use super::Rng;
use super::kit::*;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

const IP: &str = "10.50.0.14";
const SITE: u32 = 1_663_205_918;
const ZONE: Tz = chrono_tz::America::Denver;
const URL: &str = "http://wsus-den01.contoso.local:8530";
const ROOT: &str = "WSUS-DEN01_case-7731";
const WUA11: &str = "Windows-Update-Agent/1193.2402.27012.0+Client-Protocol/2.71";
const WUA10: &str = "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50";
const BITS: &str = "Microsoft+BITS/7.8";

fn files(rng: &mut Rng, ext: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let sha = rng.hex(40);
            format!("/Content/{}/{sha}.{ext}", &sha[38..])
        })
        .collect()
}

/// IIS traffic of 2024-03-13 (UTC): the day after Patch Tuesday; every client downloads.
fn iis(rng: &mut Rng, uup: &[String], cabs: &[String]) -> (Files, Vec<(usize, NaiveDateTime, String)>) {
    let mut hits = Vec::new();
    let mut failed = Vec::new();
    let clients = client_ips(50, "10.50", (20, 25), (10, 6));
    let rounds = Rounds {
        from: at("2024-03-13 00:00:00"),
        spread: (1733, 30_000),
        every: (6 * 3600, 1800),
        until: at("2024-03-14 00:00:00"),
    };
    let win10 = ScanTraffic {
        port: 8530,
        ua: WUA10,
        calls: &[0, 1, 1, 3],
        call_taken: (40, 900),
        report: 120,
        report_taken: (20, 60),
    };
    let win11 = ScanTraffic { ua: WUA11, ..win10 };
    rounds.each(rng, &clients, |rng, r| {
        let (ci, c, t) = (r.ci, r.client, r.t);
        let is_win11 = ci % 2 == 0;
        let traffic = if is_win11 { &win11 } else { &win10 };
        traffic.scan(&mut hits, rng, c, t);
        let mut d = t + secs(30);
        // Every client gets the Defender and .NET cabs; Windows 11 also needs the UUP files.
        for f in cabs.iter().take(2 + ci % 2) {
            let head = Hit::new(d, "HEAD", f, 8530, c, BITS, (200, 0, 0), 1);
            let gets = head.ranged_gets(1 + rng.below(4), 1, || (0, 30 + rng.below(2000) as u32));
            hits.push(head);
            hits.extend(gets);
            d += secs(20);
        }
        if is_win11 {
            for f in uup.iter().skip(ci % 3).take(2) {
                hits.push(Hit::new(d, "HEAD", f, 8530, c, BITS, (404, 3, 50), 0));
                if r.n == 0 {
                    failed.push((ci, d, f.clone()));
                }
                d += secs(2);
            }
        }
        traffic.report(&mut hits, rng, c, t);
    });
    let logs = w3c_files(
        &format!("inetpub/logs/LogFiles/W3SVC{SITE}"),
        IisLayout::Iis10("10.0"),
        "",
        IP,
        &mut hits,
        &[],
    );
    (logs, failed)
}

fn application_host() -> Vec<u8> {
    let app = AppHost {
        site_id: SITE,
        content_dir: r"E:\WSUS",
        pool_add: "queueLength=\"2000\" managedRuntimeVersion=\"v4.0\"",
        pool_children: "                <processModel identityType=\"NetworkService\" idleTimeout=\"00:00:00\" />\r\n                <recycling>\r\n                    <periodicRestart privateMemory=\"0\" />\r\n                </recycling>\r\n",
        auth: default_auth(),
        bindings: &[("http", "*:8530:"), ("https", "*:8531:")],
    };
    // The server-level MIME map as IIS 10 ships it, shortened: no .msu, no .wim.
    let mut mimes =
        String::from("    <system.webServer>\r\n        <staticContent lockAttributes=\"isDocFooterFileName\">\r\n");
    for (ext, ty) in [
        (".cab", "application/vnd.ms-cab-compressed"),
        (".css", "text/css"),
        (".esd", "application/vnd.ms-cab-compressed"),
        (".exe", "application/octet-stream"),
        (".htm", "text/html"),
        (".html", "text/html"),
        (".js", "application/javascript"),
        (".json", "application/json"),
        (".msi", "application/octet-stream"),
        (".psf", "application/octet-stream"),
        (".txt", "text/plain"),
        (".xml", "text/xml"),
        (".zip", "application/x-zip-compressed"),
    ] {
        mimes.push_str(&format!(
            "            <mimeMap fileExtension=\"{ext}\" mimeType=\"{ty}\" />\r\n"
        ));
    }
    mimes.push_str("        </staticContent>\r\n    </system.webServer>\r\n</configuration>\r\n");
    app.render().replace("</configuration>\r\n", &mimes).into_bytes()
}

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    for day in ["2024-03-12", "2024-03-13"] {
        let t = at(&format!("{day} 09:00:00.{:03}", rng.below(1000)));
        s.sync_event(t, "WsusService.19", 381);
        s.sync_event(t + secs(200 + rng.below(200) as i64), "WsusService.19", 384);
    }
    s.sync_event(at("2024-03-12 19:10:02.331"), "WsusService.14", 361);
    s.content_downloads(
        rng,
        "WsusService.14",
        CONTENT_DOWNLOADED,
        at("2024-03-12 19:10:30"),
        26,
        (60, 240),
    );
    s.render().into_bytes()
}

/// A Windows 11 client whose UUP downloads get 404.
fn win11(rng: &mut Rng, name: &str, fails: &[(NaiveDateTime, String)]) -> Vec<u8> {
    let mut log = Wu10::new(ZONE, '-', true);
    let pid = 3000 + rng.below(6000) as u32;
    let susid = rng.guid().to_lowercase();
    let first = fails.first().map(|f| f.0).unwrap_or(at("2024-03-13 12:00:00")) - secs(60);
    wu10_startup(&mut log, first - secs(40), pid, "1193.2402.27012.0", URL);
    wu10_scan(
        &mut log,
        rng,
        first,
        pid,
        "UpdateOrchestrator",
        URL,
        2,
        &format!("{}.contoso.local", name.to_lowercase()),
        &susid,
    );
    let mut rep = String::new();
    let tid = 7200 + rng.below(500) as u32;
    for (t, file) in fails {
        let job = rng.guid();
        let upd = rng.guid();
        let transient =
            format!("BITS job {{{job}}} hit a transient error, updateId = {upd}.1 <NULL>, error = 0x80190194");
        log.lines(
            *t,
            pid,
            tid,
            &[
                (0, "DownloadManager", &transient),
                (0, "DownloadManager", &format!("Failed job file: URL = {URL}{file}")),
                (
                    3,
                    "DownloadManager",
                    "*FAILED* [80244019] Download failed for the update",
                ),
            ],
        );
        rep.push_str(&reporting_event(
            ZONE,
            *t + millis(5),
            &rng.guid(),
            161,
            "AGENT_DOWNLOAD_FAILED",
            &upd,
            1,
            "80244019",
            "UpdateOrchestrator",
            false,
            "Content Download",
            "Error: Download failed.",
            Some(&format!("{}.1.1.0", rng.hex(16))),
        ));
    }
    zip_at(
        &[
            ("WindowsUpdate.log".into(), log.out.into_bytes()),
            ("ReportingEvents.log".into(), utf16le_bom(&rep)),
        ],
        at("2024-03-13 22:30:00"),
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x0C0A_2024_0313_0404);
    let mut uup = files(&mut rng, "msu", 3);
    uup.extend(files(&mut rng, "wim", 2));
    let cabs = files(&mut rng, "cab", 4);
    let (mut out, failed) = iis(&mut rng, &uup, &cabs);
    out.push(("inetsrv/config/applicationHost.config".into(), application_host()));
    out.push((
        "UpdateServices/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    out.push((
        "Registry/UpdateServices-Setup.reg".into(),
        reg_export(&[setup_key(vec![
            ("ContentDir", sz(r"E:\WSUS")),
            ("PortNumber", RegValue::Dword(8530)),
            ("IISTargetWebsiteIndex", RegValue::Dword(SITE)),
            ("VersionString", sz("10.0.17763.5458")),
        ])]),
    ));
    for (name, ci) in [("DEN-W11-0020", 0usize), ("DEN-W11-0034", 14)] {
        let mine: Vec<(NaiveDateTime, String)> = failed
            .iter()
            .filter(|f| f.0 == ci)
            .map(|f| (f.1, f.2.clone()))
            .collect();
        out.push((format!("Clients/{name}.zip"), win11(&mut rng, name, &mine)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, out)
}
