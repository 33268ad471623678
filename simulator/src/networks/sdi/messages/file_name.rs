//! The file names of SDI's messages, derived from the invoice file's name and a per-file
//! counter.
//!
//! SDI names each message `<invoice name>_<TT>_<NNN>.xml`; the counter is shared by all the
//! messages of one file and must stay three alphanumerics for as long as a file can collect
//! messages, hence the base-36 continuation past 999.

use super::error::MessageError;
use crate::codelists::sdi::MessageType;

/// SDI's message names: a counter of at most three alphanumerics. 999 in decimal, then
/// `A00`..`ZZZ` in base 36.
const MAX_DECIMAL_COUNTER: u32 = 999;
pub(super) const MAX_COUNTER: u32 = MAX_DECIMAL_COUNTER + 26 * 36 * 36;

/// `<invoice file name without extension(s)>_<TT>_<NNN>.xml`, e.g.
/// `IT01234567890_00001_RC_001.xml`. `counter` is the per-file counter shared by all messages
/// of one invoice file: 1..=999 are written `001`..`999`; from 1000 on the three characters
/// continue in base 36 with a letter first (`A00` = 1000, `A01`, .., `ZZZ` = 34695), so the
/// name stays three alphanumerics and never collides with a decimal one. Beyond that, and for
/// 0, it is an error. The AT's XML gets `.xml` here too; the ZIP that carries it is named by
/// `archive::attestazione_zip_name`.
pub(crate) fn message_file_name(
    invoice_file_name: &str,
    kind: MessageType,
    counter: u32,
) -> Result<String, MessageError> {
    let base = invoice_base_name(invoice_file_name)?;
    let counter = counter_text(counter)?;
    Ok(format!("{base}_{}_{counter}.xml", kind.as_str()))
}

/// Whether `name` is an SDI invoice file name (`.xml`, `.xml.p7m` or `.zip`).
pub(crate) fn is_invoice_file_name(name: &str) -> bool {
    invoice_base_name(name).is_ok()
}

/// The invoice name without its extension, after checking it is an SDI invoice file name:
/// `<IdPaese: 2 letters A-Z><IdCodice: 2..28 alphanumerics>_<progressivo: 1..5
/// alphanumerics>` + `.xml`, `.xml.p7m` or `.zip` (extension case-insensitive).
fn invoice_base_name(name: &str) -> Result<&str, MessageError> {
    let bad = || MessageError::InvalidFileName(name.to_owned());
    let (base, extension) = name.split_once('.').ok_or_else(bad)?;
    let extension = extension.to_ascii_lowercase();
    if !matches!(extension.as_str(), "xml" | "xml.p7m" | "zip") {
        return Err(bad());
    }
    let (sender, progressivo) = base.split_once('_').ok_or_else(bad)?;
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let country = sender.get(..2).ok_or_else(bad)?;
    let code = sender.get(2..).ok_or_else(bad)?;
    let ok = country.bytes().all(|b| b.is_ascii_uppercase())
        && (2..=28).contains(&code.len())
        && alnum(code)
        && (1..=5).contains(&progressivo.len())
        && alnum(progressivo);
    if ok { Ok(base) } else { Err(bad()) }
}

fn counter_text(counter: u32) -> Result<String, MessageError> {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match counter {
        1..=MAX_DECIMAL_COUNTER => Ok(format!("{counter:03}")),
        n if n > MAX_DECIMAL_COUNTER && n <= MAX_COUNTER => {
            let offset = n - (MAX_DECIMAL_COUNTER + 1);
            let digit = |value: u32| {
                usize::try_from(value)
                    .ok()
                    .and_then(|i| DIGITS.get(i))
                    .map(|b| char::from(*b))
                    .ok_or(MessageError::CounterOutOfRange(n))
            };
            let mut text = String::with_capacity(3);
            text.push(digit(10 + offset / (36 * 36))?);
            text.push(digit(offset / 36 % 36)?);
            text.push(digit(offset % 36)?);
            Ok(text)
        }
        n => Err(MessageError::CounterOutOfRange(n)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn message_file_names() {
        let name = |file: &str, kind, counter| message_file_name(file, kind, counter);
        assert_eq!(
            name("IT01234567890_11111.xml", MessageType::RC, 1).unwrap(),
            "IT01234567890_11111_RC_001.xml"
        );
        assert_eq!(
            name("IT01234567890_11111.xml.p7m", MessageType::NE, 5).unwrap(),
            "IT01234567890_11111_NE_005.xml"
        );
        assert_eq!(
            name("ITAAABBB99T99X999W_0000a.XML", MessageType::MT, 42).unwrap(),
            "ITAAABBB99T99X999W_0000a_MT_042.xml"
        );
        assert_eq!(
            name("FR12345678910_00003.zip", MessageType::AT, 999).unwrap(),
            "FR12345678910_00003_AT_999.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1000).unwrap(),
            "IT01234567890_1_NS_A00.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1001).unwrap(),
            "IT01234567890_1_NS_A01.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::NS, 1036).unwrap(),
            "IT01234567890_1_NS_A10.xml"
        );
        assert_eq!(
            name("IT01234567890_1.xml", MessageType::SE, 34_695).unwrap(),
            "IT01234567890_1_SE_ZZZ.xml"
        );
        for counter in [0, 34_696, u32::MAX] {
            assert!(matches!(
                name("IT01234567890_1.xml", MessageType::RC, counter),
                Err(MessageError::CounterOutOfRange(c)) if c == counter
            ));
        }
        for bad in [
            "",
            "IT01234567890_00001",
            "IT01234567890_00001.pdf",
            "IT01234567890.xml",
            "it01234567890_00001.xml",
            "I1234567890_00001.xml",
            "IT1_00001.xml",
            "IT01234567890_000001.xml",
            "IT01234567890_.xml",
            "IT0123456789-_00001.xml",
            "IT01234567890_0000é.xml",
            "IT01234567890123456789012345678_1.xml",
            "ÈT01234567890_00001.xml",
        ] {
            assert!(
                matches!(
                    name(bad, MessageType::RC, 1),
                    Err(MessageError::InvalidFileName(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_counter_gives_a_distinct_three_character_name() {
        let mut seen = std::collections::HashSet::new();
        for counter in 1..=MAX_COUNTER {
            let text = counter_text(counter).unwrap();
            assert_eq!(text.len(), 3);
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            );
            assert!(seen.insert(text));
        }
    }
}
