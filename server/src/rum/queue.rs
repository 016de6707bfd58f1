//! The bounded queue between `POST /api/rum` and the batch writer.
//!
//! Its bound is in rows, not beacons (a beacon holds 1 to 600 rows): a semaphore of
//! `rum.queue_capacity` permits, one per row, taken by the handler before it answers 202 and
//! given back when the writer has written (or given up on) the rows. A beacon whose rows do
//! not fit is refused (503 with `Retry-After`), never accepted and dropped.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::storage::RumEventRow;
use crate::telemetry::metrics::Metrics;

/// Rows of one accepted beacon, holding their places in the queue until dropped.
#[derive(Debug)]
pub struct Queued {
    pub rows: Vec<RumEventRow>,
    place: QueuePlace,
}

/// A beacon's places in the queue, returned (and the queue gauge lowered) on drop.
#[derive(Debug)]
struct QueuePlace {
    _permit: OwnedSemaphorePermit,
    rows: i64,
    metrics: Arc<Metrics>,
}

impl Drop for QueuePlace {
    fn drop(&mut self) {
        self.metrics.rum().queue_add(-self.rows);
    }
}

impl Queued {
    /// How many rows this beacon holds in the queue.
    pub fn len(&self) -> usize {
        usize::try_from(self.place.rows).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The handlers' side. Cheap to clone.
#[derive(Debug, Clone)]
pub struct QueueSender {
    sender: mpsc::UnboundedSender<Queued>,
    places: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

/// The writer's side.
#[derive(Debug)]
pub struct QueueReceiver {
    pub(crate) receiver: mpsc::UnboundedReceiver<Queued>,
}

/// Why rows were not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("the queue is full")]
    Full,
    #[error("the writer has stopped")]
    Closed,
}

/// A queue of at most `capacity` rows.
pub fn queue(capacity: usize, metrics: Arc<Metrics>) -> (QueueSender, QueueReceiver) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let places = Arc::new(Semaphore::new(capacity.min(Semaphore::MAX_PERMITS)));
    (
        QueueSender {
            sender,
            places,
            metrics,
        },
        QueueReceiver { receiver },
    )
}

impl QueueSender {
    /// Queues `rows` if they fit, at once (never waits).
    pub fn push(&self, rows: Vec<RumEventRow>) -> Result<(), QueueError> {
        let n = u32::try_from(rows.len()).map_err(|_| QueueError::Full)?;
        let permit = self
            .places
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| QueueError::Full)?;
        self.metrics.rum().queue_add(i64::from(n));
        let queued = Queued {
            rows,
            place: QueuePlace {
                _permit: permit,
                rows: i64::from(n),
                metrics: self.metrics.clone(),
            },
        };
        self.sender.send(queued).map_err(|_| QueueError::Closed)
    }

    /// Rows that can still be queued.
    pub fn available(&self) -> usize {
        self.places.available_permits()
    }
}

impl QueueReceiver {
    /// The next beacon, waiting for one; `None` once every sender is gone (or after
    /// [`close`](Self::close)) and the queue is empty.
    pub async fn recv(&mut self) -> Option<Queued> {
        self.receiver.recv().await
    }

    /// A beacon already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Queued> {
        self.receiver.try_recv().ok()
    }

    /// Refuses new beacons ([`QueueError::Closed`]); those queued can still be received.
    pub fn close(&mut self) {
        self.receiver.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RumEventRow;

    fn rows(n: usize) -> Vec<RumEventRow> {
        let row = RumEventRow {
            received_ms: 0,
            session: "s".into(),
            app_version: "v".into(),
            route: "/".into(),
            device: "mobile",
            browser: "other",
            viewport: "0-359",
            connection: None,
            client_net: None,
            event_type: "vital",
            name: "LCP",
            value: Some(1.0),
            rating: None,
            at_ms: 0.0,
            size_bucket: None,
            rows_bucket: None,
            thread: None,
            ms_per_10k_rows: None,
            error: None,
            navigation: None,
        };
        vec![row; n]
    }

    #[tokio::test]
    async fn a_beacon_that_does_not_fit_is_refused_until_rows_are_written() {
        let metrics = Arc::new(Metrics::new(1));
        let (sender, mut receiver) = queue(100, metrics.clone());
        sender.push(rows(60)).expect("fits");
        assert_eq!(sender.push(rows(41)), Err(QueueError::Full));
        sender.push(rows(40)).expect("fits exactly");
        assert_eq!(metrics.rum().queue_rows(), 100);
        let first = receiver.recv().await.expect("queued");
        assert_eq!(first.len(), 60);
        assert_eq!(
            sender.push(rows(1)),
            Err(QueueError::Full),
            "places held until written"
        );
        drop(first);
        assert_eq!(metrics.rum().queue_rows(), 40);
        sender.push(rows(60)).expect("room again");
        receiver.close();
        assert_eq!(sender.push(rows(0)), Err(QueueError::Closed));
    }
}
