//! Lists as streams: items (the [`Pager`] itself) or whole pages
//! ([`Pager::pages`]).
//!
//! The first request carries only the options the caller set: no `$top` or
//! `$skip` of the SDK's own. The next page comes from `@odata.nextLink` when
//! the service sends one (resolved against the page's URL, fetched through
//! the pipeline: same origin only, auth applied). Only the number inventory
//! documents `$top`/`$skip` paging (a default page of 500, at most 1000), so
//! there alone a full page without a nextLink is followed by a request with
//! `$skip` advanced by its length, until a short page. A nextLink seen
//! before, or a page identical to the one before it (a service ignoring
//! `$skip`, or distinct nextLinks over the same page), ends the stream
//! rather than looping forever (with a warning in the logs). A page without
//! `value` is an error, never an empty list.

use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::Url;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorContext, Result};
use crate::generated::models::CollectionResponse;
use crate::pipeline::Pipeline;
use crate::query::ListQuery;

/// The number inventory's documented default page (`$top` default).
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 500;
/// The number inventory's documented largest page (`$top` maximum).
pub(crate) const MAX_PAGE_SIZE: u64 = 1000;

/// What a collection documents about the options the SDK sends.
#[derive(Debug)]
pub(crate) struct Collection {
    name: &'static str,
    /// The options it documents, for the error message.
    documented: &'static str,
    skip: bool,
    count: bool,
    /// `$skip` paging with this default page size, where documented.
    skip_paging: Option<u64>,
}

impl Collection {
    /// `GET …/numberAssignments`: `$filter`, `$top` (default 500, at most
    /// 1000) and `$skip` on Learn; the description adds `$select`,
    /// `$orderby`, `$count`.
    pub(crate) const NUMBER_ASSIGNMENTS: Collection = Collection {
        name: "numberAssignments",
        documented: "$filter, $top, $skip, $select, $orderby and $count",
        skip: true,
        count: true,
        skip_paging: Some(DEFAULT_PAGE_SIZE),
    };
    /// `GET …/operations`: no Learn page; the description's options.
    pub(crate) const OPERATIONS: Collection = Collection {
        name: "operations",
        documented: "$filter, $top, $skip, $select, $orderby and $count",
        skip: true,
        count: true,
        skip_paging: None,
    };
    /// `GET /admin/teams/policy/userAssignments`: no Learn page; the
    /// description's options, and `$skip` paging (with `$top`) when the
    /// service sends no `nextLink`.
    pub(crate) const USER_ASSIGNMENTS: Collection = Collection {
        name: "userAssignments",
        documented: "$filter, $top, $skip, $select, $orderby and $count",
        skip: true,
        count: true,
        skip_paging: Some(DEFAULT_PAGE_SIZE),
    };
    /// `GET /admin/teams/userConfigurations`: `$select`, `$filter`, `$top`,
    /// `$expand`, `$orderby` on Learn.
    pub(crate) const USER_CONFIGURATIONS: Collection = Collection {
        name: "userConfigurations",
        documented: "$select, $filter, $top, $expand and $orderby",
        skip: false,
        count: false,
        skip_paging: None,
    };

    /// Refuses options the collection does not document.
    pub(crate) fn check(&self, query: &ListQuery) -> Result<()> {
        let refuse = |option: &str| {
            Err(Error::InvalidInput {
                argument: "query",
                reason: format!(
                    "{} does not document {option} (it documents {}); an option the service does not support may be refused",
                    self.name, self.documented
                ),
            })
        };
        if query.skip.is_some() && !self.skip {
            return refuse("$skip");
        }
        if query.count && !self.count {
            return refuse("$count");
        }
        Ok(())
    }

    /// The page size that `$skip` paging counts with, where the collection
    /// pages that way: the caller's `$top` (at most the documented maximum),
    /// else the documented default.
    pub(crate) fn skip_paging(&self, query: &ListQuery) -> Option<u64> {
        self.skip_paging
            .map(|default| query.top.unwrap_or(default).min(MAX_PAGE_SIZE))
    }
}

/// One page of a list.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// `@odata.nextLink`, if the service sent one.
    pub next_link: Option<String>,
    /// `@odata.count`, if asked for with `$count`.
    pub count: Option<i64>,
    /// `$skip` this page was fetched with (0 for nextLink pages).
    pub skip: u64,
}

/// A generated `…CollectionResponse` type.
pub(crate) trait CollectionPage: DeserializeOwned + Send + 'static {
    type Item: Serialize + Send + 'static;
    /// The items (`None` when the answer had no `value`), the nextLink and
    /// the count.
    fn into_parts(self) -> (Option<Vec<Self::Item>>, Option<String>, Option<i64>);
}

/// Every response type of an `x-ms-pageable` operation (the generator
/// implements `CollectionResponse` for each).
impl<P> CollectionPage for P
where
    P: CollectionResponse + DeserializeOwned + Send + 'static,
    P::Item: Serialize + Send + 'static,
{
    type Item = P::Item;
    fn into_parts(self) -> (Option<Vec<Self::Item>>, Option<String>, Option<i64>) {
        CollectionResponse::into_parts(self)
    }
}

/// Fetches the page that starts at a `$skip` (none: the caller's own), with
/// the caller's query; returns it with the URL it was read from.
pub(crate) type FetchAt<P> =
    Arc<dyn Fn(Option<u64>) -> BoxFuture<'static, Result<(P, Option<Url>)>> + Send + Sync>;

enum Next {
    Skip(Option<u64>),
    Link(Url),
    Done,
}

struct State<P> {
    pipeline: Pipeline,
    fetch: FetchAt<P>,
    /// `$skip` paging's page size, where the collection pages that way.
    page_size: Option<u64>,
    next: Next,
    seen_links: HashSet<String>,
    last_page: Option<u64>,
}

/// A page's fingerprint, to notice the same page served twice.
fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_vec(items).unwrap_or_default().hash(&mut h);
    h.finish()
}

/// A list: a [`Stream`] of items, fetched a page at a time as they are read.
pub struct Pager<T> {
    pages: BoxStream<'static, Result<Page<T>>>,
    buffer: VecDeque<T>,
}

impl<T: Send + 'static> Pager<T> {
    pub(crate) fn new<P>(
        pipeline: Pipeline,
        fetch: FetchAt<P>,
        first_skip: Option<u64>,
        page_size: Option<u64>,
    ) -> Self
    where
        P: CollectionPage<Item = T>,
        T: Serialize,
    {
        let state = State {
            pipeline,
            fetch,
            page_size,
            next: Next::Skip(first_skip),
            seen_links: HashSet::new(),
            last_page: None,
        };
        let pages = futures::stream::try_unfold(state, |mut st| async move {
            let (page, skip, url) = match std::mem::replace(&mut st.next, Next::Done) {
                Next::Done => return Ok(None),
                Next::Skip(skip) => {
                    let (page, url) = (st.fetch)(skip).await?;
                    (page, skip, url)
                }
                Next::Link(url) => {
                    let answer = st.pipeline.get_json::<P>(url, "next_page").await?;
                    (answer.value, None, Some(answer.url))
                }
            };
            let (items, next_link, count) = page.into_parts();
            let Some(items) = items else {
                let source = <serde_json::Error as serde::de::Error>::custom(
                    "the page has no `value`: not a collection",
                );
                let cx = ErrorContext::new("next_page", 1, None);
                return Err(Error::decode(&cx, 200, &Default::default(), b"", source));
            };
            if !items.is_empty() {
                let print = fingerprint(&items);
                if st.last_page == Some(print) {
                    tracing::warn!(?skip, "the service returned the same page again; stopping");
                    return Ok(None);
                }
                st.last_page = Some(print);
            }
            let skip_at = skip.unwrap_or(0);
            st.next = match &next_link {
                Some(link) if !st.seen_links.insert(link.clone()) => {
                    tracing::warn!(next_link = %crate::error::bounded(link, 256), "the service repeated a nextLink; stopping");
                    Next::Done
                }
                Some(link) => {
                    Next::Link(st.pipeline.follow("@odata.nextLink", link, url.as_ref())?)
                }
                None if st
                    .page_size
                    .is_some_and(|size| !items.is_empty() && items.len() as u64 >= size) =>
                {
                    Next::Skip(Some(skip_at + items.len() as u64))
                }
                None => Next::Done,
            };
            Ok(Some((
                Page {
                    items,
                    next_link,
                    count,
                    skip: skip_at,
                },
                st,
            )))
        });
        Self {
            pages: Box::pin(pages),
            buffer: VecDeque::new(),
        }
    }

    /// A list that fails at once (its query was refused).
    pub(crate) fn failed(error: Error) -> Self {
        Self {
            pages: Box::pin(futures::stream::once(async move { Err(error) })),
            buffer: VecDeque::new(),
        }
    }

    /// The pages instead of the items.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>>> {
        self.pages
    }

    /// Reads the whole list.
    pub async fn collect_all(self) -> Result<Vec<T>> {
        self.try_collect().await
    }
}

impl<T: Send + 'static> Unpin for Pager<T> {}

impl<T: Send + 'static> Stream for Pager<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match this.pages.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(page))) => this.buffer.extend(page.items),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> std::fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}
