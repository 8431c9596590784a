//! `tocsin serve` as a real process on loopback: health, the situations API, clean shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::{ewp_file, run, Sandbox};

/// A minimal HTTP/1.1 request, enough to talk to our own server without a client library.
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    request_with(address, method, path, content_type, None, body)
}

/// [`request`] signed in with `token` (sent as a bearer token), if given.
pub fn request_with(
    address: &str,
    method: &str,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         {auth}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn get(address: &str, path: &str, token: Option<&str>) -> (u16, String) {
    request_with(address, "GET", path, "text/plain", token, b"")
}

/// Creates a user in `role` with the CLI and returns a fresh API token for them.
pub fn api_token(sandbox: &Sandbox, name: &str, role: &str) -> String {
    let (code, _, err) = run(sandbox
        .tocsin()
        .args(["users", "add", name, "--role", role]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(sandbox.tocsin().args(["users", "token", name, "--json"]));
    assert_eq!(code, 0, "{err}");
    crate::json(&out)["token"].as_str().unwrap().to_string()
}

/// Starts `tocsin serve` on a free loopback port; returns the child and its address.
pub fn start_server(command: &mut Command) -> (std::process::Child, String) {
    let mut child = command
        .env("TOCSIN_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    (child, address)
}

/// Stops a server with SIGTERM and checks it shut down cleanly.
pub fn stop_server(mut child: std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "serve must stop cleanly on SIGTERM: {status}"
    );
}

#[test]
fn serve_answers_health_and_situations_then_stops_on_sigterm() {
    let sandbox = Sandbox::create();
    assert_eq!(
        run(sandbox.tocsin().args(["import", "ewp"]).arg(ewp_file())).0,
        0
    );
    let (child, address) = start_server(
        Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
            .env("TOCSIN_DATA_DIR", sandbox.data_dir())
            .env_remove("TOCSIN_DATABASE_URL")
            .stderr(Stdio::null()),
    );
    let (status, body) = get(&address, "/health", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    // The API wants a signed-in user; a token issued from the command line works at once.
    let (status, body) = get(&address, "/api/v1/situations", None);
    assert_eq!(status, 401, "{body}");
    let token = api_token(&sandbox, "kofi", "focal_point");
    let (status, body) = get(&address, "/api/v1/situations", Some(&token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"id\":\"MMR\""), "{body}");
    let (status, body) = get(&address, "/api/v1/me", Some(&token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"role\":\"focal_point\""), "{body}");
    // Revoked from the command line, it stops working on the running server.
    let (code, out, _) = run(sandbox.tocsin().args(["users", "tokens", "kofi", "--json"]));
    assert_eq!(code, 0);
    let id = crate::json(&out)["tokens"][0]["id"].as_i64().unwrap();
    assert_eq!(
        run(sandbox.tocsin().args(["users", "revoke", &id.to_string()])).0,
        0
    );
    let (status, _) = get(&address, "/api/v1/situations", Some(&token));
    assert_eq!(status, 401);
    stop_server(child);
}
