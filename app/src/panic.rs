//! What the user sees when the app panics: the panic goes to the console and a message to the
//! page. The message is written with plain DOM calls because after a panic the reactive runtime
//! cannot be trusted. The panic is then reported to the server ([`crate::rum::errors`]), last,
//! so that nothing there can keep the user from seeing the message.

use std::panic;

const CRASH_ID: &str = "app-crash";
const CRASH_MESSAGE: &str = "Something went wrong and the app stopped. \
    Reload the page to try again; the details are in the browser console.";

pub fn install_hook() {
    panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_message();
        crate::rum::errors::report_panic(info);
    }));
}

fn show_crash_message() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if document.get_element_by_id(CRASH_ID).is_some() {
        return;
    }
    let (Some(body), Ok(message)) = (document.body(), document.create_element("p")) else {
        return;
    };
    message.set_id(CRASH_ID);
    message.set_class_name("alert crash");
    // Best effort: there is nothing more to do if the DOM refuses.
    let _ = message.set_attribute("role", "alert");
    message.set_text_content(Some(CRASH_MESSAGE));
    let _ = body.prepend_with_node_1(&message);
}
