//! The details texts of KSeF status 450. KSeF validates with the .NET XSD validator and passes
//! its message through as the status details, so the wording here is that validator's
//! (`The element 'Adnotacje' in namespace '…' has invalid child element …`, `The value of the
//! 'kodSystemowy' attribute does not equal its fixed value.`). Checks KSeF makes outside the
//! XSD (prolog, size, issue date) have no published wording; theirs are in Polish, like the
//! rest of KSeF's texts.

use crate::documents::FA3_NS;

/// Namespace of the base types (`etd:TNrNIP`, `etd:TKodKraju`, `etd:TWybor1_2`).
const ETD_NS: &str = "http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/";

pub(super) const PATTERN: &str = "The Pattern constraint failed.";
pub(super) const ENUMERATION: &str = "The Enumeration constraint failed.";
pub(super) const MIN_LENGTH: &str = "The actual length is less than the MinLength value.";
pub(super) const MAX_LENGTH: &str = "The actual length is greater than the MaxLength value.";
pub(super) const MIN_INCLUSIVE: &str = "The MinInclusive constraint failed.";
pub(super) const MAX_INCLUSIVE: &str = "The MaxInclusive constraint failed.";

/// A type of the FA(3) schema itself, as the validator names it.
pub(super) fn tns(datatype: &str) -> String {
    format!("{FA3_NS}:{datatype}")
}

/// A base type from the `etd` schemas.
pub(super) fn etd(datatype: &str) -> String {
    format!("{ETD_NS}:{datatype}")
}

/// A child that the content model does not allow at its position (unknown, misplaced or
/// repeated), with the elements the validator would have accepted there.
pub(super) fn invalid_child(
    parent: &str,
    child: &str,
    child_ns: &str,
    expected: &[&str],
) -> String {
    let child_ns = if child_ns.is_empty() {
        String::new()
    } else {
        format!(" in namespace '{child_ns}'")
    };
    let mut message = format!(
        "The element '{parent}' in namespace '{FA3_NS}' has invalid child element \
         '{child}'{child_ns}."
    );
    if !expected.is_empty() {
        message.push_str(&expected_list(expected));
    }
    message
}

/// The content model ended before a required element.
pub(super) fn incomplete(parent: &str, expected: &[&str]) -> String {
    format!(
        "The element '{parent}' in namespace '{FA3_NS}' has incomplete content.{}",
        expected_list(expected)
    )
}

fn expected_list(expected: &[&str]) -> String {
    format!(
        " List of possible elements expected: '{}' in namespace '{FA3_NS}'.",
        expected.join(", ")
    )
}

/// A simple value its datatype refuses; `reason` is one of the facet texts above or
/// [`not_valid`].
pub(super) fn invalid_value(element: &str, value: &str, datatype: &str, reason: &str) -> String {
    format!(
        "The '{FA3_NS}:{element}' element is invalid - The value '{value}' is invalid according \
         to its datatype '{datatype}' - {reason}"
    )
}

/// A value that is not even in the lexical space of its built-in base type.
pub(super) fn not_valid(value: &str, builtin: &str) -> String {
    format!("The string '{value}' is not a valid {builtin} value.")
}

pub(super) fn missing_attribute(name: &str) -> String {
    format!("The required attribute '{name}' is missing.")
}

pub(super) fn fixed_attribute(name: &str) -> String {
    format!("The value of the '{name}' attribute does not equal its fixed value.")
}

pub(super) fn fixed_element(name: &str) -> String {
    format!("The value of the '{name}' element does not equal its fixed value.")
}
