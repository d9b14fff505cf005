/**
 * A temporary directory removed when its scope ends (`await using`), so a
 * test leaves nothing in `/tmp` whether it passes or fails.
 *
 * @module
 */

/** A temporary directory that `await using` removes, with all it holds. */
export interface TempDir extends AsyncDisposable {
  /** Its absolute path. */
  path: string;
}

/**
 * Makes a temporary directory under `$TMPDIR` (or `/tmp`).
 *
 * @example
 * ```ts
 * await using volume = await tempDir("provider-vol-");
 * await Deno.writeTextFile(`${volume.path}/aws.sock`, "stale");
 * ```
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    // Already gone is fine: a test may remove it itself.
    [Symbol.asyncDispose]: () =>
      Deno.remove(path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }),
  };
}
