//! Where a UTF-8 text's non-ASCII characters sit (`patterns.parsing._WideCharacters`).

/// The runs of non-ASCII characters of `data` (UTF-8, lone surrogates encoded as
/// `surrogatepass` does): per run, the character offset where it starts, its
/// length in characters, its first byte, the byte after it, whether each of its
/// characters takes two bytes; and the cumulative extra bytes before each run
/// (one more entry than runs).
#[allow(clippy::type_complexity)]
pub fn wide_runs(data: &[u8]) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<bool>) {
    let (mut char_starts, mut lengths, mut byte_starts, mut byte_ends) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut shifts = vec![0usize];
    let mut two_byte = Vec::new();
    let mut shift = 0usize;
    let mut at = 0usize;
    while at < data.len() {
        if data[at] < 0x80 {
            at += 1;
            continue;
        }
        let start = at;
        let mut characters = 0usize;
        while at < data.len() && data[at] >= 0x80 {
            if data[at] & 0xC0 != 0x80 {
                characters += 1; // a lead byte starts a character
            }
            at += 1;
        }
        let size = at - start;
        char_starts.push(start - shift);
        lengths.push(characters);
        byte_starts.push(start);
        byte_ends.push(at);
        two_byte.push(size == 2 * characters);
        shift += size - characters;
        shifts.push(shift);
    }
    (char_starts, lengths, byte_starts, byte_ends, shifts, two_byte)
}

/// The character offset where each line of `data` (UTF-8, as for [`wide_runs`])
/// starts: 0, then after each line break ESLint knows (`\r\n`, `\r`, `\n`, U+2028,
/// U+2029). One pass counting lead bytes, so a character is one however wide.
pub fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = vec![0usize];
    let mut chars = 0usize; // characters before `at`
    let mut at = 0usize;
    while at < data.len() {
        let byte = data[at];
        match byte {
            b'\n' => {
                at += 1;
                chars += 1;
                starts.push(chars);
                continue;
            }
            b'\r' => {
                let pair = data.get(at + 1) == Some(&b'\n');
                at += if pair { 2 } else { 1 };
                chars += if pair { 2 } else { 1 };
                starts.push(chars);
                continue;
            }
            // U+2028 and U+2029: E2 80 A8 / E2 80 A9.
            0xE2 if data.get(at + 1) == Some(&0x80)
                && matches!(data.get(at + 2), Some(0xA8) | Some(0xA9)) =>
            {
                at += 3;
                chars += 1;
                starts.push(chars);
                continue;
            }
            _ => {}
        }
        if byte & 0xC0 != 0x80 {
            chars += 1; // a lead byte (or ASCII) starts a character
        }
        at += 1;
    }
    starts
}
