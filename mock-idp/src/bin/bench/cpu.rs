//! CPU time of a process from `/proc`, and the server's CPU per request at each endpoint: N
//! requests of one kind, the server's CPU time read before and after.

use std::future::Future;
use std::sync::Arc;

use crate::flow::{Batch, FlowPlan, Grant, run};

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// User + system CPU seconds of process `pid` (every thread); `None` when it cannot be read
/// (no such process, or not Linux).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; utime and stime are fields 14
    // and 15 of the line, the 12th and 13th after the name.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
}

/// Nanoseconds on a CPU of every thread of process `pid`, from each thread's
/// `/proc/<pid>/task/<tid>/schedstat`, with the threads read (sorted); `None` when it cannot
/// be read.
fn thread_nanos(pid: u32) -> Option<(u64, Vec<u32>)> {
    let mut total = 0u64;
    let mut threads = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let entry = entry.ok()?;
        let tid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        threads.push(tid);
    }
    threads.sort_unstable();
    Some((total, threads))
}

/// The CPU a process spends while something runs.
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    pid: u32,
}

impl CpuMeter {
    pub fn of(pid: u32) -> Self {
        Self { pid }
    }

    pub fn this_process() -> Self {
        Self::of(std::process::id())
    }

    /// Reads the CPU time now; `start.per(end, n)` gives microseconds per item.
    pub fn read(self) -> Option<CpuReading> {
        cpu_seconds(self.pid).map(|seconds| CpuReading {
            seconds,
            threads: thread_nanos(self.pid),
        })
    }
}

/// One reading of a process's CPU time: in clock ticks for the whole process, and in
/// nanoseconds per thread.
#[derive(Debug, Clone)]
pub struct CpuReading {
    seconds: f64,
    threads: Option<(u64, Vec<u32>)>,
}

impl CpuReading {
    /// Microseconds of CPU per item between this reading and `later`: from the threads'
    /// nanoseconds when the same threads lived at both readings (a thread that ended
    /// between them took its time along), else from the process's clock ticks (10 ms each).
    pub fn per(self, later: Option<CpuReading>, items: usize) -> Option<f64> {
        let later = later?;
        let items = items.max(1) as f64;
        match (self.threads, later.threads) {
            (Some((before, a)), Some((after, b))) if a == b => {
                Some(after.saturating_sub(before) as f64 / 1e3 / items)
            }
            _ => Some((later.seconds - self.seconds) * 1e6 / items),
        }
    }
}

/// The server's CPU per request at one endpoint.
#[derive(Debug)]
pub struct EndpointCost {
    pub endpoint: &'static str,
    pub errors: usize,
    pub rate: f64,
    /// Server CPU µs per request; `None` without the server's PID.
    pub server_us: Option<f64>,
    pub samples: Vec<String>,
}

impl EndpointCost {
    fn of<R>(endpoint: &'static str, batch: &Batch<R>, server_us: Option<f64>) -> Self {
        Self {
            endpoint,
            errors: batch.errors,
            rate: batch.rate(),
            server_us,
            samples: batch.samples.clone(),
        }
    }
}

/// Runs a batch of `count` jobs and reads the server's CPU around it: µs per job.
async fn metered<R, F, Fut>(
    server: Option<CpuMeter>,
    count: usize,
    concurrency: usize,
    job: F,
) -> (Batch<R>, Option<f64>)
where
    R: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<R>> + Send,
{
    let read = || server.and_then(CpuMeter::read);
    let before = read();
    let batch = run(count, concurrency, job).await;
    let us = before.and_then(|b| b.per(read(), count));
    (batch, us)
}

/// `count` discovery requests at `concurrency`, and the server's CPU per request.
pub async fn discovery_cost(
    plan: &Arc<FlowPlan>,
    server: Option<CpuMeter>,
    count: usize,
    concurrency: usize,
) -> EndpointCost {
    let p = plan.clone();
    let (batch, us) = metered(server, count, concurrency, move |_| {
        let p = p.clone();
        async move { p.fetch_discovery().await }
    })
    .await;
    EndpointCost::of("discovery", &batch, us)
}

/// Measures discovery, authorize, token and userinfo one after another, `count` requests
/// each at `concurrency`: the codes of the authorize requests are redeemed by the token
/// requests, whose access tokens the userinfo requests present.
pub async fn endpoint_costs(
    plan: &Arc<FlowPlan>,
    server: Option<CpuMeter>,
    count: usize,
    concurrency: usize,
) -> Vec<EndpointCost> {
    let mut costs = vec![discovery_cost(plan, server, count, concurrency).await];

    let p = plan.clone();
    let (batch, us) = metered(server, count, concurrency, move |i| {
        let p = p.clone();
        async move { p.authorize(i).await }
    })
    .await;
    costs.push(EndpointCost::of("authorize", &batch, us));

    let grants: Arc<Vec<Grant>> = Arc::new(batch.results);
    let p = plan.clone();
    let (batch, us) = metered(server, grants.len(), concurrency, move |i| {
        let (p, grants) = (p.clone(), grants.clone());
        async move { p.redeem(&grants[i]).await }
    })
    .await;
    costs.push(EndpointCost::of("token", &batch, us));

    if plan.userinfo.is_some() {
        let tokens: Arc<Vec<String>> = Arc::new(batch.results);
        let p = plan.clone();
        let (batch, us) = metered(server, tokens.len(), concurrency, move |i| {
            let (p, tokens) = (p.clone(), tokens.clone());
            async move { p.userinfo(&tokens[i]).await }
        })
        .await;
        costs.push(EndpointCost::of("userinfo", &batch, us));
    }
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_cpu_time_that_grows_with_work() {
        let meter = CpuMeter::this_process();
        let start = meter.read().expect("/proc/self/stat is readable on Linux");
        let mut x = 0u64;
        let t = std::time::Instant::now();
        while t.elapsed() < std::time::Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let us = start.per(meter.read(), 1).unwrap();
        assert!(us >= 10_000.0, "60 ms of spinning read as {us} µs");
        assert!(cpu_seconds(u32::MAX).is_none());
    }

    #[test]
    fn thread_nanoseconds_count_only_while_the_same_threads_live() {
        let reading = |seconds, nanos, threads: &[u32]| CpuReading {
            seconds,
            threads: Some((nanos, threads.to_vec())),
        };
        let before = reading(1.0, 1_000, &[7, 8]);
        assert_eq!(
            before.clone().per(Some(reading(1.01, 9_000, &[7, 8])), 2),
            Some(4.0)
        );
        // Thread 8 ended and took its time along: the clock ticks answer instead.
        assert_eq!(
            before.per(Some(reading(1.01, 5_000, &[7, 9])), 2),
            Some((1.01 - 1.0) * 1e6 / 2.0)
        );
    }
}
