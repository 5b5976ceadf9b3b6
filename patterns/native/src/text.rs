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
