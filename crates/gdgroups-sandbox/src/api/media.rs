//! Media types: which `Accept` a route can satisfy (406 otherwise), which `Content-Type` its
//! body may have (415 otherwise), both as the OpenAPI spec lists them per operation, and which
//! of its types an answer is given in.

use axum::http::{HeaderMap, header};

/// The media type GoodData uses for JSON:API.
pub(crate) const VND_JSON: &str = "application/vnd.gooddata.api+json";
pub(crate) const JSON: &str = "application/json";

/// One media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Range {
    kind: String,
    subtype: String,
    /// The `q` weight in thousandths (1000 without one).
    quality: u16,
}

impl Range {
    /// How specifically the range names `media` (2 exact, 1 `type/*`, 0 `*/*`), if it does.
    fn specificity(&self, media: &str) -> Option<u8> {
        let (kind, subtype) = media.split_once('/').unwrap_or((media, ""));
        if self.kind == "*" && self.subtype == "*" {
            Some(0)
        } else if self.kind == kind && self.subtype == "*" {
            Some(1)
        } else if self.kind == kind && self.subtype == subtype {
            Some(2)
        } else {
            None
        }
    }
}

/// The media ranges of every `Accept` header; `None` when there is none (anything goes).
/// A range that does not parse is skipped, as a lenient server would.
fn ranges(headers: &HeaderMap) -> Option<Vec<Range>> {
    let mut ranges = Vec::new();
    let mut any = false;
    for value in headers.get_all(header::ACCEPT) {
        any = true;
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let Some((kind, subtype)) = media.split_once('/') else {
                continue;
            };
            let mut quality = 1000;
            for parameter in parts {
                if let Some((name, value)) = parameter.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    quality = thousandths(value.trim()).unwrap_or(0);
                }
            }
            ranges.push(Range {
                kind: kind.trim().to_string(),
                subtype: subtype.trim().to_string(),
                quality,
            });
        }
    }
    (any && !ranges.is_empty()).then_some(ranges)
}

/// A `q` weight (RFC 9110 §12.4.2: `0`, `1` or a fraction of up to three digits) in
/// thousandths; `None` when it is not one.
fn thousandths(weight: &str) -> Option<u16> {
    let (whole, fraction) = weight.split_once('.').unwrap_or((weight, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(fraction),
        "1" if fraction == 0 => Some(1000),
        _ => None,
    }
}

/// The quality the request gives `media`: that of its most specific matching range.
fn quality(ranges: &[Range], media: &str) -> Option<(u16, u8)> {
    ranges
        .iter()
        .filter_map(|r| r.specificity(media).map(|s| (s, r.quality)))
        .max_by_key(|(specificity, _)| *specificity)
        .map(|(specificity, quality)| (quality, specificity))
}

/// The type, of `produces` (the route's, in order of preference), to answer in; `None` when
/// `Accept` excludes them all (406). Without `Accept` the first one: the recordings show the
/// vendor type when the request had no `Accept`, and `application/json` when it asked for it.
pub(crate) fn negotiate(headers: &HeaderMap, produces: &[&'static str]) -> Option<&'static str> {
    let Some(ranges) = ranges(headers) else {
        return produces.first().copied();
    };
    let mut best: Option<(&'static str, u16, u8)> = None;
    for media in produces {
        if let Some((q, specificity)) = quality(&ranges, media)
            && q > 0
            && best.is_none_or(|(_, bq, bs)| (q, specificity) > (bq, bs))
        {
            best = Some((media, q, specificity));
        }
    }
    best.map(|(media, _, _)| media)
}

/// The request body's media type, lowercased without parameters; `None` without a header.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or(""))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn negotiation_follows_quality_then_specificity() {
        let both = [VND_JSON, JSON];
        assert_eq!(negotiate(&accept(&[]), &both), Some(VND_JSON));
        assert_eq!(negotiate(&accept(&["*/*"]), &both), Some(VND_JSON));
        assert_eq!(negotiate(&accept(&[JSON]), &both), Some(JSON));
        assert_eq!(
            negotiate(&accept(&["application/json, */*"]), &both),
            Some(JSON)
        );
        assert_eq!(
            negotiate(&accept(&["application/*;q=0.5", "application/json"]), &both),
            Some(JSON)
        );
        assert_eq!(
            negotiate(
                &accept(&["application/vnd.gooddata.api+json;q=0.1, application/json"]),
                &both
            ),
            Some(JSON)
        );
        assert_eq!(negotiate(&accept(&["text/html"]), &both), None);
        assert_eq!(negotiate(&accept(&["application/json;q=0"]), &[JSON]), None);
        assert_eq!(negotiate(&accept(&[VND_JSON]), &[JSON]), None);
        assert_eq!(
            negotiate(&accept(&["text/html, */*;q=0.1"]), &[JSON]),
            Some(JSON)
        );
    }
}
