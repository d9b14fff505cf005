/**
 * Leak proof: finds secret values and tokens in what the provider showed the
 * world (its log lines, the errors it returned to the driver) and fails with
 * a message that says where and which secret, never the secret itself.
 *
 * The seeder records every value it writes ({@linkcode SeededValues}); the
 * driver client and the driver harness ({@linkcode LeakWitness}es) record
 * every token they send and every error they receive; a stack provider's
 * `stop()` runs {@linkcode assertNoLeaks} over all of them.
 *
 * Every value is looked for, however short: a password of 6 characters
 * leaks as surely as one of 40. So test values must be distinctive — not
 * words, region names or numbers that a log line holds anyway (`Xq7-v2`, not
 * `v2`; `sl0w!`, not `slow`) — or the check fails on a line that holds the
 * word by chance.
 *
 * @example
 * ```ts
 * const values = new SeededValues();
 * values.record('{"password":"hunter2hunter2"}', "secret db in us-east-1");
 * assertNoLeaks([{ where: "provider log line 3", text: line }], values.all());
 * ```
 *
 * @module
 */

/** A value that must never be shown, and what it is (for the failure message). */
export interface SecretSample {
  /** The value. */
  value: string;
  /** What it is, e.g. `value of secret db in us-east-1` (never the value). */
  what: string;
}

/** A text the provider showed, and where a test can find it. */
export interface LeakSource {
  /** e.g. `provider log line 17`, `error returned to the driver client by mount call 3`. */
  where: string;
  /** The text. */
  text: string;
}

/**
 * Something that talked to the provider and kept what it got back: the
 * driver client, the driver harness.
 */
export interface LeakWitness {
  /** Every error text the provider's answers carried, by call (1-based). */
  errors(): { call: number; message: string }[];
  /** Every token value sent. */
  tokensSent(): string[];
}

/** One secret found in one place. */
export interface Leak {
  /** Where. */
  where: string;
  /** Which secret (its description and length, never the value). */
  what: string;
}

/** Some secret values or tokens were shown; the message names places, not values. */
export class LeakError extends Error {
  /** Creates the error from the leaks found. */
  constructor(readonly leaks: Leak[]) {
    super(
      `${leaks.length} secret value(s) or token(s) leaked:\n` +
        leaks.slice(0, 20).map((leak) => `  - ${leak.what} appears in ${leak.where}`).join("\n") +
        (leaks.length > 20 ? `\n  - and ${leaks.length - 20} more` : ""),
    );
    this.name = "LeakError";
  }
}

/** Every value written to the emulator, as strings to look for. */
export class SeededValues {
  readonly #samples = new Map<string, string>();

  /**
   * Records a value: the string itself, every string inside it if it is a
   * JSON document (what `jmesPath` extracts), and for binary values their
   * UTF-8 and base64 forms. Only the empty string is skipped (every text
   * holds it).
   */
  record(value: string | Uint8Array, what: string): void {
    if (typeof value !== "string") {
      this.#add(new TextDecoder().decode(value), `${what} (binary, as UTF-8)`);
      let binary = "";
      for (const byte of value) binary += String.fromCharCode(byte);
      this.#add(btoa(binary), `${what} (binary, as base64)`);
      return;
    }
    this.#add(value, what);
    let document: unknown;
    try {
      document = JSON.parse(value);
    } catch {
      return;
    }
    for (const [path, leaf] of jsonStrings(document, "")) {
      this.#add(leaf, `${what}, JSON field ${path}`);
    }
  }

  /** All recorded samples. */
  all(): SecretSample[] {
    return [...this.#samples].map(([value, what]) => ({ value, what }));
  }

  #add(value: string, what: string): void {
    if (value !== "" && !this.#samples.has(value)) {
      this.#samples.set(value, what);
    }
  }
}

function* jsonStrings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === "string") {
    yield [path || "(root)", value];
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* jsonStrings(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      yield* jsonStrings(item, path === "" ? key : `${path}.${key}`);
    }
  }
}

/** The forms a value can take in a text: as is, and escaped inside a JSON string (log lines). */
function forms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/**
 * Every place where a sample appears, whatever its length (the empty string
 * excepted); a value given twice is reported once, as the first describes it.
 */
export function findLeaks(sources: LeakSource[], samples: SecretSample[]): Leak[] {
  const unique = new Map<string, SecretSample>();
  for (const sample of samples) {
    if (sample.value !== "" && !unique.has(sample.value)) unique.set(sample.value, sample);
  }
  const checked = [...unique.values()];
  const leaks: Leak[] = [];
  for (const source of sources) {
    for (const sample of checked) {
      if (forms(sample.value).some((form) => source.text.includes(form))) {
        leaks.push({ where: source.where, what: `${sample.what} (${sample.value.length} chars)` });
      }
    }
  }
  return leaks;
}

/**
 * Throws a {@linkcode LeakError} when any sample appears in any source.
 *
 * @throws {LeakError} naming each place and secret, never the value.
 */
export function assertNoLeaks(sources: LeakSource[], samples: SecretSample[]): void {
  const leaks = findLeaks(sources, samples);
  if (leaks.length > 0) throw new LeakError(leaks);
}
