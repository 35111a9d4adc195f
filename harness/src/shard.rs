//! `--shard K/N`: one of N parts of a run, so a CI matrix can spread scenarios or catalog
//! cells over N machines. Items are dealt round-robin over an order every machine computes
//! the same way (the sorted feature files and scenario lines; the configured flows times the
//! catalog), so the parts are balanced, disjoint and together the whole. See
//! `docs/ci-sharding.md`.

use std::fmt;
use std::str::FromStr;

/// Part `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// Why a `--shard` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard: expected K/N with 1 <= K <= N (e.g. 2/4), found \"{found}\": {why}")]
pub struct ShardError {
    found: String,
    why: &'static str,
}

impl Shard {
    /// The whole run, unsharded.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Part `index` of `count`, if `1 <= index <= count`.
    pub fn new(index: usize, count: usize) -> Option<Self> {
        (index >= 1 && index <= count).then_some(Self { index, count })
    }

    /// Which part (from 1).
    pub fn index(self) -> usize {
        self.index
    }

    /// Of how many.
    pub fn count(self) -> usize {
        self.count
    }

    /// Whether the item at `position` (from 0) of the common order belongs to this part.
    pub fn keeps(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// This part's items of `items`, which must be in the common order.
    pub fn pick<T>(self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.keeps(*i))
            .map(|(_, item)| item)
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let refuse = |why| ShardError {
            found: s.to_owned(),
            why,
        };
        let (k, n) = s.split_once('/').ok_or_else(|| refuse("no \"/\""))?;
        let k: usize = k
            .trim()
            .parse()
            .map_err(|_| refuse("K is not a whole number"))?;
        let n: usize = n
            .trim()
            .parse()
            .map_err(|_| refuse("N is not a whole number"))?;
        if n == 0 {
            return Err(refuse("N must be at least 1"));
        }
        if k == 0 {
            return Err(refuse("K counts from 1"));
        }
        Shard::new(k, n).ok_or_else(|| refuse("K is larger than N"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_or_say_what_is_wrong() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("1/1".parse(), Ok(Shard::WHOLE));
        for (bad, why) in [
            ("0/3", "K counts from 1"),
            ("4/3", "K is larger than N"),
            ("x", "no \"/\""),
            ("1/0", "N must be at least 1"),
            ("a/3", "K is not a whole number"),
            ("1/b", "N is not a whole number"),
            ("-1/3", "K is not a whole number"),
        ] {
            let e = bad.parse::<Shard>().expect_err(bad);
            assert_eq!(e.why, why, "{bad}");
            assert!(e.to_string().contains(&format!("found \"{bad}\"")), "{e}");
        }
    }

    #[test]
    fn parts_are_dealt_round_robin() {
        let items: Vec<usize> = (0..7).collect();
        let parts: Vec<Vec<usize>> = (1..=3)
            .map(|k| Shard::new(k, 3).expect("shard").pick(items.clone()))
            .collect();
        assert_eq!(parts, [vec![0, 3, 6], vec![1, 4], vec![2, 5]]);
    }
}
