import assert from "node:assert/strict";
import { PROVIDER_NAME, PROVIDER_VERSION, userAgentAppId } from "./version.ts";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
) as { version: string };

Deno.test("PROVIDER_VERSION equals the version in deno.json", () => {
  assert.equal(PROVIDER_VERSION, denoJson.version);
});

Deno.test("the provider name is the Go provider's", () => {
  assert.equal(PROVIDER_NAME, "secrets-store-csi-driver-provider-aws");
});

Deno.test("the user agent app id uses the EKS addon version when set, else ours", () => {
  assert.equal(
    userAgentAppId("v3.1.1-eksbuild.1"),
    "secrets-store-csi-driver-provider-aws-v3.1.1-eksbuild.1",
  );
  assert.equal(userAgentAppId(""), `secrets-store-csi-driver-provider-aws-${PROVIDER_VERSION}`);
});
