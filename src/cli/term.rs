//! Terminal output that cannot panic and cannot be spoofed.
//!
//! `outln!` panics when stdout is closed (`plgsim run ... | head`) or full
//! (`> /dev/full`); everything the CLI prints goes through [`out`] instead,
//! whose failure becomes [`CliError::Stdout`] (exit 0 for a reader that
//! stopped reading, 1 for any other failure; see `main`), and through
//! [`err`], which ignores a closed stderr. Both pass the text through
//! [`plgsim::format::terminal_safe`]: names and values from a scenario
//! cannot send escape sequences to the terminal.

use std::fmt;
use std::io::{self, Write};

use plgsim::format::terminal_safe;

use super::CliError;

/// Writes to stdout.
pub fn out(args: fmt::Arguments) -> Result<(), CliError> {
    let text = args.to_string();
    io::stdout().lock().write_all(terminal_safe(&text).as_bytes()).map_err(CliError::Stdout)
}

/// Writes to stderr, ignoring failure (there is nowhere left to say it).
pub fn err(args: fmt::Arguments) {
    let text = args.to_string();
    let _ = io::stderr().lock().write_all(terminal_safe(&text).as_bytes());
}

/// Flushes stdout (what is left in its buffer when a command ends).
pub fn flush() -> Result<(), CliError> {
    io::stdout().lock().flush().map_err(CliError::Stdout)
}

/// `outln!` to stdout through [`out`]; returns early with the error.
macro_rules! outln {
    () => { $crate::cli::term::out(format_args!("\n"))? };
    ($($t:tt)*) => { $crate::cli::term::out(format_args!("{}\n", format_args!($($t)*)))? };
}

/// `errln!` through [`err`].
macro_rules! errln {
    ($($t:tt)*) => { $crate::cli::term::err(format_args!("{}\n", format_args!($($t)*))) };
}
