#!/usr/bin/env python3
"""An HTTP/1.1 pass-through in front of an S3-compatible server that writes down every request, so
that a test can see what a client really sent (s3rver answers ListParts with 405 and keeps no
request log).

    s3_witness_proxy.py --upstream HOST:PORT --port-file FILE --log FILE

Listens on a free port of 127.0.0.1 (written to --port-file once it accepts connections) and
forwards each request unchanged to --upstream, streaming the bodies both ways. Per request it
appends one JSON line to --log once the response has been passed on:
    {"op": "UploadPart", "method": "PUT", "path": "/bucket/key", "query": {...},
     "requestBytes": N (body bytes actually received), "status": 200}
where op is the S3 operation the method and query name (CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, AbortMultipartUpload, ListParts, PutObject, GetObject, HeadObject,
DeleteObject, other).

It answers `Expect: 100-continue` itself and drops that header upstream; nothing else is changed.
"""
import argparse
import json
import os
import socket
import socketserver
import sys
import threading
import urllib.parse

CHUNK = 1 << 20
LOG_LOCK = threading.Lock()


def operation(method: str, query: dict) -> str:
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if method == "POST" and "uploadId" in query:
        return "CompleteMultipartUpload"
    if method == "PUT" and "uploadId" in query and "partNumber" in query:
        return "UploadPart"
    if method == "DELETE" and "uploadId" in query:
        return "AbortMultipartUpload"
    if method == "GET" and "uploadId" in query:
        return "ListParts"
    simple = {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}
    return simple.get(method, "other")


def read_head(reader):
    """The start line and the headers (name, value) of a message; None at a clean end of stream."""
    line = reader.readline(65536)
    while line in (b"\r\n", b"\n"):
        line = reader.readline(65536)
    if not line:
        return None
    headers = []
    while True:
        h = reader.readline(65536)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    return line.decode("latin-1").rstrip("\r\n"), headers


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def write_head(sock, start, headers):
    text = start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    sock.sendall(text.encode("latin-1"))


def copy_exact(reader, sock, n):
    done = 0
    while done < n:
        data = reader.read(min(CHUNK, n - done))
        if not data:
            raise ConnectionError("stream ended inside a body")
        sock.sendall(data)
        done += len(data)
    return done


def copy_chunked(reader, sock):
    """Copies a chunked body as it is; returns the payload bytes."""
    total = 0
    while True:
        size_line = reader.readline(65536)
        sock.sendall(size_line)
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, then the empty line
                t = reader.readline(65536)
                sock.sendall(t)
                if t in (b"\r\n", b"\n", b""):
                    return total
        total += copy_exact(reader, sock, size)
        sock.sendall(reader.readline(65536))  # the CRLF after the chunk


def copy_body(reader, sock, headers):
    if (header(headers, "transfer-encoding") or "").lower() == "chunked":
        return copy_chunked(reader, sock)
    return copy_exact(reader, sock, int(header(headers, "content-length") or 0))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        client = self.request
        upstream = socket.create_connection(self.server.upstream)
        try:
            self.relay(client, upstream)
        except (ConnectionError, OSError):
            pass
        finally:
            upstream.close()

    def relay(self, client, upstream):
        from_client = client.makefile("rb", buffering=CHUNK)
        from_upstream = upstream.makefile("rb", buffering=CHUNK)
        while True:
            head = read_head(from_client)
            if head is None:
                return
            start, headers = head
            method, target, _ = start.split(" ", 2)
            url = urllib.parse.urlsplit(target)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            if (header(headers, "expect") or "").lower() == "100-continue":
                client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                headers = [(k, v) for k, v in headers if k.lower() != "expect"]
            write_head(upstream, start, headers)
            sent = copy_body(from_client, upstream, headers)
            response = read_head(from_upstream)
            if response is None:
                return
            status_line, response_headers = response
            while status_line.split(" ")[1].startswith("1"):  # an interim answer: pass it on
                write_head(client, status_line, response_headers)
                status_line, response_headers = read_head(from_upstream)
            status = int(status_line.split(" ")[1])
            write_head(client, status_line, response_headers)
            close = (header(response_headers, "connection") or "").lower() == "close"
            if method != "HEAD" and status not in (204, 304):
                if (header(response_headers, "transfer-encoding") or "").lower() == "chunked" or \
                        header(response_headers, "content-length") is not None:
                    copy_body(from_upstream, client, response_headers)
                else:  # until the server closes
                    while data := from_upstream.read1(CHUNK):
                        client.sendall(data)
                    close = True
            self.server.note({"op": operation(method, query), "method": method,
                              "path": urllib.parse.unquote(url.path), "query": query,
                              "requestBytes": sent, "status": status})
            if close or (header(headers, "connection") or "").lower() == "close":
                return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, log_path):
        super().__init__(("127.0.0.1", 0), Handler)
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.log_path = log_path

    def note(self, record):
        with LOG_LOCK, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = Server(args.upstream, args.log)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, args.port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
