//! The integration test binary (one binary: faster to build and link), one
//! module per area.
//!
//! Statistical tests compare Monte Carlo means with closed forms; their
//! tolerance is a multiple of the standard error measured across runs
//! (see `util::assert_close`), never a constant picked to pass.

mod bad_input;
mod bounded;
mod cli;
mod closed_forms;
mod decide;
mod engines;
mod finance;
mod fit;
mod funnel;
mod fuzz;
mod invariants;
mod mechanics;
mod render;
mod safety;
mod scenarios;
mod teaching;
mod time_step;
mod util;
mod whatif;
