//! Lists as streams: items (the [`Pager`] itself) or whole pages
//! ([`Pager::pages`]).
//!
//! The next page comes from `@odata.nextLink` when the service sends one
//! (fetched through the pipeline: same origin only, auth applied). The number
//! inventory documents `$top`/`$skip` paging instead, so without a nextLink a
//! full page (as many items as the page size) is followed by a request with
//! `$skip` advanced by its length, until a short page. A nextLink seen before,
//! or a `$skip` page identical to the previous one, ends the stream rather
//! than looping forever (with a warning in the logs).

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::generated::types;
use crate::pipeline::Pipeline;

/// Page size sent as `$top` when the caller does not choose one (the number
/// inventory's documented default).
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 500;

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
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>, Option<i64>);
}

macro_rules! collection_page {
    ($($page:ty => $item:ty),* $(,)?) => {$(
        impl CollectionPage for $page {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>, Option<i64>) {
                (self.value.unwrap_or_default(), self.odata_next_link, self.odata_count)
            }
        }
    )*};
}

collection_page! {
    types::NumberAssignmentCollectionResponse => types::NumberAssignment,
    types::TelephoneNumberLongRunningOperationCollectionResponse => types::TelephoneNumberLongRunningOperation,
    types::TeamsUserConfigurationCollectionResponse => types::TeamsUserConfiguration,
    types::TeamsPolicyUserAssignmentCollectionResponse => types::TeamsPolicyUserAssignment,
    types::GetPolicyIdResponse => types::PolicyIdentifierDetail,
}

/// Fetches the page that starts at a `$skip`, with the caller's query.
pub(crate) type FetchAt<P> = Arc<dyn Fn(u64) -> BoxFuture<'static, Result<P>> + Send + Sync>;

enum Next {
    Skip(u64),
    Link(reqwest::Url),
    Done,
}

struct State<P> {
    pipeline: Pipeline,
    fetch: FetchAt<P>,
    page_size: u64,
    next: Next,
    seen_links: HashSet<String>,
    last_page: Option<String>,
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
        first_skip: u64,
        page_size: u64,
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
            let (page, skip) = match std::mem::replace(&mut st.next, Next::Done) {
                Next::Done => return Ok(None),
                Next::Skip(skip) => ((st.fetch)(skip).await?, skip),
                Next::Link(url) => (st.pipeline.get_json::<P>(url, "next_page").await?.value, 0),
            };
            let (items, next_link, count) = page.into_parts();
            st.next = match &next_link {
                Some(link) if !st.seen_links.insert(link.clone()) => {
                    tracing::warn!(next_link = %link, "the service repeated a nextLink; stopping");
                    Next::Done
                }
                Some(link) => Next::Link(st.pipeline.follow("@odata.nextLink", link)?),
                None if !items.is_empty() && items.len() as u64 >= st.page_size => {
                    let fingerprint = serde_json::to_string(&items).unwrap_or_default();
                    if st.last_page.as_deref() == Some(fingerprint.as_str()) {
                        tracing::warn!(
                            skip,
                            "the service returned the same page for a larger $skip; stopping"
                        );
                        return Ok(None);
                    }
                    st.last_page = Some(fingerprint);
                    Next::Skip(skip + items.len() as u64)
                }
                None => Next::Done,
            };
            Ok(Some((
                Page {
                    items,
                    next_link,
                    count,
                    skip,
                },
                st,
            )))
        });
        Self {
            pages: Box::pin(pages),
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
