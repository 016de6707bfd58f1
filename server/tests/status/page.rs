//! The HTML page (states, escaping, uptime bars, the chart, honest incidents), its stylesheet,
//! and the Atom feed parsed as XML.

use server::status::{ComponentSpec, StatusConfig};

use super::{Server, on_both_engines, probe};

const EVIL: &str = "<script>alert(1)</script> & \"co\"";

fn config(config: &mut server::config::Config) {
    config.probes = vec![probe("evil-probe"), probe("app-page")];
    config.status = StatusConfig {
        page_name: "CSV <Analyzer>".into(),
        page_url: "https://status.example.org".into(),
        components: vec![
            ComponentSpec {
                name: EVIL.into(),
                description: "<b>bold</b>".into(),
                probes: vec!["evil-probe".into()],
            },
            ComponentSpec {
                name: "App".into(),
                description: String::new(),
                probes: vec!["app-page".into()],
            },
            ComponentSpec {
                name: "RUM intake".into(),
                description: String::new(),
                probes: Vec::new(),
            },
        ],
        ..StatusConfig::default()
    };
}

on_both_engines! {
    /// Escaped everywhere, the states shown, a bar per day with its text, the chart as SVG.
    async fn the_page_shows_states_escaped(engine) {
        let server = Server::start(&engine, config).await;
        server.runs("evil-probe", "UUDDD").await;
        server.runs("app-page", "UUU").await;
        let response = server.get("/status").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
        assert!(response.headers().contains_key("content-security-policy"));
        let html = response.text().await.expect("HTML");
        assert!(!html.contains("<script"), "a name must be escaped: {html}");
        assert!(!html.contains("<b>bold"), "a description must be escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;"));
        assert!(html.contains("<title>CSV &lt;Analyzer&gt; status</title>"));
        assert!(html.contains("Major Service Outage"), "the overall state");
        assert!(html.contains(">Major outage</span>"));
        assert!(html.contains(">Operational</span>"));
        assert!(html.contains(">No data</span>"));
        assert!(html.contains("No probe is assigned to this component"));
        assert!(html.contains("No incident in progress."), "no public update yet");
        assert!(!html.contains(" style=\""), "the CSP allows no inline style");
        let bars = html.matches("class=\"bar ").count();
        assert_eq!(bars, 2 * 90, "90 days per component with probes");
        assert!(html.contains("0% on 20"), "a day's text alternative");
        assert!(html.contains("title=\"no data on 20"), "a day without runs");
        assert!(html.contains("aria-label=\"100% on 20"), "a good day");
        assert!(html.contains("<svg class=\"chart\""), "the response-time chart");
        assert!(html.contains("<polyline") || html.contains("<circle"));

        let css = server.get("/status/status.css").await;
        assert_eq!(css.status(), 200);
        assert!(css.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/css"));
    }
}

on_both_engines! {
    /// The feed is Atom 1.0, newest first, with the changes and escaped text.
    async fn the_feed_is_atom(engine) {
        let server = Server::start(&engine, config).await;
        server.runs("app-page", "UU").await;
        server.json("/api/status").await;
        server.runs("app-page", "DDD").await;
        server.json("/api/status").await;
        server.runs("evil-probe", "UU").await;
        let response = server.get("/status/feed.atom").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("application/atom+xml"));
        let xml = response.text().await.expect("XML");
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let feed = doc.root_element();
        let atom = "http://www.w3.org/2005/Atom";
        assert_eq!(feed.tag_name().name(), "feed");
        assert_eq!(feed.tag_name().namespace(), Some(atom));
        let child = |node: roxmltree::Node<'_, '_>, name: &str| {
            node.children().find(|n| n.has_tag_name((atom, name))).and_then(|n| n.text()).map(str::to_string)
        };
        assert_eq!(child(feed, "title").as_deref(), Some("CSV <Analyzer> status"));
        assert!(child(feed, "id").is_some() && child(feed, "updated").is_some());
        let entries: Vec<_> = feed.children().filter(|n| n.has_tag_name((atom, "entry"))).collect();
        let titles: Vec<String> = entries.iter().filter_map(|e| child(*e, "title")).collect();
        assert_eq!(titles, [
            format!("{EVIL}: operational"),
            "App: major outage (was operational)".to_string(),
            "App: operational".to_string(),
        ]);
        let updated: Vec<String> = entries.iter().filter_map(|e| child(*e, "updated")).collect();
        let mut sorted = updated.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(updated, sorted, "newest first");
        for entry in &entries {
            assert!(child(*entry, "id").is_some_and(|id| id.starts_with("urn:")));
        }
        let link = feed.children().find(|n| n.has_tag_name((atom, "link")) && n.attribute("rel") == Some("self"));
        assert_eq!(link.and_then(|l| l.attribute("href")), Some("https://status.example.org/status/feed.atom"));
    }
}
