//! The executor (spec §5): turns a plan into a graph of dependent steps ([`steps`]) and runs it
//! ([`run`]) in parallel, never letting the server see a dangling parent or a cycle, skipping
//! only what depends on a failure.

mod cancel;
mod execute;
mod report;
mod steps;

pub use cancel::{Cancel, Interrupt};
pub use execute::{Progress, Target, run};
pub use report::{ChangeReport, Outcome, Report};
pub use steps::{Request, Step, steps};

#[cfg(test)]
mod tests;
