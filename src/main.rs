//! The `creditsim` command line: parses arguments and calls the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_injected_crashes();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(cli::exit_code_of(&err))
        }
    }
}

/// Injected account crashes are panics by design (the supervisor restarts the actor); keep
/// them off stderr, and leave every other panic to the default hook.
fn quiet_injected_crashes() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !message.starts_with(creditsim::backends::INJECTED_CRASH) {
            default_hook(info);
        }
    }));
}
