"""A small Azure Blob Storage client for the tests, independent of cohort's:
lists and downloads the blobs under a prefix with Shared Key authentication
(signed per the documented string-to-sign, path-style URLs as Azurite uses).

    azure_blobs.py download ENDPOINT CONTAINER PREFIX DEST   (key in COHORT_AZURE_ACCOUNT_KEY)
    azure_blobs.py list ENDPOINT CONTAINER PREFIX
    azure_blobs.py put ENDPOINT CONTAINER NAME FILE          (replaces one blob: a test's tampering)
    azure_blobs.py delete ENDPOINT CONTAINER NAME            (removes one blob)
    azure_blobs.py sign ENDPOINT CONTAINER NAME METHOD LENGTH (prints curl -H arguments, one per line,
                                                               for a Get Blob or a Put Blob of LENGTH bytes)

ENDPOINT is http://127.0.0.1:PORT/ACCOUNT. Prints one name per line (list)
or the number of blobs written (download).
"""
import base64
import email.utils
import hashlib
import hmac
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

VERSION = "2021-08-06"


def signed_headers(endpoint, path, query, method, length, blob):
    """The headers of a request signed with Shared Key (the documented string-to-sign)."""
    parsed = urllib.parse.urlparse(endpoint)
    account = parsed.path.strip("/")
    key = base64.b64decode(os.environ["COHORT_AZURE_ACCOUNT_KEY"])
    url_path = parsed.path.rstrip("/") + "/" + urllib.parse.quote(path)
    headers = {"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": VERSION}
    if blob:
        headers["x-ms-blob-type"] = "BlockBlob"
    # VERB, 11 standard headers (Content-Length and Content-Type only for a PUT), the x-ms- headers, the resource.
    ctype = "application/octet-stream" if blob else ""
    to_sign = f"{method}\n\n\n{length if length else ''}\n\n{ctype}\n" + "\n" * 6
    to_sign += "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    to_sign += f"/{account}{url_path}"
    for name in sorted(query):
        to_sign += f"\n{name.lower()}:{query[name]}"
    signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {account}:{signature}"
    if ctype:
        headers["Content-Type"] = ctype
    url = f"{parsed.scheme}://{parsed.netloc}{url_path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return url, headers


def request(endpoint, path, query, method="GET", body=None):
    url, headers = signed_headers(endpoint, path, query, method, len(body) if body else 0, body is not None)
    req = urllib.request.Request(url, headers=headers, data=body, method=method)
    with urllib.request.urlopen(req, timeout=30) as answer:
        return answer.read()


def list_blobs(endpoint, container, prefix):
    names, marker = [], ""
    while True:
        query = {"restype": "container", "comp": "list", "prefix": prefix}
        if marker:
            query["marker"] = marker
        root = ET.fromstring(request(endpoint, container, query))
        names += [b.find("Name").text for b in root.iter("Blob")]
        marker = root.findtext("NextMarker") or ""
        if not marker:
            return names


def main():
    command, endpoint, container, prefix = sys.argv[1:5]
    if command == "sign":
        method, length = sys.argv[5], int(sys.argv[6])
        url, headers = signed_headers(endpoint, f"{container}/{prefix}", {}, method, length, method == "PUT")
        print(url)
        for k, v in headers.items():
            print(f"{k}: {v}")
        return
    if command == "put":
        with open(sys.argv[5], "rb") as f:
            request(endpoint, f"{container}/{prefix}", {}, "PUT", f.read())
        return
    if command == "delete":
        request(endpoint, f"{container}/{prefix}", {}, "DELETE")
        return
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    names = list_blobs(endpoint, container, prefix)
    if command == "list":
        print("\n".join(n[len(prefix):] for n in names))
        return
    dest = sys.argv[5]
    for name in names:
        target = os.path.join(dest, name[len(prefix):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(request(endpoint, f"{container}/{name}", {}))
    print(len(names))


main()
