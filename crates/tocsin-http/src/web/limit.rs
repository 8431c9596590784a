//! Login rate limiting: failed sign-ins are counted per user name and per client address in
//! fixed windows; once a key reaches its limit, sign-ins under it are refused (429) until its
//! window ends, before any password is checked. A success clears the user name's count.
//!
//! Counting per user name stops guessing one account's password from many addresses;
//! counting per address stops trying many accounts from one. The price is that someone can
//! lock a known user name out for one window: the message tells the person when to try again,
//! and an administrator can still sign them in by token. Counts live in memory: a restart
//! forgets them, and several servers behind one proxy would each count their own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failures a key may have in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_username: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_username: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Above this many keys, windows that have ended are dropped before a new key is added, so
/// a flood of made-up user names cannot grow the table without bound.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginLimiter {
    limits: Limits,
    windows: Mutex<HashMap<String, Window>>,
}

/// The keys one attempt counts against.
fn keys(username: &str, address: &str) -> [(String, bool); 2] {
    [
        (format!("user:{}", username.trim().to_lowercase()), true),
        (format!("addr:{address}"), false),
    ]
}

impl LoginLimiter {
    pub fn new(limits: Limits) -> LoginLimiter {
        LoginLimiter {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn limit(&self, is_user: bool) -> u32 {
        if is_user {
            self.limits.per_username
        } else {
            self.limits.per_address
        }
    }

    /// `Err(wait)` if an attempt for `username` from `address` must be refused now, with how
    /// long until it may be tried again.
    pub fn check(&self, username: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let windows = self
            .windows
            .lock()
            .expect("the limiter's lock is never poisoned");
        let mut wait = Duration::ZERO;
        for (key, is_user) in keys(username, address) {
            if let Some(window) = windows.get(&key) {
                let elapsed = now.saturating_duration_since(window.started);
                if elapsed < self.limits.window && window.failures >= self.limit(is_user) {
                    wait = wait.max(self.limits.window - elapsed);
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }

    /// Counts a failed attempt.
    pub fn fail(&self, username: &str, address: &str, now: Instant) {
        let mut windows = self
            .windows
            .lock()
            .expect("the limiter's lock is never poisoned");
        if windows.len() > PRUNE_ABOVE {
            let span = self.limits.window;
            windows.retain(|_, w| now.saturating_duration_since(w.started) < span);
        }
        for (key, _) in keys(username, address) {
            let window = windows.entry(key).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now.saturating_duration_since(window.started) >= self.limits.window {
                *window = Window {
                    started: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }

    /// Forgets a user name's failures after a successful sign-in.
    pub fn succeed(&self, username: &str) {
        let [(user_key, _), _] = keys(username, "");
        self.windows
            .lock()
            .expect("the limiter's lock is never poisoned")
            .remove(&user_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(Limits {
            per_username: 3,
            per_address: 5,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn a_user_name_is_refused_after_its_failures_until_the_window_ends() {
        let limiter = limiter();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("amina", "10.0.0.1", start), Ok(()));
            limiter.fail("Amina", "10.0.0.1", start);
        }
        // From another address too: the account is what is protected.
        let later = start + Duration::from_secs(20);
        assert_eq!(
            limiter.check("amina", "10.0.0.2", later),
            Err(Duration::from_secs(40))
        );
        assert_eq!(limiter.check("bob", "10.0.0.2", later), Ok(()));
        assert_eq!(
            limiter.check("amina", "10.0.0.2", start + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn an_address_is_refused_after_failures_across_user_names() {
        let limiter = limiter();
        let now = Instant::now();
        for name in ["a", "b", "c", "d", "e"] {
            limiter.fail(name, "10.0.0.9", now);
        }
        assert!(limiter.check("f", "10.0.0.9", now).is_err());
        assert_eq!(limiter.check("f", "10.0.0.8", now), Ok(()));
    }

    #[test]
    fn success_clears_the_user_names_count() {
        let limiter = limiter();
        let now = Instant::now();
        limiter.fail("amina", "10.0.0.1", now);
        limiter.fail("amina", "10.0.0.1", now);
        limiter.succeed("amina");
        limiter.fail("amina", "10.0.0.1", now);
        limiter.fail("amina", "10.0.0.1", now);
        assert_eq!(limiter.check("amina", "10.0.0.3", now), Ok(()));
    }
}
