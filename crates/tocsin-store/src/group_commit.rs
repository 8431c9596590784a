//! Group commit: one writer task gathers the intake writes that arrive together and commits
//! them in one transaction, so many reports share one disk flush.
//!
//! A durable commit costs a flush to disk (about a millisecond here, more on many disks), and
//! SQLite lets one writer in at a time: committing every payload and every report on its own
//! caps intake at a few hundred a second. Here each caller hands its write to the writer and
//! waits; the writer takes everything queued (up to [`MAX_BATCH`]), writes it inside one
//! transaction, commits once, and only then answers each caller. Nobody is told "stored"
//! before the commit that stores it has returned.
//!
//! Inside the transaction, the deliveries of the batch are stored first, with one statement
//! for all of them ([`receive_together`]); then the reports without a sender, with one insert
//! ([`accept_together`]); then the other writes one after another in arrival order. Each
//! write gets the outcome it would have had alone in that order: a repeat delivery or a
//! repeated report later in the batch finds the first, and audit entries are chained in that
//! order ([`Batch`] writes them, and the inbox links, just before the commit). The writes of
//! one batch come from concurrent requests, so this is one of the orders they could have had.
//!
//! If anything in a batch fails, the batch is rolled back and every write in it is run again in
//! a transaction of its own, so one bad write fails alone and the others still land.
//!
//! Intake needs two commits per report (the sealed payload before it is read, then the report),
//! so each batch carries the reports of requests whose payloads the previous batch stored and
//! the payloads of requests that arrived since. On SQLite the flush is pipelined as well: the
//! writer commits on a connection of its own without waiting for the disk
//! (`synchronous = NORMAL`, which writes the transaction to the write-ahead log and leaves the
//! flush for later), hands the batch's answers to a second task and starts the next batch; that
//! task flushes the log file ([`WalFile::sync`], what `synchronous = FULL` would have done inside
//! the commit) and only then answers the callers of every batch committed before the flush
//! began. Nobody hears "stored" before their commit is on disk, and the disk's flush no longer
//! holds up the next batch's work. A flush that fails fails every write waiting on it, and the
//! writer refuses all later writes: what the disk did with the pages of a failed flush is
//! unknown. PostgreSQL commits durably inside the commit, and its callers are answered then.
//!
//! The writer runs on a thread of its own, with a single-threaded runtime: each sqlx statement
//! is a round trip to the database connection's thread, and a writer task on the server's
//! shared runtime waited behind the requests queued there at every one of them (a batch took
//! twice as long under load). On a SQLite file the writer avoids those round trips for the
//! deliveries and the reports without a sender, nearly all of intake: it stores them through a
//! connection it calls directly ([`EmbeddedWriter`]), commits, and then runs the batch's other
//! writes, if any, through sqlx in a transaction of their own. Every caller of the batch is
//! still answered only after the flush that follows both commits.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::audit::AuditTail;
use crate::checkpoint::Checkpoints;
use crate::embedded::EmbeddedWriter;
use crate::intake::{accept_together, receive_together, AcceptWrite, ReceiveWrite};
use crate::{Accepted, Backend, Received, StoreError};

/// The most writes committed together. Large enough that a batch amortises the flush, small
/// enough that a transaction stays short for the readers and callers waiting on it.
const MAX_BATCH: usize = 512;

/// How many writes may wait for the writer before callers wait to hand theirs over.
const QUEUE: usize = 8_192;

/// What the writes of one transaction leave to be written together just before it commits,
/// so that each write costs as few statements (each a round trip to the database) as can be.
pub(crate) struct Batch {
    backend: Backend,
    /// Audit entries, chained in the order the writes ran.
    pub(crate) audit: AuditTail,
    /// Inbox entries accepted as reports: `(inbox id, report id)`.
    accepted: Vec<(i64, i64)>,
}

impl Batch {
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    fn new(backend: Backend) -> Batch {
        Batch {
            backend,
            audit: AuditTail::default(),
            accepted: Vec::new(),
        }
    }

    /// Marks an inbox entry accepted as `report_id` when the batch is finished. A repeat of
    /// that delivery later in the same batch still finds it "received" and is told to retry,
    /// as it would be if it had arrived a moment earlier, in a transaction of its own.
    pub(crate) fn accept_inbox(&mut self, inbox_id: i64, report_id: i64) {
        self.accepted.push((inbox_id, report_id));
    }

    /// Writes what the batch's writes deferred.
    async fn finish(&mut self, tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
        // 2 values a row: well under both engines' parameter limits.
        const CHUNK: usize = 1_000;
        for chunk in std::mem::take(&mut self.accepted).chunks(CHUNK) {
            // Both engines name the columns of a bare VALUES list column1, column2, ….
            let sql = format!(
                "UPDATE inbox SET state = 'accepted', report_id = accepted.column2 \
                 FROM (VALUES {}) AS accepted WHERE inbox.id = accepted.column1",
                crate::values_placeholders(self.backend, chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql);
            for (inbox_id, report_id) in chunk {
                query = query.bind(*inbox_id).bind(*report_id);
            }
            query.execute(&mut **tx).await?;
        }
        self.audit.finish(tx, self.backend).await
    }
}

/// A write that runs inside the writer's transaction. It must be repeatable: after a failed
/// batch it runs again on its own.
pub(crate) trait Write: Send + 'static {
    type Output: Send + 'static;

    fn run<'t>(
        &'t self,
        tx: &'t mut Transaction<'static, Any>,
        batch: &'t mut Batch,
    ) -> futures_util::future::BoxFuture<'t, Result<Self::Output, StoreError>>;
}

/// A queued write with the way back to its caller, with its type erased so writes of different
/// kinds share one queue and one transaction.
trait Queued: Send {
    fn run<'t>(
        &'t mut self,
        tx: &'t mut Transaction<'static, Any>,
        batch: &'t mut Batch,
    ) -> futures_util::future::BoxFuture<'t, Result<(), StoreError>>;
    /// Answers the caller with the result of the last run (after its transaction committed),
    /// or with `error` when the transaction did not commit.
    fn answer(self: Box<Self>, error: Option<StoreError>);
}

struct Pending<W: Write> {
    write: W,
    result: Option<W::Output>,
    reply: oneshot::Sender<Result<W::Output, StoreError>>,
}

impl<W: Write> Queued for Pending<W> {
    fn run<'t>(
        &'t mut self,
        tx: &'t mut Transaction<'static, Any>,
        batch: &'t mut Batch,
    ) -> futures_util::future::BoxFuture<'t, Result<(), StoreError>> {
        Box::pin(async move {
            self.result = Some(self.write.run(tx, batch).await?);
            Ok(())
        })
    }

    fn answer(self: Box<Self>, error: Option<StoreError>) {
        let answer = match (error, self.result) {
            (Some(error), _) => Err(error),
            (None, Some(output)) => Ok(output),
            (None, None) => Err(StoreError::Corrupt(
                "a write was answered before it ran".to_string(),
            )),
        };
        // A caller that stopped waiting (its client went away) needs no answer; its write
        // stands, like any other committed one.
        let _ = self.reply.send(answer);
    }
}

/// What the writer is handed: a delivery for the inbox (stored together with the other
/// deliveries of the batch, see [`receive_together`]) or any other write.
enum Job {
    Receive(Box<ReceiveWrite>, ReceiveReply),
    /// A report without a sender (stored together with the others, see [`accept_together`]).
    Accept(Box<AcceptWrite>, AcceptReply),
    Other(Box<dyn Queued>),
    /// Stop after the writes handed over before, closing the writer's own connection.
    Close(oneshot::Sender<()>),
}

type ReceiveReply = oneshot::Sender<Result<Received, StoreError>>;
type AcceptReply = oneshot::Sender<Result<Accepted, StoreError>>;

/// The handle callers use to reach the writer.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Job>,
    /// The writer's and the flusher's threads, joined by [`GroupCommit::close`].
    threads: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>>,
}

impl GroupCommit {
    /// Starts the writer (and its flusher) on threads of their own. `pool` is where it writes. With
    /// `durable`, commits on `pool` do not reach the disk by themselves (SQLite with
    /// `synchronous = NORMAL`), and callers are answered once `durable` has flushed them.
    pub(crate) fn start(
        pool: AnyPool,
        backend: Backend,
        durable: Option<Arc<dyn Durable>>,
        embedded: Option<EmbeddedWriter>,
    ) -> GroupCommit {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let mut threads = Vec::new();
        let answers = match durable {
            Some(durable) => {
                let (flushes, waiting) = mpsc::unbounded_channel();
                let refused = Arc::new(AtomicBool::new(false));
                let flag = refused.clone();
                threads.push(
                    std::thread::Builder::new()
                        .name("tocsin-flusher".to_string())
                        .spawn(move || flusher(durable, waiting, flag))
                        .expect("a thread for the log flusher"),
                );
                Answers::AfterFlush { flushes, refused }
            }
            None => Answers::AtCommit,
        };
        threads.push(crate::dedicated::spawn(
            "tocsin-writer",
            writer(pool, backend, answers, receiver, embedded),
        ));
        GroupCommit {
            queue,
            threads: Arc::new(Mutex::new(threads)),
        }
    }

    /// Runs `write` in the next group transaction and returns its output once that committed.
    pub(crate) async fn submit<W: Write>(&self, write: W) -> Result<W::Output, StoreError> {
        let (reply, answer) = oneshot::channel();
        let pending: Box<dyn Queued> = Box::new(Pending {
            write,
            result: None,
            reply,
        });
        self.queue
            .send(Job::Other(pending))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stores a report without a sender in the next group transaction.
    pub(crate) async fn accept(&self, write: AcceptWrite) -> Result<Accepted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job::Accept(Box::new(write), reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stops the writer once the writes handed over before are committed, and closes its own
    /// connection; later writes are refused.
    pub(crate) async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.queue.send(Job::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
        // The flusher ends once it has answered every committed write, and stops the
        // checkpointer on its way out: after this, none of them uses a connection.
        let threads = std::mem::take(
            &mut *self
                .threads
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        crate::dedicated::blocking(|| {
            for thread in threads {
                let _ = thread.join();
            }
        });
    }

    /// Stores a delivery in the next group transaction.
    pub(crate) async fn receive(&self, write: ReceiveWrite) -> Result<Received, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job::Receive(Box::new(write), reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Corrupt("the database writer has stopped (the store was closed)".to_string())
}

/// Makes the writes of a commit durable: what `synchronous = FULL` does inside a commit, done
/// after it instead, for every commit made since the last flush at once.
pub(crate) trait Durable: Send + Sync + 'static {
    /// Flushes everything committed so far to the disk. Blocking.
    fn sync(&self) -> std::io::Result<()>;
}

/// A SQLite database's write-ahead log. With `synchronous = NORMAL` a commit writes its pages
/// to the log file; flushing the file makes them durable, and the commit with them. The file is
/// opened afresh for each flush, so a log SQLite deleted and created again is the one flushed;
/// the folder is flushed too the first time a log file is seen, so its name survives as well.
pub(crate) struct WalFile {
    path: PathBuf,
    /// The log file whose name in the folder is known to be on disk: `(device, inode)`.
    named: Mutex<Option<(u64, u64)>>,
    /// Asked to copy the log into the database after each flush.
    checkpoints: Checkpoints,
}

impl WalFile {
    /// The log of the database file `database` (`database` with `-wal` appended), copied into
    /// the database by `checkpoints` once flushed.
    pub(crate) fn of(database: &str, checkpoints: Checkpoints) -> WalFile {
        WalFile {
            path: PathBuf::from(format!("{database}-wal")),
            named: Mutex::new(None),
            checkpoints,
        }
    }
}

impl Durable for WalFile {
    fn sync(&self) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let file = std::fs::File::open(&self.path)?;
        file.sync_data()?;
        let metadata = file.metadata()?;
        let identity = (metadata.dev(), metadata.ino());
        let mut named = self
            .named
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *named != Some(identity) {
            if let Some(folder) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::File::open(folder)?.sync_all()?;
            }
            *named = Some(identity);
        }
        self.checkpoints.request();
        Ok(())
    }
}

/// Answers a caller once its write is durable, or with the error that kept it from being so.
type Answer = Box<dyn FnOnce(Option<StoreError>) + Send>;

/// When the writer's callers are answered.
enum Answers {
    /// Right after the commit, which is durable by itself.
    AtCommit,
    /// After the flusher thread has flushed the commit (see the module comment).
    AfterFlush {
        flushes: mpsc::UnboundedSender<Vec<Answer>>,
        /// Set once a flush failed: no write is taken after that.
        refused: Arc<AtomicBool>,
    },
}

impl Answers {
    fn deliver(&self, answers: Vec<Answer>) {
        match self {
            Answers::AtCommit => answers.into_iter().for_each(|answer| answer(None)),
            Answers::AfterFlush { flushes, .. } => {
                if let Err(unsent) = flushes.send(answers) {
                    // The flusher is gone: nothing can be promised durable.
                    for answer in unsent.0 {
                        answer(Some(stopped()));
                    }
                }
            }
        }
    }

    fn refused(&self) -> bool {
        match self {
            Answers::AtCommit => false,
            Answers::AfterFlush { refused, .. } => refused.load(Ordering::SeqCst),
        }
    }
}

fn flush_failed(error: &std::io::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::new(
        error.kind(),
        format!("the write-ahead log could not be flushed to disk: {error}"),
    )))
}

/// The flusher, on a thread of its own: waits for committed batches, flushes once for all of
/// those waiting, then answers their callers. The flush blocks this thread only.
fn flusher(
    durable: Arc<dyn Durable>,
    mut waiting: mpsc::UnboundedReceiver<Vec<Answer>>,
    refused: Arc<AtomicBool>,
) {
    let mut batches: Vec<Vec<Answer>> = Vec::new();
    while let Some(first) = waiting.blocking_recv() {
        batches.push(first);
        while let Ok(more) = waiting.try_recv() {
            batches.push(more);
        }
        let failure = if refused.load(Ordering::SeqCst) {
            Some(std::io::Error::other("an earlier flush failed"))
        } else {
            durable.sync().err()
        };
        if let Some(error) = &failure {
            refused.store(true, Ordering::SeqCst);
            tracing::error!(%error, "flushing the write-ahead log failed; intake writes are refused until the server restarts");
        }
        for answer in batches.drain(..).flatten() {
            answer(failure.as_ref().map(flush_failed));
        }
    }
}

/// The answer of a write whose outcome is `outcome`, given once it is durable.
fn answer_with<T: Send + 'static>(
    reply: oneshot::Sender<Result<T, StoreError>>,
    outcome: Result<T, StoreError>,
) -> Answer {
    Box::new(move |failure| {
        // A caller that stopped waiting (its client went away) needs no answer; its write
        // stands, like any other committed one.
        let _ = reply.send(match (failure, outcome) {
            (Some(error), _) => Err(error),
            (None, outcome) => outcome,
        });
    })
}

/// The writer: waits for a first write, takes what else is queued, commits them together.
async fn writer(
    pool: AnyPool,
    backend: Backend,
    answers: Answers,
    mut receiver: mpsc::Receiver<Job>,
    mut embedded: Option<EmbeddedWriter>,
) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut receives = Vec::new();
        let mut accepts = Vec::new();
        let mut others = Vec::new();
        let mut closing = None;
        for job in jobs.drain(..) {
            match job {
                Job::Receive(write, reply) => receives.push((write, reply)),
                Job::Accept(write, reply) => accepts.push((write, reply)),
                Job::Other(pending) => others.push(pending),
                Job::Close(reply) => closing = Some(reply),
            }
        }
        if answers.refused() {
            let refusal = || flush_failed(&std::io::Error::other("an earlier flush failed"));
            for (_, reply) in receives {
                let _ = reply.send(Err(refusal()));
            }
            for (_, reply) in accepts {
                let _ = reply.send(Err(refusal()));
            }
            for pending in others {
                pending.answer(Some(refusal()));
            }
            if let Some(reply) = closing {
                let _ = reply.send(());
                break;
            }
            continue;
        }
        let started = std::time::Instant::now();
        let mut batch: Vec<Answer> =
            Vec::with_capacity(receives.len() + accepts.len() + others.len());
        let (receive_count, accept_count, other_count) =
            (receives.len(), accepts.len(), others.len());
        match embedded.as_mut() {
            // Deliveries and reports without a sender on the writer's own connection, then
            // the other writes (if any) through sqlx, in a transaction of their own.
            Some(embedded) => {
                embedded_intake(embedded, receives, accepts, &mut batch);
                if !others.is_empty() {
                    match run_together(&pool, backend, &[], &[], &mut others).await {
                        Ok(_) => answer_others(others, &mut batch),
                        Err(error) => {
                            tracing::warn!(%error, writes = other_count, "a group commit failed; running its writes one by one");
                            run_others_alone(&pool, backend, others, &mut batch).await;
                        }
                    }
                }
            }
            None => match run_together(&pool, backend, &receives, &accepts, &mut others).await {
                Ok((received, accepted)) => {
                    for ((_, reply), received) in receives.into_iter().zip(received) {
                        batch.push(answer_with(reply, Ok(received)));
                    }
                    for ((_, reply), accepted) in accepts.into_iter().zip(accepted) {
                        batch.push(answer_with(reply, Ok(accepted)));
                    }
                    answer_others(others, &mut batch);
                }
                Err(error) => {
                    let writes = receive_count + accept_count + other_count;
                    tracing::warn!(%error, writes, "a group commit failed; running its writes one by one");
                    for (write, reply) in receives {
                        let outcome = receive_alone(&pool, backend, &write).await;
                        batch.push(answer_with(reply, outcome));
                    }
                    for (write, reply) in accepts {
                        let outcome = accept_alone(&pool, backend, &write).await;
                        batch.push(answer_with(reply, outcome));
                    }
                    run_others_alone(&pool, backend, others, &mut batch).await;
                }
            },
        }
        tracing::debug!(
            receives = receive_count,
            accepts = accept_count,
            others = other_count,
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        );
        if !batch.is_empty() {
            answers.deliver(batch);
        }
        if let Some(reply) = closing {
            // Writes queued after the close are refused: the queue closes with the writer.
            drop(embedded.take());
            let _ = reply.send(());
            break;
        }
    }
}

/// The other writes of a batch that committed: each is answered with its own outcome.
fn answer_others(others: Vec<Box<dyn Queued>>, batch: &mut Vec<Answer>) {
    for pending in others {
        batch.push(Box::new(move |failure| pending.answer(failure)));
    }
}

/// The other writes of a batch that failed, each run again in a transaction of its own.
async fn run_others_alone(
    pool: &AnyPool,
    backend: Backend,
    others: Vec<Box<dyn Queued>>,
    batch: &mut Vec<Answer>,
) {
    for mut pending in others {
        let error = run_alone(pool, backend, pending.as_mut()).await.err();
        batch.push(Box::new(move |failure| pending.answer(failure.or(error))));
    }
}

/// Stores a batch's deliveries and reports without a sender on the writer's own SQLite
/// connection, together, or each on its own if the batch fails.
fn embedded_intake(
    embedded: &mut EmbeddedWriter,
    receives: Vec<(Box<ReceiveWrite>, ReceiveReply)>,
    accepts: Vec<(Box<AcceptWrite>, AcceptReply)>,
    batch: &mut Vec<Answer>,
) {
    if receives.is_empty() && accepts.is_empty() {
        return;
    }
    let deliveries: Vec<&ReceiveWrite> = receives.iter().map(|(write, _)| &**write).collect();
    let reports: Vec<&AcceptWrite> = accepts.iter().map(|(write, _)| &**write).collect();
    match embedded.write(&deliveries, &reports) {
        Ok((received, accepted)) => {
            for ((_, reply), received) in receives.into_iter().zip(received) {
                batch.push(answer_with(reply, Ok(received)));
            }
            for ((_, reply), accepted) in accepts.into_iter().zip(accepted) {
                batch.push(answer_with(reply, Ok(accepted)));
            }
        }
        Err(error) => {
            let writes = receives.len() + accepts.len();
            tracing::warn!(%error, writes, "a group commit failed; running its writes one by one");
            for (write, reply) in receives {
                let outcome = embedded
                    .write(&[&*write], &[])
                    .and_then(|(mut received, _)| received.pop().ok_or_else(not_stored));
                batch.push(answer_with(reply, outcome));
            }
            for (write, reply) in accepts {
                let outcome = embedded
                    .write(&[], &[&*write])
                    .and_then(|(_, mut accepted)| accepted.pop().ok_or_else(not_stored));
                batch.push(answer_with(reply, outcome));
            }
        }
    }
}

fn not_stored() -> StoreError {
    StoreError::Corrupt("a write was not stored".to_string())
}

/// Runs a whole batch in one transaction, in the order the module comment describes.
async fn run_together(
    pool: &AnyPool,
    backend: Backend,
    receives: &[(Box<ReceiveWrite>, ReceiveReply)],
    accepts: &[(Box<AcceptWrite>, AcceptReply)],
    writes: &mut [Box<dyn Queued>],
) -> Result<(Vec<Received>, Vec<Accepted>), StoreError> {
    let mut tx = pool.begin().await?;
    let deliveries: Vec<&ReceiveWrite> = receives.iter().map(|(write, _)| &**write).collect();
    let received = receive_together(&mut tx, backend, &deliveries).await?;
    let mut batch = Batch::new(backend);
    let reports: Vec<&AcceptWrite> = accepts.iter().map(|(write, _)| &**write).collect();
    let accepted = accept_together(&mut tx, backend, &mut batch, &reports).await?;
    for pending in writes.iter_mut() {
        pending.run(&mut tx, &mut batch).await?;
    }
    batch.finish(&mut tx).await?;
    tx.commit().await?;
    Ok((received, accepted))
}

async fn accept_alone(
    pool: &AnyPool,
    backend: Backend,
    write: &AcceptWrite,
) -> Result<Accepted, StoreError> {
    let mut tx = pool.begin().await?;
    let mut batch = Batch::new(backend);
    let mut accepted = accept_together(&mut tx, backend, &mut batch, &[write]).await?;
    batch.finish(&mut tx).await?;
    tx.commit().await?;
    accepted
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a report was not stored".to_string()))
}

async fn receive_alone(
    pool: &AnyPool,
    backend: Backend,
    write: &ReceiveWrite,
) -> Result<Received, StoreError> {
    let mut tx = pool.begin().await?;
    let mut received = receive_together(&mut tx, backend, &[write]).await?;
    tx.commit().await?;
    received
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a delivery was not stored".to_string()))
}

async fn run_alone(
    pool: &AnyPool,
    backend: Backend,
    pending: &mut dyn Queued,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    let mut batch = Batch::new(backend);
    pending.run(&mut tx, &mut batch).await?;
    batch.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Delivery, Store, Vault};

    /// A disk whose flushes wait until the test lets each through, and fail when told to.
    struct Gate {
        release: Mutex<std::sync::mpsc::Receiver<()>>,
        fail: AtomicBool,
    }

    impl Durable for Gate {
        fn sync(&self) -> std::io::Result<()> {
            let release = self.release.lock().unwrap();
            release.recv().map_err(std::io::Error::other)?;
            if self.fail.load(Ordering::SeqCst) {
                return Err(std::io::Error::other("the disk refused the flush"));
            }
            Ok(())
        }
    }

    /// A delivery through the API with the idempotency key `key`.
    pub(crate) fn delivery(key: &str) -> Delivery<'_> {
        Delivery {
            channel: "api",
            delivery_key: Some(key),
            content_type: "application/json",
            payload: b"{\"text\": \"armed men at the market\"}",
        }
    }

    async fn payloads(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM inbox")
            .fetch_one(&store.pool)
            .await
            .unwrap()
    }

    // Closing the store waits for the writer, the flusher and the checkpointer: once it
    // returns, no connection is open, so SQLite has copied the log into the database file and
    // removed it, and the file can be copied or inspected whole.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_waits_for_every_connection_to_close() {
        let vault = Vault::from_hex(&"5a".repeat(32)).unwrap();
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        for round in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let database = dir.path().join("t.db");
            let store = Store::open(&format!("sqlite://{}", database.display()))
                .await
                .unwrap();
            let writes: Vec<_> = (0..40)
                .map(|n| {
                    let (store, vault) = (store.clone(), vault.clone());
                    tokio::spawn(async move {
                        let key = format!("api:{round}-{n}");
                        store.receive(&vault, delivery(&key), now).await.unwrap();
                    })
                })
                .collect();
            for write in writes {
                write.await.unwrap();
            }
            store.close().await;
            for suffix in ["-wal", "-shm"] {
                let path = dir.path().join(format!("t.db{suffix}"));
                assert!(
                    !path.exists(),
                    "round {round}: {} is still there",
                    path.display()
                );
            }
            assert!(
                store
                    .receive(&vault, delivery("api:late"), now)
                    .await
                    .is_err(),
                "a closed store takes no more writes"
            );
        }
    }

    // A payload is committed before the disk has flushed it, and its sender hears nothing until
    // the flush is done; a failed flush fails the writes waiting on it and all later ones.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_hear_of_a_commit_only_once_it_is_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        let (release, released) = std::sync::mpsc::channel();
        let gate = Arc::new(Gate {
            release: Mutex::new(released),
            fail: AtomicBool::new(false),
        });
        // The writer's own connection, as `Store::open` gives it one for a file.
        let embedded =
            EmbeddedWriter::open(&dir.path().join("t.db").display().to_string()).unwrap();
        let writer = GroupCommit::start(
            store.write_pool.clone(),
            Backend::Sqlite,
            Some(gate.clone()),
            Some(embedded),
        );
        let vault = Vault::from_hex(&"5a".repeat(32)).unwrap();
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);

        let write = ReceiveWrite::new(&vault, delivery("api:first"), now);
        let waiting = tokio::spawn({
            let writer = writer.clone();
            async move { writer.receive(write).await }
        });
        let mut committed = false;
        for _ in 0..200 {
            if payloads(&store).await == 1 {
                committed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(committed, "the payload is committed while the flush waits");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(
            !waiting.is_finished(),
            "nobody is answered before the flush"
        );
        release.send(()).unwrap();
        let received = waiting.await.unwrap().unwrap();
        assert!(matches!(received, Received::New(_)), "{received:?}");

        gate.fail.store(true, Ordering::SeqCst);
        release.send(()).unwrap();
        let write = ReceiveWrite::new(&vault, delivery("api:second"), now);
        assert!(
            writer.receive(write).await.is_err(),
            "a failed flush fails its writes"
        );
        gate.fail.store(false, Ordering::SeqCst);
        release.send(()).unwrap();
        let write = ReceiveWrite::new(&vault, delivery("api:third"), now);
        let refused = writer.receive(write).await.unwrap_err().to_string();
        assert!(refused.contains("flush"), "{refused}");
        assert_eq!(
            payloads(&store).await,
            2,
            "nothing is written after a failed flush"
        );
    }
}
