//! The retention task, on both engines, with a controlled clock.

use std::time::Duration;

use server::storage::{MetricSample, canonical_labels};
use server::tasks::retention;

use crate::{count_samples, on_both_engines};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

on_both_engines! {
    /// `step` deletes exactly the samples older than the maximum age, in as many batches as
    /// needed, and keeps the rest.
    async fn step_deletes_exactly_what_is_older(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let now = 100 * DAY_MS;
        let cutoff = now - 30 * DAY_MS;
        let mut samples = Vec::new();
        for i in 0..2_500 {
            let labels = canonical_labels([("route", format!("/r{}", i % 7))]);
            samples.push(MetricSample::new(cutoff - 1 - i * 60_000, "m", labels, 1.0));
        }
        let young: Vec<MetricSample> = (0..10)
            .map(|i| MetricSample::new(cutoff + i * 15_000, "m", "", 2.0))
            .collect();
        samples.extend(young.iter().cloned());
        repo.insert(&samples).await.expect("insert");
        assert_eq!(count_samples(&store).await, 2_510);

        let deleted = retention::step(&store, now, 30, 1_000).await.expect("step");
        assert_eq!(deleted, 2_500);
        assert_eq!(count_samples(&store).await, 10);
        assert_eq!(repo.series("m", None, i64::MIN, i64::MAX).await.expect("left"), young);

        assert_eq!(retention::step(&store, now, 30, 1_000).await.expect("again"), 0);
        // A day later, the samples of the first day past the cutoff go too.
        let later = retention::step(&store, now + DAY_MS, 30, 3).await.expect("a day later");
        assert_eq!(later, 10);
        assert_eq!(count_samples(&store).await, 0);
    }
}

on_both_engines! {
    /// `run` cleans up on its first tick and stops when told to.
    async fn run_deletes_and_stops_on_shutdown(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        // Samples from 1970 are older than any maximum age; one from the far future stays.
        let mut samples: Vec<MetricSample> =
            (0..25).map(|i| MetricSample::new(i * 1_000, "m", "", 1.0)).collect();
        samples.push(MetricSample::new(i64::MAX / 2, "m", "", 1.0));
        repo.insert(&samples).await.expect("insert");

        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(retention::run(
            store.clone(),
            Duration::from_secs(3600),
            retention::MaxAges { metric_samples_days: 30, rum_days: 30, probe_results_days: 90, alerting_days: 90 },
            10,
            async {
                let _ = stopped.await;
            },
        ));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while count_samples(&store).await != 1 {
            assert!(tokio::time::Instant::now() < deadline, "retention did not run");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(()).expect("task alive");
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("stops on shutdown")
            .expect("no panic");
    }
}
