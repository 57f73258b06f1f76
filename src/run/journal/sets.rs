//! The journal's two sets: the users with a request out, and the plan indices in a started EPM
//! job. Neither needs a B-tree (whose code would add about 5 KB to the bundle): the first holds
//! a few dozen names at most, the second is indexed by plan position.

/// User IDs, sorted and each once: the requests out at one moment, as many as the run lets
/// be in flight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Names(Vec<String>);

impl Names {
    /// Adds `name` unless it is there.
    pub(super) fn insert(&mut self, name: String) {
        if let Err(at) = self.0.binary_search(&name) {
            self.0.insert(at, name);
        }
    }

    /// Takes `name` out, if it is there.
    pub(super) fn remove(&mut self, name: &str) {
        if let Ok(at) = self.0.binary_search_by(|n| n.as_str().cmp(name)) {
            self.0.remove(at);
        }
    }

    /// The names, sorted.
    pub(super) fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl Extend<String> for Names {
    fn extend<I: IntoIterator<Item = String>>(&mut self, names: I) {
        names.into_iter().for_each(|n| self.insert(n));
    }
}

/// Plan indices, one flag per plan entry: adding or removing one costs the same however many
/// users a batch holds, and they come out in plan order.
#[derive(Clone, Debug, Default)]
pub(super) struct Marks {
    flags: Vec<bool>,
    len: usize,
}

impl Marks {
    /// Marks index `i`.
    pub(super) fn insert(&mut self, i: usize) {
        if i >= self.flags.len() {
            self.flags.resize(i + 1, false);
        }
        if !std::mem::replace(&mut self.flags[i], true) {
            self.len += 1;
        }
    }

    /// Unmarks index `i`.
    pub(super) fn remove(&mut self, i: usize) {
        if let Some(flag) = self.flags.get_mut(i) {
            if std::mem::take(flag) {
                self.len -= 1;
            }
        }
    }

    /// Whether index `i` is marked.
    pub(super) fn contains(&self, i: usize) -> bool {
        self.flags.get(i).copied().unwrap_or(false)
    }

    /// The marked indices, in increasing order.
    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.flags
            .iter()
            .enumerate()
            .filter(|(_, &f)| f)
            .map(|(i, _)| i)
    }

    /// The marked indices in increasing order, leaving none marked.
    pub(super) fn take(&mut self) -> Vec<usize> {
        let taken = self.to_vec();
        *self = Marks::default();
        taken
    }

    /// The marked indices, in increasing order.
    pub(super) fn to_vec(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.len);
        out.extend(self.iter());
        out
    }
}

impl Extend<usize> for Marks {
    fn extend<I: IntoIterator<Item = usize>>(&mut self, indices: I) {
        indices.into_iter().for_each(|i| self.insert(i));
    }
}

/// Two sets are equal when they mark the same indices, however far each has grown.
impl PartialEq for Marks {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_sorted_and_single() {
        let mut names = Names::default();
        for n in ["carol", "alice", "bob", "alice"] {
            names.insert(n.to_string());
        }
        assert_eq!(names.as_slice(), ["alice", "bob", "carol"]);
        names.remove("bob");
        names.remove("nobody");
        assert_eq!(names.as_slice(), ["alice", "carol"]);
    }

    #[test]
    fn marks_list_indices_in_order_and_count_each_once() {
        let mut marks = Marks::default();
        marks.extend([9, 2, 5, 2]);
        assert_eq!(marks.to_vec(), [2, 5, 9]);
        marks.remove(5);
        marks.remove(40);
        assert_eq!(marks.to_vec(), [2, 9]);
        assert_eq!(marks.take(), [2, 9]);
        assert_eq!(marks.to_vec(), Vec::<usize>::new());
    }

    #[test]
    fn marks_compare_by_what_they_hold() {
        let mut grown = Marks::default();
        grown.extend([1, 70]);
        grown.remove(70);
        let mut small = Marks::default();
        small.insert(1);
        assert_eq!(grown, small);
        small.insert(3);
        assert_ne!(grown, small);
    }
}
