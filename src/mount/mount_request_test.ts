import assert from "node:assert/strict";
import {
  decodeMountRequest,
  parseUsePodIdentity,
  type RawMountRequest,
  resolveRegions,
} from "./mount_request.ts";
import { MountError } from "./mount_error.ts";
import { mountLimits } from "../limits/mod.ts";

const TOKENS = JSON.stringify({
  "sts.amazonaws.com": { token: "sts-jwt", expirationTimestamp: "2030-01-01T00:00:00Z" },
});

function request(overrides: Partial<RawMountRequest> = {}): RawMountRequest {
  return {
    attributes: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": TOKENS }),
    secrets: "{}",
    targetPath: "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/vol/mount",
    permission: "420",
    currentObjectVersion: [],
    ...overrides,
  };
}

function attributes(values: Record<string, string>): string {
  return JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": TOKENS, ...values });
}

function failure(raw: RawMountRequest): { code: string; message: string } {
  try {
    decodeMountRequest(raw);
  } catch (error) {
    assert.ok(error instanceof MountError);
    return { code: error.code, message: error.message };
  }
  assert.fail("decodeMountRequest did not throw");
}

Deno.test("an empty target path is refused first", () => {
  assert.deepEqual(failure(request({ targetPath: "", attributes: "" })), {
    code: "InvalidRequest",
    message: "Missing mount path",
  });
});

Deno.test("a target path that is relative, holds .. or a NUL byte is refused", () => {
  assert.equal(
    failure(request({ targetPath: "relative/dir" })).message,
    'invalid mount path "relative/dir": it must be an absolute path',
  );
  assert.equal(
    failure(request({ targetPath: "/var/lib/../etc" })).message,
    "invalid mount path \"/var/lib/../etc\": it must not contain '..'",
  );
  assert.equal(
    failure(request({ targetPath: "/mnt/a\0b" })).message,
    'invalid mount path "/mnt/a\\u0000b": it contains a NUL byte',
  );
});

Deno.test("attributes that are not JSON fail with Go's error text", () => {
  assert.deepEqual(failure(request({ attributes: "" })), {
    code: "InvalidRequest",
    message: "failed to unmarshal attributes, error: unexpected end of JSON input",
  });
  assert.equal(
    failure(request({ attributes: "{x}" })).message,
    "failed to unmarshal attributes, error: invalid JSON at offset 1",
  );
});

Deno.test("an attribute that is not a string fails with Go's type error", () => {
  assert.equal(
    failure(request({ attributes: '{"region":1}' })).message,
    "failed to unmarshal attributes, error: json: cannot unmarshal number into Go value of type string",
  );
  assert.equal(
    failure(request({ attributes: "[]" })).message,
    "failed to unmarshal attributes, error: json: cannot unmarshal array into Go value of type map[string]string",
  );
});

Deno.test("null attributes are like {} and then lack the tokens", () => {
  assert.deepEqual(failure(request({ attributes: "null" })), {
    code: "TokenError",
    message:
      "CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver - ensure tokenRequests is configured in CSIDriver spec",
  });
});

Deno.test("missing tokens are reported before a bad permission", () => {
  assert.equal(
    failure(request({ attributes: "{}", permission: '"420"' })).code,
    "TokenError",
  );
});

Deno.test("tokens that are not JSON fail with Go's error inside the token text", () => {
  assert.deepEqual(
    failure(request({
      attributes: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": "not json" }),
    })),
    {
      code: "TokenError",
      message:
        "CSI token error: failed to parse serviceAccount.tokens: invalid JSON - ensure tokenRequests is configured in CSIDriver spec",
    },
  );
});

Deno.test("tokens are taken from secrets when the attribute is absent", () => {
  const decoded = decodeMountRequest(request({
    attributes: "{}",
    secrets: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": TOKENS }),
  }));
  assert.equal(decoded.tokens.get("sts.amazonaws.com")?.token, "sts-jwt");
});

Deno.test("the kubelet's tokens in secrets win over a tokens attribute (a class parameter can set one)", () => {
  const kubelet = JSON.stringify({ "sts.amazonaws.com": { token: "from-secrets" } });
  const decoded = decodeMountRequest(request({
    secrets: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": kubelet }),
  }));
  assert.equal(decoded.tokens.get("sts.amazonaws.com")?.token, "from-secrets");
});

Deno.test("attributes and secrets over the size limit fail before they are parsed, naming the flag", () => {
  const limits = mountLimits({ attributesBytes: 100 });
  const fail = (raw: RawMountRequest) => {
    try {
      decodeMountRequest(raw, { limits });
    } catch (error) {
      assert.ok(error instanceof MountError);
      return { code: error.code, message: error.message };
    }
    assert.fail("no error");
  };
  // Not JSON at all: the size is checked first.
  assert.deepEqual(fail(request({ attributes: "x".repeat(101), targetPath: "" })), {
    code: "LimitExceeded",
    message:
      "the attributes JSON is 101 bytes; the limit is 100 bytes (provider flag --max-attributes-bytes)",
  });
  assert.deepEqual(fail(request({ attributes: "{}", secrets: "é".repeat(51) })), {
    code: "LimitExceeded",
    message:
      "the secrets JSON is 102 bytes; the limit is 100 bytes (provider flag --max-attributes-bytes)",
  });
});

Deno.test("an objects parameter over its limit fails before it is parsed, naming the flag", () => {
  const limits = mountLimits({ objectsBytes: 10 });
  try {
    decodeMountRequest(request({ attributes: attributes({ objects: "- [unclosed" + "é" }) }), {
      limits,
    });
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof MountError);
    assert.equal(error.code, "LimitExceeded");
    assert.equal(
      error.message,
      "the objects parameter is 13 bytes; the limit is 10 bytes (provider flag --max-objects-bytes)",
    );
  }
});

Deno.test("unreadable secrets are ignored, so the tokens are reported missing", () => {
  assert.equal(failure(request({ attributes: "{}", secrets: "not json" })).code, "TokenError");
  assert.equal(failure(request({ attributes: "{}", secrets: "" })).code, "TokenError");
});

Deno.test("bad tokens taken from secrets fail like bad tokens in the attribute", () => {
  assert.equal(
    failure(request({
      attributes: "{}",
      secrets: JSON.stringify({ "csi.storage.k8s.io/serviceAccount.tokens": "[" }),
    })).message,
    "CSI token error: failed to parse serviceAccount.tokens: unexpected end of JSON input - ensure tokenRequests is configured in CSIDriver spec",
  );
});

Deno.test("permission 420 is the default mode 0644", () => {
  assert.equal(decodeMountRequest(request()).defaultMode, 0o644);
});

Deno.test("permission null is mode 0", () => {
  assert.equal(decodeMountRequest(request({ permission: "null" })).defaultMode, 0);
});

Deno.test("bad permissions fail with Go's json texts", async (t) => {
  const cases: [string, string][] = [
    ["", "unexpected end of JSON input"],
    ['"420"', "json: cannot unmarshal string into Go value of type fs.FileMode"],
    ["-1", "json: cannot unmarshal number -1 into Go value of type fs.FileMode"],
    ["4.2", "json: cannot unmarshal number 4.2 into Go value of type fs.FileMode"],
    ["4e2", "json: cannot unmarshal number 4e2 into Go value of type fs.FileMode"],
    ["0644", "invalid JSON at offset 1"],
  ];
  for (const [permission, goError] of cases) {
    await t.step(`permission ${JSON.stringify(permission)}`, () => {
      assert.deepEqual(failure(request({ permission })), {
        code: "InvalidRequest",
        message: `failed to unmarshal file permission, error: ${goError}`,
      });
    });
  }
});

Deno.test("current object versions become a map in which later duplicates win", () => {
  const decoded = decodeMountRequest(request({
    currentObjectVersion: [
      { id: "a", version: "1" },
      { id: "b", version: "2" },
      { id: "a", version: "3" },
    ],
  }));
  assert.deepEqual(decoded.currentVersions, new Map([["a", "3"], ["b", "2"]]));
});

Deno.test("pod, class name and parameters are read from the attributes", () => {
  const decoded = decodeMountRequest(request({
    attributes: attributes({
      "csi.storage.k8s.io/pod.namespace": "ns",
      "csi.storage.k8s.io/pod.name": "pod",
      "csi.storage.k8s.io/pod.uid": "uid",
      "csi.storage.k8s.io/serviceAccount.name": "sa",
      secretProviderClass: "spc",
      region: "us-east-1",
      failoverRegion: "us-west-2",
      pathTranslation: "False",
      usePodIdentity: "true",
      preferredAddressType: "ipv6",
      objects: "- objectName: x",
      assumeRoleArn: "arn:aws:iam::444455556666:role/r",
      assumeRoleExternalId: "ext",
      assumeRoleDurationSeconds: "1800",
      assumeRoleSessionName: "s",
    }),
  }));
  assert.deepEqual(decoded.pod, { namespace: "ns", name: "pod", uid: "uid", serviceAccount: "sa" });
  assert.equal(decoded.secretProviderClass, "spc");
  assert.deepEqual(decoded.parameters, {
    region: "us-east-1",
    failoverRegion: "us-west-2",
    pathTranslation: "False",
    usePodIdentity: "true",
    preferredAddressType: "ipv6",
    objects: "- objectName: x",
    assumeRoleArn: "arn:aws:iam::444455556666:role/r",
    assumeRoleExternalId: "ext",
    assumeRoleDurationSeconds: "1800",
    assumeRoleSessionName: "s",
  });
});

Deno.test("missing attributes read as empty strings", () => {
  const decoded = decodeMountRequest(request());
  assert.deepEqual(decoded.pod, { namespace: "", name: "", uid: "", serviceAccount: "" });
  assert.equal(decoded.parameters.region, "");
  assert.equal(decoded.parameters.objects, "");
});

function noLookup(): Promise<string> {
  return Promise.reject(new Error("lookupRegion must not be called"));
}

Deno.test("the region parameter is used without a lookup", async () => {
  assert.deepEqual(await resolveRegions({ region: "eu-west-1", failoverRegion: "" }, noLookup), [
    "eu-west-1",
  ]);
});

Deno.test("the failover region follows the primary", async () => {
  assert.deepEqual(
    await resolveRegions({ region: "us-east-1", failoverRegion: "us-west-2" }, noLookup),
    ["us-east-1", "us-west-2"],
  );
});

Deno.test("a failover region equal to the primary is an error", async () => {
  await assert.rejects(
    resolveRegions({ region: "us-east-1", failoverRegion: "us-east-1" }, noLookup),
    (error) => {
      assert.ok(error instanceof MountError);
      assert.equal(error.code, "RegionError");
      assert.equal(
        error.message,
        "us-east-1: failover region cannot be the same as the primary region",
      );
      return true;
    },
  );
  // Another spelling is not a way around it: region names are lower case.
  await assert.rejects(
    resolveRegions({ region: "us-east-1", failoverRegion: "US-EAST-1" }, noLookup),
    { message: 'invalid failoverRegion "US-EAST-1": not an AWS region name' },
  );
});

Deno.test("without a region parameter the region is looked up", async () => {
  assert.deepEqual(
    await resolveRegions({ region: "", failoverRegion: "" }, () => Promise.resolve("ap-south-1")),
    ["ap-south-1"],
  );
});

Deno.test("a failover region equal to the looked-up region is an error", async () => {
  await assert.rejects(
    resolveRegions(
      { region: "", failoverRegion: "ap-south-1" },
      () => Promise.resolve("ap-south-1"),
    ),
    { message: "ap-south-1: failover region cannot be the same as the primary region" },
  );
});

Deno.test("a failed lookup is wrapped as 'failed to retrieve region from node. error <err>'", async () => {
  const cause = new Error('pods "x" not found');
  await assert.rejects(
    resolveRegions({ region: "", failoverRegion: "" }, () => Promise.reject(cause)),
    (error) => {
      assert.ok(error instanceof MountError);
      assert.equal(error.code, "RegionError");
      assert.equal(error.message, 'failed to retrieve region from node. error pods "x" not found');
      assert.equal(error.cause, cause);
      return true;
    },
  );
  await assert.rejects(
    resolveRegions(
      { region: "", failoverRegion: "" },
      () => Promise.reject(new Error("Region not found")),
    ),
    { message: "failed to retrieve region from node. error Region not found" },
  );
});

Deno.test("usePodIdentity empty means IRSA", () => {
  assert.equal(parseUsePodIdentity(""), false);
});

Deno.test("usePodIdentity accepts Go's ParseBool spellings", () => {
  for (const value of ["1", "t", "T", "TRUE", "true", "True"]) {
    assert.equal(parseUsePodIdentity(value), true);
  }
  for (const value of ["0", "f", "F", "FALSE", "false", "False"]) {
    assert.equal(parseUsePodIdentity(value), false);
  }
});

Deno.test("other usePodIdentity values fail with Go's ParseBool text", () => {
  for (const value of ["yes", "tRue", " true", "on"]) {
    assert.throws(() => parseUsePodIdentity(value), (error) => {
      assert.ok(error instanceof MountError);
      assert.equal(error.code, "InvalidRequest");
      assert.equal(
        error.message,
        `failed to parse usePodIdentity value, error: strconv.ParseBool: parsing "${value}": invalid syntax`,
      );
      return true;
    });
  }
});

Deno.test("region names are checked before any client or cache sees them", async () => {
  for (
    const region of ["us-east-1", "us-gov-west-1", "eusc-de-east-1", "us-isob-east-1", "cn-north-1"]
  ) {
    assert.deepEqual(await resolveRegions({ region, failoverRegion: "" }, () => Promise.reject()), [
      region,
    ]);
  }
  const refused = async (parameters: { region: string; failoverRegion: string }) => {
    try {
      await resolveRegions(parameters, () => Promise.resolve("us-east-1"));
    } catch (error) {
      assert.ok(error instanceof MountError);
      assert.equal(error.code, "RegionError");
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(
    await refused({ region: "evil.example.com", failoverRegion: "" }),
    'invalid region "evil.example.com": not an AWS region name',
  );
  assert.equal(
    await refused({ region: "us-east-1", failoverRegion: "US-WEST-2" }),
    'invalid failoverRegion "US-WEST-2": not an AWS region name',
  );
  assert.equal(
    await refused({ region: "x".repeat(10_000), failoverRegion: "" }),
    `invalid region "${"x".repeat(64)}"…: not an AWS region name`,
  );
  // A region read from the node's label is checked too.
  await assert.rejects(
    () => resolveRegions({ region: "", failoverRegion: "" }, () => Promise.resolve("not a region")),
    { message: 'invalid region "not a region": not an AWS region name' },
  );
});
