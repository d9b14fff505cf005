// Go json texts below were printed by Go 1.26 json.Unmarshal into
// map[string]utils.ServiceAccountToken (a copy of the Go provider's type).
import assert from "node:assert/strict";
import {
  parseServiceAccountTokens,
  POD_IDENTITY_AUDIENCE,
  STS_AUDIENCE,
  TokenError,
  tokenForAudience,
  TOKENS_ATTRIBUTE,
} from "./service_account_tokens.ts";

const HINT = " - ensure tokenRequests is configured in CSIDriver spec";

function parseError(text: string): string {
  try {
    parseServiceAccountTokens(text);
  } catch (error) {
    assert.ok(error instanceof TokenError);
    return error.message;
  }
  assert.fail(`parseServiceAccountTokens(${JSON.stringify(text)}) did not throw`);
}

Deno.test("the attribute and audience names are the driver's and EKS's", () => {
  assert.equal(TOKENS_ATTRIBUTE, "csi.storage.k8s.io/serviceAccount.tokens");
  assert.equal(STS_AUDIENCE, "sts.amazonaws.com");
  assert.equal(POD_IDENTITY_AUDIENCE, "pods.eks.amazonaws.com");
});

Deno.test("tokens are read by audience", () => {
  const tokens = parseServiceAccountTokens(JSON.stringify({
    "sts.amazonaws.com": { token: "a", expirationTimestamp: "2030-01-01T00:00:00Z" },
    "pods.eks.amazonaws.com": { token: "b", expirationTimestamp: "2030-01-01T00:00:00Z" },
  }));
  assert.deepEqual(
    tokens,
    new Map([
      ["sts.amazonaws.com", { token: "a", expirationTimestamp: "2030-01-01T00:00:00Z" }],
      ["pods.eks.amazonaws.com", { token: "b", expirationTimestamp: "2030-01-01T00:00:00Z" }],
    ]),
  );
});

Deno.test("field names match case-insensitively, unknown fields are ignored", () => {
  const tokens = parseServiceAccountTokens(
    '{"a":{"TOKEN":"t","ExpirationTimestamp":"e","extra":5}}',
  );
  assert.deepEqual(tokens.get("a"), { token: "t", expirationTimestamp: "e" });
});

Deno.test("Go's case folding also matches the Kelvin sign and the long s", () => {
  const tokens = parseServiceAccountTokens(
    '{"a":{"to\u212aen":"t","expirationTime\u017ftamp":"e"}}',
  );
  assert.deepEqual(tokens.get("a"), { token: "t", expirationTimestamp: "e" });
});

Deno.test("null tokens, null entries and null fields are empty", () => {
  assert.deepEqual(parseServiceAccountTokens("null"), new Map());
  assert.deepEqual(parseServiceAccountTokens('{"a":null}').get("a"), {
    token: "",
    expirationTimestamp: "",
  });
  assert.deepEqual(parseServiceAccountTokens('{"a":{"token":null}}').get("a"), {
    token: "",
    expirationTimestamp: "",
  });
});

Deno.test("an expired token is not refused: expiry is never checked", () => {
  const tokens = parseServiceAccountTokens(
    '{"sts.amazonaws.com":{"token":"t","expirationTimestamp":"2000-01-01T00:00:00Z"}}',
  );
  assert.equal(tokenForAudience(tokens, STS_AUDIENCE, "IRSA"), "t");
});

Deno.test("empty tokens text is the 'not provided' error", () => {
  assert.equal(
    parseError(""),
    "CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver - ensure tokenRequests is configured in CSIDriver spec",
  );
});

Deno.test("invalid tokens JSON carries Go's json error", async (t) => {
  const cases: [string, string][] = [
    ["not json", "invalid JSON"],
    ["[", "unexpected end of JSON input"],
    [
      "[1]",
      "json: cannot unmarshal array into Go value of type map[string]utils.ServiceAccountToken",
    ],
    [
      '"x"',
      "json: cannot unmarshal string into Go value of type map[string]utils.ServiceAccountToken",
    ],
    ['{"a":1}', "json: cannot unmarshal number into Go value of type utils.ServiceAccountToken"],
    ['{"a":[]}', "json: cannot unmarshal array into Go value of type utils.ServiceAccountToken"],
    [
      '{"a":{"token":1}}',
      "json: cannot unmarshal number into Go struct field ServiceAccountToken.token of type string",
    ],
    [
      '{"a":{"expirationTimestamp":true}}',
      "json: cannot unmarshal bool into Go struct field ServiceAccountToken.expirationTimestamp of type string",
    ],
    [
      '{"a":2,"b":{"token":3}}',
      "json: cannot unmarshal number into Go value of type utils.ServiceAccountToken",
    ],
  ];
  for (const [text, goError] of cases) {
    await t.step(`${text} fails with "${goError}"`, () => {
      assert.equal(
        parseError(text),
        `CSI token error: failed to parse serviceAccount.tokens: ${goError}${HINT}`,
      );
    });
  }
});

Deno.test("a missing audience names the audience in double quotes and the mode", () => {
  const tokens = parseServiceAccountTokens("{}");
  assert.throws(() => tokenForAudience(tokens, STS_AUDIENCE, "IRSA"), {
    name: "TokenError",
    message:
      'IRSA token extraction failed: token for audience "sts.amazonaws.com" not found - ensure tokenRequests includes this audience in CSIDriver',
  });
  assert.throws(() => tokenForAudience(tokens, POD_IDENTITY_AUDIENCE, "Pod Identity"), {
    message:
      'Pod Identity token extraction failed: token for audience "pods.eks.amazonaws.com" not found - ensure tokenRequests includes this audience in CSIDriver',
  });
});

Deno.test("an empty token is its own error", () => {
  const tokens = parseServiceAccountTokens(
    '{"sts.amazonaws.com":{"token":""},"pods.eks.amazonaws.com":{"expirationTimestamp":"x"}}',
  );
  assert.throws(() => tokenForAudience(tokens, STS_AUDIENCE, "IRSA"), {
    message: 'IRSA token extraction failed: token for audience "sts.amazonaws.com" is empty',
  });
  assert.throws(() => tokenForAudience(tokens, POD_IDENTITY_AUDIENCE, "Pod Identity"), {
    message:
      'Pod Identity token extraction failed: token for audience "pods.eks.amazonaws.com" is empty',
  });
});
