/**
 * HPACK Huffman decoding (RFC 7541, Appendix B).
 *
 * The code is canonical, so the table is fully described by each symbol's
 * code length; codes are assigned in order of (length, symbol).
 *
 * @module
 */

/**
 * Code lengths of bytes 0..255, one letter each: `A` = 5 bits ... `Z` = 30 bits
 * (RFC 7541 Appendix B). The end-of-string symbol (256) has 30 bits.
 */
const CODE_LENGTHS = "ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHF" +
  "IBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABABABBBACCBBBABCBAABCCCCCKGJIX" +
  "PRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRS" +
  "VVPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWV";

const EOS = 256;

/** Decoding table: `${length}:${code}` → symbol. Built once, on first use. */
let table: Map<string, number> | undefined;

function buildTable(): Map<string, number> {
  const lengths = [...CODE_LENGTHS].map((letter) => letter.charCodeAt(0) - 60);
  lengths.push(30);
  const symbols = lengths.map((_, symbol) => symbol).sort((a, b) =>
    lengths[a] - lengths[b] || a - b
  );
  const result = new Map<string, number>();
  let code = 0;
  let previous = lengths[symbols[0]];
  symbols.forEach((symbol, index) => {
    if (index > 0) code = (code + 1) * 2 ** (lengths[symbol] - previous);
    previous = lengths[symbol];
    result.set(`${previous}:${code}`, symbol);
  });
  return result;
}

/**
 * Decodes a Huffman-coded HPACK string.
 *
 * @returns the decoded bytes, or `undefined` if the input is not a valid
 *   encoding (unknown code, EOS inside the string, bad padding).
 */
export function decodeHuffman(input: Uint8Array): Uint8Array | undefined {
  table ??= buildTable();
  const output: number[] = [];
  let code = 0;
  let length = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      if (length < 5) continue;
      const symbol = table.get(`${length}:${code}`);
      if (symbol === undefined) {
        if (length >= 30) return undefined;
        continue;
      }
      if (symbol === EOS) return undefined;
      output.push(symbol);
      code = 0;
      length = 0;
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (length >= 8 || code !== 2 ** length - 1) return undefined;
  return new Uint8Array(output);
}
