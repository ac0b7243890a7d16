//! IIS configuration facts (applicationHost.config, web.config, MetaBase.xml) read from
//! realistic files built here from the documented schemas.

use std::collections::BTreeMap;
use wsus_triage::formats::{self, ParseInput, ParseOptions, ParseOutcome};
use wsus_triage::kind::FileKind;
use wsus_triage::records::{Position, Record, RecordSink};

/// One fact as the matcher sees it.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    text: String,
    fields: BTreeMap<String, String>,
}

impl Row {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Collect(Vec<Row>);

impl RecordSink for Collect {
    fn record(&mut self, r: &Record<'_>) {
        let Position::Line(line) = r.position else {
            panic!("config facts are cited by line")
        };
        self.0.push(Row {
            line,
            text: r.text.to_string(),
            fields: r.fields.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        });
    }
}

fn parse(kind: FileKind, path: &str, bytes: &[u8]) -> (Vec<Row>, ParseOutcome) {
    let options = ParseOptions::default();
    let input = ParseInput {
        path,
        bytes,
        encoding: None,
        format: None,
        options: &options,
    };
    let mut sink = Collect::default();
    let outcome = formats::parse(kind, &input, &mut sink).expect("a parser for the kind");
    assert_eq!(outcome.records, sink.0.len() as u64);
    (sink.0, outcome)
}

/// Facts matching every `(field, value)` pair.
fn find<'r>(rows: &'r [Row], want: &[(&str, &str)]) -> Vec<&'r Row> {
    rows.iter()
        .filter(|r| want.iter().all(|(k, v)| r.get(k) == Some(*v)))
        .collect()
}

fn one<'r>(rows: &'r [Row], want: &[(&str, &str)]) -> &'r Row {
    let found = find(rows, want);
    assert_eq!(found.len(), 1, "exactly one fact {want:?}, got {found:#?}");
    found[0]
}

/// The 1-based line of the only line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    let lines: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{needle:?} must stand on exactly one line, found on {lines:?}"
    );
    lines[0]
}

fn dump(rows: &[Row]) {
    for r in rows {
        eprintln!("{:>4} {:?} | {}", r.line, r.fields, r.text);
    }
}

#[test]
fn sample_bundle_content_vdir_has_anonymous_disabled() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/wsus2019-content-401/Server/inetsrv/config/applicationHost.config"
    );
    let bytes = std::fs::read(path).expect("the sample bundle is part of the repository");
    let (rows, outcome) = parse(FileKind::IisApplicationhostConfig, path, &bytes);
    dump(&rows);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let content = one(
        &rows,
        &[
            ("fact", "vdir-auth"),
            ("site", "WSUS Administration"),
            ("vdir", "/Content"),
        ],
    );
    assert_eq!(content.get("anonymous"), Some("false"));
    assert_eq!(content.get("windows"), Some("true"));
    assert_eq!(content.get("source"), Some("location WSUS Administration/Content"));
    assert_eq!(content.get("basis"), Some("explicit"));
    assert_eq!(content.get("wsus-vdir"), Some("Content"));
    let text = String::from_utf8_lossy(&bytes);
    let line = text
        .lines()
        .position(|l| l.contains("anonymousAuthentication enabled=\"false\""))
        .unwrap();
    // The second such line (ApiRemoting30 is the first): the one inside the Content location.
    let content_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("anonymousAuthentication enabled=\"false\""))
        .map(|(i, _)| i as u64 + 1)
        .last()
        .unwrap();
    assert!(line as u64 + 1 < content_line);
    assert_eq!(content.line, content_line);
    assert_eq!(content.text.trim(), "<anonymousAuthentication enabled=\"false\" />");
}

/// WSUS on its own site "WSUS Administration" (8530/8531), as WSUS 4.0+ installs it, with the
/// faults the signatures look for: anonymous access removed at the site level (SharePoint-style),
/// SSL required on Content with client certificates accepted, loopback-only IP restrictions on
/// SimpleAuthWebService, a duplicate `.wim` MIME map under ApiRemoting30, WsusPool with explicit
/// values and others from `<applicationPoolDefaults>` or the schema.
const WSUS_SITE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <configSections>
        <sectionGroup name="system.applicationHost">
            <section name="applicationPools" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="sites" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
        </sectionGroup>
    </configSections>
    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" />
            <add name="WsusPool" queueLength="2000" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated">
                <processModel identityType="NetworkService" idleTimeout="00:00:00" pingingEnabled="false" />
                <recycling>
                    <periodicRestart privateMemory="1843200" time="00:00:00">
                        <schedule>
                            <add value="03:00:00" />
                        </schedule>
                    </periodicRestart>
                </recycling>
            </add>
            <applicationPoolDefaults managedRuntimeVersion="v4.0">
                <processModel identityType="ApplicationPoolIdentity" loadUserProfile="true" setProfileEnvironment="false" />
                <failure rapidFailProtectionMaxCrashes="10" />
            </applicationPoolDefaults>
        </applicationPools>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
            <site name="WSUS Administration" id="1274659245" serverAutoStart="true">
                <application path="/" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\Root" />
                    <virtualDirectory path="/Content" physicalPath="E:\WSUS\WsusContent" />
                </application>
                <application path="/ApiRemoting30" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ApiRemoting30" />
                </application>
                <application path="/ClientWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ClientWebService" />
                </application>
                <application path="/SimpleAuthWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\SimpleAuthWebService" />
                </application>
                <application path="/ReportingWebService">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ReportingWebService" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:8530:" />
                    <binding protocol="https" bindingInformation="*:8531:" sslFlags="0" />
                </bindings>
                <applicationDefaults applicationPool="WsusPool" />
            </site>
            <siteDefaults>
                <logFile logFormat="W3C" directory="%SystemDrive%\inetpub\logs\LogFiles" />
            </siteDefaults>
            <applicationDefaults applicationPool="DefaultAppPool" />
        </sites>
    </system.applicationHost>
    <system.webServer>
        <security>
            <authentication>
                <anonymousAuthentication enabled="true" userName="IUSR" password="[enc:AesProvider:57686f6120447564652c2049206c6f766520746865736520:enc]" />
                <windowsAuthentication enabled="false">
                    <providers>
                        <add value="Negotiate" />
                        <add value="NTLM" />
                    </providers>
                </windowsAuthentication>
            </authentication>
        </security>
        <staticContent lockAttributes="isDocFooterFileName">
            <mimeMap fileExtension=".cab" mimeType="application/vnd.ms-cab-compressed" />
            <mimeMap fileExtension=".msu" mimeType="application/octet-stream" />
            <mimeMap fileExtension=".wim" mimeType="application/x-ms-wim" />
        </staticContent>
        <httpCompression directory="%SystemDrive%\inetpub\temp\IIS Temporary Compressed Files">
            <scheme name="gzip" dll="%Windir%\system32\inetsrv\gzip.dll" />
            <scheme name="xpress" doStaticCompression="false" doDynamicCompression="true" dll="C:\Program Files\Update Services\WebServices\suscomp.dll" staticCompressionLevel="10" dynamicCompressionLevel="0" />
        </httpCompression>
    </system.webServer>
    <location path="WSUS Administration">
        <system.webServer>
            <security>
                <authentication>
                    <anonymousAuthentication enabled="false" />
                    <windowsAuthentication enabled="true" />
                </authentication>
            </security>
        </system.webServer>
    </location>
    <location path="WSUS Administration/ClientWebService">
        <system.webServer>
            <security>
                <access sslFlags="Ssl" />
                <authentication>
                    <anonymousAuthentication enabled="true" />
                    <windowsAuthentication enabled="false" />
                </authentication>
            </security>
        </system.webServer>
    </location>
    <location path="WSUS Administration/SimpleAuthWebService">
        <system.webServer>
            <security>
                <access sslFlags="8" />
                <ipSecurity allowUnlisted="false">
                    <add ipAddress="127.0.0.1" allowed="true" />
                    <add ipAddress="192.168.16.0" subnetMask="255.255.255.0" allowed="true" />
                </ipSecurity>
                <authentication>
                    <anonymousAuthentication enabled="true" />
                </authentication>
            </security>
        </system.webServer>
    </location>
    <location path="WSUS Administration/Content">
        <system.webServer>
            <security>
                <access sslFlags="Ssl, SslNegotiateCert" />
            </security>
        </system.webServer>
    </location>
    <location path="WSUS Administration/ApiRemoting30">
        <system.webServer>
            <staticContent>
                <mimeMap fileExtension=".wim" mimeType="application/x-ms-wim" />
                <remove fileExtension=".msu" />
                <mimeMap fileExtension=".msu" mimeType="application/octet-stream" />
            </staticContent>
        </system.webServer>
    </location>
    <location path="WSUS Administration/Selfupdate">
        <system.webServer>
            <security>
                <access sslFlags="SslRequireCert,Ssl" />
            </security>
        </system.webServer>
    </location>
</configuration>
"#;

#[test]
fn wsus_site_bindings_and_vdirs() {
    let (rows, outcome) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(
        outcome.notes.len(),
        1,
        "one encrypted password noted: {:?}",
        outcome.notes
    );
    let site = one(&rows, &[("fact", "site"), ("site", "WSUS Administration")]);
    assert_eq!(
        (site.get("site-id"), site.get("wsus-site")),
        (Some("1274659245"), Some("true"))
    );
    assert_eq!(
        one(&rows, &[("fact", "site"), ("site", "Default Web Site")]).get("wsus-site"),
        Some("false")
    );
    let https = one(
        &rows,
        &[
            ("fact", "binding"),
            ("site", "WSUS Administration"),
            ("protocol", "https"),
        ],
    );
    assert_eq!(
        (https.get("port"), https.get("host"), https.get("ip")),
        (Some("8531"), Some(""), Some("*"))
    );
    assert_eq!(https.line, line_of(WSUS_SITE, "*:8531:"));
    let content = one(&rows, &[("fact", "vdir"), ("wsus-vdir", "Content")]);
    assert_eq!(content.get("physical-path"), Some(r"E:\WSUS\WsusContent"));
    assert_eq!(content.get("app-pool"), Some("WsusPool"));
    assert_eq!(
        content.line,
        line_of(WSUS_SITE, r#"physicalPath="E:\WSUS\WsusContent""#)
    );
    // An application without applicationPool takes the site's <applicationDefaults>.
    let reporting = one(&rows, &[("fact", "vdir"), ("wsus-vdir", "ReportingWebService")]);
    assert_eq!(reporting.get("app-pool"), Some("WsusPool"));
    assert_eq!(
        one(&rows, &[("fact", "vdir"), ("site", "Default Web Site")]).get("app-pool"),
        Some("DefaultAppPool")
    );
}

#[test]
fn content_inherits_the_site_level_anonymous_off() {
    let (rows, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    let site_level = line_of(WSUS_SITE, r#"<anonymousAuthentication enabled="false" />"#);
    let content = one(
        &rows,
        &[
            ("fact", "vdir-auth"),
            ("site", "WSUS Administration"),
            ("vdir", "/Content"),
        ],
    );
    assert_eq!(content.get("anonymous"), Some("false"));
    assert_eq!(content.get("windows"), Some("true"));
    assert_eq!(content.get("basic"), Some("false"));
    assert_eq!(content.get("source"), Some("location WSUS Administration"));
    assert_eq!(content.get("basis"), Some("inherited"));
    assert_eq!(content.line, site_level);
    assert_eq!(content.text.trim(), r#"<anonymousAuthentication enabled="false" />"#);
    assert_eq!(
        content.get("windows-line"),
        Some(
            line_of(WSUS_SITE, r#"<windowsAuthentication enabled="true" />"#)
                .to_string()
                .as_str()
        )
    );
    // The server-level userName is inherited all the way down.
    assert_eq!(content.get("anonymous-user"), Some("IUSR"));
    // ClientWebService sets anonymous back on explicitly.
    let cws = one(&rows, &[("fact", "vdir-auth"), ("wsus-vdir", "ClientWebService")]);
    assert_eq!(
        (cws.get("anonymous"), cws.get("basis")),
        (Some("true"), Some("explicit"))
    );
    // Default Web Site only has the server level.
    let dws = one(&rows, &[("fact", "vdir-auth"), ("site", "Default Web Site")]);
    assert_eq!(
        (dws.get("anonymous"), dws.get("source")),
        (Some("true"), Some("server level"))
    );
    assert_eq!(dws.line, line_of(WSUS_SITE, r#"userName="IUSR""#));
}

#[test]
fn ssl_flags_on_the_wrong_vdirs() {
    let (rows, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    let ssl = |vdir: &str| one(&rows, &[("fact", "ssl-flags"), ("wsus-vdir", vdir)]).clone();
    let content = ssl("Content");
    assert_eq!(content.get("require-ssl"), Some("true"));
    assert_eq!(content.get("client-certificates"), Some("accept"));
    assert_eq!(content.get("ssl-flags"), Some("Ssl, SslNegotiateCert"));
    assert_eq!(content.line, line_of(WSUS_SITE, r#"sslFlags="Ssl, SslNegotiateCert""#));
    let simple = ssl("SimpleAuthWebService");
    assert_eq!((simple.get("ssl-flags"), simple.get("value")), (Some("Ssl"), Some("8")));
    // Selfupdate is not a vdir of this file: its location block still gives the fact.
    let selfupdate = ssl("SelfUpdate");
    assert_eq!(selfupdate.get("vdir-type"), Some("location"));
    assert_eq!(selfupdate.get("client-certificates"), Some("require"));
    assert_eq!(selfupdate.get("site-id"), Some("1274659245"));
    // ReportingWebService: nothing set anywhere, cited at its virtual directory.
    let reporting = ssl("ReportingWebService");
    assert_eq!(
        (reporting.get("require-ssl"), reporting.get("basis")),
        (Some("false"), Some("schema default"))
    );
    assert_eq!(reporting.line, line_of(WSUS_SITE, r"WebServices\ReportingWebService"));
}

#[test]
fn ip_restrictions_deny_unlisted_clients() {
    let (rows, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    let ip = one(&rows, &[("fact", "ip-restriction")]);
    assert_eq!(ip.get("wsus-vdir"), Some("SimpleAuthWebService"));
    assert_eq!(ip.get("allow-unlisted"), Some("false"));
    assert_eq!((ip.get("rules"), ip.get("allowed-rules")), (Some("2"), Some("2")));
    assert_eq!(ip.get("loopback"), Some("allowed"));
    assert_eq!(ip.get("deny-action"), Some("Forbidden"));
    assert_eq!(ip.line, line_of(WSUS_SITE, r#"<ipSecurity allowUnlisted="false">"#));
    let rules = find(&rows, &[("fact", "ip-rule")]);
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1].get("subnet-mask"), Some("255.255.255.0"));
    assert_eq!(
        rules[1].get("scope"),
        Some("location WSUS Administration/SimpleAuthWebService")
    );
}

#[test]
fn wsus_pool_explicit_defaults_and_schema_values() {
    let (rows, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    let setting = |name: &str| one(&rows, &[("fact", "app-pool"), ("pool", "WsusPool"), ("setting", name)]).clone();
    let memory = setting("private-memory-kb");
    assert_eq!(
        (memory.get("private-memory-kb"), memory.get("basis")),
        (Some("1843200"), Some("explicit"))
    );
    assert_eq!(memory.line, line_of(WSUS_SITE, r#"privateMemory="1843200""#));
    let crashes = setting("rapid-fail-protection-max-crashes");
    assert_eq!(crashes.get("rapid-fail-protection-max-crashes"), Some("10"));
    assert_eq!(
        (crashes.get("source"), crashes.get("basis")),
        (Some("applicationPoolDefaults"), Some("inherited"))
    );
    assert_eq!(
        crashes.line,
        line_of(WSUS_SITE, r#"rapidFailProtectionMaxCrashes="10""#)
    );
    let interval = setting("rapid-fail-protection-interval");
    assert_eq!(interval.get("rapid-fail-protection-interval-minutes"), Some("5"));
    assert_eq!(interval.get("basis"), Some("schema default"));
    assert_eq!(interval.line, line_of(WSUS_SITE, r#"<add name="WsusPool""#));
    let recycle = setting("recycle-time");
    assert_eq!(recycle.get("recycle-time-minutes"), Some("0"));
    let idle = setting("idle-timeout");
    assert_eq!(
        (idle.get("idle-timeout"), idle.get("idle-timeout-minutes")),
        (Some("00:00:00"), Some("0"))
    );
    assert_eq!(setting("pinging-enabled").get("pinging-enabled"), Some("false"));
    assert_eq!(setting("queue-length").get("queue-length"), Some("2000"));
    assert_eq!(setting("recycle-schedule").get("recycle-schedule"), Some("03:00:00"));
    // identityType is explicit on WsusPool; DefaultAppPool takes the defaults' value.
    assert_eq!(setting("identity-type").get("identity-type"), Some("NetworkService"));
    let default_identity = one(
        &rows,
        &[
            ("fact", "app-pool"),
            ("pool", "DefaultAppPool"),
            ("setting", "identity-type"),
        ],
    );
    assert_eq!(default_identity.get("identity-type"), Some("ApplicationPoolIdentity"));
    assert_eq!(
        default_identity.line,
        line_of(WSUS_SITE, r#"<processModel identityType="ApplicationPoolIdentity""#)
    );
    // Every pool gets every setting: 16 each, plus WsusPool's schedule.
    assert_eq!(find(&rows, &[("fact", "app-pool")]).len(), 16 * 2 + 1);
    let version = one(&rows, &[("fact", "aspnet-version"), ("wsus-vdir", "ClientWebService")]);
    assert_eq!(
        (version.get("runtime-version"), version.get("pipeline-mode")),
        (Some("v4.0"), Some("Integrated"))
    );
    assert_eq!(version.line, line_of(WSUS_SITE, r#"<add name="WsusPool""#));
}

#[test]
fn duplicate_mime_map_below_the_server_level() {
    let (rows, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    let wims = find(&rows, &[("fact", "mime-map"), ("extension", ".wim")]);
    assert_eq!(wims.len(), 2);
    let server = wims.iter().find(|r| r.get("scope") == Some("server level")).unwrap();
    let lower = wims
        .iter()
        .find(|r| r.get("scope") == Some("location WSUS Administration/ApiRemoting30"))
        .unwrap();
    assert_eq!(server.get("duplicate"), Some("false"));
    assert_eq!(lower.get("duplicate"), Some("true"));
    assert_eq!(
        lower.get("duplicate-of"),
        Some(format!("line {}", server.line).as_str())
    );
    assert_eq!(lower.get("wsus-vdir"), Some("ApiRemoting30"));
    assert!(lower.line > server.line);
    let msu = one(
        &rows,
        &[
            ("fact", "mime-map"),
            ("extension", ".msu"),
            ("action", "add"),
            ("scope", "location WSUS Administration/ApiRemoting30"),
        ],
    );
    assert_eq!(
        (msu.get("duplicate"), msu.get("removed-before")),
        (Some("false"), Some("true"))
    );
    let scheme = one(&rows, &[("fact", "compression-scheme"), ("name", "xpress")]);
    assert_eq!(
        scheme.get("dll"),
        Some(r"C:\Program Files\Update Services\WebServices\suscomp.dll")
    );
    assert_eq!(scheme.get("do-dynamic-compression"), Some("true"));
    assert_eq!(scheme.line, line_of(WSUS_SITE, "suscomp.dll"));
}

#[test]
fn crlf_bom_and_utf16_give_the_same_facts_and_lines() {
    let crlf = WSUS_SITE.replace('\n', "\r\n");
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(crlf.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(crlf.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let (reference, _) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        WSUS_SITE.as_bytes(),
    );
    for bytes in [crlf.into_bytes(), bom, utf16] {
        let (rows, outcome) = parse(FileKind::IisApplicationhostConfig, "applicationHost.config", &bytes);
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(rows.len(), reference.len());
        for (a, b) in rows.iter().zip(&reference) {
            assert_eq!((a.line, &a.text, &a.fields), (b.line, &b.text, &b.fields));
        }
    }
}

/// WSUS installed into "Default Web Site" (80/443) with a host-header binding, WsusPool with no
/// explicit setting at all, and the iis-docs `<access sslFlags="ssl">` sample left unclosed.
const DEFAULT_SITE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<configuration>
    <system.applicationHost>
        <applicationPools>
            <add name="WsusPool" />
        </applicationPools>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" />
                    <virtualDirectory path="/Content" physicalPath="\\fileserver\WsusContent" userName="CONTOSO\wsuscontent" password="[enc:IISWASOnlyAesProvider:c29tZXRoaW5n:enc]" />
                </application>
                <application path="/ClientWebService" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\WebServices\ClientWebService" />
                </application>
                <application path="/Selfupdate" applicationPool="WsusPool">
                    <virtualDirectory path="/" physicalPath="C:\Program Files\Update Services\SelfUpdate" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="192.168.0.10:80:intranet.contoso.com" />
                    <binding protocol="https" bindingInformation="*:443:" />
                    <binding protocol="net.tcp" bindingInformation="808:*" />
                </bindings>
            </site>
        </sites>
    </system.applicationHost>
    <location path="Default Web Site/Content">
        <system.webServer>
            <security>
                <access sslFlags="ssl">
                <authentication>
                    <basicAuthentication enabled="true" />
                </authentication>
            </security>
        </system.webServer>
    </location>
</configuration>
"#;

#[test]
fn wsus_in_the_default_web_site() {
    let (rows, outcome) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        DEFAULT_SITE.as_bytes(),
    );
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    assert_eq!(
        outcome.problems[0].line,
        Some(line_of(DEFAULT_SITE, r#"<access sslFlags="ssl">"#))
    );
    let site = one(&rows, &[("fact", "site")]);
    assert_eq!(
        (site.get("site"), site.get("wsus-site")),
        (Some("Default Web Site"), Some("true"))
    );
    let host = one(&rows, &[("fact", "binding"), ("protocol", "http")]);
    assert_eq!(
        (host.get("ip"), host.get("port"), host.get("host")),
        (Some("192.168.0.10"), Some("80"), Some("intranet.contoso.com"))
    );
    let tcp = one(&rows, &[("fact", "binding"), ("protocol", "net.tcp")]);
    assert_eq!((tcp.get("binding-information"), tcp.get("port")), (Some("808:*"), None));
    // The unclosed <access> still counts, and the authentication inside the same <security> too.
    let ssl = one(&rows, &[("fact", "ssl-flags"), ("wsus-vdir", "Content")]);
    assert_eq!((ssl.get("require-ssl"), ssl.get("value")), (Some("true"), Some("ssl")));
    let auth = one(&rows, &[("fact", "vdir-auth"), ("wsus-vdir", "Content")]);
    assert_eq!((auth.get("anonymous"), auth.get("basic")), (Some("true"), Some("true")));
    assert_eq!(auth.get("basis"), Some("schema default"));
    assert_eq!(auth.line, line_of(DEFAULT_SITE, r"\\fileserver\WsusContent"));
    assert_eq!(
        auth.get("basic-line"),
        Some(line_of(DEFAULT_SITE, "basicAuthentication").to_string().as_str())
    );
    let selfupdate = one(&rows, &[("fact", "vdir"), ("wsus-vdir", "SelfUpdate")]);
    assert_eq!(selfupdate.get("vdir"), Some("/Selfupdate"));
    // WsusPool sets nothing: every value is the schema default, cited at its <add>.
    let pool_line = line_of(DEFAULT_SITE, r#"<add name="WsusPool" />"#);
    let pool = find(&rows, &[("fact", "app-pool"), ("pool", "WsusPool")]);
    assert_eq!(pool.len(), 16);
    assert!(
        pool.iter()
            .all(|r| r.line == pool_line && r.get("basis") == Some("schema default"))
    );
    let memory = one(&rows, &[("fact", "app-pool"), ("setting", "private-memory-kb")]);
    assert_eq!(memory.get("private-memory-kb"), Some("0"));
    assert_eq!(
        one(&rows, &[("fact", "app-pool"), ("setting", "queue-length")]).get("value"),
        Some("1000")
    );
    // The root application has no applicationPool and no defaults: DefaultAppPool, not defined here.
    let root = one(&rows, &[("fact", "aspnet-version"), ("vdir", "/")]);
    assert_eq!(
        (root.get("pool"), root.get("runtime-version")),
        (Some("DefaultAppPool"), None)
    );
}

#[test]
fn truncated_file_yields_what_was_read() {
    let cut = WSUS_SITE.find(r#"<application path="/SimpleAuthWebService""#).unwrap() + 30;
    let (rows, outcome) = parse(
        FileKind::IisApplicationhostConfig,
        "applicationHost.config",
        &WSUS_SITE.as_bytes()[..cut],
    );
    assert!(
        outcome.problems.iter().any(|p| p.message.contains("truncated")),
        "{:?}",
        outcome.problems
    );
    assert_eq!(
        one(
            &rows,
            &[
                ("fact", "app-pool"),
                ("pool", "WsusPool"),
                ("setting", "private-memory-kb")
            ]
        )
        .get("value"),
        Some("1843200")
    );
    assert!(!find(&rows, &[("fact", "vdir"), ("wsus-vdir", "ClientWebService")]).is_empty());
    assert!(find(&rows, &[("fact", "vdir"), ("wsus-vdir", "ReportingWebService")]).is_empty());
    // The location blocks are cut off: Content falls back to the schema default, still cited.
    let content = one(&rows, &[("fact", "vdir-auth"), ("wsus-vdir", "Content")]);
    assert_eq!(content.get("basis"), Some("schema default"));
}

#[test]
fn garbage_and_empty_input_never_panic() {
    for bytes in [
        &b""[..],
        b"\x00\x00\x00",
        b"not xml at all",
        b"<configuration",
        b"<<<>>>&&&",
        b"<a b='1' b='2'/>",
    ] {
        for kind in [
            FileKind::IisApplicationhostConfig,
            FileKind::AspnetWebConfig,
            FileKind::IisMetabase,
        ] {
            let (rows, outcome) = parse(kind, "x.config", bytes);
            assert!(
                rows.is_empty() || kind == FileKind::AspnetWebConfig,
                "{kind:?} {bytes:?}: {rows:?}"
            );
            assert!(
                !outcome.problems.is_empty(),
                "{kind:?} {bytes:?}: a problem must say nothing was read"
            );
        }
    }
}

/// ClientWebService's web.config with the WSUS tuning keys, ASP.NET impersonation switched on
/// (the 500.24 cause) and UUP MIME maps added without removing the server-level ones first.
const CLIENT_WEB_CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="maxInstalledPrerequisites" value="400" />
    <add key="maxCachedUpdates" value="44000" />
    <add key="maxUpdatesPerRequest" value="100" />
  </appSettings>
  <system.web>
    <identity impersonate="true" />
    <httpRuntime maxRequestLength="4096" executionTimeout="3600" />
    <compilation debug="false" />
  </system.web>
  <system.webServer>
    <validation validateIntegratedModeConfiguration="false" />
    <staticContent>
      <mimeMap fileExtension=".wim" mimeType="application/x-ms-wim" />
      <remove fileExtension=".msu" />
      <mimeMap fileExtension=".msu" mimeType="application/octet-stream" />
    </staticContent>
    <security>
      <authentication>
        <windowsAuthentication enabled="true" />
      </authentication>
    </security>
  </system.webServer>
</configuration>
"#;

#[test]
fn client_web_service_web_config() {
    let path = "Server/Update Services/WebServices/ClientWebService/web.config";
    let (rows, outcome) = parse(FileKind::AspnetWebConfig, path, CLIENT_WEB_CONFIG.as_bytes());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let prereq = one(&rows, &[("fact", "app-setting"), ("key", "maxInstalledPrerequisites")]);
    assert_eq!((prereq.get("value"), prereq.get("action")), (Some("400"), Some("add")));
    assert_eq!(prereq.get("wsus-vdir"), Some("ClientWebService"));
    assert_eq!(prereq.get("vdir"), Some("/ClientWebService"));
    assert_eq!(prereq.get("scope"), Some("web.config"));
    assert_eq!(prereq.line, line_of(CLIENT_WEB_CONFIG, "maxInstalledPrerequisites"));
    assert_eq!(
        one(&rows, &[("fact", "app-setting"), ("key", "maxCachedUpdates")]).get("value"),
        Some("44000")
    );
    let impersonation = one(&rows, &[("fact", "impersonation")]);
    assert_eq!(
        (impersonation.get("impersonate"), impersonation.get("basis")),
        (Some("true"), Some("explicit"))
    );
    assert_eq!(impersonation.line, line_of(CLIENT_WEB_CONFIG, "impersonate="));
    let validation = one(&rows, &[("fact", "integrated-mode-validation")]);
    assert_eq!(validation.get("validate"), Some("false"));
    let wim = one(&rows, &[("fact", "mime-map"), ("extension", ".wim")]);
    assert_eq!(
        (wim.get("removed-before"), wim.get("duplicate")),
        (Some("false"), Some("false"))
    );
    let msu = one(&rows, &[("fact", "mime-map"), ("extension", ".msu"), ("action", "add")]);
    assert_eq!(msu.get("removed-before"), Some("true"));
    // Only what the file sets: Windows on, anonymous not stated (it comes from applicationHost.config).
    let auth = one(&rows, &[("fact", "vdir-auth")]);
    assert_eq!(
        (auth.get("windows"), auth.get("anonymous"), auth.get("basic")),
        (Some("true"), None, None)
    );
    assert_eq!(auth.line, line_of(CLIENT_WEB_CONFIG, "windowsAuthentication"));
    assert!(
        find(&rows, &[("fact", "ssl-flags")]).is_empty(),
        "no SSL flags set, none assumed"
    );
}

#[test]
fn encrypted_app_settings_are_a_located_problem() {
    let text = "<configuration>\r\n  <appSettings configProtectionProvider=\"RsaProtectedConfigurationProvider\">\r\n    <EncryptedData Type=\"http://www.w3.org/2001/04/xmlenc#Element\" />\r\n  </appSettings>\r\n  <system.web><identity /></system.web>\r\n</configuration>\r\n";
    let (rows, outcome) = parse(FileKind::AspnetWebConfig, "site/web.config", text.as_bytes());
    assert_eq!(outcome.problems.len(), 1);
    assert_eq!(outcome.problems[0].line, Some(2));
    let identity = one(&rows, &[("fact", "impersonation")]);
    assert_eq!(
        (identity.get("impersonate"), identity.get("basis"), identity.line),
        (Some("false"), Some("schema default"), 5)
    );
    assert_eq!(identity.get("directory"), Some("site"));
    assert_eq!(identity.get("vdir"), None);
}

/// IIS 6 metabase of a WSUS 2.0 server in the Default Web Site (site 1): AuthFlags set on the web
/// service and ROOT and inherited by the vdirs, Content left with Integrated Windows only, WSUSAdmin
/// remapped to ASP.NET 2.0, an IPSecurity blob on the site, SSL flags wrapped inside the quotes.
const METABASE: &str = "<?xml version =\"1.0\"?>
<configuration xmlns=\"urn:microsoft-catalog:XML_Metabase_V64_0\">
<MBProperty>
<IIsWebService\tLocation =\"/LM/W3SVC\"
\t\tAppPoolId=\"DefaultAppPool\"
\t\tAuthFlags=\"AuthAnonymous\"
\t\tScriptMaps=\".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE
\t\t\t.asmx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v1.1.4322\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG
\t\t\t.aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v1.1.4322\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG\"
\t>
</IIsWebService>
<IIsApplicationPools\tLocation =\"/LM/W3SVC/AppPools\"
\t\tAppPoolQueueLength=\"1000\"
\t\tIdleTimeout=\"20\"
\t\tPeriodicRestartTime=\"1740\"
\t>
</IIsApplicationPools>
<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/WsusPool\"
\t\tAppPoolIdentityType=\"2\"
\t\tPeriodicRestartPrivateMemory=\"1843200\"
\t\tRapidFailProtection=\"FALSE\"
\t>
</IIsApplicationPool>
<IIsWebServer\tLocation =\"/LM/W3SVC/1\"
\t\tIPSecurity=\"0102000200000180340000003800000001000000000000004c00000000000000\"
\t\tSSLCertHash=\"40da7e6686d698efae7172220f4da438025dfeea\"
\t\tSecureBindings=\":443:\"
\t\tServerAutoStart=\"TRUE\"
\t\tServerBindings=\":80:
\t\t\t:80:wsus.contoso.com\"
\t\tServerComment=\"Default Web Site\"
\t>
</IIsWebServer>
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT\"
\t\tAccessFlags=\"AccessRead | AccessScript\"
\t\tAppRoot=\"/LM/W3SVC/1/ROOT\"
\t\tAuthFlags=\"AuthAnonymous | AuthNTLM\"
\t\tPath=\"c:\\inetpub\\wwwroot\"
\t>
</IIsWebVirtualDir>
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/ClientWebService\"
\t\tAccessFlags=\"AccessRead | AccessScript\"
\t\tAppPoolId=\"WsusPool\"
\t\tPath=\"C:\\Program Files\\Update Services\\WebServices\\ClientWebService\"
\t>
</IIsWebVirtualDir>
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/Content\"
\t\tAccessFlags=\"AccessRead\"
\t\tAuthFlags=\"AuthNTLM\"
\t\tMimeMap=\".psf,application/octet-stream
\t\t\t.cab,application/vnd.ms-cab-compressed
\t\t\t.PSF,application/octet-stream\"
\t\tPath=\"E:\\WSUS\\WsusContent\"
\t>
</IIsWebVirtualDir>
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/Selfupdate\"
\t\tAccessSSLFlags=\"AccessSSL | 
\t\tAccessSSLNegotiateCert\"
\t\tAuthFlags=\"0\"
\t\tPath=\"C:\\Program Files\\Update Services\\SelfUpdate\"
\t>
</IIsWebVirtualDir>
<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/1/ROOT/WSUSAdmin\"
\t\tAppPoolId=\"WsusPool\"
\t\tAuthFlags=\"AuthNTLM\"
\t\tPath=\"C:\\Program Files\\Update Services\\Administration\"
\t\tScriptMaps=\".asmx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG
\t\t\t.aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG\"
\t>
</IIsWebVirtualDir>
<IIsCompressionScheme\tLocation =\"/LM/W3SVC/Filters/Compression/xpress\"
\t\tHcCompressionDll=\"C:\\Program Files\\Update Services\\WebServices\\suscomp.dll\"
\t\tHcDoDynamicCompression=\"TRUE\"
\t\tHcDoStaticCompression=\"FALSE\"
\t\tHcDynamicCompressionLevel=\"0\"
\t\tHcFileExtensions=\"asmx\"
\t>
</IIsCompressionScheme>
</MBProperty>
</configuration>
";

#[test]
fn metabase_auth_flags_inherit_down_to_the_vdirs() {
    let text = METABASE.replace('\n', "\r\n");
    let (rows, outcome) = parse(FileKind::IisMetabase, "MetaBase.xml", text.as_bytes());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let auth = |vdir: &str| one(&rows, &[("fact", "vdir-auth"), ("vdir", vdir)]).clone();
    let content = auth("/Content");
    assert_eq!(
        (content.get("anonymous"), content.get("windows")),
        (Some("false"), Some("true"))
    );
    assert_eq!(
        (content.get("basis"), content.get("source")),
        (Some("explicit"), Some("key /LM/W3SVC/1/ROOT/Content"))
    );
    assert_eq!(content.get("site"), Some("Default Web Site"));
    assert_eq!(content.get("wsus-site"), Some("true"));
    // Content's AuthFlags is the line just before its MimeMap.
    assert_eq!(content.line, line_of(METABASE, "MimeMap=\".psf") - 1);
    assert_eq!(content.text, "\t\tAuthFlags=\"AuthNTLM\"");
    // ClientWebService sets nothing: ROOT's flags apply.
    let cws = auth("/ClientWebService");
    assert_eq!((cws.get("anonymous"), cws.get("windows")), (Some("true"), Some("true")));
    assert_eq!(
        (cws.get("basis"), cws.get("source")),
        (Some("inherited"), Some("key /LM/W3SVC/1/ROOT"))
    );
    assert_eq!(cws.line, line_of(METABASE, "AuthAnonymous | AuthNTLM"));
    assert_eq!(cws.get("auth-flags"), Some("AuthAnonymous | AuthNTLM"));
    // AuthFlags="0": nothing enabled.
    let selfupdate = auth("/Selfupdate");
    assert_eq!(
        (
            selfupdate.get("anonymous"),
            selfupdate.get("windows"),
            selfupdate.get("wsus-vdir")
        ),
        (Some("false"), Some("false"), Some("SelfUpdate"))
    );
    let vdir = one(&rows, &[("fact", "vdir"), ("wsus-vdir", "Content")]);
    assert_eq!(
        (vdir.get("physical-path"), vdir.get("app-pool")),
        (Some(r"E:\WSUS\WsusContent"), Some("DefaultAppPool"))
    );
    assert_eq!(
        one(&rows, &[("fact", "vdir"), ("wsus-vdir", "WSUSAdmin")]).get("app-pool"),
        Some("WsusPool")
    );
}

#[test]
fn metabase_bindings_ssl_ip_and_aspnet() {
    let (rows, _) = parse(FileKind::IisMetabase, "MetaBase.xml", METABASE.as_bytes());
    let bindings = find(&rows, &[("fact", "binding"), ("site-id", "1")]);
    assert_eq!(bindings.len(), 3);
    let host = one(&rows, &[("fact", "binding"), ("host", "wsus.contoso.com")]);
    assert_eq!((host.get("port"), host.get("protocol")), (Some("80"), Some("http")));
    assert_eq!(host.line, line_of(METABASE, ":80:wsus.contoso.com"));
    assert_eq!(
        one(&rows, &[("fact", "binding"), ("protocol", "https")]).get("port"),
        Some("443")
    );
    let ssl = one(&rows, &[("fact", "ssl-flags"), ("wsus-vdir", "SelfUpdate")]);
    assert_eq!(
        (ssl.get("require-ssl"), ssl.get("client-certificates")),
        (Some("true"), Some("accept"))
    );
    assert_eq!(ssl.get("value"), Some("AccessSSL | AccessSSLNegotiateCert"));
    assert_eq!(ssl.line, line_of(METABASE, "AccessSSLFlags"));
    let none = one(&rows, &[("fact", "ssl-flags"), ("wsus-vdir", "Content")]);
    assert_eq!(
        (none.get("require-ssl"), none.get("basis")),
        (Some("false"), Some("schema default"))
    );
    // IPSecurity on the site applies to every vdir below it.
    let ips = find(&rows, &[("fact", "ip-restriction")]);
    assert_eq!(ips.len(), 5);
    assert!(
        ips.iter()
            .all(|r| r.get("decoded") == Some("false") && r.line == line_of(METABASE, "IPSecurity="))
    );
    assert_eq!(
        one(&rows, &[("fact", "ip-restriction"), ("vdir", "/")]).get("basis"),
        Some("inherited")
    );
    let admin = one(&rows, &[("fact", "aspnet-version"), ("wsus-vdir", "WSUSAdmin")]);
    assert_eq!(
        (admin.get("runtime-version"), admin.get("basis")),
        (Some("v2.0.50727"), Some("explicit"))
    );
    assert_eq!(
        admin.line,
        line_of(METABASE, r".asmx,C:\WINDOWS\Microsoft.NET\Framework\v2.0.50727")
    );
    let cws = one(&rows, &[("fact", "aspnet-version"), ("wsus-vdir", "ClientWebService")]);
    assert_eq!(
        (cws.get("runtime-version"), cws.get("source")),
        (Some("v1.1.4322"), Some("key /LM/W3SVC"))
    );
    assert_eq!(
        cws.line,
        line_of(METABASE, r".asmx,C:\WINDOWS\Microsoft.NET\Framework\v1.1.4322")
    );
}

#[test]
fn metabase_pool_mime_and_compression() {
    let (rows, _) = parse(FileKind::IisMetabase, "MetaBase.xml", METABASE.as_bytes());
    let setting = |name: &str| one(&rows, &[("fact", "app-pool"), ("pool", "WsusPool"), ("setting", name)]).clone();
    let memory = setting("private-memory-kb");
    assert_eq!(
        (memory.get("value"), memory.line),
        (Some("1843200"), line_of(METABASE, "PeriodicRestartPrivateMemory"))
    );
    assert_eq!(setting("rapid-fail-protection").get("value"), Some("false"));
    assert_eq!(setting("identity-type").get("identity-type"), Some("NetworkService"));
    let recycle = setting("recycle-time");
    assert_eq!(
        (recycle.get("recycle-time-minutes"), recycle.get("recycle-time")),
        (Some("1740"), Some("29:00:00"))
    );
    assert_eq!(
        (recycle.get("basis"), recycle.get("source")),
        (Some("inherited"), Some("key /LM/W3SVC/AppPools"))
    );
    let crashes = setting("rapid-fail-protection-max-crashes");
    assert_eq!(
        (crashes.get("value"), crashes.get("basis")),
        (Some("5"), Some("schema default"))
    );
    assert_eq!(crashes.line, line_of(METABASE, "/LM/W3SVC/AppPools/WsusPool"));
    let psf = find(&rows, &[("fact", "mime-map")]);
    assert_eq!(psf.len(), 3);
    assert_eq!(psf[2].get("duplicate"), Some("true"));
    assert_eq!(
        psf[2].get("duplicate-of"),
        Some(format!("line {}", psf[0].line).as_str())
    );
    assert_eq!(psf[1].line, line_of(METABASE, ".cab,application/vnd.ms-cab-compressed"));
    let xpress = one(&rows, &[("fact", "compression-scheme")]);
    assert_eq!(
        (xpress.get("name"), xpress.get("do-dynamic-compression")),
        (Some("xpress"), Some("true"))
    );
    assert_eq!(xpress.line, line_of(METABASE, "suscomp.dll"));
}

#[test]
fn metabase_bad_flags_and_truncation_are_located() {
    let bad = METABASE.replace(
        "AuthFlags=\"AuthNTLM\"\n\t\tMimeMap",
        "AuthFlags=\"AuthNTLM | AuthKerberos\"\n\t\tMimeMap",
    );
    let (rows, outcome) = parse(FileKind::IisMetabase, "MetaBase.xml", bad.as_bytes());
    assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
    assert_eq!(outcome.problems[0].line, Some(line_of(&bad, "AuthKerberos")));
    assert_eq!(
        one(&rows, &[("fact", "vdir-auth"), ("vdir", "/Content")]).get("windows"),
        Some("true")
    );
    let cut = METABASE.find("/LM/W3SVC/1/ROOT/Selfupdate").unwrap();
    let (rows, outcome) = parse(FileKind::IisMetabase, "MetaBase.xml", &METABASE.as_bytes()[..cut]);
    assert!(!outcome.problems.is_empty());
    assert_eq!(
        one(&rows, &[("fact", "vdir-auth"), ("vdir", "/Content")]).get("anonymous"),
        Some("false")
    );
    assert!(find(&rows, &[("fact", "vdir"), ("wsus-vdir", "WSUSAdmin")]).is_empty());
}
