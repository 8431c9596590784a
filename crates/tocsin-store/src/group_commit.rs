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
//! Inside the transaction, the deliveries of the batch are stored first, with two statements
//! for all of them ([`receive_together`]); then the reports without a sender, with one insert
//! ([`accept_together`]); then the other writes one after another in arrival order. Each
//! write gets the outcome it would have had alone in that order: a repeat delivery or a
//! repeated report later in the batch finds the first, and audit entries are chained in that
//! order ([`Batch`] writes them, and the inbox links, just before the commit). The writes of
//! one batch come from concurrent requests, so this is one of the orders they could have had.
//!
//! If anything in a batch fails, the batch is rolled back and every write in it is run again in
//! a transaction of its own, so one bad write fails alone and the others still land.

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::audit::AuditTail;
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
}

type ReceiveReply = oneshot::Sender<Result<Received, StoreError>>;
type AcceptReply = oneshot::Sender<Result<Accepted, StoreError>>;

/// The handle callers use to reach the writer task.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer task on the current Tokio runtime.
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> GroupCommit {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(writer(pool, backend, receiver));
        GroupCommit { queue }
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

/// The writer: waits for a first write, takes what else is queued, commits them together.
async fn writer(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut receives = Vec::new();
        let mut accepts = Vec::new();
        let mut others = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Receive(write, reply) => receives.push((write, reply)),
                Job::Accept(write, reply) => accepts.push((write, reply)),
                Job::Other(pending) => others.push(pending),
            }
        }
        let started = std::time::Instant::now();
        let outcome = run_together(&pool, backend, &receives, &accepts, &mut others).await;
        tracing::debug!(
            receives = receives.len(),
            accepts = accepts.len(),
            others = others.len(),
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        );
        match outcome {
            Ok((received, accepted)) => {
                // A caller that stopped waiting (its client went away) needs no answer; its
                // write stands, like any other committed one.
                for ((_, reply), received) in receives.into_iter().zip(received) {
                    let _ = reply.send(Ok(received));
                }
                for ((_, reply), accepted) in accepts.into_iter().zip(accepted) {
                    let _ = reply.send(Ok(accepted));
                }
                for pending in others {
                    pending.answer(None);
                }
            }
            Err(error) => {
                let writes = receives.len() + accepts.len() + others.len();
                tracing::warn!(%error, writes, "a group commit failed; running its writes one by one");
                for (write, reply) in receives {
                    let _ = reply.send(receive_alone(&pool, backend, &write).await);
                }
                for (write, reply) in accepts {
                    let _ = reply.send(accept_alone(&pool, backend, &write).await);
                }
                for mut pending in others {
                    let outcome = run_alone(&pool, backend, pending.as_mut()).await;
                    pending.answer(outcome.err());
                }
            }
        }
    }
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
