//! A real SMTP server for the e-mail tests: `smtp_server.py` (aiosmtpd) on 127.0.0.1 and a
//! free port, killed when the test ends. Each accepted message is a file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What to install when the server cannot start.
const INSTALL: &str = "the e-mail notification tests need Python 3 with aiosmtpd (a local SMTP \
     server): run scripts/setup.sh, or `python3 -m pip install aiosmtpd` (Debian's own python3: \
     `apt-get install python3-aiosmtpd`)";

/// One accepted message.
#[derive(Debug)]
pub struct Received {
    /// The message as the server received it.
    pub data: Vec<u8>,
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// Whether the client logged in.
    pub authenticated: bool,
    /// Whether the connection was encrypted (STARTTLS or TLS).
    pub encrypted: bool,
}

/// How the server protects connections: `--starttls` or `--tls` with its certificate chain and
/// key (PEM files).
pub struct ServerTls<'a> {
    pub mode: &'a str,
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// The running server; killed on drop.
pub struct SmtpServer {
    pub port: u16,
    child: Child,
    _stdout: BufReader<ChildStdout>,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a plain-text server; with `login`, AUTH is required and only that pair
    /// accepted.
    pub fn start(login: Option<(&str, &str)>) -> SmtpServer {
        SmtpServer::start_with(login, None)
    }

    /// Starts the server, with TLS if `tls`.
    pub fn start_with(login: Option<(&str, &str)>, tls: Option<ServerTls<'_>>) -> SmtpServer {
        let python = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match python {
            Ok(status) if status.success() => {}
            Ok(_) => panic!("{INSTALL} (python3 is there, `import aiosmtpd` fails)"),
            Err(e) => panic!("{INSTALL} (cannot run python3: {e})"),
        }
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notify/smtp_server.py");
        let mut command = Command::new("python3");
        command
            .arg(&script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((username, password)) = login {
            command.args(["--login", username, password]);
        }
        if let Some(tls) = tls {
            command.arg(tls.mode).arg(tls.cert).arg(tls.key);
        }
        let mut child = command.spawn().expect("python3 starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // The first line is the port, once it listens; at most 10 s.
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            let read = stdout.read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
            stdout
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(line)) => line,
            _ => {
                let _ = child.kill();
                panic!("{INSTALL} (smtp_server.py did not report its port)");
            }
        };
        let stdout = reader.join().unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("smtp_server.py printed {line:?}, not a port")
        });
        SmtpServer {
            port,
            child,
            _stdout: stdout,
            dir,
        }
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut metas: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        metas.sort();
        metas
            .into_iter()
            .map(|meta| {
                let json: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
                Received {
                    data: std::fs::read(meta.with_extension("eml")).unwrap(),
                    mail_from: json["mail_from"].as_str().unwrap().to_string(),
                    rcpt_tos: serde_json::from_value(json["rcpt_tos"].clone()).unwrap(),
                    authenticated: json["authenticated"].as_bool().unwrap(),
                    encrypted: json["encrypted"].as_bool().unwrap(),
                }
            })
            .collect()
    }

    /// Waits (at most 5 s) until `count` messages were accepted.
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count || start.elapsed() > Duration::from_secs(5) {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
