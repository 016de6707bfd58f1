//! Product timings: how long an analysis took as the user saw it — from the click to the
//! result, in the worker — with the input's size and row count in buckets (never the figures
//! themselves, never a name). Recorded by [`crate::components::run::Run::start`].
//!
//! With each analysis go two more timings from the worker: `read` (waiting for the browser to
//! hand over the file's slices) and `parse` (the engine: parsing, classifying, accumulating).
//!
//! The analysis's own timing (not its phases) also carries its time per 10,000 rows, computed
//! here from the exact row count and rounded to two significant digits
//! ([`shared::api::rum::ms_per_10k_rows`], which explains why that keeps the count private): the
//! server's `PredictionLatencyHigh` rule reads its p75.

use std::any::Any;

use shared::api::rum::{
    Event, RowsBucket, SizeBucket, Thread, Timing, TimingName, ms_per_10k_rows,
};

use super::{context, errors, now, sender};
use crate::worker::client::{AnalysisError, DriftOutcome, ProfileOutcome, QualityOutcome};
use crate::worker::protocol::Phases;

/// Which analysis `result` is, how many rows it read, and where the worker's time went.
pub fn describe(result: &dyn Any) -> Option<(TimingName, u64, Phases)> {
    if let Some(profile) = result.downcast_ref::<ProfileOutcome>() {
        return Some((TimingName::Profile, profile.result.rows, profile.phases));
    }
    if let Some(drift) = result.downcast_ref::<DriftOutcome>() {
        let rows = drift.result.reference_rows + drift.result.current_rows;
        return Some((TimingName::Drift, rows, drift.phases));
    }
    if let Some(quality) = result.downcast_ref::<QualityOutcome>() {
        let rows = quality.result.rows + quality.result.skipped_rows;
        return Some((TimingName::Quality, rows, quality.phases));
    }
    None
}

/// The timing event of an analysis step `name` over `total_bytes` and `rows` rows that took
/// `elapsed_ms`; a whole analysis (not a phase) of at least one row also gets its time per
/// 10,000 rows.
pub fn timing(
    name: TimingName,
    total_bytes: u64,
    rows: u64,
    elapsed_ms: f64,
    at_ms: f64,
) -> Timing {
    let duration_ms = if elapsed_ms.is_finite() {
        elapsed_ms.max(0.0)
    } else {
        0.0
    };
    Timing {
        name,
        duration_ms,
        size: SizeBucket::of_bytes(total_bytes),
        rows: RowsBucket::of_rows(rows),
        thread: Thread::Worker,
        at_ms: at_ms.max(0.0),
        // From the measured time: an unmeasured one (sent as 0 ms) gives no figure, rather than
        // a 0 that would pull the p75 down.
        ms_per_10k_rows: if name.is_analysis() {
            ms_per_10k_rows(elapsed_ms, rows)
        } else {
            None
        },
    }
}

/// An analysis of `total_bytes` ended after `elapsed_ms`: a timing when it gave a result, an
/// error report when it failed because of the app.
pub fn analysis_finished<T: 'static>(
    result: &Result<T, AnalysisError>,
    total_bytes: u64,
    elapsed_ms: f64,
) {
    match result {
        Ok(value) => {
            if let Some((name, rows, phases)) = describe(value) {
                let at = now();
                for (name, ms) in [
                    (name, elapsed_ms),
                    (TimingName::Read, phases.read_ms),
                    (TimingName::Parse, phases.parse_ms),
                ] {
                    let event = timing(name, total_bytes, rows, ms, at);
                    sender::push(context::current(), Event::Timing(event));
                }
            }
        }
        Err(error) => errors::analysis_failed(error),
    }
}

#[cfg(test)]
mod tests {
    use shared::api::Provenance;
    use shared::profile::{ProfileOptions, Profiler};

    use super::*;
    use crate::worker::client::Outcome;

    #[test]
    fn a_profile_is_described_by_buckets_only() {
        let mut profiler = Profiler::new(ProfileOptions::default());
        profiler.push(b"x\n1\n2\n3\n");
        let outcome: ProfileOutcome = Outcome {
            result: profiler.finish().into_profile(),
            provenance: Provenance {
                app_version: "0.1.0".into(),
                generated_at: String::new(),
                files: Vec::new(),
                parameters: serde_json::Value::Null,
            },
            json: String::new(),
            phases: Phases {
                read_ms: 2.0,
                parse_ms: 5.0,
            },
        };
        assert_eq!(
            describe(&outcome),
            Some((TimingName::Profile, 3, outcome.phases))
        );
        assert_eq!(describe(&"not an analysis"), None);
        let event = timing(TimingName::Profile, 2_500_000, 3, 812.5, 1000.0);
        assert_eq!(event.size, SizeBucket::UpToTenMb);
        assert_eq!(event.rows, RowsBucket::UnderThousand);
        assert_eq!(event.thread, Thread::Worker);
        // 812.5 ms × 10,000 / 3 rows = 2,708,333.3… → 2,700,000.
        assert_eq!(event.ms_per_10k_rows, Some(2_700_000.0));
        let json = serde_json::to_string(&Event::Timing(event)).unwrap();
        assert_eq!(
            json,
            r#"{"type":"timing","name":"profile","duration_ms":812.5,"size":"1-10MB","rows":"<1k","thread":"worker","at_ms":1000.0,"ms_per_10k_rows":2700000.0}"#
        );
    }

    #[test]
    fn an_analysis_carries_its_time_per_10k_rows_and_its_phases_do_not() {
        // 30,000 rows in 812.5 ms: 812.5 × 10,000 / 30,000 = 270.83… ms, two digits: 270.
        let event = timing(TimingName::Drift, 40_000_000, 30_000, 812.5, 2000.0);
        assert_eq!(event.rows, RowsBucket::TensOfThousands);
        assert_eq!(event.ms_per_10k_rows, Some(270.0));
        let json = serde_json::to_string(&Event::Timing(event.clone())).unwrap();
        assert_eq!(
            json,
            r#"{"type":"timing","name":"drift","duration_ms":812.5,"size":"10-100MB","rows":"10k-100k","thread":"worker","at_ms":2000.0,"ms_per_10k_rows":270.0}"#
        );
        // The server accepts it as sent.
        let mut beacon = shared::api::rum::Beacon {
            session: "k3f9a0c2d4e6f8a1".into(),
            app_version: "0.1.0".into(),
            context: shared::api::rum::Context {
                route: "/drift".into(),
                device: shared::api::rum::DeviceClass::Desktop,
                connection: None,
                viewport: shared::api::rum::ViewportBucket::Wide,
                browser: shared::api::rum::BrowserFamily::Firefox,
            },
            events: vec![Event::Timing(event.clone())],
        };
        beacon.validate().unwrap();
        assert_eq!(beacon.events, [Event::Timing(event)]);
        for phase in [TimingName::Read, TimingName::Parse] {
            let event = timing(phase, 40_000_000, 30_000, 300.0, 2000.0);
            assert_eq!(event.ms_per_10k_rows, None, "{phase:?}");
            let json = serde_json::to_string(&Event::Timing(event)).unwrap();
            assert!(!json.contains("ms_per_10k_rows"), "{json}");
        }
        // No rows, no figure; a quality analysis gets one too.
        assert_eq!(
            timing(TimingName::Profile, 10, 0, 5.0, 0.0).ms_per_10k_rows,
            None
        );
        assert_eq!(
            timing(TimingName::Quality, 10, 1_000_000, 1_500.0, 0.0).ms_per_10k_rows,
            Some(15.0)
        );
        assert_eq!(
            timing(TimingName::Profile, 10, 20_000, f64::NAN, 0.0).ms_per_10k_rows,
            None,
            "an unmeasured duration is sent as 0 ms, without a figure"
        );
    }
}
