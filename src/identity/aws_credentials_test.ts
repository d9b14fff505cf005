import assert from "node:assert/strict";
import {
  CREDENTIAL_REFRESH_MARGIN_MS,
  credentialsExpireAt,
  tokenDigest,
} from "./credential_cache.ts";

const KEYS = { accessKeyId: "AKIA", secretAccessKey: "secret" };

Deno.test("cached credentials are replaced 5 minutes before they expire", () => {
  assert.equal(CREDENTIAL_REFRESH_MARGIN_MS, 300_000);
  const expiration = new Date("2030-01-01T12:00:00Z");
  assert.equal(
    credentialsExpireAt({ ...KEYS, expiration }),
    new Date("2030-01-01T11:55:00Z").getTime(),
  );
});

Deno.test("the refresh margin can be chosen", () => {
  const expiration = new Date("2030-01-01T12:00:00Z");
  assert.equal(credentialsExpireAt({ ...KEYS, expiration }, 0), expiration.getTime());
});

Deno.test("credentials without an expiry are not cached", () => {
  assert.equal(credentialsExpireAt(KEYS), undefined);
});

Deno.test("tokenDigest is the hex SHA-256 of the token", () => {
  assert.equal(
    tokenDigest("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.notEqual(tokenDigest("token-a"), tokenDigest("token-b"));
});
