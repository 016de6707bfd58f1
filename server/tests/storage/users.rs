//! Users, sessions and the audit trail's table on both engines.

use server::auth::tokens;
use server::storage::users::LAST_SEEN_RESOLUTION_MS;

use super::columns::columns;
use super::on_both_engines;

on_both_engines! {
    /// Both dialects have the same columns for people and the audit trail.
    async fn both_dialects_have_the_same_access_columns(store) {
        store.migrate().await.expect("migrate");
        let expected: [(&str, &[(&str, &str)]); 3] = [
            ("users", &[("id", "integer"), ("name", "text"), ("password_hash", "text"),
                ("role", "text"), ("created_ms", "integer"), ("disabled_ms", "integer")]),
            ("sessions", &[("id_sha256", "text"), ("user_id", "integer"), ("csrf_token", "text"),
                ("created_ms", "integer"), ("expires_ms", "integer"), ("last_seen_ms", "integer")]),
            ("audit_log", &[("id", "integer"), ("at_ms", "integer"), ("actor", "text"),
                ("action", "text"), ("target", "text"), ("detail", "text"), ("prev_hash", "text"),
                ("hash", "text")]),
        ];
        for (table, spec) in expected {
            let want: Vec<(String, String)> =
                spec.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            assert_eq!(columns(&store, table).await, want, "{table}");
        }
    }
}

on_both_engines! {
    /// Users: a name once; credentials only while enabled; sessions found until they expire
    /// (absolute or idle), noted at most once a minute, ended by disabling or a new password.
    async fn users_and_sessions_live_and_end(store) {
        store.migrate().await.expect("migrate");
        let users = store.users();
        assert!(users.create("ana", "$argon2id$hash-a", "responder", 1_000).await.expect("create"));
        assert!(!users.create("ana", "$argon2id$other", "viewer", 2_000).await.expect("again"));
        let (row, hash) = users.credentials("ana").await.expect("read").expect("ana");
        assert_eq!((row.name.as_str(), row.role.as_str(), hash.as_str()), ("ana", "responder", "$argon2id$hash-a"));
        assert!(users.credentials("bob").await.expect("read").is_none());

        let id = tokens::hash("cookie-1");
        users.create_session(&id, row.id, "csrf-1", 10_000, 10_000 + 3_600_000).await.expect("session");
        let idle = 600_000;
        let found = users.session(&id, 20_000, idle).await.expect("read").expect("live");
        assert_eq!((found.name.as_str(), found.role.as_str(), found.csrf_token.as_str()), ("ana", "responder", "csrf-1"));
        // Used within the minute: not written again; after it: written.
        users.session(&id, 10_000 + LAST_SEEN_RESOLUTION_MS - 1, idle).await.expect("read");
        assert_eq!(users.session(&id, 20_000, idle).await.expect("read").expect("live").last_seen_ms, 10_000);
        users.session(&id, 10_000 + LAST_SEEN_RESOLUTION_MS, idle).await.expect("read");
        let seen = 10_000 + LAST_SEEN_RESOLUTION_MS;
        assert_eq!(users.session(&id, seen, idle).await.expect("read").expect("live").last_seen_ms, seen);
        assert!(users.session(&id, seen + idle, idle).await.expect("read").is_none(), "idle too long");
        assert!(users.session(&id, 10_000 + 3_600_000, 10 * idle).await.expect("read").is_none(), "expired");

        let second = tokens::hash("cookie-2");
        users.create_session(&second, row.id, "csrf-2", 50_000, 9_000_000).await.expect("session");
        assert!(users.set_password("ana", "$argon2id$new").await.expect("passwd"));
        assert!(users.session(&second, 60_000, idle).await.expect("read").is_none(), "a new password ends sessions");
        let third = tokens::hash("cookie-3");
        users.create_session(&third, row.id, "csrf-3", 70_000, 9_000_000).await.expect("session");
        assert!(users.disable("ana", 80_000).await.expect("disable"));
        assert!(!users.disable("ana", 90_000).await.expect("twice"));
        assert!(users.session(&third, 80_001, idle).await.expect("read").is_none());
        assert!(users.credentials("ana").await.expect("read").is_none(), "disabled");
        assert_eq!(users.list().await.expect("list")[0].disabled_ms, Some(80_000));

        users.create_session(&tokens::hash("old"), row.id, "c", 1, 2).await.expect("session");
        assert_eq!(users.delete_expired_sessions(100_000, idle).await.expect("purge"), 1);
    }
}
