//! Writers of the artifacts the sample bundles are made of, each from its grammar in formats.md:
//! SoftwareDistribution.log records, IIS W3C (IIS 6 and 10) and HTTPERR lines, classic and
//! Windows 10 WindowsUpdate.log lines, ReportingEvents.log, `.reg` exports and `reg query` text,
//! CMTrace and SMS-layout ConfigMgr logs, event-log text exports (wevtutil text, Event Viewer CSV,
//! the Windows Server 2003 text), MetaBase.xml and cabinets. Times go in as UTC and are turned into
//! the local time of the writer's zone (chrono-tz) where the artifact is written in local time.
//! Also the scenes several bundles share, parameterized by what differs between them (hosts,
//! dates, counts, zones, language): clients' scan rounds as IIS logs them, synchronizations and
//! their failures in SoftwareDistribution.log, the agents' start-up, settings and scans, the
//! policy, setup and time-zone keys, applicationHost.config and MetaBase pieces, EVTX events.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use std::fmt::Write as _;
use std::io::Write as _;

pub type Files = Vec<(String, Vec<u8>)>;

/// `2025-01-14 11:00:00.117` (UTC).
pub fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .unwrap_or_else(|_| panic!("bad time {s}"))
}

pub fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

pub fn millis(n: i64) -> Duration {
    Duration::milliseconds(n)
}

/// The local time in `zone` of a UTC time.
pub fn local(zone: Tz, utc: NaiveDateTime) -> NaiveDateTime {
    zone.from_utc_datetime(&utc).naive_local()
}

/// The UTC offset of `zone` at a UTC time, in minutes (UTC−5 → −300).
pub fn offset_minutes(zone: Tz, utc: NaiveDateTime) -> i32 {
    zone.from_utc_datetime(&utc).offset().fix().local_minus_utc() / 60
}

/// `+0100`, `-0500`.
pub fn offset_hhmm(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

pub fn ymd(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d").to_string()
}

pub fn hms(t: NaiveDateTime) -> String {
    t.format("%H:%M:%S").to_string()
}

pub fn ms(t: NaiveDateTime) -> u32 {
    t.and_utc().timestamp_subsec_millis()
}

pub fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

pub fn utf8_bom(text: &str) -> Vec<u8> {
    let mut v = vec![0xEF, 0xBB, 0xBF];
    v.extend_from_slice(text.as_bytes());
    v
}

/// Windows-1252 bytes of a text (German umlauts in an ANSI file).
pub fn ansi(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.into_owned()
}

// ------------------------------------------------------------------------------------------------
// SoftwareDistribution.log (formats.md §1.2): `date time UTC level proc.thread Class.Method message`,
// TAB-separated, UTC, multi-line records (stack frames).

/// The messages of WSUS's synchronization events in the server's language: 381 (a scheduled
/// synchronization started), 382 (a manual one started), 384 (completed) and 361 (content
/// synchronization started). SoftwareDistribution.log mirrors them as they are in the event log.
pub struct SyncMessages {
    pub scheduled: &'static str,
    pub manual: &'static str,
    pub completed: &'static str,
    pub content: &'static str,
}

/// What WSUS 3.0 and later log when BITS has downloaded an update's content.
pub const CONTENT_DOWNLOADED: &str = "Content download completed for update";

pub const ENGLISH: SyncMessages = SyncMessages {
    scheduled: "A scheduled synchronization was started.",
    manual: "A manual synchronization was started.",
    completed: "Synchronization completed successfully.",
    content: "Content synchronization started.",
};

impl SyncMessages {
    /// The message of event 381, 382, 384 or 361.
    pub fn of(&self, id: u32) -> &'static str {
        match id {
            381 => self.scheduled,
            382 => self.manual,
            384 => self.completed,
            361 => self.content,
            _ => panic!("{id} is not a synchronization event"),
        }
    }
}

/// Records are kept with their time and written in time order (stably), so a bundle can add
/// them story by story.
pub struct Sdl {
    records: Vec<(NaiveDateTime, String)>,
    messages: &'static SyncMessages,
}

impl Default for Sdl {
    fn default() -> Sdl {
        Sdl::in_language(&ENGLISH)
    }
}

impl Sdl {
    /// A log whose event mirrors carry `messages` (a German server writes German ones).
    pub fn in_language(messages: &'static SyncMessages) -> Sdl {
        Sdl {
            records: Vec::new(),
            messages,
        }
    }

    pub fn line(&mut self, t: NaiveDateTime, level: &str, proc_thread: &str, source: &str, message: &str) {
        let text = format!(
            "{} {}.{:03} UTC\t{level}\t{proc_thread}\t{source}\t{message}\r\n",
            ymd(t),
            hms(t),
            ms(t)
        );
        self.records.push((t, text));
    }

    /// A continuation line of the last record (stack frame, inner-exception marker), as it is.
    pub fn cont(&mut self, text: &str) {
        if let Some((_, r)) = self.records.last_mut() {
            r.push_str(text);
            r.push_str("\r\n");
        }
    }

    pub fn render(mut self) -> String {
        self.records.sort_by_key(|r| r.0);
        self.records.into_iter().map(|r| r.1).collect()
    }

    /// The mirror of an Application-log event: `EventId=N,Type=T,Category=C,Message=…`.
    pub fn event(&mut self, t: NaiveDateTime, proc_thread: &str, id: u32, kind: &str, category: &str, message: &str) {
        self.line(
            t,
            if kind == "Error" { "Error" } else { "Info" },
            proc_thread,
            "EventLogEventReporter.ReportEvent",
            &format!("EventId={id},Type={kind},Category={category},Message={message}"),
        );
    }

    /// The mirror of synchronization event 381, 382, 384 or 361 ([`SyncMessages`]).
    pub fn sync_event(&mut self, t: NaiveDateTime, proc_thread: &str, id: u32) {
        let message = self.messages.of(id);
        self.event(t, proc_thread, id, "Information", "Synchronization", message);
    }

    /// An administrator's "Synchronize now" in the console (`w3wp`), and the service's 382
    /// `after` it.
    pub fn manual_sync(&mut self, t: NaiveDateTime, w3wp: &str, after: Duration, proc_thread: &str) {
        self.line(
            t,
            "Change",
            w3wp,
            "AdminDataAccess.StartSubscriptionManually",
            "Synchronization manually started",
        );
        self.sync_event(t + after, proc_thread, 382);
    }

    /// `n` updates' content downloaded by BITS from `from` on, `gap` apart (base seconds and
    /// jitter): `{text} <update id>` ([`CONTENT_DOWNLOADED`] but on WSUS 2.0). Returns the time
    /// after the last one.
    pub fn content_downloads(
        &mut self,
        rng: &mut super::Rng,
        proc_thread: &str,
        text: &str,
        from: NaiveDateTime,
        n: u64,
        gap: (i64, u64),
    ) -> NaiveDateTime {
        let mut t = from;
        for _ in 0..n {
            let update = rng.guid().to_lowercase();
            self.content_downloaded(t, proc_thread, &format!("{text} {update}"));
            t += step(rng, gap.0, gap.1);
        }
        t
    }

    pub fn content_downloaded(&mut self, t: NaiveDateTime, proc_thread: &str, message: &str) {
        self.line(
            t,
            "Info",
            proc_thread,
            "ContentSyncAgent.ProcessBITSNotificationQueue",
            message,
        );
    }

    /// A web-service call to the upstream server that failed with `exception` and will be
    /// retried, with the stack `frames` under it.
    pub fn proxy_exception_retry(&mut self, t: NaiveDateTime, proc_thread: &str, exception: &str, frames: &[&str]) {
        self.line(
            t,
            "Warning",
            proc_thread,
            "WebServiceCommunicationHelper.ProcessWebServiceProxyException",
            &format!(
                "ProcessWebServiceProxyException found Exception was WebException. Action: Retry. Exception Details: {exception}"
            ),
        );
        for f in frames {
            self.cont(f);
        }
    }

    /// The synchronization thread ending in `exception`: its error with the stack (`frames`, then
    /// the sync protocol's own two), and the SyncFinish event `finish` after it.
    pub fn sync_thread_error(
        &mut self,
        t: NaiveDateTime,
        proc_thread: &str,
        exception: &str,
        frames: &[&str],
        finish: Duration,
    ) {
        self.line(
            t,
            "Error",
            proc_thread,
            "CatalogSyncAgentCore.CatalogSyncThreadProcess",
            exception,
        );
        for f in frames {
            self.cont(f);
        }
        self.cont(
            "   at Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.ExecuteSyncProtocol(Boolean allowRedirect)",
        );
        self.cont("   at Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.CatalogSyncThreadProcess()");
        self.sync_finish(t + finish, proc_thread);
    }

    /// A line of the synchronization protocol itself (`Server ID is …`, WSUS 2.0's `Sync started`).
    pub fn sync_protocol(&mut self, t: NaiveDateTime, proc_thread: &str, message: &str) {
        self.line(
            t,
            "Info",
            proc_thread,
            "CatalogSyncAgentCore.ExecuteSyncProtocol",
            message,
        );
    }

    pub fn sync_finish(&mut self, t: NaiveDateTime, proc_thread: &str) {
        self.line(
            t,
            "Info",
            proc_thread,
            "CatalogSyncAgent.SetSubscriptionStateWithRetry",
            "Firing event SyncFinish...",
        );
    }

    /// WsusPool recycling under a client's SyncUpdates call (`w3wp`): the ThreadAbortException
    /// with its stack (the first frame, then `more_frames`), and the new worker (`new_w3wp`)
    /// starting the Client Web Service `restart` later.
    pub fn recycle_abort(
        &mut self,
        t: NaiveDateTime,
        w3wp: &str,
        more_frames: &[&str],
        restart: Duration,
        new_w3wp: &str,
    ) {
        self.line(
            t,
            "Error",
            w3wp,
            "ClientImplementation.SyncUpdates",
            "System.Threading.ThreadAbortException: Thread was being aborted.",
        );
        self.cont("   at Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)");
        for f in more_frames {
            self.cont(f);
        }
        self.line(
            t + restart,
            "Info",
            new_w3wp,
            "WebService.Application_Start",
            "Client Web Service started",
        );
    }
}

// ------------------------------------------------------------------------------------------------
// IIS W3C extended logs (formats.md §6) and HTTPERR (§7).

/// One request as IIS logs it.
#[derive(Clone)]
pub struct Hit {
    pub t: NaiveDateTime,
    pub method: &'static str,
    pub uri: String,
    pub query: String,
    pub port: u16,
    pub user: String,
    pub client: String,
    pub ua: String,
    pub status: u16,
    pub sub: u32,
    pub win32: u64,
    pub taken: u32,
}

impl Hit {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        t: NaiveDateTime,
        method: &'static str,
        uri: &str,
        port: u16,
        client: &str,
        ua: &str,
        status: (u16, u32, u64),
        taken: u32,
    ) -> Hit {
        Hit {
            t,
            method,
            uri: uri.to_string(),
            query: "-".into(),
            port,
            user: "-".into(),
            client: client.to_string(),
            ua: ua.to_string(),
            status: status.0,
            sub: status.1,
            win32: status.2,
            taken,
        }
    }

    pub fn user(mut self, user: &str) -> Hit {
        self.user = user.to_string();
        self
    }

    pub fn query(mut self, q: &str) -> Hit {
        self.query = q.to_string();
        self
    }

    /// The ranged GETs (206) by which BITS or Delivery Optimization downloads the file of this
    /// HEAD request: `n` of them, the first a second after it, then `spacing` seconds apart;
    /// `part()` gives each one's win32 status and time-taken.
    pub fn ranged_gets(&self, n: u64, spacing: i64, mut part: impl FnMut() -> (u64, u32)) -> Vec<Hit> {
        (0..n as i64)
            .map(|k| {
                let (win32, taken) = part();
                Hit {
                    t: self.t + secs(1 + k * spacing),
                    method: "GET",
                    status: 206,
                    sub: 0,
                    win32,
                    taken,
                    ..self.clone()
                }
            })
            .collect()
    }

    /// The two 401s IIS logs at `t` before this request authenticates with NTLM: 401.2 (no
    /// credentials yet), then 401.1 (the challenge), anonymous; IIS 6 logs other win32 codes.
    pub fn ntlm_challenge(&self, t: NaiveDateTime, iis6: bool, taken: [u32; 2]) -> [Hit; 2] {
        let codes = if iis6 { [2_148_074_254, 0] } else { [5, 2_148_074_254] };
        [(2, codes[0], taken[0]), (1, codes[1], taken[1])].map(|(sub, win32, taken)| Hit {
            t,
            user: "-".into(),
            status: 401,
            sub,
            win32,
            taken,
            ..self.clone()
        })
    }
}

/// The IIS version whose layout a log file has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IisLayout {
    /// IIS 7.5–10 defaults: `u_exYYMMDD.log`, with cs(Referer) and time-taken.
    Iis10(&'static str),
    /// IIS 6.0 defaults: `exYYMMDD.log`, with s-sitename, no time-taken, `#Fields:` ends with a space.
    Iis6,
}

/// The `#Fields:` of IIS 7.5–10's default W3C log.
pub const IIS10_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

/// Writes one W3C file per UTC day; `restarts` are times at which the log was reopened (a new
/// directive block, as after `iisreset`).
pub fn w3c_files(
    dir: &str,
    layout: IisLayout,
    site: &str,
    server_ip: &str,
    hits: &mut [Hit],
    restarts: &[NaiveDateTime],
) -> Files {
    hits.sort_by_key(|h| h.t);
    let mut by_day: Vec<(NaiveDate, Vec<&Hit>)> = Vec::new();
    for h in hits.iter() {
        let day = h.t.date();
        match by_day.last_mut() {
            Some((d, v)) if *d == day => v.push(h),
            _ => by_day.push((day, vec![h])),
        }
    }
    let mut out = Vec::new();
    for (day, day_hits) in by_day {
        let mut text = String::new();
        let (version, fields) = match layout {
            IisLayout::Iis10(version) => (version, IIS10_FIELDS),
            IisLayout::Iis6 => (
                "6.0",
                "date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status ",
            ),
        };
        let header = |text: &mut String, t: NaiveDateTime| {
            let _ = write!(
                text,
                "#Software: Microsoft Internet Information Services {version}\r\n#Version: 1.0\r\n#Date: {} {}\r\n#Fields: {fields}\r\n",
                ymd(t),
                hms(t)
            );
        };
        header(&mut text, day_hits[0].t);
        let mut pending: Vec<NaiveDateTime> = restarts.iter().copied().filter(|r| r.date() == day).collect();
        pending.sort();
        for h in day_hits {
            while pending.first().is_some_and(|r| *r <= h.t) {
                let r = pending.remove(0);
                header(&mut text, r);
            }
            // IIS 6 logs the site and no referer or time-taken.
            let (site_column, referer, taken) = match layout {
                IisLayout::Iis10(_) => (String::new(), " -", format!(" {}", h.taken)),
                IisLayout::Iis6 => (format!(" {site}"), "", String::new()),
            };
            let _ = write!(
                text,
                "{} {}{site_column} {server_ip} {} {} {} {} {} {} {}{referer} {} {} {}{taken}\r\n",
                ymd(h.t),
                hms(h.t),
                h.method,
                h.uri,
                h.query,
                h.port,
                h.user,
                h.client,
                h.ua,
                h.status,
                h.sub,
                h.win32
            );
        }
        let name = match layout {
            IisLayout::Iis10(_) => format!("{dir}/u_ex{}.log", day.format("%y%m%d")),
            IisLayout::Iis6 => format!("{dir}/ex{}.log", day.format("%y%m%d")),
        };
        out.push((name, text.into_bytes()));
    }
    out
}

/// The web services a Windows Update client calls on WSUS.
pub const CLIENT_WS: &str = "/ClientWebService/client.asmx";
pub const SIMPLE_AUTH_WS: &str = "/SimpleAuthWebService/SimpleAuth.asmx";
pub const REPORTING_WS: &str = "/ReportingWebService/ReportingWebService.asmx";
pub const API_REMOTING_WS: &str = "/ApiRemoting30/WebService.asmx";

/// `n` client addresses `net.S.H`, `per_subnet` to a subnet: subnets from `subnet.0`, hosts from
/// `host.0` every `host.1` (`client_ips(36, "10.40", (10, 18), (20, 7))`: 10.40.10.20, 10.40.10.27 …).
pub fn client_ips(n: u32, net: &str, subnet: (u32, u32), host: (u32, u32)) -> Vec<String> {
    (0..n)
        .map(|i| format!("{net}.{}.{}", subnet.0 + i / subnet.1, host.0 + (i % subnet.1) * host.1))
        .collect()
}

/// When a bundle's clients come to the server: each one's first round of traffic at `from` plus
/// `(ci × spread.0) mod spread.1` seconds, so that they do not all come at once, the next ones
/// `every` apart (base seconds and jitter, as [`step`]), until `until`.
pub struct Rounds {
    pub from: NaiveDateTime,
    pub spread: (usize, usize),
    pub every: (i64, u64),
    pub until: NaiveDateTime,
}

/// One round of a client's traffic.
pub struct Round<'a> {
    /// The client's index and address.
    pub ci: usize,
    pub client: &'a str,
    pub t: NaiveDateTime,
    /// 0 for the client's first round.
    pub n: usize,
}

impl Rounds {
    pub fn each(&self, rng: &mut super::Rng, clients: &[String], mut round: impl FnMut(&mut super::Rng, Round)) {
        for (ci, client) in clients.iter().enumerate() {
            let mut t = self.from + secs(((ci * self.spread.0) % self.spread.1) as i64);
            let mut n = 0;
            while t < self.until {
                round(rng, Round { ci, client, t, n });
                n += 1;
                t += step(rng, self.every.0, self.every.1);
            }
        }
    }
}

/// How a bundle's clients scan, as IIS logs it. A scan's SOAP calls are client.asmx,
/// SimpleAuth.asmx, then client.asmx twice (WSUS 2.0 clients make only the first three), `calls`
/// seconds into the round; the report to ReportingWebService comes `report` seconds in. All are
/// answered 200; time-taken is base plus a draw below the jitter (no draw for a jitter of 0).
pub struct ScanTraffic<'a> {
    pub port: u16,
    pub ua: &'a str,
    pub calls: &'a [i64],
    pub call_taken: (u32, u64),
    pub report: i64,
    pub report_taken: (u32, u64),
}

impl ScanTraffic<'_> {
    pub fn scan(&self, hits: &mut Vec<Hit>, rng: &mut super::Rng, client: &str, t: NaiveDateTime) {
        let uris = [CLIENT_WS, SIMPLE_AUTH_WS, CLIENT_WS, CLIENT_WS];
        for (dt, uri) in self.calls.iter().zip(uris) {
            let taken = taken(rng, self.call_taken);
            hits.push(Hit::new(
                t + secs(*dt),
                "POST",
                uri,
                self.port,
                client,
                self.ua,
                (200, 0, 0),
                taken,
            ));
        }
    }

    pub fn report(&self, hits: &mut Vec<Hit>, rng: &mut super::Rng, client: &str, t: NaiveDateTime) {
        let taken = taken(rng, self.report_taken);
        hits.push(Hit::new(
            t + secs(self.report),
            "POST",
            REPORTING_WS,
            self.port,
            client,
            self.ua,
            (200, 0, 0),
            taken,
        ));
    }
}

fn taken(rng: &mut super::Rng, (base, jitter): (u32, u64)) -> u32 {
    if jitter == 0 {
        base
    } else {
        base + rng.below(jitter) as u32
    }
}

/// The agent's self-update check before a scan: `GET /selfupdate/wuident.cab?YYMMDDHHMM`.
pub fn wuident_hit(t: NaiveDateTime, port: u16, client: &str, ua: &str, status: (u16, u32, u64), taken: u32) -> Hit {
    Hit::new(t, "GET", "/selfupdate/wuident.cab", port, client, ua, status, taken)
        .query(&t.format("%y%m%d%H%M").to_string())
}

/// An HTTPERR file: the header block, then the lines (already in time order).
pub fn httperr(first: NaiveDateTime, lines: &[String]) -> Vec<u8> {
    let mut text = format!(
        "#Software: Microsoft HTTP API 2.0\r\n#Version: 1.0\r\n#Date: {} {}\r\n#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename\r\n",
        ymd(first),
        hms(first)
    );
    for l in lines {
        text.push_str(l);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// One HTTPERR line (`date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename`).
#[allow(clippy::too_many_arguments)]
pub fn httperr_line(
    t: NaiveDateTime,
    client: &str,
    cport: u32,
    server: &str,
    sport: u16,
    version: &str,
    method: &str,
    uri: &str,
    status: &str,
    site: &str,
    reason: &str,
    queue: &str,
) -> String {
    format!(
        "{} {} {client} {cport} {server} {sport} {version} {method} {uri} {status} {site} {reason} {queue}",
        ymd(t),
        hms(t)
    )
}

// ------------------------------------------------------------------------------------------------
// WindowsUpdate.log.

/// A Windows 10+ log as Get-WindowsUpdateLog writes it (formats.md §4.2): local time of the
/// decoding machine, 7 fractional digits, decimal PID/TID in 5 columns, component in 15.
pub struct Wu10 {
    pub out: String,
    pub zone: Tz,
    /// `/` or `-`: the decoding machine's date separator.
    pub sep: char,
}

impl Wu10 {
    pub fn new(zone: Tz, sep: char, bom: bool) -> Wu10 {
        Wu10 {
            out: if bom { "\u{feff}".into() } else { String::new() },
            zone,
            sep,
        }
    }

    pub fn line(&mut self, utc: NaiveDateTime, pid: u32, tid: u32, comp: &str, msg: &str) {
        let t = local(self.zone, utc);
        let ticks = t.and_utc().timestamp_subsec_nanos() / 100;
        let date = format!("{:04}{s}{:02}{s}{:02}", t.year(), t.month(), t.day(), s = self.sep);
        let _ = write!(
            self.out,
            "{date} {}.{ticks:07} {pid:<5} {tid:<5} {comp:<15} {msg}\r\n",
            hms(t)
        );
    }
}

/// The lines of one thread, each `(milliseconds after t, component, message)`.
fn thread_lines(mut line: impl FnMut(NaiveDateTime, &str, &str), t: NaiveDateTime, lines: &[(i64, &str, &str)]) {
    for (ms, comp, msg) in lines {
        line(t + millis(*ms), comp, msg);
    }
}

impl Wu10 {
    /// The lines of one thread, each `(milliseconds after t, component, message)`.
    pub fn lines(&mut self, t: NaiveDateTime, pid: u32, tid: u32, lines: &[(i64, &str, &str)]) {
        thread_lines(|t, comp, msg| self.line(t, pid, tid, comp, msg), t, lines);
    }
}

/// `Got WSUS Client/Server URL: …` (Windows 10+), the URL the agent will call.
pub fn got_wsus_url(wsus: &str) -> String {
    format!("Got WSUS Client/Server URL: {wsus}/ClientWebService/client.asmx\"\"")
}

/// The first WS error of a call that did not reach the client web service (Windows 10+).
pub fn ws_endpoint_error(wsus: &str) -> String {
    format!("WS error: There was an error communicating with the endpoint at '{wsus}/ClientWebService/client.asmx'.")
}

/// A classic log (formats.md §3.2): TAB-separated, local time with `:mmm`, PID right-aligned in 4,
/// TID in lower-case hex; the offset is in the `Logging initialized` banner.
pub struct WuClassic {
    pub out: String,
    pub zone: Tz,
}

impl WuClassic {
    pub fn new(zone: Tz) -> WuClassic {
        WuClassic {
            out: String::new(),
            zone,
        }
    }

    pub fn line(&mut self, utc: NaiveDateTime, pid: u32, tid: u32, comp: &str, msg: &str) {
        let t = local(self.zone, utc);
        let _ = write!(
            self.out,
            "{}\t{}:{:03}\t{pid:>4}\t{tid:x}\t{comp}\t{msg}\r\n",
            ymd(t),
            hms(t),
            ms(t)
        );
    }

    /// The lines of one thread, each `(milliseconds after t, component, message)`.
    pub fn lines(&mut self, t: NaiveDateTime, pid: u32, tid: u32, lines: &[(i64, &str, &str)]) {
        thread_lines(|t, comp, msg| self.line(t, pid, tid, comp, msg), t, lines);
    }

    /// [`WuClassic::settings`] under the banner the XP/2003 agent writes before them.
    pub fn settings_cache(&mut self, t: NaiveDateTime, pid: u32, tid: u32, wsus: &str, group: Option<&str>) {
        let banner = "***********  Agent: Initializing global settings cache  ***********";
        self.line(t, pid, tid, "Agent", banner);
        self.settings(t, pid, tid, wsus, group);
    }

    /// The agent's settings cache: the WSUS server and status server and, when the log has them,
    /// the target group and the Windows Update access setting.
    pub fn settings(&mut self, t: NaiveDateTime, pid: u32, tid: u32, wsus: &str, group: Option<&str>) {
        self.line(t, pid, tid, "Agent", &format!("  * WSUS server: {wsus}"));
        self.line(t, pid, tid, "Agent", &format!("  * WSUS status server: {wsus}"));
        if let Some(group) = group {
            self.line(t, pid, tid, "Agent", &format!("  * Target group: {group}"));
            self.line(t, pid, tid, "Agent", "  * Windows Update access disabled: No");
        }
    }

    /// The service start banner with the UTC offset in force.
    pub fn banner(&mut self, utc: NaiveDateTime, pid: u32, tid: u32, build: &str) {
        let tz = offset_hhmm(offset_minutes(self.zone, utc));
        self.line(
            utc,
            pid,
            tid,
            "Misc",
            &format!("===========  Logging initialized (build: {build}, tz: {tz})  ==========="),
        );
    }
}

/// What the classic agent logs when a scan starts and ends, and when the protocol talker starts
/// synchronizing with the server.
pub const FIND_START: &str = "** START **  Agent: Finding updates [CallerId = AutomaticUpdates]";
pub const FIND_END: &str = "**  END  **  Agent: Finding updates [CallerId = AutomaticUpdates]";
pub const PT_SYNC: &str = "+++++++++++  PT: Synchronizing server updates  +++++++++++";

/// The classic agent's `+ ServiceId = {…}, Server URL = …` of a scan against WSUS.
pub fn classic_service_url(wsus: &str) -> String {
    format!("  + ServiceId = {{{WU_SERVICE}}}, Server URL = {wsus}/ClientWebService/client.asmx")
}

/// The ReportingEvents.log line of a scan that failed with `hresult` (148, lower-case hex).
pub fn detection_failed(
    zone: Tz,
    utc: NaiveDateTime,
    event_guid: &str,
    hresult: &str,
    caller: &str,
    cv: &str,
) -> String {
    reporting_event(
        zone,
        utc,
        event_guid,
        148,
        "AGENT_DETECTION_FAILED",
        "00000000-0000-0000-0000-000000000000",
        0,
        hresult,
        caller,
        false,
        "Software Synchronization",
        &format!("Windows Update Client failed to detect with error 0x{hresult}."),
        Some(cv),
    )
}

/// The ReportingEvents.log line of a scan that found `found` updates (147).
pub fn detection_finished(
    zone: Tz,
    utc: NaiveDateTime,
    event_guid: &str,
    found: u32,
    caller: &str,
    cv: &str,
) -> String {
    reporting_event(
        zone,
        utc,
        event_guid,
        147,
        "AGENT_DETECTION_FINISHED",
        "00000000-0000-0000-0000-000000000000",
        0,
        "0",
        caller,
        true,
        "Software Synchronization",
        &format!("Windows Update Client successfully detected {found} updates."),
        Some(cv),
    )
}

/// One ReportingEvents.log line (formats.md §5.2), local time with its offset.
#[allow(clippy::too_many_arguments)]
pub fn reporting_event(
    zone: Tz,
    utc: NaiveDateTime,
    event_guid: &str,
    id: u32,
    name: &str,
    update: &str,
    revision: u32,
    hresult: &str,
    caller: &str,
    success: bool,
    category: &str,
    message: &str,
    cv: Option<&str>,
) -> String {
    let t = local(zone, utc);
    let mut line = format!(
        "{{{event_guid}}}\t{} {}:{:03}{}\t1\t{id} [{name}]\t101\t{{{update}}}\t{revision}\t{hresult}\t{caller}\t{}\t{category}\t{message}",
        ymd(t),
        hms(t),
        ms(t),
        offset_hhmm(offset_minutes(zone, utc)),
        if success { "Success" } else { "Failure" }
    );
    if let Some(cv) = cv {
        line.push('\t');
        line.push_str(cv);
    }
    line.push_str("\r\n");
    line
}

// ------------------------------------------------------------------------------------------------
// Registry text: `.reg` exports (§9.2) and `reg query /s` output (§9.3).

pub enum RegValue {
    Sz(String),
    Expand(String),
    Dword(u32),
    Binary(Vec<u8>),
}

pub struct RegKey {
    pub path: String,
    pub values: Vec<(String, RegValue)>,
}

pub fn key(path: &str, values: Vec<(&str, RegValue)>) -> RegKey {
    RegKey {
        path: path.to_string(),
        values: values.into_iter().map(|(n, v)| (n.to_string(), v)).collect(),
    }
}

pub fn sz(s: &str) -> RegValue {
    RegValue::Sz(s.to_string())
}

fn reg_hex_lines(prefix: &str, bytes: &[u8]) -> String {
    // regedit wraps hex data at 80 columns: `,\` then two spaces on the next line.
    let mut out = String::from(prefix);
    let mut col = prefix.len();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        let item = if last { format!("{b:02x}") } else { format!("{b:02x},") };
        if col + item.len() > 78 && !last {
            out.push_str("\\\r\n  ");
            col = 2;
        }
        out.push_str(&item);
        col += item.len();
    }
    out
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

/// A regedit 5 export (UTF-16LE with BOM).
pub fn reg_export(keys: &[RegKey]) -> Vec<u8> {
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for k in keys {
        let _ = write!(text, "[{}]\r\n", k.path);
        for (name, v) in &k.values {
            let n = format!("\"{}\"=", name.replace('\\', "\\\\").replace('"', "\\\""));
            let line = match v {
                RegValue::Sz(s) => format!("{n}\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
                RegValue::Dword(d) => format!("{n}dword:{d:08x}"),
                RegValue::Expand(s) => reg_hex_lines(&format!("{n}hex(2):"), &utf16z(s)),
                RegValue::Binary(b) => reg_hex_lines(&format!("{n}hex:"), b),
            };
            text.push_str(&line);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
    }
    utf16le_bom(&text)
}

/// `reg query <key> /s` output, as text.
pub fn reg_query(keys: &[RegKey]) -> String {
    let mut text = String::from("\r\n");
    for k in keys {
        let _ = write!(text, "{}\r\n", k.path);
        for (name, v) in &k.values {
            let (ty, data) = match v {
                RegValue::Sz(s) => ("REG_SZ", s.clone()),
                RegValue::Expand(s) => ("REG_EXPAND_SZ", s.clone()),
                RegValue::Dword(d) => ("REG_DWORD", format!("0x{d:x}")),
                RegValue::Binary(b) => ("REG_BINARY", b.iter().map(|x| format!("{x:02X}")).collect()),
            };
            if data.is_empty() {
                let _ = write!(text, "    {name}    {ty}\r\n");
            } else {
                let _ = write!(text, "    {name}    {ty}    {data}\r\n");
            }
        }
        text.push_str("\r\n");
    }
    text
}

/// A SYSTEMTIME yearly rule (`wYear` 0, month, day of week, week 1–5, hour) as `TimeZoneInformation` stores it.
pub fn systemtime_rule(month: u16, day_of_week: u16, week: u16, hour: u16) -> Vec<u8> {
    [0, month, day_of_week, week, hour, 0, 0, 0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation` for a zone with DST (biases in
/// minutes, UTC = local + bias; the rules as month, day of week, week, hour).
pub fn time_zone_key(
    key_name: &str,
    bias: i32,
    std_name: &str,
    dst_name: &str,
    dst: (u16, u16, u16, u16),
    std: (u16, u16, u16, u16),
) -> RegKey {
    key(
        r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\TimeZoneInformation",
        vec![
            ("Bias", RegValue::Dword(bias as u32)),
            ("DaylightBias", RegValue::Dword(-60i32 as u32)),
            ("DaylightName", sz(dst_name)),
            (
                "DaylightStart",
                RegValue::Binary(systemtime_rule(dst.0, dst.1, dst.2, dst.3)),
            ),
            ("DynamicDaylightTimeDisabled", RegValue::Dword(0)),
            ("StandardBias", RegValue::Dword(0)),
            ("StandardName", sz(std_name)),
            (
                "StandardStart",
                RegValue::Binary(systemtime_rule(std.0, std.1, std.2, std.3)),
            ),
            ("TimeZoneKeyName", sz(key_name)),
        ],
    )
}

/// WSUS setup's own key, `HKLM\SOFTWARE\Microsoft\Update Services\Server\Setup`.
pub fn setup_key(values: Vec<(&str, RegValue)>) -> RegKey {
    key(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Update Services\Server\Setup",
        values,
    )
}

/// A client's Windows Update policy export: `WUServer` and `WUStatusServer` set to `wsus`, then
/// `more`; under `AU`, `UseWUServer` 1, then `au`.
pub fn wu_policy(wsus: &str, more: Vec<(&str, RegValue)>, au: Vec<(&str, RegValue)>) -> Vec<u8> {
    let mut values = vec![("WUServer", sz(wsus)), ("WUStatusServer", sz(wsus))];
    values.extend(more);
    let mut au_values = vec![("UseWUServer", RegValue::Dword(1))];
    au_values.extend(au);
    reg_export(&[
        key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate",
            values,
        ),
        key(
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU",
            au_values,
        ),
    ])
}

// ------------------------------------------------------------------------------------------------
// Configuration Manager logs.

/// The CMTrace layout of client logs (WUAHandler.log …): local time with the bias in minutes.
#[allow(clippy::too_many_arguments)]
pub fn cmtrace(zone: Tz, utc: NaiveDateTime, msg: &str, component: &str, kind: u8, thread: u32, file: &str) -> String {
    let t = local(zone, utc);
    let bias = -offset_minutes(zone, utc);
    format!(
        "<![LOG[{msg}]LOG]!><time=\"{}.{:03}{}{bias}\" date=\"{:02}-{:02}-{:04}\" component=\"{component}\" context=\"\" type=\"{kind}\" thread=\"{thread}\" file=\"{file}\">\r\n",
        hms(t),
        ms(t),
        if bias < 0 { "" } else { "+" },
        t.month(),
        t.day(),
        t.year()
    )
}

/// The older SMS layout of site-server component logs (WSyncMgr.log, WCM.log, SUPSetup.log).
pub fn sms_line(zone: Tz, utc: NaiveDateTime, msg: &str, component: &str, thread: u32) -> String {
    let t = local(zone, utc);
    let bias = -offset_minutes(zone, utc);
    format!(
        "{msg}  $$<{component}><{:02}-{:02}-{:04} {}.{:03}{}{bias}><thread={thread} (0x{thread:X})>\r\n",
        t.month(),
        t.day(),
        t.year(),
        hms(t),
        ms(t),
        if bias < 0 { "" } else { "+" },
    )
}

// ------------------------------------------------------------------------------------------------
// Event-log text exports.

/// One event for a text export.
pub struct TextEvent<'a> {
    pub utc: NaiveDateTime,
    pub log: &'a str,
    pub source: &'a str,
    pub id: u32,
    /// `Error`, `Warning`, `Information`.
    pub level: &'a str,
    pub category: &'a str,
    pub computer: &'a str,
    pub user: &'a str,
    pub message: String,
}

/// `wevtutil qe <log> /f:text` (local time, no zone), as Out-File writes it: UTF-16LE.
pub fn wevtutil_text(zone: Tz, events: &[TextEvent]) -> Vec<u8> {
    let mut text = String::new();
    for (i, e) in events.iter().enumerate() {
        let t = local(zone, e.utc);
        let _ = write!(
            text,
            "Event[{i}]:\r\n  Log Name: {}\r\n  Source: {}\r\n  Date: {}T{}.{:03}\r\n  Event ID: {}\r\n  Task: {}\r\n  Level: {}\r\n  Opcode: Info\r\n  Keyword: Classic\r\n  User: {}\r\n  User Name: {}\r\n  Computer: {}\r\n  Description: \r\n{}\r\n\r\n",
            e.log,
            e.source,
            ymd(t),
            hms(t),
            ms(t),
            e.id,
            e.category,
            e.level,
            if e.user == "N/A" { "N/A" } else { "S-1-5-18" },
            e.user,
            e.computer,
            e.message.replace('\n', "\r\n")
        );
    }
    utf16le_bom(&text)
}

/// Event Viewer "Save All Events As… CSV" on a German server: `Ebene,Datum und Uhrzeit,Quelle,
/// Ereignis-ID,Aufgabenkategorie` and the message as a sixth column, quoted, line breaks kept.
pub fn viewer_csv_de(zone: Tz, events: &[TextEvent]) -> Vec<u8> {
    let mut text = String::from("Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\r\n");
    for e in events {
        let t = local(zone, e.utc);
        let level = match e.level {
            "Error" => "Fehler",
            "Warning" => "Warnung",
            _ => "Informationen",
        };
        let _ = write!(
            text,
            "{level},{},{},{},{},\"{}\"\r\n",
            t.format("%d.%m.%Y %H:%M:%S"),
            e.source,
            e.id,
            e.category,
            e.message.replace('"', "\"\"").replace('\n', "\r\n")
        );
    }
    utf8_bom(&text)
}

/// The Windows Server 2003 Event Viewer text (the event properties' copy), US date order, 12-hour
/// clock, blocks separated by a blank line. ANSI.
pub fn legacy_2003_text(zone: Tz, events: &[TextEvent]) -> Vec<u8> {
    let mut text = String::new();
    for e in events {
        let t = local(zone, e.utc);
        let (h12, ampm) = match t.hour() {
            0 => (12, "AM"),
            h @ 1..=11 => (h, "AM"),
            12 => (12, "PM"),
            h => (h - 12, "PM"),
        };
        let _ = write!(
            text,
            "Event Type:\t{}\r\nEvent Source:\t{}\r\nEvent Category:\t{}\r\nEvent ID:\t{}\r\nDate:\t\t{}/{}/{}\r\nTime:\t\t{h12}:{:02}:{:02} {ampm}\r\nUser:\t\t{}\r\nComputer:\t{}\r\nDescription:\r\n{}\r\n\r\nFor more information, see Help and Support Center at http://go.microsoft.com/fwlink/events.asp.\r\n\r\n",
            e.level,
            e.source,
            e.category,
            e.id,
            t.month(),
            t.day(),
            t.year(),
            t.minute(),
            t.second(),
            e.user,
            e.computer,
            e.message.replace('\n', "\r\n")
        );
    }
    ansi(&text)
}

// ------------------------------------------------------------------------------------------------
// IIS 6 MetaBase.xml (formats.md §8.4): one element per key, a TAB before `Location ="…"`, the other
// attributes one per line, `>` on a line of its own.

pub fn metabase_element(out: &mut String, element: &str, location: &str, attributes: &[(&str, &str)]) {
    let _ = write!(out, "<{element}\tLocation =\"{location}\"\r\n");
    for (n, v) in attributes {
        let _ = write!(out, "\t\t{n}=\"{v}\"\r\n");
    }
    let _ = write!(out, "\t>\r\n</{element}>\r\n");
}

/// A MetaBase.xml around the elements `body` writes.
pub fn metabase_xml(body: impl FnOnce(&mut String)) -> Vec<u8> {
    let mut m = String::from(
        "<?xml version =\"1.0\"?>\r\n<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">\r\n<MBProperty>\r\n",
    );
    body(&mut m);
    m.push_str("</MBProperty>\r\n</configuration>\r\n");
    m.into_bytes()
}

/// The metabase's own bookkeeping (IIS_Global, with the session key when it has one) and the
/// machine's edit-while-running and history settings (IIsComputer).
pub fn metabase_machine(
    m: &mut String,
    change_number: &str,
    history_major: &str,
    session_key: Option<&str>,
    max_batched_write: Option<&str>,
) {
    let mut global = vec![
        ("BinaryMetabaseVersion", "0x0000000000000000000000000000000000000000"),
        ("ChangeNumber", change_number),
        ("HistoryMajorVersionNumber", history_major),
    ];
    global.extend(session_key.map(|k| ("SessionKey", k)));
    metabase_element(m, "IIS_Global", ".", &global);
    let mut computer = vec![("EnableEditWhileRunning", "1"), ("EnableHistory", "1")];
    computer.extend(max_batched_write.map(|n| ("MaxBatchedWriteSize", n)));
    computer.push(("MaxHistoryFiles", "10"));
    metabase_element(m, "IIsComputer", "/LM", &computer);
}

/// DefaultAppPool, and WsusPool with its `attributes`.
pub fn metabase_app_pools(m: &mut String, wsus_pool: &[(&str, &str)]) {
    metabase_element(
        m,
        "IIsApplicationPool",
        "/LM/W3SVC/AppPools/DefaultAppPool",
        &[("AppPoolCommand", "1")],
    );
    metabase_element(m, "IIsApplicationPool", "/LM/W3SVC/AppPools/WsusPool", wsus_pool);
}

/// The W3SVC defaults (anonymous and NTLM, logs under system32), with the default documents
/// when the metabase lists them.
pub fn metabase_w3svc(m: &mut String, default_doc: Option<&str>) {
    let mut attributes = vec![
        ("AccessFlags", "AccessRead | AccessScript"),
        ("AppPoolId", "DefaultAppPool"),
        ("AuthFlags", "AuthAnonymous | AuthNTLM"),
    ];
    attributes.extend(default_doc.map(|d| ("DefaultDoc", d)));
    attributes.push(("LogFileDirectory", "C:\\WINDOWS\\system32\\LogFiles"));
    metabase_element(m, "IIsWebService", "/LM/W3SVC", &attributes);
}

/// The Default Web Site (`/LM/W3SVC/1`, port 80) and its root on wwwroot, with `root_auth` when
/// the root sets its own.
pub fn metabase_default_site(m: &mut String, root_auth: Option<&str>) {
    metabase_element(
        m,
        "IIsWebServer",
        "/LM/W3SVC/1",
        &[
            ("AuthFlags", "0"),
            ("ServerAutoStart", "TRUE"),
            ("ServerBindings", ":80:"),
            ("ServerComment", "Default Web Site"),
        ],
    );
    let mut attributes = vec![
        ("AccessFlags", "AccessRead | AccessScript"),
        ("AppFriendlyName", "Default Application"),
        ("AppIsolated", "2"),
        ("AppRoot", "/LM/W3SVC/1/ROOT"),
    ];
    attributes.extend(root_auth.map(|a| ("AuthFlags", a)));
    attributes.push(("Path", "c:\\inetpub\\wwwroot"));
    metabase_element(m, "IIsWebVirtualDir", "/LM/W3SVC/1/root", &attributes);
}

/// The virtual directory of each of WSUS's web services `vdirs` under `root`, in WsusPool, with
/// ASP.NET `framework`'s script maps: the administration ones (ApiRemoting30, WSUS 2.0's
/// WSUSAdmin) with Windows authentication, the others anonymous.
pub fn metabase_web_services(m: &mut String, root: &str, framework: &str, vdirs: &[&str]) {
    let isapi = format!("C:\\WINDOWS\\Microsoft.NET\\Framework\\{framework}\\aspnet_isapi.dll");
    let maps = format!(".asmx,{isapi},1,GET,HEAD,POST,DEBUG\r\n\t\t\t.aspx,{isapi},1,GET,HEAD,POST,DEBUG");
    for vdir in vdirs {
        let (auth, path) = match *vdir {
            "ApiRemoting30" | "WSUSAdmin" => (
                "AuthNTLM",
                r"C:\Program Files\Update Services\Administration".to_string(),
            ),
            "Inventory" => (
                "AuthAnonymous",
                r"C:\Program Files\Update Services\Inventory".to_string(),
            ),
            _ => (
                "AuthAnonymous",
                format!(r"C:\Program Files\Update Services\WebServices\{vdir}"),
            ),
        };
        metabase_element(
            m,
            "IIsWebVirtualDir",
            &format!("{root}/{vdir}"),
            &[
                ("AccessFlags", "AccessRead | AccessScript"),
                ("AppPoolId", "WsusPool"),
                ("AuthFlags", auth),
                ("Path", &path),
                ("ScriptMaps", &maps),
            ],
        );
    }
}

/// The Content virtual directory under `root` (read only), on `dir`.
pub fn metabase_content(m: &mut String, root: &str, auth: &str, dir: &str) {
    metabase_element(
        m,
        "IIsWebVirtualDir",
        &format!("{root}/Content"),
        &[("AccessFlags", "AccessRead"), ("AuthFlags", auth), ("Path", dir)],
    );
}

/// The Selfupdate virtual directory under `root` (the agent's self-update files).
pub fn metabase_selfupdate(m: &mut String, root: &str, auth: &str) {
    metabase_element(
        m,
        "IIsWebVirtualDir",
        &format!("{root}/Selfupdate"),
        &[
            ("AccessFlags", "AccessRead | AccessScript"),
            ("AuthFlags", auth),
            ("Path", r"C:\Program Files\Update Services\Selfupdate"),
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// Archives.

/// A zip whose members all carry `modified` (local time, as zip stores it).
pub fn zip_at(files: &[(String, Vec<u8>)], modified: NaiveDateTime) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stamp = zip::DateTime::from_date_and_time(
        modified.year() as u16,
        modified.month() as u8,
        modified.day() as u8,
        modified.hour() as u8,
        modified.minute() as u8,
        modified.second() as u8,
    )
    .expect("a zip date");
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    for (name, data) in files {
        w.start_file(name, options).expect("zip member");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A cabinet (one MSZIP folder), member names with backslashes as makecab writes them.
pub fn cab_at(files: &[(String, Vec<u8>)], modified: NaiveDateTime) -> Vec<u8> {
    let month = time::Month::try_from(modified.month() as u8).expect("month");
    let date = time::Date::from_calendar_date(modified.year(), month, modified.day() as u8).expect("date");
    let clock =
        time::Time::from_hms(modified.hour() as u8, modified.minute() as u8, modified.second() as u8).expect("time");
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    for (name, _) in files {
        folder
            .add_file(name.replace('/', "\\"))
            .set_datetime(time::PrimitiveDateTime::new(date, clock));
    }
    let mut writer = builder.build(std::io::Cursor::new(Vec::new())).expect("cab");
    let mut i = 0;
    while let Some(mut w) = writer.next_file().expect("cab member") {
        w.write_all(&files[i].1).expect("cab write");
        i += 1;
    }
    writer.finish().expect("cab finish").into_inner()
}

/// `%windir%\\WindowsUpdate.log` on Windows 10 / Server 2016 and later: a stub pointing at the ETW logs.
pub fn windowsupdate_stub() -> Vec<u8> {
    b"Windows Update logs are now generated using ETW (Event Tracing for Windows).\r\nPlease run the Get-WindowsUpdateLog PowerShell command to convert ETW traces into a readable WindowsUpdate.log.\r\n\r\nFor more information, please visit https://go.microsoft.com/fwlink/?LinkId=518345\r\n".to_vec()
}

/// Puts every file under `prefix/`.
pub fn under(prefix: &str, files: Files) -> Files {
    files.into_iter().map(|(p, d)| (format!("{prefix}/{p}"), d)).collect()
}

// ------------------------------------------------------------------------------------------------
// EVTX events (written by tests/support/evtx_writer.rs) of the providers a WSUS server logs.

use super::evtx_writer::{Event, providers};

/// A `Windows Server Update Services` event (classic source, Application log).
pub fn wsus_event(computer: &str, utc: NaiveDateTime, id: u16, level: u8, category: u16, text: &str) -> Event {
    Event::classic(
        providers::WSUS,
        id,
        0,
        level,
        category,
        utc,
        "Application",
        computer,
        &[text],
    )
}

/// A synchronization event (381, 382, 384, 361) of WSUS in English ([`SyncMessages`]).
pub fn sync_app_event(computer: &str, utc: NaiveDateTime, id: u16) -> Event {
    wsus_event(computer, utc, id, 4, 2, ENGLISH.of(id.into()))
}

/// The qualifiers a classic-source event of `level` carries (severity bits of the event id).
fn qualifiers(level: u8) -> u16 {
    match level {
        2 => 49152,
        3 => 32768,
        _ => 16384,
    }
}

/// A Service Control Manager event with its `param1…` values.
pub fn scm_event(computer: &str, utc: NaiveDateTime, id: u16, level: u8, params: &[&str]) -> Event {
    let names = ["param1", "param2", "param3", "param4", "param5"];
    let data: Vec<(&str, &str)> = params.iter().enumerate().map(|(i, v)| (names[i], *v)).collect();
    Event::manifest(
        providers::SCM,
        providers::SCM_GUID,
        id,
        level,
        0,
        0x8080_0000_0000_0000,
        utc,
        "System",
        computer,
        &data,
    )
    .with_source_name(providers::SCM)
    .with_qualifiers(qualifiers(level))
    .with_process(680, 3344)
}

/// "The %1 service entered the %2 state." (7036).
pub fn service_state(computer: &str, utc: NaiveDateTime, service: &str, state: &str) -> Event {
    scm_event(computer, utc, 7036, 4, &[service, state])
}

/// A Microsoft-Windows-WAS event with named data.
pub fn was_event(computer: &str, utc: NaiveDateTime, id: u16, level: u8, data: &[(&str, &str)]) -> Event {
    Event::manifest(
        providers::WAS,
        providers::WAS_GUID,
        id,
        level,
        0,
        0x0080_0000_0000_0000,
        utc,
        "System",
        computer,
        data,
    )
    .with_source_name("WAS")
    .with_qualifiers(qualifiers(level))
}

/// An event of the Event Log service itself (6005 started, 6006 stopped, 6009 the OS version,
/// 6013 uptime), with its insertion strings.
pub fn event_log_event(computer: &str, utc: NaiveDateTime, id: u16, strings: &[&str]) -> Event {
    Event::classic("EventLog", id, 32768, 4, 0, utc, "System", computer, strings)
}

/// The Event Log service's daily uptime event (6013).
pub fn uptime_event(computer: &str, utc: NaiveDateTime, seconds: u64, zone_text: &str) -> Event {
    event_log_event(
        computer,
        utc,
        6013,
        &["", "", "", "", &seconds.to_string(), "60", zone_text],
    )
}

/// A Windows Update client event in the System log (19 installed, 43 installation started, 44
/// download started), with the update's named data.
pub fn wu_client_event(computer: &str, utc: NaiveDateTime, id: u16, data: &[(&str, &str)]) -> Event {
    Event::manifest(
        providers::WU_CLIENT,
        providers::WU_CLIENT_GUID,
        id,
        4,
        1,
        0x8000_0000_0000_0018,
        utc,
        "System",
        computer,
        data,
    )
    .with_process(1188, 5004)
}

/// The Windows Time service synchronizing from `source` (35 synchronizing, 37 receiving valid data).
pub fn time_service_event(computer: &str, utc: NaiveDateTime, id: u16, source: &str) -> Event {
    Event::manifest(
        "Microsoft-Windows-Time-Service",
        "{06EDCFEB-0FD0-4E53-ACCA-A6F8BBF81BCB}",
        id,
        4,
        0,
        0x8000_0000_0000_0000,
        utc,
        "System",
        computer,
        &[("TimeSource", source)],
    )
    .with_process(1460, 2212)
}

/// The Software Protection service scheduling its restart for `restart` (16384, Application log).
pub fn spp_event(computer: &str, utc: NaiveDateTime, restart: &str) -> Event {
    Event::manifest(
        "Microsoft-Windows-Security-SPP",
        "{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}",
        16384,
        4,
        0,
        0x0080_0000_0000_0000,
        utc,
        "Application",
        computer,
        &[("param1", restart), ("param2", "RulesEngine")],
    )
    .with_source_name("Software Protection Platform Service")
    .with_qualifiers(16384)
}

/// An `.evtx` file of `events` (sorted here), copied from a live server: dirty, record ids from `first`.
pub fn evtx_file(mut events: Vec<Event>, first: u64) -> Vec<u8> {
    events.sort_by_key(|e| e.time);
    super::evtx_writer::write_evtx_with(
        &events,
        &super::evtx_writer::Options {
            first_record_id: first,
            dirty: true,
        },
    )
}

// ------------------------------------------------------------------------------------------------
// Scenes of a Windows 10/11 client's WindowsUpdate.log that several bundles share.

pub const WU_SERVICE: &str = "3DA21691-E39D-4DA6-8A4B-B43877BCB1B7";
pub const MU_SERVICE: &str = "7971F918-A847-4430-9279-4A52D1EFE18D";

/// The agent starting: settings block and the start-up noise every Windows 10 log has
/// (`8024000C`, `80240013`, `8024000E`), which must not be mistaken for faults.
pub fn wu10_startup(log: &mut Wu10, t: NaiveDateTime, pid: u32, version: &str, wsus: &str) {
    log.lines(
        t,
        pid,
        pid + 1732,
        &[
            (0, "Shared", "Effective power state: AC"),
            (4, "Agent", &format!("WU client version {version}")),
            (5, "Agent", "SleepStudyTracker: Machine is non-AOAC. Sleep study tracker disabled."),
            (6, "Agent", "Base directory: C:\\WINDOWS\\SoftwareDistribution"),
            (6, "Agent", "Datastore directory: C:\\WINDOWS\\SoftwareDistribution\\DataStore\\DataStore.edb"),
            (41, "Misc", "*FAILED* [8024000C] LoadHistoryEventFromRegistry completed"),
            (43, "Agent", "Initializing global settings cache"),
            (43, "Agent", &format!("WSUS server: {wsus}")),
            (43, "Agent", &format!("WSUS status server: {wsus}")),
            (43, "Agent", "Alternate Download Server: (null)"),
            (43, "Agent", "Fill Empty Content Urls: No"),
            (43, "Agent", "Target group: (Unassigned Computers)"),
            (43, "Agent", "Windows Update access disabled: No"),
            (43, "Agent", "Do not connect to Windows Update Internet locations: Yes"),
            (97, "Agent", "*FAILED* [80240013] m_services.Add()"),
            (98, "Agent", "Initializing Windows Update Agent"),
            (102, "Agent", "*FAILED* [8024000E] file = onecore\\enduser\\windowsupdate\\client\\engine\\lib\\EndpointProviders.cpp, line = 1925"),
            (130, "DownloadManager", "Download manager restoring 0 downloads"),
        ],
    );
}

/// One scan against WSUS that works (`client_id` is the machine's SusClientId), with the SLS lookup to Microsoft that a client without
/// Internet access fails (`80072EE7`, name not resolved): noise on a WSUS-only network.
#[allow(clippy::too_many_arguments)]
pub fn wu10_scan(
    log: &mut Wu10,
    rng: &mut super::Rng,
    t: NaiveDateTime,
    pid: u32,
    caller: &str,
    wsus: &str,
    found: u32,
    dns_name: &str,
    client_id: &str,
) {
    let tid = 4000 + rng.below(9000) as u32;
    let id = 10 + rng.below(90);
    let cv = format!("{}.{}.1", rng.hex(16), rng.below(9));
    let sls = "855E8A7C-ECB4-4CA3-B045-1DFA50104289";
    let sls_path = format!(
        "/SLS/{{{sls}}}/x64/10.0.19045.5247/0?CH=686&L=en-US&P=&PT=0x30&WUA=10.0.19041.5247&MK=Dell+Inc.&MD=OptiPlex+7090"
    );
    // Each line is (milliseconds after the one before, component, message).
    let steps: &[(i64, &str, &str)] = &[
        (
            0,
            "Agent",
            &format!("* START * Queueing Finding updates [CallerId = {caller}  Id = {id}]"),
        ),
        (
            1,
            "Agent",
            &format!("Added service {MU_SERVICE} to sequential scan list"),
        ),
        (
            0,
            "Agent",
            &format!("Added service {WU_SERVICE} to sequential scan list"),
        ),
        (
            2,
            "Agent",
            &format!("* END * Queueing Finding updates [CallerId = {caller}  Id = {id}]"),
        ),
        (
            3,
            "Agent",
            &format!("* START * Finding updates CallerId = {caller}  Id = {id} (cV = {cv})"),
        ),
        (
            0,
            "Agent",
            "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No",
        ),
        (
            0,
            "Agent",
            "Criteria = IsInstalled=0 and DeploymentAction='Installation' or IsInstalled=0 and DeploymentAction='OptionalInstallation' or IsPresent=1 and DeploymentAction='Uninstallation' or IsInstalled=1 and DeploymentAction='Installation' and RebootRequired=1 or IsInstalled=0 and DeploymentAction='Uninstallation' and RebootRequired=1\"\"",
        ),
        (0, "Agent", &format!("ServiceID = {{{WU_SERVICE}}} Managed")),
        (0, "Agent", "Search Scope = {Machine}"),
        (0, "Agent", "Caller SID for Applicability: S-1-5-18"),
        (
            6,
            "SLS",
            &format!("Get response for service {sls} - forceExpire[False] asyncRefreshOnExpiry[True]"),
        ),
        (0, "SLS", &format!("path used for cache lookup: {sls_path}")),
        (
            2,
            "Misc",
            &format!("Got {sls} redir SecureReg URL: https://slscr.update.microsoft.com{sls_path}"),
        ),
        (2210, "Misc", "*FAILED* [80072EE7] Send request"),
        (
            1,
            "Misc",
            "*FAILED* [80072EE7] Library download error. Will retry. Retry Counter:0",
        ),
        (1, "SLS", "*FAILED* [80072EE7] GetResponse"),
        (3, "Misc", &got_wsus_url(wsus)),
        (1, "ProtocolTalker", "OK to reuse existing configuration"),
        (0, "ProtocolTalker", "Existing cookie is valid, just use it"),
        (0, "ProtocolTalker", "PTInfo: Server requested registration"),
        (
            31,
            "ProtocolTalker",
            &format!(
                "Initializing simple targeting cookie, clientId = {client_id}, target group = , DNS name = {dns_name}"
            ),
        ),
        (
            0,
            "ProtocolTalker",
            &format!("  Server URL = {wsus}/SimpleAuthWebService/SimpleAuth.asmx"),
        ),
        (118, "ProtocolTalker", "Syncing with server"),
        (1406, "ProtocolTalker", "Sync of Updates: 0"),
        (0, "ProtocolTalker", "Sync of Extended Info: 0"),
        (
            241,
            "Agent",
            &format!(
                "Found {found} updates and 92 categories in search; evaluated appl. rules of 1844 out of 3120 deployed entities"
            ),
        ),
        (
            3,
            "Agent",
            &format!("* END * Finding updates CallerId = {caller}  Id = {id}"),
        ),
    ];
    let mut dt = 0;
    for (step, comp, msg) in steps {
        dt += step;
        log.line(t + millis(dt), pid, tid, comp, msg);
    }
}

/// Ticks a plausible interval forward: `base` seconds plus up to `jitter`.
pub fn step(rng: &mut super::Rng, base: i64, jitter: u64) -> Duration {
    secs(base + rng.below(jitter.max(1)) as i64)
}

/// The web services WSUS 3.0 and later install, each an application (or IIS 6 virtual directory)
/// of its site.
pub const WSUS_APPS: [&str; 7] = [
    "ApiRemoting30",
    "ClientWebService",
    "DssAuthWebService",
    "Inventory",
    "ReportingWebService",
    "ServerSyncWebService",
    "SimpleAuthWebService",
];

/// The Default Web Site of applicationHost.config as IIS setup leaves it (port 80, wwwroot).
pub const DEFAULT_WEB_SITE: &str = "            <site name=\"Default Web Site\" id=\"1\">\r\n                <application path=\"/\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"%SystemDrive%\\inetpub\\wwwroot\" />\r\n                </application>\r\n                <bindings>\r\n                    <binding protocol=\"http\" bindingInformation=\"*:80:\" />\r\n                </bindings>\r\n            </site>\r\n";

/// The `<application>` of each of WSUS's web services in WsusPool, in applicationHost.config.
pub fn wsus_applications(out: &mut String) {
    for a in WSUS_APPS {
        let _ = write!(
            out,
            "                <application path=\"/{a}\" applicationPool=\"WsusPool\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"C:\\Program Files\\Update Services\\WebServices\\{a}\" />\r\n                </application>\r\n"
        );
    }
}

/// The `<location>` block that sets a virtual directory's authentication in applicationHost.config.
pub fn auth_location(out: &mut String, site: &str, vdir: &str, anonymous: bool, windows: bool) {
    let _ = write!(
        out,
        "    <location path=\"{site}/{vdir}\">\r\n        <system.webServer>\r\n            <security>\r\n                <authentication>\r\n                    <anonymousAuthentication enabled=\"{anonymous}\" />\r\n                    <windowsAuthentication enabled=\"{windows}\" />\r\n                </authentication>\r\n            </security>\r\n        </system.webServer>\r\n    </location>\r\n"
    );
}

/// The applicationHost.config of a WSUS 3.0 SP2+ server with its own site (formats.md §8.2):
/// WsusPool with `pool_attributes` on `<add>` and `recycling`/`failure` children, the web-service
/// applications, the Content vdir and the per-vdir authentication in `<location>` blocks.
pub struct AppHost<'a> {
    pub site_id: u32,
    pub content_dir: &'a str,
    pub pool_add: &'a str,
    pub pool_children: &'a str,
    /// (vdir, anonymous, windows) for every `<location>` block.
    pub auth: Vec<(&'a str, bool, bool)>,
    pub bindings: &'a [(&'a str, &'a str)],
}

impl AppHost<'_> {
    pub fn render(&self) -> String {
        let mut out = String::from(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!--\r\n\r\n    IIS configuration sections.\r\n\r\n-->\r\n<configuration>\r\n    <system.applicationHost>\r\n",
        );
        out.push_str("        <applicationPools>\r\n            <add name=\"DefaultAppPool\" />\r\n");
        let _ = write!(
            out,
            "            <add name=\"WsusPool\" {}>\r\n{}            </add>\r\n",
            self.pool_add, self.pool_children
        );
        out.push_str("            <applicationPoolDefaults managedRuntimeVersion=\"v4.0\">\r\n                <processModel identityType=\"ApplicationPoolIdentity\" />\r\n            </applicationPoolDefaults>\r\n        </applicationPools>\r\n");
        out.push_str("        <sites>\r\n");
        out.push_str(DEFAULT_WEB_SITE);
        let _ = write!(
            out,
            "            <site name=\"WSUS Administration\" id=\"{}\" serverAutoStart=\"true\">\r\n                <application path=\"/\" applicationPool=\"WsusPool\">\r\n                    <virtualDirectory path=\"/\" physicalPath=\"C:\\Program Files\\Update Services\\WebServices\\Root\" />\r\n                    <virtualDirectory path=\"/Content\" physicalPath=\"{}\\WsusContent\" />\r\n                </application>\r\n",
            self.site_id, self.content_dir
        );
        wsus_applications(&mut out);
        out.push_str("                <bindings>\r\n");
        for (proto, info) in self.bindings {
            let _ = write!(
                out,
                "                    <binding protocol=\"{proto}\" bindingInformation=\"{info}\" />\r\n"
            );
        }
        let _ = write!(
            out,
            "                </bindings>\r\n                <logFile directory=\"%SystemDrive%\\inetpub\\logs\\LogFiles\" />\r\n            </site>\r\n            <siteDefaults>\r\n                <logFile logFormat=\"W3C\" directory=\"%SystemDrive%\\inetpub\\logs\\LogFiles\" />\r\n            </siteDefaults>\r\n        </sites>\r\n    </system.applicationHost>\r\n"
        );
        for (vdir, anonymous, windows) in &self.auth {
            auth_location(&mut out, "WSUS Administration", vdir, *anonymous, *windows);
        }
        out.push_str("</configuration>\r\n");
        out
    }
}

/// The authentication WSUS setup leaves: Windows on ApiRemoting30, anonymous everywhere else.
pub fn default_auth() -> Vec<(&'static str, bool, bool)> {
    vec![
        ("ApiRemoting30", false, true),
        ("ClientWebService", true, false),
        ("Content", true, false),
        ("DssAuthWebService", true, false),
        ("Inventory", true, false),
        ("ReportingWebService", true, false),
        ("SelfUpdate", true, false),
        ("ServerSyncWebService", true, false),
        ("SimpleAuthWebService", true, false),
    ]
}

/// The ClientWebService web.config with its tuning keys (formats.md §8.3).
pub fn client_web_config(max_prereq: u32) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n  <appSettings>\r\n    <add key=\"maxCachedUpdates\" value=\"88000\" />\r\n    <add key=\"maxInstalledPrerequisites\" value=\"{max_prereq}\" />\r\n  </appSettings>\r\n  <system.web>\r\n    <httpRuntime maxRequestLength=\"4096\" executionTimeout=\"3600\" />\r\n    <compilation debug=\"false\" targetFramework=\"4.0\" />\r\n    <identity impersonate=\"false\" />\r\n  </system.web>\r\n</configuration>\r\n"
    )
    .into_bytes()
}
