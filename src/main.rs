//! The `chokepoint` command line: a thin layer over the library.
//!
//! Exit codes: 0 success; 1 a run failed (I/O, or a target not met); 2 bad input
//! (usage errors, invalid scenario files); 70 an internal error (a panic: a bug);
//! 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM. An interrupted or failed command
//! leaves its output folder as it was (`chokepoint::staging`).

mod cli;

use std::process::ExitCode;

/// Exit code of an internal error (a panic), as `EX_SOFTWARE` of sysexits.h.
const EXIT_INTERNAL: i32 = 70;

fn main() -> ExitCode {
    restore_sigpipe();
    install_panic_hook();
    install_signal_handlers();
    cli::main()
}

/// Turns any panic into "internal error, please report" with exit code 70, after
/// removing the staging folders and temporary files in flight, so that a panic is never
/// mistaken for success nor leaves a half-written folder.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "internal error: {msg}{at}\n\
             This is a bug in chokepoint {}, not a problem with your input; please report it \
             with the command line and the scenario file. No output folder was changed.",
            env!("CARGO_PKG_VERSION")
        );
        chokepoint::staging::abort_cleanup();
        std::process::exit(EXIT_INTERNAL);
    }));
}

/// SIGINT and SIGTERM end the process cleanly: a watcher thread removes the staging
/// folders and temporary files in flight (an output folder being replaced stays whole:
/// a swap under way finishes first) and exits with 128 + the signal number (130, 143).
#[cfg(unix)]
fn install_signal_handlers() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // the default handlers stay: still no half-written folder is swapped in
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            chokepoint::staging::abort_cleanup();
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            eprintln!("\ninterrupted ({name}); output folders were left as they were");
            std::process::exit(128 + sig);
        }
    });
}

#[cfg(not(unix))]
fn install_signal_handlers() {}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`chokepoint run | head`) would
/// panic; restore the default so the process ends quietly, as command-line tools do.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called once at start, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
