//! Group reads of API tokens: one task answers the token checks that arrive together with one
//! query, so a busy API pays one round trip to the database per batch of requests rather than
//! one (and, with a pooled SQLite connection, a second to test it on release) per request.
//!
//! A lookup is answered from the database as it stands when its batch runs, which is after the
//! request arrived: a token revoked or a user disabled before that is refused, as with a query
//! of its own. Nothing is cached between batches.

use std::collections::HashMap;

use sqlx::AnyPool;
use tocsin_domain::Principal;
use tokio::sync::{mpsc, oneshot};

use crate::accounts::{principal_query, principals_from_rows};
use crate::{Backend, StoreError};

/// The most lookups answered by one query.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Option<Principal>, StoreError>>;

/// The handle callers use to reach the lookup task.
#[derive(Clone)]
pub(crate) struct TokenLookups {
    queue: mpsc::Sender<(String, Reply)>,
}

impl TokenLookups {
    /// Starts the lookup task on a thread of its own, where it is not queued behind the
    /// requests waiting for it.
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> TokenLookups {
        let (queue, receiver) = mpsc::channel(4 * MAX_BATCH);
        // It stops when the last handle is dropped.
        let _ = crate::dedicated::spawn("tocsin-tokens", answer(pool, backend, receiver));
        TokenLookups { queue }
    }

    /// Who holds the token with SHA-256 `token_hash`, if it is live and its user enabled.
    pub(crate) async fn principal(
        &self,
        token_hash: &str,
    ) -> Result<Option<Principal>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((token_hash.to_string(), reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Corrupt("the token check has stopped (the store was closed)".to_string())
}

/// The task: waits for a first lookup, takes what else is queued, answers them with one query.
async fn answer(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<(String, Reply)>) {
    let mut lookups = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut lookups, MAX_BATCH).await > 0 {
        let mut hashes: Vec<&str> = lookups.iter().map(|(hash, _)| hash.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        match principals(&pool, backend, &hashes).await {
            Ok(mut found) => {
                for (hash, reply) in lookups.drain(..) {
                    // A caller that stopped waiting needs no answer.
                    let _ = reply.send(Ok(found.get(&hash).cloned()));
                }
                found.clear();
            }
            Err(error) => {
                // Each is asked again on its own, so each gets its own error.
                tracing::warn!(%error, "a grouped token check failed; checking one by one");
                for (hash, reply) in lookups.drain(..) {
                    let alone = principals(&pool, backend, &[hash.as_str()])
                        .await
                        .map(|mut found| found.remove(&hash));
                    let _ = reply.send(alone);
                }
            }
        }
    }
}

/// The principals of those of `hashes` that are live tokens of enabled users, by hash.
async fn principals(
    pool: &AnyPool,
    backend: Backend,
    hashes: &[&str],
) -> Result<HashMap<String, Principal>, StoreError> {
    let sql = principal_query(backend, hashes.len());
    let mut query = sqlx::query(&sql);
    for hash in hashes {
        query = query.bind(*hash);
    }
    principals_from_rows(&query.fetch_all(pool).await?)
}
