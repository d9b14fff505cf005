/**
 * Choosing among the regions' answers for one object (Secrets Manager) or one
 * batch (SSM), exactly as the Go provider's failover does, with one fix: the
 * all-regions message also says what each region answered.
 *
 * @module
 */

import type { AwsFailure } from "../aws/mod.ts";
import { FetchError } from "./fetch_error.ts";

/** What one region answered. */
export type RegionOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; failure: AwsFailure; message: string };

/**
 * Walks the regions in order (primary first): a fatal failure fails the mount
 * with that region's message, even if another region succeeded; otherwise the
 * first success wins; if none succeeded, the mount fails with `allFailed` and
 * each region's answer.
 *
 * @throws {FetchError} with the Go provider's texts.
 */
export function chooseRegion<T>(
  outcomes: RegionOutcome<T>[],
  regions: string[],
  allFailed: string,
): { value: T; regionIndex: number } {
  let chosen: { value: T; regionIndex: number } | undefined;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.ok) {
      chosen ??= { value: outcome.value, regionIndex: index };
    } else if (outcome.failure.fatal) {
      throw new FetchError(outcome.message);
    }
  }
  if (chosen !== undefined) return chosen;
  const answers = outcomes.map((outcome, index) =>
    outcome.ok ? "" : `${regions[index]}: ${outcome.failure.code}: ${outcome.failure.message}`
  );
  throw new FetchError(`${allFailed} (${answers.join("; ")})`);
}
