/**
 * EKS Pod Identity in kind: the agent stand-in (pod_identity_agent_standin.ts)
 * runs as a host-network DaemonSet on the agent's link-local address, with an
 * association from the scenario's service account to a role; a pod of that
 * service account mounts a class with `usePodIdentity: "true"`. The provider
 * must ask the agent on 169.254.170.23 with the pod's token for audience
 * `pods.eks.amazonaws.com` and fetch with the role's credentials.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import {
  namespace,
  POD_IDENTITY_AGENT_NAME,
  podIdentityAgentObjects,
  roleArn,
  serviceAccount,
} from "./manifests.ts";
import { PROXY_IMAGE } from "./emulator.ts";
import { expectEqual, mountApp, read, type Scenario, waitFor } from "./scenario_context.ts";

/** Namespace of the agent stand-in. */
export const AGENT_NAMESPACE = "e2e-pod-identity-agent";
const NS = "e2e-pod-identity";
const SERVICE_ACCOUNT = "pi-app";
const VALUE = "p0d-1dentity-Wv9";

/** The scenario. */
export const podIdentity: Scenario = {
  name:
    "EKS Pod Identity: the agent stand-in on 169.254.170.23 trades the pod's token for its role",
  async run(context) {
    const { settings, kubectl } = context;
    const role = roleArn(settings.backend.accountId, "e2e-pod-identity-role");
    const source = await Deno.readTextFile(
      fileURLToPath(new URL("./pod_identity_agent_standin.ts", import.meta.url)),
    );
    await kubectl.apply([
      namespace(AGENT_NAMESPACE),
      ...podIdentityAgentObjects({
        namespace: AGENT_NAMESPACE,
        image: PROXY_IMAGE,
        toolsImage: settings.toolsImage,
        sts: context.awsEndpointForPods,
        associations: { [`${NS}/${SERVICE_ACCOUNT}`]: role },
        source,
      }),
    ]);
    await context.kube.rollout("DaemonSet", AGENT_NAMESPACE, POD_IDENTITY_AGENT_NAME, {
      timeoutMs: 180_000,
    });
    await kubectl.apply([namespace(NS), serviceAccount(SERVICE_ACCOUNT, { namespace: NS })]);
    await context.aws.createSecret(settings.primaryRegion, "PodIdentitySecret", VALUE);
    const pod = await mountApp(context, NS, "pod-identity", {
      serviceAccount: SERVICE_ACCOUNT,
      parameters: { region: settings.primaryRegion, usePodIdentity: "true" },
      objects: [{ objectName: "PodIdentitySecret", objectType: "secretsmanager" }],
    });
    expectEqual(await read(context, NS, pod, "PodIdentitySecret"), VALUE, "the mounted secret");
    // The agent, not IRSA, gave the credentials: it says whom it served with which role.
    const served = `served ${NS}/${SERVICE_ACCOUNT} with ${role}`;
    await waitFor(context, "the agent stand-in's log line", async () => {
      const agents = await context.kube.pods(AGENT_NAMESPACE, `app=${POD_IDENTITY_AGENT_NAME}`);
      for (const agent of agents) {
        const log = await context.kube.podLog(AGENT_NAMESPACE, agent.name, { container: "agent" });
        if (log.split("\n").includes(served)) return true;
      }
      return undefined;
    }, { timeoutMs: 30_000 });
  },
};
