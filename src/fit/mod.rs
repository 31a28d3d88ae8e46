//! Calibration to a company's own history (issue 11). So far the input
//! layer: [`history`] reads and checks a `history.csv` against a scenario;
//! the inference that learns the uncertain inputs from it is to come.

pub mod history;
