//! Tasks that run on a thread of their own.

use std::future::Future;

/// Runs `task` to completion on a new thread with a single-threaded Tokio runtime of its own.
pub(crate) fn spawn<F>(name: &str, task: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime for a store task");
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || runtime.block_on(task))
        .expect("a thread for a store task");
}
