//! The metric samples repository, on both engines.

use server::storage::{MetricSample, StorageError, canonical_labels};

use crate::{count_samples, on_both_engines};

fn sample(ts_ms: i64, name: &str, labels: &str, value: f64) -> MetricSample {
    MetricSample::new(ts_ms, name, labels, value)
}

on_both_engines! {
    /// What goes in comes out: by name, by label set, within inclusive bounds, ordered by time
    /// then labels, whatever the insertion order.
    async fn insert_and_read_a_series(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let get = canonical_labels([("method", "GET"), ("route", "/api/x")]);
        let post = canonical_labels([("route", "/api/x"), ("method", "POST")]);
        assert_eq!(get, r#"method="GET",route="/api/x""#);
        repo.insert(&[
            sample(3_000, "http_requests_total", &post, 7.0),
            sample(1_000, "http_requests_total", &get, 1.0),
            sample(2_000, "http_requests_total", &get, 2.5),
            sample(2_000, "http_requests_total", &post, 5.0),
            sample(1_000, "http_requests_total", &post, 4.0),
            sample(2_000, "process_resident_memory_bytes", "", 1e9),
            sample(9_000, "http_requests_total", &get, 9.0),
        ])
        .await
        .expect("insert");

        let all = repo
            .series("http_requests_total", None, 1_000, 3_000)
            .await
            .expect("series");
        assert_eq!(
            all,
            vec![
                sample(1_000, "http_requests_total", &get, 1.0),
                sample(1_000, "http_requests_total", &post, 4.0),
                sample(2_000, "http_requests_total", &get, 2.5),
                sample(2_000, "http_requests_total", &post, 5.0),
                sample(3_000, "http_requests_total", &post, 7.0),
            ]
        );

        let only_get = repo
            .series("http_requests_total", Some(&get), 0, i64::MAX)
            .await
            .expect("one label set");
        let values: Vec<(i64, f64)> = only_get.iter().map(|s| (s.ts_ms, s.value)).collect();
        assert_eq!(values, [(1_000, 1.0), (2_000, 2.5), (9_000, 9.0)]);

        let inner = repo
            .series("http_requests_total", Some(&post), 1_001, 2_999)
            .await
            .expect("inner range");
        assert_eq!(inner, vec![sample(2_000, "http_requests_total", &post, 5.0)]);

        let unlabelled = repo
            .series("process_resident_memory_bytes", Some(""), 0, 10_000)
            .await
            .expect("no labels");
        assert_eq!(unlabelled, vec![sample(2_000, "process_resident_memory_bytes", "", 1e9)]);

        assert!(repo.series("nope", None, 0, i64::MAX).await.expect("unknown").is_empty());
        assert!(
            repo.series("http_requests_total", None, 3_001, 8_999)
                .await
                .expect("gap")
                .is_empty()
        );
    }
}

on_both_engines! {
    /// Values round-trip exactly, infinities and extremes included.
    async fn values_round_trip_exactly(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let values = [
            0.0,
            -1.5,
            0.1 + 0.2,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let samples: Vec<MetricSample> = values
            .iter()
            .enumerate()
            .map(|(i, v)| sample(i64::try_from(i).expect("small") - 3, "g", "", *v))
            .collect();
        repo.insert(&samples).await.expect("insert");
        let back = repo.series("g", None, i64::MIN, i64::MAX).await.expect("series");
        assert_eq!(back, samples);
    }
}

on_both_engines! {
    /// One value per series and instant: a later write replaces it, also within one batch.
    async fn the_last_write_of_an_instant_wins(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        repo.insert(&[sample(5, "m", "", 1.0)]).await.expect("first");
        repo.insert(&[sample(5, "m", "", 2.0), sample(6, "m", "", 3.0), sample(5, "m", "", 4.0)])
            .await
            .expect("second");
        let back = repo.series("m", None, 0, 10).await.expect("series");
        assert_eq!(back, vec![sample(5, "m", "", 4.0), sample(6, "m", "", 3.0)]);
        assert_eq!(count_samples(&store).await, 2);
    }
}

on_both_engines! {
    /// Per label set, the latest sample at or before the instant; label sets without one are
    /// left out.
    async fn latest_per_label_set(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let a = canonical_labels([("route", "/a")]);
        let b = canonical_labels([("route", "/b")]);
        let c = canonical_labels([("route", "/c")]);
        repo.insert(&[
            sample(100, "up", &a, 1.0),
            sample(200, "up", &a, 2.0),
            sample(300, "up", &a, 3.0),
            sample(150, "up", &b, 10.0),
            sample(250, "up", &c, 20.0),
            sample(260, "other", &a, 99.0),
        ])
        .await
        .expect("insert");

        let at_200 = repo.latest("up", 200).await.expect("latest at 200");
        assert_eq!(at_200, vec![sample(200, "up", &a, 2.0), sample(150, "up", &b, 10.0)]);

        let at_1000 = repo.latest("up", 1_000).await.expect("latest at 1000");
        assert_eq!(
            at_1000,
            vec![
                sample(300, "up", &a, 3.0),
                sample(150, "up", &b, 10.0),
                sample(250, "up", &c, 20.0),
            ]
        );

        assert!(repo.latest("up", 99).await.expect("before all").is_empty());
        assert!(repo.latest("nope", 1_000).await.expect("unknown").is_empty());
    }
}

on_both_engines! {
    /// NaN and empty names are refused, and a refused batch writes nothing.
    async fn invalid_samples_are_refused_whole(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let error = repo
            .insert(&[sample(1, "ok", "", 1.0), sample(2, "bad", "", f64::NAN)])
            .await
            .expect_err("NaN");
        assert!(matches!(error, StorageError::InvalidSample { ref name, .. } if name == "bad"), "{error}");
        let error = repo.insert(&[sample(1, "", "", 1.0)]).await.expect_err("empty name");
        assert!(matches!(error, StorageError::InvalidSample { .. }), "{error}");
        assert_eq!(count_samples(&store).await, 0);
        repo.insert(&[]).await.expect("an empty batch is fine");
    }
}

on_both_engines! {
    /// Deleting is bounded per call, oldest first, and strictly before the cutoff.
    async fn delete_older_than_works_in_bounded_batches(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let cutoff = 1_000_000;
        let mut old = Vec::new();
        for i in 0..2_500 {
            let labels = canonical_labels([("shard", (i % 5).to_string())]);
            old.push(sample(cutoff - 1 - i, "m", &labels, 1.0));
        }
        repo.insert(&old).await.expect("old samples");
        let kept = vec![sample(cutoff, "m", "", 2.0), sample(cutoff + 1, "m", "", 3.0)];
        repo.insert(&kept).await.expect("recent samples");

        let mut batches = Vec::new();
        loop {
            let deleted = repo.delete_older_than(cutoff, 1_000).await.expect("delete");
            batches.push(deleted);
            if deleted == 0 {
                break;
            }
        }
        assert_eq!(batches, [1_000, 1_000, 500, 0]);
        assert_eq!(repo.series("m", None, i64::MIN, i64::MAX).await.expect("left"), kept);
        assert_eq!(repo.delete_older_than(i64::MAX, 0).await.expect("batch 0"), 0);
    }
}

on_both_engines! {
    /// The first batches remove the oldest samples.
    async fn deletes_start_with_the_oldest(store) {
        store.migrate().await.expect("migrate");
        let repo = store.metric_samples();
        let samples: Vec<MetricSample> = (0..10).map(|t| sample(t, "m", "", 0.0)).collect();
        repo.insert(&samples).await.expect("insert");
        assert_eq!(repo.delete_older_than(8, 3).await.expect("delete"), 3);
        let left: Vec<i64> = repo
            .series("m", None, 0, 100)
            .await
            .expect("series")
            .iter()
            .map(|s| s.ts_ms)
            .collect();
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    }
}

on_both_engines! {
    /// Concurrent writers creating the same new series all succeed (SQLite: they wait for the
    /// write lock; PostgreSQL: no duplicate series, no deadlock).
    async fn concurrent_writers_of_the_same_series(store) {
        store.migrate().await.expect("migrate");
        let mut tasks = Vec::new();
        for writer in 0..8_i64 {
            let repo = store.metric_samples();
            tasks.push(tokio::spawn(async move {
                for round in 0..5_i64 {
                    let batch: Vec<MetricSample> = (0..10)
                        .map(|series| {
                            let labels = canonical_labels([("s", series.to_string())]);
                            sample(writer * 1_000 + round, "c", &labels, 1.0)
                        })
                        .collect();
                    repo.insert(&batch).await.expect("concurrent insert");
                }
            }));
        }
        for task in tasks {
            task.await.expect("writer");
        }
        assert_eq!(count_samples(&store).await, 8 * 5 * 10);
        assert_eq!(store.metric_samples().latest("c", i64::MAX).await.expect("latest").len(), 10);
    }
}
