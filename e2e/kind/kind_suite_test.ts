import assert from "node:assert/strict";
import { keepInstructions, stsSamples } from "./kind_suite.ts";

Deno.test("E2E_KEEP=1 says how to reach and remove everything that was kept", () => {
  const text = keepInstructions([
    { what: "work directory /tmp/w", remove: () => Promise.resolve(), keep: ["rm -rf /tmp/w"] },
    {
      what: "emulator container c-aws-emulator (motoserver/moto:5.2.5)",
      remove: () => Promise.resolve(),
      keep: [
        "AWS endpoint from the host: http://127.0.0.1:4000",
        "remove: docker rm -f c-aws-emulator",
      ],
    },
  ]);
  assert.equal(
    text,
    [
      "E2E_KEEP=1: everything was kept.",
      "- work directory /tmp/w:",
      "    rm -rf /tmp/w",
      "- emulator container c-aws-emulator (motoserver/moto:5.2.5):",
      "    AWS endpoint from the host: http://127.0.0.1:4000",
      "    remove: docker rm -f c-aws-emulator",
    ].join("\n"),
  );
});

Deno.test("the proxy's STS values become leak samples that never describe themselves", () => {
  const samples = stsSamples({ tokens: ["eyJa.eyJb.c2ln"], credentials: ["sk", "st"] });
  assert.deepEqual(samples.map((sample) => sample.what), [
    "a web identity token sent to STS (#1)",
    "an STS secret key or session token (#1)",
    "an STS secret key or session token (#2)",
  ]);
  for (const sample of samples) assert.ok(!sample.what.includes(sample.value));
});
