//! Exporters and the one place that writes files.
//!
//! Exporters are pure: they turn results into bytes ([`OutputFile`]).
//! [`write_folder`] writes a set of files into a folder completely or not at
//! all: everything goes into a fresh sibling folder first, which then replaces
//! the target by rename, so a failed or interrupted run never leaves a
//! half-written folder or destroys an earlier run's results.

mod csv_file;
mod export;
mod write;

pub use csv_file::{CsvFile, safe_cell};
pub use export::{monthly_csv, runs_csv, summary_json};
pub use write::{MARKER, OutputError, check_folder, write_folder};

/// A file to write, relative to the output folder.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> OutputFile {
        OutputFile { path: path.into(), bytes }
    }
}
