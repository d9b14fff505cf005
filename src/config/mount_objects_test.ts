import assert from "node:assert/strict";
import {
  checkFileSet,
  fileOwners,
  type MountObject,
  objectLabel,
  ObjectsError,
  parseMountObjects,
  type ParseMountObjectsOptions,
  selectedObject,
  validateObjectName,
} from "./mount_objects.ts";

const ONE_REGION: ParseMountObjectsOptions = { regions: ["us-east-1"], pathTranslation: "" };
const TWO_REGIONS: ParseMountObjectsOptions = {
  regions: ["us-east-1", "us-west-2"],
  pathTranslation: "",
};
const NO_TRANSLATION: ParseMountObjectsOptions = {
  regions: ["us-east-1"],
  pathTranslation: "False",
};

const SM_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
const SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/app/db";

function objectsError(yaml: string, options = ONE_REGION): string {
  try {
    parseMountObjects(yaml, options);
  } catch (error) {
    assert.ok(error instanceof ObjectsError);
    return error.message;
  }
  assert.fail(`parseMountObjects(${JSON.stringify(yaml)}) did not throw`);
}

function fileNames(yaml: string, options = ONE_REGION): string[] {
  return parseMountObjects(yaml, options).flatMap((object: MountObject) => [
    object.fileName,
    ...object.jmesFiles.map((file) => file.fileName),
  ]);
}

// --- pathTranslation -------------------------------------------------------

Deno.test("pathTranslation empty replaces every slash with an underscore", () => {
  assert.deepEqual(fileNames("- objectName: /a/b\n  objectType: ssmparameter"), ["_a_b"]);
});

Deno.test("pathTranslation of one character replaces every slash with it", () => {
  assert.deepEqual(
    fileNames("- objectName: mypath/x\n  objectType: ssmparameter", {
      ...ONE_REGION,
      pathTranslation: "-",
    }),
    ["mypath-x"],
  );
});

Deno.test("pathTranslation false in any case keeps inner slashes and strips leading ones", async (t) => {
  for (const value of ["false", "False", "FALSE", "fAlSe"]) {
    await t.step(`pathTranslation ${value}`, () => {
      assert.deepEqual(
        fileNames("- objectName: //app/db/password\n  objectType: ssmparameter", {
          ...ONE_REGION,
          pathTranslation: value,
        }),
        ["app/db/password"],
      );
    });
  }
});

Deno.test("pathTranslation of more than one byte is an error", async (t) => {
  for (const value of ["ab", "no", "é", "\u2013"]) {
    await t.step(`pathTranslation ${JSON.stringify(value)}`, () => {
      assert.equal(
        objectsError("- objectName: a\n  objectType: ssmparameter", {
          ...ONE_REGION,
          pathTranslation: value,
        }),
        "pathTranslation must be either 'False' or a single character string",
      );
    });
  }
});

Deno.test("pathTranslation is checked before the objects are parsed", () => {
  assert.equal(
    objectsError("objects: [", { ...ONE_REGION, pathTranslation: "ab" }),
    "pathTranslation must be either 'False' or a single character string",
  );
});

// --- decoding -------------------------------------------------------------

Deno.test("decode errors are prefixed with 'Failed to load SecretProviderClass: '", () => {
  assert.equal(
    objectsError("array:\n  - objectName: a"),
    "Failed to load SecretProviderClass: error unmarshaling JSON: while decoding JSON: " +
      "json: cannot unmarshal object into Go value of type []*provider.SecretDescriptor",
  );
  assert.match(
    objectsError("- objectName: [a"),
    /^Failed to load SecretProviderClass: error converting YAML to JSON: yaml: line 1: /,
  );
});

Deno.test("a null item is an error, reported in list order", () => {
  assert.equal(
    objectsError("- objectName: a\n  objectType: ssmparameter\n-"),
    "Empty descriptor entry in SecretProviderClass",
  );
  assert.equal(
    objectsError("- objectType: ssmparameter\n-"),
    "Object name must be specified",
  );
});

Deno.test("no objects give an empty list", () => {
  assert.deepEqual(parseMountObjects("", ONE_REGION), []);
});

// --- per-object rules, in order -------------------------------------------

Deno.test("an object without a name is an error", () => {
  assert.equal(objectsError("- objectType: secretsmanager"), "Object name must be specified");
  assert.equal(
    objectsError("- objectName: ''\n  objectAlias: x\n  objectType: secretsmanager"),
    "Object name must be specified",
  );
});

Deno.test("an ARN with fewer than six sections is an error", () => {
  assert.equal(
    objectsError("- objectName: arn:aws:secretsmanager:us-east-1:123456789012"),
    "Invalid ARN format in object name: arn:aws:secretsmanager:us-east-1:123456789012",
  );
});

Deno.test("an ARN in another region than the primary is an error", () => {
  const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:x";
  assert.equal(
    objectsError(`- objectName: ${arn}`),
    `ARN region must match region us-east-1: ${arn}`,
  );
});

Deno.test("the ARN region is checked before its service", () => {
  const arn = "arn:aws:s3:eu-west-1:123456789012:bucket";
  assert.equal(
    objectsError(`- objectName: ${arn}`),
    `ARN region must match region us-east-1: ${arn}`,
  );
});

Deno.test("a plain name without objectType is an error", () => {
  assert.equal(
    objectsError("- objectName: MySecret"),
    "Must use objectType when a full ARN is not specified: MySecret",
  );
});

Deno.test("an ARN of an unknown service without objectType is an error", () => {
  assert.equal(
    objectsError("- objectName: arn:aws:s3:us-east-1:123456789012:bucket"),
    "Invalid service in ARN: s3",
  );
});

Deno.test("objectType must be secretsmanager or ssmparameter, case-sensitively; ssm is refused", async (t) => {
  for (const type of ["ssm", "SecretsManager", "SSMPARAMETER", "parameter"]) {
    await t.step(`objectType ${type}`, () => {
      assert.equal(
        objectsError(`- objectName: a\n  objectType: ${type}`),
        `Invalid objectType: ${type}`,
      );
    });
  }
});

Deno.test("objectType is checked before it is compared with the ARN", () => {
  assert.equal(
    objectsError(`- objectName: ${SM_ARN}\n  objectType: ssm`),
    "Invalid objectType: ssm",
  );
});

Deno.test("an objectType that disagrees with the ARN service is an error", () => {
  assert.equal(
    objectsError(`- objectName: ${SM_ARN}\n  objectType: ssmparameter`),
    `objectType does not match ARN: ${SM_ARN}`,
  );
  assert.equal(
    objectsError(`- objectName: ${SSM_ARN}\n  objectType: secretsmanager`),
    `objectType does not match ARN: ${SSM_ARN}`,
  );
});

Deno.test("quirk: an unknown ARN service counts as ssmparameter when objectType is set", () => {
  const arn = "arn:aws:bad:us-east-1:123456789012:thing";
  assert.equal(
    parseMountObjects(`- objectName: ${arn}\n  objectType: ssmparameter`, ONE_REGION)[0].type,
    "ssmparameter",
  );
  assert.equal(
    objectsError(`- objectName: ${arn}\n  objectType: secretsmanager`),
    `objectType does not match ARN: ${arn}`,
  );
});

Deno.test("the object type comes from objectType, else from the ARN service (ssm is ssmparameter)", () => {
  const objects = parseMountObjects(
    `- objectName: ${SM_ARN}\n- objectName: ${SSM_ARN}\n` +
      "- objectName: arn:aws:ssmparameter:us-east-1:123456789012:p\n" +
      "- objectName: plain\n  objectType: secretsmanager",
    ONE_REGION,
  );
  assert.deepEqual(objects.map((object) => object.type), [
    "secretsmanager",
    "ssmparameter",
    "ssmparameter",
    "secretsmanager",
  ]);
});

Deno.test("an ARN's resource keeps its colons", () => {
  const arn = "arn:aws:ssm:us-east-1:123456789012:parameter:a:b";
  assert.equal(parseMountObjects(`- objectName: '${arn}'`, ONE_REGION)[0].type, "ssmparameter");
});

Deno.test("an SSM parameter may not set both objectVersion and objectVersionLabel", () => {
  assert.equal(
    objectsError(
      "- objectName: p\n  objectType: ssmparameter\n  objectVersion: '1'\n  objectVersionLabel: L",
    ),
    "ssm parameters can not specify both objectVersion and objectVersionLabel: p",
  );
  assert.equal(
    objectsError(`- objectName: ${SSM_ARN}\n  objectVersion: '1'\n  objectVersionLabel: L`),
    `ssm parameters can not specify both objectVersion and objectVersionLabel: ${SSM_ARN}`,
  );
});

Deno.test("a Secrets Manager secret may set both objectVersion and objectVersionLabel", () => {
  const [object] = parseMountObjects(
    "- objectName: s\n  objectType: secretsmanager\n  objectVersion: v1\n  objectVersionLabel: AWSPREVIOUS",
    ONE_REGION,
  );
  assert.deepEqual(object.regions, [{ name: "s", version: "v1", label: "AWSPREVIOUS" }]);
});

Deno.test("with translation off a file name containing ../ is an error naming the object", async (t) => {
  for (const name of ["a/../b", "../a", "a/..", "/../a"]) {
    await t.step(`objectName ${name}`, () => {
      assert.equal(
        objectsError(`- objectName: ${name}\n  objectType: ssmparameter`, NO_TRANSLATION),
        `path can not contain ../: ${name}`,
      );
    });
  }
  assert.equal(
    objectsError(
      "- objectName: a\n  objectAlias: x/../../y\n  objectType: ssmparameter",
      NO_TRANSLATION,
    ),
    "path can not contain ../: a",
  );
});

Deno.test("with translation on the slashes are gone, so ../ passes the Go check", () => {
  assert.deepEqual(fileNames("- objectName: a/../b\n  objectType: ssmparameter"), ["a_.._b"]);
});

Deno.test("the ../ check comes before the file permission check", () => {
  assert.equal(
    objectsError(
      "- objectName: ../a\n  objectType: ssmparameter\n  filePermission: x",
      NO_TRANSLATION,
    ),
    "path can not contain ../: ../a",
  );
});

Deno.test("filePermission must be four octal digits", async (t) => {
  for (const good of ["0644", "0000", "0777", "4755", "7777"]) {
    await t.step(`${good} is accepted`, () => {
      const [object] = parseMountObjects(
        `- objectName: a\n  objectType: ssmparameter\n  filePermission: '${good}'`,
        ONE_REGION,
      );
      assert.equal(object.mode, parseInt(good, 8));
    });
  }
  for (const bad of ["644", "00644", "0800", "rw-r--r--", " 0644"]) {
    await t.step(`${JSON.stringify(bad)} is refused`, () => {
      assert.equal(
        objectsError(`- objectName: a\n  objectType: ssmparameter\n  filePermission: '${bad}'`),
        `Invalid File Permission: ${bad}`,
      );
    });
  }
});

Deno.test("an unquoted filePermission is read as octal YAML and then refused", () => {
  assert.equal(
    objectsError("- objectName: a\n  objectType: ssmparameter\n  filePermission: 0600"),
    "Invalid File Permission: 384",
  );
});

Deno.test("jmesPath entries need a path, an alias and a valid permission, checked in order", () => {
  const base = "- objectName: a\n  objectType: secretsmanager\n  jmesPath:\n";
  assert.equal(
    objectsError(base + "    - objectAlias: x"),
    "Path must be specified for JMES object",
  );
  assert.equal(
    objectsError(base + "    - path: p"),
    "Object alias must be specified for JMES object",
  );
  assert.equal(
    objectsError(base + "    - path: p\n      objectAlias: x\n      filePermission: '999'"),
    "Invalid File Permission: 999",
  );
  assert.equal(
    objectsError(base + "    - path: p\n      objectAlias: x\n    - objectAlias: y"),
    "Path must be specified for JMES object",
  );
});

Deno.test("the object's filePermission is checked before its jmesPath entries", () => {
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  filePermission: '9'\n  jmesPath:\n    - objectAlias: x",
    ),
    "Invalid File Permission: 9",
  );
});

// --- failoverObject -------------------------------------------------------

const FAILOVER =
  "- objectName: a\n  objectType: secretsmanager\n  failoverObject:\n    objectName: b\n";

Deno.test("an object with a failover entry needs an alias", () => {
  assert.equal(
    objectsError(FAILOVER, TWO_REGIONS),
    "object alias must be specified for objects with failover entries: a",
  );
});

Deno.test("a failover entry needs a failover region", () => {
  assert.equal(
    objectsError(FAILOVER + "  objectAlias: x"),
    "failover object allowed only when failover region is defined: a",
  );
});

Deno.test("the failover name is checked against the failover region", () => {
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  objectAlias: x\n  failoverObject:\n" +
        `    objectName: ${SM_ARN}`,
      TWO_REGIONS,
    ),
    `ARN region must match region us-west-2: ${SM_ARN}`,
  );
  const westArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db";
  const [object] = parseMountObjects(
    `- objectName: ${SM_ARN}\n  objectAlias: x\n  failoverObject:\n    objectName: ${westArn}`,
    TWO_REGIONS,
  );
  assert.equal(object.regions[1].name, westArn);
});

Deno.test("the failover name is checked with the object's objectType", () => {
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  objectAlias: x\n  failoverObject:\n" +
        "    objectName: arn:aws:ssm:us-west-2:123456789012:parameter/p",
      TWO_REGIONS,
    ),
    "objectType does not match ARN: arn:aws:ssm:us-west-2:123456789012:parameter/p",
  );
});

Deno.test("an SSM failover entry may not set both version and label; the text names the primary", () => {
  assert.equal(
    objectsError(
      "- objectName: p\n  objectType: ssmparameter\n  objectAlias: x\n  failoverObject:\n" +
        "    objectName: q\n    objectVersion: '1'\n    objectVersionLabel: L",
      TWO_REGIONS,
    ),
    "ssm parameters can not specify both objectVersion and objectVersionLabel: p",
  );
});

Deno.test("failover and primary objectVersion must be equal, empty counting as a value", () => {
  assert.equal(
    objectsError(
      FAILOVER + "    objectVersion: v2\n  objectAlias: x\n  objectVersion: v1",
      TWO_REGIONS,
    ),
    "object versions must match between primary and failover regions: a",
  );
  assert.equal(
    objectsError(FAILOVER + "  objectAlias: x\n  objectVersion: v1", TWO_REGIONS),
    "object versions must match between primary and failover regions: a",
  );
});

Deno.test("each non-empty failover field replaces its primary twin in the failover region only", () => {
  const [object] = parseMountObjects(
    FAILOVER + "    objectVersionLabel: FAILOVER\n  objectAlias: x\n  objectVersionLabel: PRIMARY",
    TWO_REGIONS,
  );
  assert.deepEqual(object.regions, [
    { name: "a", version: "", label: "PRIMARY" },
    { name: "b", version: "", label: "FAILOVER" },
  ]);
});

Deno.test("quirk: a failover entry without a name is not validated but still used", () => {
  const [object] = parseMountObjects(
    "- objectName: a\n  objectType: secretsmanager\n  objectVersion: v1\n" +
      "  failoverObject:\n    objectVersion: v9\n    objectVersionLabel: L",
    TWO_REGIONS,
  );
  assert.deepEqual(object.regions, [
    { name: "a", version: "v1", label: "" },
    { name: "a", version: "v9", label: "L" },
  ]);
});

// --- duplicates -------------------------------------------------------------

Deno.test("the four duplicate-name cases are errors", async (t) => {
  const cases: [yaml: string, message: string][] = [
    [
      "- {objectName: a, objectType: ssmparameter, objectAlias: x}\n" +
      "- {objectName: a, objectType: ssmparameter, objectAlias: x}",
      "found descriptor with duplicate object name a, duplicate object alias x, and no version label",
    ],
    [
      "- {objectName: a, objectType: ssmparameter, objectVersionLabel: L}\n" +
      "- {objectName: a, objectType: ssmparameter, objectVersionLabel: L}",
      "found descriptor with duplicate object name a, no object alias, and duplicate version label L",
    ],
    [
      "- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: L}\n" +
      "- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: L}",
      "found descriptor with duplicate object name a, duplicate object alias x, and duplicate version label L",
    ],
    [
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: a, objectType: ssmparameter}",
      "found descriptor with duplicate object name a, no object alias, and no version label",
    ],
  ];
  for (const [yaml, message] of cases) {
    await t.step(message, () => assert.equal(objectsError(yaml), message));
  }
});

Deno.test("a duplicate name is found regardless of the object type", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: a, objectType: secretsmanager}",
    ),
    "found descriptor with duplicate object name a, no object alias, and no version label",
  );
});

Deno.test("the same name with different aliases or different labels is allowed", () => {
  assert.deepEqual(
    fileNames(
      "- {objectName: a, objectType: secretsmanager, objectAlias: x}\n" +
        "- {objectName: a, objectType: secretsmanager, objectAlias: v}\n" +
        "- {objectName: a, objectType: secretsmanager, objectAlias: z, objectVersionLabel: L1}\n" +
        "- {objectName: a, objectType: secretsmanager, objectAlias: w, objectVersionLabel: L1}",
    ),
    ["x", "v", "z", "w"],
  );
});

Deno.test("a duplicate name is compared with the most recent earlier object of that name", () => {
  // Against the first object this would be duplicate alias x and label L1;
  // against the second (alias v) it is allowed, so the alias check reports it.
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: L1}\n" +
        "- {objectName: a, objectType: secretsmanager, objectAlias: v, objectVersionLabel: L2}\n" +
        "- {objectName: a, objectType: secretsmanager, objectAlias: x, objectVersionLabel: L1}",
    ),
    "found duplicate object alias x",
  );
});

Deno.test("an alias used twice is an error, also when the first was a jmesPath alias", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter, objectAlias: x}\n" +
        "- {objectName: b, objectType: ssmparameter, objectAlias: x}",
    ),
    "found duplicate object alias x",
  );
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: p, objectAlias: x}]}\n" +
        "- {objectName: b, objectType: ssmparameter, objectAlias: x}",
    ),
    "found duplicate object alias x",
  );
});

Deno.test("a jmesPath alias already in use is an error naming the entry's path", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, objectAlias: x}\n" +
        "- {objectName: b, objectType: secretsmanager, jmesPath: [{path: p, objectAlias: x}]}",
    ),
    "Name already in use for objectAlias: found duplicate object alias x in JMES path entry p",
  );
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  jmesPath:\n" +
        "    - {path: p, objectAlias: v}\n    - {path: q, objectAlias: v}",
    ),
    "Name already in use for objectAlias: found duplicate object alias v in JMES path entry q",
  );
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  objectAlias: z\n  jmesPath:\n" +
        "    - {path: p, objectAlias: z}",
    ),
    "Name already in use for objectAlias: found duplicate object alias z in JMES path entry p",
  );
});

Deno.test("duplicate checks run after each object's own checks, object by object", () => {
  // Object 2 is a duplicate; object 3 is invalid: the duplicate is reported.
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: a, objectType: ssmparameter}\n" +
        "- {objectType: ssmparameter}",
    ),
    "found descriptor with duplicate object name a, no object alias, and no version label",
  );
  // Object 2 is both invalid and a duplicate: its own check is reported.
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: a, objectType: ssm}",
    ),
    "Invalid objectType: ssm",
  );
});

// --- results ----------------------------------------------------------------

Deno.test("file names use the alias when set, and modes fall back from entry to object", () => {
  const [object] = parseMountObjects(
    "- objectName: app/db\n  objectType: secretsmanager\n  objectAlias: db/creds\n" +
      "  filePermission: '0640'\n  jmesPath:\n" +
      "    - {path: user, objectAlias: app/user, filePermission: '0600'}\n" +
      "    - {path: pass, objectAlias: pass}",
    ONE_REGION,
  );
  assert.equal(object.fileName, "db_creds");
  assert.equal(object.mode, 0o640);
  assert.deepEqual(object.jmesFiles, [
    { path: "user", alias: "app/user", fileName: "app_user", mode: 0o600 },
    { path: "pass", alias: "pass", fileName: "pass", mode: 0o640 },
  ]);
});

Deno.test("without filePermission the mode is left to the request default", () => {
  const [object] = parseMountObjects(
    "- objectName: a\n  objectType: secretsmanager\n  jmesPath: [{path: p, objectAlias: q}]",
    ONE_REGION,
  );
  assert.equal(object.mode, undefined);
  assert.equal(object.jmesFiles[0].mode, undefined);
});

Deno.test("permissions with setuid, setgid and sticky digits keep those bits", () => {
  const [object] = parseMountObjects(
    "- {objectName: a, objectType: ssmparameter, filePermission: '7777'}",
    ONE_REGION,
  );
  assert.equal(object.mode, 0o7777);
});

Deno.test("validateObjectName returns undefined for a valid name", () => {
  assert.equal(validateObjectName("MySecret", "secretsmanager", "us-east-1"), undefined);
  assert.equal(validateObjectName(SSM_ARN, "", "us-east-1"), undefined);
});

// --- our additions: safe paths ----------------------------------------------

Deno.test("a file name of exactly .. is refused (the Go check misses it)", () => {
  assert.equal(
    objectsError("- objectName: '..'\n  objectType: ssmparameter"),
    `file name ".." of object .. is not allowed: it leaves the mount through '..'`,
  );
});

Deno.test("a file name starting with .. is refused: the driver reserves those names", () => {
  assert.equal(
    objectsError("- objectName: ..data\n  objectType: ssmparameter"),
    `file name "..data" of object ..data is not allowed: names starting with '..' are reserved by the CSI driver`,
  );
});

Deno.test("a name of only slashes with translation off gives an empty file name and is refused", () => {
  assert.equal(
    objectsError("- objectName: //\n  objectType: ssmparameter", NO_TRANSLATION),
    `file name "" of object // is not allowed: it is empty`,
  );
});

Deno.test("a path that is not clean with translation off is refused", () => {
  assert.equal(
    objectsError("- objectName: a//b\n  objectType: ssmparameter", NO_TRANSLATION),
    `file name "a//b" of object a//b is not allowed: it is not a clean relative path (empty or '.' element)`,
  );
  assert.equal(
    objectsError("- objectName: ./a\n  objectType: ssmparameter", NO_TRANSLATION),
    `file name "./a" of object ./a is not allowed: it is not a clean relative path (empty or '.' element)`,
  );
});

Deno.test("translation to / keeps a leading slash, and the absolute path is refused", () => {
  assert.equal(
    objectsError("- objectName: /etc/passwd\n  objectType: ssmparameter", {
      ...ONE_REGION,
      pathTranslation: "/",
    }),
    `file name "/etc/passwd" of object /etc/passwd is not allowed: it is an absolute path`,
  );
});

Deno.test("a file name element longer than 255 bytes is refused", () => {
  const name = "x".repeat(256);
  assert.equal(
    objectsError(`- objectName: ${name}\n  objectType: ssmparameter`),
    `file name "${name}" of object ${name} is not allowed: a path element is longer than 255 bytes`,
  );
  assert.deepEqual(fileNames(`- objectName: ${"x".repeat(255)}\n  objectType: ssmparameter`), [
    "x".repeat(255),
  ]);
});

Deno.test("a jmesPath alias that leaves the mount is refused, naming the entry and its object", () => {
  assert.equal(
    objectsError(
      "- objectName: a\n  objectType: secretsmanager\n  jmesPath: [{path: p, objectAlias: ../x}]",
      NO_TRANSLATION,
    ),
    `file name "../x" of jmesPath p of object a is not allowed: it leaves the mount through '..'`,
  );
});

// --- our additions: collisions ---------------------------------------------

Deno.test("an alias equal to another object's name is a collision naming both objects", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: b, objectType: ssmparameter, objectAlias: a}",
    ),
    `object a and object b would both be written to the file "a"`,
  );
});

Deno.test("names that become equal after translation collide", () => {
  assert.equal(
    objectsError(
      "- {objectName: a/b, objectType: ssmparameter}\n- {objectName: a_b, objectType: ssmparameter}",
    ),
    `object a/b and object a_b would both be written to the file "a_b"`,
  );
});

Deno.test("a jmesPath alias equal to another object's name collides", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n" +
        "- {objectName: b, objectType: secretsmanager, jmesPath: [{path: p, objectAlias: a}]}",
    ),
    `object a and jmesPath p of object b would both be written to the file "a"`,
  );
});

Deno.test("a jmesPath alias equal to its own object's file name collides", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: p, objectAlias: a}]}",
    ),
    `object a and jmesPath p of object a would both be written to the file "a"`,
  );
});

Deno.test("the same name with different labels and no alias collides on the file", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, objectVersionLabel: L1}\n" +
        "- {objectName: a, objectType: secretsmanager, objectVersionLabel: L2}",
    ),
    `object a and object a would both be written to the file "a"`,
  );
});

Deno.test("with translation off a file may not be another file's directory", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: a/b, objectType: ssmparameter}",
      NO_TRANSLATION,
    ),
    `object a is written to the file "a", which object a/b needs as a directory`,
  );
  assert.equal(
    objectsError(
      "- {objectName: a/b/c, objectType: ssmparameter}\n- {objectName: a/b, objectType: ssmparameter}",
      NO_TRANSLATION,
    ),
    `object a/b is written to the file "a/b", which object a/b/c needs as a directory`,
  );
});

Deno.test("files in one directory with translation off do not collide", () => {
  assert.deepEqual(
    fileNames(
      "- {objectName: a/b, objectType: ssmparameter}\n- {objectName: a/c, objectType: ssmparameter}",
      NO_TRANSLATION,
    ),
    ["a/b", "a/c"],
  );
});

Deno.test("the Go provider's checks are reported before our collision checks", () => {
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: ssmparameter}\n- {objectName: b, objectType: ssmparameter, objectAlias: a}\n" +
        "- {objectName: c}",
    ),
    "Must use objectType when a full ARN is not specified: c",
  );
});

// --- objectEncoding (ours) -------------------------------------------------

Deno.test("objectEncoding is kept on objects and jmesPath entries; utf-8 is the absent default", () => {
  const [object] = parseMountObjects(
    [
      "- objectName: keystore",
      "  objectType: secretsmanager",
      "  objectEncoding: BASE64",
      "  jmesPath:",
      "    - {path: a, objectAlias: a, objectEncoding: hex}",
      "    - {path: b, objectAlias: b, objectEncoding: utf-8}",
      "    - {path: c, objectAlias: c}",
    ].join("\n"),
    ONE_REGION,
  );
  assert.equal(object.encoding, "base64");
  assert.deepEqual(object.jmesFiles.map((file) => file.encoding), ["hex", undefined, undefined]);
  const [plain] = parseMountObjects(
    "- {objectName: a, objectType: secretsmanager, objectEncoding: utf-8}",
    ONE_REGION,
  );
  assert.equal("encoding" in plain, false);
});

Deno.test("an unknown objectEncoding is refused after the Go provider's checks, naming its owner", () => {
  assert.equal(
    objectsError("- {objectName: a, objectType: secretsmanager, objectEncoding: utf8}"),
    'Invalid objectEncoding "utf8" of object a: must be utf-8, base64 or hex',
  );
  assert.equal(
    objectsError(
      "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: p, objectAlias: x, objectEncoding: b64}]}",
    ),
    'Invalid objectEncoding "b64" of jmesPath entry x of object a: must be utf-8, base64 or hex',
  );
  assert.equal(
    objectsError("- {objectName: a, objectEncoding: b64}"),
    "Must use objectType when a full ARN is not specified: a",
  );
});

// --- selectors (ours) -------------------------------------------------------

Deno.test("a selector is an object without a file of its own, with its mode and encoding", () => {
  const objects = parseMountObjects(
    [
      "- {objectName: app/db, objectType: secretsmanager}",
      "- {path: /app, recursive: true, filePermission: '0400', objectEncoding: base64}",
      "- {namePrefix: prod/}",
    ].join("\n"),
    TWO_REGIONS,
  );
  assert.deepEqual(objects.map((object) => [object.type, object.fileName]), [
    ["secretsmanager", "app_db"],
    ["ssmparameter", ""],
    ["secretsmanager", ""],
  ]);
  const path = objects[1];
  assert.deepEqual(path.selector, {
    store: "ssmparameter",
    path: "/app",
    recursive: true,
    translation: "_",
  });
  assert.equal(path.mode, 0o400);
  assert.equal(path.encoding, "base64");
  assert.equal(path.regions.length, 2);
  assert.deepEqual(fileOwners(objects), [{ fileName: "app_db", owner: "object app/db" }]);
});

Deno.test("selectors skip the Go provider's name and duplicate checks, and their own errors are ours", () => {
  assert.equal(parseMountObjects("- {path: /a}\n- {path: /a}", ONE_REGION).length, 2);
  assert.equal(
    objectsError("- {path: /a, objectAlias: x}"),
    "objectAlias is not allowed on a selector (each match is named after itself): path /a",
  );
  assert.equal(objectsError("- {path: /a, filePermission: '600'}"), "Invalid File Permission: 600");
  assert.equal(
    objectsError("- {path: /a, objectEncoding: rot13}"),
    'Invalid objectEncoding "rot13" of the selector path /a: must be utf-8, base64 or hex',
  );
  assert.equal(objectsError("- {objectType: ssmparameter}"), "Object name must be specified");
});

Deno.test("a match is mounted as if listed by name without an alias", () => {
  const [selector] = parseMountObjects(
    "- {path: /app, filePermission: '0440', objectEncoding: hex}",
    NO_TRANSLATION,
  );
  const match = selectedObject(selector, "/app/db/password");
  assert.equal(match.fileName, "app/db/password");
  assert.equal(match.mode, 0o440);
  assert.equal(match.encoding, "hex");
  assert.equal(match.type, "ssmparameter");
  assert.equal(match.spec.objectName, "/app/db/password");
  assert.deepEqual(match.regions, [{ name: "/app/db/password", version: "", label: "" }]);
  assert.equal(match.selectedBy, selector);
  assert.equal(objectLabel(match), "parameter /app/db/password selected by path /app");
  assert.equal(objectLabel(selector), "path /app");
});

Deno.test("checkFileSet names both owners of a file, and a match leaving the mount", () => {
  const [listed, selector] = parseMountObjects(
    "- {objectName: prod/db, objectType: secretsmanager}\n- {namePrefix: prod/}",
    ONE_REGION,
  );
  const match = selectedObject(selector, "prod/db");
  assert.throws(
    () => checkFileSet(fileOwners([listed, match])),
    new ObjectsError(
      'object prod/db and secret prod/db selected by namePrefix prod/ would both be written to the file "prod_db"',
    ),
  );
  const [untranslated] = parseMountObjects("- {namePrefix: a/}", NO_TRANSLATION);
  assert.throws(
    () => checkFileSet(fileOwners([selectedObject(untranslated, "a/../b")])),
    /^ObjectsError: file name "a\/..\/b" of secret a\/..\/b selected by namePrefix a\/ is not allowed: it leaves the mount through '..'$/,
  );
});
