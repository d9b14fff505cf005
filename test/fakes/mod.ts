/**
 * In-process fakes and helpers for unit tests: they start no process and
 * serve nothing, so a unit test in `src/` stays fast and alone. Real
 * processes and servers (moto, the stand-ins, the provider) are the dev
 * stack's (`devstack/`).
 *
 * - `fake_kube.ts`: an in-memory Kubernetes API (`FakeKube`) and the real
 *   identity resolver over it.
 * - `fake_stores.ts`: in-memory Secrets Manager and SSM (`FakeSecretsManager`,
 *   `FakeSsm`) with the SDK's error shapes (`awsFailure`).
 * - `http2_inspect.ts`: an HPACK decoder, a frame splitter and frame builders
 *   for checking the HTTP/2 repairs.
 * - `turn_counter.ts`: counts turns of the event loop (`countTurns`), for
 *   checking that long work yields.
 *
 * @module
 */

export * from "./fake_kube.ts";
export * from "./fake_stores.ts";
export * from "./http2_inspect.ts";
export * from "./turn_counter.ts";
