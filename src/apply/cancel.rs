//! Ctrl-C as the executor sees it, shared with the signal handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// Ctrl-C as the executor sees it: once cancelled, no new step starts. It also tells the signal
/// handler whether any write may be in flight, so an interrupt before the first write can stop
/// at once (nothing to finish) while one during the writes lets them finish.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicU8>);

/// The states of a [`Cancel`]; one atomic, so an interrupt and the start of the writes cannot
/// both believe they came first.
const IDLE: u8 = 0;
const WRITING: u8 = 1;
const CANCELLED: u8 = 2;

/// What an interrupt found, and so what the process should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// No write had started (and now none will): stop at once.
    BeforeWrites,
    /// Writes are running: let them finish, start nothing new, report.
    DuringWrites,
    /// Already cancelled once: the user does not want to wait.
    Again,
}

impl Cancel {
    /// Asks the run to stop starting new steps.
    pub fn cancel(&self) {
        self.0.store(CANCELLED, Ordering::SeqCst);
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst) == CANCELLED
    }

    /// Cancels, and says what was going on at that moment.
    pub fn interrupt(&self) -> Interrupt {
        match self.0.swap(CANCELLED, Ordering::SeqCst) {
            IDLE => Interrupt::BeforeWrites,
            WRITING => Interrupt::DuringWrites,
            _ => Interrupt::Again,
        }
    }

    /// Marks the start of the writes. When cancelled already it stays cancelled, and the run
    /// starts nothing.
    pub(super) fn begin_writes(&self) {
        let _ = self
            .0
            .compare_exchange(IDLE, WRITING, Ordering::SeqCst, Ordering::SeqCst);
    }
}
