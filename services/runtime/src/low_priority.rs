//! Work that must yield the CPU to votes: run on a Tokio runtime of its own whose threads have
//! a lower scheduling priority (nice 10, Linux). While the machine has CPU to spare this
//! changes nothing; when it is saturated, votes are taken and counted first and this work
//! catches up after. The webhook dispatcher runs here: its deliveries wait in Redis, and on
//! a 2-core machine delivering each vote took as much CPU as taking it (docs/benchmarks.md).
//!
//! Nothing that holds a lock others wait for belongs here (a preempted holder would stall
//! them): the dispatcher's writes to the delivery log stay on the main runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;

/// How much lower than normal (0) the threads run: CFS then gives them about a tenth of a
/// contended core against a normal thread, never nothing.
pub const NICE: i32 = 10;

pub type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `tasks` on a low-priority runtime of `threads` threads named `name`, until all end;
/// the handle (on the caller's runtime) ends with them. The runtime is made, run and dropped
/// on a thread of its own (a runtime may not be dropped inside another's tasks). If it cannot
/// be made, or that thread cannot start, the tasks run on the caller's runtime instead, at
/// normal priority.
pub fn spawn(name: &str, threads: usize, tasks: Vec<Task>) -> JoinHandle<()> {
    let caller = tokio::runtime::Handle::current();
    // Taken by whichever runs them: the thread, or the caller if the thread never starts.
    let slot = Arc::new(Mutex::new(Some(tasks)));
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let thread_name = name.to_owned();
    let taken = slot.clone();
    let started = std::thread::Builder::new()
        .name(format!("{name}-main"))
        .spawn(move || {
            let Some(tasks) = taken.lock().ok().and_then(|mut t| t.take()) else {
                return;
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads.max(1))
                .thread_name(&thread_name)
                .on_thread_start(lower_this_thread)
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(futures_join(tasks)),
                Err(e) => {
                    tracing::warn!(error = %e, name = %thread_name, "no runtime of its own; running at normal priority");
                    caller.block_on(futures_join(tasks));
                }
            }
            let _ = done.send(());
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, name, "no thread of its own; running at normal priority");
        if let Some(tasks) = slot.lock().ok().and_then(|mut t| t.take()) {
            return tokio::spawn(futures_join(tasks));
        }
    }
    tokio::spawn(async move {
        let _ = finished.await;
    })
}

/// Runs every task to its end, each as a task of the current runtime.
async fn futures_join(tasks: Vec<Task>) {
    let handles: Vec<JoinHandle<()>> = tasks.into_iter().map(tokio::spawn).collect();
    for handle in handles {
        let _ = handle.await;
    }
}

#[cfg(target_os = "linux")]
fn lower_this_thread() {
    // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value alone.
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), NICE) {
        tracing::debug!(error = %e, "thread priority not lowered");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_thread() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_run_to_their_end_on_threads_of_lower_priority() {
        let (tx, rx) = std::sync::mpsc::channel();
        let task: Task = Box::pin(async move {
            let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid()));
            let _ = tx.send((std::thread::current().name().map(str::to_owned), nice.ok()));
        });
        spawn("lowtest", 1, vec![task]).await.unwrap();
        let (name, nice) = rx.recv().unwrap();
        assert_eq!(name.as_deref(), Some("lowtest"));
        if cfg!(target_os = "linux") {
            assert_eq!(nice, Some(NICE));
        }
    }
}
