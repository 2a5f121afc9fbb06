//! The `filter` parameter of the entity listings: RSQL as the spec names it
//! (<https://github.com/jirutka/rsql-parser>), parsed by hand and evaluated on the sandbox's
//! entities.
//!
//! The grammar is jirutka's: comparisons `selector op argument` joined by `;` (or ` and `),
//! which binds tighter than `,` (or ` or `), with parentheses to group. An argument is an
//! unreserved word or a single- or double-quoted string with backslash escapes; `=in=` and
//! `=out=` take a parenthesised list. Of the operators, the sandbox evaluates `==`, `!=`,
//! `=in=` and `=out=`; any other (`=lt=`, `<`, `=like=`, …) is refused, as is a `*` wildcard,
//! rather than evaluated by a guess.
//!
//! Evaluation follows what a filter turned into SQL does (the server keeps its metadata in a
//! relational database): a comparison on a field the entity does not have (an unnamed group's
//! `name`) is false whatever the operator, and on a to-many relationship (`parents.id`) it holds
//! when any related entity satisfies it.

use std::fmt;

/// A comparison operator the sandbox evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Equal,
    NotEqual,
    In,
    Out,
}

impl Operator {
    /// The operators, as written, for messages.
    pub(crate) const SUPPORTED: &'static str = "`==`, `!=`, `=in=`, `=out=`";

    fn parse(text: &str) -> Option<Self> {
        match text {
            "==" => Some(Self::Equal),
            "!=" => Some(Self::NotEqual),
            "=in=" => Some(Self::In),
            "=out=" => Some(Self::Out),
            _ => None,
        }
    }

    fn takes_list(self) -> bool {
        matches!(self, Self::In | Self::Out)
    }

    /// Whether a value satisfies the comparison with `arguments`.
    fn holds(self, value: &str, arguments: &[String]) -> bool {
        match self {
            Self::Equal | Self::In => arguments.iter().any(|a| a == value),
            Self::NotEqual | Self::Out => arguments.iter().all(|a| a != value),
        }
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Comparison {
        selector: String,
        operator: Operator,
        arguments: Vec<String>,
    },
}

impl Filter {
    /// The selectors the filter compares, in order of appearance.
    pub(crate) fn selectors(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_selectors(&mut out);
        out
    }

    fn collect_selectors<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::And(parts) | Self::Or(parts) => {
                for part in parts {
                    part.collect_selectors(out);
                }
            }
            Self::Comparison { selector, .. } => out.push(selector),
        }
    }

    /// Whether an entity matches, `values(selector)` giving the entity's values of a field
    /// (none when it lacks the field, several for a to-many relationship).
    pub(crate) fn matches<'a, F>(&self, values: &F) -> bool
    where
        F: Fn(&str) -> Vec<&'a str>,
    {
        match self {
            Self::And(parts) => parts.iter().all(|p| p.matches(values)),
            Self::Or(parts) => parts.iter().any(|p| p.matches(values)),
            Self::Comparison {
                selector,
                operator,
                arguments,
            } => values(selector)
                .into_iter()
                .any(|value| operator.holds(value, arguments)),
        }
    }
}

/// Why a filter was refused: the position (in characters) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    pub at: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at + 1, self.message)
    }
}

/// Parses a filter.
pub(crate) fn parse(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser {
        chars: input.chars().collect(),
        at: 0,
    };
    let filter = parser.or()?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(parser.error(format!(
            "unexpected `{}`; expected `;`, `,` or the end of the filter",
            parser.chars[parser.at]
        )));
    }
    Ok(filter)
}

/// Characters that end an unreserved word (jirutka's `reserved`).
fn is_reserved(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '(' | ')' | ';' | ',' | '=' | '!' | '~' | '<' | '>'
    ) || c.is_whitespace()
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            at: self.at,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Consumes the keyword `word` (`and`, `or`) when it stands between spaces here.
    fn keyword(&mut self, word: &str) -> bool {
        let start = self.at;
        if start == 0 || !self.chars[start - 1].is_whitespace() {
            return false;
        }
        let end = start + word.len();
        let matches = self.chars.get(start..end).is_some_and(|s| {
            s.iter()
                .zip(word.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
        }) && self.chars.get(end).is_some_and(|c| c.is_whitespace());
        if matches {
            self.at = end;
        }
        matches
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut parts = vec![self.and()?];
        loop {
            self.skip_space();
            if self.peek() == Some(',') {
                self.at += 1;
            } else if !self.keyword("or") {
                break;
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut parts = vec![self.constraint()?];
        loop {
            self.skip_space();
            if self.peek() == Some(';') {
                self.at += 1;
            } else if !self.keyword("and") {
                break;
            }
            parts.push(self.constraint()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn constraint(&mut self) -> Result<Filter, FilterError> {
        self.skip_space();
        if self.peek() == Some('(') {
            self.at += 1;
            let inner = self.or()?;
            self.skip_space();
            if self.peek() != Some(')') {
                return Err(self.error("expected `)`"));
            }
            self.at += 1;
            return Ok(inner);
        }
        let selector = self.word();
        if selector.is_empty() {
            return Err(self.error(match self.peek() {
                None => "expected a comparison (`selector==value`), found the end".to_string(),
                Some(c) => format!("expected a comparison (`selector==value`), found `{c}`"),
            }));
        }
        self.skip_space();
        let operator_at = self.at;
        let written = self.operator()?;
        let operator = Operator::parse(&written).ok_or_else(|| FilterError {
            at: operator_at,
            message: format!(
                "the operator `{written}` is not simulated by the sandbox; it supports {}",
                Operator::SUPPORTED
            ),
        })?;
        self.skip_space();
        let arguments = if self.peek() == Some('(') {
            self.at += 1;
            let mut values = vec![self.value()?];
            loop {
                self.skip_space();
                match self.peek() {
                    Some(',') => {
                        self.at += 1;
                        values.push(self.value()?);
                    }
                    Some(')') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `)` in the list of values")),
                }
            }
            if !operator.takes_list() && values.len() > 1 {
                return Err(FilterError {
                    at: operator_at,
                    message: format!("the operator `{written}` takes one value, not a list"),
                });
            }
            values
        } else {
            vec![self.value()?]
        };
        Ok(Filter::Comparison {
            selector,
            operator,
            arguments,
        })
    }

    /// An unreserved word (possibly empty).
    fn word(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !is_reserved(c)) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// A comparison operator as written: `=name=`, `==`, `!=`, `<`, `<=`, `>`, `>=`.
    fn operator(&mut self) -> Result<String, FilterError> {
        let start = self.at;
        match self.peek() {
            Some('=') => {
                self.at += 1;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.at += 1;
                }
                if self.peek() != Some('=') {
                    self.at = start;
                    return Err(self.error("expected a comparison operator such as `==`"));
                }
                self.at += 1;
            }
            Some('!') => {
                self.at += 1;
                if self.peek() != Some('=') {
                    self.at = start;
                    return Err(self.error("expected `!=`"));
                }
                self.at += 1;
            }
            Some('<' | '>') => {
                self.at += 1;
                if self.peek() == Some('=') {
                    self.at += 1;
                }
            }
            _ => {
                return Err(self.error(format!(
                    "expected a comparison operator ({}) after the selector",
                    Operator::SUPPORTED
                )));
            }
        }
        Ok(self.chars[start..self.at].iter().collect())
    }

    /// The rest of a string opened by `quote` at `start`, up to its closing quote.
    fn quoted(&mut self, quote: char, start: usize) -> Result<String, FilterError> {
        let mut value = String::new();
        loop {
            match self.peek() {
                None => {
                    self.at = start;
                    return Err(self.error(format!("the quote `{quote}` is not closed")));
                }
                Some('\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(c) => value.push(c),
                        None => return Err(self.error("a `\\` ends the filter")),
                    }
                    self.at += 1;
                }
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(value);
                }
                Some(c) => {
                    value.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// One argument: a quoted string or an unreserved word; a `*` wildcard is refused.
    fn value(&mut self) -> Result<String, FilterError> {
        self.skip_space();
        let start = self.at;
        let value = if let Some(quote @ ('"' | '\'')) = self.peek() {
            self.at += 1;
            self.quoted(quote, start)?
        } else {
            let word = self.word();
            if word.is_empty() {
                return Err(self.error("expected a value"));
            }
            word
        };
        if value.contains('*') {
            return Err(FilterError {
                at: start,
                message: "`*` wildcards are not simulated by the sandbox; it compares whole values"
                    .to_string(),
            });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(selector: &str, operator: Operator, arguments: &[&str]) -> Filter {
        Filter::Comparison {
            selector: selector.to_string(),
            operator,
            arguments: arguments.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        assert_eq!(
            parse("a==1;b!=2,c=in=(x,'y z')").unwrap(),
            Filter::Or(vec![
                Filter::And(vec![
                    cmp("a", Operator::Equal, &["1"]),
                    cmp("b", Operator::NotEqual, &["2"]),
                ]),
                cmp("c", Operator::In, &["x", "y z"]),
            ])
        );
        assert_eq!(
            parse("a==1;(b==2,c=out=(3))").unwrap(),
            Filter::And(vec![
                cmp("a", Operator::Equal, &["1"]),
                Filter::Or(vec![
                    cmp("b", Operator::Equal, &["2"]),
                    cmp("c", Operator::Out, &["3"]),
                ]),
            ])
        );
        assert_eq!(
            parse("a==1 and b==2 or c==\"q\\\"d\"").unwrap(),
            parse("a==1;b==2,c=='q\"d'").unwrap()
        );
        assert_eq!(
            parse("parents.id=in=adminGroup").unwrap(),
            cmp("parents.id", Operator::In, &["adminGroup"])
        );
    }

    #[test]
    fn unsupported_or_malformed_filters_say_where_and_what() {
        for (input, needle) in [
            ("", "found the end"),
            ("name", "comparison operator"),
            ("name=lt=5", "`=lt=` is not simulated"),
            ("name>5", "`>` is not simulated"),
            ("name=like=a", "`=like=` is not simulated"),
            ("name==", "expected a value"),
            ("name==a*", "wildcards"),
            ("name==(a,b)", "takes one value"),
            ("name=='open", "not closed"),
            ("(name==a", "expected `)`"),
            ("name==a)", "unexpected `)`"),
            ("name==a;", "found the end"),
            ("name=in=(a,", "expected a value"),
        ] {
            let error = parse(input).expect_err(input);
            assert!(error.message.contains(needle), "{input}: {error}");
        }
        assert_eq!(parse("ab=lt=5").unwrap_err().at, 2);
    }

    /// Every string of up to five characters over the grammar's own characters parses or is
    /// refused with a position inside it, and never panics.
    #[test]
    fn no_input_panics() {
        let alphabet: Vec<char> = "=!();,'\"\\a* <>o".chars().collect();
        let mut inputs = vec![String::new()];
        for _ in 0..5 {
            inputs = inputs
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            for input in &inputs {
                if let Err(error) = parse(input) {
                    assert!(error.at <= input.chars().count(), "{input:?}: {error}");
                }
            }
        }
    }

    #[test]
    fn missing_fields_match_nothing_and_to_many_fields_match_any() {
        let unnamed = |field: &str| -> Vec<&str> {
            match field {
                "id" => vec!["g"],
                "parents.id" => vec!["a", "b"],
                _ => vec![],
            }
        };
        let holds = |filter: &str| parse(filter).unwrap().matches(&unnamed);
        assert!(!holds("name==x"));
        assert!(!holds("name!=x"), "SQL: a missing value is never unequal");
        assert!(!holds("name=out=(x)"));
        assert!(holds("parents.id==b"));
        assert!(holds("parents.id!=a"), "b is a parent that is not a");
        assert!(!holds("parents.id=out=(a,b)"));
        assert!(holds("id=in=(f,g);parents.id=in=(b)"));
        assert!(!holds("id==f;parents.id==a"));
        assert!(holds("id==f,parents.id==a"));
    }
}
