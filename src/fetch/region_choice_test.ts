import assert from "node:assert/strict";
import { awsFailure } from "../../test/fakes/mod.ts";
import { FetchError } from "./fetch_error.ts";
import { chooseRegion, type RegionOutcome } from "./region_choice.ts";

const REGIONS = ["us-east-1", "us-west-2"];
const ALL_FAILED = "Failed to fetch parameters from all regions.";

function ok(value: string): RegionOutcome<string> {
  return { ok: true, value };
}

function failed(
  region: string,
  code: string,
  fatal: boolean,
  message = `${code} message`,
): RegionOutcome<string> {
  return {
    ok: false,
    failure: awsFailure(code, { fatal, message }),
    message: `${region}: Failed fetching parameters: ${code}`,
  };
}

function rejection(outcomes: RegionOutcome<string>[]): { code: string; message: string } {
  try {
    chooseRegion(outcomes, REGIONS, ALL_FAILED);
  } catch (error) {
    assert.ok(error instanceof FetchError);
    return { code: error.name, message: error.message };
  }
  assert.fail("chooseRegion did not throw");
}

Deno.test("the primary region's value wins when both regions answer", () => {
  assert.deepEqual(chooseRegion([ok("east"), ok("west")], REGIONS, ALL_FAILED), {
    value: "east",
    regionIndex: 0,
  });
});

Deno.test("a single region's value is used", () => {
  assert.deepEqual(chooseRegion([ok("east")], ["us-east-1"], ALL_FAILED), {
    value: "east",
    regionIndex: 0,
  });
});

Deno.test("the failover region answers when the primary fails non-fatally", () => {
  const outcomes = [failed("us-east-1", "InternalServiceError", false), ok("west")];
  assert.deepEqual(chooseRegion(outcomes, REGIONS, ALL_FAILED), { value: "west", regionIndex: 1 });
});

Deno.test("a fatal primary failure fails the mount with the primary's message", () => {
  const outcomes = [failed("us-east-1", "ResourceNotFoundException", true), ok("west")];
  assert.deepEqual(rejection(outcomes), {
    code: "FetchError",
    message: "us-east-1: Failed fetching parameters: ResourceNotFoundException",
  });
});

Deno.test("a fatal failover failure fails the mount even though the primary answered", () => {
  const outcomes = [ok("east"), failed("us-west-2", "InvalidParameters", true)];
  assert.deepEqual(rejection(outcomes), {
    code: "FetchError",
    message: "us-west-2: Failed fetching parameters: InvalidParameters",
  });
});

Deno.test("a non-fatal primary and a fatal failover failure fail with the failover's message", () => {
  const outcomes = [
    failed("us-east-1", "InternalServiceError", false),
    failed("us-west-2", "ResourceNotFoundException", true),
  ];
  assert.equal(
    rejection(outcomes).message,
    "us-west-2: Failed fetching parameters: ResourceNotFoundException",
  );
});

Deno.test("when no region answers, the message says what each region answered", () => {
  const outcomes = [
    failed("us-east-1", "ThrottlingException", false, "Rate exceeded"),
    failed("us-west-2", "AccessDeniedException", false, "not authorized to GetParameters"),
  ];
  assert.deepEqual(rejection(outcomes), {
    code: "FetchError",
    message: "Failed to fetch parameters from all regions. (us-east-1: ThrottlingException: " +
      "Rate exceeded; us-west-2: AccessDeniedException: not authorized to GetParameters)",
  });
});

Deno.test("a single region's non-fatal failure is the all-regions message", () => {
  assert.equal(
    (() => {
      try {
        chooseRegion(
          [failed("us-east-1", "AccessDeniedException", false, "denied")],
          ["us-east-1"],
          ALL_FAILED,
        );
      } catch (error) {
        return (error as Error).message;
      }
    })(),
    "Failed to fetch parameters from all regions. (us-east-1: AccessDeniedException: denied)",
  );
});
