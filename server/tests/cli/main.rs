//! The `csv-analyzer` binary run as users run it: arguments, files, pipes, exit codes.

mod config;
mod drift;
mod errors;
mod probe_agent;
mod probes;
mod profile;
mod quality;
mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_csv-analyzer"))
}

/// Runs the binary with `args` (and `stdin` when given).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = binary()
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(bytes).expect("stdin accepts the input");
    }
    child.wait_with_output().expect("the binary finishes")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}

/// A temporary directory with the given files written into it.
pub struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    pub fn new(files: &[(&str, &[u8])]) -> Files {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("the fixture is written");
        }
        Files { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
