//! Windows-1252 decoding, as the WHATWG Encoding Standard defines it (what browsers and
//! `encoding_rs` do): Latin-1, except bytes 0x80–0x9F, which are mostly typographic signs.
//!
//! Latin-1 goes through `encoding_rs::mem::decode_latin1`; the 32 bytes that differ are looked
//! up here. Calling `encoding_rs::WINDOWS_1252.decode` instead would give the same text but link
//! every decoder `encoding_rs` has (its decoder is one dispatch over all encodings), whose CJK
//! tables were about a third of the analysis worker's wasm.

/// Bytes 0x80–0x9F. The five that Windows leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to
/// the C1 control of the same number, as in the standard.
const FROM_0X80: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// Decodes `bytes` as Windows-1252 (every byte is a character: this never fails).
pub fn decode(bytes: &[u8]) -> String {
    if !bytes.iter().any(|b| (0x80..0xA0).contains(b)) {
        return encoding_rs::mem::decode_latin1(bytes).into_owned();
    }
    bytes
        .iter()
        .map(|&byte| match byte {
            0x80..=0x9F => FROM_0X80[usize::from(byte - 0x80)],
            _ => char::from(byte),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `encoding_rs`'s own Windows-1252 decoder is the oracle.
    fn oracle(bytes: &[u8]) -> String {
        let (text, _, had_errors) = encoding_rs::WINDOWS_1252.decode(bytes);
        assert!(!had_errors);
        text.into_owned()
    }

    #[test]
    fn every_byte_decodes_as_the_standard_says() {
        for byte in 0..=u8::MAX {
            assert_eq!(decode(&[byte]), oracle(&[byte]), "byte {byte:#04x}");
        }
        let all: Vec<u8> = (0..=u8::MAX).collect();
        assert_eq!(decode(&all), oracle(&all));
    }

    #[test]
    fn french_text_saved_by_excel() {
        // "Œuvre – 12,5 €" in Windows-1252.
        let bytes = b"\x8cuvre \x96 12,5 \x80";
        assert_eq!(decode(bytes), "Œuvre – 12,5 €");
        assert_eq!(decode(b"caf\xe9"), "café");
        assert_eq!(decode(b""), "");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_match_the_oracle(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            proptest::prop_assert_eq!(decode(&bytes), oracle(&bytes));
        }
    }
}
