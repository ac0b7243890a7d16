//! The `wsus-triage` binary: a thin shell over the library (see `cli`).

mod cli;
#[cfg(test)]
mod testing;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Parsers run under catch_unwind and turn a panic into a problem of the file; the default hook
    // would print over the report for those. Anywhere else a panic is a bug and says so.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !wsus_triage::pipeline::is_parsing() || std::env::var_os("RUST_BACKTRACE").is_some() {
            default_hook(info);
        }
    }));
    let cli = cli::args::Cli::parse();
    cli::run(cli)
}
