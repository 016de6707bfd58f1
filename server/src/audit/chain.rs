//! The hash chain of the audit trail.
//!
//! Row `n`'s hash is the SHA-256 (lowercase hex) of the JSON array
//! `[id, at_ms, actor, action, target, detail, prev_hash]`, where `prev_hash` is row `n − 1`'s
//! hash ([`GENESIS`] for the first row) and ids run 1, 2, 3… with no gap. serde_json writes
//! that array the same way every time (strings escaped one way, integers in decimal), so the
//! hash is a function of the stored fields only.
//!
//! [`Verifier`] walks the rows in id order and stops at the first that does not fit.

use sha2::{Digest, Sha256};

use crate::storage::AuditRow;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash row `id` must have, given its fields and the previous row's hash.
pub fn link_hash(
    id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([id, at_ms, actor, action, target, detail, prev_hash]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The first row that does not fit (for a missing row: the id that should have come).
    pub id: i64,
    pub reason: String,
}

/// Checks rows fed in id order, remembering the last good link.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_id: i64,
    prev_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_id: 1,
            prev_hash: GENESIS.to_string(),
        }
    }
}

impl Verifier {
    /// Checks the next row.
    pub fn check(&mut self, row: &AuditRow) -> Result<(), BrokenLink> {
        if row.id != self.expected_id {
            return Err(BrokenLink {
                id: self.expected_id,
                reason: if row.id > self.expected_id {
                    format!(
                        "row {} is missing (the next row is {})",
                        self.expected_id, row.id
                    )
                } else {
                    format!("row {} appears out of order", row.id)
                },
            });
        }
        if row.prev_hash != self.prev_hash {
            return Err(BrokenLink {
                id: row.id,
                reason: format!(
                    "its prev_hash is not row {}'s hash (a row before it was changed or replaced)",
                    row.id - 1
                ),
            });
        }
        let expected = link_hash(
            row.id,
            row.at_ms,
            &row.actor,
            &row.action,
            &row.target,
            &row.detail,
            &row.prev_hash,
        );
        if row.hash != expected {
            return Err(BrokenLink {
                id: row.id,
                reason: "its hash does not match its content (the row was changed)".to_string(),
            });
        }
        self.expected_id += 1;
        self.prev_hash = row.hash.clone();
        Ok(())
    }

    /// Rows checked so far.
    pub fn checked(&self) -> i64 {
        self.expected_id - 1
    }

    /// The last good row's hash ([`GENESIS`] when none).
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, prev: &str, action: &str) -> AuditRow {
        let hash = link_hash(id, 1_000 + id, "ana", action, "t", "{}", prev);
        AuditRow {
            id,
            at_ms: 1_000 + id,
            actor: "ana".into(),
            action: action.into(),
            target: "t".into(),
            detail: "{}".into(),
            prev_hash: prev.into(),
            hash,
        }
    }

    fn chain(n: i64) -> Vec<AuditRow> {
        let mut rows = Vec::new();
        let mut prev = GENESIS.to_string();
        for id in 1..=n {
            let next = row(id, &prev, "login.success");
            prev = next.hash.clone();
            rows.push(next);
        }
        rows
    }

    fn verify(rows: &[AuditRow]) -> Result<i64, BrokenLink> {
        let mut verifier = Verifier::default();
        for row in rows {
            verifier.check(row)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn the_hash_is_sha256_of_the_canonical_array() {
        // Independent oracle: `printf '%s' '[1,5,"a","b","c","{}","00"]' | sha256sum`.
        assert_eq!(
            link_hash(1, 5, "a", "b", "c", "{}", "00"),
            "b2c961a58425da72f459a77ef390795ff7a21223829cf0900b56ae677cab661e"
        );
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn a_changed_field_breaks_at_that_row() {
        let mut rows = chain(5);
        rows[2].actor = "mallory".into();
        assert_eq!(verify(&rows).map_err(|b| b.id), Err(3));
    }

    #[test]
    fn a_recomputed_row_breaks_at_the_next() {
        let mut rows = chain(5);
        rows[2].actor = "mallory".into();
        rows[2].hash = link_hash(
            3,
            rows[2].at_ms,
            "mallory",
            "login.success",
            "t",
            "{}",
            &rows[2].prev_hash,
        );
        assert_eq!(verify(&rows).map_err(|b| b.id), Err(4));
    }

    #[test]
    fn a_removed_row_is_named() {
        let mut rows = chain(5);
        rows.remove(1);
        let broken = verify(&rows).expect_err("gap");
        assert_eq!(broken.id, 2);
        assert!(broken.reason.contains("missing"), "{}", broken.reason);
    }
}
