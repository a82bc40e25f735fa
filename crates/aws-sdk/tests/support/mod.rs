pub mod sdk_http;
