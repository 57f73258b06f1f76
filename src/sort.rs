//! Stable sorting by an integer key through one shared sort, so the wasm build carries a single
//! monomorphised sort instead of one per element type and key.

/// Sorts `items` by `key`, ascending and stably: items with equal keys keep their input order,
/// exactly like `items.sort_by_key(key)`.
pub fn sort_by_key<T>(items: &mut [T], key: impl Fn(&T) -> u64) {
    let keyed = items
        .iter()
        .enumerate()
        .map(|(i, item)| (key(item), i))
        .collect();
    permute(order(keyed), &mut |a, b| items.swap(a, b));
}

/// The input positions in ascending `(key, position)` order. Keys already in order (a common case: results
/// are mostly in row order) cost one pass; otherwise a least-significant-digit radix sort, a byte per pass, which
/// keeps equal keys in input order and skips the bytes every key shares (row numbers need three passes). It does
/// not depend on the standard library's sort, which the size-optimised release build makes a heapsort.
fn order(keyed: Vec<(u64, usize)>) -> Vec<usize> {
    if keyed.windows(2).all(|w| w[0].0 <= w[1].0) {
        return keyed.into_iter().map(|(_, i)| i).collect();
    }
    let mut counts = [[0usize; 256]; 8];
    for &(key, _) in &keyed {
        for (byte, count) in counts.iter_mut().enumerate() {
            count[digit(key, byte)] += 1;
        }
    }
    let mut from = keyed;
    let mut to = vec![(0, 0); from.len()];
    for (byte, count) in counts.iter().enumerate() {
        if count.contains(&from.len()) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut sum = 0;
        for (slot, n) in next.iter_mut().zip(count) {
            *slot = sum;
            sum += n;
        }
        for &(key, i) in &from {
            let slot = &mut next[digit(key, byte)];
            to[*slot] = (key, i);
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    from.into_iter().map(|(_, i)| i).collect()
}

/// Byte `byte` (0 the lowest) of `key`.
fn digit(key: u64, byte: usize) -> usize {
    (key >> (8 * byte)) as u8 as usize
}

/// Rearranges a sequence in place so that position `p` holds what was at `order[p]`, by following
/// each cycle of the permutation with `swap`.
fn permute(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_keep_their_input_order() {
        let mut v = [(3, 'a'), (1, 'b'), (3, 'c'), (1, 'd'), (2, 'e'), (3, 'f')];
        sort_by_key(&mut v, |(k, _)| *k);
        assert_eq!(
            v,
            [(1, 'b'), (1, 'd'), (2, 'e'), (3, 'a'), (3, 'c'), (3, 'f')]
        );
    }

    #[test]
    fn matches_the_standard_stable_sort_on_random_input() {
        let mut random = crate::run::rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        for len in (0..40).chain([100, 1_000, 5_000]) {
            for spread in [1, 3, 50, 300, 70_000, 1 << 40, u64::MAX] {
                let v: Vec<(u64, usize)> = (0..len)
                    .map(|i| (random.next_u64() % spread.max(1), i))
                    .collect();
                let mut ours = v.clone();
                sort_by_key(&mut ours, |(k, _)| *k);
                let mut std = v;
                std.sort_by_key(|(k, _)| *k);
                assert_eq!(ours, std, "len {len}, spread {spread}");
            }
        }
    }

    #[test]
    fn sorted_reversed_and_nearly_sorted_input() {
        let sorted: Vec<(u64, usize)> = (0..3_000).map(|i| (i as u64 / 2, i)).collect();
        let mut reversed: Vec<(u64, usize)> = sorted.iter().rev().copied().collect();
        let mut nearly = sorted.clone();
        nearly.swap(10, 2_000);
        for v in [&mut reversed, &mut nearly] {
            let mut std = v.clone();
            std.sort_by_key(|(k, _)| *k);
            sort_by_key(v, |(k, _)| *k);
            assert_eq!(*v, std);
        }
        let mut same = sorted.clone();
        sort_by_key(&mut same, |(k, _)| *k);
        assert_eq!(same, sorted);
    }

    #[test]
    fn empty_and_single_are_left_alone() {
        let mut none: [u8; 0] = [];
        sort_by_key(&mut none, |x| u64::from(*x));
        let mut one = [String::from("x")];
        sort_by_key(&mut one, |_| 0);
        assert_eq!(one, ["x"]);
    }
}
