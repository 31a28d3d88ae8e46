//! Calibration to a company's own history: [`history`] reads and checks a
//! `history.csv` against a scenario, [`abc`] learns the scenario's
//! uncertain inputs from it, [`output`] writes the posterior and the fitted
//! scenario, [`predict`] runs the fitted scenario against the history and
//! backtests the fit (docs/fit.md).

pub mod abc;
pub mod history;
pub mod output;
pub mod predict;
