//! Sign-in rate limiting: failed attempts are counted per user name and per client network
//! over a sliding window; once either count reaches its limit, attempts for that name (or from
//! that network) are refused before the password is checked, until the oldest failure leaves
//! the window. A success clears the name's count.
//!
//! In memory, per server: a restart forgets the counts (the audit trail keeps the failures, and
//! the RepeatedLoginFailures alert reads it). At most [`MAX_KEYS`] keys are kept; beyond, the
//! stalest are dropped.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Keys (names and networks) tracked at most.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct LoginLimiter {
    per_name: u32,
    per_client: u32,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl LoginLimiter {
    pub fn new(per_name: u32, per_client: u32, window: Duration) -> Self {
        Self {
            per_name,
            per_client,
            window_ms: i64::try_from(window.as_millis()).unwrap_or(i64::MAX),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<i64>>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(wait)` when `name` or `client` has used up its failures: try again after `wait`.
    pub fn check(&self, name: &str, client: &str, now_ms: i64) -> Result<(), Duration> {
        let mut map = self.lock();
        let mut wait_ms = 0i64;
        for (key, limit) in [
            (name_key(name), self.per_name),
            (client_key(client), self.per_client),
        ] {
            if let Some(times) = map.get_mut(&key) {
                while times.front().is_some_and(|t| now_ms - t >= self.window_ms) {
                    times.pop_front();
                }
                if times.len() >= limit as usize
                    && let Some(oldest) = times.front()
                {
                    wait_ms = wait_ms.max(oldest + self.window_ms - now_ms);
                }
            }
        }
        if wait_ms > 0 {
            Err(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)))
        } else {
            Ok(())
        }
    }

    /// Counts one failure for `name` and `client`.
    pub fn failed(&self, name: &str, client: &str, now_ms: i64) {
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            let window = self.window_ms;
            map.retain(|_, times| times.back().is_some_and(|t| now_ms - t < window));
        }
        for key in [name_key(name), client_key(client)] {
            let times = map.entry(key).or_default();
            times.push_back(now_ms);
            while times.len() > 1_000 {
                times.pop_front();
            }
        }
    }

    /// Clears `name`'s failures after a successful sign-in.
    pub fn succeeded(&self, name: &str) {
        self.lock().remove(&name_key(name));
    }
}

fn name_key(name: &str) -> String {
    format!("name:{}", name.to_lowercase())
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_limited_within_the_window() {
        let limiter = LoginLimiter::new(3, 100, Duration::from_secs(60));
        for i in 0..3 {
            assert!(limiter.check("ana", "10.0.0.0/24", i).is_ok());
            limiter.failed("ana", "10.0.0.0/24", i);
        }
        assert_eq!(
            limiter.check("Ana", "10.0.1.0/24", 10_000),
            Err(Duration::from_millis(50_000))
        );
        assert!(limiter.check("bob", "10.0.0.0/24", 10_000).is_ok());
        assert!(limiter.check("ana", "10.0.0.0/24", 60_000).is_ok());
        limiter.succeeded("ana");
        assert!(limiter.check("ana", "10.0.0.0/24", 10).is_ok());
    }

    #[test]
    fn clients_are_limited_across_names() {
        let limiter = LoginLimiter::new(100, 2, Duration::from_secs(60));
        limiter.failed("a", "net", 0);
        limiter.failed("b", "net", 1);
        assert!(limiter.check("c", "net", 2).is_err());
        assert!(limiter.check("c", "other", 2).is_ok());
    }
}
