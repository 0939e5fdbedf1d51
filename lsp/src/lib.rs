//! The stiglint language server as a library: the binary (`stiglint-lsp`) runs it over
//! stdio; the fuzz targets (`fuzz/`) drive the transport and the method handlers directly.

pub mod convert;
pub mod methods;
pub mod state;
pub mod transport;
