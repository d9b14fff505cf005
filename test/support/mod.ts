/**
 * Test support for the provider: a real AWS emulator (moto), seeding
 * helpers using the real SDK, and a fault-injecting proxy in front of moto.
 *
 * @example
 * ```ts
 * await using moto = await startMoto();
 * await using proxy = await startFaultProxy(moto.url);
 * using seeder = createSeeder(moto.url);
 * await seeder.createSecret("us-east-1", "app/db", "pw");
 * proxy.setFault({ api: "GetSecretValue" }, { kind: "throttle", times: 1 });
 * // run the provider with AWS_ENDPOINT_URL=proxy.url, then check proxy.countBy()
 * ```
 *
 * @module
 */

export * from "./moto_server.ts";
export * from "./aws_seed.ts";
export * from "./fault_proxy.ts";
