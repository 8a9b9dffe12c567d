#!/usr/bin/env python3
"""The RTMPS listener without media: what it refuses, its deadline, its reload.

- Startup: -tls-listen without -tls-cert/-tls-key, -tls-cert/-tls-key without
  -tls-listen, a certificate file that is not PEM, a key that does not belong to
  the certificate (of its type, or an RSA key beside the ECDSA certificate), a
  missing file: each is one line on stderr and exit 2.
- On the TLS port, each of these is closed with exactly one "closing:" log line
  naming it, and a connection_accept (protocol rtmps) / connection_close pair:
  a plain RTMP handshake (C0 = 3), HTTP text, a TLS record that is not a
  ClientHello OpenSSL can use, a silent connection and a ClientHello cut short
  (both past -handshake-timeout: the deadline covers the TLS handshake).
- A TLS client (Python's ssl) does the RTMP handshake and connect over TLS; the
  plain port's connection_accept says protocol rtmp.
- SIGHUP after the files change: `openssl s_client` sees the new certificate;
  a TLS connection made before the reload goes on working; files that do not
  make a context (garbage, a key of another certificate, a key of another
  type) are an ERROR line and the previous certificate stays.
  (Seen failing before: an RSA key beside an ECDSA certificate started, and
  reloaded, with "no certificate": every handshake then failed.)

Usage: test_tls_listener.py  (RTMP_INGEST_BIN from CMake)"""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402
import tls_util as t  # noqa: E402

HANDSHAKE_TIMEOUT = 2  # seconds, -handshake-timeout


def startup_errors(ctx, good):
    cert, key = good
    other_cert, _ = t.make_leaf(ctx, "other", t.make_ca(ctx, "other-ca"))
    rsa_key = rsa_key_file(ctx)
    garbage = ctx.path("garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    port = h.free_port()
    cases = [
        (["-tls-listen", f"127.0.0.1:{port}"], "-tls-listen needs both -tls-cert and -tls-key"),
        (["-tls-listen", f"127.0.0.1:{port}", "-tls-cert", cert], "-tls-listen needs both"),
        (["-tls-cert", cert, "-tls-key", key], "go together with -tls-listen"),
        (["-tls-listen", f"127.0.0.1:{port}", "-tls-cert", garbage, "-tls-key", key],
         f"-tls-cert {garbage}: "),
        (["-tls-listen", f"127.0.0.1:{port}", "-tls-cert", other_cert, "-tls-key", key],
         f"-tls-key {key}: "),
        (["-tls-listen", f"127.0.0.1:{port}", "-tls-cert", cert, "-tls-key", rsa_key],
         f"-tls-key {rsa_key}: "),
        (["-tls-listen", f"127.0.0.1:{port}", "-tls-cert", ctx.path("missing.crt"),
          "-tls-key", key], "No such file or directory"),
        (["-tls-listen", "127.0.0.1:notaport", "-tls-cert", cert, "-tls-key", key],
         "-tls-listen"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTMP_INGEST_")}
    for args, want in cases:
        p = subprocess.run([h.ingest_binary(), "-listen", f"127.0.0.1:{h.free_port()}"] + args,
                           capture_output=True, text=True, timeout=30, env=env)
        lines = p.stderr.strip().splitlines()
        h.check(p.returncode == 2, f"{args}: exit {p.returncode}, want 2; stderr {p.stderr!r}")
        h.check(len(lines) == 1 and want in lines[0],
                f"{args}: stderr {p.stderr!r}, want one line with {want!r}")
        h.log(f"startup error: {lines[0]}")

    # An encrypted key with stdin an open pipe (a terminal, a supervisor's
    # pipe): exit 2 at once, never a passphrase prompt waiting on stdin.
    # (Seen failing before: "Enter PEM pass phrase:" and a wait on stdin.)
    encrypted = encrypted_key_file(ctx, key)
    p = subprocess.run([h.ingest_binary(), "-listen", f"127.0.0.1:{h.free_port()}",
                        "-tls-listen", f"127.0.0.1:{port}", "-tls-cert", cert, "-tls-key", encrypted],
                       stdin=subprocess.PIPE, capture_output=True, text=True, timeout=30, env=env)
    h.check(p.returncode == 2 and "the key is encrypted" in p.stderr and "PEM" not in p.stderr,
            f"encrypted key: exit {p.returncode}, stderr {p.stderr!r}")


def encrypted_key_file(ctx, key):
    path = ctx.path("encrypted.key")
    if not os.path.exists(path):
        subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:s3cret-pw",
                        "-out", path], check=True, capture_output=True, timeout=60)
    return path


def rsa_key_file(ctx):
    path = ctx.path("rsa.key")
    if not os.path.exists(path):
        subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True,
                       capture_output=True, timeout=60)
    return path


def tls_client(port):
    """A TLS connection to the RTMPS port that trusts anything (as ffmpeg does by default)."""
    c = r.RawClient(port)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    c.sock = tls.wrap_socket(c.sock, server_hostname="localhost")
    return c


def refused(ingest, port, name, data, reason, wait=30):
    c = r.RawClient(port)
    if data:
        c.send(data)
    h.check(c.wait_eof(wait), f"{name}: still open after {wait}s")
    line = r.wait_closing_line(ingest, c.addr)
    h.check(reason in line["msg"], f"{name}: closing line {line['msg']!r}, want {reason!r}")
    time.sleep(0.3)
    lines = r.closing_lines(ingest, c.addr)
    h.check(len(lines) == 1, f"{name}: {len(lines)} closing lines for {c.addr}: {lines}")
    h.log(f"{name}: {line['msg']}")
    c.close()
    return c.addr


def accepts_of(ingest, addr):
    return [e for e in ingest.events() if e["type"] == "connection_accept"
            and e["data"].get("remote_addr") == addr]


def main(ctx):
    ca = t.make_ca(ctx, "test-ca")
    first = t.make_leaf(ctx, "first", ca)
    second = t.make_leaf(ctx, "second", ca)
    startup_errors(ctx, first)

    cert, key = ctx.path("server.crt"), ctx.path("server.key")
    shutil.copy(first[0], cert)
    shutil.copy(first[1], key)
    tls_port = h.free_port()
    ingest = h.Ingest(ctx, args=["-tls-listen", f"127.0.0.1:{tls_port}", "-tls-cert", cert,
                                 "-tls-key", key, "-handshake-timeout", f"{HANDSHAKE_TIMEOUT}s"])
    ingest.proc.wait_line(rf"RTMPS on 127.0.0.1:{tls_port} \(port {tls_port}\), certificate "
                          r"subject /CN=first", 10)

    # A whole TLS record holding a ClientHello whose body is 4 bytes long.
    hello = b"\x16\x03\x01\x00\x08" + b"\x01\x00\x00\x04" + b"\x03\x03\x00\x00"
    cases = [
        ("plain RTMP handshake", b"\x03" + os.urandom(1536), "plain RTMP on the TLS port"),
        ("HTTP request", b"GET / HTTP/1.0\r\n\r\n",
         "TLS handshake failed: not a TLS ClientHello (first byte 0x47)"),
        ("malformed ClientHello", hello, "TLS handshake failed: "),
    ]
    addrs = []
    for name, data, reason in cases:
        addrs.append(refused(ingest, tls_port, name, data, reason))
    for name, data in (("silent connection", b""), ("ClientHello cut short", b"\x16\x03\x01\x02")):
        started = time.monotonic()
        addrs.append(refused(ingest, tls_port, name, data, "TLS handshake timeout",
                             wait=HANDSHAKE_TIMEOUT + r.bound(10)))
        took = time.monotonic() - started
        h.check(took >= HANDSHAKE_TIMEOUT - 0.2, f"{name}: closed after {took:.1f}s, before "
                f"-handshake-timeout {HANDSHAKE_TIMEOUT}s")

    # RTMP over TLS, and over the plain port: the protocol in connection_accept.
    before = tls_client(tls_port)
    before.handshake()
    c = before.connect()
    h.check(c[0] == "_result", f"connect over TLS answered {c}")
    plain = r.RawClient(ingest.port)
    plain.handshake()
    plain.close()
    for addr in addrs + [before.addr]:
        acc = h.wait_for(lambda: accepts_of(ingest, addr), 20, f"connection_accept of {addr}")
        h.check(acc[0]["data"].get("protocol") == "rtmps",
                f"{addr} on the TLS port: connection_accept {acc[0]['data']}")
    acc = h.wait_for(lambda: accepts_of(ingest, plain.addr), 20, "plain connection_accept")
    h.check(acc[0]["data"].get("protocol") == "rtmp", f"plain port: {acc[0]['data']}")

    # Reload: new files, SIGHUP, a new certificate for new connections.
    subject = t.served_subject(tls_port)
    h.check("first" in subject, f"before reload s_client sees {subject!r}, want CN=first")
    shutil.copy(second[0], cert)
    shutil.copy(second[1], key)
    ingest.proc.send_signal(signal.SIGHUP)
    ingest.proc.wait_line(r"SIGHUP: TLS certificate reloaded: subject /CN=second", 20)
    subject = t.served_subject(tls_port)
    h.check("second" in subject, f"after reload s_client sees {subject!r}, want CN=second")
    h.log(f"after SIGHUP s_client sees {subject}")
    # The connection made before the reload goes on.
    before.send(r.command_msg("createStream", 2, None))
    before.wait_command(lambda c: c[0] == "_result" and c[1] == 2, "createStream over TLS")
    before.close()

    # Files that do not make a context: an ERROR line, the previous certificate stays.
    for what, write in (("garbage certificate", lambda: open(cert, "w").write("garbage\n")),
                        ("key of another certificate", lambda: shutil.copy(first[1], key)),
                        ("RSA key", lambda: shutil.copy(rsa_key_file(ctx), key)),
                        ("encrypted key",
                         lambda: shutil.copy(encrypted_key_file(ctx, second[1]), key))):
        shutil.copy(second[0], cert)
        shutil.copy(second[1], key)
        write()
        n = ingest.log_text().count("TLS certificate not reloaded")
        ingest.proc.send_signal(signal.SIGHUP)
        h.wait_for(lambda: ingest.log_text().count("TLS certificate not reloaded") > n, 20,
                   f"{what}: an ERROR line")
        line = [l for l in r.log_lines(ingest) if "TLS certificate not reloaded" in
                str(l.get("msg"))][-1]
        h.check(line.get("level") == "error", f"{what}: logged as {line}")
        subject = t.served_subject(tls_port)
        h.check("second" in subject, f"{what}: s_client sees {subject!r}, want CN=second kept")
        h.log(f"{what}: {line['msg']}")

    ingest.stop()
    r.check_sanitizer_clean(ctx)


if __name__ == "__main__":
    h.run(main)
