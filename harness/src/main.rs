//! `harness run` plays Gherkin scenarios; `harness check` runs the fault catalog against a
//! relying party.

use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "harness", version, about)]
enum Command {
    /// Run Gherkin scenarios (all of `features/` when no path is given).
    Run(harness::scenario::RunArgs),
    /// Run the fault catalog against a relying party and report per fault and flow.
    Check(harness::check::CheckArgs),
}

// The binary's failure message is for the person at the terminal, not for a log collector.
#[allow(clippy::print_stderr)]
#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match Command::parse() {
        Command::Run(args) => harness::scenario::run(args).await,
        Command::Check(args) => harness::check::run(args).await,
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("harness: {e:#}");
            ExitCode::from(2)
        }
    }
}
