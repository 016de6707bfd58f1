//! The analysis Web Worker's entry. Trunk builds it to wasm32 (`data-bin="worker"`,
//! `data-type="worker"`); the page starts it through `csv_app::worker::client`.

fn main() {
    csv_app::worker::service::start();
}
