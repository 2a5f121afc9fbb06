//! Complete listings (spec §7): the first page tells the total, the other pages are fetched in
//! parallel, and the count is checked against the total, because a server may cap the page
//! size below what was asked and `links.next` is present even on the last page.
//!
//! Two paging styles: the JSON:API entity listings (`meta.page.totalElements`, a sequential walk
//! when a server leaves `meta` out) and the user-management action (`totalCount`).

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::access_model::{EntityPage, UserGroupItem, UserGroupsPage};
use super::client::{MAX_PAGES, Media, PAGE_SIZE, parse};
use super::error::snippet;
use super::{ApiError, Client};

/// A JSON:API resource in a listing.
pub(super) trait Entity {
    fn id(&self) -> &str;
    fn kind(&self) -> &str;
}

/// The user-management listing of groups, which GoodData.CN versions before it lack.
pub(super) const USER_GROUPS_ACTION: &str = "/api/v1/actions/userManagement/userGroups";

impl Client {
    /// Every entity of `GET {path}?{query}page=P&size=S&metaInclude=page`, each of type `kind`,
    /// sorted by id. `query` is empty or ends with `&`.
    pub(super) async fn list_entities<T>(
        &self,
        path: &str,
        query: &str,
        kind: &str,
    ) -> Result<Vec<T>, ApiError>
    where
        T: DeserializeOwned + Entity,
    {
        let first: EntityPage<T> = self.entity_page(path, query, kind, 0).await?;
        let total = first
            .meta
            .as_ref()
            .and_then(|m| m.page.as_ref())
            .and_then(|p| p.total_elements);
        let page_len = first.data.len();
        let mut all: BTreeMap<String, T> = BTreeMap::new();
        collect(&mut all, first.data);
        let Some(total) = total else {
            // No total: walk on until a page is shorter than the first, never on `links.next`.
            if page_len == 0 {
                return Ok(all.into_values().collect());
            }
            for page in 1..MAX_PAGES {
                let doc: EntityPage<T> = self.entity_page(path, query, kind, page).await?;
                let len = doc.data.len();
                collect(&mut all, doc.data);
                if len < page_len {
                    return Ok(all.into_values().collect());
                }
            }
            return Err(incomplete(path, format!("more than {MAX_PAGES} pages")));
        };
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let pages = pages_needed(path, page_len, total)?;
        let rest: Vec<EntityPage<T>> = futures::stream::iter(1..pages)
            .map(|page| self.entity_page(path, query, kind, page))
            .buffer_unordered(self.parallelism())
            .try_collect()
            .await?;
        for doc in rest {
            collect(&mut all, doc.data);
        }
        check_count(path, "entries", total, all.len())?;
        Ok(all.into_values().collect())
    }

    async fn entity_page<T>(
        &self,
        path: &str,
        query: &str,
        kind: &str,
        page: usize,
    ) -> Result<EntityPage<T>, ApiError>
    where
        T: DeserializeOwned + Entity,
    {
        let url = format!("{path}?{query}page={page}&size={PAGE_SIZE}&metaInclude=page");
        let answer = self
            .send_as(Media::JsonApi, Method::GET, &url, None)
            .await
            .result?;
        let doc: EntityPage<T> = parse(&answer)?;
        if let Some(bad) = doc.data.iter().find(|r| r.kind() != kind) {
            return Err(ApiError::Malformed {
                request: answer.request.clone(),
                status: answer.status.as_u16(),
                reason: format!("an entry of type `{}` in a listing of `{kind}`", bad.kind()),
                snippet: snippet(&answer.body),
            });
        }
        Ok(doc)
    }

    /// Every group of the user-management listing, sorted by id; `None` when the server does
    /// not offer it (404, 405, 501: an older server).
    pub(super) async fn list_user_management_groups(
        &self,
    ) -> Result<Option<Vec<UserGroupItem>>, ApiError> {
        let Some(first) = self.user_management_page(0).await? else {
            return Ok(None);
        };
        let total = usize::try_from(first.total_count).unwrap_or(usize::MAX);
        let page_len = first.user_groups.len();
        let mut all: BTreeMap<String, UserGroupItem> = BTreeMap::new();
        all.extend(first.user_groups.into_iter().map(|g| (g.id.clone(), g)));
        let pages = pages_needed(USER_GROUPS_ACTION, page_len, total)?;
        let rest: Vec<Option<UserGroupsPage>> = futures::stream::iter(1..pages)
            .map(|page| self.user_management_page(page))
            .buffer_unordered(self.parallelism())
            .try_collect()
            .await?;
        for doc in rest {
            // The first page was there, so a later one missing is the server changing under us.
            let Some(doc) = doc else {
                return Err(incomplete(
                    USER_GROUPS_ACTION,
                    "a later page is missing although the first was served".into(),
                ));
            };
            all.extend(doc.user_groups.into_iter().map(|g| (g.id.clone(), g)));
        }
        check_count(USER_GROUPS_ACTION, "groups", total, all.len())?;
        Ok(Some(all.into_values().collect()))
    }

    async fn user_management_page(&self, page: usize) -> Result<Option<UserGroupsPage>, ApiError> {
        let url = format!("{USER_GROUPS_ACTION}?page={page}&size={PAGE_SIZE}");
        match self
            .send_as(Media::Json, Method::GET, &url, None)
            .await
            .result
        {
            Ok(answer) => parse(&answer).map(Some),
            Err(e) if matches!(e.status(), Some(404 | 405 | 501)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn collect<T: Entity>(all: &mut BTreeMap<String, T>, data: Vec<T>) {
    for item in data {
        all.insert(item.id().to_string(), item);
    }
}

/// How many pages hold `total` entries when the first held `page_len`.
fn pages_needed(path: &str, page_len: usize, total: usize) -> Result<usize, ApiError> {
    if page_len >= total {
        return Ok(1);
    }
    if page_len == 0 {
        return Err(incomplete(
            path,
            format!("the first page is empty but the total is {total}"),
        ));
    }
    let pages = total.div_ceil(page_len);
    if pages > MAX_PAGES {
        return Err(incomplete(
            path,
            format!("{pages} pages of {page_len} is more than gdgroups reads"),
        ));
    }
    Ok(pages)
}

fn check_count(path: &str, what: &str, total: usize, got: usize) -> Result<(), ApiError> {
    if got == total {
        return Ok(());
    }
    Err(incomplete(
        path,
        format!(
            "the server announced {total} {what} but the pages held {got}; they probably changed while they were read, so run the command again"
        ),
    ))
}

fn incomplete(path: &str, reason: String) -> ApiError {
    ApiError::Malformed {
        request: format!("GET {path}"),
        status: 200,
        reason,
        snippet: String::from("(several pages)"),
    }
}
