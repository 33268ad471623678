//! SDI file names: `IT<transmitter id>_<progressivo>.xml`, with a new five-character
//! progressive for every transmission.
//!
//! SDI refuses a file whose name it has already seen (scarto 00002), so a corrected invoice
//! after a notifica di scarto must travel under a new name (SDI-1). The counter starts at a
//! random point so that a fresh integration talking to a long-running SDI does not reuse the
//! names of an earlier one.

use std::collections::HashSet;

use super::breakage::Breakage;

/// The transmitter id used when the document names none in `IdTrasmittente`.
const FALLBACK_TRANSMITTER: &str = "01234567890";
/// Five base-36 characters.
const PROGRESSIVES: u64 = 36u64.pow(5);

/// Hands out file names and remembers every name used.
#[derive(Debug)]
pub(crate) struct FileNames {
    next: u64,
    used: HashSet<String>,
}

impl Default for FileNames {
    fn default() -> Self {
        use rand::Rng;
        FileNames {
            next: rand::thread_rng().gen_range(0..PROGRESSIVES),
            used: HashSet::new(),
        }
    }
}

impl FileNames {
    /// The name to send a document under.
    ///
    /// `requested` is the scenario's `file_name`; `replaced` is the name of the refused file a
    /// corrected invoice replaces. A replacement never goes under a name already used (SDI-1's
    /// broken variant reuses the refused name on purpose); otherwise a requested name is taken
    /// as given, even a used one, since a scenario may ask for exactly that.
    pub(crate) fn choose(
        &mut self,
        document: &[u8],
        requested: Option<&str>,
        replaced: Option<&str>,
        breakage: Option<Breakage>,
    ) -> String {
        let chosen = match (requested, replaced) {
            (_, Some(replaced)) if breakage == Some(Breakage::Sdi1) => replaced.to_owned(),
            (Some(asked), Some(_)) if !self.used.contains(asked) => asked.to_owned(),
            (Some(asked), None) => asked.to_owned(),
            _ => self.fresh(&transmitter(document)),
        };
        self.used.insert(chosen.clone());
        chosen
    }

    /// `IT<transmitter>_<progressivo>.xml` under a progressive not used before.
    fn fresh(&mut self, transmitter: &str) -> String {
        loop {
            let progressivo = base36(self.next % PROGRESSIVES);
            self.next = self.next.wrapping_add(1);
            let name = format!("IT{transmitter}_{progressivo}.xml");
            if !self.used.contains(&name) {
                return name;
            }
        }
    }
}

/// Five upper-case base-36 digits, zero-padded.
fn base36(mut n: u64) -> String {
    let mut digits = ['0'; 5];
    for slot in digits.iter_mut().rev() {
        *slot = char::from_digit((n % 36) as u32, 36)
            .unwrap_or('0')
            .to_ascii_uppercase();
        n /= 36;
    }
    digits.iter().collect()
}

/// The 11-digit `IdCodice` of the document's `IdTrasmittente`, or a fixed one.
fn transmitter(document: &[u8]) -> String {
    let text = String::from_utf8_lossy(document);
    let code = text
        .find("IdTrasmittente")
        .and_then(|at| text.get(at..))
        .and_then(|rest| {
            let start = rest.find("IdCodice>")? + "IdCodice>".len();
            let rest = rest.get(start..)?;
            let end = rest.find('<')?;
            rest.get(..end)
        })
        .map(str::trim)
        .filter(|code| code.len() == 11 && code.bytes().all(|b| b.is_ascii_digit()));
    code.unwrap_or(FALLBACK_TRANSMITTER).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = b"<p:FatturaElettronica><FatturaElettronicaHeader><DatiTrasmissione>\
        <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567897</IdCodice></IdTrasmittente>";

    fn names_from(next: u64) -> FileNames {
        FileNames {
            next,
            used: HashSet::new(),
        }
    }

    #[test]
    fn fresh_names_use_the_transmitter_and_a_new_progressive_each_time() {
        let mut names = names_from(36 * 36 - 1);
        assert_eq!(
            names.choose(HEADER, None, None, None),
            "IT01234567897_000ZZ.xml"
        );
        assert_eq!(
            names.choose(HEADER, None, None, None),
            "IT01234567897_00100.xml"
        );
        assert_eq!(
            names.choose(b"<Invoice/>", None, None, None),
            "IT01234567890_00101.xml"
        );
    }

    #[test]
    fn the_progressive_wraps_within_five_characters() {
        let mut names = names_from(PROGRESSIVES - 1);
        assert_eq!(
            names.choose(HEADER, None, None, None),
            "IT01234567897_ZZZZZ.xml"
        );
        assert_eq!(
            names.choose(HEADER, None, None, None),
            "IT01234567897_00000.xml"
        );
    }

    #[test]
    fn a_correction_never_reuses_a_name_but_the_sdi1_variant_does() {
        let mut names = names_from(7);
        let refused = names.choose(HEADER, Some("IT01234567897_00001.xml"), None, None);
        assert_eq!(refused, "IT01234567897_00001.xml");
        let corrected = names.choose(HEADER, Some(&refused), Some(&refused), None);
        assert_eq!(corrected, "IT01234567897_00007.xml");
        let asked = names.choose(
            HEADER,
            Some("IT01234567897_00AB1.xml"),
            Some(&refused),
            None,
        );
        assert_eq!(asked, "IT01234567897_00AB1.xml");
        let broken = names.choose(HEADER, None, Some(&refused), Some(Breakage::Sdi1));
        assert_eq!(broken, refused);
    }

    #[test]
    fn a_malformed_transmitter_falls_back_to_the_fixed_id() {
        assert_eq!(
            transmitter(b"<IdTrasmittente><IdCodice>123</IdCodice>"),
            "01234567890"
        );
        assert_eq!(transmitter(b"<IdTrasmittente><IdCodice>"), "01234567890");
        assert_eq!(transmitter(&[0xff, 0xfe]), "01234567890");
    }
}
