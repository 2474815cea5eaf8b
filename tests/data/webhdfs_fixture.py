#!/usr/bin/env python3
"""A stand-in for an HDFS cluster's WebHDFS REST API, for cohort's tests.

No HDFS server can be installed here, so cohort's HDFS backend is tested
against this fixture. It follows the protocol as Hadoop documents it
(WebHDFS REST API, Hadoop 3):

  namenode  http://127.0.0.1:NN/webhdfs/v1/PATH?op=...
    GET  OPEN           307 to a datanode URL (offset, length carried over)
    GET  GETFILESTATUS  {"FileStatus": {...}}
    GET  LISTSTATUS     {"FileStatuses": {"FileStatus": [...]}}
    PUT  CREATE         307 to a datanode URL (no body is read here)
    PUT  MKDIRS         {"boolean": true}
    PUT  RENAME         {"boolean": ...} (false when the source is missing or
                        the destination exists)
    DELETE DELETE       {"boolean": ...}
  datanode  http://127.0.0.1:DN/webhdfs/v1/PATH?op=...
    GET  OPEN           200 and the bytes [offset, offset+length)
    PUT  CREATE         201 Created, Location: hdfs://...

Authentication: delegation=TOKEN must match --token when one is set
(403 InvalidToken otherwise); without a token, user.name= is required when
--require-user is given (401 SecurityException). Errors are RemoteException
JSON documents with the status codes Hadoop uses (404 FileNotFoundException,
403 AccessControlException / FileAlreadyExistsException, 400
IllegalArgumentException).

Faults for tests, on the namenode port:
  POST /_fixture/faults?cut=N        the next N datanode reads send half their bytes, then drop
  POST /_fixture/faults?unavailable=N  the next N namenode requests answer 503
  GET  /_fixture/log                 the requests seen, as JSON
Usage: webhdfs_fixture.py --root DIR --namenode-port P --datanode-port Q [--token T] [--require-user]
"""
import argparse
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

PREFIX = "/webhdfs/v1"


class State:
    def __init__(self, args):
        self.root = os.path.realpath(args.root)
        self.token = args.token
        self.require_user = args.require_user
        self.nn_port = args.namenode_port
        self.dn_port = args.datanode_port
        self.lock = threading.Lock()
        # A NameNode applies namespace operations one at a time, so a listing
        # never names a file that a concurrent delete or rename has removed
        # before its status is read; the fixture does the same.
        self.namespace = threading.Lock()
        self.cut = 0
        self.unavailable = 0
        self.log = []

    def local(self, hdfs_path):
        """The fixture file for an HDFS path; None if it would leave the root."""
        full = os.path.realpath(os.path.join(self.root, hdfs_path.lstrip("/")))
        if full != self.root and not full.startswith(self.root + os.sep):
            return None
        return full


def remote_exception(exception, java_class, message):
    return {"RemoteException": {"exception": exception, "javaClassName": java_class, "message": message}}


def file_status(path, suffix):
    st = os.stat(path)
    is_dir = os.path.isdir(path)
    return {
        "accessTime": int(st.st_atime * 1000), "blockSize": 134217728, "childrenNum": len(os.listdir(path)) if is_dir else 0,
        "fileId": st.st_ino, "group": "supergroup", "length": 0 if is_dir else st.st_size,
        "modificationTime": int(st.st_mtime * 1000), "owner": "cohort", "pathSuffix": suffix,
        "permission": "755" if is_dir else "644", "replication": 0 if is_dir else 1, "storagePolicy": 0,
        "type": "DIRECTORY" if is_dir else "FILE",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None
    role = None  # "namenode" or "datanode"

    def log_message(self, *args):
        pass

    # -- replies ---------------------------------------------------------
    def reply_json(self, status, doc, headers=()):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def reply_error(self, status, exception, java_class, message):
        self.reply_json(status, remote_exception(exception, java_class, message))

    def not_found(self, path):
        self.reply_error(404, "FileNotFoundException", "java.io.FileNotFoundException", "File does not exist: " + path)

    def redirect(self, location):
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- request parsing -------------------------------------------------
    def parse(self):
        parts = urlsplit(self.path)
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.hdfs_path = unquote(parts.path[len(PREFIX):]) if parts.path.startswith(PREFIX) else None
        self.op = self.query.get("op", "").upper()
        entry = {"server": self.role, "method": self.command, "op": self.op, "path": self.hdfs_path}
        for key in ("offset", "length"):
            if key in self.query:
                entry[key] = int(self.query[key]) if self.query[key].lstrip("-").isdigit() else self.query[key]
        with self.state.lock:
            self.state.log.append(entry)

    def authorised(self):
        token = self.query.get("delegation")
        if token is not None:
            if self.state.token is None or token != self.state.token:
                self.reply_error(403, "InvalidToken", "org.apache.hadoop.security.token.SecretManager$InvalidToken",
                                 "token (HDFS_DELEGATION_TOKEN token for cohort) can't be found in cache")
                return False
            return True
        if self.state.require_user and not self.query.get("user.name"):
            self.reply_error(401, "SecurityException", "java.lang.SecurityException",
                             "Failed to obtain user group information: java.io.IOException: Security enabled but user not authenticated by filter")
            return False
        return True

    def carried_auth(self):
        if "delegation" in self.query:
            return "&delegation=" + quote(self.query["delegation"], safe="")
        if "user.name" in self.query:
            return "&user.name=" + quote(self.query["user.name"], safe="")
        return ""

    def number(self, name, default):
        text = self.query.get(name)
        if text is None:
            return default
        if not text.isdigit():
            self.reply_error(400, "IllegalArgumentException", "java.lang.IllegalArgumentException",
                             "Invalid value for webhdfs parameter \"%s\": %s" % (name, text))
            return None
        return int(text)

    # -- fixture control -------------------------------------------------
    def fixture(self):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/_fixture/faults":
            with self.state.lock:
                self.state.cut += int(query.get("cut", 0))
                self.state.unavailable += int(query.get("unavailable", 0))
            self.reply_json(200, {"ok": True})
        elif parts.path == "/_fixture/log":
            with self.state.lock:
                self.reply_json(200, list(self.state.log))
        else:
            self.reply_json(404, {"error": "unknown fixture path"})

    # -- dispatch --------------------------------------------------------
    def handle_any(self):
        if self.path.startswith("/_fixture/"):
            if self.role == "namenode":
                return self.fixture()
        self.parse()
        if self.hdfs_path is None:
            return self.reply_error(404, "IllegalArgumentException", "java.lang.IllegalArgumentException",
                                    "not a WebHDFS path: " + self.path)
        if self.role == "namenode":
            with self.state.lock:
                busy = self.state.unavailable > 0
                if busy:
                    self.state.unavailable -= 1
            if busy:
                return self.reply_error(503, "RetriableException", "org.apache.hadoop.ipc.RetriableException",
                                        "NameNode still not started")
        if not self.authorised():
            return
        handler = getattr(self, "%s_%s_%s" % (self.role, self.command, self.op), None)
        if handler is None:
            return self.reply_error(400, "IllegalArgumentException", "java.lang.IllegalArgumentException",
                                    "Invalid value for webhdfs parameter \"op\": No enum constant "
                                    "org.apache.hadoop.hdfs.web.resources.%sOpParam.Op.%s" % (self.command.capitalize(), self.op))
        if self.role == "namenode":
            with self.state.namespace:
                return handler()
        handler()

    do_GET = do_PUT = do_POST = do_DELETE = handle_any

    # -- namenode operations ---------------------------------------------
    def datanode_url(self, extra):
        return "http://127.0.0.1:%d%s%s?op=%s&namenoderpcaddress=localhost:8020%s%s" % (
            self.state.dn_port, PREFIX, quote(self.hdfs_path), self.op, extra, self.carried_auth())

    def namenode_GET_OPEN(self):
        local = self.state.local(self.hdfs_path)
        if local is None or not os.path.isfile(local):
            return self.not_found(self.hdfs_path)
        offset = self.number("offset", 0)
        length = self.number("length", None) if "length" in self.query else -1
        if offset is None or length is None:
            return
        extra = "&offset=%d" % offset + ("&length=%d" % length if length >= 0 else "")
        self.redirect(self.datanode_url(extra))

    def namenode_GET_GETFILESTATUS(self):
        local = self.state.local(self.hdfs_path)
        if local is None or not os.path.exists(local):
            return self.not_found(self.hdfs_path)
        self.reply_json(200, {"FileStatus": file_status(local, "")})

    def namenode_GET_LISTSTATUS(self):
        local = self.state.local(self.hdfs_path)
        if local is None or not os.path.exists(local):
            return self.not_found(self.hdfs_path)
        if os.path.isdir(local):
            entries = [file_status(os.path.join(local, n), n) for n in sorted(os.listdir(local))]
        else:
            entries = [file_status(local, "")]
        self.reply_json(200, {"FileStatuses": {"FileStatus": entries}})

    def namenode_PUT_CREATE(self):
        local = self.state.local(self.hdfs_path)
        if local is None:
            return self.reply_error(403, "AccessControlException", "org.apache.hadoop.security.AccessControlException",
                                    "Permission denied: " + self.hdfs_path)
        overwrite = self.query.get("overwrite", "false").lower() == "true"
        if os.path.exists(local) and not overwrite:
            return self.reply_error(403, "FileAlreadyExistsException",
                                    "org.apache.hadoop.fs.FileAlreadyExistsException", self.hdfs_path + " already exists")
        self.redirect(self.datanode_url("&overwrite=%s" % ("true" if overwrite else "false")))

    def namenode_PUT_MKDIRS(self):
        local = self.state.local(self.hdfs_path)
        if local is not None:
            os.makedirs(local, exist_ok=True)
        self.reply_json(200, {"boolean": local is not None})

    def namenode_PUT_RENAME(self):
        source = self.state.local(self.hdfs_path)
        target = self.state.local(self.query.get("destination", ""))
        ok = source is not None and target is not None and os.path.isfile(source)
        if ok:
            # HDFS renames atomically and refuses an existing destination: a
            # hard link does both (it fails when the target exists), even when
            # requests arrive together.
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(source, target)
                os.remove(source)
            except (FileExistsError, FileNotFoundError):
                ok = False
        self.reply_json(200, {"boolean": ok})

    def namenode_DELETE_DELETE(self):
        local = self.state.local(self.hdfs_path)
        ok = local is not None and os.path.isfile(local)
        if ok:
            os.remove(local)
        self.reply_json(200, {"boolean": ok})

    # -- datanode operations ---------------------------------------------
    def datanode_GET_OPEN(self):
        local = self.state.local(self.hdfs_path)
        if local is None or not os.path.isfile(local):
            return self.not_found(self.hdfs_path)
        offset = self.number("offset", 0)
        length = self.number("length", -1) if "length" in self.query else -1
        if offset is None or length is None:
            return
        size = os.path.getsize(local)
        if offset > size:
            return self.reply_error(403, "IOException", "java.io.IOException",
                                    "Offset=%d out of the range [0, %d); OPEN, path=%s" % (offset, size, self.hdfs_path))
        end = size if length < 0 else min(size, offset + length)
        with open(local, "rb") as f:
            f.seek(offset)
            data = f.read(end - offset)
        with self.state.lock:
            cut = self.state.cut > 0 and len(data) > 1
            if cut:
                self.state.cut -= 1
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if cut:
            # Half the bytes, then the connection drops (a datanode that died mid-read).
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(data)

    def datanode_PUT_CREATE(self):
        local = self.state.local(self.hdfs_path)
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length) if length > 0 else b""
        if local is None:
            return self.reply_error(403, "AccessControlException", "org.apache.hadoop.security.AccessControlException",
                                    "Permission denied: " + self.hdfs_path)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        with open(local, "wb") as f:
            f.write(data)
        self.send_response(201)
        self.send_header("Location", "hdfs://127.0.0.1:8020" + quote(self.hdfs_path))
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(role, port, state):
    handler = type("%sHandler" % role.capitalize(), (Handler,), {"state": state, "role": role})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True)
    parser.add_argument("--namenode-port", type=int, required=True)
    parser.add_argument("--datanode-port", type=int, required=True)
    parser.add_argument("--token")
    parser.add_argument("--require-user", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.root, exist_ok=True)
    state = State(args)
    serve("datanode", args.datanode_port, state)
    serve("namenode", args.namenode_port, state)
    print("webhdfs fixture: namenode 127.0.0.1:%d, datanode 127.0.0.1:%d" % (args.namenode_port, args.datanode_port), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
