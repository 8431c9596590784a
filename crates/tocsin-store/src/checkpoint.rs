//! Copying the write-ahead log back into a SQLite database file, mostly away from the intake
//! writer.
//!
//! SQLite copies the log into the database file ("checkpoints") inside whichever commit takes
//! the log past a number of pages: for the intake writer, a pause every few batches with every
//! caller of the batch waiting on it. After each flush of the log, the checkpointer, on a thread
//! of its own and a pooled connection, copies what the log holds into the database
//! (`PRAGMA wal_checkpoint(PASSIVE)`, which neither waits for the writer nor makes it wait), at
//! most once every [`INTERVAL`]. The writer's own checkpoints, left for when the log passes
//! 4,000 pages (`WRITER_CHECKPOINT_PAGES`), then find most of it copied already. One of them is
//! needed all the same: SQLite starts the log again from its beginning only at a write that
//! begins with the whole log copied, and with the writer busy that is the write after its own
//! checkpoint. The log so stays within those 4,000 pages.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::mpsc;

/// The least time between two checkpoints. Each ends with a flush of the database file, whose
/// cost is in the pages copied since the last one: the pages intake keeps changing (the ends of
/// the tables, the index pages in use) are copied and flushed once per checkpoint however often
/// they changed in between. At 10 ms the checkpointer took 11 % of the server's processor time
/// under load, at 40 ms about 8 %; the log still grows by far less than the writer's 4,000 pages
/// between two of them.
const INTERVAL: Duration = Duration::from_millis(40);

/// Asks the checkpointer to run; cheap, and asks that arrive while it runs make one more run.
pub(crate) struct Checkpoints {
    wanted: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpoints {
    /// Starts the checkpointer of the database `pool` reaches. It stops when this handle is
    /// dropped.
    pub(crate) fn start(pool: AnyPool) -> Checkpoints {
        let (wanted, requests) = mpsc::channel(1);
        let thread = crate::dedicated::spawn("tocsin-checkpoint", checkpointer(pool, requests));
        Checkpoints {
            wanted: Some(wanted),
            thread: Some(thread),
        }
    }

    /// Asks for a checkpoint of what has been committed and flushed so far.
    pub(crate) fn request(&self) {
        if let Some(wanted) = &self.wanted {
            // Full: a run is already asked for, and it will copy this commit too.
            let _ = wanted.try_send(());
        }
    }
}

impl Drop for Checkpoints {
    /// Stops the checkpointer and waits for the checkpoint it may be running, so that no
    /// connection of the store is still in use once the store has closed.
    fn drop(&mut self) {
        drop(self.wanted.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn checkpointer(pool: AnyPool, mut requests: mpsc::Receiver<()>) {
    while requests.recv().await.is_some() {
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            Ok(_) => {}
            // The store is closing: SQLite copies the log as its last connection closes.
            Err(sqlx::Error::PoolClosed) => break,
            // The writer's own checkpoint copies the log instead; nothing committed is at risk.
            Err(error) => {
                tracing::warn!(%error, "copying the write-ahead log into the database failed")
            }
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use crate::{Delivery, Store, Vault};

    // The intake writer's commits leave the log to grow to 4,000 pages (16 MB) before they copy
    // it themselves: the 6 MB of payloads below reach the database file only if the
    // checkpointer copies them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_copied_into_the_database_while_intake_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("t.db");
        let store = Store::open(&format!("sqlite://{}", database.display()))
            .await
            .unwrap();
        let before = std::fs::metadata(&database).unwrap().len();
        let vault = Vault::from_hex(&"5a".repeat(32)).unwrap();
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        let payload = vec![b'x'; 2_000];
        for n in 0..3_000 {
            let key = format!("api:{n}");
            let delivery = Delivery {
                channel: "api",
                delivery_key: Some(&key),
                content_type: "application/json",
                payload: &payload,
            };
            store.receive(&vault, delivery, now).await.unwrap();
        }
        let mut copied = 0;
        for _ in 0..100 {
            copied = std::fs::metadata(&database).unwrap().len() - before;
            if copied > 5_000_000 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            copied > 5_000_000,
            "the database file grew by {copied} bytes while the log held the payloads"
        );
        let wal = std::fs::metadata(dir.path().join("t.db-wal"))
            .unwrap()
            .len();
        // The writer's own checkpoint still starts the log again: it stays within 4,000 pages
        // of 4 KiB, each with its 24-byte frame header, and the pages of the one commit that
        // takes it past them (the checkpoint runs after that commit; a batch of at most 512 of
        // these payloads writes fewer than 512 pages).
        assert!(
            wal <= (4_000 + 512) * (4_096 + 24) + 32,
            "the log is {wal} bytes"
        );
    }
}
