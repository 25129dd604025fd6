"""pypi_sdist.py NAME VERSION SHA256 DIR: put the sdist NAME==VERSION whose
sha256 is SHA256 into DIR (kept there: a cache), and print its path.

pip download would build the sdist's metadata first (its backend and build
requirements, minutes for meson-python projects); this asks the index pip
uses for the project's files (PEP 691 JSON), picks the one with the pinned
sha256 and downloads it with urllib.  Where the index is comes from pip:
PIP_INDEX_URL, else pip's own configuration, else pip's default.
"""
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request


def index_url():
    url = os.environ.get("PIP_INDEX_URL")
    if url:
        return url
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"],
                             capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        out = ""
    if out:
        return out
    from pip._internal.models.index import PyPI  # pip's default index
    return PyPI.simple_url


def main():
    name, version, sha, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    norm = name.lower().replace("_", "-").replace(".", "-")
    for f in os.listdir(outdir):
        p = os.path.join(outdir, f)
        if f.endswith(".tar.gz") and hashlib.sha256(open(p, "rb").read()).hexdigest() == sha:
            print(p)
            return 0
    base = index_url().rstrip("/") + "/" + norm + "/"
    req = urllib.request.Request(base, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        files = json.load(r)["files"]
    pick = [f for f in files if f.get("hashes", {}).get("sha256") == sha]
    if not pick:
        print(f"pypi_sdist: no file of {name} {version} has sha256 {sha}", file=sys.stderr)
        return 1
    url = urllib.parse.urljoin(base, pick[0]["url"])
    with urllib.request.urlopen(url, timeout=300) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sha:
        print(f"pypi_sdist: {url}: sha256 mismatch", file=sys.stderr)
        return 1
    path = os.path.join(outdir, pick[0]["filename"])
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
