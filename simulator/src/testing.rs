//! Helpers the unit tests of several modules share.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quick_xml::Reader;
use quick_xml::events::Event;

/// Text of every element named `local`, unescaped, in document order.
pub(crate) fn texts(xml: &str, local: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found: Vec<String> = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => {
                inside = start.local_name().as_ref() == local;
                if inside {
                    found.push(String::new());
                }
            }
            Event::Text(text) if inside => {
                found.last_mut().unwrap().push_str(&text.xml10_content());
            }
            Event::GeneralRef(reference) if inside => {
                let resolved = if reference.is_char_ref() {
                    reference.resolve_char_ref().unwrap().unwrap().to_string()
                } else {
                    quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())
                        .unwrap()
                        .to_owned()
                };
                found.last_mut().unwrap().push_str(&resolved);
            }
            Event::End(_) => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    found
}
