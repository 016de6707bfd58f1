//! `tcp` probes: resolve `host:port`, then connect to its addresses in turn until one accepts
//! (the connection is closed at once). Steps: `resolve`, `connect`.

use std::time::Instant;

use super::check::Outcome;
use super::spec::{TcpTarget, split_host_port};

/// A `tcp` probe, compiled.
#[derive(Debug)]
pub struct TcpCheck {
    host: String,
    port: u16,
}

impl TcpCheck {
    pub fn new(target: &TcpTarget) -> Result<TcpCheck, String> {
        let (host, port) = split_host_port(&target.address)?;
        Ok(TcpCheck { host, port })
    }

    /// One connection attempt.
    pub async fn run(&self) -> Outcome {
        let started = Instant::now();
        let mut steps = Vec::with_capacity(2);
        let addresses: Vec<_> = match tokio::net::lookup_host((self.host.as_str(), self.port)).await
        {
            Ok(addresses) => addresses.collect(),
            Err(error) => {
                return Outcome::failed(
                    started,
                    steps,
                    format!("`{}` did not resolve: {error}", self.host),
                );
            }
        };
        steps.push(("resolve".into(), started.elapsed()));
        if addresses.is_empty() {
            return Outcome::failed(started, steps, format!("`{}` has no address", self.host));
        }
        let connect = Instant::now();
        let mut last_error = None;
        for address in addresses {
            match tokio::net::TcpStream::connect(address).await {
                Ok(stream) => {
                    steps.push(("connect".into(), connect.elapsed()));
                    drop(stream);
                    return Outcome::succeeded(started, steps);
                }
                Err(error) => last_error = Some(format!("{address}: {error}")),
            }
        }
        Outcome::failed(
            started,
            steps,
            format!(
                "connection failed: {}",
                last_error.unwrap_or_else(|| "no address".to_string())
            ),
        )
    }
}
