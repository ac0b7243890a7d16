//! `wsus2019-recovered-sync`: a Windows Server 2019 WSUS in Berlin, September 2024. A firewall
//! change on 2024-09-10 blocked outbound HTTPS: every synchronization (and its two retries) timed
//! out connecting to sws.update.microsoft.com for a day. The rule was fixed on 2024-09-11; a manual
//! synchronization at 10:42 UTC and the scheduled ones after it completed. Already recovered.

use super::Rng;
use super::kit::*;

const FQDN: &str = "WSUS-BER-02.contoso.local";
const IP: &str = "10.30.0.12";
const SITE: u32 = 1_721_904_338;
const ROOT: &str = "WSUS-BER-02";

fn software_distribution(rng: &mut Rng) -> Vec<u8> {
    let mut s = Sdl::default();
    let svc = "WsusService.15";
    let ok = |s: &mut Sdl, t: chrono::NaiveDateTime, manual: bool, rng: &mut Rng| {
        if manual {
            s.manual_sync(t, "w3wp.33", millis(1190), svc);
        } else {
            s.sync_event(t, svc, 381);
        }
        s.sync_event(t + secs(190 + rng.below(90) as i64), svc, 384);
    };
    ok(&mut s, at("2024-09-09 01:00:00.231"), false, rng);
    // 2024-09-10 01:00 UTC: the scheduled sync and its two retries, 15 minutes apart, time out.
    let timeout = "System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond 13.107.4.50:443";
    for (i, start) in [
        "2024-09-10 01:00:00.118",
        "2024-09-10 01:15:31.406",
        "2024-09-10 01:31:02.950",
        "2024-09-11 01:00:00.207",
        "2024-09-11 01:15:31.664",
        "2024-09-11 01:31:03.019",
    ]
    .iter()
    .enumerate()
    {
        let t = at(start);
        if i % 3 == 0 {
            s.sync_event(t, svc, 381);
        }
        let e = t + secs(21) + millis(rng.below(900) as i64);
        s.proxy_exception_retry(
            e,
            "WsusService.25",
            timeout,
            &[
                "   at System.Net.Sockets.Socket.DoConnect(EndPoint endPointSnapshot, SocketAddress socketAddress)",
                "   at System.Net.ServicePoint.ConnectSocketInternal(Boolean connectFailure, Socket s4, Socket s6, Socket& socket, IPAddress& address, ConnectSocketState state, IAsyncResult asyncResult, Exception& exception)",
                "   --- End of inner exception stack trace ---",
                "   at System.Web.Services.Protocols.WebClientProtocol.GetWebResponse(WebRequest request)",
                "   at Microsoft.UpdateServices.ServerSyncWebServices.Client.ServerSyncProxy.GetAuthConfig()",
            ],
        );
        s.sync_thread_error(e + secs(63), "WsusService.25", timeout, &[], millis(240));
    }
    // Fixed: the network team restores the rule; the administrator starts a sync by hand.
    ok(&mut s, at("2024-09-11 10:42:17.503"), true, rng);
    s.sync_event(at("2024-09-11 10:46:02.118"), "WsusService.14", 361);
    ok(&mut s, at("2024-09-12 01:00:00.190"), false, rng);
    s.render().into_bytes()
}

fn application(_rng: &mut Rng) -> Vec<u8> {
    let mut ev = Vec::new();
    for (t, id) in [
        ("2024-09-09 01:00:00.231", 381),
        ("2024-09-09 01:03:41.640", 384),
        ("2024-09-10 01:00:00.118", 381),
        ("2024-09-11 01:00:00.207", 381),
        ("2024-09-11 10:42:18.693", 382),
        ("2024-09-11 10:45:40.312", 384),
        ("2024-09-11 10:46:02.118", 361),
        ("2024-09-12 01:00:00.190", 381),
        ("2024-09-12 01:04:02.904", 384),
    ] {
        ev.push(sync_app_event(FQDN, at(t), id));
    }
    evtx_file(ev, 120_451)
}

fn system(rng: &mut Rng) -> Vec<u8> {
    let mut ev = Vec::new();
    for day in ["2024-09-09", "2024-09-10", "2024-09-11", "2024-09-12"] {
        let d = at(&format!("{day} 00:00:00"));
        let mut t = d + secs(3000 + rng.below(2000) as i64);
        while t < d + secs(80_000) {
            ev.push(service_state(FQDN, t, "Windows Update", "running"));
            ev.push(service_state(FQDN, t + secs(700), "Windows Update", "stopped"));
            t += step(rng, 5 * 3600, 3600);
        }
        ev.push(uptime_event(
            FQDN,
            d + secs(10 * 3600),
            3_456_000,
            "-120 W. Europe Daylight Time",
        ));
    }
    // One recycle on the private memory limit after the catch-up sync: a single 5117 is normal.
    ev.push(was_event(
        FQDN,
        at("2024-09-11 11:20:44.017"),
        5117,
        4,
        &[("AppPoolID", "WsusPool"), ("ProcessID", "5528")],
    ));
    evtx_file(ev, 301_877)
}

fn iis(rng: &mut Rng) -> Files {
    let clients = client_ips(30, "10.30", (8, 15), (40, 4));
    let rounds = Rounds {
        from: at("2024-09-10 00:00:00"),
        spread: (2683, 40_000),
        every: (8 * 3600, 3600),
        until: at("2024-09-12 06:00:00"),
    };
    let traffic = ScanTraffic {
        port: 8530,
        ua: "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50",
        calls: &[0, 1, 2, 4],
        call_taken: (30, 600),
        report: 80,
        report_taken: (18, 40),
    };
    let mut hits = Vec::new();
    rounds.each(rng, &clients, |rng, r| {
        traffic.scan(&mut hits, rng, r.client, r.t);
        traffic.report(&mut hits, rng, r.client, r.t);
    });
    w3c_files(
        &format!("LogFiles/W3SVC{SITE}"),
        IisLayout::Iis10("10.0"),
        "",
        IP,
        &mut hits,
        &[],
    )
}

pub fn bundle() -> Files {
    let mut rng = Rng(0x2019_0911_BE20_0384);
    let mut files = iis(&mut rng);
    files.push((
        "LogFiles/SoftwareDistribution.log".into(),
        software_distribution(&mut rng),
    ));
    files.push(("EventLogs/Application.evtx".into(), application(&mut rng)));
    files.push(("EventLogs/System.evtx".into(), system(&mut rng)));
    let mut sys = super::regf_writer::wsus_system_hive();
    sys.set(
        r"ControlSet001\Control\ComputerName\ComputerName",
        "ComputerName",
        super::regf_writer::Data::sz("WSUS-BER-02"),
    );
    files.push(("Registry/SYSTEM".into(), sys.to_bytes()));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    under(ROOT, files)
}
