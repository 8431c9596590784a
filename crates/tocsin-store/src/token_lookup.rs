//! API token checks, on every API request: who holds a token, if it is live and its user
//! enabled.
//!
//! Checks that arrive together share one query: one task answers them with one query, so a busy
//! API pays one round trip to the database per batch of requests rather than one (and, with a
//! pooled SQLite connection, a second to test it on release) per request. A lookup is answered
//! from the database as it stands when its batch runs, which is after the request arrived.
//!
//! A holder found is then remembered for [`FRESH_FOR`] (10 ms), counted from before the query
//! that found them, and a client sending many requests on one token (a relay, a partner system)
//! has most of them answered from memory: the hand-over to that task and back cost the server
//! more than anything else in checking a token. What that allows, and no more:
//! - a change made through this store (the running server's own API: revoking a token,
//!   disabling a user, changing a role) applies to every request checked after it committed,
//!   because the change empties the memory ([`TokenLookups::forget`]) and a query that began
//!   before it is not remembered;
//! - a change made by another process on the same database (the command line, while the
//!   server runs) applies to every request that arrives 10 ms or more after it committed.
//!   A request that arrives within those 10 ms may still be let in, as one that arrived just
//!   before the change would have been.
//!
//! Unknown, revoked and disabled tokens are never remembered: each is looked up again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::AnyPool;
use tocsin_domain::Principal;
use tokio::sync::{mpsc, oneshot};

use crate::accounts::{principal_query, principals_from_rows};
use crate::{Backend, StoreError};

/// The most lookups answered by one query.
const MAX_BATCH: usize = 256;

/// How long a holder found is remembered (see the module comment).
const FRESH_FOR: Duration = Duration::from_millis(10);

type Reply = oneshot::Sender<Result<Option<Principal>, StoreError>>;

/// The handle callers use to reach the lookup task.
#[derive(Clone)]
pub(crate) struct TokenLookups {
    queue: mpsc::Sender<(String, Reply)>,
    found: Arc<Mutex<Found>>,
    /// [`FRESH_FOR`], longer in tests that need the memory to outlast them.
    fresh_for: Duration,
}

/// The holders found lately, by token hash.
#[derive(Default)]
struct Found {
    /// Each with the time just before the query that found it was asked.
    holders: HashMap<String, (Instant, Principal)>,
    /// Counts [`TokenLookups::forget`]: a query asked before the last one is not remembered.
    generation: u64,
}

impl TokenLookups {
    /// Starts the lookup task on a thread of its own, where it is not queued behind the
    /// requests waiting for it.
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> TokenLookups {
        let (queue, receiver) = mpsc::channel(4 * MAX_BATCH);
        // It stops when the last handle is dropped.
        let _ = crate::dedicated::spawn("tocsin-tokens", answer(pool, backend, receiver));
        TokenLookups {
            queue,
            found: Arc::default(),
            fresh_for: FRESH_FOR,
        }
    }

    /// Who holds the token with SHA-256 `token_hash`, if it is live and its user enabled.
    pub(crate) async fn principal(
        &self,
        token_hash: &str,
    ) -> Result<Option<Principal>, StoreError> {
        let generation = {
            let found = self.found();
            if let Some((asked, holder)) = found.holders.get(token_hash) {
                if asked.elapsed() < self.fresh_for {
                    return Ok(Some(holder.clone()));
                }
            }
            found.generation
        };
        let asked = Instant::now();
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((token_hash.to_string(), reply))
            .await
            .map_err(|_| stopped())?;
        let holder = answer.await.map_err(|_| stopped())??;
        let mut found = self.found();
        match &holder {
            // Found before a change through this store emptied the memory: not remembered.
            Some(_) if found.generation != generation => {}
            Some(holder) => {
                found
                    .holders
                    .insert(token_hash.to_string(), (asked, holder.clone()));
            }
            None => {
                found.holders.remove(token_hash);
            }
        }
        Ok(holder)
    }

    /// Forgets every holder found: called after a change to users or tokens committed.
    pub(crate) fn forget(&self) {
        let mut found = self.found();
        found.holders.clear();
        found.generation += 1;
    }

    fn found(&self) -> std::sync::MutexGuard<'_, Found> {
        // The map is consistent at every step: a panic elsewhere leaves nothing half-done.
        self.found.lock().unwrap_or_else(PoisonError::into_inner)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use time::macros::datetime;
    use tocsin_domain::{Role, Tlp};

    use crate::{NewUser, Store};

    // With the memory made to last an hour, only the store's own changes can end it: each must,
    // at once. A change made around the store (another process, here a raw connection) is
    // not seen while the holder is remembered, which shows the memory is what answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn changes_through_the_store_apply_to_the_next_check() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let mut store = Store::open(&url).await.unwrap();
        Arc::get_mut(&mut store.inner)
            .expect("no other handle on a store just opened")
            .tokens
            .fresh_for = Duration::from_secs(3_600);
        let now = datetime!(2026-11-23 9:00 UTC);
        let user = NewUser {
            username: "amina",
            role: Role::Monitor,
            clearance: Tlp::Amber,
            password_hash: None,
        };
        store.create_user(user, "admin", now).await.unwrap();
        let id = store
            .add_token("amina", "relay", "hash-1", "admin", now)
            .await
            .unwrap();
        let role = |store: Store| async move {
            store
                .principal_for_token("hash-1")
                .await
                .unwrap()
                .map(|principal| principal.role)
        };
        assert_eq!(role(store.clone()).await, Some(Role::Monitor));

        sqlx::query("UPDATE users SET role = 'analyst' WHERE username = 'amina'")
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(role(store.clone()).await, Some(Role::Monitor));

        store
            .set_user_role("amina", Role::FocalPoint, Tlp::Amber, "admin", now)
            .await
            .unwrap();
        assert_eq!(role(store.clone()).await, Some(Role::FocalPoint));
        store
            .set_user_disabled("amina", true, "admin", now)
            .await
            .unwrap();
        assert_eq!(role(store.clone()).await, None);
        store
            .set_user_disabled("amina", false, "admin", now)
            .await
            .unwrap();
        assert_eq!(role(store.clone()).await, Some(Role::FocalPoint));
        store.revoke_token(id, "admin", now).await.unwrap();
        assert_eq!(role(store.clone()).await, None);
    }
}
