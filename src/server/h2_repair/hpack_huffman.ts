/**
 * HPACK Huffman decoding (RFC 7541, Appendix B), for the `:authority`
 * rewrite (which decodes only `:authority` names and values): it goes when
 * that repair goes.
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
const MIN_LENGTH = 5;
const MAX_LENGTH = 30;

/**
 * Canonical decoding tables: the codes of one length are consecutive, so a
 * code of `length` bits is symbol `symbols[start[length] + code - first[length]]`
 * when `code - first[length] < count[length]`. Built once, on first use.
 */
interface Tables {
  symbols: Uint16Array;
  first: Int32Array;
  start: Int32Array;
  count: Int32Array;
}

let tables: Tables | undefined;

function buildTables(): Tables {
  const lengths = [...CODE_LENGTHS].map((letter) => letter.charCodeAt(0) - 60);
  lengths.push(MAX_LENGTH);
  const symbols = Uint16Array.from(
    lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a] - lengths[b] || a - b),
  );
  const first = new Int32Array(MAX_LENGTH + 1);
  const start = new Int32Array(MAX_LENGTH + 1);
  const count = new Int32Array(MAX_LENGTH + 1);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    first[length] = code;
    start[length] = index;
    while (index < symbols.length && lengths[symbols[index]] === length) {
      index++;
      count[length]++;
    }
    code = (code + count[length]) * 2;
  }
  return { symbols, first, start, count };
}

/**
 * Decodes a Huffman-coded HPACK string, in time linear in its length.
 *
 * @returns the decoded bytes, or `undefined` if the input is not a valid
 *   encoding (unknown code, EOS inside the string, bad padding).
 */
export function decodeHuffman(input: Uint8Array): Uint8Array | undefined {
  tables ??= buildTables();
  const { symbols, first, start, count } = tables;
  // Every code has at least 5 bits, so this is never too small.
  const output = new Uint8Array(Math.floor(input.length * 8 / MIN_LENGTH));
  let written = 0;
  let code = 0;
  let length = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      if (length < MIN_LENGTH) continue;
      const offset = code - first[length];
      if (offset >= count[length]) {
        if (length >= MAX_LENGTH) return undefined;
        continue;
      }
      const symbol = symbols[start[length] + offset];
      if (symbol === EOS) return undefined;
      output[written++] = symbol;
      code = 0;
      length = 0;
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (length >= 8 || code !== 2 ** length - 1) return undefined;
  return output.slice(0, written);
}
