/**
 * Entry point: `deno task start [flags]`. Parses the Go provider's flags,
 * serves the CSI driver on `<provider-volume>/aws.sock`, and stops gracefully
 * on SIGTERM or SIGINT.
 *
 * @module
 */

import { FlagError, formatUsage, HelpRequested } from "./gocompat/mod.ts";
import { parseProviderFlags, PROVIDER_FLAGS } from "./cli/mod.ts";
import { createLogger } from "./log/mod.ts";
import { startProvider } from "./provider.ts";
import { PROVIDER_NAME, PROVIDER_VERSION } from "./version.ts";

const SIGNAL_NAMES: Record<string, string> = { SIGTERM: "terminated", SIGINT: "interrupt" };

/** Runs the provider until a signal stops it; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const usage = formatUsage(PROVIDER_NAME, PROVIDER_FLAGS);
  let parsed;
  try {
    parsed = parseProviderFlags(args, { kubeconfig: Deno.env.get("KUBECONFIG") });
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.error(usage);
      return 0;
    }
    if (error instanceof FlagError) {
      console.error(`${error.message}\n${usage}`);
      return 2;
    }
    throw error;
  }
  const { config, warnings } = parsed;
  const logger = createLogger({ level: config.logLevel });
  logger.info(`Starting ${PROVIDER_NAME} version ${PROVIDER_VERSION}`);
  logger.info(
    "This provider requires tokenRequests to be configured in the CSIDriver spec (audiences: sts.amazonaws.com, pods.eks.amazonaws.com)",
  );
  for (const warning of warnings) logger.warn(warning);
  const socketDirectory = await Deno.permissions.query({
    name: "write",
    path: config.providerVolume,
  });
  if (socketDirectory.state !== "granted") {
    logger.error(
      `Failed to listen on unix socket. error: no write permission for ${config.providerVolume}: add it to --allow-write`,
    );
    return 1;
  }
  // Listen for signals before the socket exists, so that a stop request that
  // arrives while starting is honoured once started instead of killing us.
  const stopped = Promise.withResolvers<void>();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info(`received signal:${SIGNAL_NAMES[signal]} to terminate`);
      stopped.resolve();
    });
  }
  let provider;
  try {
    provider = await startProvider(config, logger, {
      awsRegion: Deno.env.get("AWS_REGION") ?? "",
    });
  } catch (error) {
    const message = (error as Error).message;
    logger.error(
      message.startsWith("Failed to")
        ? message
        : `Failed to listen on unix socket. error: ${message}`,
    );
    return 1;
  }
  await stopped.promise;
  await provider.stop();
  logger.info("stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
