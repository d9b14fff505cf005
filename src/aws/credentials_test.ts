import assert from "node:assert/strict";
import { callerCredentials, sendAs } from "./credentials.ts";

const as = (accessKeyId: string) => () => Promise.resolve({ accessKeyId, secretAccessKey: "x" });

Deno.test("a call outside sendAs has no credentials: it fails instead of acting as someone", async () => {
  await assert.rejects(callerCredentials(), {
    message: "no credentials are bound to this AWS call",
  });
});

Deno.test("concurrent calls each see their own caller's credentials, across awaits", async () => {
  const seen = await Promise.all(
    ["A", "B", "C"].map((id) =>
      sendAs(as(`AKID${id}`), async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        return (await callerCredentials()).accessKeyId;
      })
    ),
  );
  assert.deepEqual(seen, ["AKIDA", "AKIDB", "AKIDC"]);
});

Deno.test("the provider is marked memoized, so the SDK never caches one caller's credentials", () => {
  assert.equal((callerCredentials as { memoized?: boolean }).memoized, true);
});
