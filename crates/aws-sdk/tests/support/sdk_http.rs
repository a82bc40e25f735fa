//! An aws-sdk-rust HTTP client that hands each request to awscred's own client
//! (`awscred_core::http::HyperClient`: hyper + rustls with ring).
//!
//! It lets the SDK client of the test and the example run with `aws-sdk-sts`'s default features
//! off, so neither aws-lc nor a second hyper/TLS stack is built. It buffers whole bodies (at most
//! `awscred_core::http::MAX_BODY_BYTES` in responses): enough for STS, not a general SDK client.

use std::sync::Arc;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::body::SdkBody;
use awscred_core::http::{HttpClient as _, HttpErrorKind, HyperClient, Timeouts};

/// The SDK's HTTP client over `http`. The SDK's connect and read timeouts (connect 3.1 s with
/// `BehaviorVersion::latest()`) become awscred's per-request [`Timeouts`].
pub fn sdk_http_client(http: HyperClient) -> SharedHttpClient {
    SharedHttpClient::new(Bridge {
        http: Arc::new(http),
    })
}

#[derive(Debug)]
struct Bridge {
    http: Arc<HyperClient>,
}

impl HttpClient for Bridge {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let defaults = Timeouts::default();
        SharedHttpConnector::new(Connector {
            http: self.http.clone(),
            timeouts: Timeouts::new(
                settings.connect_timeout().unwrap_or(defaults.connect),
                settings.read_timeout().unwrap_or(defaults.read),
            ),
        })
    }
}

#[derive(Debug)]
struct Connector {
    http: Arc<HyperClient>,
    timeouts: Timeouts,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let http = self.http.clone();
        let timeouts = self.timeouts;
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::user(e.into()))?;
            let (parts, body) = request.into_parts();
            // STS requests are small form bodies; a streaming body has no bytes to copy.
            let body = body
                .bytes()
                .ok_or_else(|| {
                    ConnectorError::user("streaming request bodies are not supported".into())
                })?
                .to_vec();
            let response = http
                .send(http::Request::from_parts(parts, body), timeouts)
                .await
                .map_err(|e| match e.kind() {
                    HttpErrorKind::Timeout => ConnectorError::timeout(e.into()),
                    HttpErrorKind::Connect | HttpErrorKind::Io => ConnectorError::io(e.into()),
                    _ => ConnectorError::other(e.into(), None),
                })?;
            Response::try_from(response.map(SdkBody::from))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}
