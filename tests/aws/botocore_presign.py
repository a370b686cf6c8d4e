#!/usr/bin/python3
"""Sign requests with botocore, for the differential test sigv4_botocore_diff_test.cpp.

Run with Debian's interpreter (/usr/bin/python3, which has python3-botocore), not a pyenv one.

stdin:  {"cases": [case, ...]}; every case has "id", "access_key", "secret_key",
        "session_token" (or null), "timestamp" ("YYYY-MM-DDTHH:MM:SSZ") and "expires", plus
  kind "s3" (default): "operation", "endpoint_url", "region", "bucket", "key", "params".
        Presigned through the S3 client's generate_presigned_url (path-style), exactly as an
        application would; "operation" is a client method (get_object, put_object, head_object,
        upload_part), "params" its extra arguments (ContentType, ContentLength, ChecksumSHA256,
        ResponseContentDisposition, PartNumber, UploadId, ...).
  kind "raw": "service", "region", "method", "scheme", "host", "path" (wire path), "query"
        ([[name, value], ...], decoded), "headers" ([[name, value], ...]). Signed directly with
        botocore's generic SigV4 signers, both presigned (SigV4QueryAuth) and with headers
        (SigV4Auth): that is where path normalisation and double encoding apply.
stdout: {"botocore_version", "signers": [...], "results": [{"id", "urls": {signer: url},
         "authorizations": {signer: Authorization header} (raw only)} or {"id", "error"}]}

Signers: "python" is botocore's own implementation and always runs. When awscrt is importable,
botocore would silently use the CRT (aws-c-auth) instead, so "crt" runs too, as a second,
independent reference. The clock is pinned per case by replacing the `datetime` that
botocore.auth (and botocore.crt.auth) read utcnow() from.
"""

import datetime
import json
import sys
import types

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence


class _PinnedDatetime(datetime.datetime):
    pinned = None

    @classmethod
    def utcnow(cls):
        return cls.pinned


_FAKE_DATETIME_MODULE = types.SimpleNamespace(
    datetime=_PinnedDatetime, timezone=datetime.timezone, timedelta=datetime.timedelta
)
botocore.auth.datetime = _FAKE_DATETIME_MODULE

# name -> (S3 presign, generic presign, generic header signing)
SIGNERS = {
    "python": (
        botocore.auth.S3SigV4QueryAuth,
        botocore.auth.SigV4QueryAuth,
        botocore.auth.SigV4Auth,
    )
}
try:
    import botocore.crt.auth

    botocore.crt.auth.datetime = _FAKE_DATETIME_MODULE
    SIGNERS["crt"] = (
        botocore.crt.auth.CrtS3SigV4QueryAuth,
        botocore.crt.auth.CrtSigV4QueryAuth,
        botocore.crt.auth.CrtSigV4Auth,
    )
except Exception:  # awscrt missing or incompatible: the python signer alone is the reference
    pass


class _HeaderPairs:
    """Feeds AWSRequest repeated header names (it only accepts something with items())."""

    def __init__(self, pairs):
        self._pairs = [tuple(pair) for pair in pairs]

    def items(self):
        return self._pairs


def _pin_clock(case):
    _PinnedDatetime.pinned = datetime.datetime.strptime(case["timestamp"], "%Y-%m-%dT%H:%M:%SZ")


def _raw_request(case):
    url = f"{case['scheme']}://{case['host']}{case['path']}"
    if case["query"]:
        url += "?" + percent_encode_sequence([tuple(pair) for pair in case["query"]])
    return AWSRequest(method=case["method"], url=url, headers=_HeaderPairs(case["headers"]))


def sign_raw(case):
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("session_token"))
    urls, authorizations = {}, {}
    for name, (_, query_auth, header_auth) in SIGNERS.items():
        _pin_clock(case)
        request = _raw_request(case)
        query_auth(credentials, case["service"], case["region"], expires=case["expires"]).add_auth(
            request
        )
        urls[name] = request.url
        request = _raw_request(case)
        header_auth(credentials, case["service"], case["region"]).add_auth(request)
        authorizations[name] = request.headers["Authorization"]
    return {"id": case["id"], "urls": urls, "authorizations": authorizations}


def presign_s3(case, session, clients):
    client_key = (
        case["endpoint_url"],
        case["region"],
        case["access_key"],
        case["secret_key"],
        case.get("session_token"),
    )
    client = clients.get(client_key)
    if client is None:
        client = session.create_client(
            "s3",
            region_name=case["region"],
            endpoint_url=case["endpoint_url"],
            aws_access_key_id=case["access_key"],
            aws_secret_access_key=case["secret_key"],
            aws_session_token=case.get("session_token"),
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
        clients[client_key] = client
    _pin_clock(case)
    params = {"Bucket": case["bucket"], "Key": case["key"], **case.get("params", {})}
    urls = {}
    for name, (s3_query_auth, _, _) in SIGNERS.items():
        botocore.auth.AUTH_TYPE_MAPS["s3v4-query"] = s3_query_auth
        urls[name] = client.generate_presigned_url(
            case["operation"], Params=params, ExpiresIn=case["expires"]
        )
    return {"id": case["id"], "urls": urls}


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    session = botocore.session.Session()
    clients = {}
    results = []
    for case in request["cases"]:
        try:
            if case.get("kind", "s3") == "raw":
                results.append(sign_raw(case))
            else:
                results.append(presign_s3(case, session, clients))
        except Exception as error:  # reported per case; the C++ side fails on it
            results.append({"id": case.get("id"), "error": f"{type(error).__name__}: {error}"})
    json.dump(
        {
            "botocore_version": botocore.__version__,
            "signers": list(SIGNERS),
            "results": results,
        },
        sys.stdout,
        ensure_ascii=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
