/**
 * In-memory stores that also answer the selector calls: SSM with
 * GetParametersByPath over its own parameters, Secrets Manager with
 * BatchGetSecretValue by filters over tagged secrets (prefix matches, keys
 * and values matched independently, as Secrets Manager does). For unit tests
 * of selectors, the pipeline and the fuzzing.
 *
 * @module
 */

import { awsFailure, FakeSecretsManager, FakeSsm } from "../../test/fakes/mod.ts";
import {
  type AwsFailure,
  AwsFailureError,
  type CallOptions,
  type ParametersPage,
  type SecretsFilter,
  type SecretValuesPage,
} from "../aws/mod.ts";

const encoder = new TextEncoder();

/** SSM with GetParametersByPath over its own parameters, `pageSize` a page. */
export class PathSsm extends FakeSsm {
  parameters = new Map<string, string>();
  pageSize = 10;
  pathFailure: AwsFailure | undefined;
  pages = 0;

  getParametersByPath(
    request: { path: string; recursive: boolean; nextToken?: string },
    _options?: CallOptions,
  ): Promise<ParametersPage> {
    this.pages++;
    if (this.pathFailure) return Promise.reject(new AwsFailureError(this.pathFailure));
    const prefix = request.path.replace(/\/?$/, "/");
    const names = [...this.parameters.keys()].filter((name) =>
      name.startsWith(prefix) && (request.recursive || !name.slice(prefix.length).includes("/"))
    ).sort();
    const start = Number(request.nextToken ?? 0);
    const slice = names.slice(start, start + this.pageSize);
    return Promise.resolve({
      parameters: slice.map((name) => ({
        name,
        arn: undefined,
        value: this.parameters.get(name)!,
        version: 3,
        selector: undefined,
      })),
      nextToken: start + this.pageSize < names.length ? String(start + this.pageSize) : undefined,
    });
  }
}

/** Secrets Manager with BatchGetSecretValue by filters over tagged secrets, 20 a page. */
export class FilterSecretsManager extends FakeSecretsManager {
  tagged = new Map<string, { value: string | Uint8Array; tags: Record<string, string> }>();
  filterFailure: AwsFailure | undefined;
  unreadable = new Set<string>();
  filtersSeen: SecretsFilter[][] = [];

  batchGetSecretValueByFilters(
    request: { filters: SecretsFilter[]; nextToken?: string },
    _options?: CallOptions,
  ): Promise<SecretValuesPage> {
    this.filtersSeen.push(request.filters);
    if (this.filterFailure) return Promise.reject(new AwsFailureError(this.filterFailure));
    const matches = [...this.tagged].filter(([name, { tags }]) =>
      request.filters.every(({ key, values }) =>
        values.some((value) =>
          key === "name"
            ? name.startsWith(value)
            : Object.entries(tags).some(([k, v]) => (key === "tag-key" ? k : v).startsWith(value))
        )
      )
    );
    const start = Number(request.nextToken ?? 0);
    const page = matches.slice(start, start + 20);
    return Promise.resolve({
      values: page.filter(([name]) => !this.unreadable.has(name)).map(([name, { value }]) => ({
        name,
        arn: `arn:aws:secretsmanager:${this.region}:123456789012:secret:${name}-AbCdEf`,
        versionId: `ver-${name}`,
        bytes: typeof value === "string" ? encoder.encode(value) : value,
      })),
      errors: page.filter(([name]) => this.unreadable.has(name)).map(([name]) => ({
        secretId: name,
        failure: awsFailure("AccessDeniedException", { status: 400 }),
      })),
      nextToken: start + 20 < matches.length ? String(start + 20) : undefined,
    });
  }
}
