//! The CSV Analyzer browser app: mount only. Trunk builds it to wasm32; it also compiles
//! natively so that the workspace's clippy and unit tests cover it.

mod app;
mod components;
mod file_reader;
mod format;
mod pages;
mod panic;

fn main() {
    panic::install_hook();
    leptos::mount::mount_to_body(app::App);
}
