//! Throughput of the IIS W3C parser on generated WSUS traffic (divan): one pass into a counting
//! sink, the chunked parallel reading of a big file, and parsing plus signature matching.
//! `cargo bench --bench iis_parse`. Timings are measured here, never asserted.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use wsus_triage::formats::chunked::Plan;
use wsus_triage::formats::{ParseInput, ParseOptions, iis_w3c};
use wsus_triage::kind::FileKind;
use wsus_triage::records::CountingSink;

fn main() {
    divan::main();
}

/// `mb` megabytes of WSUS-shaped IIS lines under one directive block.
fn iis_log(mb: usize) -> Vec<u8> {
    let mut out = String::from(
        "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-11-20 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n",
    );
    let mut n: u64 = 0;
    while out.len() < mb << 20 {
        n += 1;
        let s = n * 86_400 / (mb as u64 * 5000);
        let (method, uri, ua, status) = match n % 10 {
            0..=3 => (
                "POST",
                "/ClientWebService/client.asmx".to_string(),
                "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50",
                "200 0 0",
            ),
            4 => (
                "POST",
                "/ReportingWebService/ReportingWebService.asmx".to_string(),
                "Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.50",
                "200 0 0",
            ),
            _ => (
                "GET",
                format!(
                    "/Content/{:02X}/{:040X}.cab",
                    n % 256,
                    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 600
                ),
                "Microsoft+BITS/7.8",
                if n.is_multiple_of(101) { "401 2 5" } else { "206 0 0" },
            ),
        };
        out.push_str(&format!(
            "2024-11-20 {:02}:{:02}:{:02} 10.1.0.20 {method} {uri} - 8530 - 10.1.{}.{} {ua} - {status} {}\r\n",
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            4 + n % 16,
            1 + n % 250,
            n % 900
        ));
    }
    out.into_bytes()
}

fn input<'a>(bytes: &'a [u8], options: &'a ParseOptions) -> ParseInput<'a> {
    ParseInput {
        path: "u_ex241120.log",
        bytes,
        encoding: Some(wsus_triage::intake::decode::TextEncoding::Utf8),
        format: Some("iis-w3c"),
        options,
    }
}

#[divan::bench(sample_count = 5)]
fn one_pass_64mb(bencher: Bencher) {
    let bytes = iis_log(64);
    let options = ParseOptions::default();
    let plan = Plan {
        parallel_from: usize::MAX,
        ..Plan::default()
    };
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let mut sink = CountingSink::default();
        black_box(iis_w3c::read_with_plan(&input(&bytes, &options), &plan, &mut sink));
        sink.records
    });
}

#[divan::bench(sample_count = 5)]
fn chunked_parallel_64mb(bencher: Bencher) {
    let bytes = iis_log(64);
    let options = ParseOptions::default();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let mut sink = CountingSink::default();
        black_box(iis_w3c::parse(&input(&bytes, &options), &mut sink));
        sink.records
    });
}

#[divan::bench(sample_count = 5)]
fn parse_and_match_64mb(bencher: Bencher) {
    let bytes = iis_log(64);
    let options = ParseOptions::default();
    let engine = wsus_triage::pipeline::Engine::load(&[]).expect("embedded grammars load");
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let mut state = engine.matcher.file_state(0, FileKind::IisW3cLog);
        black_box(iis_w3c::parse(&input(&bytes, &options), &mut state));
        state.finish().stats.len()
    });
}

#[divan::bench(sample_count = 5)]
fn parse_and_match_one_pass_64mb(bencher: Bencher) {
    let bytes = iis_log(64);
    let options = ParseOptions::default();
    let engine = wsus_triage::pipeline::Engine::load(&[]).expect("embedded grammars load");
    let plan = Plan {
        parallel_from: usize::MAX,
        ..Plan::default()
    };
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let mut state = engine.matcher.file_state(0, FileKind::IisW3cLog);
        black_box(iis_w3c::read_with_plan(&input(&bytes, &options), &plan, &mut state));
        state.finish().stats.len()
    });
}
