//! `dns` probes: resolve a name with the system resolver (as the server's own connections
//! do), optionally expecting one address in the answer. Step: `resolve`.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Instant;

use super::check::Outcome;
use super::spec::DnsTarget;

/// A `dns` probe, compiled.
#[derive(Debug)]
pub struct DnsCheck {
    name: String,
    expect: Option<IpAddr>,
}

impl DnsCheck {
    pub fn new(target: &DnsTarget) -> Result<DnsCheck, String> {
        let expect = target
            .expect_address
            .as_deref()
            .map(|a| {
                a.parse::<IpAddr>()
                    .map_err(|_| format!("expect_address `{a}` is not an IP address"))
            })
            .transpose()?;
        Ok(DnsCheck {
            name: target.name.trim().to_string(),
            expect,
        })
    }

    /// One resolution.
    pub async fn run(&self) -> Outcome {
        let started = Instant::now();
        let answer = tokio::net::lookup_host((self.name.as_str(), 0)).await;
        let steps = vec![("resolve".into(), started.elapsed())];
        let addresses: BTreeSet<IpAddr> = match answer {
            Ok(addresses) => addresses.map(|a| a.ip()).collect(),
            Err(error) => {
                return Outcome::failed(
                    started,
                    steps,
                    format!("`{}` did not resolve: {error}", self.name),
                );
            }
        };
        if addresses.is_empty() {
            return Outcome::failed(started, steps, format!("`{}` has no address", self.name));
        }
        if let Some(expected) = self.expect
            && !addresses.contains(&expected)
        {
            let got: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            return Outcome::failed(
                started,
                steps,
                format!(
                    "`{}` resolved to {}, not to {expected}",
                    self.name,
                    got.join(", ")
                ),
            );
        }
        Outcome::succeeded(started, steps)
    }
}
