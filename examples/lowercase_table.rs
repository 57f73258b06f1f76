//! Prints `src/case/table.rs`: the standard library's lower-case mapping as runs.
//!
//! `cargo run --example lowercase_table > src/case/table.rs` after a Rust upgrade brings a new
//! Unicode version (the `case` tests then fail until the table is made again).

fn main() {
    // (first, count, stride, delta): first + i × stride maps to itself + delta, for i < count.
    let mut mappings = Vec::new();
    for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next()) {
            if l != c {
                mappings.push((c as u32, l as i64 - c as i64));
            }
        }
    }
    let mut runs = Vec::new();
    let mut i = 0;
    while i < mappings.len() {
        let (first, delta) = mappings[i];
        let (count, stride) = [1, 2]
            .into_iter()
            .map(|stride| {
                let follows =
                    |n: usize| mappings.get(i + n) == Some(&(first + n as u32 * stride, delta));
                (
                    (1..).take_while(|&n| n < 255 && follows(n)).count() + 1,
                    stride,
                )
            })
            .max_by_key(|&(count, stride)| (count, std::cmp::Reverse(stride)))
            .unwrap();
        runs.push((first, count, if count == 1 { 1 } else { stride }, delta));
        i += count;
    }
    println!("//! Made by `cargo run --example lowercase_table`: do not edit.");
    println!();
    println!(
        "/// (first, count, stride, delta): `first + i × stride` lower-cases to itself + `delta`."
    );
    println!("pub(super) const RUNS: &[(u32, u8, u8, i32)] = &[");
    for (first, count, stride, delta) in runs {
        println!("    ({first:#x}, {count}, {stride}, {delta}),");
    }
    println!("];");
}
