#!/usr/bin/python3
"""Write the containerd scenario's images as one OCI image layout tarball,
for `ctr -n k8s.io images import`:

  localhost/memqos-test/pause:1     /pause (tests/cri/pause.c, static): the sandbox image
  localhost/memqos-test/busybox:1   a static busybox with its applet links

Fully qualified names: the CRI plugin looks a short name up as
docker.io/library/<name>. Reproducible: fixed times and owners, sorted
entries, uncompressed layers (no registry, nothing pulled).

usage: mkimages.py --busybox /bin/busybox --pause PAUSE_BINARY --out FILE
"""
import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile

PAUSE_REF = "localhost/memqos-test/pause:1"
BUSYBOX_REF = "localhost/memqos-test/busybox:1"


def tar_bytes(entries):
    """entries: list of (path, kind, data_or_target, mode); a deterministic tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, kind, data, mode in sorted(entries, key=lambda e: e[0]):
            ti = tarfile.TarInfo(path)
            ti.mtime = 0
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            ti.mode = mode
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Layout:
    def __init__(self):
        self.blobs = {}
        self.manifests = []

    def blob(self, data):
        d = sha(data)
        self.blobs[d] = data
        return {"digest": d, "size": len(data)}

    def image(self, ref, layer, config):
        layer_desc = self.blob(layer)
        cfg = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
        }
        cfg_desc = self.blob(json.dumps(cfg, sort_keys=True).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cfg_desc},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer_desc}],
        }
        m_desc = self.blob(json.dumps(manifest, sort_keys=True).encode())
        self.manifests.append({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            **m_desc,
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"org.opencontainers.image.ref.name": ref},
        })

    def write(self, out):
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": self.manifests}
        entries = [
            ("oci-layout", "file", b'{"imageLayoutVersion": "1.0.0"}', 0o644),
            ("index.json", "file", json.dumps(index, sort_keys=True).encode(), 0o644),
            ("blobs", "dir", None, 0o755),
            ("blobs/sha256", "dir", None, 0o755),
        ]
        for d, data in self.blobs.items():
            entries.append(("blobs/sha256/" + d.split(":", 1)[1], "file", data, 0o644))
        data = tar_bytes(entries)
        with open(out + ".tmp", "wb") as f:
            f.write(data)
        import os
        os.replace(out + ".tmp", out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("--pause", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    with open(a.pause, "rb") as f:
        pause = f.read()
    with open(a.busybox, "rb") as f:
        busybox = f.read()
    applets = subprocess.run([a.busybox, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    common = [(d, "dir", None, 0o755) for d in ("dev", "proc", "sys", "etc", "tmp", "bin")]
    common[4] = ("tmp", "dir", None, 0o1777)

    lay = Layout()
    lay.image(PAUSE_REF, tar_bytes(common + [("pause", "file", pause, 0o755)]),
              {"Entrypoint": ["/pause"], "Env": ["PATH=/bin"]})
    bb = common + [
        ("bin/busybox", "file", busybox, 0o755),
        ("etc/passwd", "file", b"root:x:0:0:root:/:/bin/sh\n", 0o644),
        ("etc/group", "file", b"root:x:0:\n", 0o644),
    ]
    bb += [("bin/" + x, "link", "busybox", 0o777) for x in applets if x != "busybox"]
    lay.image(BUSYBOX_REF, tar_bytes(bb), {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]})
    lay.write(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
