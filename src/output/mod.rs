//! Exporters and the one place that writes files.
//!
//! Exporters are pure: they turn results into bytes ([`OutputFile`]), one
//! module per command (`run`, `sweep`, `compare`, `sensitivity`). JSON
//! documents are typed `Serialize` structs whose field order is the file's
//! key order; CSV rows go through [`CsvFile`]; every figure is written by
//! [`cell`] (CSV) or [`finite`] (JSON), so undefined is empty or null.
//! [`write_folder`] writes a set of files into a folder completely or not at
//! all: everything goes into a fresh sibling folder first, which then replaces
//! the target by rename, so a failed or interrupted run never leaves a
//! half-written folder or destroys an earlier run's results.

mod compare;
mod csv_file;
pub(crate) mod number;
#[cfg(feature = "optimize")]
mod optimize;
mod run;
mod sensitivity;
mod sweep;
mod target;
mod write;
#[cfg(feature = "xlsx")]
mod xlsx;

pub use compare::{compare_csv, compare_json};
pub use csv_file::{CsvFile, safe_cell};
pub use number::{SIGNIFICANT_DIGITS, cell, finite, rounded};
#[cfg(feature = "optimize")]
pub use optimize::{optimize_csv, optimize_json};
pub use run::{
    MAX_PATH_ROWS, PATHS_GZIP_BYTES, WIDE_PERCENTILES, monthly_csv, monthly_wide_csv, paths_file, runs_csv,
    summary_json,
};
#[cfg(feature = "xlsx")]
pub use rust_xlsxwriter::XlsxError;
pub use sensitivity::{sensitivity_csv, sensitivity_json};
pub use sweep::{sweep_csv, sweep_json};
pub use target::{target_csv, target_json};
pub use write::{MARKER, OutputError, check_folder, write_folder};
#[cfg(feature = "xlsx")]
pub use xlsx::{CREATED, MAX_WORKBOOK_RUNS, compare_xlsx, results_xlsx, sensitivity_xlsx, sweep_xlsx};

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

#[cfg(test)]
mod tests;
