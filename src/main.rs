//! The `plgsim` command. Parsing and dispatch live in `cli`; the work is in
//! the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
