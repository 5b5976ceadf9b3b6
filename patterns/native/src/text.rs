//! Where a UTF-8 text's non-ASCII characters sit (`patterns.parsing._WideCharacters`),
//! and the byte scans the rules run before reading a tree (`patterns._bytes`).

use memchr::memmem;

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

/// Whether `byte` may continue a name, as the rules' word patterns see it: an
/// ASCII letter, digit, `_` (Python's bytes `\\w`) or `$`.
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// The offsets where `word` stands in `data` with no name byte on either side
/// (what `patterns._bytes.word_pattern(word).finditer` finds), at most
/// `limit` of them.
pub fn word_starts(data: &[u8], word: &[u8], limit: usize) -> Vec<usize> {
    let mut found = Vec::new();
    if word.is_empty() {
        return found;
    }
    let mut from = 0;
    while found.len() < limit {
        let Some(at) = memmem::find(&data[from..], word).map(|at| from + at) else { break };
        let end = at + word.len();
        let clear_before = at == 0 || !is_name_byte(data[at - 1]);
        let clear_after = end == data.len() || !is_name_byte(data[end]);
        if clear_before && clear_after {
            found.push(at);
            from = end; // matches do not overlap, as with finditer
        } else {
            from = at + 1;
        }
    }
    found
}

/// Whether `needle` occurs in `data`.
pub fn contains(data: &[u8], needle: &[u8]) -> bool {
    memmem::find(data, needle).is_some()
}
