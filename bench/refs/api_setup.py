#!/usr/bin/env python3
"""Prepares a running `toq-media serve` (workers on) for bench/api_wrk.sh and writes its wrk scripts.

    api_setup.py TOQ_MEDIA DATA_DIR PORT OUT_DIR [--listings N] [--photos K]

- listing 28: registered, no batch (status answers 404 BATCH_NOT_FOUND, the cheapest
  authenticated answer);
- listing 29: a batch of K real JPEGs (made by ffmpeg, 1600x1200) uploaded, completed and waited
  for until READY: status answers 200 with K assets, downloads 200 with K x 8 variants, the ZIP
  and the originals, each a presigned URL;
- listings 100000.. : N listings registered for the create-batch script, which creates one batch
  of 100 photos per request, each request on a listing of its own (one open batch per listing).

Writes OUT_DIR/{status_404,status_200,downloads,create}.lua, and the same requests as
OUT_DIR/requests.json for bench/refs/open_loop.py. The create script takes two
arguments after wrk's `--`: its first listing (100000 + the listings earlier runs used) and a
quota per wrk thread (thread t uses first + t * quota onwards); a thread stops at its quota.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

CREATE_BASE = 100000  # api_wrk.sh starts its create runs here


def token(binary, data_dir, sub, role):
    return subprocess.run([binary, "token", "--data-dir", data_dir, "--sub", str(sub), "--role",
                           role, "--ttl", "7200"], capture_output=True, text=True,
                          check=True).stdout.strip()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body, bearer, ok=(200, 201, 202)):
        self.conn.request(method, path, body=json.dumps(body),
                          headers={"Authorization": f"Bearer {bearer}",
                                   "Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status not in ok:
            raise SystemExit(f"{method} {path}: {response.status} {data[:500]!r}")
        return json.loads(data) if data else None


def make_photos(count):
    """Distinct 1600x1200 JPEGs (a test pattern with grain, one frame each)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                        "-i", "testsrc2=size=1600x1200:rate=1,noise=alls=8:allf=u", "-frames:v",
                        str(count), "-q:v", "4", os.path.join(tmp, "p%03d.jpg")], check=True)
        return [open(os.path.join(tmp, f"p{i:03d}.jpg"), "rb").read() for i in range(1, count + 1)]


def lua(headers_token, method, path, body):
    return (f'wrk.method = "{method}"\n'
            f"wrk.body = '{body}'\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {headers_token}"\n'
            f'wrk.path = "{path}"\n')


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("data_dir")
    p.add_argument("port", type=int)
    p.add_argument("out_dir")
    p.add_argument("--listings", type=int, default=20000)
    p.add_argument("--photos", type=int, default=20)
    args = p.parse_args()
    service = token(args.binary, args.data_dir, 1, "service")
    photographer = token(args.binary, args.data_dir, 7, "photographer")
    client = Client(args.port)
    listing = {"ownerId": 11, "photographerId": 7, "kind": "RESIDENTIAL",
               "status": "PENDING_PHOTO_PROCESSING"}
    numbers = [28, 29] + list(range(CREATE_BASE, CREATE_BASE + args.listings))

    def register(share):
        own = Client(args.port)
        for number in share:
            own.call("PUT", f"/api/v2/internal/listings/{number}", listing, service)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(register, [numbers[i::4] for i in range(4)]))

    photos = make_photos(args.photos)
    files = [{"clientId": f"f-{i}", "mediaType": "PHOTO_HORIZONTAL", "filename": f"IMG_{i}.jpg",
              "contentType": "image/jpeg", "bytes": len(data),
              "checksumSha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
              "title": f"Foto {i}", "sequence": i} for i, data in enumerate(photos, 1)]
    created = client.call("POST", "/api/v2/listings/media/uploads",
                          {"listingIdentityId": 29, "batchReference": "bench", "files": files},
                          photographer)
    by_client = {f["clientId"]: f for f in created["files"]}
    for i, data in enumerate(photos, 1):
        upload = by_client[f"f-{i}"]["upload"]
        target = upload["url"].split(f":{args.port}", 1)[1]
        client.conn.request("PUT", target, body=data, headers=upload["headers"])
        response = client.conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"upload f-{i}: {response.status}")
    client.call("POST", "/api/v2/listings/media/uploads/complete",
                {"listingIdentityId": 29, "batchId": created["batchId"], "files": []},
                photographer)
    deadline = time.monotonic() + 600
    while True:
        status = client.call("POST", "/api/v2/listings/media/status", {"listingIdentityId": 29},
                             photographer)
        if status["status"] == "READY":
            break
        if status["status"] == "FAILED" or time.monotonic() > deadline:
            raise SystemExit(f"the downloads batch did not become READY: {status}")
        time.sleep(0.5)
    downloads = client.call("POST", "/api/v2/listings/media/downloads", {"listingIdentityId": 29},
                            photographer)
    variants = sum(len(a["variants"]) for a in downloads["assets"])

    os.makedirs(args.out_dir, exist_ok=True)
    route = "/api/v2/listings/media/"
    scripts = {
        "status_404": lua(photographer, "POST", route + "status", '{"listingIdentityId": 28}'),
        "status_200": lua(photographer, "POST", route + "status", '{"listingIdentityId": 29}'),
        "downloads": lua(photographer, "POST", route + "downloads", '{"listingIdentityId": 29}'),
    }
    manifest_files = json.dumps(
        [{"clientId": f"f-{i}", "mediaType": "PHOTO_HORIZONTAL", "filename": f"IMG_{i:04d}.jpg",
          "contentType": "image/jpeg", "bytes": 4_000_000 + i,
          "checksumSha256": files[0]["checksumSha256"], "title": f"Foto {i}", "sequence": i}
         for i in range(1, 101)])
    # wrk passes what follows `--` to init(): the first listing of this run and how many
    # listings each thread may use (a run stops its thread when they are used up).
    scripts["create"] = (
        lua(photographer, "POST", route + "uploads", "") +
        f"local files = '{manifest_files}'\n"
        "local counter = 0\n"
        "local first = 0\n"
        "local quota = 0\n"
        "local next_id = 0\n"
        "function setup(thread)\n"
        "  thread:set('id', next_id)\n"
        "  next_id = next_id + 1\n"
        "end\n"
        "function init(args)\n"
        "  quota = tonumber(args[2])\n"
        "  first = tonumber(args[1]) + id * quota\n"
        "end\n"
        "function request()\n"
        "  if counter >= quota then wrk.thread:stop() end\n"
        "  local listing = first + counter\n"
        "  counter = counter + 1\n"
        "  local body = '{\"listingIdentityId\": ' .. listing .. "
        "', \"batchReference\": \"wrk\", \"files\": ' .. files .. '}'\n"
        "  return wrk.format(nil, nil, nil, body)\n"
        "end\n")
    for name, text in scripts.items():
        with open(os.path.join(args.out_dir, f"{name}.lua"), "w", encoding="utf-8") as f:
            f.write(text)
    # The same requests for bench/refs/open_loop.py (bench/api_rate.sh).
    requests = {
        "token": photographer,
        "routes": {
            "status_404": {"method": "POST", "path": route + "status", "expect": 404,
                           "body": '{"listingIdentityId": 28}'},
            "status_200": {"method": "POST", "path": route + "status", "expect": 200,
                           "body": '{"listingIdentityId": 29}'},
            "downloads": {"method": "POST", "path": route + "downloads", "expect": 200,
                          "body": '{"listingIdentityId": 29}'},
            "create": {"method": "POST", "path": route + "uploads", "expect": 201,
                       "body_before_listing": '{"listingIdentityId": ',
                       "body_after_listing": ', "batchReference": "rate", "files": ' +
                                             manifest_files + "}"},
        },
    }
    with open(os.path.join(args.out_dir, "requests.json"), "w", encoding="utf-8") as f:
        json.dump(requests, f)
    print(f"api_setup: {args.listings} listings for create, listing 29 READY with "
          f"{len(downloads['assets'])} photos ({variants} variants)", file=sys.stderr)


if __name__ == "__main__":
    main()
