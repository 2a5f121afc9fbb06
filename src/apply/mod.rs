//! The executor (spec §5): turns a plan into a graph of dependent steps ([`steps`]) and runs it
//! ([`run`]) in parallel, never letting the server see a dangling parent or a cycle, skipping
//! only what depends on a failure. A group's members and permissions (spec §11) are steps too,
//! batched across groups where the API allows ([`grants`]).

mod cancel;
mod execute;
pub mod grants;
mod report;
mod request;
mod steps;

pub use cancel::{Cancel, Interrupt};
pub use execute::{Progress, Target, operations, run};
pub use report::{AccessDone, ChangeReport, Operation, Outcome, Report};
pub use request::{Request, Step};
pub use steps::steps;

#[cfg(test)]
mod tests;
