//! "Did you mean …?": the closest known word to a misspelled key or id.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
///
/// Close enough means: equal ignoring ASCII case, one is a prefix of the other (`protect` →
/// `protected`), or an edit distance of at most a third of the word's length (so words
/// shorter than three characters only match ignoring case: any one-letter id is one edit from
/// any other, which would make a useless suggestion).
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = word.chars().count() / 3;
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let score = if candidate.eq_ignore_ascii_case(word) {
            0
        } else if word.len() >= 3
            && (candidate.starts_with(word) || word.starts_with(candidate))
            && candidate.len().abs_diff(word.len()) <= 4
        {
            1
        } else {
            // Cheap length filter first: the distance is at least the length difference.
            if candidate.chars().count().abs_diff(word.chars().count()) > limit {
                continue;
            }
            let d = distance(word, candidate);
            if d > limit {
                continue;
            }
            d
        };
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours each cost 1, so `prnets` is one step from `parents`' neighbour `parnets`.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: the swap rule looks two rows back.
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: [&str; 5] = ["groups", "protected", "ignore", "safety", "mode"];

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("parent", "parents"), 1);
        assert_eq!(distance("groupz", "groups"), 1);
        assert_eq!(distance("prnets", "parents"), 2);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn suggests_likely_typos_only() {
        assert_eq!(closest("groupz", TOP), Some("groups"));
        assert_eq!(closest("protect", TOP), Some("protected"));
        assert_eq!(closest("Groups", TOP), Some("groups"));
        assert_eq!(closest("ignroe", TOP), Some("ignore"));
        assert_eq!(
            closest("parent", ["id", "name", "parents"]),
            Some("parents")
        );
        assert_eq!(closest("colour", TOP), None);
        assert_eq!(closest("x", TOP), None);
        assert_eq!(closest("d", ["a", "b"]), None);
        assert_eq!(closest("D", ["a", "d"]), Some("d"));
        assert_eq!(closest("analyst", ["analysts", "sales"]), Some("analysts"));
    }
}
