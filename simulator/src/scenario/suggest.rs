//! "Did you mean ...?" for misspelt keys and values.
//!
//! Suggestions appear only when one candidate is clearly close (a slip of a letter or two, a
//! swapped pair, a different case): a far-fetched guess sends the author the wrong way.

/// Joins a message and its suggestion inside value errors raised by the model's own
/// deserializers, which can only return a string; the error translator splits it off again into
/// a `help:` line.
const DID_YOU_MEAN: &str = "; did you mean `";

/// The candidate nearest to `found`, if it is close enough to be a likely typo.
pub(crate) fn nearest<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let found_lower = found.to_lowercase();
    // Up to one edit in three characters, and always at least one.
    let budget = (found_lower.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&found_lower, &candidate.to_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, candidate)| *distance <= budget && *candidate != found)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The help line for a suggested spelling.
pub(crate) fn did_you_mean(candidate: &str) -> String {
    format!("did you mean `{candidate}`?")
}

/// `message` with the nearest candidate appended in the form [`split`] recognises.
pub(crate) fn append<'a>(
    message: String,
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match nearest(found, candidates) {
        Some(candidate) => format!("{message}{DID_YOU_MEAN}{candidate}`?"),
        None => message,
    }
}

/// Splits a message built by [`append`] into the message and its help line.
pub(crate) fn split(message: &str) -> (String, Option<String>) {
    match message.rsplit_once(DID_YOU_MEAN) {
        Some((message, rest)) => {
            let candidate = rest.trim_end_matches('?').trim_end_matches('`');
            (message.to_owned(), Some(did_you_mean(candidate)))
        }
        None => (message.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTIONS: [&str; 5] = ["name", "tenants", "participants", "behaviours", "webhooks"];

    #[test]
    fn suggests_close_spellings() {
        assert_eq!(nearest("behavours", SECTIONS), Some("behaviours"));
        assert_eq!(nearest("behaviors", SECTIONS), Some("behaviours"));
        assert_eq!(nearest("participant", SECTIONS), Some("participants"));
        assert_eq!(nearest("nmae", SECTIONS), Some("name"));
        assert_eq!(nearest("SDI", ["peppol", "sdi", "ksef"]), Some("sdi"));
        assert_eq!(nearest("sdii", ["peppol", "sdi", "ksef"]), Some("sdi"));
    }

    #[test]
    fn stays_silent_when_nothing_is_close() {
        assert_eq!(nearest("clock_speed", SECTIONS), None);
        assert_eq!(nearest("fast", ["real", "virtual"]), None);
        assert_eq!(nearest("x", ["peppol", "sdi", "ksef"]), None);
    }

    #[test]
    fn append_and_split_round_trip() {
        let message = append("found `virtaul`".to_owned(), "virtaul", ["real", "virtual"]);
        assert_eq!(
            split(&message),
            (
                "found `virtaul`".to_owned(),
                Some("did you mean `virtual`?".to_owned())
            )
        );
        assert_eq!(split("found `fast`"), ("found `fast`".to_owned(), None));
    }
}
