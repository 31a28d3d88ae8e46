//! plgsim: a product-led-growth simulator and pricing what-if modeler.
//!
//! # The library
//!
//! ```no_run
//! use plgsim::{Override, Scenario, simulate};
//! use plgsim::metrics::Horizon;
//! use plgsim::summary::Summary;
//!
//! // Load and validate (every problem at once, with key, line and column).
//! let base = Scenario::from_file("scenarios/trackly.toml".as_ref(), &[]).unwrap();
//! // A variant, validated like the file.
//! let tight = base.with_overrides(&[Override::parse("free.usage_limit=3").unwrap()]).unwrap();
//! // Simulate (in parallel on the current rayon pool), with a progress callback.
//! let sim = simulate(&tight, &|| {});
//! // Typed results, run by run or summarised across runs.
//! let arr: Vec<Option<f64>> = sim.horizon_values(Horizon::ArrFinal).collect();
//! let summary = Summary::new(&tight, &sim);
//! let files = [plgsim::output::OutputFile::new("summary.json", plgsim::output::summary_json(&summary))];
//! plgsim::output::write_folder("output/tight".as_ref(), &files).unwrap();
//! # let _ = arr;
//! ```
//!
//! - [`scenario`]: [`Scenario`] (load, validate, [`Scenario::with_overrides`]),
//!   its parameters and errors;
//! - [`engine`]: [`simulate`] and [`engine::simulate_cancellable`], the
//!   [`Simulation`] and its runs; [`engine::budget`], the work estimate;
//! - [`metrics`]: the monthly and horizon metrics by name, and the KPI
//!   formulas ([`metrics::kpi`]);
//! - [`summary`], [`stats`]: statistics across runs;
//! - [`whatif`]: sweeps, comparisons, sensitivity and `explain`;
//! - [`output`]: the exporters (bytes) and [`output::write_folder`], which
//!   never writes over files plgsim did not write;
//! - `render` (feature `charts`): charts and HTML reports.
//!
//! The dependencies point one way: CLI -> this API -> (scenario, engine,
//! whatif) -> (model, sampling, rng, metrics, stats). With
//! `--no-default-features` the library builds without the CLI and the
//! charts (for wasm32 too). See ARCHITECTURE.md for the map of the code and
//! its invariants.

#![forbid(unsafe_code)]

pub mod calendar;
pub mod engine;
pub mod fit;
pub mod format;
pub mod metrics;
pub mod output;
#[cfg(feature = "charts")]
pub mod render;
pub mod rng;
pub mod sampling;
pub mod scenario;
pub mod stats;
pub mod summary;
pub mod whatif;

pub use engine::{Cancelled, Simulation, simulate};
pub use scenario::{Override, Scenario, ScenarioError};
