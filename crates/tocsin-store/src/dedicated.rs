//! Tasks that run on a thread of their own.

use std::future::Future;

/// Runs `task` to completion on a new thread with a single-threaded Tokio runtime of its own;
/// the thread ends with the task.
pub(crate) fn spawn<F>(name: &str, task: F) -> std::thread::JoinHandle<()>
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
        .expect("a thread for a store task")
}

/// Runs blocking `work` from async code: on a multi-threaded runtime, telling it to move its
/// other tasks off this thread meanwhile; on a single-threaded one (or none), in place.
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}
