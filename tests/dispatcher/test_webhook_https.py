"""HTTPS webhooks work: a TLS receiver with a self-signed certificate, trusted
through -webhook-ca-file; without it the delivery fails with a TLS error."""
import os
import shutil
import subprocess

import proc_util as pu


def main(ctx):
    if not shutil.which("openssl"):
        raise SystemExit(77)
    cert, key = os.path.join(ctx.tmp, "cert.pem"), os.path.join(ctx.tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    rx = pu.Receiver(tls=(cert, key))
    ctx.cleanups.append(rx.close)

    pusher = pu.Pusher(ctx, "pusher", ["-count", "5", "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "trusting", ["-events-connect", pusher.endpoint,
                                        "-hook-webhook", f"*={rx.url}/", "-webhook-ca-file", cert])
    pusher.wait_sent()
    reqs = rx.wait_count(5, 60, "/")
    pu.check(len({r.json["id"] for r in reqs}) == 5, "5 events over https")
    pu.check(d.stop() == 0, "exit status")

    pusher2 = pu.Pusher(ctx, "pusher2", ["-count", "1", "-wait-peers", "1"])
    d2 = pu.dispatcher(ctx, "untrusting", ["-events-connect", pusher2.endpoint,
                                           "-hook-webhook", f"*={rx.url}/", "-webhook-retries", "0"])
    d2.wait_log(r"webhook .*failed .*(SSL|certificate)", 60)
    pu.check(d2.stop() == 0, "exit status")


pu.run(main)
