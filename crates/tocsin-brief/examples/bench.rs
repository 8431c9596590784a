//! Times rendering of a realistic situation brief and the parliamentary brief, in HTML and
//! PDF: `bench/brief/run.sh` runs it in release mode. The first PDF pays for parsing the
//! embedded fonts once per process; it is reported apart. With `--write DIR` it also leaves
//! the four rendered files there, to look at.

use std::time::{Duration, Instant};

use tocsin_brief::{html, pdf};
use tocsin_domain::Tlp;

#[path = "../tests/it/fixture.rs"]
mod fixture;

fn time<T>(runs: u32, mut render: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(render());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

/// Typst memoises its work across compilations in a process; empty that cache first, so
/// each run typesets from scratch as a brief with new data would (the emptying is timed too).
fn cold<T>(render: impl FnOnce() -> T) -> T {
    typst::comemo::evict(0);
    render()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: u32 = args.first().and_then(|n| n.parse().ok()).unwrap_or(20);
    let situation = fixture::situation(fixture::amber_reader(), Tlp::Amber);
    let parliament = fixture::parliament();
    if let Some(dir) = args
        .iter()
        .position(|arg| arg == "--write")
        .and_then(|i| args.get(i + 1))
    {
        let dir = std::path::Path::new(dir);
        let write = |name: &str, bytes: &[u8]| {
            std::fs::write(dir.join(name), bytes).expect("the folder is writable")
        };
        write("situation.html", html::situation(&situation).as_bytes());
        write("situation.pdf", &pdf::situation(&situation).unwrap().bytes);
        write("parliament.html", html::parliament(&parliament).as_bytes());
        write(
            "parliament.pdf",
            &pdf::parliament(&parliament).unwrap().bytes,
        );
    }

    let start = Instant::now();
    let first = pdf::situation(&situation).expect("the brief typesets");
    let first_time = start.elapsed();
    println!(
        "situation brief, first PDF in the process (fonts parsed): {:>8.1} ms, {} page(s), {} bytes",
        first_time.as_secs_f64() * 1e3,
        first.pages,
        first.bytes.len()
    );
    for (name, (median, worst)) in [
        (
            "situation brief HTML",
            time(runs, || html::situation(&situation)),
        ),
        (
            "situation brief PDF",
            time(runs, || cold(|| pdf::situation(&situation).unwrap())),
        ),
        (
            "parliamentary brief HTML",
            time(runs, || html::parliament(&parliament)),
        ),
        (
            "parliamentary brief PDF",
            time(runs, || cold(|| pdf::parliament(&parliament).unwrap())),
        ),
    ] {
        println!(
            "{name:<26} median {:>8.2} ms   slowest {:>8.2} ms   ({runs} runs)",
            median.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
}
