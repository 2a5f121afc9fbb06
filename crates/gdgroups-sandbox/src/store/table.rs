//! A map from id to value that also answers "the entries at positions `p..p + n` in id order" in
//! time proportional to `n`, the shape every listing of the API needs (100,000 groups are read
//! page by page).

use std::collections::BTreeMap;
use std::collections::btree_map;

/// Entries by id, ascending, with the positions of the ids cached between writes.
#[derive(Debug, Clone)]
pub(crate) struct Table<V> {
    entries: BTreeMap<String, V>,
    /// The ids in ascending order, rebuilt lazily after an insert or removal of an id (changes of
    /// a value keep every position).
    ids: Option<Vec<String>>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
            ids: None,
        }
    }
}

impl<V> Table<V> {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    pub(crate) fn get(&self, id: &str) -> Option<&V> {
        self.entries.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        self.entries.get_mut(id)
    }

    /// The entry of `id`, inserting `V::default()` when it is new.
    pub(crate) fn entry_or_default(&mut self, id: &str) -> &mut V
    where
        V: Default,
    {
        if !self.entries.contains_key(id) {
            self.ids = None;
        }
        self.entries.entry(id.to_string()).or_default()
    }

    pub(crate) fn insert(&mut self, id: String, value: V) -> Option<V> {
        let previous = self.entries.insert(id, value);
        if previous.is_none() {
            self.ids = None;
        }
        previous
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<V> {
        let removed = self.entries.remove(id);
        if removed.is_some() {
            self.ids = None;
        }
        removed
    }

    pub(crate) fn iter(&self) -> btree_map::Iter<'_, String, V> {
        self.entries.iter()
    }

    pub(crate) fn values_mut(&mut self) -> btree_map::ValuesMut<'_, String, V> {
        self.entries.values_mut()
    }

    /// The ids at positions `offset..offset + len` of the ascending (or, with `descending`,
    /// descending) order.
    pub(crate) fn page(&mut self, offset: usize, len: usize, descending: bool) -> Vec<String> {
        let total = self.entries.len();
        if offset >= total {
            return Vec::new();
        }
        let end = offset.saturating_add(len).min(total);
        let entries = &self.entries;
        let ids = self
            .ids
            .get_or_insert_with(|| entries.keys().cloned().collect());
        if descending {
            ids[(total - end)..(total - offset)]
                .iter()
                .rev()
                .cloned()
                .collect()
        } else {
            ids[offset..end].to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_positional_in_both_directions_and_follow_inserts() {
        let mut table: Table<()> = Table::default();
        for id in ["c", "a", "b"] {
            table.insert(id.into(), ());
        }
        assert_eq!(table.page(0, 2, false), ["a", "b"]);
        assert_eq!(table.page(2, 2, false), ["c"]);
        assert_eq!(table.page(0, 2, true), ["c", "b"]);
        assert_eq!(table.page(2, 2, true), ["a"]);
        assert!(table.page(3, 2, false).is_empty());
        table.insert("aa".into(), ());
        assert_eq!(table.page(1, 2, false), ["aa", "b"]);
        table.remove("aa");
        table.entry_or_default("0");
        assert_eq!(table.page(0, 9, false), ["0", "a", "b", "c"]);
    }
}
