//! The static files never leave `dist/`: a secret next to it is never served, however the path
//! is spelled. Requests are sent raw, so no client normalises `..` away first.

use super::{index_html, serve_dist, write_dist};

const SECRET: &str = "TOP-SECRET-do-not-serve";

#[tokio::test]
async fn no_path_reads_outside_dist() {
    // root/{Cargo.toml, secret.txt, dist/{index.html, …, assets/}}
    let root = tempfile::tempdir().expect("temp dir");
    let dist = root.path().join("dist");
    write_dist(&dist, &index_html());
    std::fs::create_dir_all(dist.join("assets")).expect("assets");
    std::fs::write(dist.join("assets/ok.txt"), "fine").expect("asset");
    std::fs::write(
        root.path().join("Cargo.toml"),
        format!("[package] # {SECRET}"),
    )
    .expect("secret");
    std::fs::write(root.path().join("secret.txt"), SECRET).expect("secret");
    let server = serve_dist(&dist).await;

    // Sanity: the layout is served as expected from inside dist/.
    let ok = server.raw_get("/assets/ok.txt").await;
    assert_eq!((ok.status, ok.body.as_slice()), (200, b"fine".as_slice()));

    let index = index_html();
    for path in [
        "/../Cargo.toml",
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/./../secret.txt",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/..%2fCargo.toml",
        "/..%2FCargo.toml",
        "/assets%2f..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..%5cCargo.toml",
        "/..%5Csecret.txt",
        "/assets%5c..%5c..%5csecret.txt",
        "/..\\Cargo.toml",
        "/..\\..\\secret.txt",
        "/..%00/secret.txt",
        "/%2fsecret.txt",
        "//secret.txt",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/../../../../../../etc/passwd",
    ] {
        let response = server.raw_get(path).await;
        let body = String::from_utf8_lossy(&response.body);
        assert!(!body.contains(SECRET), "{path} leaked the secret: {body}");
        assert!(!body.contains("root:"), "{path} leaked /etc/passwd");
        // Either refused, or the SPA's index.html (the client-side route fallback).
        assert!(
            response.status >= 400 || (response.status == 200 && body == index),
            "{path}: {} {body}",
            response.status
        );
    }
}
