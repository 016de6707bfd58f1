//! MTTA and MTTR per severity against values computed by hand, open counts, per component.

use server::incidents::{Severity, State};

use crate::{HOUR, MINUTE, T0, on_both_engines, open_incident};

/// One planned incident: title, severity, detected, acknowledged after, resolved after,
/// components.
type Planned = (
    &'static str,
    Severity,
    i64,
    Option<i64>,
    Option<i64>,
    &'static [&'static str],
);

on_both_engines! {
    /// Four incidents in the range (and one outside it) with chosen instants:
    ///
    /// | incident | severity | detected | acknowledged | resolved |
    /// |----------|----------|----------|--------------|----------|
    /// | A        | SEV2     | T0       | +2 min       | +30 min  |
    /// | B        | SEV2     | T0+1 h   | +4 min       | +90 min  |
    /// | C        | SEV2     | T0+2 h   | +9 min       | open     |
    /// | D        | SEV3     | T0+3 h   | never        | +10 min  |
    /// | E        | SEV2     | T0+30 h  | +1 min       | +1 min   | (outside)
    ///
    /// SEV2 MTTA = (120 + 240 + 540) / 3 = 300 s, median 240 s; SEV2 MTTR = (1800 + 5400) / 2
    /// = 3600 s, median 3600 s; SEV3 MTTA has no sample, MTTR = 600 s.
    async fn mtta_and_mttr_per_severity(store) {
        let incidents = store.incidents();
        let plan: [Planned; 5] = [
            ("A", Severity::Sev2, T0, Some(2 * MINUTE), Some(30 * MINUTE), &["api"]),
            ("B", Severity::Sev2, T0 + HOUR, Some(4 * MINUTE), Some(90 * MINUTE), &["api", "db"]),
            ("C", Severity::Sev2, T0 + 2 * HOUR, Some(9 * MINUTE), None, &["web"]),
            ("D", Severity::Sev3, T0 + 3 * HOUR, None, Some(10 * MINUTE), &["api"]),
            ("E", Severity::Sev2, T0 + 30 * HOUR, Some(MINUTE), Some(MINUTE), &["db"]),
        ];
        for (title, severity, detected, ack, resolve, components) in plan {
            let id = open_incident(&store, title, severity, components, "alice", detected).await.id;
            if let Some(after) = ack {
                incidents.acknowledge(id, "bob", detected + after).await.unwrap();
            }
            if let Some(after) = resolve {
                incidents.transition(id, State::Resolved, "bob", detected + after).await.unwrap();
            }
        }

        let figures = incidents.response_figures(T0, T0 + 24 * HOUR).await.unwrap();
        assert_eq!(figures.len(), 4, "every severity");
        let sev1 = &figures[0];
        assert_eq!((sev1.severity, sev1.incidents), (Severity::Sev1, 0));
        assert_eq!(sev1.time_to_resolve.mean_seconds, None);

        let sev2 = &figures[1];
        assert_eq!(sev2.severity, Severity::Sev2);
        assert_eq!(sev2.incidents, 3);
        assert_eq!(sev2.time_to_acknowledge.count, 3);
        assert_eq!(sev2.time_to_acknowledge.mean_seconds, Some((120.0 + 240.0 + 540.0) / 3.0));
        assert_eq!(sev2.time_to_acknowledge.median_seconds, Some(240.0));
        assert_eq!(sev2.time_to_resolve.count, 2);
        assert_eq!(sev2.time_to_resolve.mean_seconds, Some((1800.0 + 5400.0) / 2.0));
        assert_eq!(sev2.time_to_resolve.median_seconds, Some(3600.0));

        let sev3 = &figures[2];
        assert_eq!(sev3.incidents, 1);
        assert_eq!(sev3.time_to_acknowledge.count, 0);
        assert_eq!(sev3.time_to_resolve.mean_seconds, Some(600.0));
        assert_eq!(sev3.time_to_resolve.median_seconds, Some(600.0));

        let open = incidents.open_counts().await.unwrap();
        assert_eq!(
            open,
            [(Severity::Sev1, 0), (Severity::Sev2, 1), (Severity::Sev3, 0), (Severity::Sev4, 0)]
        );
        let per_component = incidents.per_component(T0, T0 + 24 * HOUR).await.unwrap();
        assert_eq!(
            per_component,
            [("api".to_string(), 3), ("db".to_string(), 1), ("web".to_string(), 1)]
        );
    }
}
