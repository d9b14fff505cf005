/**
 * Environment variables set for the length of a test body (the SDK reads
 * `AWS_ENDPOINT_URL`, `AWS_MAX_ATTEMPTS`… from the environment), for the
 * tests that run the SDK against moto.
 *
 * @module
 */

/** Sets `vars` while `body` runs, then restores what was there. */
export async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.keys(vars).map((key) => [key, Deno.env.get(key)] as const);
  for (const [key, value] of Object.entries(vars)) Deno.env.set(key, value);
  try {
    return await body();
  } finally {
    for (const [key, value] of saved) {
      value === undefined ? Deno.env.delete(key) : Deno.env.set(key, value);
    }
  }
}
