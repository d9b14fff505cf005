"""Run moto's server on 127.0.0.1:<port> for the test suite (see moto_server.ts).

Usage: python moto_launch.py --port PORT

The process exits when its stdin reaches EOF, so a test run that dies
without calling stop() does not leave moto servers behind.
"""

import ast
import base64
import json
import os
import sys
import threading

import moto
import moto.server
from moto.secretsmanager.models import SecretsManagerBackend
from moto.secretsmanager.responses import SecretsManagerResponse

PATCHED_FOR_MOTO = "5.2.5"


def original(cls, name):
    """The method the patches wrap; exits if moto is not the version they were written for."""
    method = getattr(cls, name, None)
    if moto.__version__ != PATCHED_FOR_MOTO or not callable(method):
        sys.exit(
            f"moto_launch.py: written for moto {PATCHED_FOR_MOTO}, found "
            f"{moto.__version__}; re-check the patches of {cls.__name__}.{name}"
        )
    return method


def repr_to_base64(binary):
    """Base64 of a SecretBinary given as a Python bytes repr ("b'\\x00'").

    Any other value is returned unchanged: base64 never starts with b' or b"
    (quotes are not in its alphabet), so this is a no-op on correct output.
    """
    if isinstance(binary, str) and binary[:2] in ("b'", 'b"'):
        return base64.b64encode(ast.literal_eval(binary)).decode("ascii")
    return binary


def patch_batch_get_secret_value():
    """Make BatchGetSecretValue return SecretBinary as base64, like AWS does.

    Reported for moto 5.2.5: BatchGetSecretValue sent SecretBinary as the
    Python repr of the bytes while GetSecretValue sent base64. The patch
    post-processes the JSON moto builds.
    """
    wrapped = original(SecretsManagerResponse, "batch_get_secret_value")

    def batch_get_secret_value(self):
        body = json.loads(wrapped(self))
        for value in body["SecretValues"]:
            if "SecretBinary" in value:
                value["SecretBinary"] = repr_to_base64(value["SecretBinary"])
        return json.dumps(body)

    SecretsManagerResponse.batch_get_secret_value = batch_get_secret_value


def patch_update_secret_version_stage():
    """Make moving AWSCURRENT with UpdateSecretVersionStage change the value served.

    moto 5.2.5 moves the label but not the secret's default_version_id, which
    GetSecretValue without VersionStage/VersionId and BatchGetSecretValue read,
    so they kept serving the old version (seen in aws_seed_test.ts).
    """
    wrapped = original(SecretsManagerBackend, "update_secret_version_stage")

    def update_secret_version_stage(
        self, secret_id, version_stage, remove_from_version_id, move_to_version_id
    ):
        result = wrapped(
            self, secret_id, version_stage, remove_from_version_id, move_to_version_id
        )
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return result

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage


def exit_with_parent():
    """Exit once stdin closes: the test process stopped us, or died."""
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1:2] != ["--port"] or len(sys.argv) != 3:
        sys.exit(__doc__)
    patch_batch_get_secret_value()
    patch_update_secret_version_stage()
    threading.Thread(target=exit_with_parent, daemon=True).start()
    moto.server.main(["--host", "127.0.0.1", "--port", sys.argv[2]])
