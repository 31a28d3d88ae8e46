//! plgsim: a product-led-growth simulator and pricing what-if modeler.
//!
//! The pipeline, as `plgsim run` drives it:
//!
//! ```text
//! scenario (TOML) -> Scenario::from_file -> engine::simulate -> summary::Summary -> output::write
//! ```
//!
//! See ARCHITECTURE.md for the map of the code and its invariants.

pub mod engine;
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

pub use engine::{Simulation, simulate};
pub use scenario::{Override, Scenario, ScenarioError};
