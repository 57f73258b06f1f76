//! Native speed and peak memory of the whole intake on a generated 1,000,000-row file.
//!
//! `cargo run --release --example intake_speed`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use offboard::csv_intake::{self, Options};
use offboard::target::Target;

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ROWS: usize = 1_000_000;

/// Time this thread has spent on a CPU (Linux), which a busy shared machine does not inflate.
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

/// `login,first,last,email` with a repeat every 1,000 rows and a login with a space every 5,000.
fn generate() -> Vec<u8> {
    let mut text = String::with_capacity(ROWS * 32);
    text.push_str("login,first,last,email\n");
    for i in 0..ROWS {
        let n = if i % 1000 == 999 { i - 500 } else { i };
        let space = if i % 5000 == 4999 { " x" } else { "" };
        text.push_str(&format!("u{n:07}{space},Ann,Lee,u{n:07}@x.io\n"));
    }
    text.into_bytes()
}

fn main() {
    let input = generate();
    let megabytes = input.len() as f64 / 1e6;
    let mut best = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut peak = 0;
    let mut summary = String::new();
    for _ in 0..5 {
        let bytes = input.clone();
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let (start, cpu_start) = (Instant::now(), on_cpu());
        let table = csv_intake::read_bytes(bytes).expect("read");
        let detection = csv_intake::detect(&table, Target::Epm);
        let mut options = Options::detected(Target::Epm, &detection);
        options.own_account = Some("u0000007".into());
        let plan = csv_intake::plan(&table, &options).expect("plan");
        best = best.min(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, on_cpu()) {
            best_cpu = best_cpu.min(after - before);
        }
        peak = PEAK.load(Ordering::Relaxed) - before + input.len();
        let c = plan.counts();
        summary = format!(
            "rows {} = targets {} + duplicates {} + invalid {} + header {} + own {}",
            table.len(),
            c.targets,
            c.duplicates,
            c.invalid,
            c.header,
            c.excluded_self
        );
        assert_eq!(c.total(), table.len());
    }
    println!("{summary}");
    println!(
        "{megabytes:.1} MB, {ROWS} data rows, peak heap {:.0} MB (input bytes included)",
        peak as f64 / 1e6
    );
    let report = |what: &str, time: Duration| {
        let seconds = time.as_secs_f64();
        println!(
            "{what}: {:.0} ms, {:.0} MB/s, {:.2} M rows/s",
            seconds * 1e3,
            megabytes / seconds,
            ROWS as f64 / seconds / 1e6
        );
    };
    report("wall clock, best of 5", best);
    if best_cpu != Duration::MAX {
        report("on-CPU time, best of 5", best_cpu);
    }
}
