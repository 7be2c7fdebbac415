//! Listeners and connections. Each connection is served in its own task with
//! a hyper-util auto (HTTP/1 and HTTP/2) connection around the axum router,
//! so a handler can make its own connection drop without any answer.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower_service::Service as _;

/// Put into every request's extensions: lets the handler drop its
/// connection.
#[derive(Clone, Debug)]
pub(crate) struct ConnControl {
    drop_now: Arc<Notify>,
}

impl ConnControl {
    /// The connection closes without answering; the handler should then
    /// never complete (its future is dropped with the connection).
    pub fn reset(&self) {
        self.drop_now.notify_one();
    }
}

pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve_connection(stream, router.clone(), shutdown.clone()));
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let drop_now = Arc::new(Notify::new());
    let control = ConnControl {
        drop_now: drop_now.clone(),
    };
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(control.clone());
        let mut router = router.clone();
        async move {
            let response = router.call(request.map(Body::new)).await;
            Ok::<_, Infallible>(match response {
                Ok(response) => response,
                Err(never) => match never {},
            })
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection future closes the socket with the
        // request unanswered.
        _ = drop_now.notified() => {}
        _ = shutdown.changed() => {}
    }
}
