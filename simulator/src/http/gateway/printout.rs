//! A printable page of one document: what a person checking an invoice wants to see. It is
//! rendered from the facts eisim read, not the full document, and says so.

use std::fmt::Write;

use quick_xml::escape::escape;

use crate::store::DocumentRecord;

pub(crate) fn render(doc: &DocumentRecord) -> String {
    let mut page = String::new();
    let title = doc
        .facts
        .invoices
        .first()
        .map_or_else(|| doc.id.clone(), |i| i.number.clone());
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invoice {}</title></head><body>\n<h1>Invoice {}</h1>\n<table>\n",
        escape(title.as_str()),
        escape(title.as_str())
    );
    let mut row = |label: &str, value: &str| {
        let _ = writeln!(
            page,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        );
    };
    row("Document id", &doc.id);
    row("Format", doc.format.as_str());
    row("Network", doc.network.as_str());
    row(
        "Seller tax id",
        doc.facts.seller_tax_id.as_deref().unwrap_or("-"),
    );
    row("Recipient", doc.recipient.as_deref().unwrap_or("-"));
    row("Currency", doc.facts.currency.as_deref().unwrap_or("-"));
    row("State", doc.state.as_str());
    for invoice in &doc.facts.invoices {
        row("Number", &invoice.number);
        row("Issue date", &invoice.issue_date);
        row("Type", &invoice.type_code);
        row("Total", invoice.total.as_deref().unwrap_or("-"));
    }
    page.push_str(
        "</table>\n<p>Rendered by eisim from the document's key facts; the original is at ",
    );
    let _ = write!(
        page,
        "<a href=\"/api/v1/invoices/{0}/document\">/api/v1/invoices/{0}/document</a>.</p>\n</body></html>\n",
        escape(doc.id.as_str())
    );
    page
}
