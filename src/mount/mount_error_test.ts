import assert from "node:assert/strict";
import { ObjectsError } from "../config/mod.ts";
import { FetchCancelledError, FetchError, ValueEncodingError } from "../fetch/mod.ts";
import { WriteError } from "../files/mod.ts";
import { CredentialError, TokenError } from "../identity/mod.ts";
import { LimitError } from "../limits/mod.ts";
import { MountError, toMountError } from "./mount_error.ts";

Deno.test("each lower layer's error becomes its code with its message", () => {
  const cases: [Error, string][] = [
    [new TokenError("no token"), "TokenError"],
    [new CredentialError("no role"), "CredentialError"],
    [new ObjectsError("bad objects"), "InvalidObjects"],
    [new LimitError({ max: 1, unit: "bytes", flag: "max-x" }, "too big"), "LimitExceeded"],
    [new FetchError("all regions failed"), "FetchError"],
    [new FetchCancelledError(), "Cancelled"],
    [new WriteError("disk full"), "WriteError"],
  ];
  for (const [error, code] of cases) {
    const mapped = toMountError(error);
    assert.equal(mapped.code, code);
    assert.equal(mapped.message, error.message);
    assert.equal(mapped.cause, error);
  }
});

Deno.test("a MountError stays as it is; anything else is Internal", () => {
  const error = new MountError("RegionError", "no region");
  assert.equal(toMountError(error), error);
  assert.deepEqual(
    [toMountError(new TypeError("x is undefined")).code, toMountError("odd").message],
    ["Internal", "internal error: odd"],
  );
});

Deno.test("a value that is not in its objectEncoding is a FetchError for the driver", () => {
  const error = toMountError(new ValueEncodingError("the value of object a is not valid hex"));
  assert.equal(error.code, "FetchError");
  assert.equal(error.message, "the value of object a is not valid hex");
});
