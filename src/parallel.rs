//! Running two pieces of CPU work at once on the machine's cores, without a thread pool.

use std::sync::{Mutex, PoisonError};

/// Runs `beside` on a thread of its own while `here` runs on this one, and returns both
/// results. When no thread can be started, runs them one after the other. A panic in either
/// is passed on, as if both had run here.
pub(crate) fn join<A: Send, B>(
    beside: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (A, B) {
    // The work waits in a slot: the thread takes it, or this thread does when none started.
    let slot = Mutex::new(Some(beside));
    let run = || {
        let work = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        work.map(|f| f())
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("gdgroups-work".into())
            .spawn_scoped(scope, run);
        let b = here();
        let a = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(),
        };
        (a.expect("the slot held the work once"), b)
    })
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn both_results_come_back() {
        let text = String::from("abc");
        let (a, b) = join(|| text.len(), || text.to_uppercase());
        assert_eq!((a, b.as_str()), (3, "ABC"));
    }

    #[test]
    #[should_panic(expected = "inside")]
    fn a_panic_on_the_thread_is_passed_on() {
        let fail = |n: u32| -> u32 { if n > 0 { panic!("inside") } else { n } };
        let _ = join(|| fail(1), || 1);
    }
}
