//! A map a client can fill, with a cap: past it the oldest entry is evicted, so no client can
//! grow the server's memory without bound. Expiry stays with the owner (`TenantData::prune`).

use std::collections::{HashMap, VecDeque};

/// String-keyed entries in insertion order, at most `cap` of them.
#[derive(Debug)]
pub(crate) struct BoundedMap<V> {
    entries: HashMap<String, V>,
    /// Keys in insertion order; removed keys linger here until they reach the front or the
    /// queue is compacted.
    order: VecDeque<String>,
    cap: usize,
}

impl<V> BoundedMap<V> {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Inserts, evicting the oldest entries while the map is full.
    pub(crate) fn insert(&mut self, key: String, value: V) {
        if let Some(existing) = self.entries.get_mut(&key) {
            *existing = value;
            return;
        }
        while self.entries.len() >= self.cap {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        self.order.push_back(key.clone());
        self.entries.insert(key, value);
        if self.order.len() > 2 * self.entries.len() + 64 {
            let entries = &self.entries;
            self.order.retain(|k| entries.contains_key(k));
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.entries.get_mut(key)
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        self.entries.remove(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Keeps the entries `keep` accepts.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&String, &mut V) -> bool) {
        self.entries.retain(keep);
        let entries = &self.entries;
        self.order.retain(|k| entries.contains_key(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entry_goes_first_and_removed_keys_do_not_count() {
        let mut m = BoundedMap::new(2);
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        m.insert("c".into(), 3);
        assert!(m.get("a").is_none(), "evicted");
        assert_eq!((m.get("b"), m.get("c")), (Some(&2), Some(&3)));
        m.remove("b");
        m.insert("d".into(), 4);
        assert_eq!(m.len(), 2, "b's slot was free");
        assert_eq!(m.get("c"), Some(&3));
        m.insert("c".into(), 30);
        assert_eq!(m.get("c"), Some(&30), "replacing keeps one entry");
        for i in 0..1000 {
            m.insert(format!("k{i}"), i);
            m.remove(&format!("k{i}"));
        }
        assert!(
            m.order.len() <= 2 * m.len() + 65,
            "the order queue is compacted"
        );
    }
}
