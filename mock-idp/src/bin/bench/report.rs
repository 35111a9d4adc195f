//! The figures of each provider as they are measured, and the side-by-side summary with
//! mock-idp's targets (`docs/bench.md`).

use std::time::{Duration, Instant};

use mock_idp::SigningKey;
use serde_json::{Value, json};

use crate::cpu::EndpointCost;
use crate::flow::Batch;

/// Flows per second ÷ single-core RS256 signatures per second must reach this.
const TARGET_RATIO: f64 = 0.80;
/// Exec → first 200 from discovery, milliseconds (median of the runs).
const TARGET_STARTUP_MS: f64 = 10.0;
/// Idle resident memory, MiB.
const TARGET_RSS_MB: f64 = 12.0;
/// mock-idp's flows per second over the peer's, with the same load generator.
const TARGET_FLOWS_OVER_PEER: f64 = 4.0;
/// The peer's cold start over mock-idp's.
const TARGET_STARTUP_UNDER_PEER: f64 = 14.0;
/// mock-idp's server CPU per discovery request over the peer's.
const TARGET_DISCOVERY_CPU_OVER_PEER: f64 = 1.0 / 3.0;

/// A JWS signing input shaped like an ID token of the flows, about 600 bytes.
fn signing_input(key: &SigningKey) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.kid() });
    let claims = json!({
        "iss": "http://127.0.0.1:9090/bench",
        "sub": "a1b2c3d4-alice",
        "aud": "bench-client",
        "exp": 1_795_000_000 + 3600,
        "iat": 1_795_000_000,
        "auth_time": 1_795_000_000,
        "sid": "Q2hhbmdlIG1lIGlmIHlvdSBjYW4gcmVhZCB0aGlz",
        "nonce": "n-0S6_WzA2Mj-8f3c1e9b",
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "email": "alice@example.com",
        "email_verified": true,
        "name": "Alice Anders",
        "given_name": "Alice",
        "family_name": "Anders",
    });
    format!("{}.{}", b64(&header), b64(&claims))
}

/// RS256 signatures per second on the calling thread, after a short warm-up.
pub fn signing_rate(key: &SigningKey, seconds: f64) -> f64 {
    let input = signing_input(key);
    let input = input.as_bytes();
    for _ in 0..20 {
        std::hint::black_box(key.sign(input));
    }
    let budget = Duration::from_secs_f64(seconds.max(0.05));
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        std::hint::black_box(key.sign(std::hint::black_box(input)));
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Cold starts with one configuration.
struct Startup {
    config: String,
    min_ms: f64,
    median_ms: f64,
    rss_mb: f64,
}

/// Flows at one concurrency.
struct Flows {
    concurrency: usize,
    rate: f64,
    p50: f64,
    p99: f64,
    errors: usize,
    server_us: Option<f64>,
    client_us: Option<f64>,
}

/// Everything measured of one provider.
pub struct Figures {
    name: String,
    startups: Vec<Startup>,
    flows: Vec<Flows>,
    endpoints: Vec<(&'static str, Option<f64>)>,
    pub errors: usize,
    /// Resident memory after all the load, kB.
    pub after_load_rss_kb: Option<u64>,
}

impl Figures {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            startups: Vec::new(),
            flows: Vec::new(),
            endpoints: Vec::new(),
            errors: 0,
            after_load_rss_kb: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Records cold starts: (milliseconds, idle VmRSS kB) per run.
    pub fn add_startup(&mut self, config: &str, runs: &[(f64, u64)]) {
        let mut times: Vec<f64> = runs.iter().map(|r| r.0).collect();
        times.sort_by(f64::total_cmp);
        let rss_mb = runs.iter().map(|r| r.1).max().unwrap_or(0) as f64 / 1024.0;
        let (min_ms, median_ms) = (times[0], times[times.len() / 2]);
        let all: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
        println!(
            "    {config:<18} min {min_ms:6.2} ms  median {median_ms:6.2} ms  all {}  idle VmRSS {rss_mb:.1} MB",
            all.join(" ")
        );
        self.startups.push(Startup {
            config: config.to_owned(),
            min_ms,
            median_ms,
            rss_mb,
        });
    }

    pub fn add_flows(
        &mut self,
        concurrency: usize,
        batch: &Batch<()>,
        server_us: Option<f64>,
        client_us: Option<f64>,
    ) {
        let f = Flows {
            concurrency,
            rate: batch.rate(),
            p50: batch.percentile(50.0),
            p99: batch.percentile(99.0),
            errors: batch.errors,
            server_us,
            client_us,
        };
        println!(
            " C={concurrency:<3} {:7.0} flows/s  p50 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms  errors {}  server CPU/flow {}  bench CPU/flow {}",
            f.rate,
            f.p50,
            f.p99,
            batch.percentile(100.0),
            f.errors,
            micros(server_us),
            micros(client_us),
        );
        for e in &batch.samples {
            println!("      error: {e}");
        }
        self.errors += f.errors;
        self.flows.push(f);
    }

    pub fn add_endpoint(&mut self, cost: &EndpointCost) {
        println!(
            "    {:<10} {:7.0} requests/s  server CPU {} per request  errors {}",
            cost.endpoint,
            cost.rate,
            micros(cost.server_us),
            cost.errors
        );
        for e in &cost.samples {
            println!("      error: {e}");
        }
        self.errors += cost.errors;
        // A figure from failed requests would describe the error path, not the endpoint.
        let us = cost.server_us.filter(|_| cost.errors == 0);
        match self.endpoints.iter_mut().find(|(e, _)| *e == cost.endpoint) {
            // The least of the rounds: interference only adds CPU time.
            Some((_, least)) => *least = least.zip(us).map(|(a, b)| a.min(b)),
            None => self.endpoints.push((cost.endpoint, us)),
        }
    }

    fn flows_at(&self, c: usize) -> Option<&Flows> {
        self.flows.iter().find(|f| f.concurrency == c)
    }

    fn startup(&self, config: &str) -> Option<&Startup> {
        self.startups.iter().find(|s| s.config == config)
    }

    fn endpoint(&self, name: &str) -> Option<f64> {
        self.endpoints
            .iter()
            .find(|(e, _)| *e == name)
            .and_then(|(_, us)| *us)
    }
}

fn micros(us: Option<f64>) -> String {
    us.map_or_else(|| "—".to_owned(), |us| format!("{us:.0} µs"))
}

/// One line of the summary: a value per provider, and mock-idp's target.
struct Row {
    what: String,
    values: Vec<String>,
    target: String,
    /// `None`: informational.
    pass: Option<bool>,
}

/// Every provider's figures, in the order measured (mock-idp first).
pub struct Report {
    sig_rate: f64,
    cores: usize,
    concurrency: Vec<usize>,
    pub columns: Vec<Figures>,
    pub errors: usize,
    /// The floor's least server CPU per discovery request (`bench/floor.rs`), µs.
    pub floor_discovery_us: Option<f64>,
}

impl Report {
    pub fn new(sig_rate: f64, cores: usize, concurrency: Vec<usize>) -> Self {
        Self {
            sig_rate,
            cores,
            concurrency,
            columns: Vec::new(),
            errors: 0,
            floor_discovery_us: None,
        }
    }

    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let (Some(ours), peer) = (self.columns.first(), self.columns.get(1)) else {
            return rows;
        };
        let row = |what: String, value: &dyn Fn(&Figures) -> Option<String>| Row {
            what,
            values: self
                .columns
                .iter()
                .map(|f| value(f).unwrap_or_else(|| "—".into()))
                .collect(),
            target: String::new(),
            pass: None,
        };
        let check = |mut r: Row, target: String, pass: Option<bool>| {
            r.target = target;
            r.pass = pass;
            r
        };
        let sig = self.sig_rate;
        // Measured once, in the bench process, with mock-idp's key.
        rows.push(Row {
            what: "RS256 signatures/s, 1 core".into(),
            values: vec![format!("{sig:.0}")],
            target: String::new(),
            pass: None,
        });
        // One RS256 signature per flow (the ID token): no server signs faster than this.
        rows.push(Row {
            what: format!("flows/s if {} cores only signed", self.cores),
            values: vec![format!("{:.0}", self.cores as f64 * sig)],
            target: String::new(),
            pass: None,
        });
        for s in &ours.startups {
            let config = s.config.clone();
            let r = row(format!("cold start min / median, {config}"), &|f| {
                f.startup(&config)
                    .map(|s| format!("{:.1} / {:.1} ms", s.min_ms, s.median_ms))
            });
            rows.push(check(
                r,
                format!("median ≤ {TARGET_STARTUP_MS:.0} ms"),
                Some(s.median_ms <= TARGET_STARTUP_MS),
            ));
            let r = row(format!("idle RSS, {config}"), &|f| {
                f.startup(&config).map(|s| format!("{:.1} MB", s.rss_mb))
            });
            rows.push(check(
                r,
                format!("≤ {TARGET_RSS_MB:.0} MB"),
                Some(s.rss_mb <= TARGET_RSS_MB),
            ));
        }
        if let (Some(o), Some(p)) = (ours.startups.first(), peer.and_then(|p| p.startups.first())) {
            let times = p.median_ms / o.median_ms;
            rows.push(Row {
                what: "cold start, peer ÷ mock-idp (medians)".into(),
                values: vec![format!("{times:.1}×")],
                target: format!("≥ {TARGET_STARTUP_UNDER_PEER:.0}×"),
                pass: Some(times >= TARGET_STARTUP_UNDER_PEER),
            });
        }
        for &c in &self.concurrency {
            let ours_c = ours.flows_at(c);
            rows.push(row(format!("flows/s, C={c}"), &|f| {
                f.flows_at(c).map(|x| format!("{:.0}", x.rate))
            }));
            rows.push(row(format!("flow latency p50 / p99, C={c}"), &|f| {
                f.flows_at(c)
                    .map(|x| format!("{:.2} / {:.2} ms", x.p50, x.p99))
            }));
            rows.push(row(format!("server CPU per flow, C={c}"), &|f| {
                f.flows_at(c)
                    .and_then(|x| x.server_us)
                    .map(|us| format!("{us:.0} µs"))
            }));
            rows.push(row(format!("bench CPU per flow, C={c}"), &|f| {
                f.flows_at(c)
                    .and_then(|x| x.client_us)
                    .map(|us| format!("{us:.0} µs"))
            }));
            // What the CPU of a flow allows when the load generator shares the cores: the
            // most flows/s this machine could give, however the work were scheduled.
            let cores = self.cores as f64;
            rows.push(row(
                format!("flows/s ceiling, {cores:.0} cores ÷ (server + bench CPU per flow), C={c}"),
                &|f| {
                    let x = f.flows_at(c)?;
                    Some(format!(
                        "{:.0}",
                        cores * 1e6 / (x.server_us? + x.client_us?)
                    ))
                },
            ));
            if let Some(o) = ours_c {
                let ratio = o.rate / sig;
                rows.push(Row {
                    what: format!("flows/s ÷ signatures/s, C={c}"),
                    values: vec![format!("{ratio:.2}")],
                    target: format!("≥ {TARGET_RATIO:.2}"),
                    pass: Some(ratio >= TARGET_RATIO),
                });
                if let Some(p) = peer.and_then(|p| p.flows_at(c)).filter(|p| p.rate > 0.0) {
                    rows.push(Row {
                        what: format!(
                            "flows/s that {TARGET_FLOWS_OVER_PEER:.0}× the peer needs, C={c}"
                        ),
                        values: vec![format!("{:.0}", TARGET_FLOWS_OVER_PEER * p.rate)],
                        target: String::new(),
                        pass: None,
                    });
                    let times = o.rate / p.rate;
                    rows.push(Row {
                        what: format!("flows/s, mock-idp ÷ peer, C={c}"),
                        values: vec![format!("{times:.2}×")],
                        target: format!("≥ {TARGET_FLOWS_OVER_PEER:.0}×"),
                        pass: Some(times >= TARGET_FLOWS_OVER_PEER),
                    });
                }
            }
        }
        for endpoint in ["discovery", "authorize", "token", "userinfo"] {
            rows.push(row(format!("server CPU per request, {endpoint}"), &|f| {
                f.endpoint(endpoint).map(|us| format!("{us:.1} µs"))
            }));
        }
        if let (Some(o), Some(p)) = (
            ours.endpoint("discovery"),
            peer.and_then(|p| p.endpoint("discovery")),
        ) {
            let share = o / p;
            rows.push(Row {
                what: "server CPU per discovery, mock-idp ÷ peer".into(),
                values: vec![format!("{share:.2}")],
                target: format!("≤ {TARGET_DISCOVERY_CPU_OVER_PEER:.2}"),
                pass: Some(share <= TARGET_DISCOVERY_CPU_OVER_PEER),
            });
        }
        if let Some(floor) = self.floor_discovery_us {
            rows.push(Row {
                what: "server CPU per discovery, the floor (a minimal server)".into(),
                values: vec![format!("{floor:.1} µs")],
                target: String::new(),
                pass: None,
            });
            // Below the floor no server answers: a target under it is out of reach this run.
            if let Some(p) = peer.and_then(|p| p.endpoint("discovery")) {
                rows.push(Row {
                    what: "server CPU per discovery, the floor ÷ peer".into(),
                    values: vec![format!("{:.2}", floor / p)],
                    target: String::new(),
                    pass: None,
                });
            }
        }
        rows.push(row("RSS after the load".into(), &|f| {
            f.after_load_rss_kb
                .map(|kb| format!("{:.1} MB", kb as f64 / 1024.0))
        }));
        let r = row("errors".into(), &|f| Some(f.errors.to_string()));
        rows.push(check(r, "= 0".into(), Some(self.errors == 0)));
        rows
    }

    /// Targets missed.
    pub fn missed(&self) -> usize {
        self.rows().iter().filter(|r| r.pass == Some(false)).count()
    }

    /// The summary table.
    pub fn print(&self) {
        let rows = self.rows();
        let names: Vec<&str> = self.columns.iter().map(|f| f.name.as_str()).collect();
        let width =
            |cells: &mut dyn Iterator<Item = usize>, min: usize| cells.max().unwrap_or(0).max(min);
        let w0 = width(&mut rows.iter().map(|r| r.what.chars().count()), 7);
        let wv: Vec<usize> = (0..names.len())
            .map(|i| {
                let cells = rows.iter().filter_map(|r| r.values.get(i));
                width(
                    &mut cells.map(|v| v.chars().count()),
                    names[i].chars().count(),
                )
            })
            .collect();
        let wt = width(&mut rows.iter().map(|r| r.target.chars().count()), 6);
        let pad =
            |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
        let line = |what: &str, values: &[String], target: &str, result: &str| {
            let cells: Vec<String> = wv
                .iter()
                .enumerate()
                .map(|(i, w)| pad(values.get(i).map_or("", String::as_str), *w))
                .collect();
            println!(
                "| {} | {} | {} | {result} |",
                pad(what, w0),
                cells.join(" | "),
                pad(target, wt)
            );
        };
        println!("\nSummary (mock-idp's targets; ratios are mock-idp's)\n");
        let heads: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        line("measure", &heads, "target", "result");
        let dashes: Vec<String> = wv.iter().map(|w| "-".repeat(*w)).collect();
        line(&"-".repeat(w0), &dashes, &"-".repeat(wt), "------");
        for r in &rows {
            let result = match r.pass {
                None => "",
                Some(true) => "PASS",
                Some(false) => "FAIL",
            };
            line(&r.what, &r.values, &r.target, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(name: &str, flows_per_s: usize, server_us: f64, discovery_us: f64) -> Figures {
        let mut f = Figures::new(name);
        let mut batch = Batch::empty(flows_per_s);
        batch.results = vec![(); flows_per_s];
        batch.latencies = vec![Duration::from_millis(3); flows_per_s];
        batch.wall = Duration::from_secs(1);
        f.add_flows(8, &batch, Some(server_us), Some(100.0));
        f.add_endpoint(&EndpointCost {
            endpoint: "discovery",
            errors: 0,
            rate: 1.0,
            server_us: Some(discovery_us),
            samples: Vec::new(),
        });
        f
    }

    fn value(rows: &[Row], what: &str) -> (Vec<String>, Option<bool>) {
        let row = rows
            .iter()
            .find(|r| r.what == what)
            .unwrap_or_else(|| panic!("no row {what:?}"));
        (row.values.clone(), row.pass)
    }

    #[test]
    fn the_summary_shows_the_ceiling_what_the_peer_asks_and_the_floor() {
        let mut report = Report::new(2000.0, 2, vec![8]);
        report.columns.push(provider("mock-idp", 2400, 700.0, 12.0));
        report.columns.push(provider("peer", 700, 1500.0, 30.0));
        report.floor_discovery_us = Some(8.0);
        let rows = report.rows();
        assert_eq!(value(&rows, "flows/s if 2 cores only signed").0, ["4000"]);
        // 2 cores × 1 s ÷ (700 + 100 µs) and ÷ (1500 + 100 µs).
        let ceiling = "flows/s ceiling, 2 cores ÷ (server + bench CPU per flow), C=8";
        assert_eq!(value(&rows, ceiling).0, ["2500", "1250"]);
        assert_eq!(
            value(&rows, "flows/s that 4× the peer needs, C=8").0,
            ["2800"]
        );
        assert_eq!(
            value(&rows, "flows/s, mock-idp ÷ peer, C=8"),
            (vec!["3.43×".to_owned()], Some(false))
        );
        assert_eq!(
            value(&rows, "server CPU per discovery, mock-idp ÷ peer"),
            (vec!["0.40".to_owned()], Some(false))
        );
        assert_eq!(
            value(
                &rows,
                "server CPU per discovery, the floor (a minimal server)"
            )
            .0,
            ["8.0 µs"]
        );
        assert_eq!(
            value(&rows, "server CPU per discovery, the floor ÷ peer").0,
            ["0.27"]
        );
        assert_eq!(report.missed(), 2);
    }
}
