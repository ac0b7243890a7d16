//! `wsus2016-de-content-disk-full`: a German Windows Server 2016 WSUS (10.0.14393) at a Hamburg
//! logistics company, November 2024. Patch Tuesday's content fills drive E: (WsusContent): from
//! 2024-11-13 04:21 local time every content download fails with ERROR_DISK_FULL, in German:
//! "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden." The event logs come as German
//! Event Viewer CSV exports, the .NET stacks say "bei" instead of "at".

use super::Rng;
use super::kit::*;
use super::regf_writer::{Data, HiveWriter};
use chrono_tz::Tz;

const FQDN: &str = "WSUS-HH01.nordwind-logistik.de";
const IP: &str = "10.40.0.25";
const SITE: u32 = 1_308_425_771;
const ZONE: Tz = chrono_tz::Europe::Berlin;
const ROOT: &str = "Collect-WSUSLogs_2024-11-13";
const DISK_FULL: &str = "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.";
/// The server's event messages are German (SoftwareDistribution.log's own lines stay English).
const GERMAN: SyncMessages = SyncMessages {
    scheduled: "Eine geplante Synchronisierung wurde gestartet.",
    manual: "Eine manuelle Synchronisierung wurde gestartet.",
    completed: "Die Synchronisierung wurde erfolgreich abgeschlossen.",
    content: "Die Inhaltssynchronisierung wurde gestartet.",
};

fn files_due(rng: &mut Rng) -> Vec<(String, String)> {
    let kbs = [
        "kb5046612",
        "kb5046615",
        "kb5046613",
        "kb5046540",
        "kb5046617",
        "kb5046823",
    ];
    (0..18)
        .map(|i| {
            let sha = rng.hex(40).to_lowercase();
            let kb = kbs[i % kbs.len()];
            (
                format!("http://download.windowsupdate.com/c/msdownload/update/software/secu/2024/11/windows10.0-{kb}-x64_{sha}.cab"),
                format!("E:\\WSUS\\WsusContent\\{}\\{}.cab", &sha[38..].to_uppercase(), sha.to_uppercase()),
            )
        })
        .collect()
}

fn software_distribution(rng: &mut Rng, due: &[(String, String)]) -> Vec<u8> {
    let mut s = Sdl::in_language(&GERMAN);
    for day in ["2024-11-12", "2024-11-13"] {
        let t = at(&format!("{day} 02:00:00.{:03}", rng.below(1000)));
        s.sync_event(t, "WsusService.18", 381);
        s.sync_event(t + secs(240 + rng.below(100) as i64), "WsusService.18", 384);
    }
    // Patch Tuesday: released 18:00 UTC, synchronized 19:00 UTC, approved, downloading overnight.
    let t = at("2024-11-12 19:00:00.412");
    s.manual_sync(t, "w3wp.41", millis(1301), "WsusService.18");
    s.sync_event(t + secs(412), "WsusService.18", 384);
    s.sync_event(t + secs(430), "WsusService.14", 361);
    s.content_downloads(rng, "WsusService.14", CONTENT_DOWNLOADED, t + secs(460), 40, (200, 400));
    // 2024-11-13 03:21 UTC (04:21 local): the volume is full.
    let mut f = at("2024-11-13 03:21:07.884");
    for (url, dest) in due {
        s.line(
            f,
            "Error",
            "WsusService.52",
            "ContentSyncAgent.JobError",
            &format!("Download error: {url} failed in download: (-2147024784) {DISK_FULL}"),
        );
        s.cont("");
        s.cont(
            "   bei Microsoft.UpdateServices.ServerSync.ContentSyncAgent.JobError(IBitsJob job, IBitsJobError error)",
        );
        s.line(
            f + millis(31),
            "Warning",
            "WsusService.50",
            "ContentSyncAgent.ProcessBITSNotificationQueue",
            "ContentSyncAgent recieved Failure notification for job",
        );
        s.event(
            f + millis(47),
            "WsusService.50",
            364,
            "Error",
            "Synchronization",
            &format!(
                "Fehler beim Herunterladen der Inhaltsdatei. Ursache: {DISK_FULL} Quelldatei: {} Zieldatei: {dest}",
                url.trim_start_matches("http://download.windowsupdate.com")
            ),
        );
        f += secs(300 + rng.below(900) as i64);
    }
    // The daily database maintenance task cannot write either.
    let m = at("2024-11-13 05:00:12.115");
    s.line(
        m,
        "Error",
        "WsusService.33",
        "WsusServiceLib.StateMachineRunner.Run",
        &format!("System.IO.IOException: {DISK_FULL}"),
    );
    s.cont("   bei System.IO.__Error.WinIOError(Int32 errorCode, String maybeFullPath)");
    s.cont("   bei System.IO.FileStream.WriteCore(Byte[] buffer, Int32 offset, Int32 count)");
    s.cont("   bei System.IO.FileStream.Write(Byte[] array, Int32 offset, Int32 count)");
    s.cont("   bei Microsoft.UpdateServices.Internal.CabUtilities.ExpandCab(String cabFileName, String destDir)");
    // Written in the server's ANSI code page (Windows-1252): the umlauts are single bytes.
    ansi(&s.render())
}

fn application_csv(rng: &mut Rng, due: &[(String, String)]) -> Vec<u8> {
    let mut ev = Vec::new();
    let wsus = "Windows Server Update Services";
    for (t, id) in [
        ("2024-11-12 02:00:00", 381),
        ("2024-11-12 02:04:11", 384),
        ("2024-11-12 19:00:01", 382),
        ("2024-11-12 19:06:52", 384),
        ("2024-11-12 19:07:10", 361),
        ("2024-11-13 02:00:00", 381),
        ("2024-11-13 02:05:02", 384),
    ] {
        ev.push(TextEvent {
            utc: at(t),
            log: "Application",
            source: wsus,
            id,
            level: "Information",
            category: "Synchronisierung",
            computer: FQDN,
            user: "N/A",
            message: GERMAN.of(id).into(),
        });
    }
    let mut f = at("2024-11-13 03:21:07");
    for (url, dest) in due.iter().take(12) {
        ev.push(TextEvent {
            utc: f,
            log: "Application",
            source: wsus,
            id: 364,
            level: "Error",
            category: "Synchronisierung",
            computer: FQDN,
            user: "N/A",
            message: format!("Fehler beim Herunterladen der Inhaltsdatei.\nUrsache: {DISK_FULL}\n\nQuelldatei: {}\nZieldatei: {dest}", url.trim_start_matches("http://download.windowsupdate.com")),
        });
        f += secs(600 + rng.below(300) as i64);
    }
    ev.push(TextEvent { utc: at("2024-11-13 06:30:00"), log: "Application", source: "Security-SPP", id: 16384, level: "Information", category: "Keine", computer: FQDN, user: "N/A", message: "Die Planung des Neustarts des Softwareschutzdiensts für 2124-10-20T06:30:00Z war erfolgreich. Grund: RulesEngine.".into() });
    ev.sort_by_key(|e| std::cmp::Reverse(e.utc));
    viewer_csv_de(ZONE, &ev)
}

fn system_csv() -> Vec<u8> {
    let mut ev = Vec::new();
    for (t, lvl, src, id, cat, msg) in [
        (
            "2024-11-13 03:20:55",
            "Warning",
            "srv",
            2013,
            "Keine",
            "Der Datenträger \"E:\" ist fast voll oder hat die maximale Kapazität erreicht. Sie müssen eventuell einige Dateien löschen.",
        ),
        (
            "2024-11-13 04:20:57",
            "Warning",
            "srv",
            2013,
            "Keine",
            "Der Datenträger \"E:\" ist fast voll oder hat die maximale Kapazität erreicht. Sie müssen eventuell einige Dateien löschen.",
        ),
        (
            "2024-11-13 01:12:40",
            "Information",
            "Service Control Manager",
            7036,
            "Keine",
            "Der Dienst \"Windows Update\" befindet sich jetzt im Status \"Wird ausgeführt\".",
        ),
        (
            "2024-11-13 01:24:02",
            "Information",
            "Service Control Manager",
            7036,
            "Keine",
            "Der Dienst \"Windows Update\" befindet sich jetzt im Status \"Beendet\".",
        ),
        (
            "2024-11-13 11:00:00",
            "Information",
            "EventLog",
            6013,
            "Keine",
            "Die Systembetriebszeit beträgt 1728000 Sekunden.",
        ),
    ] {
        ev.push(TextEvent {
            utc: at(t),
            log: "System",
            source: src,
            id,
            level: lvl,
            category: cat,
            computer: FQDN,
            user: "N/A",
            message: msg.into(),
        });
    }
    ev.sort_by_key(|e| std::cmp::Reverse(e.utc));
    viewer_csv_de(ZONE, &ev)
}

fn iis(rng: &mut Rng) -> Files {
    let clients = client_ips(36, "10.40", (10, 18), (20, 7));
    let rounds = Rounds {
        from: at("2024-11-13 00:00:00"),
        spread: (1531, 30_000),
        every: (4 * 3600, 1800),
        until: at("2024-11-13 12:00:00"),
    };
    let traffic = ScanTraffic {
        port: 8530,
        ua: "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50",
        calls: &[0, 1, 2, 5],
        call_taken: (40, 900),
        report: 70,
        report_taken: (20, 60),
    };
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        traffic.scan(&mut hits, rng, r.client, r.t);
        traffic.report(&mut hits, rng, r.client, r.t);
    });
    w3c_files(
        &format!("IIS/W3SVC{SITE}"),
        IisLayout::Iis10("10.0"),
        "",
        IP,
        &mut hits,
        &[],
    )
}

fn system_hive() -> Vec<u8> {
    let mut w = HiveWriter::new("ROOT", "SYSTEM");
    w.set("Select", "Current", Data::Dword(1))
        .set("Select", "Default", Data::Dword(1));
    let tz = r"ControlSet001\Control\TimeZoneInformation";
    w.set(tz, "Bias", Data::Dword(-60i32 as u32))
        .set(tz, "DaylightBias", Data::Dword(-60i32 as u32))
        .set(tz, "DaylightName", Data::sz("@tzres.dll,-321"))
        .set(tz, "DaylightStart", Data::Binary(systemtime_rule(3, 0, 5, 2)))
        .set(tz, "StandardBias", Data::Dword(0))
        .set(tz, "StandardName", Data::sz("@tzres.dll,-322"))
        .set(tz, "StandardStart", Data::Binary(systemtime_rule(10, 0, 5, 3)))
        .set(tz, "TimeZoneKeyName", Data::sz("W. Europe Standard Time"))
        .set(tz, "ActiveTimeBias", Data::Dword(-60i32 as u32));
    w.set(
        r"ControlSet001\Control\ComputerName\ComputerName",
        "ComputerName",
        Data::sz("WSUS-HH01"),
    );
    w.set(r"ControlSet001\Control\Nls\Language", "Default", Data::sz("0407"));
    w.set(r"ControlSet001\Services\WsusService", "Start", Data::Dword(2))
        .set(
            r"ControlSet001\Services\WsusService",
            "DisplayName",
            Data::sz("WSUS-Dienst"),
        );
    w.to_bytes()
}

fn registry() -> Vec<u8> {
    reg_export(&[setup_key(vec![
        ("ContentDir", RegValue::Expand(r"E:\WSUS".into())),
        ("TargetDir", sz(r"C:\Program Files\Update Services\")),
        ("SqlServerName", sz("WSUS-HH01")),
        ("SqlDatabaseName", sz("SUSDB")),
        ("PortNumber", RegValue::Dword(8530)),
        ("UsingSSL", RegValue::Dword(0)),
        ("IISTargetWebsiteIndex", RegValue::Dword(SITE)),
        ("VersionString", sz("10.0.14393.7428")),
        ("WmsdeInstalled", RegValue::Dword(0)),
    ])])
}

pub fn bundle() -> Files {
    let mut rng = Rng(0xDE20_1611_1304_0070);
    let due = files_due(&mut rng);
    let mut files = iis(&mut rng);
    files.push((
        "WSUS/SoftwareDistribution.log".into(),
        software_distribution(&mut rng, &due),
    ));
    files.push(("Ereignisse/Anwendung.csv".into(), application_csv(&mut rng, &due)));
    files.push(("Ereignisse/System.csv".into(), system_csv()));
    files.push(("Registry/SYSTEM".into(), system_hive()));
    files.push(("Windows/WindowsUpdate.log".into(), windowsupdate_stub()));
    files.push(("Registry/UpdateServices-Setup.reg".into(), registry()));
    files.push((
        "Datenträger/fsutil_volume_diskfree_E.txt".into(),
        ansi("Gesamtanzahl freier Bytes                :         184.320 (180,0 KB)\r\nGesamtanzahl Bytes                       : 214.748.360.704 (200,0 GB)\r\nGesamtanzahl verfügbarer freier Bytes    :         184.320 (180,0 KB)\r\n"),
    ));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, files)
}
