//! Signing in and out, sessions and CSRF on a real server.

use reqwest::Method;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::{Value, json};

use super::{PASSWORD, Server, session_cookie, set_cookie_header};

/// The sign-in form: GET sets the double-submit cookie, POST with the matching field signs in
/// with a 303 to `next`, the session cookie is HttpOnly, SameSite=Strict, and Secure only
/// behind TLS.
#[tokio::test]
async fn the_form_signs_in_with_a_strict_httponly_cookie() {
    let server = Server::start().await;
    server.add_user("ana", "responder").await;
    let page = server
        .client
        .get(server.url("/login?next=/admin/audit"))
        .send()
        .await
        .expect("form");
    assert_eq!(page.status(), 200);
    let login_cookie = set_cookie_header(&page, "csva_login").expect("login cookie");
    let value = login_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("value");
    let html = page.text().await.expect("html");
    assert!(
        html.contains(&format!("name=\"csrf\" value=\"{value}\"")),
        "{html}"
    );

    // Without the double-submit cookie the form is refused, nothing else happens.
    let refused = server
        .client
        .post(server.url("/login"))
        .form(&[
            ("csrf", value.as_str()),
            ("name", "ana"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403);
    assert!(session_cookie(&refused).is_none());

    let signed = server
        .client
        .post(server.url("/login"))
        .header(COOKIE, format!("csva_login={value}"))
        .form(&[
            ("csrf", value.as_str()),
            ("name", "ana"),
            ("password", PASSWORD),
            ("next", "/admin/audit"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()[LOCATION], "/admin/audit");
    let header = set_cookie_header(&signed, "csva_session").expect("session cookie");
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Strict"), "{header}");
    assert!(header.contains("Path=/"), "{header}");
    assert!(!header.contains("Secure"), "plain HTTP: {header}");

    // Behind a TLS proxy the cookie is Secure.
    let behind_tls = server
        .client
        .post(server.url("/api/session"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "name": "ana", "password": PASSWORD }))
        .send()
        .await
        .expect("json sign-in");
    let header = set_cookie_header(&behind_tls, "csva_session").expect("cookie");
    assert!(header.contains("; Secure"), "{header}");

    // An open redirect is not possible.
    let elsewhere = server
        .client
        .post(server.url("/login"))
        .header(COOKIE, format!("csva_login={value}"))
        .form(&[
            ("csrf", value.as_str()),
            ("name", "ana"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(elsewhere.headers()[LOCATION], "/incidents");
}

/// Wrong passwords and unknown names get the same answer, are audited, and the sixth failure
/// for a name within the window is refused with 429 and Retry-After, even with the right
/// password.
#[tokio::test]
async fn failures_are_audited_and_rate_limited() {
    let server = Server::start().await;
    server.add_user("ana", "viewer").await;
    for _ in 0..4 {
        let response = server
            .client
            .post(server.url("/api/session"))
            .json(&json!({ "name": "ana", "password": "not the password at all" }))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["detail"], "wrong name or password");
    }
    let unknown = server
        .client
        .post(server.url("/api/session"))
        .json(&json!({ "name": "nobody", "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    assert_eq!(unknown.status(), 401);
    let body: Value = unknown.json().await.expect("json");
    assert_eq!(body["detail"], "wrong name or password");
    // The fifth failure for ana.
    let fifth = server
        .client
        .post(server.url("/api/session"))
        .json(&json!({ "name": "ana", "password": "still not the password" }))
        .send()
        .await
        .expect("post");
    assert_eq!(fifth.status(), 401);
    let limited = server
        .client
        .post(server.url("/api/session"))
        .json(&json!({ "name": "ana", "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));

    let failures = server
        .store
        .audit()
        .count_since("login.failure", 0)
        .await
        .expect("count");
    assert_eq!(failures, 7, "5 wrong passwords, 1 unknown name, 1 refused");
    assert_eq!(
        server
            .store
            .audit()
            .count_since("login.success", 0)
            .await
            .expect("count"),
        0
    );

    // /metrics counts the same attempts (the Prometheus form of RepeatedLoginFailures reads
    // them), and a success too.
    server.add_user("ben", "viewer").await;
    let ben = server
        .client
        .post(server.url("/api/session"))
        .json(&json!({ "name": "ben", "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    assert_eq!(ben.status(), 200);
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    for (outcome, count) in [("failure", 6), ("rate_limited", 1), ("success", 1)] {
        let line = format!("login_attempts_total{{outcome=\"{outcome}\"}} {count}");
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} not in:\n{metrics}"
        );
    }
}

/// A state-changing request made with a session needs the session's CSRF token (header or
/// form field) and no foreign Origin; safe methods do not. Signing out ends the session.
#[tokio::test]
async fn sessions_need_the_csrf_token_to_change_anything() {
    let server = Server::start().await;
    server.add_user("rita", "responder").await;
    let session = server.sign_in("rita").await;
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "Watchdog", "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2036-01-01T00:00:00Z",
        "createdBy": "rita",
        "comment": "csrf test"
    });

    let who = server
        .with_session(Method::GET, "/api/session", &session, false)
        .send()
        .await
        .expect("get");
    assert_eq!(who.status(), 200);
    let who: Value = who.json().await.expect("json");
    assert_eq!(
        (who["name"].as_str(), who["role"].as_str()),
        (Some("rita"), Some("responder"))
    );

    let without = server
        .with_session(Method::POST, "/api/silences", &session, false)
        .json(&silence)
        .send()
        .await
        .expect("post");
    assert_eq!(without.status(), 403);
    let body: Value = without.json().await.expect("json");
    assert!(
        body["detail"].as_str().unwrap_or("").contains("CSRF"),
        "{body}"
    );

    let wrong = server
        .with_session(Method::POST, "/api/silences", &session, false)
        .header("x-csrf-token", "not-the-token")
        .json(&silence)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 403);

    let foreign = server
        .with_session(Method::POST, "/api/silences", &session, true)
        .header("origin", "https://evil.example")
        .json(&silence)
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status(), 403);

    let with = server
        .with_session(Method::POST, "/api/silences", &session, true)
        .json(&silence)
        .send()
        .await
        .expect("post");
    assert_eq!(with.status(), 201);

    // A form post carries the token as a field: signing out from the page header.
    let no_field = server
        .with_session(Method::POST, "/logout", &session, false)
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("post");
    assert_eq!(no_field.status(), 403);
    let out = server
        .with_session(Method::POST, "/logout", &session, false)
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(out.status(), 303);
    let after = server
        .with_session(Method::GET, "/api/session", &session, false)
        .send()
        .await
        .expect("get");
    assert_eq!(after.status(), 401, "the session ended");
    let actions: Vec<String> = server
        .store
        .audit()
        .list(&server::storage::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_iter()
        .map(|row| row.action)
        .collect();
    assert_eq!(actions, ["logout", "silence.create", "login.success"]);
}

/// Sessions expire after `session_hours` at most and `session_idle_minutes` unused; a disabled
/// user's sessions end at once.
#[tokio::test]
async fn sessions_expire_and_end_when_the_user_is_disabled() {
    let server = Server::start().await;
    server.add_user("vic", "viewer").await;
    let session = server.sign_in("vic").await;
    let status = |response: reqwest::Response| response.status().as_u16();
    let get = || {
        server
            .with_session(Method::GET, "/api/session", &session, false)
            .send()
    };
    assert_eq!(status(get().await.expect("get")), 200);
    // Age the session in the database: idle longer than allowed.
    let idle_ms = 121 * 60_000;
    let server::storage::Store::Sqlite(pool) = &server.store else {
        panic!("sqlite")
    };
    sqlx::query(
        "UPDATE sessions SET last_seen_ms = last_seen_ms - ?1, created_ms = created_ms - ?1",
    )
    .bind(idle_ms)
    .execute(pool)
    .await
    .expect("age");
    assert_eq!(status(get().await.expect("get")), 401);

    let fresh = server.sign_in("vic").await;
    let get_fresh = || {
        server
            .with_session(Method::GET, "/api/session", &fresh, false)
            .send()
    };
    assert_eq!(status(get_fresh().await.expect("get")), 200);
    assert!(
        server
            .store
            .users()
            .disable("vic", 5)
            .await
            .expect("disable")
    );
    assert_eq!(status(get_fresh().await.expect("get")), 401);
}

/// Pages escape what users typed: a name with markup comes back as text on the sign-in form.
#[tokio::test]
async fn the_sign_in_form_escapes_what_was_typed() {
    let server = Server::start().await;
    let page = server
        .client
        .get(server.url("/login"))
        .send()
        .await
        .expect("form");
    let value = set_cookie_header(&page, "csva_login")
        .and_then(|c| c.split(';').next().map(str::to_string))
        .and_then(|pair| pair.split_once('=').map(|(_, v)| v.to_string()))
        .expect("cookie");
    let payload = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let response = server
        .client
        .post(server.url("/login"))
        .header(COOKIE, format!("csva_login={value}"))
        .form(&[
            ("csrf", value.as_str()),
            ("name", payload),
            ("password", "whatever it is"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 401);
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("script-src"), "a CSP: {csp}");
    let html = response.text().await.expect("html");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}
