//! Version and build information: the crate version and the source revision the library was
//! built from. The lowest layer: every module may use it, it uses none.

/// The crate version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git revision the library was built from (`unknown` outside a checkout).
pub const SOURCE_REVISION: &str = env!("CADRESIM_SOURCE_REVISION");

/// `(version, source revision)`, as recorded in manifests.
pub fn version() -> (&'static str, &'static str) {
    (VERSION, SOURCE_REVISION)
}
