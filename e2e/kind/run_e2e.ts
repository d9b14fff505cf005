/**
 * `deno task e2e`'s choice: the kind suite where Docker runs, otherwise the
 * same scenarios on the local stack (driver client harness, moto, the
 * provider as a process) — said plainly, since a green run without Docker
 * proves less.
 *
 * @module
 */

/** What {@linkcode runE2e} needs. */
export interface E2eRunners {
  /** Whether a Docker engine answers. */
  dockerAvailable(): Promise<boolean>;
  /** The kind suite; resolves to an exit code. */
  runKind(): Promise<number>;
  /** The local-stack suite (e2e/local); a number is an exit code, a throw a failure. */
  runLocal(): Promise<unknown>;
  /** Messages. @default {console.error} */
  log?(message: string): void;
}

/** The message printed when Docker is absent. */
export const NO_DOCKER_MESSAGE = [
  "Docker is not available (`docker info` failed): the kind + emulator suite cannot run here.",
  "Running the local-stack e2e scenarios instead: the CSI driver's own Go client, moto with two",
  "regions, and the provider started with the arguments the Helm chart renders.",
  "The cluster-level checks (image, chart install, kubelet mounts, rotation, secret sync) need Docker:",
  "run `deno task e2e` on a machine with Docker, as the kind job in .github/workflows/ci.yml does.",
].join("\n");

/** Runs the right suite; returns the exit code. */
export async function runE2e(runners: E2eRunners): Promise<number> {
  const log = runners.log ?? console.error;
  if (await runners.dockerAvailable()) return await runners.runKind();
  log(NO_DOCKER_MESSAGE);
  const outcome = await runners.runLocal();
  return typeof outcome === "number" ? outcome : 0;
}

/** Whether `docker info` succeeds (a Docker CLI without an engine fails it). */
export async function dockerInfoSucceeds(): Promise<boolean> {
  try {
    const result = await new Deno.Command("docker", {
      args: ["info", "--format", "{{.ServerVersion}}"],
      stdout: "null",
      stderr: "null",
    }).output();
    return result.success;
  } catch {
    // No docker binary at all.
    return false;
  }
}
