//! The CSV Analyzer page: mount only. Trunk builds it to wasm32 (`data-bin="app"`).

fn main() {
    csv_app::panic::install_hook();
    leptos::mount::mount_to_body(csv_app::app::App);
}
