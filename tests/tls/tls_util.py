"""Certificates made with the openssl command for the RTMPS tests, and a look at
the certificate a TLS listener presents (openssl s_client).

Each test makes its own: a CA, and leaf certificates for 127.0.0.1 signed by it,
so a client can verify the server against that CA (-relay-ca) or fail to
against another one.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402


def _openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True, timeout=60)
    h.check(r.returncode == 0, f"openssl {' '.join(args)} failed: {r.stderr.strip()[:500]}")
    return r.stdout


def make_ca(ctx, name):
    """A self-signed CA: (cert path, key path)."""
    cert, key = ctx.path(f"{name}.crt"), ctx.path(f"{name}.key")
    _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-days", "2", "-subj", f"/CN={name}", "-keyout", key, "-out", cert,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"], ctx.dir)
    return cert, key


def make_leaf(ctx, name, ca, cn=None, san="IP:127.0.0.1,DNS:localhost"):
    """A server certificate for `san` (127.0.0.1 and localhost), signed by `ca`
    ((cert, key) from make_ca): (cert path, key path)."""
    cn = cn or name
    cert, key, csr = ctx.path(f"{name}.crt"), ctx.path(f"{name}.key"), ctx.path(f"{name}.csr")
    ext = ctx.path(f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\n"
                "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    _openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-subj", f"/CN={cn}", "-keyout", key, "-out", csr], ctx.dir)
    _openssl(["x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
              "-days", "2", "-extfile", ext, "-out", cert], ctx.dir)
    return cert, key


def served_subject(port, timeout=20):
    """The subject line of the certificate the listener on 127.0.0.1:port presents."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                        "-servername", "localhost"],
                       input="", capture_output=True, text=True, timeout=timeout)
    m = re.search(r"^subject=(.*)$", r.stdout, re.M)
    h.check(m, f"openssl s_client to {port} showed no certificate (exit {r.returncode}): "
               f"{(r.stdout + r.stderr)[-600:]}")
    return m.group(1).strip()
