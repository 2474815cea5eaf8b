"""A small Azure Blob Storage client for the tests, independent of cohort's:
lists and downloads the blobs under a prefix with Shared Key authentication
(signed per the documented string-to-sign, path-style URLs as Azurite uses).

    azure_blobs.py download ENDPOINT CONTAINER PREFIX DEST   (key in COHORT_AZURE_ACCOUNT_KEY)
    azure_blobs.py list ENDPOINT CONTAINER PREFIX

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


def request(endpoint, path, query):
    parsed = urllib.parse.urlparse(endpoint)
    account = parsed.path.strip("/")
    key = base64.b64decode(os.environ["COHORT_AZURE_ACCOUNT_KEY"])
    date = email.utils.formatdate(usegmt=True)
    url_path = parsed.path.rstrip("/") + "/" + urllib.parse.quote(path)
    headers = {"x-ms-date": date, "x-ms-version": VERSION}
    # VERB, 11 standard headers (all empty for a GET), the x-ms- headers, the resource.
    to_sign = "GET\n" + "\n" * 11
    to_sign += "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    to_sign += f"/{account}{url_path}"
    for name in sorted(query):
        to_sign += f"\n{name.lower()}:{query[name]}"
    signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {account}:{signature}"
    url = f"{parsed.scheme}://{parsed.netloc}{url_path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
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
